/* SPDX-License-Identifier: MIT */
/* summary.c - min/max figures over snapshots; see summary.h. */
#include "summary.h"

#include <string.h>

void summary_init(struct summary *sum)
{
    memset(sum, 0, sizeof(*sum));
    sum->min_free = UINT64_MAX;
    sum->min_largest_free_bytes = UINT64_MAX;
    sum->min_largest_free_blocks = UINT64_MAX;
    sum->max_fragmentation = -1.0;
    sum->worst_seq = -1;
}

static void fold_time(struct summary *sum, double t)
{
    if (!sum->has_time || t < sum->first_time)
        sum->first_time = t;
    if (!sum->has_time || t > sum->last_time)
        sum->last_time = t;
    sum->has_time = true;
}

void summary_add(struct summary *sum, const struct snapshot *s)
{
    sum->snapshots++;
    sum->with_map += s->has_map;
    sum->incomplete += !s->complete;
    sum->inconsistent += s->consistent == 0;
    if (s->has_time)
        fold_time(sum, s->time);
    if (s->has_gc && !(s->problems & SNAP_P_FIELDS)) {
        if (s->gc_free < sum->min_free)
            sum->min_free = s->gc_free;
        if (s->gc_used > sum->peak_used)
            sum->peak_used = s->gc_used;
    }
    if (!s->complete)
        return;
    uint64_t lf = snapshot_largest_free_bytes(s);
    if (lf < sum->min_largest_free_bytes)
        sum->min_largest_free_bytes = lf;
    uint64_t lfb = s->has_metrics ? s->metrics.largest_free_blocks
                                  : s->has_max_free ? s->rep_max_free : UINT64_MAX;
    if (lfb < sum->min_largest_free_blocks)
        sum->min_largest_free_blocks = lfb;
    if (s->has_metrics && s->metrics.fragmentation > sum->max_fragmentation) {
        sum->max_fragmentation = s->metrics.fragmentation;
        sum->worst_seq = s->seq;
    }
}
