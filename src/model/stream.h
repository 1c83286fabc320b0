/* SPDX-License-Identifier: MIT */
/* stream.h - one stream of what a source yields, delivered in order to a
 * list of sinks. A source (the board in live mode, a capture file in
 * analyze and replay) turns what it reads into items; each output (the
 * capture writer, the JSON, the text lines, the full-screen UI, later the
 * checks and the report) is a sink that takes the items it cares about and
 * ignores the rest. A mode is a wiring of one source to its sinks.
 *
 * Errors: a sink that fails returns an error (err filled). When it was
 * added as essential (its output is the point of the run: text or JSON on
 * standard output), the stream is marked failed so the source stops, and
 * stream_close() returns that error to be said once. Any other failure (a
 * full disk under the record file) is passed on at once to the other sinks
 * as a MESSAGE item, once per sink, the run goes on, and stream_close()
 * returns it marked said. Pure plumbing: no I/O of its own. */
#ifndef HW_STREAM_H
#define HW_STREAM_H

#include "hw.h"
#include "snapshot.h"

#include <stdbool.h>
#include <stddef.h>

enum hw_item_kind {
    HW_ITEM_BEGIN,    /* a source starts: name, source (analyze: one per file) */
    HW_ITEM_END,      /* it ended; msg set if reading it failed part way */
    HW_ITEM_BYTES,    /* live: bytes the board sent (the capture writer's input) */
    HW_ITEM_SNAPSHOT, /* one dump */
    HW_ITEM_EVENT,    /* gap, resume, reset, timeout, error, gc, stderr, ... */
    HW_ITEM_MESSAGE,  /* something to tell the user (msg) */
    HW_ITEM_PROBE,    /* live: what one sample costs the board (probe) */
};

/* What one sample costs the board, measured at the start of a session. */
struct hw_probe {
    const char *code; /* the Python one sample runs */
    bool measured;
    long bytes;     /* left on the heap per sample */
    long allocated; /* allocated per sample (MEM_STATS ports), -1 unknown */
};

/* One item. Every pointer is borrowed: valid during the delivery only. */
struct hw_item {
    enum hw_item_kind kind;
    double time;                 /* seconds on the source's clock (EVENT, BYTES) */
    int source;                  /* BEGIN, END: index of the input */
    const char *name;            /* BEGIN, END: its name ("(stdin)" for -) */
    const struct snapshot *snap; /* SNAPSHOT */
    const char *event;           /* EVENT: its kind */
    const char *detail;          /* EVENT: may be NULL */
    const struct hw_err *msg;    /* MESSAGE; END: the read error, or NULL */
    const char *data;            /* BYTES */
    size_t len;
    const struct hw_probe *probe; /* PROBE */
};

struct sink;
struct sink_ops {
    /* Take one item; HW_OK, or an error with err filled (said once). */
    int (*item)(struct sink *s, const struct hw_item *it, struct hw_err *err);
    /* Finish and free the sink: HW_OK or the error that spoilt its output. */
    int (*close)(struct sink *s, struct hw_err *err);
};
/* Embedded first in each sink's own struct. */
struct sink {
    const struct sink_ops *ops;
};

enum { STREAM_MAX_SINKS = 8 };

struct stream {
    struct sink *sinks[STREAM_MAX_SINKS];
    bool essential[STREAM_MAX_SINKS];
    bool said[STREAM_MAX_SINKS]; /* its failure was passed on */
    int n;
    bool failed;       /* an essential sink failed: the source stops */
    struct hw_err err; /* the first failure of an essential sink */
};

/* An empty stream. */
void stream_init(struct stream *st);
/* Add a sink (owned by the stream from now on; NULL is ignored). Items
 * reach sinks in the order they were added: put the capture writer first,
 * so a sample is on disk before it is shown. essential: its failure stops
 * the source. */
void stream_add(struct stream *st, struct sink *s, bool essential);
/* Deliver it to every sink. */
void stream_emit(struct stream *st, const struct hw_item *it);
/* Shorthands for the common items. */
void stream_snapshot(struct stream *st, const struct snapshot *s);
void stream_event(struct stream *st, double time, const char *kind, const char *detail);
void stream_message(struct stream *st, const struct hw_err *e);
/* Close every sink. Returns HW_OK or the first error (err filled): the
 * essential failure recorded before, else the first sink's close error. */
int stream_close(struct stream *st, struct hw_err *err);

#endif
