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

struct history {
    struct hist_point *pts;
    size_t cap, len, head; /* head = index of the oldest point */
    long total;
    struct trend ov; /* the whole session: see history_overview() */
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
    trend_init(&h->ov, HISTORY_OVERVIEW);
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
    trend_init(&h->ov, HISTORY_OVERVIEW);
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

/* Fold a point into the overview: its figures as trend.h's, each known
 * unless the point marks it unknown (UINT64_MAX bytes, a negative frag). */
static void overview_add(struct trend *o, const struct hist_point *p)
{
    const uint64_t bytes[3] = {p->used, p->free, p->largest_free};
    const int figure[3] = {TREND_USED, TREND_FREE, TREND_LARGEST};
    double v[TREND_N] = {0};
    unsigned known = 0;
    for (int i = 0; i < 3; i++) {
        if (bytes[i] == UINT64_MAX)
            continue;
        v[figure[i]] = (double)bytes[i];
        known |= 1u << figure[i];
    }
    if (p->frag >= 0) {
        v[TREND_FRAG] = p->frag;
        known |= 1u << TREND_FRAG;
    }
    if (p->gap_before)
        trend_mark(o, TREND_MARK_GAP);
    trend_add(o, v, known, true, p->time);
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

const struct trend *history_overview(const struct history *h)
{
    return &h->ov;
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
