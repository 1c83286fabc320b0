/* SPDX-License-Identifier: MIT */
/* capture.h - the capture file, both ways: the writer behind --record and
 * the reader behind analyze and replay. Format 1, documented in
 * heapwatch(1) FILES:
 *
 *   #heapwatch-record 1 port=/dev/ttyACM0 start=2026-11-26T03:44:39.512Z version=0.2.0
 *   +0.512 OKstack: 596 out of 7936
 *   +0.512 GC: total: 205568, used: 102816, free: 102752
 *   +0.530 \x04\x04>
 *   +4.100 #gap cannot read /dev/ttyACM0: device disconnected
 *   +6.200 #resume /dev/ttyACM1
 *
 * A session is a header line, then what the board sent, one line per line
 * it sent, stamped with the seconds since start= when the line was
 * complete, and "#kind detail" event lines on the same clock. Bytes other
 * than printable ASCII and tab are written as \xNN and a backslash as \\,
 * so a line is always one line. A file may hold many sessions (appended
 * runs); the reader puts them on one clock that never goes back.
 *
 * The reader takes any text: a record file, a raw serial log, or both
 * concatenated; outside record sessions lines pass unchanged to the
 * mem_info reader. It delivers, in file order, every snapshot and every
 * event into a stream (stream.h). */
#ifndef HW_CAPTURE_H
#define HW_CAPTURE_H

#include "hw.h"
#include "stream.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAPTURE_FORMAT 1

/* ---- writing ---- */

struct capture_writer;

/* A writer appending to path, or, with path NULL, one that writes nothing
 * and only counts (so live snapshots can name the line they would have).
 * Writes the header line; start is the wall clock (seconds since the
 * epoch) that the times given later count from: the session's start, also
 * for a recording begun part way. Lines already in the file are counted,
 * so capture_writer_next_line() is a line of the file. *out is NULL on
 * failure ("cannot create X: ..."). */
int capture_writer_open(const char *path, const char *port, double start,
                        struct capture_writer **out, struct hw_err *err);
/* Bytes received at time t (seconds since start). Complete lines are
 * written, stamped t; a partial line waits for its end or a sync. */
void capture_writer_bytes(struct capture_writer *w, double t, const void *buf, size_t n);
/* An event line "#kind detail" (detail may be NULL). */
void capture_writer_event(struct capture_writer *w, double t, const char *kind, const char *detail);
/* Write the partial line too and hand everything to the kernel, so a
 * kill -9 after this loses nothing. Once a write failed, an error (err
 * filled: "record X: No space left on device; recording stopped, sampling
 * goes on"), and the file is closed. */
int capture_writer_sync(struct capture_writer *w, double t, struct hw_err *err);
/* Start writing to path (appending, header first), or stop: `r` in the
 * UI. Counting goes on either way. Errors as capture_writer_open(). */
int capture_writer_start(struct capture_writer *w, const char *path, const char *port, double start,
                         struct hw_err *err);
int capture_writer_stop(struct capture_writer *w, struct hw_err *err);
/* The errno of the write that ended the recording (a full disk), or 0.
 * Nothing is written after it; what was synced before is in the file. */
int capture_writer_failed(const struct capture_writer *w);
/* The number the next complete line will have in the file. */
long capture_writer_next_line(const struct capture_writer *w);
/* The number in the file of the line that bytes beginning with next go to
 * (the next line, or the one after it when a '\r' just ended a line). */
long capture_writer_line_for(const struct capture_writer *w, char next);
/* Its file, or NULL when it only counts. Owned by w. */
const char *capture_writer_path(const struct capture_writer *w);
/* Sync, close and free; NULL-safe. HW_EIO if any write failed. */
int capture_writer_close(struct capture_writer *w, struct hw_err *err);
/* The writer as a sink (BYTES, EVENT; a SNAPSHOT syncs, so a sample is on
 * disk before a later sink shows it). The stream then owns w and closes
 * it; the caller may keep using w until stream_close(). */
struct sink *capture_writer_sink(struct capture_writer *w);

/* ---- reading ---- */

struct capture_reader;

/* Where the reader stands, to parse one dump again later from its offset
 * (replay): whether it is inside a record session, and that session's
 * place on the capture's clock. */
struct capture_pos {
    bool record;
    double base; /* seconds of the session's start on the capture's clock */
    double last; /* the latest time seen: times never go back */
};

/* A reader of input number source, delivering into st. Never NULL. */
struct capture_reader *capture_reader_new(int source, struct stream *st);
void capture_reader_free(struct capture_reader *r);
/* Feed n bytes (any split); delivers what they complete. */
void capture_reader_feed(struct capture_reader *r, const char *buf, size_t n);
/* The input ended: the last line and the open dump are delivered. */
void capture_reader_flush(struct capture_reader *r);
/* Where the reader stands now; during a snapshot's delivery, the record
 * session (or none) the snapshot belongs to. */
struct capture_pos capture_reader_pos(const struct capture_reader *r);
/* Number the next dump seq (replay: a dump read again keeps its number). */
void capture_reader_number(struct capture_reader *r, long seq);
/* Start reading at a known position (replay: one dump again). */
void capture_reader_seek(struct capture_reader *r, const struct capture_pos *pos, uint64_t offset);

/* Read path ("-" = standard input) to its end as input number source,
 * numbering its dumps from *seq on (updated; NULL: from 0):
 * BEGIN, the snapshots and events, END (its msg set if reading failed part
 * way, after what was read was delivered). HW_OK, or the error (err
 * filled) that stopped it: "cannot open X: ...", "cannot read X: ...". */
int capture_read(const char *path, int source, long *seq, struct stream *st, struct hw_err *err);

/* Escape n bytes as a record line body into out[cap] (always
 * NUL-terminated, truncated at a whole escape); returns its length. */
size_t capture_escape(const char *in, size_t n, char *out, size_t cap);
/* Undo capture_escape() on [p, p + n) into out (at least n bytes, which
 * is enough: decoding never grows); returns the new length. *esc (if not
 * NULL) is set when an ESC was decoded ("\x1b": a colour, kept). */
size_t capture_unescape(const char *p, size_t n, char *out, bool *esc);

#endif
