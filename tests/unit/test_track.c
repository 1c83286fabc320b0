/* SPDX-License-Identifier: MIT */
/* test_track.c - the figures for dashboards (track.c) and the verdict's
 * CI limits (verdict.c): escaping of names that are any bytes, unique
 * source labels, per-area figures, the cap on GitHub annotations. The
 * e2e suite (tests/e2e/track.sh) reads the files back with real parsers;
 * these pin the edge cases a fixture does not have. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "check.h"
#include "judge.h"
#include "metrics.h"
#include "snapshot.h"
#include "track.h"
#include "verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct check parse_ok(const char *text)
{
    struct check c;
    char msg[256];
    assert_int_equal(check_parse(text, &c, msg, sizeof(msg)), HW_OK);
    return c;
}

/* One source of n dumps, free = 100000 - used[i]. */
static void feed(struct judge *j, const char *name, const double *used, size_t n)
{
    struct sink *sk = judge_sink(j);
    struct hw_item b = {.kind = HW_ITEM_BEGIN, .name = name};
    sk->ops->item(sk, &b, NULL);
    struct snapshot s = {0};
    for (size_t i = 0; i < n; i++) {
        snapshot_clear(&s);
        s.seq = (long)i;
        s.has_gc = true;
        s.gc_total = 100000;
        s.gc_used = (uint64_t)used[i];
        s.gc_free = s.gc_total - s.gc_used;
        s.complete = true;
        struct hw_item it = {.kind = HW_ITEM_SNAPSHOT, .snap = &s};
        sk->ops->item(sk, &it, NULL);
    }
    struct hw_item e = {.kind = HW_ITEM_END, .name = name};
    sk->ops->item(sk, &e, NULL);
    snapshot_fini(&s);
}

/* The whole of a file, NUL-terminated; caller frees. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strdup(buf);
}

static void tmp_path(char *buf, size_t cap, const char *what)
{
    snprintf(buf, cap, "/tmp/heapwatch-test-track-%ld-%s", (long)getpid(), what);
}

static void test_openmetrics_escapes_and_labels(void **state)
{
    (void)state;
    struct check c = parse_ok("min_free>90000");
    struct judge *j = judge_new(&c, 1, false);
    const double used[] = {5000, 12000};
    /* a file name is any bytes: a quote, a backslash, a newline */
    feed(j, "a\"b\\c\nd.log", used, 2);
    feed(j, "a\"b\\c\nd.log", used, 1);
    char path[128];
    tmp_path(path, sizeof(path), "om");
    struct hw_err err = {0};
    assert_int_equal(track_openmetrics(j, path, &err), HW_OK);
    char *t = slurp(path);
    assert_non_null(strstr(t, "heapwatch_dumps{source=\"a\\\"b\\\\c\\nd.log\"} 2\n"));
    /* the same name again is another source, labelled apart */
    assert_non_null(strstr(t, "heapwatch_dumps{source=\"a\\\"b\\\\c\\nd.log #2\"} 1\n"));
    assert_non_null(strstr(
        t, "heapwatch_min_free_bytes{source=\"a\\\"b\\\\c\\nd.log\",area=\"heap\"} 88000\n"));
    assert_non_null(strstr(
        t, "heapwatch_check_passed{source=\"a\\\"b\\\\c\\nd.log\",check=\"min_free>90000\"} 0\n"));
    assert_non_null(strstr(
        t,
        "heapwatch_check_passed{source=\"a\\\"b\\\\c\\nd.log #2\",check=\"min_free>90000\"} 1\n"));
    /* gc figures only: no map, so no largest free run and no fragmentation samples */
    assert_null(strstr(t, "heapwatch_min_largest_free_bytes{"));
    assert_null(strstr(t, "heapwatch_max_fragmentation_ratio{"));
    size_t n = strlen(t);
    assert_true(n > 6 && !strcmp(t + n - 6, "# EOF\n"));
    free(t);
    unlink(path);
    judge_free(j);
}

static void test_bench_json(void **state)
{
    (void)state;
    struct judge *j = judge_new(NULL, 0, false);
    const double used[] = {5000, 12000, 7000};
    feed(j, "tab\there \"q\"", used, 3);
    char path[128];
    tmp_path(path, sizeof(path), "bench");
    struct hw_err err = {0};
    assert_int_equal(track_bench(j, path, true, &err), HW_OK);
    char *t = slurp(path);
    assert_string_equal(t, "[\n  {\"name\":\"tab\\there \\\"q\\\": min free\",\"unit\":\"bytes\","
                           "\"value\":88000,\"extra\":\"3 dumps, 0 incomplete\"}\n]\n");
    free(t);
    assert_int_equal(track_bench(j, path, false, &err), HW_OK);
    t = slurp(path);
    assert_non_null(strstr(
        t, "\"name\":\"tab\\there \\\"q\\\": peak used\",\"unit\":\"bytes\",\"value\":12000"));
    /* three dumps are too few for a leak rate: none is made up */
    assert_null(strstr(t, ": leak\""));
    free(t);
    unlink(path);
    /* no source at all: an empty array, still valid JSON */
    judge_free(j);
    j = judge_new(NULL, 0, false);
    assert_int_equal(track_bench(j, path, false, &err), HW_OK);
    t = slurp(path);
    assert_string_equal(t, "[]\n");
    free(t);
    unlink(path);
    /* a file that cannot be created is an error with its name */
    assert_int_not_equal(track_bench(j, "/nonexistent-dir/x.json", false, &err), HW_OK);
    assert_non_null(strstr(err.msg, "/nonexistent-dir/x.json"));
    judge_free(j);
}

/* Areas of a heap of several: each its own lowest free, told apart by base. */
static void test_judge_areas(void **state)
{
    (void)state;
    struct judge *j = judge_new(NULL, 0, false);
    struct sink *sk = judge_sink(j);
    struct hw_item b = {.kind = HW_ITEM_BEGIN, .name = "esp32"};
    sk->ops->item(sk, &b, NULL);
    struct snapshot s = {0};
    const char *maps[2][2] = {{"BB..", "...."}, {"B...", "BBB."}};
    for (int d = 0; d < 2; d++) {
        snapshot_clear(&s);
        s.seq = d;
        s.block_size = 16;
        s.has_map = true;
        for (int a = 0; a < 2; a++) {
            struct area *ar = snapshot_add_area(&s, a ? "3ffe0000" : "3ffb0000", 8);
            area_reserve(ar, 4);
            memcpy(ar->map, maps[d][a], 4);
            ar->n_blocks = 4;
        }
        metrics_compute(&s);
        s.complete = true;
        struct hw_item it = {.kind = HW_ITEM_SNAPSHOT, .snap = &s};
        sk->ops->item(sk, &it, NULL);
    }
    snapshot_fini(&s);
    const struct judge_area *ar;
    assert_int_equal(judge_areas(j, 0, &ar), 2);
    assert_string_equal(ar[0].base, "3ffb0000");
    assert_int_equal(ar[0].min_free, 2 * 16); /* "BB.." */
    assert_int_equal(ar[1].min_free, 1 * 16); /* "BBB." */
    assert_int_equal(ar[1].min_largest_free, 16);
    judge_free(j);
}

/* More than 10 failures: 9 annotations, then one naming the rest. */
static void test_annotations_capped(void **state)
{
    (void)state;
    struct check c[3] = {parse_ok("min_free>99K"), parse_ok("peak_used<1"), parse_ok("samples>9")};
    struct judge *j = judge_new(c, 3, false);
    const double used[] = {5000};
    char name[16];
    for (int i = 0; i < 5; i++) {
        snprintf(name, sizeof(name), "f%d", i);
        feed(j, name, used, 1);
    }
    assert_int_equal(judge_failures(j), 15);
    char path[128];
    tmp_path(path, sizeof(path), "gh");
    FILE *f = fopen(path, "w");
    verdict_annotate(j, f);
    fclose(f);
    char *t = slurp(path);
    int lines = 0, own = 0;
    for (char *p = t; (p = strstr(p, "::error ")); p++, lines++)
        own += !strncmp(p, "::error file=", 13);
    assert_int_equal(lines, 10);
    assert_int_equal(own, 9);
    char *last = strstr(t, "::error title=heapwatch checks::6 more checks failed: ");
    assert_non_null(last);
    assert_non_null(strstr(last, "samples>9 (f4)\n"));
    free(t);
    unlink(path);
    judge_free(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_openmetrics_escapes_and_labels),
        cmocka_unit_test(test_bench_json),
        cmocka_unit_test(test_judge_areas),
        cmocka_unit_test(test_annotations_capped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
