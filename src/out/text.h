/* SPDX-License-Identifier: MIT */
/* text.h - heapwatch's text for people as a sink of the stream: the one
 * line per snapshot (live mode without the full-screen UI, analyze -d),
 * its header, and analyze's summary per file. One vocabulary for the
 * states of a dump, and the figures of snapshot.h's one rule. */
#ifndef HW_TEXT_H
#define HW_TEXT_H

#include "judge.h"
#include "snapshot.h"
#include "stream.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct text_opts {
    FILE *out;
    bool live;     /* live mode: time-first lines and the header at once; else analyze */
    bool listen;   /* live: the board is listened to, never written to */
    bool per_dump; /* analyze: a line per dump before each file's summary */
    bool quiet;    /* analyze: nothing but errors */
    /* analyze: the judge, added to the stream before this sink, whose
     * summary and leak lines each file's report shows (none without it) */
    const struct judge *judge;
};

/* A text sink writing to o->out. An item fails with HW_EIO ("cannot write
 * standard output: Broken pipe") once out has failed; add it as essential.
 * Never NULL. */
struct sink *text_sink_new(const struct text_opts *o);

/* The word for a dump's state: "ok", "INCONSISTENT" (the map disagrees
 * with the device's numbers), "INCOMPLETE" (cut or damaged), "no-map". */
const char *text_state(const struct snapshot *s);

/* The columns of one snapshot after its time: used, free, largest free
 * run, fragmentation, allocations, state, then problem and mismatch names
 * and the frame label. Into buf[cap]; returns buf. */
char *text_columns(char *buf, size_t cap, const struct snapshot *s);

#endif
