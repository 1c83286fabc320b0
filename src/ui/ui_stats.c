/* SPDX-License-Identifier: MIT */
/* ui_stats.c - the stats panel's rows for the UI; see ui_stats.h. Rows
 * carry priorities, so a short panel drops the least important first, and
 * shorter forms, so a narrow one still shows each row whole. Nothing here
 * knows about curses: ui_draw.c asks, then paints, so the rows are tested
 * without a terminal. Labels and cells come from fmt_ui.c. */
#include "ui_stats.h"
#include "fmt.h"
#include "fmt_ui.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const int ui_stats_head_order[SNAP_N_HEADS] = {1, 2, 3, 4, 5, 6, 7, 8, 0};
static const char *const head_names[SNAP_N_HEADS] = {"other", "tuple", "list", "dict",  "str",
                                                     "array", "float", "func", "module"};

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

/* A row in several forms, most detailed first; NULL entries are skipped,
 * so a caller leaves out the forms that are only for a wide panel. The
 * first is the value, the rest its fallbacks (stats_shape picks). */
static struct ui_stat_row *srow_alts(struct ui_stats *st, int prio, const char *label, int tone,
                                     const char *const *forms, size_t n)
{
    struct ui_stat_row *r = NULL;
    const char *last = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!forms[i] || (last && strcmp(forms[i], last) == 0))
            continue;
        if (!r)
            r = srow(st, prio, label, tone, "%s", forms[i]);
        else if (r->n_alt < UI_STAT_ALTS)
            snprintf(r->alt[r->n_alt++], sizeof(r->alt[0]), "%s", forms[i]);
        last = forms[i];
    }
    return r ? r : srow(st, prio, label, tone, "%s", "");
}
#define srow_forms(st, prio, label, tone, ...)                                                     \
    srow_alts(st, prio, label, tone, (const char *const[]){__VA_ARGS__},                           \
              sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static double frac_of(uint64_t part, uint64_t whole)
{
    return part == UINT64_MAX || whole == UINT64_MAX || whole == 0 ? -1
                                                                   : (double)part / (double)whole;
}

static void stats_totals(struct ui_stats *st, const struct snapshot *s)
{
    char a[24], b[24], w[64];
    uint64_t total = snapshot_total_bytes(s), used = snapshot_used_bytes(s),
             fr = snapshot_free_bytes(s);
    fmt_bytes(a, sizeof(a), total);
    bool blocks = st->wide && s->has_metrics && s->block_size;
    if (blocks)
        snprintf(w, sizeof(w), "%s  %zu x %u B", a, s->metrics.blocks, s->block_size);
    srow_forms(st, 2, "total", UI_TONE_OK, blocks ? w : NULL, a);
    struct ui_stat_row *r = srow(st, 1, "used", UI_TONE_OK, "%s %s", fmt_bytes(a, sizeof(a), used),
                                 fmt_pct(b, sizeof(b), frac_of(used, total)));
    r->bar = st->wide ? frac_of(used, total) : -1;
    r->bar_tone = UI_TONE_CHART;
    srow(st, 1, "free", UI_TONE_OK, "%s %s", fmt_bytes(a, sizeof(a), fr),
         fmt_pct(b, sizeof(b), frac_of(fr, total)));
}

/* The largest free run and the fragmentation as snapshot.h's one rule
 * gives them: from a whole map, else from the device's own "max free sz"
 * (said: "(device)"), else unknown. */
static void stats_largest(struct ui_stats *st, const struct snapshot *s)
{
    char a[24], w[64];
    uint64_t big = snapshot_largest_free_bytes(s);
    uint64_t blk = snapshot_largest_free_blocks(s);
    bool device = !(s->has_metrics && s->complete);
    if (big == UINT64_MAX && !s->has_map) {
        srow(st, 1, "largest", UI_TONE_DIM, "- (no map)");
    } else if (big == UINT64_MAX) {
        srow_forms(st, 1, "largest", UI_TONE_WARN, st->wide ? "- (map incomplete)" : NULL,
                   "unknown");
    } else {
        fmt_bytes(a, sizeof(a), big);
        snprintf(w, sizeof(w), "%s %llu blk%s", a, (unsigned long long)blk,
                 device ? " (device)" : "");
        srow_forms(st, 1, "largest", device ? UI_TONE_WARN : UI_TONE_OK, w, a);
    }
}

static void stats_frag(struct ui_stats *st, const struct snapshot *s)
{
    char w[64], c[24];
    double f = snapshot_fragmentation(s);
    if (f < 0)
        return;
    bool device = !(s->has_metrics && s->complete);
    snprintf(w, sizeof(w), "%.3f (device)", f);
    snprintf(c, sizeof(c), "%.3f", f);
    struct ui_stat_row *r = srow_forms(st, 1, "frag", f > 0.5 || device ? UI_TONE_WARN : UI_TONE_OK,
                                       device ? w : NULL, c);
    r->bar = st->wide ? f : -1;
    r->bar_tone = f > 0.5 ? UI_TONE_WARN : UI_TONE_CHART;
}

static void stats_allocs(struct ui_stats *st, const struct snapshot *s)
{
    char w[96], c[48], b[24];
    const struct metrics *m = &s->metrics;
    snprintf(w, sizeof(w), "%zu  1-blk %zu, 2-blk %zu, max %zu blk", m->allocations, m->one_block,
             m->two_block, m->max_block);
    snprintf(c, sizeof(c), "%zu, max %zu blk", m->allocations, m->max_block);
    snprintf(b, sizeof(b), "%zu", m->allocations);
    srow_forms(st, 3, "allocs", UI_TONE_OK, st->wide ? w : NULL, st->wide ? c : NULL, b);
}

/* "map": whether the dump is whole and agrees with the device's numbers. */
static void stats_map(struct ui_stats *st, const struct snapshot *s)
{
    char names[96], w[112];
    /* a dump without a map is whole as far as it goes: "complete" would
     * claim a map, "incomplete" a cut one */
    if (!s->has_map && s->complete) {
        srow_forms(st, 1, "map", UI_TONE_DIM, st->wide ? "none (GC totals only)" : NULL, "none");
    } else if (!s->complete) {
        fmt_ui_problems(names, sizeof(names), s->problems);
        snprintf(w, sizeof(w), "INCOMPLETE: %s", names[0] ? names : "cut");
        srow_forms(st, 1, "map", UI_TONE_BAD, st->wide ? w : NULL, "INCOMPLETE");
    } else if (s->consistent == 0) {
        fmt_ui_mismatches(names, sizeof(names), s->mismatches);
        snprintf(w, sizeof(w), "inconsistent: %s", names);
        srow_forms(st, 1, "map", UI_TONE_WARN, st->wide ? w : NULL, "inconsistent");
    } else if (s->consistent == 1) {
        srow_forms(st, 1, "map", UI_TONE_OK, st->wide ? "complete, consistent" : NULL,
                   "complete, ok");
    } else {
        srow(st, 1, "map", UI_TONE_OK, "complete");
    }
}

/* "leaks 312 ± 20 B/min" (bad), "none (0 ± 12 B/min)" (ok), "? 2 of 4
 * collections" (dim): the heap after collections, as leak.h fits it. */
/* "70 (1.80K), oldest 0x30140 h 64": what stayed since the first dump. */
static void suspect_row(struct ui_stats *st, const struct view *v)
{
    char w[64], c[32], a[16], b[16];
    const struct leak_suspect *s = &v->suspect;
    fmt_bytes(a, sizeof(a), v->suspect_bytes);
    snprintf(w, sizeof(w), "%zu (%s), oldest 0x%llx %c %s", v->n_suspects, a,
             (unsigned long long)s->address, s->type, fmt_bytes(b, sizeof(b), s->bytes));
    snprintf(c, sizeof(c), "%zu (%s)", v->n_suspects, a);
    srow_forms(st, st->wide ? 3 : 5, "suspect", UI_TONE_WARN, w, c);
}

static void leak_row(struct ui_stats *st, const struct leak_verdict *lv)
{
    enum { CAP = 64 };
    char w[CAP], c[CAP];
    bool min = lv->has_per_min;
    double b = min ? lv->per_min : lv->per_sample, ci = min ? lv->per_min_ci : lv->per_sample_ci;
    const char *unit = min ? "B/min" : "B/sample";
    const char *pm = st->utf8 ? "\u00b1" : "+-";
    int prio = st->wide ? 3 : 5;
    switch (lv->state) {
    case LEAK_GROWS:
        snprintf(w, CAP, "leaks %.0f %s %.0f %s", b, pm, ci, unit);
        snprintf(c, CAP, "+%.0f %s", b, unit);
        srow_forms(st, prio, "leak", UI_TONE_BAD, w, c);
        break;
    case LEAK_NONE:
        snprintf(w, CAP, "none (%.0f %s %.0f %s)", fabs(b) < 0.5 ? 0 : b, pm, ci, unit);
        srow_forms(st, prio, "leak", UI_TONE_OK, w, "none");
        break;
    case LEAK_UNKNOWN:
        snprintf(w, CAP, "? (%ld of %d collections)", lv->points, LEAK_MIN_POINTS);
        srow_forms(st, prio, "leak", UI_TONE_DIM, w, "?");
        break;
    }
}

static void stats_board(struct ui_stats *st, const struct view *v, const struct snapshot *s,
                        size_t area)
{
    char a[24], b[24], w[96], c[48];
    if (s->has_stack) {
        fmt_bytes(a, sizeof(a), s->stack_used);
        snprintf(w, sizeof(w), "%s of %s", a, fmt_bytes(b, sizeof(b), s->stack_limit));
        struct ui_stat_row *r =
            srow_forms(st, st->wide ? 2 : 4, "stack", UI_TONE_OK, s->has_stack_limit ? w : NULL, a);
        r->bar = st->wide && s->has_stack_limit ? frac_of(s->stack_used, s->stack_limit) : -1;
        r->bar_tone = UI_TONE_CHART;
    }
    if (v->has_leak)
        leak_row(st, &v->leak);
    if (v->has_leak && v->n_suspects)
        suspect_row(st, v);
    if (v->has_probe) {
        snprintf(w, sizeof(w), "%ld B/sample", v->probe_bytes);
        snprintf(c, sizeof(c), "%ld B", v->probe_bytes);
        srow_forms(st, st->wide ? 3 : 5, "probe", UI_TONE_DIM, w, c);
    }
    if (s->n_areas > 1) {
        snprintf(w, sizeof(w), "%zu (split heap), showing %zu @%s", s->n_areas, area + 1,
                 s->areas[area].base);
        snprintf(c, sizeof(c), "%zu, #%zu", s->n_areas, area + 1);
        srow_forms(st, 2, "areas", UI_TONE_OK, st->wide ? w : NULL, c);
    } else if (s->n_areas == 1 && st->wide) {
        srow(st, 4, "areas", UI_TONE_DIM, "1 @%s", s->areas[0].base);
    }
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
    srow(st, 2, "gc big", g->largest_after < g->largest_before ? UI_TONE_WARN : UI_TONE_OK,
         "%s%s%s", fmt_bytes(a, sizeof(a), g->largest_before), to,
         fmt_bytes(b, sizeof(b), g->largest_after));
    if (g->frag_before >= 0 && g->frag_after >= 0)
        srow(st, 3, "gc frag", UI_TONE_OK, "%.3f%s%.3f", g->frag_before, to, g->frag_after);
}

static void stats_link(struct ui_stats *st, const struct view *v)
{
    char rate[32], age[16], w[160], c[64];
    int tone;
    const char *ln = fmt_ui_link(v->link, &tone);
    bool detail = v->link_detail && v->link_detail[0];
    if (detail)
        snprintf(w, sizeof(w), "%s: %s", ln, v->link_detail);
    srow_forms(st, st->wide ? 3 : 7, "link", tone, detail ? w : NULL, ln);
    if (v->replay)
        return;
    fmt_ui_rate(rate, sizeof(rate), v->sample_rate);
    if (v->last_sample_age >= 0)
        fmt_duration(age, sizeof(age), v->last_sample_age);
    else
        snprintf(age, sizeof(age), "-");
    snprintf(w, sizeof(w), "%s, last sample %s ago", rate, age);
    snprintf(c, sizeof(c), "%s, %s ago", rate, age);
    srow_forms(st, st->wide ? 3 : 7, "rate", UI_TONE_OK, st->wide ? w : NULL, c, rate);
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
        char w[sizeof(spark) + 32];
        snprintf(w, sizeof(w), "%s <%s", spark, dash ? dash + 1 : lbl);
        srow_forms(st, 3, "runs", UI_TONE_CHART, w, spark);
        return;
    }
    struct ui_stat_row *r =
        srow_forms(st, 4, "free runs", UI_TONE_DIM, "by size in blocks", "in blocks", "");
    r->kind = UI_ROW_HEADER;
    for (int b = 0; b <= top; b++) {
        if (!h[b])
            continue; /* the labels say which sizes are missing; rows are scarce */
        r = srow(st, 4, fmt_ui_bucket(lbl, sizeof(lbl), b), UI_TONE_OK, "%6zu", h[b]);
        r->bar = (double)h[b] / (double)max;
        r->bar_class = b <= 1   ? HM_C_HOLE_TINY
                       : b <= 3 ? HM_C_HOLE_SMALL
                       : b <= 7 ? HM_C_HOLE_MEDIUM
                                : HM_C_HOLE_LARGE;
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
        struct ui_stat_row *r = srow_forms(st, 5, "allocations", UI_TONE_DIM, "by type", "");
        r->kind = UI_ROW_HEADER;
        for (int i = 0; i < SNAP_N_HEADS; i++) {
            int t = ui_stats_head_order[i];
            r = srow(st, 5, "", UI_TONE_OK, "%6zu", n[t]);
            snprintf(r->label, sizeof(r->label), "%c %s", SNAP_HEAD_LETTERS[t], head_names[t]);
            r->bar = (double)n[t] / (double)max;
            r->bar_class = HM_C_HEAD_h + t;
        }
        return;
    }
    /* rows of "T12 L40 ", each as full as the width allows; the text is
     * kept in the row's value (without its last space) for its width */
    int from = 0, w = 0;
    size_t tl = 0;
    char text[sizeof(st->r[0].value)] = "";
    for (int i = 0; i <= SNAP_N_HEADS; i++) {
        char item[24];
        int len = i < SNAP_N_HEADS ? snprintf(item, sizeof(item), "%c%zu ",
                                              SNAP_HEAD_LETTERS[ui_stats_head_order[i]],
                                              n[ui_stats_head_order[i]])
                                   : 0;
        if (i == SNAP_N_HEADS || (w + len > st->width && i > from)) {
            text[tl ? tl - 1 : 0] = '\0';
            struct ui_stat_row *r = srow(st, 4, "", UI_TONE_OK, "%s", text);
            r->kind = UI_ROW_HEADS;
            r->from = from;
            r->to = i;
            from = i;
            w = 0;
            tl = 0;
        }
        if (len > 0 && tl + (size_t)len < sizeof(text)) {
            memcpy(text + tl, item, (size_t)len + 1);
            tl += (size_t)len;
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

/* UTF-8 text: one column per code point (all the panel draws is narrow). */
static int text_cols(const char *t)
{
    int n = 0;
    for (; *t; t++)
        n += ((unsigned char)*t & 0xC0) != 0x80;
    return n;
}

int ui_stats_row_cols(const struct ui_stats *st, const struct ui_stat_row *r)
{
    int v = text_cols(r->value);
    /* "─ label: value ─": the space and the rule after the text are only
     * drawn where there is room for them */
    if (r->kind == UI_ROW_HEADER)
        return 1 + 1 + text_cols(r->label) + (v ? 2 + v : 0);
    if (r->kind == UI_ROW_HEADS)
        return v;
    return st->label_w + 1 + v;
}

/* Keep n columns of a value (cap bytes), the last of them an ellipsis. */
static void clip(char *value, size_t cap, int n, bool utf8)
{
    const char *mark = utf8 ? "\u2026" : "~";
    size_t keep = 0;
    for (int cols = 0; value[keep] && cols < n - 1; cols++) {
        keep++;
        while (((unsigned char)value[keep] & 0xC0) == 0x80)
            keep++;
    }
    if (n > 0 && keep + strlen(mark) < cap)
        strcpy(value + keep, mark);
    else
        value[n > 0 ? keep : 0] = '\0';
}

/* Once the rows are known: the label column as wide as the longest label,
 * and each row in its longest form that fits (its shortest, cut, if none
 * does), so nothing runs off the panel's edge. */
static void stats_shape(struct ui_stats *st)
{
    st->label_w = 7;
    for (int i = 0; i < st->n; i++) {
        int w = text_cols(st->r[i].label);
        if (st->r[i].kind == UI_ROW_TEXT && w > st->label_w)
            st->label_w = w;
    }
    for (int i = 0; i < st->n; i++) {
        struct ui_stat_row *r = &st->r[i];
        for (int a = 0; a < r->n_alt && ui_stats_row_cols(st, r) > st->width; a++)
            snprintf(r->value, sizeof(r->value), "%s", r->alt[a]);
        int over = ui_stats_row_cols(st, r) - st->width;
        if (over > 0)
            clip(r->value, sizeof(r->value), text_cols(r->value) - over, st->utf8);
    }
}

void ui_stats_fill(struct ui_stats *st, const struct view *v, const struct snapshot *s, int width,
                   int rows, bool utf8)
{
    st->n = 0;
    /* one row per bucket and per type needs both room across and down */
    st->wide = width >= 28 && rows >= 20;
    st->width = width;
    st->utf8 = utf8;
    if (s) {
        size_t area = s->n_areas && v->area < s->n_areas ? v->area : 0;
        stats_totals(st, s);
        stats_largest(st, s);
        stats_frag(st, s);
        if (s->has_metrics)
            stats_allocs(st, s);
        stats_map(st, s);
        stats_gc(st, v);
        stats_board(st, v, s, area);
    }
    stats_link(st, v);
    if (s && s->has_metrics) {
        stats_hist(st, s);
        stats_heads(st, s);
    }
    /* labels measured before rows are dropped, so the value column does
     * not move from frame to frame as the rows that fit change */
    stats_shape(st);
    stats_fit(st, rows);
}
