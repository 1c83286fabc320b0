/* SPDX-License-Identifier: MIT */
/* lines.h - text cut into lines, once, whatever the pieces it arrives in:
 * LF, CR, CRLF and the unix port's CRCRLF all end a line (an empty line
 * between CR and LF is dropped by the reader that gets it). Each line comes
 * with its number and its byte offset in the input. Bounded memory: a line
 * split across pieces is kept up to LINES_MAX bytes; a longer one is
 * reported as too long, not stored. Pure; no I/O. */
#ifndef HW_LINES_H
#define HW_LINES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest line kept whole. A real map line is under 100 bytes, a prefixed
 * one under 200, a record file line under 4 * 4096. */
#define LINES_MAX 16384

struct line {
    const char *p; /* the line without its end; valid during the callback only */
    size_t n;
    long number;     /* 1-based: LF-ended lines counted, or CR-ended ones in CR-only text */
    uint64_t offset; /* of its first byte in the input */
    bool too_long;   /* longer than LINES_MAX: p/n are empty */
    unsigned marks;  /* MEMLINE_ESC, MEMLINE_BACKSLASH: what the line may hold (memline.h) */
};

typedef void (*lines_cb)(const struct line *l, void *ctx);

struct lines {
    lines_cb cb;
    void *ctx;
    long n_lf, n_cr;
    uint64_t offset; /* bytes consumed */
    uint64_t start;  /* offset of the line being collected */
    size_t len;
    unsigned marks; /* of the line being collected */
    bool overflow;
    char buf[LINES_MAX];
};

/* Start (or restart, for a new input) cutting lines for cb(ctx). */
void lines_init(struct lines *ls, lines_cb cb, void *ctx);
/* Cut n bytes into lines; calls cb for every line they complete. */
void lines_feed(struct lines *ls, const char *p, size_t n);
/* The input ended: an unterminated last line is delivered too. */
void lines_flush(struct lines *ls);

#endif
