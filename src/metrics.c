/* SPDX-License-Identifier: MIT */
/* metrics.c - what a block map says: allocations and their sizes, free runs,
 * fragmentation; and whether that agrees with gc_info()'s own numbers.
 *
 * The walk mirrors py/gc.c gc_info(): an allocation is a head followed by
 * its tails; "max free sz" is the longest free run within one area. */
#include "metrics.h"
#include "blockmap.h"

#include <stdint.h>
#include <string.h>

/* Index of each head letter in SNAP_HEAD_LETTERS; 0 ('h') for the rest. */
static const unsigned char head_index[256] = {
    ['T'] = 1, ['L'] = 2, ['D'] = 3, ['S'] = 4, ['A'] = 5, ['F'] = 6, ['B'] = 7, ['M'] = 8,
};

int metrics_head_index(char c)
{
    return head_index[(unsigned char)c];
}

int metrics_bucket(size_t n)
{
    int b = n > 1 ? 63 - __builtin_clzll((unsigned long long)n) : 0;
    return b < SNAP_HIST_BUCKETS - 1 ? b : SNAP_HIST_BUCKETS - 1;
}

/* The helpers of walk_area() are built into each of its versions. */
#define HW_INLINE static inline __attribute__((always_inline))

/* The run still open at the end of the chunk walked last. */
struct open_run {
    bool any;
    unsigned kind;
    size_t at;
};

static int bucket_of(size_t len)
{
    int b = len > 1 ? 63 - __builtin_clzll((unsigned long long)len) : 0;
    return b < SNAP_HIST_BUCKETS - 1 ? b : SNAP_HIST_BUCKETS - 1;
}

/* A run closed one at a time: the few that cross a chunk's edge. */
HW_INLINE void close_one(struct metrics *m, struct area *a, const struct open_run *o, size_t end)
{
    size_t len = end - o->at;
    if (!o->any || o->kind == RUN_UNKNOWN)
        return;
    if (o->kind == RUN_FREE) {
        m->free_hist[bucket_of(len)]++;
        a->largest_free = len > a->largest_free ? len : a->largest_free;
        return;
    }
    m->alloc_hist[bucket_of(len)]++;
    m->two_block += len == 2;
    m->max_block = len > m->max_block ? len : m->max_block;
}

#define POP(x) ((size_t)__builtin_popcountll(x))

/* The longest run among starts (each a run of the blocks set in in). */
HW_INLINE size_t longest(uint64_t starts, uint64_t in)
{
    size_t best = 0;
    for (; starts; starts &= starts - 1) {
        unsigned k = (unsigned)__builtin_ctzll(starts);
        size_t len = (size_t)__builtin_ctzll(~(in >> k));
        best = len > best ? len : best;
    }
    return best;
}

/* The runs that start and end inside one chunk, all at once: a run of at
 * least L blocks starts where L blocks in a row are set, so AND-ing the
 * mask with itself shifted 1, 2, 4 ... gives the counts per log2 bucket.
 * An allocation of at least L blocks is a head followed by L-1 owned tails.
 * The longest run is looked for only in the top bucket, and only when that
 * bucket could beat the longest seen so far. */
HW_INLINE void inner_runs(struct metrics *m, struct area *a, uint64_t starts, uint64_t free,
                          uint64_t head, uint64_t owned)
{
    /* free runs */
    uint64_t sf = starts & free, f2 = free & (free >> 1), f4 = f2 & (f2 >> 2),
             f8 = f4 & (f4 >> 4), f16 = f8 & (f8 >> 8), f32 = f16 & (f16 >> 16);
    size_t g1 = POP(sf), g2 = POP(sf & f2), g4 = POP(sf & f4), g8 = POP(sf & f8),
           g16 = POP(sf & f16), g32 = POP(sf & f32);
    m->free_hist[0] += g1 - g2;
    m->free_hist[1] += g2 - g4;
    m->free_hist[2] += g4 - g8;
    m->free_hist[3] += g8 - g16;
    m->free_hist[4] += g16 - g32;
    m->free_hist[5] += g32;
    size_t bound = g32 ? 63 : g16 ? 31 : g8 ? 15 : g4 ? 7 : g2 ? 3 : g1;
    if (bound > a->largest_free) {
        uint64_t top = g32 ? sf & f32 : g16 ? sf & f16 : g8 ? sf & f8 : g4 ? sf & f4
                     : g2 ? sf & f2 : sf;
        size_t l = longest(top, free);
        a->largest_free = l > a->largest_free ? l : a->largest_free;
    }
    /* allocations: w_n = n owned tails in a row */
    uint64_t w1 = owned, w2 = w1 & (owned >> 1), w3 = w2 & (owned >> 2),
             w7 = w3 & (w3 >> 3) & (owned >> 6), w15 = w7 & (w7 >> 7) & (owned >> 14),
             w31 = w15 & (w15 >> 15) & (owned >> 30);
    size_t h1 = POP(head), h2 = POP(head & (w1 >> 1)), h3 = POP(head & (w2 >> 1)),
           h4 = POP(head & (w3 >> 1)), h8 = POP(head & (w7 >> 1)), h16 = POP(head & (w15 >> 1)),
           h32 = POP(head & (w31 >> 1));
    m->alloc_hist[0] += h1 - h2;
    m->alloc_hist[1] += h2 - h4;
    m->alloc_hist[2] += h4 - h8;
    m->alloc_hist[3] += h8 - h16;
    m->alloc_hist[4] += h16 - h32;
    m->alloc_hist[5] += h32;
    m->two_block += h2 - h3;
    bound = h32 ? 63 : h16 ? 31 : h8 ? 15 : h4 ? 7 : h2 ? 3 : h1;
    if (bound > m->max_block) {
        uint64_t top = h32 ? head & (w31 >> 1) : h16 ? head & (w15 >> 1) : h8 ? head & (w7 >> 1)
                     : h4 ? head & (w3 >> 1) : h2 ? head & (w1 >> 1) : head;
        size_t l = 1 + longest(top << 1, owned);
        m->max_block = l > m->max_block ? l : m->max_block;
    }
}

/* Heads by type, from the symbols: for each letter, a vector of counters,
 * one per byte of a chunk, that each compare adds to, summed only every
 * HEAD_FLUSH chunks (a counter holds 255, and a chunk adds at most 2). 'h'
 * and every other letter are what is left of all heads. */
typedef unsigned char vec32 __attribute__((vector_size(32)));
enum { N_COUNTED = SNAP_N_HEADS - 1, BATCH = 16, HEAD_FLUSH = 127 };

struct heads {
    vec32 acc[N_COUNTED];
    int chunks;      /* added since the last sum */
    size_t all;      /* heads of every letter */
};

static void heads_sum(struct heads *h, struct metrics *m)
{
    size_t others = 0;
    for (int k = 0; k < N_COUNTED; k++) {
        uint64_t w[4], sum = 0;
        memcpy(w, &h->acc[k], sizeof(w));
        for (int i = 0; i < 4; i++) /* bytes to 16-bit lanes, then lanes to one */
            sum += (w[i] & 0x00ff00ff00ff00ffull) + (w[i] >> 8 & 0x00ff00ff00ff00ffull);
        size_t n = (size_t)((sum * 0x0001000100010001ull) >> 48);
        m->heads[k + 1] += n;
        others += n;
        memset(&h->acc[k], 0, sizeof(h->acc[k]));
    }
    m->heads[0] += h->all - others;
    h->all = 0;
    h->chunks = 0;
}

/* The letters, 32 of each. */
static const vec32 letters[N_COUNTED] = {
#define L32(c) {c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, \
                c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c}
    L32('T'), L32('L'), L32('D'), L32('S'), L32('A'), L32('F'), L32('B'), L32('M'),
#undef L32
};

/* The letters of the chunks c[0..n) (n <= BATCH) of map. The counters are
 * named one by one so that they stay in registers for the batch. */
HW_INLINE void heads_add(struct heads *h, struct metrics *m, const char *map,
                         const struct map_chunk *c, size_t n)
{
    if (h->chunks + (int)n > HEAD_FLUSH)
        heads_sum(h, m);
    vec32 a0 = h->acc[0], a1 = h->acc[1], a2 = h->acc[2], a3 = h->acc[3], a4 = h->acc[4],
          a5 = h->acc[5], a6 = h->acc[6], a7 = h->acc[7];
    for (size_t i = 0; i < n; i++) {
        h->all += POP(c[i].head);
        if (!c[i].head)
            continue;
        const char *p = map + c[i].base;
        char buf[64];
        if (c[i].n < 64) { /* the last line of an area: nothing past its end counts */
            memset(buf, 0, sizeof(buf));
            memcpy(buf, p, c[i].n);
            p = buf;
        }
        vec32 lo, hi;
        memcpy(&lo, p, 32);
        memcpy(&hi, p + 32, 32);
#define COUNT(acc, k) acc -= (vec32)(lo == letters[k]) + (vec32)(hi == letters[k])
        COUNT(a0, 0);
        COUNT(a1, 1);
        COUNT(a2, 2);
        COUNT(a3, 3);
        COUNT(a4, 4);
        COUNT(a5, 5);
        COUNT(a6, 6);
        COUNT(a7, 7);
#undef COUNT
    }
    h->acc[0] = a0, h->acc[1] = a1, h->acc[2] = a2, h->acc[3] = a3, h->acc[4] = a4;
    h->acc[5] = a5, h->acc[6] = a6, h->acc[7] = a7;
    h->chunks += (int)n;
}

/* One chunk: the run open from before ends at its first start; the runs
 * between its first and last start are counted at once; the last one
 * stays open (it may go on in the next chunk). */
HW_INLINE void walk_chunk(struct metrics *m, struct area *a, const struct map_chunk *c,
                          struct open_run *o, size_t *free_blocks, size_t *unknown)
{
    size_t f = POP(c->free);
    *free_blocks += f;
    *unknown += c->n - f - POP(c->alloc);
    if (!c->start)
        return; /* all of it goes on with the open run */
    unsigned first = (unsigned)__builtin_ctzll(c->start);
    unsigned last = 63 - (unsigned)__builtin_clzll(c->start);
    close_one(m, a, o, c->base + first);
    if (first < last) {
        uint64_t inner = ((uint64_t)1 << last) - ((uint64_t)1 << first);
        inner_runs(m, a, c->start & inner, c->free & inner, c->head & inner,
                   c->alloc & ~c->head & inner);
    }
    uint64_t bit = (uint64_t)1 << last;
    o->any = true;
    o->kind = c->free & bit ? RUN_FREE : c->alloc & bit ? RUN_ALLOC : RUN_UNKNOWN;
    o->at = c->base + last;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
/* Debian's baseline x86-64 has neither popcnt nor 32-byte vectors; the
 * walk is built for both and the CPU's best is picked at load time. */
#define HW_CLONES __attribute__((target_clones("avx2", "popcnt", "default")))
#else
#define HW_CLONES
#endif

/* Walk one area a chunk at a time (blockmap.h: what a run is). */
HW_CLONES static void walk_area(struct metrics *m, struct area *a, struct heads *h)
{
    struct map_walk w;
    struct map_chunk c[BATCH];
    struct open_run o = {.any = false};
    size_t free_blocks = 0, unknown = 0;
    a->largest_free = 0;
    blockmap_begin(&w, a);
    for (size_t n; (n = blockmap_chunks(&w, c, BATCH)) > 0;) {
        for (size_t i = 0; i < n; i++) {
            if (!c[i].span) {
                walk_chunk(m, a, &c[i], &o, &free_blocks, &unknown);
                continue;
            }
            free_blocks += c[i].n;
            if (c[i].start & 1) { /* the span starts a free run; else it goes on with it */
                close_one(m, a, &o, c[i].base);
                o = (struct open_run){true, RUN_FREE, c[i].base};
            }
        }
        heads_add(h, m, a->map, c, n);
    }
    close_one(m, a, &o, a->n_blocks);
    a->free_blocks = free_blocks;
    m->unknown_blocks += unknown;
}

void metrics_compute(struct snapshot *s)
{
    struct metrics *m = &s->metrics;
    memset(m, 0, sizeof(*m));
    s->has_metrics = s->has_map;
    if (!s->has_map)
        return;
    struct heads h = {.chunks = 0};
    for (size_t i = 0; i < s->n_areas; i++) {
        struct area *a = &s->areas[i];
        size_t unknown_before = m->unknown_blocks;
        walk_area(m, a, &h);
        m->blocks += a->n_blocks;
        m->free_blocks += a->free_blocks;
        m->used_blocks += a->n_blocks - a->free_blocks - (m->unknown_blocks - unknown_before);
        if (a->largest_free > m->largest_free_blocks)
            m->largest_free_blocks = a->largest_free;
    }
    heads_sum(&h, m);
    for (int b = 0; b < SNAP_HIST_BUCKETS; b++)
        m->free_runs += m->free_hist[b];
    m->one_block = m->alloc_hist[0]; /* bucket 0 is exactly one block */
    for (int k = 0; k < SNAP_N_HEADS; k++)
        m->allocations += m->heads[k];
    m->largest_free_bytes = (uint64_t)m->largest_free_blocks * s->block_size;
    m->fragmentation =
        m->free_blocks ? 1.0 - (double)m->largest_free_blocks / (double)m->free_blocks : 0.0;
}

void metrics_check(struct snapshot *s)
{
    s->mismatches = 0;
    if (!s->has_metrics || (!s->has_gc && !s->has_reported)) {
        s->consistent = -1;
        return;
    }
    const struct metrics *m = &s->metrics;
    unsigned bad = 0;
    if (s->has_reported) {
        if (m->one_block != s->rep_one_block)
            bad |= SNAP_C_ONE_BLOCK;
        if (m->two_block != s->rep_two_block)
            bad |= SNAP_C_TWO_BLOCK;
        if (m->max_block != s->rep_max_block)
            bad |= SNAP_C_MAX_BLOCK;
        if (s->has_max_free && m->largest_free_blocks != s->rep_max_free)
            bad |= SNAP_C_MAX_FREE;
    }
    if (s->has_gc) {
        uint64_t bs = s->block_size;
        if (!bs || (uint64_t)m->used_blocks * bs != s->gc_used)
            bad |= SNAP_C_USED;
        if (!bs || (uint64_t)m->free_blocks * bs != s->gc_free)
            bad |= SNAP_C_FREE;
        if (!bs || (uint64_t)m->blocks * bs != s->gc_total)
            bad |= SNAP_C_TOTAL;
    }
    s->mismatches = bad;
    s->consistent = bad == 0;
}
