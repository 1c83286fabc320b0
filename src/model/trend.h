/* SPDX-License-Identifier: MIT */
/* trend.h - a capture's trends in bounded memory, for the report's charts
 * and the UI's whole-session overview (history.h): at most cap buckets of
 * consecutive samples, each keeping the minimum and the maximum of every
 * figure, so a peak (the dump where free memory fell lowest) survives
 * however many samples share its bucket. When the buckets are full,
 * neighbours merge pairwise and a bucket covers twice as many samples: a
 * 10,000-dump capture and a 10-dump one draw with the same number of
 * points. Pure; no allocation. */
#ifndef HW_TREND_H
#define HW_TREND_H

#include <stdbool.h>
#include <stddef.h>

enum trend_figure { TREND_USED, TREND_FREE, TREND_LARGEST, TREND_FRAG, TREND_N };

enum { TREND_MAX_BUCKETS = 512 };

/* What came before a bucket's samples: the events that break a trend. */
enum { TREND_MARK_GAP = 1u << 0, TREND_MARK_RESET = 1u << 1 };

struct trend_bucket {
    long first, last; /* sample indices it covers, 0-based */
    bool has_time;
    double t0, t1;  /* times of the first and last sample that had one */
    unsigned known; /* bit f: some sample had figure f */
    double min[TREND_N], max[TREND_N];
    unsigned marks; /* TREND_MARK_* seen before or among its samples */
};

struct trend {
    struct trend_bucket b[TREND_MAX_BUCKETS];
    size_t n, cap;
    long per;         /* samples per full bucket (a power of two) */
    long samples;     /* added so far */
    unsigned pending; /* marks waiting for the next sample */
};

/* An empty trend of at most cap buckets (2 <= cap <= TREND_MAX_BUCKETS,
 * clamped; an odd cap is made even). */
void trend_init(struct trend *t, size_t cap);
/* Add the next sample: v[f] is figure f, used only when bit f of known is
 * set. has_time/time: the sample's own clock, if it had one. */
void trend_add(struct trend *t, const double v[TREND_N], unsigned known, bool has_time,
               double time);
/* The next sample follows an event (TREND_MARK_*). */
void trend_mark(struct trend *t, unsigned mark);

#endif
