/* SPDX-License-Identifier: MIT */
/* export.h - JSON output (schema 1, documented in heapwatch(1) JSON OUTPUT).
 * The only module that sees cJSON. A document is streamed: the writer emits
 * each snapshot as it comes, one per line, so memory stays flat however
 * long the capture, and sources and summary close the document. */
#ifndef HW_EXPORT_H
#define HW_EXPORT_H

#include "hw.h"
#include "snapshot.h"
#include "summary.h"

#include <stdbool.h>
#include <stdio.h>

#define HW_JSON_SCHEMA 1

struct json_writer;

struct json_source {
    const char *name;
    long dumps;
};

/* Live-mode additions to one snapshot; all optional. */
struct json_sample_extra {
    bool has_probe;
    long probe_bytes;        /* what one sample itself left on the heap */
    const char *error;       /* a traceback the probe printed instead, or NULL */
};

/* A session event (gap, reconnect, reset) for the "events" array. */
struct json_event {
    double time;
    const char *kind;        /* "gap", "resume", "timeout", "reset", "error" */
    const char *detail;      /* may be NULL */
};

/* Create path ("-" = standard output) and start a document in it.
 * with_map adds each area's "map" string. *out is NULL on failure
 * ("cannot create X: ..."). The writer owns the file until finish. */
int json_writer_open(const char *path, bool with_map, bool stream, struct json_writer **out,
                     struct hw_err *err);
/* Append one snapshot; extra may be NULL. With stream (live mode), each
 * snapshot is flushed at once, so a reader of a pipe sees it as it comes.
 * HW_EIO once the file has failed (a closed pipe, a full disk). */
int json_writer_snapshot(struct json_writer *jw, const struct snapshot *s,
                         const struct json_sample_extra *extra);
/* Remember an event; written in "events" when the document closes. */
void json_writer_event(struct json_writer *jw, const struct json_event *ev);
/* What one sample costs the board, measured at the start of a session. */
struct json_probe {
    bool has_probe;
    const char *code;  /* the Python the sample runs */
    long bytes;        /* left on the heap per sample */
    long allocated;    /* allocated per sample (MEM_STATS ports), -1 unknown */
};
/* Written as "probe" when the document closes. */
void json_writer_probe(struct json_writer *jw, const struct json_probe *p);
/* Close the document and its file, and free jw. Returns HW_EIO (err
 * filled) if anything failed to write. */
int json_writer_finish(struct json_writer *jw, const struct json_source *src, size_t n_src,
                       const struct summary *sum, struct hw_err *err);

/* One snapshot as a standalone pretty-printed document (the UI's export
 * key). Returns HW_OK or HW_EIO. */
int export_snapshot_file(FILE *f, const struct snapshot *s, bool with_map);

#endif
