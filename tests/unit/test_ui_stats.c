/* SPDX-License-Identifier: MIT */
/* test_ui_stats.c - the stats panel's rows: what each says for a known
 * snapshot, compact and wide, and which survive when rows run short. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "ui_stats.h"
#include "metrics.h"

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
    /* five rows: only the most important survive */
    ui_stats_fill(&st, &v, &s, 22, 5, true);
    assert_int_equal(st.n, 5);
    for (int i = 0; i < st.n; i++)
        assert_int_equal(st.r[i].prio, 1);
    snapshot_fini(&s);
}

static void test_stats_wide(void **state)
{
    (void)state;
    struct snapshot s;
    build(&s, "T=..L===......D=S.h.", true);
    struct view v = {.link = UI_LINK_RECONNECTING, .link_detail = "retrying /dev/ttyACM0",
                     .has_probe = true, .probe_bytes = 64, .last_sample_age = -1};
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
        cmocka_unit_test(test_stats_compact),
        cmocka_unit_test(test_stats_wide),
        cmocka_unit_test(test_stats_no_map),
        cmocka_unit_test(test_stats_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
