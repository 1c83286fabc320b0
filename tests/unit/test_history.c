/* SPDX-License-Identifier: MIT */
/* test_history.c - the trend ring, gaps, previous snapshot and block ages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "history.h"
#include "metrics.h"

#include <string.h>

static void make(struct snapshot *s, const char *map, double t)
{
    snapshot_clear(s);
    s->has_map = s->has_time = true;
    s->time = t;
    s->block_size = 16;
    s->complete = true;
    struct area *a = snapshot_add_area(s, "3000", 4);
    size_t n = strlen(map);
    area_reserve(a, n);
    memcpy(a->map, map, n);
    a->n_blocks = n;
    metrics_compute(s);
}

static void test_ring_and_gap(void **state)
{
    (void)state;
    struct history *h = history_new(3);
    struct snapshot s = {0};
    for (int i = 0; i < 5; i++) {
        make(&s, i % 2 ? "h=.." : "h...", i);
        if (i == 3)
            history_gap(h);
        history_push(h, &s);
    }
    assert_int_equal(history_len(h), 3);
    assert_int_equal(history_total(h), 5);
    assert_true(history_at(h, 0)->time == 2.0);
    assert_true(history_at(h, 2)->time == 4.0);
    assert_true(history_at(h, 1)->gap_before);
    assert_false(history_at(h, 2)->gap_before);
    assert_null(history_at(h, 3));
    assert_int_equal(history_at(h, 2)->free, 3 * 16);
    assert_int_equal(history_at(h, 1)->largest_free, 2 * 16);
    snapshot_fini(&s);
    history_free(h);
}

static void test_ages(void **state)
{
    (void)state;
    struct history *h = history_new(8);
    struct snapshot s = {0};
    make(&s, "T==L.h..", 0);
    history_push(h, &s);
    assert_null(history_previous(h));
    const uint16_t *age = history_age(h, 0);
    assert_int_equal(age[0], 1);
    assert_int_equal(age[2], 1);
    assert_int_equal(age[4], 0);
    /* T stays, L is replaced by a D, h is freed, a new S appears */
    make(&s, "T==D.S..", 1);
    history_push(h, &s);
    assert_non_null(history_previous(h));
    age = history_age(h, 0);
    assert_int_equal(age[0], 2);
    assert_int_equal(age[1], 2); /* tails carry their head's age */
    assert_int_equal(age[3], 1);
    assert_int_equal(age[5], 1);
    make(&s, "T==D.S..", 2);
    history_push(h, &s);
    age = history_age(h, 0);
    assert_int_equal(age[0], 3);
    assert_int_equal(age[3], 2);
    /* after a gap the heap may be fresh: ages restart */
    history_gap(h);
    history_push(h, &s);
    assert_null(history_previous(h));
    assert_int_equal(history_age(h, 0)[0], 1);
    assert_null(history_age(h, 1));
    snapshot_fini(&s);
    history_free(h);
}

static void test_incomplete_has_no_largest(void **state)
{
    (void)state;
    struct history *h = history_new(4);
    struct snapshot s = {0};
    make(&s, "h...", 0);
    s.complete = false;
    history_push(h, &s);
    assert_int_equal(history_at(h, 0)->largest_free, UINT64_MAX);
    assert_true(history_at(h, 0)->frag < 0);
    history_clear(h);
    assert_int_equal(history_len(h), 0);
    assert_null(history_current(h));
    snapshot_fini(&s);
    history_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ring_and_gap),
        cmocka_unit_test(test_ages),
        cmocka_unit_test(test_incomplete_has_no_largest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
