/* SPDX-License-Identifier: MIT */
/* test_metrics.c - metrics on hand-built maps whose answers are known, and
 * on thousands of random ones against the reference walk (refwalk.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "metrics.h"
#include "refwalk.h"

#include <string.h>

/* A snapshot with one area per map string, 16-byte blocks. */
static void build(struct snapshot *s, const char *const *maps, size_t n)
{
    memset(s, 0, sizeof(*s));
    snapshot_clear(s);
    s->has_map = true;
    s->block_size = 16;
    for (size_t i = 0; i < n; i++) {
        struct area *a = snapshot_add_area(s, "0", 1);
        size_t len = strlen(maps[i]);
        area_reserve(a, len);
        memcpy(a->map, maps[i], len);
        a->n_blocks = len;
    }
    metrics_compute(s);
}

/* The last, short line of an area: its letters are counted from the map
 * in place, masked by its length, so what the buffer holds past the end
 * (a longer map of an earlier dump) is never counted; a map without room
 * for a whole last line (cap exactly n_blocks) is read through a copy. */
static void test_letters_past_the_end(void **state)
{
    (void)state;
    char sym[128];
    memset(sym, '.', 64);
    memcpy(sym + 64, "hT=.B.", 6);
    memset(sym + 70, 'T', sizeof(sym) - 70); /* stale: not part of the map */
    for (int exact = 0; exact < 2; exact++) {
        struct snapshot s;
        memset(&s, 0, sizeof(s));
        snapshot_clear(&s);
        s.has_map = true;
        s.block_size = 16;
        struct area *a = snapshot_add_area(&s, "0", 1);
        if (exact) {
            a->map = malloc(70);
            assert_non_null(a->map);
            a->cap = 70;
        } else {
            area_reserve(a, sizeof(sym));
        }
        memcpy(a->map, sym, exact ? 70 : sizeof(sym));
        a->n_blocks = 70;
        metrics_compute(&s);
        assert_int_equal(s.metrics.blocks, 70);
        assert_int_equal(s.metrics.allocations, 3);
        assert_int_equal(s.metrics.heads[0], 1); /* h */
        assert_int_equal(s.metrics.heads[1], 1); /* T */
        assert_int_equal(s.metrics.heads[7], 1); /* B */
        assert_int_equal(s.metrics.free_blocks, 66);
        assert_int_equal(s.metrics.free_runs, 3);
        snapshot_fini(&s);
    }
}

static void test_empty_heap(void **state)
{
    (void)state;
    struct snapshot s;
    const char *m[] = {"................"};
    build(&s, m, 1);
    assert_int_equal(s.metrics.free_blocks, 16);
    assert_int_equal(s.metrics.largest_free_blocks, 16);
    assert_int_equal(s.metrics.largest_free_bytes, 256);
    assert_int_equal(s.metrics.free_runs, 1);
    assert_true(s.metrics.fragmentation == 0.0);
    assert_int_equal(s.metrics.allocations, 0);
    snapshot_fini(&s);
}

static void test_fragmented(void **state)
{
    (void)state;
    struct snapshot s;
    const char *m[] = {"h.h.h.h.T.L.D.S."};
    build(&s, m, 1);
    assert_int_equal(s.metrics.free_blocks, 8);
    assert_int_equal(s.metrics.largest_free_blocks, 1);
    assert_int_equal(s.metrics.free_runs, 8);
    assert_int_equal(s.metrics.one_block, 8);
    assert_true(s.metrics.fragmentation > 0.874 && s.metrics.fragmentation < 0.876);
    assert_int_equal(s.metrics.heads[0], 4); /* h */
    assert_int_equal(s.metrics.heads[1], 1); /* T */
    assert_int_equal(s.metrics.free_hist[0], 8);
    snapshot_fini(&s);
}

static void test_sizes_and_split_areas(void **state)
{
    (void)state;
    struct snapshot s;
    /* 64 tails in a row exercise the whole-line fast path */
    char big[200];
    big[0] = 'B';
    memset(big + 1, '=', 129);
    memcpy(big + 130, "h=..", 5);
    const char *m[] = {big, "...h.....", "M=="};
    build(&s, m, 3);
    assert_int_equal(s.metrics.max_block, 130);
    assert_int_equal(s.metrics.two_block, 1);
    assert_int_equal(s.metrics.allocations, 4);
    /* the longest run is counted inside one area, never across areas */
    assert_int_equal(s.metrics.largest_free_blocks, 5);
    assert_int_equal(s.areas[0].largest_free, 2);
    assert_int_equal(s.areas[1].largest_free, 5);
    assert_int_equal(s.metrics.alloc_hist[metrics_bucket(130)], 1);
    assert_int_equal(metrics_bucket(1), 0);
    assert_int_equal(metrics_bucket(2), 1);
    assert_int_equal(metrics_bucket(3), 1);
    assert_int_equal(metrics_bucket(4), 2);
    snapshot_fini(&s);
}

static void test_unknown_blocks_break_runs(void **state)
{
    (void)state;
    struct snapshot s;
    const char *m[] = {"...??...=h"};
    build(&s, m, 1);
    /* '?' and an orphan tail are neither free nor used */
    assert_int_equal(s.metrics.unknown_blocks, 3);
    assert_int_equal(s.metrics.largest_free_blocks, 3);
    assert_int_equal(s.metrics.used_blocks, 1);
    snapshot_fini(&s);
}

static void test_check(void **state)
{
    (void)state;
    struct snapshot s;
    const char *m[] = {"h=..h..."};
    build(&s, m, 1);
    s.has_gc = s.has_reported = s.has_max_free = true;
    s.gc_total = 128, s.gc_used = 48, s.gc_free = 80;
    s.rep_one_block = 1, s.rep_two_block = 1, s.rep_max_block = 2, s.rep_max_free = 3;
    metrics_check(&s);
    assert_int_equal(s.consistent, 1);
    s.rep_max_free = 4;
    s.gc_used = 64;
    metrics_check(&s);
    assert_int_equal(s.consistent, 0);
    assert_int_equal(s.mismatches, SNAP_C_MAX_FREE | SNAP_C_USED);
    s.has_map = false;
    metrics_compute(&s);
    metrics_check(&s);
    assert_int_equal(s.consistent, -1);
    snapshot_fini(&s);
}

static bool all_free(const char *line)
{
    for (int i = 0; i < 64; i++)
        if (line[i] != '.')
            return false;
    return true;
}

/* Random maps of one to five areas, of lengths that are rarely a multiple
 * of 64, some of their whole free lines turned into "(N lines all free)"
 * spans with junk under them (a span's bytes are never to be read). */
static void build_random(struct snapshot *s, uint64_t *st)
{
    snapshot_clear(s);
    s->has_map = true;
    s->block_size = ref_below(st, 4) ? 16 : 0;
    size_t areas = 1 + ref_below(st, ref_below(st, 4) ? 1 : 5);
    for (size_t k = 0; k < areas; k++) {
        struct area *a = snapshot_add_area(s, "3ffc0000", 8);
        size_t n = ref_below(st, 5) == 0 ? ref_below(st, 70) : 1 + ref_below(st, 3000);
        area_reserve(a, n + 1);
        ref_random_map(st, a->map, n, ref_below(st, 3) == 0);
        a->n_blocks = n;
        if (ref_below(st, 3) == 0)
            continue;
        for (size_t line = 0; line < n / 64; line++) {
            size_t end = line;
            while (end < n / 64 && all_free(a->map + end * 64))
                end++;
            if (end > line && ref_below(st, 2)) {
                memset(a->map + line * 64, ref_below(st, 2) ? 'h' : '=', (end - line) * 64);
                area_add_span(a, line * 64, (end - line) * 64);
            }
            line = end;
        }
    }
}

static void test_random_maps(void **state)
{
    (void)state;
    struct snapshot s;
    memset(&s, 0, sizeof(s));
    uint64_t st = 0x9e3779b97f4a7c15ull;
    for (int i = 0; i < 5000; i++) {
        build_random(&s, &st);
        metrics_compute(&s);
        ASSERT_REF_METRICS(&s);
    }
    snapshot_fini(&s);
}

/* A board's dumps one after another: each map is the last one with a few
 * lines changed, some back to what they were, some split between runs
 * that end or go on across the line's edges, sometimes a whole other map
 * or a shorter one. Held against the obvious walk every time, since the
 * metrics remember each line's runs from the dump before (run_memo). */
static void test_dump_after_dump(void **state)
{
    (void)state;
    struct snapshot s;
    memset(&s, 0, sizeof(s));
    uint64_t st = 0x2545f4914f6cdd1dull;
    char map[2048], saved[2048];
    size_t n = 0;
    for (int i = 0; i < 20000; i++) {
        if (i % 500 == 0) { /* another board */
            n = 64 * (1 + ref_below(&st, 30)) + ref_below(&st, 3) * ref_below(&st, 64);
            ref_random_map(&st, map, n, ref_below(&st, 2));
            memcpy(saved, map, n);
        }
        for (size_t k = ref_below(&st, 4); k > 0; k--) {
            size_t line = ref_below(&st, (n + 63) / 64), at = line * 64;
            size_t len = n - at < 64 ? n - at : 64;
            switch (ref_below(&st, 4)) {
            case 0: /* the line as it once was */
                memcpy(map + at, saved + at, len);
                break;
            case 1: /* a few blocks change: an allocation, a free */
                for (size_t j = ref_below(&st, 4) + 1; j > 0; j--)
                    map[at + ref_below(&st, len)] = ".=h=BT?"[ref_below(&st, 7)];
                break;
            case 2: /* one block either side of the line's first edge */
                map[at] = ".=h"[ref_below(&st, 3)];
                if (at)
                    map[at - 1] = ".=h"[ref_below(&st, 3)];
                break;
            default:
                ref_random_map(&st, map + at, len, 1);
            }
        }
        snapshot_clear(&s);
        s.has_map = true;
        s.block_size = 16;
        struct area *a = snapshot_add_area(&s, "20000000", 8);
        size_t m = ref_below(&st, 50) ? n : n / 2; /* now and then a cut map */
        area_reserve(a, m + 1);
        memcpy(a->map, map, m);
        a->n_blocks = m;
        metrics_compute(&s);
        ASSERT_REF_METRICS(&s);
    }
    snapshot_fini(&s);
}

/* The longest runs are found wherever they stand: one run per map, of every
 * length up to a few lines, at every offset within the first line. */
static void test_every_run_length(void **state)
{
    (void)state;
    struct snapshot s;
    memset(&s, 0, sizeof(s));
    char map[400];
    for (size_t len = 1; len < 200; len++) {
        for (size_t at = 0; at < 70; at++) {
            for (int kind = 0; kind < 2; kind++) {
                memset(map, kind ? '.' : 'h', sizeof(map));
                if (kind) {
                    memset(map + at, '.', len);
                    map[at + len] = 'T';
                } else {
                    map[at] = 'L';
                    memset(map + at + 1, '=', len - 1);
                }
                const char *m[] = {map};
                map[at + len + 1 + (at & 7)] = '\0';
                build(&s, m, 1);
                ASSERT_REF_METRICS(&s);
                snapshot_fini(&s);
            }
        }
    }
}

/* The longest run so far and a longer one later: every pair of lengths
 * that fit inside a line, free runs and allocations alike. */
static void test_longer_run_later(void **state)
{
    (void)state;
    struct snapshot s;
    memset(&s, 0, sizeof(s));
    char map[200];
    for (size_t first = 1; first < 63; first++) {
        for (size_t later = 1; later < 63; later++) {
            for (int kind = 0; kind < 2; kind++) {
                memset(map, 'h', sizeof(map));
                map[sizeof(map) - 1] = '\0';
                if (kind) {
                    memset(map + 1, '.', first);
                    memset(map + 65, '.', later);
                } else {
                    memset(map + 1, '=', first - 1);
                    map[65] = 'B';
                    memset(map + 66, '=', later - 1);
                }
                const char *m[] = {map};
                build(&s, m, 1);
                ASSERT_REF_METRICS(&s);
                snapshot_fini(&s);
            }
        }
    }
}

/* Counters that add up over many lines: a big heap of one letter. */
static void test_many_heads(void **state)
{
    (void)state;
    struct snapshot s;
    static char map[70001];
    const char *letters = "TmLh";
    for (const char *l = letters; *l; l++) {
        memset(map, *l, sizeof(map) - 1);
        map[sizeof(map) - 1] = '\0';
        const char *m[] = {map, map + 30000};
        build(&s, m, 2);
        assert_int_equal(s.metrics.heads[metrics_head_index(*l)], 70000 + 40000);
        assert_int_equal(s.metrics.allocations, 110000);
        ASSERT_REF_METRICS(&s);
        snapshot_fini(&s);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_heap),
        cmocka_unit_test(test_letters_past_the_end),
        cmocka_unit_test(test_fragmented),
        cmocka_unit_test(test_sizes_and_split_areas),
        cmocka_unit_test(test_unknown_blocks_break_runs),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_random_maps),
        cmocka_unit_test(test_dump_after_dump),
        cmocka_unit_test(test_every_run_length),
        cmocka_unit_test(test_longer_run_later),
        cmocka_unit_test(test_many_heads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
