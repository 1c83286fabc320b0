/* SPDX-License-Identifier: MIT */
/* blockmap.h - the one walker of a block map: what a run is. The metrics,
 * the heatmap and the block ages all read an area through it, so they
 * cannot disagree on where an allocation or a free run begins and ends.
 *
 * A run is one of:
 *  - free: every '.' in a row, and the "(N lines all free)" spans among
 *    them (which cost O(1): their blocks are never looked at);
 *  - an allocation: a head letter and the tails ('=') after it;
 *  - unknown: blocks the text did not show ('?') and tails with no head
 *    before them (a map damaged in transit), in a row.
 *
 * The map is read 64 blocks (one line of mem_info's map) at a time as bit
 * masks: which blocks start a run, and of which kind each block is. They
 * come from the masks the reader noted for each line (area.masks) when
 * it has them, else from the symbols (maps built by hand, copies). A
 * consumer that only needs run lengths (the metrics) reads the chunks;
 * one that needs runs one by one (the heatmap, the ages) calls
 * blockmap_next(), built on the same chunks. Pure; no allocation. */
#ifndef HW_BLOCKMAP_H
#define HW_BLOCKMAP_H

#include "snapshot.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum map_run_kind { RUN_FREE, RUN_ALLOC, RUN_UNKNOWN };

/* One chunk: blocks [base, base + n); bit k is block base + k. A span
 * comes as one chunk of n >= 64 free blocks (its masks are empty: nothing
 * starts in it but what the first block says). */
struct map_chunk {
    size_t base, n;
    bool span;
    uint64_t start;   /* blocks that start a run */
    uint64_t free;    /* free blocks */
    uint64_t alloc;   /* heads and the tails they own */
    uint64_t head;    /* heads */
};

struct map_walk {
    const struct area *a;
    size_t next;      /* the first block of the next chunk */
    size_t span;      /* the next span not yet passed */
    int prev;         /* kind of the block before next (-1: none), to see a run start */
    /* blockmap_next() */
    struct map_chunk c;
    bool have;        /* c holds the chunk of i */
    size_t i;         /* the next run starts here */
    int kind;         /* ... and is of this kind */
};

/* Walk a from its first block. */
void blockmap_begin(struct map_walk *w, const struct area *a);
/* The next chunk into *c; false at the end of the area. */
bool blockmap_chunk(struct map_walk *w, struct map_chunk *c);
/* The next n chunks at most into c[]; how many (0 at the end of the
 * area). For a consumer whose loop over them must not call out. */
size_t blockmap_chunks(struct map_walk *w, struct map_chunk *c, size_t n);

/* One run. */
struct map_run {
    size_t start, len;       /* blocks [start, start + len) */
    enum map_run_kind kind;
    char head;               /* RUN_ALLOC: its letter */
};

/* Walk runs of a from the run that contains block from (0: the first);
 * a start other than 0 needs a filled map (no spans: a copy). */
void blockmap_runs(struct map_walk *w, const struct area *a, size_t from);
/* The next run into *r; false at the end of the area. */
bool blockmap_next(struct map_walk *w, struct map_run *r);

/* The symbol of block i, spans included ('.'). */
char blockmap_symbol(const struct area *a, size_t i);

#endif
