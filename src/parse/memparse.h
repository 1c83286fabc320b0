/* SPDX-License-Identifier: MIT */
/* memparse.h - the streaming mem_info reader: bytes in, snapshots out.
 *
 * Finds every micropython.mem_info() / mem_info(1) dump inside arbitrary
 * text (serial logs, terminal transcripts, pasted issues, heapwatch record
 * files), in every format MicroPython has printed since 2014. Memory stays
 * bounded whatever the input: one line buffer of MEMPARSE_MAX_LINE bytes and
 * the map of the dump being read (at most MEMPARSE_MAX_BLOCKS blocks).
 * Never does I/O. */
#ifndef HW_MEMPARSE_H
#define HW_MEMPARSE_H

#include "snapshot.h"

#include <stdbool.h>
#include <stddef.h>

/* Longest line kept; longer lines are skipped up to their newline. A real
 * map line is under 100 bytes, a prefixed one under 200. */
#define MEMPARSE_MAX_LINE 4096
/* Largest map kept, all areas of a dump together: 16 Mi blocks = 256 MiB
 * of 16-byte blocks; and most areas one dump may have. */
#define MEMPARSE_MAX_BLOCKS (16u * 1024 * 1024)
#define MEMPARSE_MAX_AREAS 64

struct memparse;

/* Called once per dump found, in input order. s is borrowed: valid only
 * during the call; use snapshot_copy() to keep it. Metrics and the
 * consistency check have already been computed. */
typedef void (*memparse_cb)(const struct snapshot *s, void *ctx);

/* New reader delivering to cb(ctx). Never NULL; free with memparse_free(). */
struct memparse *memparse_new(memparse_cb cb, void *ctx);
void memparse_free(struct memparse *mp);

/* Start a new input: later snapshots carry this source index and line
 * numbers restart at 1. Ends (and delivers) any dump still open. */
void memparse_begin_source(struct memparse *mp, int source);

/* Feed len bytes of text; may deliver any number of snapshots. */
void memparse_feed(struct memparse *mp, const char *buf, size_t len);

/* Or feed one line cut by the caller (lines.h): a capture reader that
 * cuts its input once and passes on only the text of the board. Mixing
 * this with memparse_feed() on one reader is not supported. */
struct line;
void memparse_line(struct memparse *mp, const struct line *l);

/* End the dump being read, if any (delivering it): the stream it came in
 * broke (a disconnect, a reset, a new session in a record file). */
void memparse_end_dump(struct memparse *mp);
/* Whether a dump is open: its snapshot is still to come. */
bool memparse_in_dump(const struct memparse *mp);

/* The input ended (or, live, one sample's output ended): the last partial
 * line is taken as a line and the open dump is delivered. */
void memparse_flush(struct memparse *mp);

/* The time of the lines fed from now on, given to a dump that opens among
 * them when its text carries none (live mode: the sample's; a record
 * file: the line's "+S.mmm"). */
void memparse_set_time(struct memparse *mp, double seconds);
/* Or ask clock(ctx) for the time of the line being fed, when a dump opens
 * at it (false: none): a capture reader parses a line's stamp only for
 * the lines that open a dump. */
void memparse_set_clock(struct memparse *mp, bool (*clock)(void *ctx, double *t), void *ctx);
/* The seq the next dump gets (dumps are numbered across inputs). */
void memparse_set_seq(struct memparse *mp, long seq);
long memparse_seq(const struct memparse *mp);
/* Live mode: the line number to give the next dump (the line of the
 * capture its first line is written to), instead of its line in what was
 * fed. */
void memparse_set_line(struct memparse *mp, long line);

#endif
