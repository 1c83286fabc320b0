/* SPDX-License-Identifier: MIT */
/* track.h - the judge's figures (judge.h) for the dashboards that track
 * them across commits: OpenMetrics text (Prometheus, Grafana, GitLab's
 * metrics reports) and the custom benchmark JSON of github-action-benchmark
 * ("customSmallerIsBetter" / "customBiggerIsBetter"). One table of
 * figures, two renderings. Written once the stream is closed. */
#ifndef HW_TRACK_H
#define HW_TRACK_H

#include "hw.h"
#include "judge.h"

#include <stdbool.h>

/* How the files begin: what may be overwritten (paths.h). */
#define TRACK_OPENMETRICS_MAGIC "# TYPE heapwatch_dumps gauge\n"
#define TRACK_BENCH_MAGIC "["

/* OpenMetrics text into path: per source (label source) the dump counts,
 * the lowest free, the peak used, the lowest largest free run and the
 * worst fragmentation (label area: "heap" for the whole heap, "0xBASE"
 * for each area of a heap of several), the leak rate, and one 0/1 gauge
 * per check; "# EOF" last. A figure no dump had has no sample. HW_OK, or
 * HW_EIO with err filled. */
int track_openmetrics(const struct judge *j, const char *path, struct hw_err *err);

/* github-action-benchmark's custom JSON into path: an array of
 * {"name", "unit", "value", "extra"}, the figures where smaller is better
 * (peak used, fragmentation, leak) or, with bigger, where bigger is
 * better (lowest free, lowest largest free run). HW_OK, or HW_EIO. */
int track_bench(const struct judge *j, const char *path, bool bigger, struct hw_err *err);

#endif
