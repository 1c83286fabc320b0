/* SPDX-License-Identifier: MIT */
/* export_json.h - JSON output (schema 1, documented in heapwatch(1) JSON
 * OUTPUT) as a sink of the stream. The only module that sees cJSON. A
 * document is streamed: each snapshot is written as it comes, one per
 * line, so memory stays flat however long the capture; the sources, the
 * summary, the events and the probe close the document. */
#ifndef HW_EXPORT_JSON_H
#define HW_EXPORT_JSON_H

#include "hw.h"
#include "judge.h"
#include "snapshot.h"
#include "stream.h"

#include <stdbool.h>
#include <stdio.h>

#define HW_JSON_SCHEMA 1

/* A JSON sink writing to path ("-" = standard output), replacing it.
 * with_map adds each area's "map" string; stream (live mode) flushes each
 * snapshot at once, so a reader of a pipe sees it as it comes. Items:
 * BEGIN/END (one "sources" entry per input), SNAPSHOT, EVENT ("events"),
 * PROBE ("probe", and each snapshot's "probe_bytes"). An item fails with
 * HW_EIO once the file has failed (a closed pipe, a full disk); close
 * finishes the document. *out is NULL on failure ("cannot create X: ..."). */
int export_json_open(const char *path, bool with_map, bool stream, struct sink **out,
                     struct hw_err *err);

/* Add the judge's results (judge.h): each source's "leak" and
 * "suspects", and "checks". j must outlive the sink; NULL is none. */
void export_json_set_judge(struct sink *json, const struct judge *j);

/* One snapshot as a standalone pretty-printed document (the UI's export
 * key). Returns HW_OK or HW_EIO. */
int export_snapshot_file(FILE *f, const struct snapshot *s, bool with_map);

#endif
