/* SPDX-License-Identifier: MIT */
/* fmt_ui.c - layout maths, chart cells, labels and the stats panel's rows
 * for the UI; see fmt_ui.h. Nothing here knows about curses: ui_draw.c
 * asks, then paints, so all of this is tested without a terminal. */
#include "fmt_ui.h"
#include "fmt.h"
#include "hw.h"

#include <math.h>
#include <stdarg.h>
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
    lo->too_small = lines < 12 || cols < 40;
    if (lo->too_small) {
        lo->message_row = lines > 0 ? lines - 1 : 0;
        return;
    }
    layout_rows(lo, replay);
    layout_cols(lo);
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
        struct ui_col col = {.value = NAN, .time = NAN};
        for (; taken < end; taken++) {
            bool is_gap;
            size_t p = 0;
            if (!seq_next(&s, &is_gap, &p))
                break;
            col_add(&col, &s, is_gap, p, worse);
        }
        if (col.gap)
            col.time = NAN;
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
    static const double steps[] = {1,   2,   5,    10,   15,   30,    60,    120,  300,
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

/* ---- stats panel: rows with priorities, so a short panel drops the
 * least important first ---- */

const int fmt_ui_head_order[SNAP_N_HEADS] = {1, 2, 3, 4, 5, 6, 7, 8, 0};
static const char *const head_names[SNAP_N_HEADS] = {"other", "tuple", "list", "dict", "str",
                                                     "array", "float", "func", "module"};

char *fmt_ui_problems(char *buf, size_t cap, unsigned bits)
{
    size_t len = 0;
    buf[0] = '\0';
    for (unsigned b = 0; b < SNAP_N_PROBLEMS && len + 1 < cap; b++)
        if (bits & (1u << b))
            len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? "," : "",
                                    snapshot_problem_name(1u << b));
    return buf;
}

const char *fmt_ui_link(enum ui_link l, int *tone)
{
    static const char *const names[] = {"connecting",   "ready",     "busy",
                                        "reconnecting", "listening", "replay"};
    static const int tones[] = {UI_TONE_WARN, UI_TONE_OK, UI_TONE_WARN,
                                UI_TONE_BAD,  UI_TONE_OK, UI_TONE_OK};
    unsigned i = (unsigned)l < ARRAY_LEN(names) ? (unsigned)l : 0;
    *tone = tones[i];
    return names[i];
}

static struct ui_stat_row *srow(struct ui_stats *st, int prio, const char *label, int tone,
                                const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static struct ui_stat_row *srow(struct ui_stats *st, int prio, const char *label, int tone,
                                const char *fmt, ...)
{
    static struct ui_stat_row spare; /* overflow: written, never shown */
    if (st->n >= UI_STATS_MAX)
        return &spare;
    struct ui_stat_row *r = &st->r[st->n++];
    memset(r, 0, sizeof(*r));
    r->kind = UI_ROW_TEXT;
    r->prio = prio;
    r->tone = tone;
    r->bar = -1;
    r->bar_class = -1;
    snprintf(r->label, sizeof(r->label), "%s", label);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->value, sizeof(r->value), fmt, ap);
    va_end(ap);
    return r;
}

static uint64_t total_bytes(const struct snapshot *s)
{
    if (s->has_gc)
        return s->gc_total;
    if (s->has_metrics && s->block_size)
        return (uint64_t)s->metrics.blocks * s->block_size;
    return UINT64_MAX;
}

static double frac_of(uint64_t part, uint64_t whole)
{
    return part == UINT64_MAX || whole == UINT64_MAX || whole == 0 ? -1
                                                                   : (double)part / (double)whole;
}

static void stats_heap(struct ui_stats *st, const struct snapshot *s)
{
    char a[24], b[24], c[48];
    uint64_t total = total_bytes(s), used = snapshot_used_bytes(s), fr = snapshot_free_bytes(s);
    uint64_t big = snapshot_largest_free_bytes(s);
    c[0] = '\0';
    if (st->wide && s->has_metrics && s->block_size)
        snprintf(c, sizeof(c), "  %zu x %u B", s->metrics.blocks, s->block_size);
    srow(st, 2, "total", UI_TONE_OK, "%s%s", fmt_bytes(a, sizeof(a), total), c);
    struct ui_stat_row *r = srow(st, 1, "used", UI_TONE_OK, "%s %s", fmt_bytes(a, sizeof(a), used),
                          fmt_pct(b, sizeof(b), frac_of(used, total)));
    r->bar = st->wide ? frac_of(used, total) : -1;
    r->bar_tone = UI_TONE_CHART;
    srow(st, 1, "free", UI_TONE_OK, "%s %s", fmt_bytes(a, sizeof(a), fr),
         fmt_pct(b, sizeof(b), frac_of(fr, total)));
    if (big == UINT64_MAX)
        srow(st, 1, "largest", UI_TONE_WARN, st->wide ? "- (map incomplete)" : "unknown");
    else
        srow(st, 1, "largest", UI_TONE_OK, "%s %llu blk", fmt_bytes(a, sizeof(a), big),
             (unsigned long long)(s->block_size ? big / s->block_size : 0));
    if (s->has_metrics) {
        double f = s->metrics.fragmentation;
        r = srow(st, 1, "frag", f > 0.5 ? UI_TONE_WARN : UI_TONE_OK, "%.3f%s", f,
                 s->complete ? "" : st->wide ? " (partial map)" : "?");
        r->bar = st->wide ? f : -1;
        r->bar_tone = f > 0.5 ? UI_TONE_WARN : UI_TONE_CHART;
        const struct metrics *m = &s->metrics;
        srow(st, 3, "allocs", UI_TONE_OK, st->wide ? "%zu  1-blk %zu, 2-blk %zu, max %zu blk" : "%zu",
             m->allocations, m->one_block, m->two_block, m->max_block);
    }
}

static void check_names(char *buf, size_t cap, unsigned bits)
{
    size_t len = 0;
    buf[0] = '\0';
    for (unsigned b = 0; b < SNAP_N_CHECKS && len + 1 < cap; b++)
        if (bits & (1u << b))
            len += (size_t)snprintf(buf + len, cap - len, "%s%s", len ? "," : "",
                                    snapshot_check_name(1u << b));
}

static void stats_map(struct ui_stats *st, const struct snapshot *s)
{
    char names[96];
    if (!s->complete) {
        fmt_ui_problems(names, sizeof(names), s->problems);
        srow(st, 1, "map", UI_TONE_BAD, "INCOMPLETE%s%s", st->wide ? ": " : "",
             st->wide ? (names[0] ? names : "cut") : "");
    } else if (s->consistent == 0) {
        check_names(names, sizeof(names), s->mismatches);
        srow(st, 1, "map", UI_TONE_WARN, "mismatch%s%s", st->wide ? ": " : "", st->wide ? names : "");
    } else {
        srow(st, 1, "map", UI_TONE_OK, "complete%s",
             s->consistent != 1 ? "" : st->wide ? ", consistent" : ", ok");
    }
}

static void stats_board(struct ui_stats *st, const struct view *v, const struct snapshot *s,
                        size_t area)
{
    char a[24], b[24];
    if (s->has_stack) {
        struct ui_stat_row *r = srow(st, st->wide ? 2 : 4, "stack", UI_TONE_OK, "%s%s%s",
                              fmt_bytes(a, sizeof(a), s->stack_used),
                              s->has_stack_limit ? " of " : "",
                              s->has_stack_limit ? fmt_bytes(b, sizeof(b), s->stack_limit) : "");
        r->bar = st->wide && s->has_stack_limit ? frac_of(s->stack_used, s->stack_limit) : -1;
        r->bar_tone = UI_TONE_CHART;
    }
    if (v->has_probe)
        srow(st, st->wide ? 3 : 5, "probe", UI_TONE_DIM, "%ld B/sample", v->probe_bytes);
    if (s->n_areas > 1)
        srow(st, 2, "areas", UI_TONE_OK, st->wide ? "%zu (split heap), showing %zu @%s" : "%zu, #%zu",
             s->n_areas, area + 1, s->areas[area].base);
    else if (s->n_areas == 1 && st->wide)
        srow(st, 4, "areas", UI_TONE_DIM, "1 @%s", s->areas[0].base);
}

static void stats_gc(struct ui_stats *st, const struct view *v)
{
    const struct ui_gc_compare *g = &v->gc;
    char a[24], b[24], c[24];
    if (!g->valid)
        return;
    uint64_t back = g->used_before > g->used_after ? g->used_before - g->used_after : 0;
    const char *to = st->utf8 ? "\u2192" : "->";
    srow(st, 1, "gc", back ? UI_TONE_OK : UI_TONE_WARN, "%s back", fmt_bytes(a, sizeof(a), back));
    srow(st, 2, "gc used", UI_TONE_OK, "%s%s%s", fmt_bytes(b, sizeof(b), g->used_before), to,
         fmt_bytes(c, sizeof(c), g->used_after));
    srow(st, 2, "gc big", g->largest_after < g->largest_before ? UI_TONE_WARN : UI_TONE_OK, "%s%s%s",
         fmt_bytes(a, sizeof(a), g->largest_before), to,
         fmt_bytes(b, sizeof(b), g->largest_after));
    if (g->frag_before >= 0 && g->frag_after >= 0)
        srow(st, 3, "gc frag", UI_TONE_OK, "%.3f%s%.3f", g->frag_before, to, g->frag_after);
}

static void stats_link(struct ui_stats *st, const struct view *v)
{
    char rate[32], age[16];
    int tone;
    const char *ln = fmt_ui_link(v->link, &tone);
    srow(st, st->wide ? 3 : 7, "link", tone, "%s%s%s", ln,
         v->link_detail && v->link_detail[0] ? ": " : "", v->link_detail ? v->link_detail : "");
    if (!v->replay)
        srow(st, st->wide ? 3 : 7, "rate", UI_TONE_OK, st->wide ? "%s, last sample %s ago" : "%s, %s ago",
             fmt_ui_rate(rate, sizeof(rate), v->sample_rate),
             v->last_sample_age >= 0 ? fmt_duration(age, sizeof(age), v->last_sample_age) : "-");
}

/* UTF-8 bytes of one code point (BMP is all the UI draws). */
static size_t utf8_put(char *out, uint32_t cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    out[0] = (char)(0xE0 | (cp >> 12));
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
}

/* Free runs by size (log2 buckets): one bar per non-empty bucket when wide, a
 * one-line sparkline (1 block ... largest bucket) when compact. */
static void stats_hist(struct ui_stats *st, const struct snapshot *s)
{
    const size_t *h = s->metrics.free_hist;
    int top = -1;
    size_t max = 0;
    for (int b = 0; b < SNAP_HIST_BUCKETS; b++) {
        if (h[b])
            top = b;
        max = h[b] > max ? h[b] : max;
    }
    if (top < 0)
        return;
    char lbl[24];
    if (!st->wide) {
        /* one cell per bucket from 1 block up, then the top bucket's bound
         * if the row has room for it */
        char spark[SNAP_HIST_BUCKETS * 3 + 1];
        size_t len = 0;
        for (int b = 0; b <= top; b++) {
            int level = h[b] ? fmt_ui_level((double)h[b], 0, (double)max, 1) : 0;
            len += utf8_put(spark + len, fmt_ui_spark(level, 0, st->utf8));
        }
        spark[len] = '\0';
        fmt_ui_bucket(lbl, sizeof(lbl), top);
        const char *dash = strrchr(lbl, '-');
        bool room = st->width - 8 >= top + 2 + (int)strlen(dash ? dash + 1 : lbl);
        srow(st, 3, "runs", UI_TONE_CHART, "%s%s%s", spark, room ? " <" : "",
             room ? (dash ? dash + 1 : lbl) : "");
        return;
    }
    struct ui_stat_row *r = srow(st, 4, "free runs", UI_TONE_DIM, "by size in blocks");
    r->kind = UI_ROW_HEADER;
    for (int b = 0; b <= top; b++) {
        if (!h[b])
            continue; /* the labels say which sizes are missing; rows are scarce */
        r = srow(st, 4, fmt_ui_bucket(lbl, sizeof(lbl), b), UI_TONE_OK, "%6zu", h[b]);
        r->bar = (double)h[b] / (double)max;
        r->bar_class = b <= 1 ? HM_C_HOLE_TINY : b <= 3 ? HM_C_HOLE_SMALL
                    : b <= 7 ? HM_C_HOLE_MEDIUM : HM_C_HOLE_LARGE;
    }
}

/* Allocations per type: one bar per type when wide, "T12 L40 ..." packed
 * into as few rows as the width allows when compact. */
static void stats_heads(struct ui_stats *st, const struct snapshot *s)
{
    const size_t *n = s->metrics.heads;
    size_t max = 1;
    for (int i = 0; i < SNAP_N_HEADS; i++)
        max = n[i] > max ? n[i] : max;
    if (st->wide) {
        struct ui_stat_row *r = srow(st, 5, "allocations", UI_TONE_DIM, "by type");
        r->kind = UI_ROW_HEADER;
        for (int i = 0; i < SNAP_N_HEADS; i++) {
            int t = fmt_ui_head_order[i];
            r = srow(st, 5, "", UI_TONE_OK, "%6zu", n[t]);
            snprintf(r->label, sizeof(r->label), "%c %s", SNAP_HEAD_LETTERS[t], head_names[t]);
            r->bar = (double)n[t] / (double)max;
            r->bar_class = HM_C_HEAD_h + t;
        }
        return;
    }
    int from = 0, w = 0;
    for (int i = 0; i <= SNAP_N_HEADS; i++) {
        char item[24];
        int len = i < SNAP_N_HEADS
                      ? snprintf(item, sizeof(item), "%c%zu ", SNAP_HEAD_LETTERS[fmt_ui_head_order[i]],
                                 n[fmt_ui_head_order[i]])
                      : 0;
        if (i == SNAP_N_HEADS || (w + len > st->width && i > from)) {
            struct ui_stat_row *r = srow(st, 4, "", UI_TONE_OK, "%s", "");
            r->kind = UI_ROW_HEADS;
            r->from = from;
            r->to = i;
            from = i;
            w = 0;
        }
        w += len;
    }
}

/* Drop rows, least important (highest prio) and last first, until they fit. */
static void stats_fit(struct ui_stats *st, int rows)
{
    while (st->n > rows) {
        int worst = 0;
        for (int i = 0; i < st->n; i++)
            worst = st->r[i].prio > st->r[worst].prio ? i : worst;
        for (int i = st->n - 1; i >= 0; i--) {
            if (st->r[i].prio == st->r[worst].prio) {
                memmove(&st->r[i], &st->r[i + 1], (size_t)(st->n - i - 1) * sizeof(st->r[0]));
                st->n--;
                break;
            }
        }
    }
}



void fmt_ui_stats(struct ui_stats *st, const struct view *v, const struct snapshot *s, int width,
                  int rows, bool utf8)
{
    st->n = 0;
    /* one row per bucket and per type needs both room across and down */
    st->wide = width >= 28 && rows >= 20;
    st->width = width;
    st->utf8 = utf8;
    if (s) {
        size_t area = s->n_areas && v->area < s->n_areas ? v->area : 0;
        stats_heap(st, s);
        stats_map(st, s);
        stats_gc(st, v);
        stats_board(st, v, s, area);
    }
    stats_link(st, v);
    if (s && s->has_metrics) {
        stats_hist(st, s);
        stats_heads(st, s);
    }
    stats_fit(st, rows);
}

/* ---- trend values ---- */

double fmt_ui_point(const struct hist_point *p, int id)
{
    switch (id) {
    case 0: return p->used == UINT64_MAX ? (double)NAN : (double)p->used;
    case 1: return p->free == UINT64_MAX ? (double)NAN : (double)p->free;
    case 2: return p->largest_free == UINT64_MAX ? (double)NAN : (double)p->largest_free;
    default: return p->frag < 0 ? (double)NAN : p->frag;
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

