/* SPDX-License-Identifier: MIT */
/* test_metrics.c - metrics on hand-built maps whose answers are known. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "metrics.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_heap),
        cmocka_unit_test(test_fragmented),
        cmocka_unit_test(test_sizes_and_split_areas),
        cmocka_unit_test(test_unknown_blocks_break_runs),
        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
