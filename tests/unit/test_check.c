/* SPDX-License-Identifier: MIT */
/* test_check.c - check expressions, the leak fit, its suspects, and the
 * judge that applies checks to a stream. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "check.h"
#include "hw.h"
#include "judge.h"
#include "leak.h"
#include "metrics.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- expressions ---- */

static struct check parse_ok(const char *text)
{
    struct check c;
    char msg[256];
    int rc = check_parse(text, &c, msg, sizeof(msg));
    if (rc != HW_OK)
        fail_msg("'%s' did not parse: %s", text, msg);
    return c;
}

static void test_parse_valid(void **state)
{
    (void)state;
    struct check c = parse_ok("min_free>20K");
    assert_int_equal(c.metric, CM_MIN_FREE);
    assert_int_equal(c.op, CO_GT);
    assert_true(c.bound == 20 * 1024);
    c = parse_ok(" peak_used <= 1.5M ");
    assert_int_equal(c.op, CO_LE);
    assert_true(c.bound == 1.5 * 1024 * 1024);
    assert_string_equal(c.expr, "peak_used<=1.5M");
    c = parse_ok("fragmentation<50%");
    assert_true(fabs(c.bound - 0.5) < 1e-12);
    c = parse_ok("fragmentation>=0.25");
    assert_true(c.bound == 0.25);
    c = parse_ok("leak<100/min");
    assert_int_equal(c.rate, CR_MIN);
    assert_true(c.bound == 100);
    c = parse_ok("leak<=1K/sample");
    assert_int_equal(c.rate, CR_SAMPLE);
    assert_true(c.bound == 1024);
    c = parse_ok("samples==10");
    assert_int_equal(c.op, CO_EQ);
    c = parse_ok("delta.peak_used<=2K");
    assert_true(c.delta);
    assert_int_equal(c.metric, CM_PEAK_USED);
    c = parse_ok("largest_free>=8KB");
    assert_true(c.bound == 8192);
}

static void parse_bad(const char *text, const char *want)
{
    struct check c;
    char msg[256] = "";
    assert_int_equal(check_parse(text, &c, msg, sizeof(msg)), HW_EARG);
    if (!strstr(msg, want))
        fail_msg("'%s': message '%s' does not say '%s'", text, msg, want);
}

static void test_parse_invalid(void **state)
{
    (void)state;
    parse_bad("min_fre>1", "unknown metric 'min_fre'");
    parse_bad("delta.fre>1", "unknown metric 'delta.fre' (delta. then one of: min_free,");
    parse_bad("min_fre>1", "min_free, peak_used");
    parse_bad("min_free>1%", "unknown unit '%'");
    parse_bad("min_free>1X", "K or M");
    parse_bad("fragmentation<5K", "unknown unit 'K'");
    parse_bad("samples>3K", "a count");
    parse_bad("leak<100", "/min or /sample");
    parse_bad("leak<100/hour", "/min or /sample");
    parse_bad("min_free=1", "comparison");
    parse_bad("min_free!1", "comparison");
    parse_bad("min_free>", "no number");
    parse_bad("min_free>abc", "no number");
    parse_bad("", "no metric");
    parse_bad(">5", "no metric");
    parse_bad("min_free>1e999", "no number");
    /* found by fuzz_check: finite until the unit multiplies it */
    parse_bad("largest_free >1e305M", "too large");
}

static void test_holds_and_format(void **state)
{
    (void)state;
    struct check c = parse_ok("min_free>20K");
    assert_true(check_holds(&c, 20 * 1024 + 1));
    assert_false(check_holds(&c, 20 * 1024));
    c = parse_ok("min_free>=20K");
    assert_true(check_holds(&c, 20 * 1024));
    c = parse_ok("peak_used<1K");
    assert_false(check_holds(&c, 1024));
    c = parse_ok("samples==3");
    assert_true(check_holds(&c, 3));
    assert_false(check_holds(&c, 4));
    char buf[64];
    c = parse_ok("fragmentation<50%");
    assert_string_equal(check_format(&c, 0.078, buf, sizeof(buf)), "7.8%");
    c = parse_ok("min_free>1K");
    assert_string_equal(check_format(&c, 12595, buf, sizeof(buf)), "12.3K");
    c = parse_ok("delta.peak_used<1K");
    assert_string_equal(check_format(&c, -2048, buf, sizeof(buf)), "-2.00K");
    c = parse_ok("leak<1/sample");
    assert_string_equal(check_format(&c, 312, buf, sizeof(buf)), "312B/sample");
}

/* ---- the leak fit ---- */

static void used_at(struct snapshot *s, long seq, double t, double used)
{
    snapshot_clear(s);
    s->seq = seq;
    s->has_time = true;
    s->time = t;
    s->has_gc = true;
    s->gc_total = 100000;
    s->gc_used = (uint64_t)used;
    s->gc_free = s->gc_total - s->gc_used;
    s->complete = true;
}

/* A sawtooth: used climbs 100 B a sample for 10 samples, then a
 * collection takes it back to base + growth * cycle. One sample a
 * second. */
static void sawtooth(struct leak *l, double growth_per_cycle, int cycles, long *seq, double base)
{
    struct snapshot s = {0};
    for (int c = 0; c < cycles; c++) {
        for (int k = 0; k < 10; k++, (*seq)++) {
            double noise = ((*seq * 7919) % 13) - 6; /* a few bytes either way */
            used_at(&s, *seq, (double)*seq, base + growth_per_cycle * c + 100.0 * k + noise);
            leak_add(l, &s);
        }
    }
    snapshot_fini(&s);
}

static void test_leak_grows(void **state)
{
    (void)state;
    struct leak l;
    leak_init(&l);
    long seq = 0;
    sawtooth(&l, 50, 14, &seq, 5000); /* 50 B per 10 s cycle = 300 B/min */
    struct leak_verdict v;
    leak_result(&l, &v);
    assert_int_equal(v.state, LEAK_GROWS);
    assert_int_equal(v.points, 13); /* the low after each fall; the first cycle has none */
    assert_true(v.has_per_min);
    if (fabs(v.per_min - 300) > 20)
        fail_msg("slope %.1f B/min, want about 300", v.per_min);
    assert_true(v.per_min_ci > 0 && v.per_min_ci < 30);
    assert_true(fabs(v.per_sample - 5) < 0.4);
    assert_true(fabs(leak_rate(&v, false) - v.per_min) < 1e-9);
    char buf[160];
    leak_describe(&v, false, buf, sizeof(buf));
    assert_non_null(strstr(buf, "leaks "));
    assert_non_null(strstr(buf, "B/min (over 13 collections)"));
}

static void test_leak_steady(void **state)
{
    (void)state;
    struct leak l;
    leak_init(&l);
    long seq = 0;
    sawtooth(&l, 0, 14, &seq, 5000);
    struct leak_verdict v;
    leak_result(&l, &v);
    assert_int_equal(v.state, LEAK_NONE);
    assert_true(leak_rate(&v, false) == 0);
    assert_true(fabs(v.per_min) < v.per_min_ci + 1e-9);
    char buf[160];
    leak_describe(&v, false, buf, sizeof(buf));
    assert_non_null(strstr(buf, "no leak (slope "));
}

/* The probe's garbage makes used climb a little every sample between
 * collections; no collection, no point, no leak claimed. */
static void test_leak_no_collection(void **state)
{
    (void)state;
    struct leak l;
    leak_init(&l);
    struct snapshot s = {0};
    for (long i = 0; i < 50; i++) {
        used_at(&s, i, (double)i, 4000 + 144.0 * (double)i);
        leak_add(&l, &s);
    }
    struct leak_verdict v;
    leak_result(&l, &v);
    assert_int_equal(v.state, LEAK_UNKNOWN);
    assert_non_null(strstr(v.why, "too little data (0 collections; need 4)"));
    assert_true(leak_rate(&v, false) == 0);
    snapshot_fini(&s);
}

/* A reboot drops the heap to a fresh level: pooled per series, the
 * fall is not a "leak fixed", the growth in each series is still seen. */
static void test_leak_reset_is_new_series(void **state)
{
    (void)state;
    struct leak l;
    leak_init(&l);
    long seq = 0;
    sawtooth(&l, 50, 8, &seq, 20000);
    leak_reset(&l);
    sawtooth(&l, 50, 8, &seq, 3000);
    struct leak_verdict v;
    leak_result(&l, &v);
    assert_int_equal(v.series, 2);
    assert_int_equal(v.state, LEAK_GROWS);
    if (fabs(v.per_min - 300) > 30)
        fail_msg("slope %.1f B/min across a reset, want about 300", v.per_min);
}

static void test_leak_gc_samples(void **state)
{
    (void)state;
    struct leak l;
    leak_init(&l);
    leak_set_gc_samples(&l, true);
    struct snapshot s = {0};
    for (long i = 0; i < 3; i++) {
        used_at(&s, i, (double)i * 60, 4000 + 10.0 * (double)i);
        leak_add(&l, &s);
    }
    struct leak_verdict v;
    leak_result(&l, &v);
    assert_int_equal(v.state, LEAK_UNKNOWN); /* 3 points: too few */
    assert_non_null(strstr(v.why, "3 samples after gc.collect()"));
    for (long i = 3; i < 20; i++) {
        used_at(&s, i, (double)i * 60, 4000 + 10.0 * (double)i + (double)(i % 3));
        leak_add(&l, &s);
    }
    leak_result(&l, &v);
    assert_int_equal(v.points, 20);
    assert_int_equal(v.state, LEAK_GROWS);
    assert_true(fabs(v.per_min - 10) < 1);
    assert_true(fabs(leak_rate(&v, true) - 10) < 1);
    snapshot_fini(&s);
}

/* ---- suspects ---- */

static void map_at(struct snapshot *s, long seq, const char *map)
{
    snapshot_clear(s);
    s->seq = seq;
    s->has_time = true;
    s->time = (double)seq * 2;
    s->has_map = true;
    s->complete = true;
    s->block_size = 16;
    struct area *a = snapshot_add_area(s, "3000", 4);
    size_t n = strlen(map);
    area_reserve(a, n);
    memcpy(a->map, map, n);
    a->n_blocks = n;
    metrics_compute(s);
}

static void test_suspects(void **state)
{
    (void)state;
    /* B is there from the start (not a suspect); S appears in dump 1 and
     * stays; the h at block 8 comes and goes; L appears in dump 2 and
     * stays, D in dump 4 (too young: seen in 2 dumps) */
    static const char *const maps[] = {
        "B=......h.......", "B=S=....h.......", "B=S=L...........",
        "B=S=L...h=......", "B=S=L.D.........", "B=S=L.D.h.......",
    };
    struct suspects *sp = suspects_new();
    struct snapshot s = {0};
    for (long i = 0; i < 6; i++) {
        map_at(&s, i, maps[i]);
        suspects_add(sp, &s);
    }
    struct leak_suspect out[8];
    uint64_t total;
    size_t n = suspects_list(sp, out, 8, &total);
    assert_int_equal(n, 2);
    assert_int_equal(total, 32 + 16);
    assert_int_equal(out[0].type, 'S');
    assert_int_equal(out[0].block, 2);
    assert_int_equal(out[0].blocks, 2);
    assert_int_equal(out[0].address, 0x3000 + 2 * 16);
    assert_int_equal(out[0].born_seq, 1);
    assert_int_equal(out[0].samples, 5);
    assert_true(fabs(out[0].age_s - 8) < 1e-3);
    assert_int_equal(out[1].type, 'L');
    assert_int_equal(out[1].born_seq, 2);
    /* an incomplete dump is not looked at; a reboot forgets everything */
    s.complete = false;
    suspects_add(sp, &s);
    assert_int_equal(suspects_list(sp, out, 8, &total), 2);
    suspects_reset(sp);
    assert_int_equal(suspects_list(sp, out, 8, &total), 0);
    /* another heap layout starts again */
    for (long i = 0; i < 6; i++) {
        map_at(&s, 10 + i, maps[i]);
        suspects_add(sp, &s);
    }
    map_at(&s, 20, "B=S=L.D.h.......x"); /* one block more: not the same heap */
    suspects_add(sp, &s);
    assert_int_equal(suspects_list(sp, out, 8, &total), 0);
    snapshot_fini(&s);
    suspects_free(sp);
}

/* ---- the judge ---- */

static void feed(struct judge *j, const char *name, const double *used, size_t n, long *seq)
{
    struct sink *sk = judge_sink(j);
    struct hw_item b = {.kind = HW_ITEM_BEGIN, .name = name};
    assert_int_equal(sk->ops->item(sk, &b, NULL), HW_OK);
    struct snapshot s = {0};
    for (size_t i = 0; i < n; i++, (*seq)++) {
        used_at(&s, *seq, (double)*seq, used[i]);
        s.line = 10 * (long)i + 1;
        struct hw_item it = {.kind = HW_ITEM_SNAPSHOT, .snap = &s};
        sk->ops->item(sk, &it, NULL);
    }
    struct hw_item e = {.kind = HW_ITEM_END, .name = name};
    sk->ops->item(sk, &e, NULL);
    snapshot_fini(&s);
}

static void test_judge_first_failing_dump(void **state)
{
    (void)state;
    struct check c[3] = {parse_ok("min_free>90000"), parse_ok("peak_used<=20000"),
                         parse_ok("samples>=5")};
    struct judge *j = judge_new(c, 3, false);
    long seq = 0;
    /* free = 100000 - used: falls under 90000 at the third dump */
    const double a[] = {5000, 8000, 12000, 9000, 15000};
    feed(j, "a.log", a, 5, &seq);
    const double b[] = {1000, 2000, 30000};
    feed(j, "b.log", b, 3, &seq);
    assert_int_equal(judge_sources(j), 2);
    assert_string_equal(judge_source_name(j, 1), "b.log");
    struct check_result r;
    judge_result(j, 0, 0, &r);
    assert_false(r.pass);
    assert_true(r.known);
    assert_true(r.value == 85000);
    assert_true(r.has_dump);
    assert_int_equal(r.dump.seq, 2);
    assert_int_equal(r.dump.line, 21);
    judge_result(j, 0, 1, &r);
    assert_true(r.pass);
    assert_false(r.has_dump);
    judge_result(j, 0, 2, &r);
    assert_true(r.pass);
    judge_result(j, 1, 1, &r);
    assert_false(r.pass);
    assert_int_equal(r.dump.seq, 7);
    judge_result(j, 1, 2, &r);
    assert_false(r.pass);
    assert_false(r.has_dump); /* too few samples fail nowhere in particular */
    assert_int_equal(judge_failures(j), 4);
    assert_true(judge_failed_early(j, &r));
    assert_string_equal(r.check->expr, "min_free>90000");
    judge_free(j);
}

/* A figure no dump had fails, and says so; a leak with too little data
 * fails, and says why. */
static void test_judge_unknown_fails(void **state)
{
    (void)state;
    struct check c[2] = {parse_ok("largest_free>1K"), parse_ok("leak<100/min")};
    struct judge *j = judge_new(c, 2, false);
    long seq = 0;
    const double a[] = {5000, 6000};
    feed(j, "a.log", a, 2, &seq);
    struct check_result r;
    judge_result(j, 0, 0, &r);
    assert_false(r.pass);
    assert_false(r.known);
    assert_non_null(strstr(r.value_text, "no dump had this figure"));
    judge_result(j, 0, 1, &r);
    assert_false(r.pass);
    assert_non_null(strstr(r.value_text, "too little data"));
    assert_false(judge_failed_early(j, &r)); /* neither is final */
    judge_free(j);
}

/* The probe that is sent says the samples follow gc.collect(). */
static void test_judge_gc_probe(void **state)
{
    (void)state;
    struct check c = parse_ok("leak<1/sample");
    struct judge *j = judge_new(&c, 1, false);
    struct sink *sk = judge_sink(j);
    struct hw_item b = {.kind = HW_ITEM_BEGIN, .name = "live"};
    sk->ops->item(sk, &b, NULL);
    struct hw_item ev = {
        .kind = HW_ITEM_EVENT, .event = "calibrate", .detail = "import gc;gc.collect();..."};
    sk->ops->item(sk, &ev, NULL);
    struct snapshot s = {0};
    for (long i = 0; i < 10; i++) {
        used_at(&s, i, (double)i, 4000 + 50.0 * (double)i + (double)(i % 2));
        struct hw_item it = {.kind = HW_ITEM_SNAPSHOT, .snap = &s};
        sk->ops->item(sk, &it, NULL);
    }
    struct check_result r;
    judge_result(j, 0, 0, &r);
    assert_false(r.pass);
    assert_true(fabs(r.value - 50) < 1);
    assert_non_null(strstr(r.value_text, "B/sample (over 10 collections)"));
    /* the next source (a raw log: no probe) is not taken as sampled after
     * gc.collect(): its climbing samples are no points */
    long seq = 10;
    const double climb[] = {4000, 4100, 4200, 4300, 4400, 4500};
    feed(j, "raw.log", climb, 6, &seq);
    struct leak_verdict v;
    judge_leak(j, 1, &v);
    assert_int_equal(v.points, 0);
    snapshot_fini(&s);
    judge_free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_valid),
        cmocka_unit_test(test_parse_invalid),
        cmocka_unit_test(test_holds_and_format),
        cmocka_unit_test(test_leak_grows),
        cmocka_unit_test(test_leak_steady),
        cmocka_unit_test(test_leak_no_collection),
        cmocka_unit_test(test_leak_reset_is_new_series),
        cmocka_unit_test(test_leak_gc_samples),
        cmocka_unit_test(test_suspects),
        cmocka_unit_test(test_judge_first_failing_dump),
        cmocka_unit_test(test_judge_unknown_fails),
        cmocka_unit_test(test_judge_gc_probe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
