/* SPDX-License-Identifier: MIT */
/* refwalk.h - the metrics of a block map the slow and obvious way, one
 * symbol at a time, and random maps to hold the fast ones against it.
 * Shared by test_metrics.c (maps built by hand) and test_memparse.c (maps
 * printed as mem_info text and read back). Test code only. */
#ifndef HW_TEST_REFWALK_H
#define HW_TEST_REFWALK_H

#include "metrics.h"
#include "snapshot.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* xorshift: the same maps on every machine */
static inline uint32_t ref_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return (uint32_t)(x >> 16);
}

static inline size_t ref_below(uint64_t *state, size_t n)
{
    return n ? ref_rand(state) % n : 0;
}

static inline int ref_is_letter(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Runs as blockmap.h defines them: free ('.' in a row), an allocation (a
 * letter and the '=' after it), unknown ('?' and tails with no head, in a
 * row). Fills m and each area's free_blocks and largest_free into the two
 * arrays (n_areas entries). */
static inline void ref_metrics(const struct snapshot *s, struct metrics *m, size_t *area_free,
                               size_t *area_largest)
{
    memset(m, 0, sizeof(*m));
    for (size_t k = 0; k < s->n_areas; k++) {
        const struct area *a = &s->areas[k];
        size_t n = a->n_blocks, largest = 0, free_blocks = 0;
        char *sym = malloc(n + 1);
        area_symbols(a, sym);
        for (size_t i = 0, j; i < n; i = j) {
            char c = sym[i];
            if (c == '.') {
                for (j = i; j < n && sym[j] == '.'; j++)
                    ;
                m->free_hist[metrics_bucket(j - i)]++;
                free_blocks += j - i;
                largest = j - i > largest ? j - i : largest;
            } else if (ref_is_letter(c)) {
                for (j = i + 1; j < n && sym[j] == '='; j++)
                    ;
                size_t len = j - i;
                m->alloc_hist[metrics_bucket(len)]++;
                m->heads[metrics_head_index(c)]++;
                m->two_block += len == 2;
                m->max_block = len > m->max_block ? len : m->max_block;
            } else {
                for (j = i; j < n && (sym[j] == '?' || sym[j] == '='); j++)
                    ;
                m->unknown_blocks += j - i;
            }
        }
        free(sym);
        area_free[k] = free_blocks;
        area_largest[k] = largest;
        m->blocks += n;
        m->free_blocks += free_blocks;
        if (largest > m->largest_free_blocks)
            m->largest_free_blocks = largest;
    }
    m->used_blocks = m->blocks - m->free_blocks - m->unknown_blocks;
    m->one_block = m->alloc_hist[0];
    for (int b = 0; b < SNAP_HIST_BUCKETS; b++)
        m->free_runs += m->free_hist[b];
    for (int h = 0; h < SNAP_N_HEADS; h++)
        m->allocations += m->heads[h];
    m->largest_free_bytes = (uint64_t)m->largest_free_blocks * s->block_size;
    m->fragmentation =
        m->free_blocks ? 1.0 - (double)m->largest_free_blocks / (double)m->free_blocks : 0.0;
}

/* n random symbols into out: runs of free blocks, allocations of every
 * letter (and 'm', and letters no build prints) with their tails, some
 * long enough to cross many 64-block lines, and, unless clean, '?' and
 * tails without a head. */
static inline void ref_random_map(uint64_t *st, char *out, size_t n, int clean)
{
    static const char heads[] = "hTLDSAFBMmqxz";
    size_t i = 0;
    while (i < n) {
        size_t kind = ref_below(st, clean ? 10 : 12), len;
        size_t scale = ref_below(st, 8) == 0 ? 700 : ref_below(st, 3) == 0 ? 70 : 6;
        len = 1 + ref_below(st, scale);
        if (len > n - i)
            len = n - i;
        if (kind < 4) {
            memset(out + i, '.', len);
        } else if (kind < 10) {
            out[i] = heads[ref_below(st, sizeof(heads) - 1)];
            memset(out + i + 1, '=', len - 1);
        } else {
            for (size_t j = 0; j < len; j++)
                out[i + j] = ref_below(st, 2) ? '?' : '=';
        }
        i += len;
    }
}

/* Compare what metrics_compute() left in s with the reference walk. */
#define ASSERT_REF_METRICS(s)                                                               \
    do {                                                                                    \
        struct metrics ref_m_;                                                              \
        size_t ref_free_[64], ref_largest_[64];                                             \
        assert_true((s)->n_areas <= 64);                                                    \
        ref_metrics((s), &ref_m_, ref_free_, ref_largest_);                                 \
        const struct metrics *got_ = &(s)->metrics;                                         \
        assert_int_equal(got_->blocks, ref_m_.blocks);                                      \
        assert_int_equal(got_->free_blocks, ref_m_.free_blocks);                            \
        assert_int_equal(got_->unknown_blocks, ref_m_.unknown_blocks);                      \
        assert_int_equal(got_->used_blocks, ref_m_.used_blocks);                            \
        assert_int_equal(got_->allocations, ref_m_.allocations);                            \
        assert_int_equal(got_->one_block, ref_m_.one_block);                                \
        assert_int_equal(got_->two_block, ref_m_.two_block);                                \
        assert_int_equal(got_->max_block, ref_m_.max_block);                                \
        assert_int_equal(got_->largest_free_blocks, ref_m_.largest_free_blocks);            \
        assert_int_equal(got_->free_runs, ref_m_.free_runs);                                \
        for (int ref_h_ = 0; ref_h_ < SNAP_N_HEADS; ref_h_++)                               \
            assert_int_equal(got_->heads[ref_h_], ref_m_.heads[ref_h_]);                    \
        assert_memory_equal(got_->free_hist, ref_m_.free_hist, sizeof(ref_m_.free_hist));   \
        assert_memory_equal(got_->alloc_hist, ref_m_.alloc_hist, sizeof(ref_m_.alloc_hist)); \
        assert_memory_equal(got_, &ref_m_, sizeof(ref_m_));                                 \
        for (size_t ref_k_ = 0; ref_k_ < (s)->n_areas; ref_k_++) {                          \
            assert_int_equal((s)->areas[ref_k_].free_blocks, ref_free_[ref_k_]);            \
            assert_int_equal((s)->areas[ref_k_].largest_free, ref_largest_[ref_k_]);        \
        }                                                                                   \
    } while (0)

#endif
