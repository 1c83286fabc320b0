/* SPDX-License-Identifier: MIT */
/* metrics.c - what a block map says: allocations and their sizes, free runs,
 * fragmentation; and whether that agrees with gc_info()'s own numbers.
 *
 * The walk mirrors py/gc.c gc_info(): an allocation is a head followed by
 * its tails; "max free sz" is the longest free run within one area. */
#include "metrics.h"

#include <stdint.h>
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

/* Eight blocks at a time: big heaps are mostly long runs of '=' and '.'. */
size_t metrics_span(const char *map, size_t i, size_t n, char c)
{
    const uint64_t pattern = 0x0101010101010101ull * (unsigned char)c;
    size_t j = i;
    while (n - j >= 8) {
        uint64_t w;
        memcpy(&w, map + j, 8);
        uint64_t diff = w ^ pattern;
        if (diff) {
            /* little-endian: the lowest set byte is the first mismatch */
            return j - i + (size_t)(__builtin_ctzll(diff) >> 3);
        }
        j += 8;
    }
    while (j < n && map[j] == c)
        j++;
    return j - i;
}

/* Walk one area run by run: a head and its tails, a free run, or a block
 * the text did not show ('?', or a tail without a head in damaged text). */
static void walk_area(struct metrics *m, struct area *a)
{
    const char *map = a->map;
    size_t n = a->n_blocks, free_blocks = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)map[i];
        size_t len;
        switch (sym_class[c]) {
        case CL_FREE:
            len = metrics_span(map, i, n, '.');
            close_free(m, a, len);
            free_blocks += len;
            break;
        case CL_HEAD:
            len = i + 1 < n ? 1 + metrics_span(map, i + 1, n, '=') : 1;
            close_alloc(m, len);
            m->heads[head_index[c]]++;
            break;
        default:
            len = 1;
            m->unknown_blocks++;
            break;
        }
        i += len;
    }
    a->free_blocks = free_blocks;
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
