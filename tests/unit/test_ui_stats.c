/* SPDX-License-Identifier: MIT */
/* test_ui_stats.c - the stats panel's rows: what each says for a known
 * snapshot, compact and wide, and which survive when rows run short. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ui_stats.h"
#include "metrics.h"

#include <stdio.h>
#include <string.h>

/* A snapshot of one area from a map string, 16-byte blocks, GC line agreeing. */
static void build(struct snapshot *s, const char *map, bool complete)
{
    memset(s, 0, sizeof(*s));
    snapshot_clear(s);
    s->has_map = true;
    s->block_size = 16;
    struct area *a = snapshot_add_area(s, "3f800000", 8);
    size_t n = strlen(map);
    area_reserve(a, n);
    memcpy(a->map, map, n);
    a->n_blocks = n;
    metrics_compute(s);
    s->has_gc = true;
    s->gc_total = n * 16;
    s->gc_free = s->metrics.free_blocks * 16;
    s->gc_used = s->gc_total - s->gc_free;
    s->complete = complete;
    s->problems = complete ? 0 : SNAP_P_CUT;
    metrics_check(s);
}

/* The row with this label; a row reading "<missing>" if there is none, so
 * the assertion that follows fails with a readable message. */
static const struct ui_stat_row *find_row(const struct ui_stats *st, const char *label)
{
    static const struct ui_stat_row missing = {.value = "<missing>", .tone = -1, .prio = -1};
    for (int i = 0; i < st->n; i++)
        if (strcmp(st->r[i].label, label) == 0)
            return &st->r[i];
    return &missing;
}

static void test_stats_compact(void **state)
{
    (void)state;
    struct snapshot s;
    build(&s, "T=..L===......D=S.h.??", false);
    struct view v = {.link = UI_LINK_READY, .link_detail = "", .sample_rate = 1};
    static struct ui_stats st;
    ui_stats_fill(&st, &v, &s, 22, 13, true);
    assert_false(st.wide);
    assert_true(st.n <= 13);
    const struct ui_stat_row *r = find_row(&st, "map");
    assert_string_equal(r->value, "INCOMPLETE");
    assert_int_equal(r->tone, UI_TONE_BAD);
    r = find_row(&st, "largest");
    assert_string_equal(r->value, "unknown");
    r = find_row(&st, "used");
    assert_string_equal(r->value, "192 54.5%"); /* the GC line counts the cut blocks as used */
    /* an incomplete map without the device's max free sz: no frag row
     * (unknown under the one rule), not the cut map's figure */
    assert_string_equal(find_row(&st, "frag")->value, "<missing>");
    /* five rows: only the most important survive, every priority-1 row */
    ui_stats_fill(&st, &v, &s, 22, 5, true);
    assert_int_equal(st.n, 5);
    for (int i = 0; i < st.n; i++)
        assert_true(st.r[i].prio <= 2);
    static const char *const first[] = {"used", "free", "largest", "map"};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(find_row(&st, first[i])->prio, 1);
    snapshot_fini(&s);
}

static void test_stats_wide(void **state)
{
    (void)state;
    struct snapshot s;
    build(&s, "T=..L===......D=S.h.", true);
    struct view v = {.link = UI_LINK_RECONNECTING,
                     .link_detail = "retrying /dev/ttyACM0",
                     .has_probe = true,
                     .probe_bytes = 64,
                     .last_sample_age = -1};
    v.gc = (struct ui_gc_compare){true, 4096, 1024, 512, 2048, 0.5, 0.25};
    static struct ui_stats st;
    ui_stats_fill(&st, &v, &s, 44, 50, false);
    assert_true(st.wide);
    assert_string_equal(find_row(&st, "map")->value, "complete, consistent");
    assert_string_equal(find_row(&st, "gc")->value, "3.00K back");
    assert_string_equal(find_row(&st, "gc big")->value, "512->2.00K");
    assert_string_equal(find_row(&st, "probe")->value, "64 B/sample");
    const struct ui_stat_row *r = find_row(&st, "link");
    assert_string_equal(r->value, "reconnecting: retrying /dev/ttyACM0");
    assert_int_equal(r->tone, UI_TONE_BAD);
    /* free runs of 2, 6, 1, 1 blocks: buckets 1, 2-3, 4-7 */
    assert_string_equal(find_row(&st, "1")->value, "     2");
    assert_string_equal(find_row(&st, "2-3")->value, "     1");
    assert_string_equal(find_row(&st, "4-7")->value, "     1");
    r = find_row(&st, "L list");
    assert_int_equal(r->bar_class, HM_C_HEAD_L);
    snapshot_fini(&s);
}

/* A dump with the GC totals and no block map (old firmware, --no-map):
 * the panel says there is no map, and nothing about it being complete. */
/* The leak row: the verdict's words, its tone, a short form when narrow. */
static void test_stats_leak(void **state)
{
    (void)state;
    struct snapshot s;
    build(&s, "T=..L===......D=S.h.", true);
    struct view v = {.has_leak = true, .last_sample_age = -1};
    v.leak = (struct leak_verdict){
        .state = LEAK_GROWS, .points = 14, .has_per_min = true, .per_min = 312.4, .per_min_ci = 20};
    static struct ui_stats st;
    ui_stats_fill(&st, &v, &s, 44, 50, false);
    assert_string_equal(find_row(&st, "leak")->value, "leaks 312 +- 20 B/min");
    assert_int_equal(find_row(&st, "leak")->tone, UI_TONE_BAD);
    assert_string_equal(find_row(&st, "suspect")->value, "<missing>");
    v.n_suspects = 70;
    v.suspect_bytes = 1840;
    v.suspect = (struct leak_suspect){.address = 0x30140, .type = 'h', .bytes = 64};
    ui_stats_fill(&st, &v, &s, 60, 50, false);
    assert_string_equal(find_row(&st, "suspect")->value, "70 (1.80K), oldest 0x30140 h 64");
    ui_stats_fill(&st, &v, &s, 44, 50, false);
    ui_stats_fill(&st, &v, &s, 18, 50, false);
    assert_string_equal(find_row(&st, "leak")->value, "+312 B/min");
    v.leak.state = LEAK_NONE;
    v.leak.per_min = 0.2;
    ui_stats_fill(&st, &v, &s, 44, 50, true);
    assert_string_equal(find_row(&st, "leak")->value, "none (0 \u00b1 20 B/min)");
    assert_int_equal(find_row(&st, "leak")->tone, UI_TONE_OK);
    v.leak = (struct leak_verdict){.state = LEAK_UNKNOWN, .points = 2};
    ui_stats_fill(&st, &v, &s, 44, 50, false);
    assert_string_equal(find_row(&st, "leak")->value, "? (2 of 4 collections)");
    v.has_leak = false;
    ui_stats_fill(&st, &v, &s, 44, 50, false);
    assert_string_equal(find_row(&st, "leak")->value, "<missing>");
    snapshot_fini(&s);
}

static void test_stats_no_map(void **state)
{
    (void)state;
    struct snapshot s;
    memset(&s, 0, sizeof(s));
    snapshot_clear(&s);
    s.has_gc = true;
    s.gc_total = 102400;
    s.gc_used = 8768;
    s.gc_free = 93632;
    s.has_stack = true;
    s.stack_used = 424;
    s.complete = true;
    s.consistent = -1;
    struct view v = {.link = UI_LINK_REPLAY, .link_detail = "", .replay = true};
    static struct ui_stats st;
    static const int sizes[][2] = {{22, 13}, {44, 50}};
    for (size_t i = 0; i < 2; i++) {
        ui_stats_fill(&st, &v, &s, sizes[i][0], sizes[i][1], true);
        assert_int_equal(strncmp(find_row(&st, "map")->value, "none", 4), 0);
        assert_string_equal(find_row(&st, "largest")->value, "- (no map)");
        for (int r = 0; r < st.n; r++)
            if (strstr(st.r[r].value, "complete") || strstr(st.r[r].value, "COMPLETE"))
                fail_msg("%d columns: row %s reads \"%s\"", sizes[i][0], st.r[r].label,
                         st.r[r].value);
    }
    assert_string_equal(find_row(&st, "map")->value, "none (GC totals only)");
    snapshot_fini(&s);
}

/* Snapshots whose rows say the most: six-digit counts, a cut map with
 * several problems, a map that disagrees with the device, a split heap,
 * no map at all. */
static void build_wordy(struct snapshot *s, int which)
{
    build(s, "T=..L===......D=S.h.", which != 1);
    struct metrics *m = &s->metrics;
    m->allocations = 123456;
    m->one_block = 65432;
    m->two_block = 23456;
    m->max_block = 40960;
    m->blocks = 262144;
    for (int i = 0; i < SNAP_N_HEADS; i++)
        m->heads[i] = 100000 + (size_t)i;
    m->free_hist[0] = 99999;
    m->free_hist[17] = 1; /* a "128K-256K" bucket label */
    s->gc_total = 4u << 20;
    s->gc_used = 3u << 20;
    s->gc_free = 1u << 20;
    s->has_stack = s->has_stack_limit = true;
    s->stack_used = 123456;
    s->stack_limit = 1u << 20;
    if (which == 1)
        s->problems = SNAP_P_CUT | SNAP_P_LINE_LEN | SNAP_P_OFFSET | SNAP_P_SYMBOL;
    if (which == 2) {
        s->consistent = 0;
        s->mismatches = SNAP_C_ONE_BLOCK | SNAP_C_TWO_BLOCK | SNAP_C_MAX_FREE | SNAP_C_TOTAL;
    }
    if (which == 3) {
        struct area *a = snapshot_add_area(s, "3ffe0000deadbeef", 16);
        area_reserve(a, 4);
        memcpy(a->map, "T=..", 4);
        a->n_blocks = 4;
        snprintf(s->areas[0].base, sizeof(s->areas[0].base), "%s", "3ffb0000cafe0000");
    }
    if (which == 4) {
        s->has_map = s->has_metrics = false;
        s->n_areas = 0;
        s->consistent = -1;
    }
}

/* Every stats row fits the panel at every size from 80x24 to 250x60, in
 * live mode and replay, compact and wide: a row that does not fit in its
 * wide form falls back to a shorter one instead of being cut at the edge
 * (at 120x40 the map row read "complete, consiste"). */
static void test_stats_rows_fit(void **state)
{
    (void)state;
    static struct ui_stats st;
    struct view v = {.link = UI_LINK_RECONNECTING,
                     .link_detail = "retrying /dev/serial/by-id/usb-MicroPython_Board-if00",
                     .has_probe = true,
                     .probe_bytes = 123456,
                     .sample_rate = 0.2,
                     .last_sample_age = 3725};
    v.gc = (struct ui_gc_compare){true, 4u << 20, 3u << 20, 512, 1u << 20, 0.987, 0.654};
    for (int which = 0; which < 5; which++) {
        struct snapshot s;
        build_wordy(&s, which);
        for (int lines = 24; lines <= 60; lines++) {
            for (int cols = 80; cols <= 250; cols++) {
                for (int replay = 0; replay < 2; replay++) {
                    struct ui_layout lo;
                    fmt_ui_layout(lines, cols, replay, &lo);
                    int width = lo.stats_cols - 1;
                    v.replay = replay;
                    ui_stats_fill(&st, &v, &s, width, lo.stats_rows - 1, true);
                    for (int i = 0; i < st.n; i++)
                        if (ui_stats_row_cols(&st, &st.r[i]) > width)
                            fail_msg("snapshot %d at %dx%d%s: row \"%s\" \"%s\" needs %d of %d "
                                     "columns",
                                     which, cols, lines, replay ? " replay" : "", st.r[i].label,
                                     st.r[i].value, ui_stats_row_cols(&st, &st.r[i]), width);
                }
            }
        }
        snapshot_fini(&s);
    }
}

static void test_stats_empty(void **state)
{
    (void)state;
    struct view v = {.link = UI_LINK_CONNECTING, .link_detail = ""};
    static struct ui_stats st;
    ui_stats_fill(&st, &v, NULL, 22, 13, true);
    assert_true(st.n >= 1);
    assert_string_equal(find_row(&st, "link")->value, "connecting");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stats_compact),  cmocka_unit_test(test_stats_wide),
        cmocka_unit_test(test_stats_leak),     cmocka_unit_test(test_stats_no_map),
        cmocka_unit_test(test_stats_rows_fit), cmocka_unit_test(test_stats_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
