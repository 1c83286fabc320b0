/* SPDX-License-Identifier: MIT */
/* memline.h - one line of mem_info text: which kind of line it is, and
 * what it says. The lexical half of the reader, used only by memparse.c:
 * pure functions over bounded text (never NUL-terminated), no state, no
 * I/O. Every function takes the line as [p, end) or (p, n). */
#ifndef HW_MEMLINE_H
#define HW_MEMLINE_H

#include "snapshot.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Hex digit value + 1 (0: not a hex digit), and the stored form of a block
 * symbol ('t' -> '=', letters and '.' '=' as they are; 0: not a symbol). */
extern const unsigned char memline_hex1[256];
extern const char memline_symbol[256];

static inline int memline_hexval(char c)
{
    return memline_hex1[(unsigned char)c] - 1;
}

/* The line kinds a dump is made of. */
enum memline_kind { ML_NONE, ML_MEM, ML_STACK, ML_GC, ML_NO, ML_LAYOUT };

/* Which mem_info header line this is, wherever it stands in the line, and
 * the column where it starts (*col). ML_NONE for anything else. */
enum memline_kind memline_classify(const char *p, size_t n, size_t *col);
/* The same, only for a line that starts at exactly col (the fast path:
 * inside a dump, lines start where its first one did). */
enum memline_kind memline_classify_at(const char *p, size_t n, size_t col);

/* Header lines into s (fields and has_* flags; SNAP_P_FIELDS on damage):
 *   "mem: total=77932, current=44073, peak=44073"
 *   "stack: 7328 out of 80000"       or "stack: 7328"
 *   "GC: total: 112000, used: 100656, free: 11344[, max new split: 53248]"
 *   " No. of 1-blocks: 45, 2-blocks: 10, max blk sz: 3073[, max free sz: 427]" */
void memline_mem(struct snapshot *s, const char *p, const char *end);
void memline_stack(struct snapshot *s, const char *p, const char *end);
void memline_gc(struct snapshot *s, const char *p, const char *end);
void memline_no(struct snapshot *s, const char *p, const char *end);
/* "GC memory layout; from 3ffcf6f0:" (forks: "from 0x2000aa00:"): the
 * base's hex digits as [*base, *base + *len). */
void memline_layout(const char *p, const char *end, const char **base, size_t *len);

/* "00000400: =Sh=h=h=h===SS..." at p: a map line with at least 4 hex
 * digits. Sets the offset, its width and the symbols [*sym, end). */
bool memline_map(const char *p, const char *end, uint64_t *off, int *digits, const char **sym);
/* The same anywhere in the line, and only if every symbol is one. */
bool memline_map_search(const char *p, const char *end, uint64_t *off, int *digits,
                        const char **sym);
/* "       (119 lines all free)": N in *lines. */
bool memline_free_lines(const char *p, const char *end, uint64_t *lines);

/* Time from a line prefix: "[12:41:52.016] " anywhere (seconds since
 * midnight). Record files' "+12.345 " stamps are capture.c's. */
bool memline_prefix_time(const char *p, size_t n, double *t);

/* A frame tools print around dumps:
 *   "*** Memory info before GC ***"                  (micropython-magic)
 *   "~~~~~ [PROFILING INFO] - [3] after load ~~~~~"  (micrOS)
 *   "@@@ 45828774 (2024, 9, 10, 12, 5, 42, 1, 254)"  (memory-profiler, ticks_ms)
 * Returns true for a frame; copies its label (trimmed, "" if none) into
 * label (cap bytes) and sets has_ticks and ticks for "@@@" lines. */
bool memline_frame(const char *p, size_t n, char *label, size_t cap, bool *has_ticks,
                   uint64_t *ticks);

/* Copy p without its ANSI escape sequences into out (at least n bytes);
 * returns the new length. */
size_t memline_strip_ansi(const char *p, size_t n, char *out);
/* The first '\n' or '\r' in [p, end), or NULL; ORs into *marks what the
 * bytes before it hold: an ESC, a backslash. */
enum { MEMLINE_ESC = 1, MEMLINE_BACKSLASH = 2 };
const char *memline_eol(const char *p, const char *end, unsigned *marks);

#endif
