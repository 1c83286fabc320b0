/* SPDX-License-Identifier: MIT */
/* metrics.c - what a block map says: allocations and their sizes, free runs,
 * fragmentation; and whether that agrees with gc_info()'s own numbers.
 *
 * The walk mirrors py/gc.c gc_info(): an allocation is a head followed by
 * its tails; "max free sz" is the longest free run within one area. */
#include "metrics.h"

#include <string.h>

enum sym_class { CL_FREE, CL_TAIL, CL_HEAD, CL_UNKNOWN };

static unsigned char sym_class[256];
static unsigned char head_index[256];
static int tables_ready;

static void init_tables(void)
{
    /* Only the reader writes maps, and it stores '.', '=', '?' or a letter. */
    for (int c = 0; c < 256; c++) {
        sym_class[c] = CL_UNKNOWN;
        head_index[c] = 0;
    }
    for (int c = 'A'; c <= 'Z'; c++)
        sym_class[c] = CL_HEAD;
    for (int c = 'a'; c <= 'z'; c++)
        sym_class[c] = CL_HEAD;
    sym_class['.'] = CL_FREE;
    sym_class['='] = CL_TAIL;
    for (int i = 0; SNAP_HEAD_LETTERS[i]; i++)
        head_index[(unsigned char)SNAP_HEAD_LETTERS[i]] = (unsigned char)i;
    tables_ready = 1;
}

int metrics_head_index(char c)
{
    if (!tables_ready)
        init_tables();
    return head_index[(unsigned char)c];
}

int metrics_bucket(size_t n)
{
    int b = 0;
    while (n > 1 && b < SNAP_HIST_BUCKETS - 1) {
        n >>= 1;
        b++;
    }
    return b;
}

static void close_alloc(struct metrics *m, size_t len)
{
    if (len == 1)
        m->one_block++;
    else if (len == 2)
        m->two_block++;
    if (len > m->max_block)
        m->max_block = len;
    m->alloc_hist[metrics_bucket(len)]++;
}

static void close_free(struct metrics *m, struct area *a, size_t len)
{
    m->free_runs++;
    m->free_hist[metrics_bucket(len)]++;
    if (len > a->largest_free)
        a->largest_free = len;
}

static const char all_tails[64] = "================================================================";
static const char all_free[64] = "................................................................";

/* Walk one area. Whole 64-block lines of tails or of free blocks (most of a
 * big heap) are taken in one step, the rest symbol by symbol. */
static void walk_area(struct metrics *m, struct area *a)
{
    size_t alloc = 0, run = 0;
    const char *map = a->map;
    size_t n = a->n_blocks;
    for (size_t i = 0; i < n;) {
        if ((i & 63) == 0 && n - i >= 64) {
            if (alloc && memcmp(map + i, all_tails, 64) == 0) {
                alloc += 64;
                i += 64;
                continue;
            }
            if (memcmp(map + i, all_free, 64) == 0) {
                if (alloc)
                    close_alloc(m, alloc);
                alloc = 0;
                run += 64;
                i += 64;
                continue;
            }
        }
        unsigned char c = (unsigned char)map[i++];
        switch (sym_class[c]) {
        case CL_FREE:
            if (alloc)
                close_alloc(m, alloc);
            alloc = 0;
            run++;
            break;
        case CL_TAIL:
            if (alloc) {
                alloc++;
                break;
            }
            /* a tail with no head before it: only in damaged text */
            m->unknown_blocks++;
            if (run)
                close_free(m, a, run);
            run = 0;
            break;
        case CL_HEAD:
            if (alloc)
                close_alloc(m, alloc);
            if (run)
                close_free(m, a, run);
            run = 0;
            alloc = 1;
            m->heads[head_index[c]]++;
            break;
        default:
            if (alloc)
                close_alloc(m, alloc);
            if (run)
                close_free(m, a, run);
            alloc = run = 0;
            m->unknown_blocks++;
            break;
        }
    }
    if (alloc)
        close_alloc(m, alloc);
    if (run)
        close_free(m, a, run);
}

/* Free blocks are counted separately with memchr-free counting so the walk
 * above stays branch-light. */
static size_t count_free(const struct area *a)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n_blocks; i++)
        n += a->map[i] == '.';
    return n;
}

void metrics_compute(struct snapshot *s)
{
    if (!tables_ready)
        init_tables();
    struct metrics *m = &s->metrics;
    memset(m, 0, sizeof(*m));
    s->has_metrics = s->has_map;
    if (!s->has_map)
        return;
    for (size_t i = 0; i < s->n_areas; i++) {
        struct area *a = &s->areas[i];
        a->largest_free = 0;
        size_t unknown_before = m->unknown_blocks;
        walk_area(m, a);
        a->free_blocks = count_free(a);
        m->blocks += a->n_blocks;
        m->free_blocks += a->free_blocks;
        m->used_blocks += a->n_blocks - a->free_blocks - (m->unknown_blocks - unknown_before);
        if (a->largest_free > m->largest_free_blocks)
            m->largest_free_blocks = a->largest_free;
    }
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
