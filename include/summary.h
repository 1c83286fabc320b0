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
    long with_map;      /* dumps that printed a block map */
    long incomplete;    /* complete == false */
    long inconsistent;  /* consistent == 0 */
    bool has_time;
    double first_time, last_time;
    /* UINT64_MAX / -1.0 while nothing was seen */
    uint64_t min_free;
    uint64_t peak_used;           /* 0 if none */
    uint64_t min_largest_free_bytes;
    uint64_t min_largest_free_blocks;
    double max_fragmentation;     /* over complete maps only; -1 if none */
    long worst_seq;               /* snapshot with max_fragmentation, -1 if none */
};

void summary_init(struct summary *sum);
/* Fold one snapshot in. Incomplete maps never set fragmentation or largest
 * free figures: a cut map would look like one huge free run. */
void summary_add(struct summary *sum, const struct snapshot *s);

#endif
