/* SPDX-License-Identifier: MIT */
/* summary.c - min/max figures over snapshots; see summary.h. */
#include "summary.h"

#include <string.h>

void summary_init(struct summary *sum)
{
    memset(sum, 0, sizeof(*sum));
    sum->min_free = UINT64_MAX;
    sum->peak_used = UINT64_MAX;
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

static void fold_min(uint64_t *min, uint64_t v)
{
    if (v != UINT64_MAX && v < *min)
        *min = v;
}

void summary_add(struct summary *sum, const struct snapshot *s)
{
    sum->snapshots++;
    sum->with_map += s->has_map;
    sum->incomplete += !s->complete;
    sum->inconsistent += s->consistent == 0;
    if (s->has_time)
        fold_time(sum, s->time);
    fold_min(&sum->min_free, snapshot_free_bytes(s));
    uint64_t used = snapshot_used_bytes(s);
    if (used != UINT64_MAX && (sum->peak_used == UINT64_MAX || used > sum->peak_used))
        sum->peak_used = used;
    fold_min(&sum->min_largest_free_bytes, snapshot_largest_free_bytes(s));
    fold_min(&sum->min_largest_free_blocks, snapshot_largest_free_blocks(s));
    double f = snapshot_fragmentation(s);
    if (f > sum->max_fragmentation) {
        sum->max_fragmentation = f;
        sum->worst_seq = s->seq;
    }
}
