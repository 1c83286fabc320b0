/* SPDX-License-Identifier: MIT */
/* leak.h - does the heap leak? MicroPython's used bytes climb between
 * collections and fall at each one; what survives a collection is what
 * the program holds. So the series that says whether memory leaks is the
 * heap right after collections: the low-water mark after each fall (or
 * every sample, when each one follows a gc.collect(): --gc). A least-
 * squares line through those points gives the slope, with a 95%
 * confidence interval and the number of points it rests on:
 *
 *   "no leak (slope 0 ± 12 B/min over 14 collections)"
 *   "leaks 312 ± 20 B/min (over 14 collections)"
 *   "too little data (2 collections; need 4)"
 *
 * A reset of the board starts a new series: the fit pools the series,
 * each with its own level, so a reboot is not read as "leak fixed". The
 * probe's own garbage (what one sample leaves on the heap) is freed by
 * the next collection, so it is never in a low-water mark: only a
 * constant in every point, which no slope sees.
 *
 * Suspects: allocations that appeared after the first sample and are
 * still in place (the same type letter, at the same block, of the same
 * size) in the last one; oldest first. Both pure; no I/O. */
#ifndef HW_LEAK_H
#define HW_LEAK_H

#include "snapshot.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { LEAK_MIN_POINTS = 4 };

/* Online sums of one series (Welford's, so long series do not cancel). */
struct leak_fit {
    double n, mx, my, cxx, cxy, cyy;
};

struct leak {
    bool gc_samples; /* every sample follows a gc.collect() */
    bool timed;      /* every point so far has a time */
    long points, series;
    bool have_prev;
    double prev_used;
    bool have_cand; /* the low-water mark being watched: */
    bool cand_has_time;
    double cand_used, cand_seq, cand_time;
    /* [0] against minutes, [1] against sample number */
    struct leak_fit cur[2], pooled[2];
};

enum leak_state { LEAK_UNKNOWN, LEAK_NONE, LEAK_GROWS };

struct leak_verdict {
    enum leak_state state;
    long points, series;
    bool has_per_min;                                      /* the points had times */
    double per_min, per_min_ci, per_sample, per_sample_ci; /* bytes; ci = 95% half-width */
    char why[96];                                          /* LEAK_UNKNOWN: why */
};

void leak_init(struct leak *l);
/* Every sample from now on follows a gc.collect(). */
void leak_set_gc_samples(struct leak *l, bool on);
/* Fold one sample in. */
void leak_add(struct leak *l, const struct snapshot *s);
/* The board rebooted: what follows is a new series. */
void leak_reset(struct leak *l);
/* The verdict so far. */
void leak_result(const struct leak *l, struct leak_verdict *v);
/* "no leak (slope 0 ± 12 B/min over 14 collections)" into buf[cap]:
 * per minute when the points had times and !per_sample. */
char *leak_describe(const struct leak_verdict *v, bool per_sample, char *buf, size_t cap);
/* The leak a check judges: the slope when the heap grows (its 95%
 * interval above zero), else 0: a slope that noise explains is no leak. */
double leak_rate(const struct leak_verdict *v, bool per_sample);

struct leak_suspect {
    size_t area, block; /* the allocation's head */
    uint64_t address;   /* base + block * block size; 0 if unknown */
    char type;          /* its letter */
    size_t blocks;
    uint64_t bytes; /* 0 if the block size is unknown */
    long born_seq;  /* the first dump it was seen in */
    long samples;   /* dumps it has been seen in, in place */
    double age_s;   /* seconds since it was first seen; -1 untimed */
};

struct suspects;
struct suspects *suspects_new(void);
void suspects_free(struct suspects *sp);
/* Fold one dump in (only complete maps count; a dump of another heap
 * layout starts again). */
void suspects_add(struct suspects *sp, const struct snapshot *s);
/* The board rebooted: nothing before survives. */
void suspects_reset(struct suspects *sp);
/* The suspects of the last dump, oldest first: up to max into out;
 * returns how many there are in all, and their bytes in *total. */
size_t suspects_list(const struct suspects *sp, struct leak_suspect *out, size_t max,
                     uint64_t *total);

#endif
