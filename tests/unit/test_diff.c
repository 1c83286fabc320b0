/* SPDX-License-Identifier: MIT */
/* test_diff.c - diff.h on hand-built summaries and maps whose answers
 * are counted by hand: deltas and their lookup by name, each block's
 * change and the totals, free spans read through the walker, and heaps
 * that differ (or maps that are cut) left uncompared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "blockmap.h"
#include "diff.h"
#include "metrics.h"

#include <stdio.h>
#include <string.h>

/* A complete snapshot with one area per map string, 16-byte blocks, at
 * bases "30000", "40000", ... */
static void build(struct snapshot *s, const char *const *maps, size_t n)
{
    memset(s, 0, sizeof(*s));
    snapshot_clear(s);
    s->has_map = true;
    s->complete = true;
    s->block_size = 16;
    for (size_t i = 0; i < n; i++) {
        char base[8];
        snprintf(base, sizeof(base), "%zu0000", i + 3);
        struct area *a = snapshot_add_area(s, base, strlen(base));
        size_t len = strlen(maps[i]);
        area_reserve(a, len);
        memcpy(a->map, maps[i], len);
        a->n_blocks = len;
    }
    metrics_compute(s);
}

static void test_summary_deltas(void **state)
{
    (void)state;
    struct summary a, b;
    summary_init(&a);
    summary_init(&b);
    a.snapshots = 10;
    b.snapshots = 12;
    a.peak_used = 4000;
    b.peak_used = 6048;
    a.min_free = 60000; /* b's is unknown */
    a.max_fragmentation = 0.25;
    b.max_fragmentation = 0.125;
    a.has_time = b.has_time = true;
    a.first_time = 1.0, a.last_time = 3.5;
    b.first_time = 0.0, b.last_time = 2.0;
    struct diff d;
    diff_summaries(&d, &a, NULL, &b, NULL);
    double va, vb, dl;
    assert_false(d.dumps);
    assert_true(diff_metric(&d, "peak_used", &va, &vb, &dl));
    assert_true(va == 4000 && vb == 6048 && dl == 2048);
    assert_true(diff_metric(&d, "snapshots", NULL, NULL, &dl) && dl == 2);
    assert_true(diff_metric(&d, "max_fragmentation", NULL, NULL, &dl) && dl == -0.125);
    assert_true(diff_metric(&d, "time_span", &va, &vb, &dl) && va == 2.5 && vb == 2.0);
    /* a side without the figure, a name that is none, no heads */
    assert_false(diff_metric(&d, "min_free", &va, &vb, &dl));
    assert_non_null(diff_find(&d, "min_free"));
    assert_true(diff_find(&d, "min_free")->has_a);
    assert_false(diff_find(&d, "min_free")->has_b);
    assert_false(diff_metric(&d, "no_such_figure", NULL, NULL, NULL));
    assert_null(diff_find(&d, "used_bytes"));
    assert_false(diff_metric(&d, "heads.T", NULL, NULL, NULL));
    assert_int_equal(d.detail_seq[0], -1);
    diff_fini(&d);
}

/* The heads and histogram of a capture come from the dump it is given,
 * only when that dump is complete. */
static void test_summary_heads(void **state)
{
    (void)state;
    struct snapshot sa, sb;
    const char *ma[] = {"T=..h..........."}, *mb[] = {"T=T=T=h.L=......"};
    build(&sa, ma, 1);
    build(&sb, mb, 1);
    sa.seq = 4;
    sb.seq = 9;
    struct summary a, b;
    summary_init(&a);
    summary_init(&b);
    summary_add(&a, &sa);
    summary_add(&b, &sb);
    struct diff d;
    diff_summaries(&d, &a, &sa, &b, &sb);
    double va, vb, dl;
    assert_true(diff_metric(&d, "heads.T", &va, &vb, &dl));
    assert_true(va == 1 && vb == 3 && dl == 2);
    assert_true(diff_metric(&d, "heads.L", NULL, NULL, &dl) && dl == 1);
    assert_false(diff_metric(&d, "heads.Q", NULL, NULL, NULL));
    assert_int_equal(d.detail_seq[0], 4);
    assert_int_equal(d.detail_seq[1], 9);
    /* used from the complete maps: 3 blocks, then 9 */
    assert_true(diff_metric(&d, "peak_used", &va, &vb, &dl) && va == 48 && vb == 144);
    diff_fini(&d);
    sb.complete = false;
    diff_summaries(&d, &a, &sa, &b, &sb);
    assert_false(d.has_detail[1]);
    assert_false(diff_metric(&d, "heads.T", NULL, NULL, NULL));
    diff_fini(&d);
    snapshot_fini(&sa);
    snapshot_fini(&sb);
}

static void test_block_symbols(void **state)
{
    (void)state;
    assert_int_equal(diff_block_symbol(RUN_FREE, 0, RUN_ALLOC, 1), DIFF_SYM_ALLOCATED);
    assert_int_equal(diff_block_symbol(RUN_ALLOC, 1, RUN_FREE, 0), DIFF_SYM_FREED);
    assert_int_equal(diff_block_symbol(RUN_ALLOC, 1, RUN_ALLOC, 2), DIFF_SYM_CHANGED);
    assert_int_equal(diff_block_symbol(RUN_ALLOC, 2, RUN_ALLOC, 2), DIFF_SYM_USED);
    assert_int_equal(diff_block_symbol(RUN_FREE, 0, RUN_FREE, 0), DIFF_SYM_FREE);
    assert_int_equal(diff_block_symbol(RUN_UNKNOWN, 0, RUN_FREE, 0), DIFF_SYM_UNKNOWN);
    assert_int_equal(diff_block_symbol(RUN_ALLOC, 0, RUN_UNKNOWN, 0), DIFF_SYM_UNKNOWN);
}

/* Two dumps of one heap, every block's fate counted by hand:
 *   A: T==.hh..L=..D===   (two areas: the second is "h=.." / "..h=")
 *   B: T==hhhL=..h.D===
 * block 3 '.'->'h' +, 4 and 5 'h'->'h' =, 6 '.'->'L' +, 7 '.'->'=' of L +,
 * 8 'L'->'.' -, 9 '='->'.' -, 10 '.'->'h' +, 11 '.' in both,
 * 12..15 D=== in both =, 0..2 T== =.
 * The second area: "h=.." -> "L=.h": blocks 0,1 ~ (h -> L), 3 +. */
static void test_block_changes(void **state)
{
    (void)state;
    struct snapshot a, b;
    const char *ma[] = {"T==.hh..L=..D===", "h=.."}, *mb[] = {"T==hhhL=..h.D===", "L=.h"};
    build(&a, ma, 2);
    build(&b, mb, 2);
    struct diff d;
    diff_snapshots(&d, &a, &b);
    assert_true(d.dumps);
    assert_true(d.same_heap);
    assert_true(d.has_blocks);
    assert_int_equal(d.n_areas, 2);
    assert_memory_equal(d.areas[0].map, "===+==++--+.====", 16);
    assert_memory_equal(d.areas[1].map, "~~.+", 4);
    assert_int_equal(d.blocks.allocated, 5);
    assert_int_equal(d.blocks.freed, 2);
    assert_int_equal(d.blocks.changed, 2);
    assert_int_equal(d.blocks.used, 9);
    assert_int_equal(d.blocks.free, 2);
    assert_int_equal(d.blocks.unknown, 0);
    assert_string_equal(d.areas[1].base, "40000");
    /* the figures of the two dumps, through snapshot.h and the metrics */
    double va, vb, dl;
    assert_true(diff_metric(&d, "used_bytes", &va, &vb, &dl));
    assert_true(va == 13 * 16 && vb == 16 * 16 && dl == 3 * 16);
    assert_true(diff_metric(&d, "allocations", &va, &vb, NULL) && va == 6 && vb == 9);
    assert_true(diff_metric(&d, "heads.h", &va, &vb, NULL) && va == 3 && vb == 5);
    assert_true(diff_metric(&d, "one_block", &va, &vb, NULL) && va == 2 && vb == 5);
    diff_fini(&d);
    snapshot_fini(&a);
    snapshot_fini(&b);
}

/* "(N lines all free)": A's free span has no symbols written (here
 * filled with tails on purpose): the diff must read it as free. */
static void test_free_span(void **state)
{
    (void)state;
    struct snapshot a, b;
    char line[65], all[64 * 3 + 1];
    memset(line, '.', 64);
    memcpy(line, "h=T", 3);
    line[64] = '\0';
    const char *ma[] = {line};
    build(&a, ma, 1);
    area_add_span(&a.areas[0], 64, 128);
    memset(a.areas[0].map + 64, 'T', 128); /* never to be read */
    metrics_compute(&a);
    memset(all, '.', sizeof(all) - 1);
    all[sizeof(all) - 1] = '\0';
    memcpy(all, "h=T", 3);
    memcpy(all + 100, "S===", 4);
    const char *mb[] = {all};
    build(&b, mb, 1);
    struct diff d;
    diff_snapshots(&d, &a, &b);
    assert_true(d.has_blocks);
    assert_int_equal(d.blocks.allocated, 4);
    assert_int_equal(d.blocks.used, 3);
    assert_int_equal(d.blocks.free, 64 * 3 - 7);
    assert_int_equal(d.blocks.freed + d.blocks.changed + d.blocks.unknown, 0);
    assert_memory_equal(d.areas[0].map + 100, "++++", 4);
    diff_fini(&d);
    snapshot_fini(&a);
    snapshot_fini(&b);
}

/* Different heaps are said, and never compared block by block. */
static void test_different_heaps(void **state)
{
    (void)state;
    struct snapshot a, b;
    const char *m16[] = {"h=.............."}, *m15[] = {"h=............."},
               *two[] = {"h=..............", "...."};
    struct diff d;

    build(&a, m16, 1);
    build(&b, m15, 1);
    diff_snapshots(&d, &a, &b);
    assert_false(d.same_heap);
    assert_false(d.has_blocks);
    assert_non_null(strstr(d.why, "different heaps"));
    assert_non_null(strstr(d.why, "16 blocks in A, 15 in B"));
    assert_null(d.areas);
    /* the figures are still compared */
    assert_true(diff_metric(&d, "free_bytes", NULL, NULL, NULL));
    diff_fini(&d);
    snapshot_fini(&b);

    build(&b, two, 2);
    diff_snapshots(&d, &a, &b);
    assert_false(d.same_heap);
    assert_non_null(strstr(d.why, "1 area in A, 2 in B"));
    diff_fini(&d);
    snapshot_fini(&b);

    build(&b, m16, 1);
    snprintf(b.areas[0].base, sizeof(b.areas[0].base), "3fff0000");
    diff_snapshots(&d, &a, &b);
    assert_false(d.same_heap);
    assert_non_null(strstr(d.why, "starts at 30000 in A, at 3fff0000 in B"));
    diff_fini(&d);

    snprintf(b.areas[0].base, sizeof(b.areas[0].base), "30000");
    b.block_size = 32;
    diff_snapshots(&d, &a, &b);
    assert_false(d.same_heap);
    assert_non_null(strstr(d.why, "16-byte blocks in A, 32-byte in B"));
    diff_fini(&d);
    snapshot_fini(&a);
    snapshot_fini(&b);
}

/* A cut map is never compared: it would look like blocks freed. */
static void test_incomplete_not_compared(void **state)
{
    (void)state;
    struct snapshot a, b;
    const char *m[] = {"h=h=h=h=........"};
    build(&a, m, 1);
    build(&b, m, 1);
    b.complete = false;
    b.problems = SNAP_P_CUT;
    struct diff d;
    diff_snapshots(&d, &a, &b);
    assert_true(d.same_heap);
    assert_false(d.has_blocks);
    assert_non_null(strstr(d.why, "dump B is incomplete"));
    assert_false(diff_metric(&d, "allocations", NULL, NULL, NULL));
    assert_false(d.has_detail[1]);
    diff_fini(&d);
    /* and the same map against itself: nothing changed */
    b.complete = true;
    diff_snapshots(&d, &a, &b);
    assert_true(d.has_blocks);
    assert_int_equal(d.blocks.allocated + d.blocks.freed + d.blocks.changed, 0);
    assert_int_equal(d.blocks.used, 8);
    double dl;
    assert_true(diff_metric(&d, "used_bytes", NULL, NULL, &dl) && dl == 0);
    diff_fini(&d);
    diff_fini(NULL);
    snapshot_fini(&a);
    snapshot_fini(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_deltas),
        cmocka_unit_test(test_summary_heads),
        cmocka_unit_test(test_block_symbols),
        cmocka_unit_test(test_block_changes),
        cmocka_unit_test(test_free_span),
        cmocka_unit_test(test_different_heaps),
        cmocka_unit_test(test_incomplete_not_compared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
