/* SPDX-License-Identifier: MIT */
/* judge.h - what a capture's heap did, source by source, and whether it
 * passed: the summary, the leak slope and its suspects, and every
 * --check, as a sink of the stream. Add it before the outputs that show
 * its results (JSON, text, the UI, the report): they read it through
 * this interface, after it has seen the items they are given.
 *
 * A check on a figure of the summary (min_free, peak_used, ...) is
 * judged on its final value; where it failed is the first dump from
 * which the running value failed and stayed failing (for min_free>20K:
 * the first dump with 20K or less free). A leak check is judged the same
 * way on the leak rate (leak.h), once there are enough points to give
 * one. A figure no dump had fails its check, saying so.
 *
 * Ownership: the judge is the wiring's; stream_close() does not free it
 * (the sinks closed after it still read it): judge_free() after. Pure:
 * no I/O. */
#ifndef HW_JUDGE_H
#define HW_JUDGE_H

#include "check.h"
#include "leak.h"
#include "stream.h"
#include "summary.h"

#include <stdbool.h>
#include <stddef.h>

struct judge;

/* A judge of the checks c[n] (copied; delta checks are the diff's and
 * are ignored here). suspects: track block ages for the leak suspects
 * (costs a pass over each complete map's runs). Never NULL. */
struct judge *judge_new(const struct check *c, size_t n, bool suspects);
void judge_free(struct judge *j);
/* The sink to add to the stream (owned by the judge). */
struct sink *judge_sink(struct judge *j);

/* Where a dump is. */
struct dump_ref {
    long seq, line;
    int source;
    bool has_time;
    double time;
};

struct check_result {
    const struct check *check;
    int source;
    bool pass;
    bool known;   /* value was measured */
    double value; /* in the check's unit */
    char value_text[128];
    bool has_dump; /* where it first failed */
    struct dump_ref dump;
    char why[96]; /* !known: why not */
};

/* Sources seen so far (one per BEGIN). */
int judge_sources(const struct judge *j);
/* Source i's name and leak verdict. */
const char *judge_source_name(const struct judge *j, int i);
void judge_leak(const struct judge *j, int i, struct leak_verdict *v);
/* Source i's suspects (see suspects_list); 0 when not tracked. */
size_t judge_suspects(const struct judge *j, int i, struct leak_suspect *out, size_t max,
                      uint64_t *total);
bool judge_tracks_suspects(const struct judge *j);

/* Source i's name, unique among the sources: the name, then " #2",
 * " #3" for a name given again (`analyze a.log a.log`), so that a CI
 * system keying results by name keeps them all. Into buf[cap]. */
const char *judge_source_label(const struct judge *j, int i, char *buf, size_t cap);
/* Source i's summary (summary.h), for the outputs that track figures. */
const struct summary *judge_summary(const struct judge *j, int i);

/* The areas of a heap of several areas, each with its own lowest free
 * and lowest largest free run (UINT64_MAX: never known); the first
 * JUDGE_MAX_AREAS by base address. A heap of one area has none here:
 * its summary says it all. */
enum { JUDGE_MAX_AREAS = 8 };
struct judge_area {
    char base[24]; /* as printed: lowercase hex without "0x" */
    uint64_t min_free, min_largest_free;
};
size_t judge_areas(const struct judge *j, int i, const struct judge_area **out);

/* Checks: n of them per source. */
size_t judge_checks(const struct judge *j);
void judge_result(const struct judge *j, int source, size_t check, struct check_result *r);
/* Checks that failed on source i (leak checks included). */
size_t judge_source_failures(const struct judge *j, int i);
/* ... and over every source. */
size_t judge_failures(const struct judge *j);
/* A check other than a leak check failed already and cannot pass any
 * more (--fail-fast): the first such, into *r. */
bool judge_failed_early(const struct judge *j, struct check_result *r);

#endif
