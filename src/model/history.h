/* SPDX-License-Identifier: MIT */
/* history.h - what the UI needs to remember of a session: a bounded ring of
 * trend points (one per sample, gaps marked), an overview of every sample
 * since the start in bounded memory, the current and previous
 * snapshots (for the changes view) and, per block, how many samples its
 * allocation has survived (for the age view). Pure; no I/O. */
#ifndef HW_HISTORY_H
#define HW_HISTORY_H

#include "snapshot.h"
#include "trend.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hist_point {
    double time;           /* seconds since start */
    uint64_t used, free;   /* bytes; UINT64_MAX unknown */
    uint64_t largest_free; /* bytes; UINT64_MAX unknown */
    double frag;           /* 0..1; -1 unknown */
    size_t allocations;
    bool gap_before; /* the link was down between this point and the one before */
    bool complete, consistent;
};

struct history;

/* A history keeping the last cap points (cap >= 2). Never NULL. */
struct history *history_new(size_t cap);
void history_free(struct history *h);
/* Forget everything (replay jumping backwards). */
void history_clear(struct history *h);
/* Add a sample: a trend point, the snapshot (copied), and block ages. */
void history_push(struct history *h, const struct snapshot *s);
/* The trend point of s: its figures under snapshot.h's one rule. */
struct hist_point history_point(const struct snapshot *s);
/* Add only a trend point (replay rebuilding older history from its
 * index): current/previous snapshots and ages are left as they are. A
 * point with gap_before set follows a gap. */
void history_push_point(struct history *h, const struct hist_point *p);
/* The next point follows a gap (disconnect, reset). */
void history_gap(struct history *h);

size_t history_len(const struct history *h);
/* Point i, 0 = oldest kept; NULL if out of range. */
const struct hist_point *history_at(const struct history *h, size_t i);
/* Samples pushed since creation (not bounded by cap). */
long history_total(const struct history *h);
/* The whole session since creation or clear, however long, in at most
 * HISTORY_OVERVIEW buckets of trend.h: each keeps the lowest and highest of
 * every figure over its run of samples (a figure unknown in every sample
 * of the run has its known bit clear), its first and newest times, and
 * TREND_MARK_GAP if a gap came before or among them; samples counts every
 * point. Empty (n == 0) before the first point. Valid until the history is
 * freed. */
enum { HISTORY_OVERVIEW = TREND_MAX_BUCKETS };
const struct trend *history_overview(const struct history *h);
/* Latest and previous snapshots; NULL until there are that many. Valid
 * until the next history_push/clear/free. */
const struct snapshot *history_current(const struct history *h);
const struct snapshot *history_previous(const struct history *h);
/* Ages of the current snapshot's area blocks: samples each block's
 * allocation has stayed in place (0 for free blocks, 1 = new this
 * sample). NULL if area is out of range. Same lifetime as current. */
const uint16_t *history_age(const struct history *h, size_t area);

#endif
