/* SPDX-License-Identifier: MIT */
/* test_history.c - the trend ring, gaps, the whole-session overview,
 * previous snapshot and block ages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "history.h"
#include "trend.h"
#include "metrics.h"

#include <stdint.h>
#include <stdlib.h>
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

/* A point of a random walk: used wanders, free is what is left of 64K,
 * and every 97th figure is unknown. */
static struct hist_point walk(unsigned *seed, long i)
{
    static uint64_t used = 32768;
    if (i == 0)
        used = 32768;
    *seed = *seed * 1103515245u + 12345u;
    used = used + (*seed >> 16) % 513 - 256;
    used = used > 60000 ? 60000 : used < 1000 ? 1000 : used;
    struct hist_point p = {
        .time = 100 + 0.5 * (double)i,
        .used = i % 97 == 5 ? UINT64_MAX : used,
        .free = i % 97 == 5 ? UINT64_MAX : 65536 - used,
        .largest_free = (65536 - used) / 2,
        .frag = i % 89 == 7 ? -1 : (double)(*seed >> 20 & 1023) / 1024.0,
        .allocations = (size_t)(used / 64),
        .complete = true,
        .consistent = true,
    };
    return p;
}

/* Figure f of a point as the overview keeps it; false where unknown. */
static bool figure(const struct hist_point *p, int f, double *v)
{
    const uint64_t bytes[3] = {p->used, p->free, p->largest_free};
    *v = f == TREND_FRAG ? p->frag : (double)bytes[f];
    return f == TREND_FRAG ? p->frag >= 0 : bytes[f] != UINT64_MAX;
}

/* Every bucket the overview holds covers exactly its run of samples and
 * keeps the lowest and highest of each figure, recomputed here from the
 * samples themselves; the extremes over the buckets are the session's;
 * memory stays at HISTORY_OVERVIEW buckets however long. */
static void check_overview(long n)
{
    struct history *h = history_new(64);
    struct hist_point *all = malloc((size_t)n * sizeof(*all));
    unsigned seed = 7;
    for (long i = 0; i < n; i++) {
        all[i] = walk(&seed, i);
        if (i == n / 3) {
            all[i].free = 17; /* one dip, long gone from the ring */
            history_gap(h);
        }
        history_push_point(h, &all[i]);
    }
    const struct trend *ov = history_overview(h);
    size_t len = ov->n;
    long span = ov->per;
    assert_int_equal(ov->samples, n);
    assert_true(len >= 1 && len <= HISTORY_OVERVIEW);
    assert_true(len > HISTORY_OVERVIEW / 2 || span == 1);
    assert_int_equal(ov->b[0].first, 0);
    assert_int_equal(ov->b[len - 1].last, n - 1); /* the runs cover every sample */
    double lo[TREND_N], hi[TREND_N], all_lo[TREND_N], all_hi[TREND_N];
    bool seen[TREND_N] = {0}, all_seen[TREND_N] = {0};
    for (size_t b = 0; b < len; b++) {
        const struct trend_bucket *bk = &ov->b[b];
        long from = bk->first, to = bk->last + 1;
        if (b > 0)
            assert_int_equal(from, ov->b[b - 1].last + 1);
        assert_true(to - from == span || (b == len - 1 && to - from < span));
        unsigned known = 0;
        bool gap = false;
        for (long i = from; i < to; i++) {
            for (int f = 0; f < TREND_N; f++) {
                double v;
                if (!figure(&all[i], f, &v))
                    continue;
                if (!(known & (1u << f)) || v < lo[f])
                    lo[f] = v;
                if (!(known & (1u << f)) || v > hi[f])
                    hi[f] = v;
                known |= 1u << f;
            }
            gap = gap || (i == n / 3 && i > 0);
        }
        assert_int_equal(bk->known, known);
        for (int f = 0; f < TREND_N; f++) {
            if (!(known & (1u << f)))
                continue;
            assert_true(bk->min[f] == lo[f]);
            assert_true(bk->max[f] == hi[f]);
            all_lo[f] = all_seen[f] && all_lo[f] < bk->min[f] ? all_lo[f] : bk->min[f];
            all_hi[f] = all_seen[f] && all_hi[f] > bk->max[f] ? all_hi[f] : bk->max[f];
            all_seen[f] = true;
        }
        assert_true(bk->has_time);
        assert_true(bk->t0 == all[from].time);
        assert_true(bk->t1 == all[to - 1].time);
        assert_int_equal((bk->marks & TREND_MARK_GAP) != 0, gap);
    }
    /* the extremes over the buckets are those over every sample */
    for (long i = 0; i < n; i++) {
        for (int f = 0; f < TREND_N; f++) {
            double v;
            if (!figure(&all[i], f, &v))
                continue;
            lo[f] = seen[f] && lo[f] < v ? lo[f] : v;
            hi[f] = seen[f] && hi[f] > v ? hi[f] : v;
            seen[f] = true;
        }
    }
    for (int f = 0; f < TREND_N; f++) {
        assert_int_equal(all_seen[f], seen[f]);
        if (!seen[f])
            continue;
        assert_true(all_lo[f] == lo[f]);
        assert_true(all_hi[f] == hi[f]);
    }
    assert_true(all_lo[TREND_FREE] == 17);
    assert_true(ov->b[0].t0 == 100.0);
    assert_true(all_lo[TREND_FRAG] >= 0 && all_hi[TREND_FRAG] < 1);
    history_clear(h);
    assert_int_equal(history_overview(h)->n, 0);
    assert_int_equal(history_overview(h)->samples, 0);
    free(all);
    history_free(h);
}

static void test_overview(void **state)
{
    (void)state;
    check_overview(1);
    check_overview(HISTORY_OVERVIEW / 2); /* under HISTORY_OVERVIEW: a bucket each */
    check_overview(HISTORY_OVERVIEW);
    check_overview(HISTORY_OVERVIEW + 1); /* the first merge */
    check_overview(1000);
    check_overview(100000);
    check_overview(1000000); /* a session of days at 1 Hz... in a few ms */
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
        cmocka_unit_test(test_overview),
        cmocka_unit_test(test_ages),
        cmocka_unit_test(test_incomplete_has_no_largest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
