/* SPDX-License-Identifier: MIT */
/* ui_draw.c - one frame of the full-screen UI from a read-only struct view:
 * status line, heatmap with its legend, stats, replay bar, message line and
 * the help overlay; the trends panel is ui_trends.c's. Immediate mode: erase,
 * lay out from LINES and COLS, draw, refresh. Reads the model, never changes
 * it; layout maths and labels come from fmt_ui.c, the stats rows from
 * ui_stats.c, cells from heatmap.c. */
#include "ui.h"
#include "ui_paint.h"
#include "ui_trends.h"
#include "fmt.h"
#include "fmt_ui.h"
#include "heatmap.h"
#include "history.h"
#include "hw.h"
#include "ui_stats.h"
#include "util.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

struct palette {
    short c256, bg256, c8, bg8;
    attr_t extra; /* added in colour modes */
    attr_t mono;  /* the whole look without colour */
};

/* 256 colours: xterm indexes; -1 = the terminal's default background. */
static const struct palette pal[E_N] = {
    [HM_C_FREE] = {240, -1, COLOR_BLUE, -1, 0, A_DIM},
    [HM_C_HOLE_TINY] = {196, -1, COLOR_RED, -1, A_BOLD, A_BOLD | A_REVERSE},
    [HM_C_HOLE_SMALL] = {208, -1, COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    [HM_C_HOLE_MEDIUM] = {149, -1, COLOR_CYAN, -1, 0, A_NORMAL},
    [HM_C_HOLE_LARGE] = {34, -1, COLOR_GREEN, -1, 0, A_DIM},
    [HM_C_USED_DIM] = {239, -1, COLOR_WHITE, -1, 0, A_DIM},
    [HM_C_HEAD_h] = {250, -1, COLOR_WHITE, -1, 0, A_NORMAL},
    [HM_C_HEAD_T] = {141, -1, COLOR_MAGENTA, -1, 0, A_NORMAL},
    [HM_C_HEAD_L] = {39, -1, COLOR_BLUE, -1, A_BOLD, A_NORMAL},
    [HM_C_HEAD_D] = {214, -1, COLOR_YELLOW, -1, 0, A_NORMAL},
    [HM_C_HEAD_S] = {77, -1, COLOR_GREEN, -1, 0, A_NORMAL},
    [HM_C_HEAD_A] = {180, -1, COLOR_YELLOW, -1, A_BOLD, A_NORMAL},
    [HM_C_HEAD_F] = {211, -1, COLOR_MAGENTA, -1, A_BOLD, A_NORMAL},
    [HM_C_HEAD_B] = {45, -1, COLOR_CYAN, -1, 0, A_NORMAL},
    [HM_C_HEAD_M] = {203, -1, COLOR_RED, -1, 0, A_NORMAL},
    [HM_C_NEW] = {46, -1, COLOR_GREEN, -1, A_BOLD, A_BOLD},
    [HM_C_FREED] = {197, -1, COLOR_RED, -1, A_BOLD, A_BOLD | A_UNDERLINE},
    [HM_C_AGE_1] = {250, -1, COLOR_WHITE, -1, 0, A_DIM},
    [HM_C_AGE_2] = {75, -1, COLOR_CYAN, -1, 0, A_NORMAL},
    [HM_C_AGE_3] = {214, -1, COLOR_YELLOW, -1, 0, A_BOLD},
    [HM_C_AGE_4] = {196, -1, COLOR_RED, -1, A_BOLD, A_BOLD | A_REVERSE},
    [HM_C_UNKNOWN] = {201, -1, COLOR_MAGENTA, -1, A_BOLD, A_REVERSE},
    [E_TITLE] = {255, 24, COLOR_WHITE, COLOR_BLUE, A_BOLD, A_REVERSE},
    [E_RULE] = {242, -1, COLOR_WHITE, -1, 0, A_DIM},
    [E_OK] = {77, -1, COLOR_GREEN, -1, A_BOLD, A_BOLD},
    [E_WARN] = {220, -1, COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    [E_BAD] = {196, -1, COLOR_RED, -1, A_BOLD, A_BOLD | A_REVERSE},
    [E_DIM] = {245, -1, COLOR_WHITE, -1, 0, A_DIM},
    [E_KEY] = {81, -1, COLOR_CYAN, -1, A_BOLD, A_BOLD},
    [E_CHART] = {75, -1, COLOR_CYAN, -1, 0, A_NORMAL},
    [E_CHART_HI] = {214, -1, COLOR_YELLOW, -1, A_BOLD, A_BOLD},
    [E_HELP] = {255, 236, COLOR_WHITE, COLOR_BLUE, 0, A_NORMAL},
};

/* Why module state: the ui.h contract has no handle (one terminal per
 * process), and buffers are reused so a frame allocates nothing. The look
 * is handed to ui_trends.c, which keeps its own buffers. */
static struct ui_style style;
static struct {
    struct hm_cell *cells;
    size_t cells_cap;
} d;

void ui_size(int *lines, int *cols)
{
    /* row buffers are ROW_MAX wide; a wider terminal gets a ROW_MAX-wide UI */
    *lines = LINES;
    *cols = COLS < ROW_MAX ? COLS : ROW_MAX - 1;
}

void ui_draw_setup(int colors, bool utf8)
{
    style.utf8 = utf8;
    style.letters = colors == 0;
    bool defaults = colors && use_default_colors() == OK;
    for (int i = 0; i < E_N; i++) {
        if (!colors) {
            style.attr[i] = pal[i].mono;
            continue;
        }
        short fg = colors >= 256 ? pal[i].c256 : pal[i].c8;
        short bg = colors >= 256 ? pal[i].bg256 : pal[i].bg8;
        if (bg < 0 && !defaults)
            bg = COLOR_BLACK;
        init_pair((short)(i + 1), fg, bg);
        style.attr[i] = COLOR_PAIR(i + 1) | pal[i].extra;
    }
}

/* ---- text primitives beyond ui_paint.h's, clipped the same way ---- */

static void put_cp(struct pen *p, attr_t a, const uint32_t *cp, int n)
{
    wchar_t w[ROW_MAX];
    int room = p->end - p->x;
    n = n < room ? n : room;
    n = n < ROW_MAX ? n : ROW_MAX;
    if (n <= 0)
        return;
    for (int i = 0; i < n; i++)
        w[i] = (wchar_t)cp[i];
    attrset(a);
    mvaddnwstr(p->y, p->x, w, n);
    p->x += n;
}

static attr_t tone_attr(int tone)
{
    static const int el[] = {-1, E_OK, E_WARN, E_BAD, E_DIM, E_CHART};
    return tone > 0 && tone < (int)ARRAY_LEN(el) ? style.attr[el[tone]] : A_NORMAL;
}

/* ---- status line ---- */

/* A long source keeps its end: the file or port name is what tells it apart. */
static const char *short_source(char *buf, size_t cap, const char *src, int max)
{
    size_t len = src ? strlen(src) : 0;
    if (!src || max < 8 || len <= (size_t)max)
        return src ? src : "";
    snprintf(buf, cap, "%s%s", sym(&style, "\u2026", "..."), src + len - (size_t)max + 3);
    return buf;
}

static void draw_status(const struct view *v, const struct ui_layout *lo)
{
    char rate[32], age[16], src[ROW_MAX];
    int tone;
    attrset(style.attr[E_TITLE]);
    mvhline(lo->status_row, 0, ' ', lo->cols);
    struct pen p = {lo->status_row, 0, lo->cols - 17};
    put(&p, style.attr[E_TITLE], " heapwatch ");
    const char *ln = fmt_ui_link(v->link, &tone);
    /* a link in trouble is the one thing on this line that must jump out */
    attr_t la = tone == UI_TONE_OK ? style.attr[E_TITLE] : tone_attr(tone) | A_REVERSE;
    putf(&p, la, " %s%s%s%s ", sym(&style, "\u25cf ", "*"), ln,
         v->link_detail && v->link_detail[0] ? ": " : "", v->link_detail ? v->link_detail : "");
    /* states the user set come before what is only information, so a
     * narrow terminal clips the port name, never PAUSED or REC */
    if (v->paused && !v->replay)
        put(&p, style.attr[E_TITLE] | A_REVERSE, " PAUSED ");
    if (v->recording)
        putf(&p, style.attr[E_TITLE] | A_REVERSE, " REC %s ", v->record_path ? v->record_path : "");
    putf(&p, style.attr[E_TITLE], " %s ", short_source(src, sizeof(src), v->source, lo->cols / 3));
    if (!v->replay)
        putf(&p, style.attr[E_TITLE], " %s ", fmt_ui_rate(rate, sizeof(rate), v->sample_rate));
    if (v->last_sample_age >= 0)
        putf(&p, style.attr[E_TITLE], " last %s ago ",
             fmt_duration(age, sizeof(age), v->last_sample_age));
    static const char keys[] = " ? help  q quit ";
    p.end = lo->cols;
    p.x = lo->cols - (int)strlen(keys);
    put(&p, style.attr[E_TITLE], keys);
}

/* ---- heatmap panel ---- */

static const struct area *shown_area(const struct view *v, const struct snapshot *s, size_t *idx)
{
    if (!s || !s->has_map || s->n_areas == 0)
        return NULL;
    *idx = v->area < s->n_areas ? v->area : s->n_areas - 1;
    return &s->areas[*idx];
}

/* The same area in the previous sample: same index and same base address. */
static const struct area *prev_area(const struct view *v, size_t idx, const struct area *a)
{
    const struct snapshot *p = v->hist ? history_previous(v->hist) : NULL;
    if (!p || idx >= p->n_areas || strcmp(p->areas[idx].base, a->base) != 0)
        return NULL;
    return &p->areas[idx];
}

struct heat {
    const struct snapshot *s;
    const struct area *a;
    size_t idx, k, first;
    long rows_total, scroll;
    struct hm_input in;
};

/* Blocks per cell and the first row shown (heatmap_geometry clamps the
 * scroll, so an overshooting owner still sees cells). */
static void heat_geometry(struct heat *h, const struct view *v, const struct ui_layout *lo)
{
    struct hm_geom g;
    heatmap_geometry(h->a->n_blocks, (size_t)lo->heat_cols, (size_t)lo->heat_rows, v->zoom,
                     v->scroll, &g);
    h->k = g.k;
    h->rows_total = g.rows_total;
    h->scroll = g.scroll;
    h->first = g.first;
}

static void heat_title(const struct heat *h, const struct view *v, const struct ui_layout *lo)
{
    char scale[64], prob[96];
    hrule(&style, lo->heat_title_row, 0, lo->sep_col);
    struct pen p = {lo->heat_title_row, 1, lo->sep_col};
    putf(&p, style.attr[E_KEY], " %s ", heatmap_view_name(v->mode));
    if (h->s && !h->s->complete) {
        fmt_ui_problems(prob, sizeof(prob), h->s->problems);
        putf(&p, style.attr[E_BAD], " INCOMPLETE: %s ", prob[0] ? prob : "cut");
    }
    if (!h->a)
        return;
    if (v->mode == HM_VIEW_CHANGES && !h->in.prev)
        put(&p, style.attr[E_WARN], " no previous sample ");
    if (h->s->n_areas > 1)
        putf(&p, style.attr[E_DIM], " area %zu/%zu @%s ", h->idx + 1, h->s->n_areas, h->a->base);
    int room = p.end - p.x - 2;
    putf(&p, style.attr[E_DIM], " %s ",
         fmt_ui_scale(scale, sizeof(scale), h->k, h->s->block_size, room > 0 ? (size_t)room : 0));
    if (h->rows_total > lo->heat_rows)
        putf(&p, style.attr[E_DIM], " rows %ld-%ld/%ld ", h->scroll + 1,
             h->scroll + lo->heat_rows < h->rows_total ? h->scroll + lo->heat_rows : h->rows_total,
             h->rows_total);
}

/* Letters of heads at one block per cell are bold: they start an object. */
static attr_t cell_attr(const struct hm_cell *c, enum hm_view mode)
{
    attr_t a = style.attr[c->cls];
    if (mode == HM_VIEW_TYPE && ((c->ch >= 'A' && c->ch <= 'Z') || (c->ch >= 'a' && c->ch <= 'z')))
        a |= A_BOLD;
    return a;
}

/* One row of cells, in runs of equal attributes (one curses call per run). */
static void draw_cell_row(int y, int x, const struct hm_cell *c, int n, enum hm_view mode)
{
    wchar_t w[ROW_MAX];
    for (int i = 0; i < n;) {
        attr_t a = cell_attr(&c[i], mode);
        int j = i;
        while (j < n && cell_attr(&c[j], mode) == a) {
            w[j - i] = (wchar_t)c[j].ch;
            j++;
        }
        attrset(a);
        mvaddnwstr(y, x + i, w, j - i);
        i = j;
    }
}

static void heat_cells(struct heat *h, const struct view *v, const struct ui_layout *lo)
{
    size_t cols = (size_t)lo->heat_cols, n = cols * (size_t)lo->heat_rows;
    if (n > d.cells_cap) {
        d.cells = xrealloc(d.cells, n * sizeof(*d.cells));
        d.cells_cap = n;
    }
    heatmap_render(&h->in, h->first, h->k, d.cells, n);
    for (int r = 0; r < lo->heat_rows; r++) {
        size_t row_first = h->first + (size_t)r * cols * h->k;
        if (row_first >= h->a->n_blocks)
            break;
        if (lo->gutter) {
            struct pen p = {lo->heat_top + r, 0, lo->gutter};
            putf(&p, style.attr[E_DIM], "%08zx",
                 row_first * (h->s->block_size ? h->s->block_size : 1));
        }
        draw_cell_row(lo->heat_top + r, lo->heat_left, d.cells + (size_t)r * cols, (int)cols,
                      v->mode);
    }
}

static void heat_notice(const struct ui_layout *lo, const char *text)
{
    struct pen p = {lo->heat_top + lo->heat_rows / 2, 2, lo->sep_col};
    put(&p, style.attr[E_DIM], text);
}

static void draw_heatmap(const struct view *v, const struct ui_layout *lo)
{
    struct heat h = {.s = v->hist ? history_current(v->hist) : NULL};
    h.a = shown_area(v, h.s, &h.idx);
    if (h.a) {
        heat_geometry(&h, v, lo);
        h.in = (struct hm_input){
            .area = h.a,
            .view = v->mode,
            .utf8 = style.utf8,
            .type_letters = style.letters,
            .prev = v->mode == HM_VIEW_CHANGES ? prev_area(v, h.idx, h.a) : NULL,
            .age = v->mode == HM_VIEW_AGE ? history_age(v->hist, h.idx) : NULL,
        };
    }
    heat_title(&h, v, lo);
    attrset(style.attr[E_RULE]);
    mvvline(lo->heat_top, lo->sep_col, ACS_VLINE, lo->heat_rows);
    mvaddch(lo->heat_title_row, lo->sep_col, ACS_TTEE);
    if (!h.s)
        heat_notice(lo, "waiting for the first sample...");
    else if (!h.a)
        heat_notice(lo, "no block map in this sample (GC totals only)");
    else
        heat_cells(&h, v, lo);
}

/* ---- legend ---- */

static void draw_legend(const struct view *v, const struct ui_layout *lo)
{
    const struct hm_legend *l = heatmap_legend(v->mode, style.utf8, style.letters);
    int row = 0, x = 1;
    for (size_t i = 0; l[i].label && row < lo->legend_rows; i++) {
        int w = (l[i].ch ? 2 : 0) + (int)mbstowcs(NULL, l[i].label, 0);
        if (x + w > lo->cols && x > 1) {
            row++;
            x = 1;
            if (row >= lo->legend_rows)
                break;
        }
        struct pen p = {lo->legend_top + row, x, lo->cols};
        struct hm_cell c = {.ch = l[i].ch, .cls = l[i].cls};
        if (c.ch) {
            put_cp(&p, cell_attr(&c, v->mode), &c.ch, 1);
            put(&p, A_NORMAL, " ");
        }
        put(&p, A_NORMAL, l[i].label);
        x = p.x + 2;
    }
}

/* ---- stats panel (its rows come from ui_stats_fill) ---- */

static void draw_heads_row(const struct ui_stat_row *r, const struct snapshot *s, struct pen *p)
{
    for (int i = r->from; i < r->to; i++) {
        int t = ui_stats_head_order[i];
        putf(p, style.attr[HM_C_HEAD_h + t] | A_BOLD, "%c", SNAP_HEAD_LETTERS[t]);
        putf(p, A_NORMAL, "%zu ", s->metrics.heads[t]);
    }
}

static void draw_stat_row(const struct ui_stat_row *r, const struct snapshot *s, struct pen *p,
                          int label_w)
{
    if (r->kind == UI_ROW_HEADER) {
        hrule(&style, p->y, p->x, p->end - p->x);
        p->x++;
        putf(p, style.attr[E_DIM], r->value[0] ? " %s: %s " : " %s ", r->label, r->value);
        return;
    }
    if (r->kind == UI_ROW_HEADS) {
        draw_heads_row(r, s, p);
        return;
    }
    putf(p, style.attr[E_DIM], "%-*s ", label_w, r->label);
    put(p, tone_attr(r->tone), r->value);
    if (r->bar >= 0 && p->end - p->x >= 5) {
        uint32_t bar[ROW_MAX];
        int w = p->end - p->x - 1;
        fmt_ui_hbar(bar, (size_t)w, r->bar, style.utf8);
        p->x++;
        put_cp(p, r->bar_class >= 0 ? style.attr[r->bar_class] : tone_attr(r->bar_tone), bar, w);
    }
}

static void draw_stats(const struct view *v, const struct ui_layout *lo)
{
    static struct ui_stats st; /* 8 KB: kept off the stack, reused per frame */
    const struct snapshot *s = v->hist ? history_current(v->hist) : NULL;
    rule_title(&style, lo->stats_top, lo->stats_left, lo->cols, style.attr[E_KEY], "stats");
    ui_stats_fill(&st, v, s, lo->stats_cols - 1, lo->stats_rows - 1, style.utf8);
    for (int i = 0; i < st.n; i++) {
        struct pen p = {lo->stats_top + 1 + i, lo->stats_left + 1, lo->cols};
        draw_stat_row(&st.r[i], s, &p, st.label_w);
    }
}

/* ---- replay bar, message line, help ---- */

static void draw_replay(const struct view *v, const struct ui_layout *lo)
{
    char right[64], t[16], speed[16];
    struct pen p = {lo->replay_row, 0, lo->cols};
    putf(&p, style.attr[E_KEY], " %s %s ",
         v->playing ? sym(&style, "\u25b6 playing", "> playing")
                    : sym(&style, "\u2016 paused", "|| paused"),
         fmt_ui_speed(speed, sizeof(speed), v->speed));
    snprintf(right, sizeof(right), " %ld/%ld  t=%s", v->count ? v->pos + 1 : 0, v->count,
             fmt_duration(t, sizeof(t), v->now));
    int w = lo->cols - p.x - (int)strlen(right) - 2;
    if (w >= 4) {
        uint32_t bar[ROW_MAX];
        double f = v->count > 1 ? (double)v->pos / (double)(v->count - 1) : 1;
        fmt_ui_hbar(bar, (size_t)w, f, style.utf8);
        for (int i = 0; i < w; i++)
            if (bar[i] == ' ')
                bar[i] = style.utf8 ? 0x2500 : '-';
        put(&p, style.attr[E_DIM], "[");
        put_cp(&p, style.attr[E_CHART], bar, w);
        put(&p, style.attr[E_DIM], "]");
    }
    put(&p, A_NORMAL, right);
}

/* Whether the key table's line k applies to this mode. */
static bool key_shown(const struct ui_key *k, const struct view *v)
{
    return (k->where & (v->replay ? UI_IN_REPLAY : UI_IN_LIVE)) != 0;
}

/* The hint line: "key word" for each key the table offers there, in its
 * order, as many as fit. */
static void draw_hints(const struct view *v, struct pen *p)
{
    size_t n;
    const struct ui_key *k = ui_keys(&n);
    for (size_t i = 0; i < n; i++) {
        if (!k[i].hint || !key_shown(&k[i], v))
            continue;
        const char *word = strrchr(k[i].hint, ' ');
        int key_len = word ? (int)(word - k[i].hint) : 0;
        if (p->x + (int)strlen(k[i].hint) + 2 > p->end) /* " key word " */
            break;
        putf(p, style.attr[E_KEY], " %.*s", key_len, k[i].hint);
        putf(p, style.attr[E_DIM], " %s ", word ? word + 1 : k[i].hint);
    }
}

static void draw_message(const struct view *v, const struct ui_layout *lo)
{
    struct pen p = {lo->message_row, 0, lo->cols - 1};
    if (v->message && v->message[0])
        put(&p, A_BOLD, v->message);
    else
        draw_hints(v, &p);
}

static void help_line(int y, int x, int w, const char *key, const char *text)
{
    struct pen p = {y, x + 1, x + w - 1};
    putf(&p, style.attr[E_KEY] | A_BOLD, "  %-11s", key);
    putf(&p, style.attr[E_HELP], "%s", text);
}

static void draw_help(const struct view *v, const struct ui_layout *lo)
{
    size_t n;
    const struct ui_key *k = ui_keys(&n);
    int rows = 2;
    for (size_t i = 0; i < n; i++)
        rows += key_shown(&k[i], v);
    int w = lo->cols - 4 < 64 ? lo->cols - 4 : 64;
    int h = rows < lo->lines - 2 ? rows : lo->lines - 2;
    int y0 = (lo->lines - h) / 2, x0 = (lo->cols - w) / 2;
    attrset(style.attr[E_HELP]);
    for (int r = 0; r < h; r++)
        mvhline(y0 + r, x0, ' ', w);
    /* a frame, so the overlay reads as one thing on top of the panels */
    mvhline(y0, x0, ACS_HLINE, w);
    mvhline(y0 + h - 1, x0, ACS_HLINE, w);
    mvvline(y0, x0, ACS_VLINE, h);
    mvvline(y0, x0 + w - 1, ACS_VLINE, h);
    mvaddch(y0, x0, ACS_ULCORNER);
    mvaddch(y0, x0 + w - 1, ACS_URCORNER);
    mvaddch(y0 + h - 1, x0, ACS_LLCORNER);
    mvaddch(y0 + h - 1, x0 + w - 1, ACS_LRCORNER);
    struct pen p = {y0, x0 + 2, x0 + w - 2};
    put(&p, style.attr[E_HELP] | A_BOLD,
        v->replay ? " heapwatch replay keys " : " heapwatch keys ");
    int y = y0 + 1, end = y0 + h - 1;
    for (size_t i = 0; i < n && y < end; i++)
        if (key_shown(&k[i], v))
            help_line(y++, x0, w, k[i].keys, k[i].help);
}

/* The notice, wrapped to fit, each line centred on the screen. */
static void draw_too_small(const struct ui_layout *lo)
{
    char text[256];
    fmt_ui_too_small(text, sizeof(text), lo->lines, lo->cols);
    int n = 1;
    for (const char *c = text; *c; c++)
        n += *c == '\n';
    int y = (lo->lines - n) / 2;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        int len = (int)strlen(line);
        struct pen p = {y++, (lo->cols - len) / 2, lo->cols};
        put(&p, A_BOLD, line);
    }
}

void ui_draw(const struct view *v)
{
    struct ui_layout lo;
    /* row buffers are ROW_MAX wide; a wider terminal gets a ROW_MAX-wide UI */
    int lines, cols;
    ui_size(&lines, &cols);
    fmt_ui_layout(lines, cols, v->replay, &lo);
    erase();
    if (lo.too_small) {
        draw_too_small(&lo);
    } else {
        draw_status(v, &lo);
        draw_heatmap(v, &lo);
        draw_legend(v, &lo);
        draw_stats(v, &lo);
        ui_trends_draw(v, &lo, &style);
        if (v->replay)
            draw_replay(v, &lo);
        draw_message(v, &lo);
        if (v->show_help)
            draw_help(v, &lo);
    }
    attrset(A_NORMAL);
    wnoutrefresh(stdscr);
    doupdate();
}
