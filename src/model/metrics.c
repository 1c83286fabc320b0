/* SPDX-License-Identifier: MIT */
/* metrics.c - what a block map says: allocations and their sizes, free runs,
 * fragmentation; and whether that agrees with gc_info()'s own numbers.
 *
 * The walk mirrors py/gc.c gc_info(): an allocation is a head followed by
 * its tails; "max free sz" is the longest free run within one area. */
#include "metrics.h"
#include "blockmap.h"
#include "util.h"

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
    int b = 63 - __builtin_clzll((unsigned long long)len | 1);
    return b < SNAP_HIST_BUCKETS - 1 ? b : SNAP_HIST_BUCKETS - 1;
}

/* The kind of block k of a chunk, without a branch on it (the kind of a
 * chunk's last block is anyone's guess): free 0, allocated 1, else 2. */
static inline unsigned kind_at(const struct map_chunk *c, unsigned k)
{
    unsigned f = (unsigned)(c->free >> k) & 1, al = (unsigned)(c->alloc >> k) & 1;
    return (1 - f) * (2 - al);
}

/* The top of nested masks m0 >= m1 >= ... >= m5 (each a subset of the
 * one before: the last that is not empty) and a bound on the runs it
 * counts: bucket b holds runs shorter than 2^(b+1). No branch: which
 * buckets a chunk fills is anyone's guess, and a select written as ?:
 * became one; the selects are masks here, and b the count of non-empty. */
static inline uint64_t top_of(uint64_t m0, uint64_t m1, uint64_t m2, uint64_t m3, uint64_t m4,
                              uint64_t m5, size_t *bound)
{
    uint64_t top = m0;
    top ^= (top ^ m1) & (0 - (uint64_t)(m1 != 0));
    top ^= (top ^ m2) & (0 - (uint64_t)(m2 != 0));
    top ^= (top ^ m3) & (0 - (uint64_t)(m3 != 0));
    top ^= (top ^ m4) & (0 - (uint64_t)(m4 != 0));
    top ^= (top ^ m5) & (0 - (uint64_t)(m5 != 0));
    unsigned b = (m1 != 0) + (m2 != 0) + (m3 != 0) + (m4 != 0) + (m5 != 0);
    *bound = ((size_t)2 << b) - 1;
    return top;
}

/* What walk_area() counts as it goes, in its own frame: the compiler
 * keeps these in registers only if no store to the metrics or the area
 * can be one to them, so they are copied in and out once an area rather
 * than read back from memory after every store (a tenth of the walk on
 * a small heap). Runs inside chunks are counted by "at least 2^k blocks"
 * (k = 0..5: they are shorter than a chunk), one add per count; the log2
 * buckets are the differences, taken once at the end. */
/* The counts of inner runs, free_ge[0..5], alloc_ge[0..5] and two, as
 * 16-bit lanes: one add a chunk (a chunk adds at most 64 to a lane) and
 * added to the tally's every RECENT_FLUSH chunks. */
typedef unsigned short lanes16 __attribute__((vector_size(32)));
enum { L_ALLOC = 6, L_TWO = 12, RECENT_FLUSH = 1000 };

struct tally {
    size_t free_ge[6], alloc_ge[6];
    size_t two;          /* allocations of two blocks */
    size_t free_runs;    /* free runs closed one at a time (close_one) */
    size_t largest_free; /* of the area */
    size_t max_block;
    lanes16 recent; /* memo_runs()'s counts, not yet in free_ge ... two */
};

/* A run closed one at a time: the few that cross a chunk's edge. */
HW_INLINE void close_one(struct tally *t, struct metrics *m, const struct open_run *o, size_t end)
{
    size_t len = end - o->at;
    if (!o->any || o->kind == RUN_UNKNOWN)
        return;
    if (o->kind == RUN_FREE) {
        m->free_hist[bucket_of(len)]++;
        t->free_runs++;
        t->largest_free = len > t->largest_free ? len : t->largest_free;
        return;
    }
    m->alloc_hist[bucket_of(len)]++;
    t->two += len == 2;
    t->max_block = len > t->max_block ? len : t->max_block;
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
HW_INLINE void inner_runs(struct tally *in, uint64_t starts, uint64_t free, uint64_t head,
                          uint64_t owned)
{
    /* free runs */
    uint64_t sf = starts & free, f2 = free & (free >> 1), f4 = f2 & (f2 >> 2), f8 = f4 & (f4 >> 4),
             f16 = f8 & (f8 >> 8), f32 = f16 & (f16 >> 16);
    uint64_t s2 = sf & f2, s4 = sf & f4, s8 = sf & f8, s16 = sf & f16, s32 = sf & f32;
    in->free_ge[0] += POP(sf);
    in->free_ge[1] += POP(s2);
    in->free_ge[2] += POP(s4);
    in->free_ge[3] += POP(s8);
    in->free_ge[4] += POP(s16);
    in->free_ge[5] += POP(s32);
    if (in->largest_free < 63) {
        size_t bound;
        uint64_t top = top_of(sf, s2, s4, s8, s16, s32, &bound);
        if (sf && bound > in->largest_free) {
            size_t l = longest(top, free);
            in->largest_free = l > in->largest_free ? l : in->largest_free;
        }
    }
    /* allocations: w_n = n owned tails in a row; t_n heads with n or more */
    uint64_t w1 = owned, w2 = w1 & (owned >> 1), w3 = w2 & (owned >> 2),
             w7 = w3 & (w3 >> 3) & (owned >> 6), w15 = w7 & (w7 >> 7) & (owned >> 14),
             w31 = w15 & (w15 >> 15) & (owned >> 30);
    uint64_t t2 = head & (w1 >> 1), t4 = head & (w3 >> 1), t8 = head & (w7 >> 1),
             t16 = head & (w15 >> 1), t32 = head & (w31 >> 1);
    in->alloc_ge[0] += POP(head);
    in->alloc_ge[1] += POP(t2);
    in->alloc_ge[2] += POP(t4);
    in->alloc_ge[3] += POP(t8);
    in->alloc_ge[4] += POP(t16);
    in->alloc_ge[5] += POP(t32);
    in->two += POP(t2 & ~(w2 >> 1)); /* two blocks: one tail and no second */
    if (in->max_block < 63) {
        size_t bound;
        uint64_t top = top_of(head, t2, t4, t8, t16, t32, &bound);
        if (head && bound > in->max_block) {
            size_t l = 1 + longest(top << 1, owned);
            in->max_block = l > in->max_block ? l : in->max_block;
        }
    }
}

/* The runs inside the chunk last seen at a line, as inner_runs() counted
 * them from zero: a board's next dump repeats most lines of its map (the
 * micro:bit firmware sampled back to back: 69 % of whole lines; the 8 MiB
 * heap of bench/run.sh: 96 %), and those runs are a function of the
 * chunk's masks alone, its key. A zeroed entry is never a hit: a
 * chunk with no start has no inner runs to look up. */
struct run_memo {
    uint64_t start, free, alloc;           /* the heads are the starts it allocates */
    unsigned short counts[16];             /* as tally.recent's lanes */
    unsigned char largest_free, max_block; /* each < 64 */
};

/* inner_runs() for a chunk, from its memo when the chunk is the one the
 * memo was made from, else counted and kept there. */
HW_INLINE void memo_runs(struct tally *in, struct run_memo *mm, const struct map_chunk *c,
                         uint64_t inner)
{
    if (mm->start != c->start || mm->free != c->free || mm->alloc != c->alloc) {
        struct tally z = {.largest_free = 0};
        inner_runs(&z, c->start & inner, c->free & inner, c->head & inner,
                   c->alloc & ~c->head & inner);
        mm->start = c->start;
        mm->free = c->free;
        mm->alloc = c->alloc;
        for (int k = 0; k < 6; k++) {
            mm->counts[k] = (unsigned short)z.free_ge[k];
            mm->counts[L_ALLOC + k] = (unsigned short)z.alloc_ge[k];
        }
        mm->counts[L_TWO] = (unsigned short)z.two;
        mm->largest_free = (unsigned char)z.largest_free;
        mm->max_block = (unsigned char)z.max_block;
    }
    lanes16 v;
    memcpy(&v, mm->counts, sizeof(v));
    in->recent += v;
    in->largest_free = mm->largest_free > in->largest_free ? mm->largest_free : in->largest_free;
    in->max_block = mm->max_block > in->max_block ? mm->max_block : in->max_block;
}

/* tally.recent into its counters. */
HW_INLINE void recent_flush(struct tally *t)
{
    unsigned short n[16];
    memcpy(n, &t->recent, sizeof(n));
    for (int k = 0; k < 6; k++) {
        t->free_ge[k] += n[k];
        t->alloc_ge[k] += n[L_ALLOC + k];
    }
    t->two += n[L_TWO];
    t->recent = (lanes16){0};
}

/* The buckets of what inner_runs() counted. */
static void inner_fold(const struct tally *in, struct metrics *m)
{
    for (int k = 0; k < 6; k++) {
        m->free_hist[k] += in->free_ge[k] - (k < 5 ? in->free_ge[k + 1] : 0);
        m->alloc_hist[k] += in->alloc_ge[k] - (k < 5 ? in->alloc_ge[k + 1] : 0);
    }
    m->two_block = in->two;
    m->max_block = in->max_block;
    m->free_runs = in->free_runs + in->free_ge[0];
}

/* Heads by type, from the symbols: for each letter, a vector of counters,
 * one per byte of a chunk, that each compare adds to, summed only every
 * HEAD_FLUSH chunks (a counter holds 255, and a chunk adds at most 2). 'h'
 * and every other letter are what is left of all heads. */
typedef unsigned char vec32 __attribute__((vector_size(32)));
enum { N_COUNTED = SNAP_N_HEADS - 1, HEAD_FLUSH = 127 };

/* The letters, 32 of each. */
static const vec32 letters[N_COUNTED] = {
#define L32(c)                                                                                     \
    {                                                                                              \
        c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c, c,  \
            c, c                                                                                   \
    }
    L32('T'), L32('L'), L32('D'), L32('S'), L32('A'), L32('F'), L32('B'), L32('M'),
#undef L32
};

/* The counters into m->heads, and all heads less those letters into 'h'.
 * Built into walk_area() like the rest: a call from its AVX2 version into
 * plain SSE code would pay for the switch on every instruction. */
HW_INLINE void heads_sum(const vec32 acc[N_COUNTED], size_t all, struct metrics *m)
{
    size_t others = 0;
    for (int k = 0; k < N_COUNTED; k++) {
        uint64_t w[4], sum = 0;
        memcpy(w, &acc[k], sizeof(w));
        if (!(w[0] | w[1] | w[2] | w[3])) /* most heaps hold few of the letters */
            continue;
        for (int i = 0; i < 4; i++) /* bytes to 16-bit lanes, then lanes to one */
            sum += (w[i] & 0x00ff00ff00ff00ffull) + (w[i] >> 8 & 0x00ff00ff00ff00ffull);
        size_t n = (size_t)((sum * 0x0001000100010001ull) >> 48);
        m->heads[k + 1] += n;
        others += n;
    }
    m->heads[0] += all - others;
}

/* Byte k of these is k: with n, which bytes of a short line are in it. */
static const vec32 ramp_lo = {0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15,
                              16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
static const vec32 ramp_hi = {32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,
                              48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63};

/* The letters of one chunk's 64 symbols, lo and hi, into the counters. */
#define COUNT_LETTERS(lo, hi)                                                                      \
    do {                                                                                           \
        a0 -= (vec32)(lo == lt[0]) + (vec32)(hi == lt[0]);                                         \
        a1 -= (vec32)(lo == lt[1]) + (vec32)(hi == lt[1]);                                         \
        a2 -= (vec32)(lo == lt[2]) + (vec32)(hi == lt[2]);                                         \
        a3 -= (vec32)(lo == lt[3]) + (vec32)(hi == lt[3]);                                         \
        a4 -= (vec32)(lo == lt[4]) + (vec32)(hi == lt[4]);                                         \
        a5 -= (vec32)(lo == lt[5]) + (vec32)(hi == lt[5]);                                         \
        a6 -= (vec32)(lo == lt[6]) + (vec32)(hi == lt[6]);                                         \
        a7 -= (vec32)(lo == lt[7]) + (vec32)(hi == lt[7]);                                         \
    } while (0)

/* The counters of walk_area() into m, and back to zero. */
#define FLUSH_LETTERS()                                                                            \
    do {                                                                                           \
        const vec32 acc[N_COUNTED] = {a0, a1, a2, a3, a4, a5, a6, a7};                             \
        heads_sum(acc, heads, m);                                                                  \
        a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = zero;                                              \
        heads = 0;                                                                                 \
        counted = 0;                                                                               \
    } while (0)

/* One chunk: the run open from before ends at its first start; the runs
 * between its first and last start are counted at once; the last one
 * stays open (it may go on in the next chunk). */
HW_INLINE void walk_chunk(struct tally *in, struct metrics *m, const struct map_chunk *c,
                          struct run_memo *mm, struct open_run *o, size_t *free_blocks,
                          size_t *unknown)
{
    size_t f = POP(c->free);
    *free_blocks += f;
    *unknown += c->n - f - POP(c->alloc);
    if (!c->start)
        return; /* all of it goes on with the open run */
    unsigned first = (unsigned)__builtin_ctzll(c->start);
    unsigned last = 63 - (unsigned)__builtin_clzll(c->start);
    close_one(in, m, o, c->base + first);
    if (first < last) {
        uint64_t inner = ((uint64_t)1 << last) - ((uint64_t)1 << first);
        memo_runs(in, mm, c, inner);
    }
    o->any = true;
    o->kind = kind_at(c, last);
    o->at = c->base + last;
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
/* Debian's baseline x86-64 has neither popcnt nor 32-byte vectors; the
 * walk is built for both and the CPU's best is picked at load time. */
#define HW_CLONES __attribute__((target_clones("avx2", "popcnt", "default")))
#else
#define HW_CLONES
#endif

/* Walk one area a chunk at a time (blockmap.h: what a run is), with the
 * chunk step inline, so that nothing in the loop calls out and the letter
 * counters stay in registers. */
HW_CLONES static void walk_area(struct metrics *m, struct area *a, struct tally *tally)
{
    struct tally t = *tally;
    struct map_walk w;
    struct map_chunk c;
    struct open_run o = {.any = false};
    size_t free_blocks = 0, unknown = 0, heads = 0;
    const vec32 zero = {0};
    /* The letters read from memory as compare operands: known to the
     * compiler, it builds each one again (three instructions) in every
     * chunk, as the counters leave no register to keep them in. */
    const vec32 *lt = letters;
    __asm__("" : "+r"(lt));
    vec32 a0 = zero, a1 = zero, a2 = zero, a3 = zero, a4 = zero, a5 = zero, a6 = zero, a7 = zero;
    int counted = 0, recent = 0;
    t.largest_free = 0;
    blockmap_begin(&w, a);
    while (blockmap_chunk(&w, &c)) {
        if (c.span) {
            free_blocks += c.n;
            if (c.start & 1) { /* the span starts a free run; else it goes on with it */
                close_one(&t, m, &o, c.base);
                o = (struct open_run){true, RUN_FREE, c.base};
            }
            continue;
        }
        walk_chunk(&t, m, &c, &a->memo[c.base / 64], &o, &free_blocks, &unknown);
        if (++recent == RECENT_FLUSH) {
            recent_flush(&t);
            recent = 0;
        }
        heads += POP(c.head);
        vec32 lo, hi;
        if (c.n == 64 || c.base + 64 <= a->cap) {
            memcpy(&lo, a->map + c.base, 32);
            memcpy(&hi, a->map + c.base + 32, 32);
            if (c.n < 64) { /* the last line of an area: nothing past its end counts */
                const vec32 n = (vec32){0} + (unsigned char)c.n;
                lo &= (vec32)(ramp_lo < n);
                hi &= (vec32)(ramp_hi < n);
            }
        } else { /* a map without room for a whole last line (a copy) */
            char buf[64] = {0};
            memcpy(buf, a->map + c.base, c.n);
            memcpy(&lo, buf, 32);
            memcpy(&hi, buf + 32, 32);
        }
        COUNT_LETTERS(lo, hi);
        if (++counted == HEAD_FLUSH)
            FLUSH_LETTERS();
    }
    FLUSH_LETTERS();
    recent_flush(&t);
    close_one(&t, m, &o, a->n_blocks);
    *tally = t;
    a->largest_free = t.largest_free;
    a->free_blocks = free_blocks;
    m->unknown_blocks += unknown;
}

/* A memo entry for every line of a, new ones zeroed. */
static void memo_reserve(struct area *a)
{
    size_t lines = (a->n_blocks + 63) / 64;
    if (lines <= a->cap_memo)
        return;
    a->memo = xrealloc(a->memo, lines * sizeof(*a->memo));
    memset(a->memo + a->cap_memo, 0, (lines - a->cap_memo) * sizeof(*a->memo));
    a->cap_memo = lines;
}

void metrics_compute(struct snapshot *s)
{
    struct metrics *m = &s->metrics;
    util_zero(m, sizeof(*m)); /* util.h: cheaper than memset for this size */
    s->has_metrics = s->has_map;
    if (!s->has_map)
        return;
    struct tally in;
    util_zero(&in, sizeof(in));
    for (size_t i = 0; i < s->n_areas; i++) {
        struct area *a = &s->areas[i];
        memo_reserve(a);
        size_t unknown_before = m->unknown_blocks;
        walk_area(m, a, &in);
        m->blocks += a->n_blocks;
        m->free_blocks += a->free_blocks;
        m->used_blocks += a->n_blocks - a->free_blocks - (m->unknown_blocks - unknown_before);
        if (a->largest_free > m->largest_free_blocks)
            m->largest_free_blocks = a->largest_free;
    }
    inner_fold(&in, m);
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
