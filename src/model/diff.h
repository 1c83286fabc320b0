/* SPDX-License-Identifier: MIT */
/* diff.h - two captures, or two dumps, compared: the same test before and
 * after a firmware change. A plain value built from two summaries (and
 * each side's last complete dump) or from two snapshots; every figure is
 * taken through summary.h and snapshot.h's accessors, so under their one
 * rule. Looked up by name (diff_metric), so a check on a delta
 * ("delta.peak_used<=2K") is a small addition. Pure: no I/O. */
#ifndef HW_DIFF_H
#define HW_DIFF_H

#include "check.h"
#include "snapshot.h"
#include "summary.h"

#include <stdbool.h>
#include <stddef.h>

/* How a figure is shown: deltas of a fraction are in points. */
enum diff_unit { DIFF_COUNT, DIFF_BYTES, DIFF_BLOCKS, DIFF_RATIO, DIFF_SECONDS };

/* One figure on both sides. */
struct diff_metric {
    const char *name;  /* the key of analyze's JSON: "peak_used", "used_bytes"; static */
    const char *label; /* for people: "peak used"; static */
    enum diff_unit unit;
    bool has_a, has_b; /* the side has the figure */
    double a, b;
};

/* What happened to each block between two dumps of one heap, as the
 * symbols of the change map (diff_area.map). */
#define DIFF_SYM_ALLOCATED '+' /* free in A, allocated in B */
#define DIFF_SYM_FREED '-'     /* allocated in A, free in B */
#define DIFF_SYM_CHANGED '~'   /* allocated in both, to an allocation of another type */
#define DIFF_SYM_USED '='      /* allocated in both, same type */
#define DIFF_SYM_FREE '.'      /* free in both */
#define DIFF_SYM_UNKNOWN '?'   /* either side did not show what it is */

struct diff_blocks {
    size_t allocated, freed, changed, used, free, unknown;
};

/* One area's change map: n_blocks symbols (DIFF_SYM_*), owned. */
struct diff_area {
    char base[24];
    size_t n_blocks;
    char *map;
};

enum { DIFF_MAX_METRICS = 16 };

/* What a side is, for the outputs: its file as named, the dump (seq, -1
 * for a whole capture) and how many dumps the file held. */
struct diff_source {
    const char *name; /* borrowed */
    long seq;
    long dumps;
};

struct diff {
    bool dumps; /* two dumps; else two captures */
    struct diff_metric metrics[DIFF_MAX_METRICS];
    int n_metrics;
    /* allocations per type letter (SNAP_HEAD_LETTERS) and free runs by
     * length (log2 buckets) of each side's dump: the dump itself, or a
     * capture's last complete dump; has_detail false when there is none */
    bool has_detail[2];
    long detail_seq[2]; /* that dump's seq, -1 if none */
    size_t heads[2][SNAP_N_HEADS];
    size_t free_hist[2][SNAP_HIST_BUCKETS];
    /* two dumps: the blocks compared one by one, when both maps are
     * complete and of the same heap (same block size, area bases and
     * block counts); else why not, in why ("different heaps: ...") */
    bool has_blocks;
    bool same_heap; /* the heaps match (also when has_blocks is false for another reason) */
    char why[160];
    struct diff_blocks blocks;
    struct diff_area *areas; /* n_areas, owned */
    size_t n_areas;
    unsigned block_size;
};

/* Two captures: a and b are their summaries; last_a and last_b their
 * last complete dumps with a map (NULL if none), for the heads and the
 * histogram. d is overwritten (need not be initialised); diff_fini() it. */
void diff_summaries(struct diff *d, const struct summary *a, const struct snapshot *last_a,
                    const struct summary *b, const struct snapshot *last_b);
/* Two dumps, block by block when they are of one heap. */
void diff_snapshots(struct diff *d, const struct snapshot *a, const struct snapshot *b);
/* Free what d owns (the change maps) and zero it. NULL-safe. */
void diff_fini(struct diff *d);

/* The figure called name, or NULL if the diff has none of that name. */
const struct diff_metric *diff_find(const struct diff *d, const char *name);
/* A figure by name: a metric's name, or "heads.X" for type letter X.
 * True, with *a, *b and *delta (b - a) set, when both sides have it;
 * false when the name is unknown or a side lacks the figure. Any of the
 * pointers may be NULL. */
bool diff_metric(const struct diff *d, const char *name, double *a, double *b, double *delta);
/* The figure a delta check (check.h) names, as diff_metric(): for two
 * captures their summaries' (largest_free: min_largest_free_bytes,
 * fragmentation: max_fragmentation, samples: snapshots), for two dumps
 * the dumps' (min_free: free_bytes, peak_used: used_bytes, ...). */
bool diff_check_metric(const struct diff *d, const struct check *c, double *a, double *b,
                       double *delta);

/* The change map's symbol of a block allocated (or not: 0) in A with
 * type index ta (metrics_head_index) and in B with tb; unknown if either
 * side is. Exposed for the tests. */
char diff_block_symbol(int kind_a, int ta, int kind_b, int tb);

#endif
