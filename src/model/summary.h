/* SPDX-License-Identifier: MIT */
/* summary.h - running totals over a sequence of snapshots: the figures a
 * person or a CI job asks of a capture first. Pure, constant memory. */
#ifndef HW_SUMMARY_H
#define HW_SUMMARY_H

#include "snapshot.h"

#include <stdbool.h>
#include <stdint.h>

struct summary {
    long snapshots;
    long with_map;     /* dumps that printed a block map */
    long incomplete;   /* complete == false */
    long inconsistent; /* consistent == 0 */
    bool has_time;
    double first_time, last_time;
    /* each from the snapshot.h accessors, so under their one rule;
     * UINT64_MAX / -1.0 while no snapshot had the figure */
    uint64_t min_free;
    uint64_t peak_used;
    uint64_t min_largest_free_bytes;
    uint64_t min_largest_free_blocks;
    double max_fragmentation;
    long worst_seq; /* snapshot with max_fragmentation, -1 if none */
};

void summary_init(struct summary *sum);
/* Fold one snapshot in. */
void summary_add(struct summary *sum, const struct snapshot *s);

#endif
