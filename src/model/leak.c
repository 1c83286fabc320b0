/* SPDX-License-Identifier: MIT */
/* leak.c - the leak slope and its suspects; see leak.h. */
#include "leak.h"
#include "blockmap.h"
#include "hw.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the slope ---- */

void leak_init(struct leak *l)
{
    memset(l, 0, sizeof(*l));
    l->timed = true;
}

void leak_set_gc_samples(struct leak *l, bool on)
{
    l->gc_samples = on;
}

static void fit_add(struct leak_fit *f, double x, double y)
{
    double dx = x - f->mx, dy = y - f->my;
    f->n += 1;
    f->mx += dx / f->n;
    f->my += dy / f->n;
    f->cxx += dx * (x - f->mx);
    f->cyy += dy * (y - f->my);
    f->cxy += dx * (y - f->my);
}

/* The pooled within-series sums: each series keeps its own level. */
static void fit_pool(struct leak_fit *into, const struct leak_fit *f)
{
    into->n += f->n;
    into->cxx += f->cxx;
    into->cxy += f->cxy;
    into->cyy += f->cyy;
}

static void add_point(struct leak *l, double seq, double time, bool has_time, double used)
{
    if (l->cur[1].n == 0)
        l->series++;
    l->points++;
    l->timed = l->timed && has_time;
    fit_add(&l->cur[0], has_time ? time / 60.0 : 0, used);
    fit_add(&l->cur[1], seq, used);
}

/* A fall in used bytes is a collection; the lowest sample before used
 * climbs again is what survived it. */
void leak_add(struct leak *l, const struct snapshot *s)
{
    uint64_t u = snapshot_used_bytes(s);
    if (u == UINT64_MAX)
        return;
    double used = (double)u;
    if (l->gc_samples) {
        add_point(l, (double)s->seq, s->time, s->has_time, used);
        return;
    }
    if (l->have_prev && used < l->prev_used) {
        l->have_cand = true;
        l->cand_used = used;
        l->cand_seq = (double)s->seq;
        l->cand_time = s->time;
        l->cand_has_time = s->has_time;
    } else if (l->have_cand) {
        add_point(l, l->cand_seq, l->cand_time, l->cand_has_time, l->cand_used);
        l->have_cand = false;
    }
    l->have_prev = true;
    l->prev_used = used;
}

void leak_reset(struct leak *l)
{
    if (l->have_cand)
        add_point(l, l->cand_seq, l->cand_time, l->cand_has_time, l->cand_used);
    for (int i = 0; i < 2; i++) {
        fit_pool(&l->pooled[i], &l->cur[i]);
        l->cur[i] = (struct leak_fit){0};
    }
    l->have_prev = l->have_cand = false;
}

/* Student's t for a 95% two-sided interval, by degrees of freedom. */
static double t95(double df)
{
    static const double t[] = {0,     12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365,
                               2.306, 2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
                               2.120, 2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069,
                               2.064, 2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
    if (df < (double)ARRAY_LEN(t))
        return t[(int)df];
    return df < 40 ? 2.021 : df < 60 ? 2.000 : df < 120 ? 1.980 : 1.960;
}

/* Slope and half-width of its 95% interval; false if the points cannot
 * give one (too few, or all at one x). */
static bool slope(const struct leak_fit *f, double series, double *b, double *ci)
{
    double df = f->n - series - 1;
    if (df < 1 || f->cxx <= 0)
        return false;
    *b = f->cxy / f->cxx;
    double resid = f->cyy - *b * f->cxy;
    double se = sqrt((resid > 0 ? resid : 0) / df / f->cxx);
    *ci = t95(df) * se;
    return true;
}

void leak_result(const struct leak *l, struct leak_verdict *v)
{
    struct leak t = *l;
    leak_reset(&t); /* a pending low-water mark counts, and the series pool */
    memset(v, 0, sizeof(*v));
    v->points = t.points;
    v->series = t.series;
    bool one = t.points == 1;
    const char *what = l->gc_samples
                           ? (one ? "sample after gc.collect()" : "samples after gc.collect()")
                           : (one ? "collection" : "collections");
    if (t.points < LEAK_MIN_POINTS) {
        snprintf(v->why, sizeof(v->why), "too little data (%ld %s; need %d)", t.points, what,
                 LEAK_MIN_POINTS);
        return;
    }
    bool by_seq = slope(&t.pooled[1], (double)t.series, &v->per_sample, &v->per_sample_ci);
    v->has_per_min = t.timed && slope(&t.pooled[0], (double)t.series, &v->per_min, &v->per_min_ci);
    if (!by_seq) {
        snprintf(v->why, sizeof(v->why), "too little data (%ld %s in %ld series)", t.points, what,
                 t.series);
        return;
    }
    double b = v->has_per_min ? v->per_min : v->per_sample;
    double ci = v->has_per_min ? v->per_min_ci : v->per_sample_ci;
    v->state = b - ci > 0 ? LEAK_GROWS : LEAK_NONE;
}

double leak_rate(const struct leak_verdict *v, bool per_sample)
{
    if (v->state != LEAK_GROWS)
        return 0;
    return per_sample || !v->has_per_min ? v->per_sample : v->per_min;
}

char *leak_describe(const struct leak_verdict *v, bool per_sample, char *buf, size_t cap)
{
    if (v->state == LEAK_UNKNOWN) {
        snprintf(buf, cap, "%s", v->why);
        return buf;
    }
    bool min = v->has_per_min && !per_sample;
    double b = min ? v->per_min : v->per_sample;
    double ci = min ? v->per_min_ci : v->per_sample_ci;
    const char *unit = min ? "B/min" : "B/sample";
    const char *what = v->points == 1 ? "collection" : "collections";
    if (v->state == LEAK_GROWS)
        snprintf(buf, cap, "leaks %.0f ± %.0f %s (over %ld %s)", b, ci, unit, v->points, what);
    else
        snprintf(buf, cap, "no leak (slope %.0f ± %.0f %s over %ld %s)", fabs(b) < 0.5 ? 0 : b, ci,
                 unit, v->points, what);
    return buf;
}

/* ---- the suspects ---- */

/* What the tracker knows of the allocation that starts at a block. Only
 * entries stamped with the last dump's generation are live: nothing has
 * to be cleared between dumps. */
struct born {
    uint32_t gen;  /* the dump that last saw an allocation start here */
    uint32_t len;  /* its blocks */
    uint32_t n;    /* the dump (0 = the first tracked) it was first seen in */
    uint32_t dseq; /* its seq, less the first tracked dump's */
    float t;       /* its time, less the first tracked dump's */
    char type;
};

struct suspects {
    struct born **area; /* per area, n_blocks entries */
    size_t *blocks;     /* per area */
    char (*base)[24];
    uint64_t *addr; /* per area, its base address */
    size_t n_areas, cap_areas;
    unsigned block_size;
    uint32_t gen, n; /* dumps tracked (n from the first of this layout) */
    long first_seq;
    double first_time, last_time;
    bool timed;
};

struct suspects *suspects_new(void)
{
    return xcalloc(1, sizeof(struct suspects));
}

void suspects_free(struct suspects *sp)
{
    if (!sp)
        return;
    for (size_t i = 0; i < sp->cap_areas; i++)
        free(sp->area[i]);
    free(sp->area);
    free(sp->blocks);
    free(sp->base);
    free(sp->addr);
    free(sp);
}

void suspects_reset(struct suspects *sp)
{
    sp->n = 0;
    sp->n_areas = 0;
}

static bool same_layout(const struct suspects *sp, const struct snapshot *s)
{
    if (sp->n == 0 || s->n_areas != sp->n_areas || s->block_size != sp->block_size)
        return false;
    for (size_t i = 0; i < s->n_areas; i++)
        if (s->areas[i].n_blocks != sp->blocks[i] || strcmp(s->areas[i].base, sp->base[i]))
            return false;
    return true;
}

/* Take s's layout: every allocation in it is seen for the first time. */
static void new_layout(struct suspects *sp, const struct snapshot *s)
{
    if (s->n_areas > sp->cap_areas) {
        sp->area = xrealloc(sp->area, s->n_areas * sizeof(*sp->area));
        sp->blocks = xrealloc(sp->blocks, s->n_areas * sizeof(*sp->blocks));
        sp->base = xrealloc(sp->base, s->n_areas * sizeof(*sp->base));
        sp->addr = xrealloc(sp->addr, s->n_areas * sizeof(*sp->addr));
        for (size_t i = sp->cap_areas; i < s->n_areas; i++)
            sp->area[i] = NULL;
        sp->cap_areas = s->n_areas;
    }
    for (size_t i = 0; i < s->n_areas; i++) {
        const struct area *a = &s->areas[i];
        sp->area[i] = xrealloc(sp->area[i], (a->n_blocks ? a->n_blocks : 1) * sizeof(struct born));
        memset(sp->area[i], 0, (a->n_blocks ? a->n_blocks : 1) * sizeof(struct born));
        sp->blocks[i] = a->n_blocks;
        snprintf(sp->base[i], sizeof(sp->base[i]), "%s", a->base);
        sp->addr[i] = strtoull(a->base, NULL, 16);
    }
    sp->n_areas = s->n_areas;
    sp->block_size = s->block_size;
    sp->n = 0;
    sp->gen++;
    sp->first_seq = s->seq;
    sp->first_time = s->time;
    sp->timed = s->has_time;
}

/* An allocation is the one seen before if the last dump had one of the
 * same letter and size starting at the same block. */
static void track_area(struct suspects *sp, const struct area *a, struct born *b,
                       const struct snapshot *s)
{
    struct map_walk w;
    struct map_run r;
    blockmap_runs(&w, a, 0);
    while (blockmap_next(&w, &r)) {
        if (r.kind != RUN_ALLOC)
            continue;
        struct born *e = &b[r.start];
        bool same = sp->n > 0 && e->gen == sp->gen - 1 && e->type == r.head && e->len == r.len;
        if (!same) {
            e->n = sp->n;
            e->dseq = (uint32_t)(s->seq - sp->first_seq);
            e->t = (float)(s->time - sp->first_time);
            e->type = r.head;
            e->len = (uint32_t)r.len;
        }
        e->gen = sp->gen;
    }
}

void suspects_add(struct suspects *sp, const struct snapshot *s)
{
    if (!s->has_map || !s->complete || s->n_areas == 0)
        return;
    if (!same_layout(sp, s))
        new_layout(sp, s);
    else
        sp->gen++;
    for (size_t i = 0; i < s->n_areas; i++)
        track_area(sp, &s->areas[i], sp->area[i], s);
    sp->n++;
    sp->last_time = s->time;
    sp->timed = sp->timed && s->has_time;
}

/* Oldest first; of one age, the biggest first. */
static int by_age(const void *pa, const void *pb)
{
    const struct leak_suspect *a = pa, *b = pb;
    if (a->born_seq != b->born_seq)
        return a->born_seq < b->born_seq ? -1 : 1;
    return a->blocks > b->blocks ? -1 : a->blocks < b->blocks;
}

/* A suspect: first seen after the first dump, seen in place in at least
 * SUSPECT_MIN_SAMPLES dumps, and still there in the last one. */
enum { SUSPECT_MIN_SAMPLES = 3 };

size_t suspects_list(const struct suspects *sp, struct leak_suspect *out, size_t max,
                     uint64_t *total)
{
    size_t n = 0;
    *total = 0;
    struct leak_suspect *all = NULL;
    size_t cap = 0;
    for (size_t i = 0; sp->n > 0 && i < sp->n_areas; i++) {
        for (size_t k = 0; k < sp->blocks[i]; k++) {
            const struct born *e = &sp->area[i][k];
            long samples = (long)(sp->n - e->n);
            if (e->gen != sp->gen || e->n == 0 || samples < SUSPECT_MIN_SAMPLES)
                continue;
            if (n == cap)
                all = xrealloc(all, (cap = cap ? 2 * cap : 64) * sizeof(*all));
            uint64_t bytes = (uint64_t)e->len * sp->block_size;
            all[n++] = (struct leak_suspect){
                .area = i,
                .block = k,
                .address = sp->addr[i] ? sp->addr[i] + (uint64_t)k * sp->block_size : 0,
                .type = e->type,
                .blocks = e->len,
                .bytes = bytes,
                .born_seq = sp->first_seq + (long)e->dseq,
                .samples = samples,
                .age_s = sp->timed ? sp->last_time - sp->first_time - (double)e->t : -1,
            };
            *total += bytes;
        }
    }
    if (n) {
        qsort(all, n, sizeof(*all), by_age);
        memcpy(out, all, (n < max ? n : max) * sizeof(*all));
    }
    free(all);
    return n;
}
