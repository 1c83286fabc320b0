/* SPDX-License-Identifier: MIT */
/* record.h - the record file: what the board sent, line by line, with the
 * time it arrived, plus session events. Line-oriented and append-only, so
 * `heapwatch analyze` and replay read it like any other log:
 *
 *   #heapwatch-record 1 port=/dev/ttyACM0 start=2026-11-26T03:44:39.512Z version=0.2.0
 *   +0.512 OKstack: 596 out of 7936
 *   +0.512 GC: total: 205568, used: 102816, free: 102752
 *   +0.530 \x04\x04>
 *   +4.100 #gap disconnected: /dev/ttyACM0 went away
 *   +6.200 #resume /dev/ttyACM1
 *
 * Times are seconds since start=, taken when each line is complete, so
 * they never go back. Bytes other than printable ASCII and tab
 * are written as \xNN, so a line is always one line. */
#ifndef HW_RECORD_H
#define HW_RECORD_H

#include "hw.h"

#include <stddef.h>

struct record;

/* Open (append to) path and write the header line; start is the wall
 * clock (seconds since the epoch) that the times given later count from:
 * the session's start, also for a recording begun part way. *out is NULL
 * on failure. */
int record_open(const char *path, const char *port, double start, struct record **out,
                struct hw_err *err);
/* Write what is buffered and close; NULL-safe. Returns HW_EIO if any write
 * failed since the last record_sync(). */
int record_close(struct record *r, struct hw_err *err);
/* Received bytes at time t (seconds since start). Complete lines are
 * written; a partial line waits for its end or for record_sync(). */
void record_rx(struct record *r, double t, const void *buf, size_t n);
/* An event line: "#kind detail". detail may be NULL. */
void record_event(struct record *r, double t, const char *kind, const char *detail);
/* End of a sample: write the partial line too and push everything to the
 * kernel, so a kill -9 after this loses nothing. HW_EIO on a write error. */
int record_sync(struct record *r, double t, struct hw_err *err);

/* Escape n bytes as a record line body into out (cap bytes, NUL-terminated;
 * truncated if needed). Returns the length written. */
size_t record_escape(const char *in, size_t n, char *out, size_t cap);

#endif
