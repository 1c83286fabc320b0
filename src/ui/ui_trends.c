/* SPDX-License-Identifier: MIT */
/* ui_trends.c - the trends panel of the full-screen UI: one sparkline chart
 * per series over the trend window or the whole session (gaps where the
 * link was down, the extremes marked), its current, highest and lowest
 * values, and the time axis. Reads the history, never changes it; columns, levels and the axis
 * come from fmt_ui.c, the look and primitives from ui_paint.h. */
#include "ui_trends.h"
#include "fmt.h"
#include "fmt_ui.h"
#include "history.h"
#include "trend.h"
#include "util.h"

#include <math.h>
#include <stdio.h>

/* Why module state: the ui.h contract has no handle (one terminal per
 * process), and buffers are reused so a frame allocates nothing. */
static struct {
    struct ui_col *cols;
    double *vals, *times;
    bool *gaps;
    size_t trend_cap;
} d;

static const char *const series_label[4] = {"used", "free", "large", "frag"};
/* which way is bad, so a column covering many samples shows the worst */
static const int series_worse[4] = {1, -1, -1, 1};
/* each series' figure in the whole-session overview (trend.h) */
static const int series_figure[4] = {TREND_USED, TREND_FREE, TREND_LARGEST, TREND_FRAG};

struct series {
    size_t win, ncols;
    int id;
    double lo, hi;          /* the chart's scale */
    double vmin, vmax, cur; /* of the samples; NaN when none is known */
    long at_lo, at_hi;      /* columns holding the extremes */
};

static void series_range(struct series *t)
{
    t->vmin = t->vmax = t->cur = (double)NAN;
    for (size_t i = 0; i < t->win; i++) {
        double x = d.vals[i];
        if (isnan(x))
            continue;
        t->vmin = isnan(t->vmin) || x < t->vmin ? x : t->vmin;
        t->vmax = isnan(t->vmax) || x > t->vmax ? x : t->vmax;
        t->cur = x;
    }
    /* bytes: from the window's low to its high, so growth shows even when
     * small; fragmentation is a ratio and reads better on a fixed 0..1 */
    t->lo = t->id == 3 ? 0 : t->vmin;
    t->hi = t->id == 3 ? 1 : t->vmax;
    t->at_lo = t->at_hi = -1;
    for (size_t c = 0; c < t->ncols; c++) {
        if (!d.cols[c].valid)
            continue;
        if (t->at_hi < 0 || d.cols[c].value >= d.cols[t->at_hi].value)
            t->at_hi = (long)c;
        if (t->at_lo < 0 || d.cols[c].value <= d.cols[t->at_lo].value)
            t->at_lo = (long)c;
    }
}

/* The overview's buckets keep each figure's lowest and highest: the
 * numbers beside the chart are the session's own extremes and the newest
 * sample. */
static void whole_session_values(struct series *t, const struct history *h)
{
    const struct trend *ov = history_overview(h);
    int f = series_figure[t->id];
    t->vmin = t->vmax = (double)NAN;
    for (size_t i = 0; i < ov->n; i++) {
        const struct trend_bucket *b = &ov->b[i];
        if (!(b->known & (1u << f)))
            continue;
        t->vmin = isnan(t->vmin) || b->min[f] < t->vmin ? b->min[f] : t->vmin;
        t->vmax = isnan(t->vmax) || b->max[f] > t->vmax ? b->max[f] : t->vmax;
    }
    t->cur = fmt_ui_point(history_at(h, history_len(h) - 1), t->id);
}

static void series_chart(const struct series *t, const struct ui_layout *lo, int top,
                         const struct ui_style *style)
{
    int h = lo->trend_height, x0 = lo->trend_chart_left + lo->trend_chart_cols - (int)t->ncols;
    wchar_t w[ROW_MAX];
    for (int r = 0; r < h; r++) {
        int from_bottom = h - 1 - r;
        for (size_t c = 0; c < t->ncols; c++) {
            const struct ui_col *col = &d.cols[c];
            int level = col->valid ? fmt_ui_level(col->value, t->lo, t->hi, h) : 0;
            w[c] = (wchar_t)fmt_ui_spark(level, from_bottom, style->utf8);
            if (!col->valid && !col->gap && from_bottom == 0)
                w[c] = L'?'; /* a sample whose value is unknown, not a gap */
        }
        attrset(style->attr[E_CHART]);
        mvaddnwstr(top + r, x0, w, (int)t->ncols);
        /* the extremes stand out, so min and max are found at a glance */
        long marks[2] = {t->at_hi, t->at_lo};
        for (int m = 0; m < 2; m++) {
            if (marks[m] < 0)
                continue;
            attrset(style->attr[E_CHART_HI]);
            mvaddnwstr(top + r, x0 + (int)marks[m], &w[marks[m]], 1);
        }
    }
}

static void series_values(const struct series *t, const struct ui_layout *lo, int top,
                          const struct ui_style *style)
{
    char cur[24], mx[24], mn[24];
    struct pen p = {top, lo->trend_value_left, lo->cols};
    fmt_ui_series_value(cur, sizeof(cur), t->id, t->cur);
    fmt_ui_series_value(mx, sizeof(mx), t->id, t->vmax);
    fmt_ui_series_value(mn, sizeof(mn), t->id, t->vmin);
    putf(&p, A_BOLD, "%-6s", cur);
    if (lo->trend_height > 1) {
        p.y++;
        p.x = lo->trend_value_left;
    }
    putf(&p, style->attr[E_CHART_HI], " %s%s", sym(style, "\u25b2", "^"), mx);
    putf(&p, style->attr[E_CHART_HI], " %s%s", sym(style, "\u25bc", "v"), mn);
}

/* The points the panel shows: the last n of the ring, from i0, or the
 * whole session's overview (each point a bucket of several samples). */
struct span {
    const struct history *h;
    const struct trend *ov; /* the overview; NULL: the ring */
    size_t i0, n;
};

/* Point i of series id: the ring's sample, or the worst of the bucket's
 * samples (NaN where none of them knew it). */
static double span_value(const struct span *sp, size_t i, int id)
{
    if (!sp->ov)
        return fmt_ui_point(history_at(sp->h, sp->i0 + i), id);
    const struct trend_bucket *b = &sp->ov->b[i];
    int f = series_figure[id];
    if (!(b->known & (1u << f)))
        return (double)NAN;
    return series_worse[id] > 0 ? b->max[f] : b->min[f];
}

static struct span span_of(const struct view *v)
{
    struct span sp = {.h = v->hist};
    size_t len = v->hist ? history_len(v->hist) : 0;
    if (v->trend_window == UI_TREND_ALL && len && history_total(v->hist) > (long)len) {
        sp.ov = history_overview(v->hist);
        sp.n = sp.ov->n;
        return sp;
    }
    sp.n = v->trend_window > 0 && (size_t)v->trend_window < len ? (size_t)v->trend_window : len;
    sp.i0 = len - sp.n;
    return sp;
}

static void trends_load(const struct span *sp)
{
    size_t win = sp->n;
    if (win > d.trend_cap) {
        d.vals = xrealloc(d.vals, win * sizeof(*d.vals));
        d.times = xrealloc(d.times, win * sizeof(*d.times));
        d.gaps = xrealloc(d.gaps, win * sizeof(*d.gaps));
        /* each gap takes a column of its own: up to 2 * win - 1 columns */
        d.cols = xrealloc(d.cols, 2 * win * sizeof(*d.cols));
        d.trend_cap = win;
    }
    for (size_t i = 0; i < win; i++) {
        bool gap;
        if (sp->ov) { /* a bucket: its newest sample's time, a gap before or among them */
            d.times[i] = sp->ov->b[i].t1;
            gap = sp->ov->b[i].marks & TREND_MARK_GAP;
        } else {
            const struct hist_point *p = history_at(sp->h, sp->i0 + i);
            d.times[i] = p->time;
            gap = p->gap_before;
        }
        d.gaps[i] = i > 0 && gap;
    }
}

static void trends_title(const struct ui_layout *lo, const struct span *sp,
                         const struct ui_style *style)
{
    char title[128], span[16];
    size_t win = sp->n;
    if (win == 0)
        snprintf(title, sizeof(title), "trends: waiting for samples");
    else if (sp->ov)
        snprintf(title, sizeof(title), "trends: all %ld samples, %s   < > window", sp->ov->samples,
                 fmt_duration(span, sizeof(span), d.times[win - 1] - sp->ov->b[0].t0));
    else
        snprintf(title, sizeof(title), "trends: last %zu sample%s, %s   < > window", win,
                 win == 1 ? "" : "s",
                 fmt_duration(span, sizeof(span), d.times[win - 1] - d.times[0]));
    rule_title(style, lo->trend_title_row, 0, lo->cols, style->attr[E_KEY], title);
}

void ui_trends_draw(const struct view *v, const struct ui_layout *lo, const struct ui_style *style)
{
    if (lo->trend_series == 0)
        return;
    struct span sp = span_of(v);
    size_t win = sp.n;
    if (win)
        trends_load(&sp);
    trends_title(lo, &sp, style);
    if (win == 0 || lo->trend_chart_cols < 2)
        return;
    int ids[4];
    fmt_ui_series(lo->trend_series, ids);
    struct series t = {.win = win};
    for (int s = 0; s < lo->trend_series; s++) {
        int top = lo->trend_top + s * lo->trend_height;
        t.id = ids[s];
        for (size_t i = 0; i < win; i++)
            d.vals[i] = span_value(&sp, i, t.id);
        t.ncols = fmt_ui_columns(d.vals, d.times, d.gaps, win, (size_t)lo->trend_chart_cols,
                                 series_worse[t.id], d.cols);
        series_range(&t);
        if (sp.ov)
            whole_session_values(&t, v->hist);
        struct pen p = {top, 0, lo->trend_label_cols};
        put(&p, style->attr[E_DIM], series_label[t.id]);
        series_chart(&t, lo, top, style);
        series_values(&t, lo, top, style);
    }
    char axis[ROW_MAX];
    fmt_ui_axis(axis, sizeof(axis), (size_t)lo->trend_chart_cols, d.cols, t.ncols);
    struct pen p = {lo->axis_row, lo->trend_chart_left, lo->cols};
    put(&p, style->attr[E_DIM], axis);
}
