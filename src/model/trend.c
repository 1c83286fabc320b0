/* SPDX-License-Identifier: MIT */
/* trend.c - min/max buckets that halve when full; see trend.h. */
#include "trend.h"

#include <string.h>

void trend_init(struct trend *t, size_t cap)
{
    memset(t, 0, sizeof(*t));
    if (cap < 2)
        cap = 2;
    if (cap > TREND_MAX_BUCKETS)
        cap = TREND_MAX_BUCKETS;
    t->cap = cap & ~(size_t)1; /* pairs merge: an even count halves exactly */
    t->per = 1;
}

/* Fold bucket s into d (s follows d). */
static void merge(struct trend_bucket *d, const struct trend_bucket *s)
{
    d->last = s->last;
    if (s->has_time) {
        if (!d->has_time)
            d->t0 = s->t0;
        d->t1 = s->t1;
        d->has_time = true;
    }
    for (int f = 0; f < TREND_N; f++) {
        if (!(s->known & (1u << f)))
            continue;
        if (!(d->known & (1u << f)) || s->min[f] < d->min[f])
            d->min[f] = s->min[f];
        if (!(d->known & (1u << f)) || s->max[f] > d->max[f])
            d->max[f] = s->max[f];
    }
    d->known |= s->known;
    d->marks |= s->marks;
}

/* Full: every pair becomes one bucket, each now covering twice the samples. */
static void halve(struct trend *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n; i += 2) {
        t->b[n] = t->b[i];
        if (i + 1 < t->n)
            merge(&t->b[n], &t->b[i + 1]);
        n++;
    }
    t->n = n;
    t->per *= 2;
}

void trend_add(struct trend *t, const double v[TREND_N], unsigned known, bool has_time, double time)
{
    struct trend_bucket one = {.first = t->samples, .last = t->samples, .marks = t->pending};
    one.has_time = has_time;
    one.t0 = one.t1 = time;
    one.known = known & ((1u << TREND_N) - 1);
    for (int f = 0; f < TREND_N; f++)
        one.min[f] = one.max[f] = (one.known & (1u << f)) ? v[f] : 0;
    t->pending = 0;
    t->samples++;
    struct trend_bucket *last = t->n ? &t->b[t->n - 1] : NULL;
    if (last && last->last - last->first + 1 < t->per) {
        merge(last, &one);
        return;
    }
    if (t->n == t->cap) {
        halve(t);
        last = &t->b[t->n - 1];
        if (last->last - last->first + 1 < t->per) {
            merge(last, &one);
            return;
        }
    }
    t->b[t->n++] = one;
}

void trend_mark(struct trend *t, unsigned mark)
{
    t->pending |= mark;
}
