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
    uint64_t start; /* blocks that start a run */
    uint64_t free;  /* free blocks */
    uint64_t alloc; /* heads and the tails they own */
    uint64_t head;  /* heads */
};

struct map_walk {
    const struct area *a;
    size_t next; /* the first block of the next chunk */
    size_t span; /* the next span not yet passed */
    int prev;    /* kind of the block before next (-1: none), to see a run start */
    /* blockmap_next() */
    struct map_chunk c;
    bool have; /* c holds the chunk of i */
    size_t i;  /* the next run starts here */
    int kind;  /* ... and is of this kind */
};

/* Walk a from its first block. */
void blockmap_begin(struct map_walk *w, const struct area *a);
/* The next chunk into *c; false at the end of the area. Inline (below):
 * the metrics take one for every 64 blocks of every dump. */
static inline __attribute__((always_inline)) bool blockmap_chunk(struct map_walk *w,
                                                                 struct map_chunk *c);

/* The free, tail and head masks of the n <= 64 blocks at base, from the
 * symbols: for maps without the reader's masks (by hand, copies). */
void blockmap_symbol_masks(const struct area *a, size_t base, size_t n, uint64_t *free,
                           uint64_t *tail, uint64_t *head);

/* One run. */
struct map_run {
    size_t start, len; /* blocks [start, start + len) */
    enum map_run_kind kind;
    char head; /* RUN_ALLOC: its letter */
};

/* Walk runs of a from the run that contains block from (0: the first);
 * a start other than 0 needs a filled map (no spans: a copy). */
void blockmap_runs(struct map_walk *w, const struct area *a, size_t from);
/* The next run into *r; false at the end of the area. */
bool blockmap_next(struct map_walk *w, struct map_run *r);

/* The symbol of block i, spans included ('.'). */
char blockmap_symbol(const struct area *a, size_t i);

/* ---- blockmap_chunk(): what a run is, 64 blocks at a time. A tail is
 * owned when a head or an owned tail comes right before it: adding
 * (heads << 1) to the tail mask carries through exactly the tails that
 * follow a head, so the owned tails are those the sum clears. The "(N
 * lines all free)" spans are whole lines by construction (memparse.c),
 * so a chunk is all inside a span or not. */

/* The span that starts at block i, if one does. */
static inline __attribute__((always_inline)) const struct free_span *
blockmap_span_at_(struct map_walk *w, size_t i)
{
    const struct area *a = w->a;
    while (w->span < a->n_spans && a->spans[w->span].start + a->spans[w->span].len <= i)
        w->span++;
    if (w->span < a->n_spans && a->spans[w->span].start == i)
        return &a->spans[w->span];
    return NULL;
}

static inline __attribute__((always_inline)) bool blockmap_chunk(struct map_walk *w,
                                                                 struct map_chunk *c)
{
    const struct area *a = w->a;
    size_t base = w->next;
    if (base >= a->n_blocks)
        return false;
    const struct free_span *s = blockmap_span_at_(w, base);
    c->base = base;
    if (s) {
        c->n = s->len;
        c->span = true;
        c->free = ~(uint64_t)0;
        c->alloc = c->head = 0;
        c->start = w->prev == RUN_FREE ? 0 : 1;
        w->prev = RUN_FREE;
        w->next = base + s->len;
        return true;
    }
    size_t n = a->n_blocks - base < 64 ? a->n_blocks - base : 64;
    uint64_t valid = n == 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1;
    uint64_t dot, tail, head;
    if (a->has_masks) { /* the reader's, noted as it checked the line */
        const struct line_masks *lm = &a->masks[base / 64];
        dot = lm->free;
        tail = lm->tail;
        head = lm->head;
    } else {
        blockmap_symbol_masks(a, base, n, &dot, &tail, &head);
    }
    uint64_t cin = w->prev == RUN_ALLOC ? 1 : 0;
    uint64_t owned = tail & ((tail + ((head << 1) | cin)) ^ tail);
    uint64_t alloc = head | owned;
    uint64_t unknown = valid & ~(dot | alloc);
    /* a run starts at every head, and where free or unknown follows
     * something else */
    uint64_t pf = w->prev == RUN_FREE ? 1 : 0, pu = w->prev == RUN_UNKNOWN ? 1 : 0;
    c->start = head | (dot & ~((dot << 1) | pf)) | (unknown & ~((unknown << 1) | pu));
    c->n = n;
    c->span = false;
    c->free = dot;
    c->alloc = alloc;
    c->head = head;
    /* the kind of the last block, without a branch on it */
    int f = (int)(dot >> (n - 1)) & 1, al = (int)(alloc >> (n - 1)) & 1;
    w->prev = (1 - f) * (2 - al); /* RUN_FREE, RUN_ALLOC or RUN_UNKNOWN */
    w->next = base + n;
    return true;
}

#endif
