/* SPDX-License-Identifier: MIT */
/* mapsym.h - the symbols of one map line as the reader stores them: used
 * by memparse.c only. Pure; no state, no I/O. */
#ifndef HW_MAPSYM_H
#define HW_MAPSYM_H

#include "snapshot.h"

#include <stddef.h>

/* The n <= 64 symbols of a map line, src, stored into dst as the map
 * keeps them ('t' -> '=') up to the first character that is no symbol,
 * and what they are as bits into *m (none at or past that character).
 * Returns how many were symbols. */
size_t mapsym_store(char *dst, const char *src, size_t n, struct line_masks *m);

#endif
