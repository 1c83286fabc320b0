/* SPDX-License-Identifier: MIT */
/* svg.c - heatmaps, legends and trend charts as inline SVG; see svg.h.
 * Sizes are what keep a report small and quick to load: a run of like
 * cells in a row is one short <rect> (a single cell's width and every
 * height come from the CSS), and a chart has one point per bucket
 * whatever the number of samples. */
#include "svg.h"
#include "fmt.h"
#include "hw.h"
#include "util.h"

#include <stdint.h>
#include <stdlib.h>

enum { CELL_PX = 6 };

/* Colours by enum hm_class: for a <rect> (fill) and a legend swatch
 * (background) alike. Types follow the UI's hues; the fragmentation view
 * goes from red (holes too small for most objects) to pale (room). */
static const char *const class_colour[HM_N_CLASSES] = {
    [HM_C_FREE] = "#eeeeee",        [HM_C_HOLE_TINY] = "#d7301f",  [HM_C_HOLE_SMALL] = "#fc8d59",
    [HM_C_HOLE_MEDIUM] = "#fdd49e", [HM_C_HOLE_LARGE] = "#fff7ec", [HM_C_USED_DIM] = "#9e9e9e",
    [HM_C_HEAD_h] = "#6b6b6b",      [HM_C_HEAD_T] = "#1f77b4",     [HM_C_HEAD_L] = "#2ca02c",
    [HM_C_HEAD_D] = "#9467bd",      [HM_C_HEAD_S] = "#ff7f0e",     [HM_C_HEAD_A] = "#17becf",
    [HM_C_HEAD_F] = "#e377c2",      [HM_C_HEAD_B] = "#bcbd22",     [HM_C_HEAD_M] = "#8c564b",
    [HM_C_NEW] = "#2ca02c",         [HM_C_FREED] = "#d62728",      [HM_C_AGE_1] = "#c6dbef",
    [HM_C_AGE_2] = "#6baed6",       [HM_C_AGE_3] = "#2171b5",      [HM_C_AGE_4] = "#08306b",
    [HM_C_UNKNOWN] = "#000000",
};

void svg_css(struct html_buf *b)
{
    for (int c = 0; c < HM_N_CLASSES; c++)
        html_printf(b, ".c%d{fill:%s;background:%s}", c, class_colour[c], class_colour[c]);
    /* how full an aggregated cell is, as the UI's shades say it */
    html_puts(b, ".s1{opacity:.35}.s2{opacity:.6}.s3{opacity:.8}\n");
}

/* The UI's shade characters (type view, several blocks a cell) as a class. */
static int shade_of(uint32_t ch)
{
    return ch == 0x2591 ? 1 : ch == 0x2592 ? 2 : ch == 0x2593 ? 3 : 0;
}

static void cell_class(struct html_buf *b, const struct hm_cell *c)
{
    int s = shade_of(c->ch);
    if (s)
        html_printf(b, "c%d s%d", c->cls, s);
    else
        html_printf(b, "c%d", c->cls);
}

/* How many cells from i on, in i's row, draw as cell i does: one <rect>
 * for the run. A heap's map is mostly long runs (free space, one type),
 * and a browser's time to load a report grows with its elements: 12,000
 * one-cell rects took Chromium 0.7 s here. */
static size_t same_run(const struct hm_cell *cells, size_t i, size_t n)
{
    size_t end = (i / SVG_COLS + 1) * SVG_COLS, j = i + 1;
    if (end > n)
        end = n;
    while (j < end && cells[j].cls == cells[i].cls &&
           shade_of(cells[j].ch) == shade_of(cells[i].ch))
        j++;
    return j - i;
}

size_t svg_blocks_per_cell(size_t n_blocks)
{
    return heatmap_fit(n_blocks, SVG_COLS, SVG_MAX_CELLS / SVG_COLS);
}

size_t svg_heatmap(struct html_buf *b, const struct area *a, enum hm_view v, size_t k)
{
    if (k == 0)
        k = 1;
    size_t n = (a->n_blocks + k - 1) / k, rows = (n + SVG_COLS - 1) / SVG_COLS;
    html_printf(b,
                "<svg class=\"map\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %zu\" "
                "width=\"%d\" height=\"%zu\" role=\"img\" data-view=\"%s\" data-blocks=\"%zu\" "
                "data-k=\"%zu\" data-cells=\"%zu\"><title>",
                SVG_COLS, rows, SVG_COLS * CELL_PX, rows * CELL_PX, heatmap_view_name(v),
                a->n_blocks, k, n);
    html_printf(b, "%s view of the area at 0x", heatmap_view_name(v));
    html_text(b, a->base);
    html_printf(b, ", %zu block%s per cell</title>", k, k == 1 ? "" : "s");
    /* one render for the whole area: heatmap_render walks the runs once */
    struct hm_cell *cells = xmalloc((n ? n : 1) * sizeof(*cells));
    struct hm_input in = {.area = a, .view = v, .utf8 = true};
    heatmap_render(&in, 0, k, cells, n);
    for (size_t i = 0, run; i < n; i += run) {
        run = same_run(cells, i, n);
        html_printf(b, "<rect x=\"%zu\" y=\"%zu\"", i % SVG_COLS, i / SVG_COLS);
        if (run > 1)
            html_printf(b, " width=\"%zu\"", run);
        html_puts(b, " class=\"");
        cell_class(b, &cells[i]);
        html_puts(b, "\"/>");
    }
    free(cells);
    html_puts(b, "</svg>");
    return n;
}

void svg_legend(struct html_buf *b, enum hm_view v, const char *title)
{
    html_printf(b, "<p class=\"legend\" data-view=\"%s\"><b>", heatmap_view_name(v));
    html_text(b, title);
    html_puts(b, ":</b> ");
    for (const struct hm_legend *l = heatmap_legend(v, true, false); l->label; l++) {
        if (!l->ch) {
            html_puts(b, "<span class=\"note\">");
        } else {
            struct hm_cell c = {.ch = l->ch, .cls = l->cls};
            html_puts(b, "<span class=\"key\"><i class=\"sw ");
            cell_class(b, &c);
            html_puts(b, "\"></i>");
        }
        html_text(b, l->label);
        html_puts(b, "</span> ");
    }
    html_puts(b, "</p>");
}

/* ---- trend charts ---- */

enum { CH_W = 720, CH_H = 130, CH_L = 56, CH_R = 8, CH_T = 8, CH_B = 18 };

const char *svg_figure_name(enum trend_figure f)
{
    static const char *const names[TREND_N] = {"used", "free", "largest", "fragmentation"};
    return (unsigned)f < TREND_N ? names[f] : "used";
}

struct scale {
    double xk, ymax; /* x per sample, top of the y axis */
    long samples;
};

static double x_of(const struct scale *s, double sample)
{
    if (s->samples <= 1)
        return CH_L + (CH_W - CH_L - CH_R) / 2.0;
    return CH_L + sample * s->xk;
}

static double y_of(const struct scale *s, double v)
{
    double ph = CH_H - CH_T - CH_B;
    return CH_T + ph * (1.0 - v / s->ymax);
}

static double centre(const struct trend_bucket *bk)
{
    return (double)(bk->first + bk->last) / 2.0;
}

/* One unbroken stretch [i, j] of buckets: the maxima left to right, the
 * minima back, closed; a single bucket shows as a dot (round caps). */
static void band(struct html_buf *b, const struct trend *t, const struct scale *s, int f, size_t i,
                 size_t j)
{
    html_puts(b, "<path class=\"band\" d=\"");
    for (size_t k = i; k <= j; k++)
        html_printf(b, "%c%.1f,%.1f", k == i ? 'M' : 'L', x_of(s, centre(&t->b[k])),
                    y_of(s, t->b[k].max[f]));
    for (size_t k = j + 1; k-- > i;)
        html_printf(b, "L%.1f,%.1f", x_of(s, centre(&t->b[k])), y_of(s, t->b[k].min[f]));
    html_puts(b, "Z\"/>");
}

static void marks(struct html_buf *b, const struct trend *t, const struct scale *s)
{
    static const struct {
        unsigned bit;
        const char *name;
    } kinds[] = {{TREND_MARK_GAP, "gap"}, {TREND_MARK_RESET, "reset"}};
    for (size_t i = 0; i < t->n; i++) {
        for (size_t k = 0; k < ARRAY_LEN(kinds); k++) {
            if (!(t->b[i].marks & kinds[k].bit))
                continue;
            double x = x_of(s, (double)t->b[i].first - 0.5);
            html_printf(b,
                        "<line class=\"mark %s\" data-event=\"%s\" x1=\"%.1f\" x2=\"%.1f\" "
                        "y1=\"%d\" y2=\"%d\"><title>%s before this dump</title></line>",
                        kinds[k].name, kinds[k].name, x, x, CH_T, CH_H - CH_B, kinds[k].name);
        }
    }
}

static void value_text(char *buf, size_t cap, enum trend_figure f, double v)
{
    if (f == TREND_FRAG)
        fmt_pct(buf, cap, v);
    else
        fmt_bytes(buf, cap, (uint64_t)v);
}

static void axes(struct html_buf *b, const struct trend *t, const struct scale *s,
                 enum trend_figure f)
{
    char top[24], span[24] = "";
    value_text(top, sizeof(top), f, s->ymax);
    html_printf(b,
                "<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>"
                "<text x=\"%d\" y=\"%d\" class=\"yl\">%s</text>"
                "<text x=\"%d\" y=\"%d\" class=\"yl\">0</text>",
                CH_L, CH_W - CH_R, CH_H - CH_B, CH_H - CH_B, CH_L - 4, CH_T + 8, top, CH_L - 4,
                CH_H - CH_B);
    if (t->n && t->b[0].has_time && t->b[t->n - 1].has_time)
        fmt_duration(span, sizeof(span), t->b[t->n - 1].t1 - t->b[0].t0);
    html_printf(b,
                "<text x=\"%d\" y=\"%d\">dump 1</text>"
                "<text x=\"%d\" y=\"%d\" class=\"yl\">dump %ld%s%s</text>",
                CH_L, CH_H - 4, CH_W - CH_R, CH_H - 4, t->samples, span[0] ? ", " : "", span);
}

/* The top of the y axis: the largest maximum (bytes), or 100 % */
static double y_top(const struct trend *t, int f)
{
    double top = f == TREND_FRAG ? 1.0 : 0.0;
    for (size_t i = 0; f != TREND_FRAG && i < t->n; i++)
        if ((t->b[i].known & (1u << f)) && t->b[i].max[f] > top)
            top = t->b[i].max[f];
    return top > 0 ? top : 1.0;
}

void svg_trend(struct html_buf *b, const struct trend *t, enum trend_figure f)
{
    struct scale s = {.samples = t->samples, .ymax = y_top(t, f)};
    s.xk = t->samples > 1 ? (double)(CH_W - CH_L - CH_R) / (double)(t->samples - 1) : 0;
    html_printf(b,
                "<svg class=\"trend\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
                "role=\"img\" data-metric=\"%s\" data-buckets=\"%zu\" data-samples=\"%ld\" "
                "data-per-bucket=\"%ld\"><title>%s over the capture</title>",
                CH_W, CH_H, svg_figure_name(f), t->n, t->samples, t->per, svg_figure_name(f));
    axes(b, t, &s, f);
    unsigned bit = 1u << f;
    for (size_t i = 0; i < t->n;) {
        if (!(t->b[i].known & bit)) {
            i++;
            continue;
        }
        size_t j = i;
        /* a stretch ends before an unknown figure, a gap or a reset */
        while (j + 1 < t->n && (t->b[j + 1].known & bit) && !t->b[j + 1].marks)
            j++;
        band(b, t, &s, f, i, j);
        i = j + 1;
    }
    marks(b, t, &s);
    html_puts(b, "</svg>");
}
