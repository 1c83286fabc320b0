/* SPDX-License-Identifier: MIT */
/* advice.h - what to do about a capture, drawn from its measurements:
 * short lines, each tied to the number that triggered it. The rules are
 * one table in advice.c, each with its threshold; the report lists the
 * lines of the rules that fire. Pure. */
#ifndef HW_ADVICE_H
#define HW_ADVICE_H

#include "snapshot.h"
#include "summary.h"

#include <stddef.h>

/* What the rules look at: one source's summary, its dump of worst
 * fragmentation and its last dump (either may be NULL), and the events
 * that broke its trend. */
struct advice_facts {
    const struct summary *sum;
    const struct snapshot *worst;
    const struct snapshot *last;
    long gaps, resets;
};

struct advice {
    const char *rule;      /* the rule's id: "fragmented", "min-free", ... */
    const char *threshold; /* when it fires, in words */
    char text[400];        /* plain text (no markup): escape it to show it */
};

enum { ADVICE_MAX = 8 };

/* The advice of every rule that fires, in table order, into out[cap];
 * returns how many. */
size_t advice_collect(const struct advice_facts *f, struct advice *out, size_t cap);

/* What a head letter of SNAP_HEAD_LETTERS stands for ("tuple", ...). */
const char *advice_type_name(char letter);

/* Allocations of exactly one block per head letter (SNAP_HEAD_LETTERS
 * order) in s's complete map, walked with blockmap.h; all 0 otherwise. */
void advice_one_block_by_type(const struct snapshot *s, size_t out[SNAP_N_HEADS]);

#endif
