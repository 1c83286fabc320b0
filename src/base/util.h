/* SPDX-License-Identifier: MIT */
/* util.h - allocation that never returns NULL, die() for programmer errors
 * and out-of-memory, clearing memory, and the monotonic clock. */
#ifndef HW_UTIL_H
#define HW_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Allocators: abort through die() on failure, never return NULL.
 * The caller owns the result and frees it with free(). */
void *xmalloc(size_t n);
/* n bytes at the start of a page (free() them): a read() into them is
 * the kernel's fast copy, a piece of a file at a time. */
void *xmalloc_pages(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);

/* Register the function die() calls before printing (restores the terminal).
 * One hook; NULL unregisters. */
void util_set_die_hook(void (*hook)(void));
/* Print "heapwatch: <msg>" to stderr and exit(1). Programmer errors/OOM only. */
_Noreturn void die(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Clear n bytes. Out of line on purpose, for the structs the reader
 * clears on every dump: GCC expands a memset of a known size over 32
 * bytes as rep stos, whose start-up costs more than clearing a snapshot
 * with the C library's vector stores. */
void util_zero(void *p, size_t n);

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t now_ms(void);
/* Seconds since the epoch, with sub-second precision (CLOCK_REALTIME). */
double wall_seconds(void);

#endif
