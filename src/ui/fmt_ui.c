/* SPDX-License-Identifier: MIT */
/* fmt_ui.c - layout maths, chart cells, trend columns, the time axis and
 * labels for the UI; see fmt_ui.h. Nothing here knows about curses:
 * ui_draw.c, ui_trends.c and ui_stats.c ask, then paint or build rows, so
 * all of this is tested without a terminal. */
#include "fmt_ui.h"
#include "fmt.h"
#include "hw.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- layout ---- */

/* Rows: status, heatmap title, heatmap, legend, trends (title, series,
 * axis), [replay bar], message. The heatmap gets what the rest leaves;
 * when that is too little, the trends give up height, then series. */
static void layout_rows(struct ui_layout *lo, bool replay)
{
    int lines = lo->lines;
    lo->status_row = 0;
    lo->message_row = lines - 1;
    lo->replay_row = replay ? lines - 2 : -1;
    lo->legend_rows = lo->cols >= 130 ? 1 : 2;
    lo->trend_height = lines >= 56 ? 3 : lines >= 40 ? 2 : 1;
    lo->trend_series = 4;
    int avail = (replay ? lines - 2 : lines - 1) - 1;
    int heat_min = lines >= 24 ? 8 : 3;
    for (;;) {
        int trend = lo->trend_series ? 2 + lo->trend_series * lo->trend_height : 0;
        lo->heat_rows = avail - 1 - lo->legend_rows - trend;
        if (lo->heat_rows >= heat_min || lo->trend_series == 0)
            break;
        if (lo->trend_height > 1)
            lo->trend_height--;
        else
            lo->trend_series--;
    }
    lo->heat_title_row = 1;
    lo->heat_top = 2;
    lo->legend_top = lo->heat_top + lo->heat_rows;
    int after_legend = lo->legend_top + lo->legend_rows;
    lo->trend_title_row = lo->trend_series ? after_legend : -1;
    lo->trend_top = lo->trend_series ? after_legend + 1 : -1;
    lo->axis_row = lo->trend_series ? lo->trend_top + lo->trend_series * lo->trend_height : -1;
}

/* Columns: heatmap on the left (with block offsets when wide), stats on
 * the right. Rows of cells are a multiple of 8 wide so row offsets stay
 * round; the stats panel takes the slack. */
static void layout_cols(struct ui_layout *lo)
{
    int cols = lo->cols;
    int stats = cols >= 120 ? (cols / 4 < 48 ? cols / 4 : 48) : cols >= 70 ? 22 : 18;
    int heat = cols - stats - 1;
    lo->gutter = heat >= 100 ? 9 : 0;
    lo->heat_left = lo->gutter;
    lo->heat_cols = heat - lo->gutter;
    if (lo->heat_cols >= 32)
        lo->heat_cols -= lo->heat_cols % 8;
    lo->sep_col = lo->heat_left + lo->heat_cols;
    lo->stats_left = lo->sep_col + 1;
    lo->stats_cols = cols - lo->stats_left;
    lo->stats_top = lo->heat_title_row;
    lo->stats_rows = 1 + lo->heat_rows;
    lo->trend_label_cols = 6;
    lo->trend_value_cols = cols >= 100 ? 26 : 20;
    lo->trend_chart_left = lo->trend_label_cols;
    lo->trend_chart_cols = cols - lo->trend_label_cols - lo->trend_value_cols - 1;
    lo->trend_value_left = cols - lo->trend_value_cols;
}

void fmt_ui_layout(int lines, int cols, bool replay, struct ui_layout *lo)
{
    memset(lo, 0, sizeof(*lo));
    lo->lines = lines;
    lo->cols = cols;
    lo->trend_title_row = lo->trend_top = lo->axis_row = lo->replay_row = -1;
    lo->too_small = lines < UI_MIN_LINES || cols < UI_MIN_COLS;
    if (lo->too_small) {
        lo->message_row = lines > 0 ? lines - 1 : 0;
        return;
    }
    layout_rows(lo, replay);
    layout_cols(lo);
}

/* Wrap text (single spaces) into buf at cols, replacing spaces with '\n'
 * where a line must end. False if a word is wider than cols or it takes
 * more than lines lines. */
static bool wrap(char *buf, size_t cap, const char *text, int lines, int cols)
{
    snprintf(buf, cap, "%s", text);
    int n = 1;
    char *line = buf, *last_space = NULL;
    for (char *p = buf; *p; p++) {
        if (*p == ' ')
            last_space = p;
        if (p - line < cols)
            continue;
        /* p is the first character past the edge: end the line before it */
        if (*p == ' ') {
            last_space = p;
        } else if (!last_space || last_space < line) {
            return false;
        }
        *last_space = '\n';
        line = last_space + 1;
        p = last_space;
        if (++n > lines)
            return false;
    }
    return true;
}

char *fmt_ui_too_small(char *buf, size_t cap, int lines, int cols)
{
    char have[24], need[24], forms[6][128];
    snprintf(have, sizeof(have), "%dx%d", cols, lines);
    snprintf(need, sizeof(need), "%dx%d", UI_MIN_COLS, UI_MIN_LINES);
    /* longest first; the last one fits wherever the size it names does */
    snprintf(forms[0], sizeof(forms[0]),
             "terminal too small (%s): heapwatch needs %s, 80x24 for everything", have, need);
    snprintf(forms[1], sizeof(forms[1]), "terminal too small (%s): heapwatch needs %s", have, need);
    snprintf(forms[2], sizeof(forms[2]), "too small (%s): needs %s", have, need);
    snprintf(forms[3], sizeof(forms[3]), "too small: needs %s", need);
    snprintf(forms[4], sizeof(forms[4]), "needs %s", need);
    snprintf(forms[5], sizeof(forms[5]), "%s", need);
    for (size_t i = 0; i < ARRAY_LEN(forms); i++)
        if (wrap(buf, cap, forms[i], lines, cols))
            return buf;
    /* narrower than "40x12": as much of it as there is room for */
    snprintf(buf, cap, "%.*s", cols > 0 ? cols : 0, need);
    return buf;
}

void fmt_ui_series(int n, int *out)
{
    static const int order[5][4] = {{0}, {0}, {0, 2}, {0, 2, 3}, {0, 1, 2, 3}};
    if (n < 0)
        n = 0;
    if (n > 4)
        n = 4;
    for (int i = 0; i < n; i++)
        out[i] = order[n][i];
}

/* ---- trend columns ---- */

/* The samples and gaps as one sequence, read front to back. */
struct seq {
    const double *value, *time;
    const bool *gap;
    size_t n, i;
    bool gap_done;
};

static bool seq_next(struct seq *s, bool *is_gap, size_t *point)
{
    if (s->i >= s->n)
        return false;
    if (s->i > 0 && s->gap && s->gap[s->i] && !s->gap_done) {
        s->gap_done = true;
        *is_gap = true;
        return true;
    }
    *is_gap = false;
    *point = s->i++;
    s->gap_done = false;
    return true;
}

static void col_add(struct ui_col *c, const struct seq *s, bool is_gap, size_t p, int worse)
{
    if (is_gap) {
        c->gap = true;
        c->valid = false;
        return;
    }
    c->time = s->time[p];
    double v = s->value[p];
    if (c->gap || isnan(v))
        return;
    if (!c->valid || (worse > 0 ? v > c->value : v < c->value))
        c->value = v;
    c->valid = true;
}

size_t fmt_ui_columns(const double *value, const double *time, const bool *gap_before, size_t n,
                      size_t width, int worse, struct ui_col *out)
{
    size_t m = n;
    for (size_t i = 1; gap_before && i < n; i++)
        m += gap_before[i];
    if (width == 0 || n == 0)
        return 0;
    size_t ncols = m < width ? m : width;
    struct seq s = {.value = value, .time = time, .gap = gap_before, .n = n};
    size_t taken = 0;
    for (size_t c = 0; c < ncols; c++) {
        /* column c covers sequence items [c*m/ncols, (c+1)*m/ncols) */
        size_t end = (c + 1) * m / ncols;
        struct ui_col col = {.value = (double)NAN, .time = (double)NAN};
        for (; taken < end; taken++) {
            bool is_gap;
            size_t p = 0;
            if (!seq_next(&s, &is_gap, &p))
                break;
            col_add(&col, &s, is_gap, p, worse);
        }
        if (col.gap)
            col.time = (double)NAN;
        out[c] = col;
    }
    return ncols;
}

/* ---- chart cells ---- */

int fmt_ui_level(double v, double lo, double hi, int height)
{
    int top = 8 * (height > 0 ? height : 1);
    if (isnan(v))
        return 0;
    if (!(hi > lo))
        return (top + 1) / 2;
    double f = (v - lo) / (hi - lo);
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    /* the lowest value still shows a sliver: blank means "no sample" */
    return 1 + (int)lround(f * (top - 1));
}

uint32_t fmt_ui_spark(int level, int from_bottom, bool utf8)
{
    static const char ascii[9] = {' ', '_', '_', '.', '.', '-', '-', '=', '#'};
    int l = level - 8 * from_bottom;
    l = l < 0 ? 0 : l > 8 ? 8 : l;
    if (!utf8)
        return (uint32_t)ascii[l];
    return l == 0 ? ' ' : 0x2580u + (uint32_t)l; /* U+2581 lower 1/8 .. U+2588 full */
}

void fmt_ui_hbar(uint32_t *out, size_t width, double frac, bool utf8)
{
    frac = frac < 0 || isnan(frac) ? 0 : frac > 1 ? 1 : frac;
    size_t eighths = (size_t)lround(frac * (double)width * 8);
    if (frac > 0 && eighths == 0)
        eighths = 1; /* a count that exists is never drawn as nothing */
    size_t full = eighths / 8, part = eighths % 8;
    for (size_t i = 0; i < width; i++) {
        if (i < full)
            out[i] = utf8 ? 0x2588 : '#';
        else if (i == full && part)
            out[i] = utf8 ? 0x2590u - (uint32_t)part : (part >= 4 ? '#' : '+');
        else
            out[i] = ' ';
    }
}

/* ---- time axis ---- */

char *fmt_ui_ago(char *buf, size_t cap, double seconds)
{
    long s = lround(seconds < 0 ? 0 : seconds);
    if (s < 60)
        snprintf(buf, cap, "%lds", s);
    else if (s < 3600)
        snprintf(buf, cap, s % 60 ? "%ldm%02ld" : "%ldm", s / 60, s % 60);
    else
        snprintf(buf, cap, (s / 60) % 60 ? "%ldh%02ld" : "%ldh", s / 3600, (s / 60) % 60);
    return buf;
}

/* The round step in seconds that puts ticks at least min_cols apart. */
static double tick_step(double span, size_t n, double min_cols)
{
    static const double steps[] = {1,   2,   5,    10,   15,   30,    60,    120,   300,
                                   600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400};
    double cols_per_s = span > 0 ? (double)(n - 1) / span : 0;
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
        if (steps[i] * cols_per_s >= min_cols)
            return steps[i];
    return 86400 * ceil(min_cols / (cols_per_s * 86400));
}

/* Index of the non-gap column whose time is nearest t; -1 if none. */
static long nearest_col(const struct ui_col *cols, size_t n, double t)
{
    long best = -1;
    double bd = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(cols[i].time))
            continue;
        double d = fabs(cols[i].time - t);
        if (best < 0 || d < bd) {
            best = (long)i;
            bd = d;
        }
    }
    return best;
}

/* First (dir > 0) or last (dir < 0) column that has a time. */
static long edge_col(const struct ui_col *cols, size_t n, int dir)
{
    for (size_t j = 0; j < n; j++) {
        size_t i = dir > 0 ? j : n - 1 - j;
        if (!isnan(cols[i].time))
            return (long)i;
    }
    return -1;
}

char *fmt_ui_axis(char *buf, size_t cap, size_t width, const struct ui_col *cols, size_t n)
{
    if (cap == 0)
        return buf;
    if (width >= cap)
        width = cap - 1;
    memset(buf, ' ', width);
    buf[width] = '\0';
    if (n > width) {
        cols += n - width;
        n = width;
    }
    long first = edge_col(cols, n, 1), last = edge_col(cols, n, -1);
    if (last < 0)
        return buf;
    double ref = cols[last].time, span = ref - cols[first].time;
    /* one sample, or all at one time: only "now" */
    double step = span > 0 && n > 1 ? tick_step(span, n, 10) : 1e300;
    long off = (long)(width - n), limit = (long)width;
    for (long j = 0;; j++) {
        double t = ref - (double)j * step;
        if (j > 0 && t < cols[first].time - step / 2)
            break;
        long c = nearest_col(cols, n, t);
        if (c < 0 || fabs(cols[c].time - t) > step / 2)
            continue; /* a gap swallowed this tick */
        char label[16] = "now", ago[12];
        if (j > 0)
            snprintf(label, sizeof(label), "-%s", fmt_ui_ago(ago, sizeof(ago), (double)j * step));
        long pos = off + c, len = (long)strlen(label);
        if (pos >= limit || pos - len < 0)
            continue;
        memcpy(buf + pos - len, label, (size_t)len);
        buf[pos] = '|';
        limit = pos - len - 1;
    }
    return buf;
}

/* ---- labels ---- */

char *fmt_ui_size(char *buf, size_t cap, uint64_t n)
{
    static const char *const units[] = {"KiB", "MiB", "GiB"};
    if (n < 1024) {
        snprintf(buf, cap, "%llu B", (unsigned long long)n);
        return buf;
    }
    for (int u = 2; u >= 0; u--) {
        uint64_t unit = 1ull << (10 * (u + 1));
        if (n >= unit && n % unit == 0) {
            snprintf(buf, cap, "%llu %s", (unsigned long long)(n / unit), units[u]);
            return buf;
        }
    }
    return fmt_bytes(buf, cap, n);
}

char *fmt_ui_scale(char *buf, size_t cap, size_t k, unsigned block_size, size_t max_len)
{
    char size[24] = "";
    if (block_size)
        fmt_ui_size(size, sizeof(size), (uint64_t)k * block_size);
    snprintf(buf, cap, block_size ? "1 cell = %zu block%s = %s" : "1 cell = %zu block%s", k,
             k == 1 ? "" : "s", size);
    if (strlen(buf) <= max_len)
        return buf;
    snprintf(buf, cap, block_size ? "%zu blk/cell = %s" : "%zu blk/cell", k, size);
    if (strlen(buf) <= max_len)
        return buf;
    snprintf(buf, cap, "%zu blk/cell", k);
    return buf;
}

/* Powers of two as "512", "1K", "64K", "2M". */
static void pow2_label(char *buf, size_t cap, size_t n)
{
    if (n >= (1u << 20) && n % (1u << 20) == 0)
        snprintf(buf, cap, "%zuM", n >> 20);
    else if (n >= 1024 && n % 1024 == 0)
        snprintf(buf, cap, "%zuK", n >> 10);
    else
        snprintf(buf, cap, "%zu", n);
}

char *fmt_ui_bucket(char *buf, size_t cap, int b)
{
    char lo[24], hi[24];
    if (b <= 0) {
        snprintf(buf, cap, "1");
        return buf;
    }
    size_t first = (size_t)1 << b;
    if (first < 1024) {
        snprintf(buf, cap, "%zu-%zu", first, 2 * first - 1);
        return buf;
    }
    /* "1K-2K": from 1024 up to (not including) 2048 */
    pow2_label(lo, sizeof(lo), first);
    pow2_label(hi, sizeof(hi), 2 * first);
    snprintf(buf, cap, "%s-%s", lo, hi);
    return buf;
}

char *fmt_ui_rate(char *buf, size_t cap, double r)
{
    char d[16];
    if (!(r > 0))
        snprintf(buf, cap, "-");
    else if (r >= 9.95)
        snprintf(buf, cap, "%.0f/s", r);
    else if (r >= 0.995)
        snprintf(buf, cap, "%.1f/s", r);
    else
        snprintf(buf, cap, "1 per %s", fmt_duration(d, sizeof(d), 1.0 / r));
    return buf;
}

char *fmt_ui_speed(char *buf, size_t cap, double x)
{
    /* speeds are powers of two: below 1x the fraction reads better than
     * its decimals ("1/64x", not "0.015625x") */
    double inv = x > 0 && x < 1 ? 1 / x : 0;
    if (inv > 0 && fabs(inv - round(inv)) < 1e-9)
        snprintf(buf, cap, "1/%.0fx", inv);
    else
        snprintf(buf, cap, "%gx", x);
    return buf;
}

/* "cut,offset": the names of the set bits, comma-separated */
static char *join_names(char *buf, size_t cap, unsigned bits, unsigned n,
                        const char *(*name)(unsigned))
{
    size_t len = 0;
    buf[0] = '\0';
    for (unsigned b = 0; b < n && len + 1 < cap; b++)
        if (bits & (1u << b))
            len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? "," : "", name(1u << b));
    return buf;
}

char *fmt_ui_problems(char *buf, size_t cap, unsigned bits)
{
    return join_names(buf, cap, bits, SNAP_N_PROBLEMS, snapshot_problem_name);
}

char *fmt_ui_mismatches(char *buf, size_t cap, unsigned bits)
{
    return join_names(buf, cap, bits, SNAP_N_CHECKS, snapshot_check_name);
}

const char *fmt_ui_link(enum ui_link l, int *tone)
{
    static const char *const names[] = {"connecting", "ready",  "busy",  "reconnecting",
                                        "listening",  "replay", "shared"};
    static const int tones[] = {UI_TONE_WARN, UI_TONE_OK, UI_TONE_WARN, UI_TONE_BAD,
                                UI_TONE_OK,   UI_TONE_OK, UI_TONE_WARN};
    unsigned i = (unsigned)l < ARRAY_LEN(names) ? (unsigned)l : 0;
    *tone = tones[i];
    return names[i];
}

/* ---- trend values ---- */

double fmt_ui_point(const struct hist_point *p, int id)
{
    switch (id) {
    case 0:
        return p->used == UINT64_MAX ? (double)NAN : (double)p->used;
    case 1:
        return p->free == UINT64_MAX ? (double)NAN : (double)p->free;
    case 2:
        return p->largest_free == UINT64_MAX ? (double)NAN : (double)p->largest_free;
    default:
        return p->frag < 0 ? (double)NAN : p->frag;
    }
}

char *fmt_ui_series_value(char *buf, size_t cap, int id, double v)
{
    if (isnan(v))
        snprintf(buf, cap, "-");
    else if (id == 3)
        snprintf(buf, cap, "%.3f", v);
    else
        fmt_bytes(buf, cap, (uint64_t)v);
    return buf;
}
