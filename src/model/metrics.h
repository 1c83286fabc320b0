/* SPDX-License-Identifier: MIT */
/* metrics.h - pure computation over a snapshot's block map: counts, runs,
 * histograms, fragmentation, and the check of the map against the numbers
 * the device printed itself. No I/O, no allocation. */
#ifndef HW_METRICS_H
#define HW_METRICS_H

#include "snapshot.h"

/* Recompute s->metrics and each area's free_blocks/largest_free from the
 * maps. Sets has_metrics when the snapshot has a map. */
void metrics_compute(struct snapshot *s);

/* Compare the recomputed metrics with the device's reported numbers.
 * Sets s->mismatches and s->consistent: -1 when there is nothing to
 * compare (no map, or no GC/No. of lines), else 1 if every check holds. */
void metrics_check(struct snapshot *s);

/* Index of a head letter in SNAP_HEAD_LETTERS (0 = 'h' for anything else). */
int metrics_head_index(char c);

/* Bucket of a run of n >= 1 blocks in the log2 histograms. */
int metrics_bucket(size_t n);

#endif
