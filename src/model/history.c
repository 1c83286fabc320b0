/* SPDX-License-Identifier: MIT */
/* history.c - the ring of trend points, the last two snapshots and the
 * block ages; see history.h.
 *
 * Ages follow allocations by position: a head that is still the same
 * letter at the same block as in the previous sample is taken to be the
 * same object. An object freed and replaced by one of the same type at the
 * same place between two samples cannot be told apart; sampling faster
 * makes that rarer. */
#include "history.h"
#include "blockmap.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct ages {
    uint16_t **area;   /* per area, n_blocks entries */
    size_t *cap;       /* allocated entries per area */
    size_t n, n_alloc; /* areas in use / allocated */
};

/* The whole session in bounded memory: every point also folds into a
 * bucket, each the worst of `span` points (so a dip or a peak of any
 * length is never averaged away); when the buckets are full, neighbours
 * merge pairwise and span doubles. lo and hi are each figure's extremes
 * over every point. */
struct overview {
    struct hist_point b[HISTORY_OVERVIEW];
    size_t n;           /* buckets in use; the last one may be short */
    long span, in_last; /* points per bucket; points in b[n - 1] */
    struct hist_point lo, hi;
    double first_time;
};

struct history {
    struct hist_point *pts;
    size_t cap, len, head; /* head = index of the oldest point */
    long total;
    struct overview ov;
    bool gap_next;
    struct snapshot snap[2]; /* cur and prev, swapped on push */
    int cur;                 /* index of the current one; -1 none */
    int n_snaps;             /* 0, 1 or 2 valid */
    struct ages ages[2];     /* ages[cur] belong to snap[cur] */
};

struct history *history_new(size_t cap)
{
    struct history *h = xcalloc(1, sizeof(*h));
    h->cap = cap < 2 ? 2 : cap;
    h->pts = xcalloc(h->cap, sizeof(*h->pts));
    h->cur = -1;
    h->snap[0].consistent = h->snap[1].consistent = -1;
    return h;
}

static void ages_fini(struct ages *a)
{
    for (size_t i = 0; i < a->n_alloc; i++)
        free(a->area[i]);
    free(a->area);
    free(a->cap);
    memset(a, 0, sizeof(*a));
}

void history_free(struct history *h)
{
    if (!h)
        return;
    free(h->pts);
    for (int i = 0; i < 2; i++) {
        snapshot_fini(&h->snap[i]);
        ages_fini(&h->ages[i]);
    }
    free(h);
}

void history_clear(struct history *h)
{
    h->ov.n = 0;
    h->len = h->head = 0;
    h->total = 0;
    h->gap_next = false;
    h->cur = -1;
    h->n_snaps = 0;
}

void history_gap(struct history *h)
{
    h->gap_next = true;
}

struct hist_point history_point(const struct snapshot *s)
{
    struct hist_point p = {
        .time = s->has_time ? s->time : (double)s->seq, /* untimed captures: one per second */
        .used = snapshot_used_bytes(s),
        .free = snapshot_free_bytes(s),
        .largest_free = snapshot_largest_free_bytes(s),
        .frag = snapshot_fragmentation(s),
        .allocations = s->has_metrics ? s->metrics.allocations : 0,
        .complete = s->complete,
        .consistent = s->consistent == 1,
    };
    return p;
}

static void ages_reserve(struct ages *a, size_t areas)
{
    if (areas > a->n_alloc) {
        a->area = xrealloc(a->area, areas * sizeof(*a->area));
        a->cap = xrealloc(a->cap, areas * sizeof(*a->cap));
        for (size_t i = a->n_alloc; i < areas; i++) {
            a->area[i] = NULL;
            a->cap[i] = 0;
        }
        a->n_alloc = areas;
    }
    a->n = areas;
}

/* Ages of one area: an allocation whose head stayed in place (the same
 * letter at the same block) ages by one and its tails share its age; a
 * new one is 1; free and unknown blocks are 0. Runs as blockmap.h cuts
 * them, so a tail with no head is unknown here as in the metrics. */
static void area_ages(const struct area *cur, const struct area *prev, const uint16_t *prev_age,
                      uint16_t *age)
{
    struct map_walk w;
    struct map_run r;
    blockmap_runs(&w, cur, 0);
    while (blockmap_next(&w, &r)) {
        uint16_t a = 0;
        if (r.kind == RUN_ALLOC) {
            size_t b = r.start;
            bool same = prev && b < prev->n_blocks && prev->map[b] == r.head;
            a = same ? (uint16_t)(prev_age[b] < UINT16_MAX ? prev_age[b] + 1 : UINT16_MAX) : 1;
        }
        for (size_t b = r.start; b < r.start + r.len; b++)
            age[b] = a;
    }
}

static void compute_ages(struct history *h, int cur)
{
    const struct snapshot *s = &h->snap[cur];
    const struct snapshot *p = h->n_snaps == 2 ? &h->snap[!cur] : NULL;
    struct ages *a = &h->ages[cur];
    const struct ages *pa = &h->ages[!cur];
    ages_reserve(a, s->n_areas);
    for (size_t i = 0; i < s->n_areas; i++) {
        const struct area *ar = &s->areas[i];
        if (a->cap[i] < ar->n_blocks) {
            a->area[i] = xrealloc(a->area[i], (ar->n_blocks ? ar->n_blocks : 1) * sizeof(uint16_t));
            a->cap[i] = ar->n_blocks;
        }
        /* an area is the same area if it starts at the same address */
        const struct area *pr =
            p && i < p->n_areas && strcmp(p->areas[i].base, ar->base) == 0 ? &p->areas[i] : NULL;
        area_ages(ar, pr, pr ? pa->area[i] : NULL, a->area[i]);
    }
}

/* UINT64_MAX is unknown: the other one, or the smaller/larger known one. */
static uint64_t min_known(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static uint64_t max_known(uint64_t a, uint64_t b)
{
    return a == UINT64_MAX ? b : b == UINT64_MAX ? a : a > b ? a : b;
}

static double max_frag(double a, double b) /* -1 is unknown */
{
    return a > b ? a : b;
}

static double min_frag(double a, double b)
{
    return a < 0 ? b : b < 0 ? a : a < b ? a : b;
}

/* a followed by b, as one point: the worst of each figure, b's time; a
 * gap anywhere inside shows at the bucket */
static struct hist_point worst_of(const struct hist_point *a, const struct hist_point *b)
{
    return (struct hist_point){
        .time = b->time,
        .used = max_known(a->used, b->used),
        .free = min_known(a->free, b->free),
        .largest_free = min_known(a->largest_free, b->largest_free),
        .frag = max_frag(a->frag, b->frag),
        .allocations = a->allocations > b->allocations ? a->allocations : b->allocations,
        .gap_before = a->gap_before || b->gap_before,
        .complete = a->complete && b->complete,
        .consistent = a->consistent && b->consistent,
    };
}

static void extremes_add(struct overview *o, const struct hist_point *p)
{
    struct hist_point *lo = &o->lo, *hi = &o->hi;
    lo->used = min_known(lo->used, p->used);
    hi->used = max_known(hi->used, p->used);
    lo->free = min_known(lo->free, p->free);
    hi->free = max_known(hi->free, p->free);
    lo->largest_free = min_known(lo->largest_free, p->largest_free);
    hi->largest_free = max_known(hi->largest_free, p->largest_free);
    lo->frag = min_frag(lo->frag, p->frag);
    hi->frag = max_frag(hi->frag, p->frag);
    lo->time = p->time; /* the newest, as a bucket's */
    hi->time = p->time;
}

static void overview_add(struct overview *o, const struct hist_point *p)
{
    if (o->n == 0) {
        o->span = 1;
        o->first_time = p->time;
        o->lo = o->hi = *p;
    }
    extremes_add(o, p);
    if (o->n > 0 && o->in_last < o->span) {
        o->b[o->n - 1] = worst_of(&o->b[o->n - 1], p);
        o->in_last++;
        return;
    }
    if (o->n == HISTORY_OVERVIEW) { /* every bucket full: halve their number */
        for (size_t i = 0; i < o->n / 2; i++)
            o->b[i] = worst_of(&o->b[2 * i], &o->b[2 * i + 1]);
        o->n /= 2;
        o->span *= 2;
    }
    o->b[o->n++] = *p;
    o->in_last = 1;
}

/* Append a trend point; returns whether it follows a gap. */
static bool add_point(struct history *h, struct hist_point p)
{
    p.gap_before = (h->gap_next || p.gap_before) && h->total > 0;
    h->gap_next = false;
    size_t slot = (h->head + h->len) % h->cap;
    if (h->len == h->cap)
        h->head = (h->head + 1) % h->cap;
    else
        h->len++;
    h->pts[slot] = p;
    h->total++;
    overview_add(&h->ov, &p);
    return p.gap_before;
}

void history_push_point(struct history *h, const struct hist_point *p)
{
    add_point(h, *p);
}

void history_push(struct history *h, const struct snapshot *s)
{
    bool gap = add_point(h, history_point(s));

    int cur = h->cur < 0 ? 0 : !h->cur;
    snapshot_copy(&h->snap[cur], s);
    h->cur = cur;
    if (h->n_snaps < 2)
        h->n_snaps++;
    if (gap)
        h->n_snaps = 1; /* nothing before a gap is "previous": the heap may be fresh */
    compute_ages(h, cur);
}

size_t history_len(const struct history *h)
{
    return h->len;
}

long history_total(const struct history *h)
{
    return h->total;
}

const struct hist_point *history_at(const struct history *h, size_t i)
{
    return i < h->len ? &h->pts[(h->head + i) % h->cap] : NULL;
}

size_t history_overview_len(const struct history *h)
{
    return h->ov.n;
}

const struct hist_point *history_overview_at(const struct history *h, size_t i)
{
    return i < h->ov.n ? &h->ov.b[i] : NULL;
}

long history_overview_span(const struct history *h)
{
    return h->ov.n ? h->ov.span : 0;
}

bool history_extremes(const struct history *h, struct hist_point *lo, struct hist_point *hi)
{
    if (!h->ov.n)
        return false;
    *lo = h->ov.lo;
    *hi = h->ov.hi;
    return true;
}

double history_first_time(const struct history *h)
{
    return h->ov.n ? h->ov.first_time : 0;
}

const struct snapshot *history_current(const struct history *h)
{
    return h->cur < 0 ? NULL : &h->snap[h->cur];
}

const struct snapshot *history_previous(const struct history *h)
{
    return h->n_snaps == 2 ? &h->snap[!h->cur] : NULL;
}

const uint16_t *history_age(const struct history *h, size_t area)
{
    if (h->cur < 0 || area >= h->ages[h->cur].n)
        return NULL;
    return h->ages[h->cur].area[area];
}
