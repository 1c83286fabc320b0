/* SPDX-License-Identifier: MIT */
/* test_json_text.c - the snapshot text the streamed export writes is byte
 * for byte what cJSON prints for the same object: held against the pretty
 * export (export_snapshot_file(), a cJSON tree) with its layout removed,
 * on real dumps given odd labels, times, numbers and flags. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "export_json.h"
#include "json_text.h"
#include "memparse.h"
#include "refwalk.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIXDIR "tests/fixtures/meminfo/"

/* cJSON_Print()'s layout (newlines, tabs, ", " in arrays) taken out:
 * whitespace outside strings. What is left is cJSON_PrintUnformatted(). */
static char *minify(const char *in)
{
    char *out = xmalloc(strlen(in) + 1), *o = out;
    bool str = false;
    for (const char *p = in; *p; p++) {
        if (str && *p == '\\') {
            *o++ = *p++;
            *o++ = *p;
            continue;
        }
        if (*p == '"')
            str = !str;
        if (str || (*p != '\n' && *p != '\t' && *p != ' '))
            *o++ = *p;
    }
    *o = '\0';
    return out;
}

/* What cJSON prints for s, unformatted. */
static char *cjson_text(const struct snapshot *s, bool with_map)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(export_snapshot_file(f, s, with_map), HW_OK);
    fclose(f);
    char *text = minify(buf);
    free(buf);
    size_t n = strlen(text);
    if (n && text[n - 1] == '\n')
        text[n - 1] = '\0';
    return text;
}

static void assert_same_text(const struct snapshot *s, bool with_map)
{
    struct json_text b = {0};
    json_text_snapshot(&b, s, with_map, NULL);
    char *want = cjson_text(s, with_map);
    if (b.n != strlen(want) || memcmp(b.p, want, b.n) != 0) {
        size_t i = 0;
        while (i < b.n && b.p[i] == want[i])
            i++;
        fail_msg("differs at byte %zu:\n got  %.*s\n want %.80s", i,
                 (int)(b.n - i < 80 ? b.n - i : 80), b.p + i, want + i);
    }
    free(want);
    json_text_fini(&b);
}

struct got {
    struct snapshot s[64];
    int n;
};

static void collect(const struct snapshot *s, void *ctx)
{
    struct got *g = ctx;
    if (g->n == 64)
        return;
    memset(&g->s[g->n], 0, sizeof(g->s[0]));
    snapshot_copy(&g->s[g->n++], s);
}

static void parse_file(struct got *g, const char *name)
{
    char path[256];
    snprintf(path, sizeof(path), FIXDIR "%s", name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    struct memparse *mp = memparse_new(collect, g);
    memparse_feed(mp, buf, n);
    memparse_flush(mp);
    memparse_free(mp);
}

static const char *const files[] = {
    "esp32_v1.21-preview_1.txt",
    "esp32_v1.23plus_3.txt",
    "rp2_unknown-2025_1.txt",
    "stm32_v1.6_1.txt",
    "trezor_unknown-2025-03_1.txt",
    "unix_unknown-2024-09_2.txt",
    "unix_v1.29.0-preview-splitheap-generated_1.txt",
    "unix_v1.8-generated_1.txt",
};

/* Every dump of the fixtures as it was read. */
static void test_fixtures(void **state)
{
    (void)state;
    for (size_t f = 0; f < ARRAY_LEN(files); f++) {
        struct got g = {.n = 0};
        parse_file(&g, files[f]);
        assert_true(g.n > 0);
        for (int i = 0; i < g.n; i++) {
            assert_same_text(&g.s[i], false);
            assert_same_text(&g.s[i], true);
            snapshot_fini(&g.s[i]);
        }
    }
}

static double random_double(uint64_t *st)
{
    static const double odd[] = {0.0,
                                 -0.0,
                                 1.0,
                                 -1.0,
                                 0.5,
                                 0.00049,
                                 0.0005,
                                 0.9999,
                                 0.99995,
                                 45828.774,
                                 86399.9995,
                                 2147483647.0,
                                 2147483648.0,
                                 1e12,
                                 999999999999.9996,
                                 1e15,
                                 1e16,
                                 1e300,
                                 -45828.7745,
                                 (double)NAN,
                                 (double)INFINITY,
                                 -(double)INFINITY,
                                 1.0 / 3,
                                 2.0 / 3,
                                 5e-324};
    switch (ref_below(st, 4)) {
    case 0:
        return odd[ref_below(st, ARRAY_LEN(odd))];
    case 1:
        return (double)ref_rand(st) / 4294967296.0;
    case 2:
        return (double)ref_rand(st) * (double)ref_rand(st) / 1000.0;
    default:
        return ldexp((double)ref_rand(st) - 2147483648.0, (int)ref_below(st, 120) - 60);
    }
}

static uint64_t random_u64(uint64_t *st)
{
    switch (ref_below(st, 4)) {
    case 0:
        return ref_below(st, 10);
    case 1:
        return ref_rand(st);
    case 2:
        return UINT64_MAX - ref_below(st, 3);
    default:
        return (uint64_t)ref_rand(st) << 32 | ref_rand(st);
    }
}

/* A label of any bytes: quotes, backslashes, control characters, valid
 * and broken UTF-8. */
static void random_label(uint64_t *st, char *label, size_t cap)
{
    static const char *const bits[] = {
        "\"",    "\\",       "\n",   "\t",           "\x01",
        "\x1f",  "\x7f",     "é",    "\xe2\x82\xac", "\xf0\x9f\x98\x80",
        "\xc3",  "\xc0\xaf", "\xff", "a b",          "*** x ***",
        "\b\f\r"};
    size_t n = 0, parts = ref_below(st, 8);
    for (size_t i = 0; i < parts; i++) {
        const char *b = bits[ref_below(st, ARRAY_LEN(bits))];
        if (n + strlen(b) + 1 > cap)
            break;
        memcpy(label + n, b, strlen(b));
        n += strlen(b);
    }
    label[n] = '\0';
}

/* The fixtures' dumps with their fields set at random. */
static void test_random_fields(void **state)
{
    (void)state;
    uint64_t st = 0x853c49e6748fea9bull;
    struct got g = {.n = 0};
    parse_file(&g, "esp32_v1.23plus_3.txt");
    parse_file(&g, "unix_v1.8-generated_1.txt");
    parse_file(&g, "stm32_v1.6_1.txt");
    for (int iter = 0; iter < 3000; iter++) {
        struct snapshot s = {0};
        snapshot_copy(&s, &g.s[ref_below(&st, (size_t)g.n)]);
        s.seq = (long)ref_below(&st, 100000);
        s.line = (long)ref_rand(&st);
        s.has_time = ref_below(&st, 4) != 0;
        s.time = random_double(&st);
        random_label(&st, s.label, sizeof(s.label));
        s.has_mem = ref_below(&st, 2);
        s.mem_total = random_u64(&st);
        s.has_stack = ref_below(&st, 2);
        s.has_stack_limit = ref_below(&st, 2);
        s.stack_limit = random_u64(&st);
        s.has_gc = ref_below(&st, 2);
        s.gc_free = random_u64(&st);
        s.has_max_new_split = ref_below(&st, 2);
        s.has_reported = ref_below(&st, 2);
        s.has_max_free = ref_below(&st, 2);
        s.block_size = ref_below(&st, 3) ? 16 : 0;
        s.complete = ref_below(&st, 2);
        s.consistent = (int)ref_below(&st, 3) - 1;
        s.problems = ref_rand(&st) & ((1u << SNAP_N_PROBLEMS) - 1);
        s.mismatches = ref_rand(&st) & ((1u << SNAP_N_CHECKS) - 1);
        if (s.has_metrics) {
            s.metrics.fragmentation = ref_below(&st, 2) ? random_double(&st) : 0.0;
            s.metrics.largest_free_bytes = random_u64(&st);
            s.metrics.free_hist[ref_below(&st, SNAP_HIST_BUCKETS)] = random_u64(&st);
        }
        if (s.n_areas)
            random_label(&st, s.areas[0].base, sizeof(s.areas[0].base));
        assert_same_text(&s, ref_below(&st, 4) == 0);
        snapshot_fini(&s);
    }
    for (int i = 0; i < g.n; i++)
        snapshot_fini(&g.s[i]);
}

/* Integers of every length, either side of each power of ten. */
static void test_integers(void **state)
{
    (void)state;
    struct got g = {.n = 0};
    parse_file(&g, "unix_unknown-2024-09_2.txt");
    uint64_t p = 1;
    for (int k = 0; k < 20; k++, p *= 10) {
        const uint64_t vs[] = {p - 1, p, p + 1, p * 2 - 1, p + p / 2};
        for (size_t i = 0; i < ARRAY_LEN(vs); i++) {
            struct snapshot s = {0};
            snapshot_copy(&s, &g.s[0]);
            s.gc_total = s.mem_peak = s.stack_used = vs[i];
            s.metrics.free_hist[3] = s.metrics.heads[2] = (size_t)vs[i];
            s.line = (long)(vs[i] >> 1);
            assert_same_text(&s, false);
            snapshot_fini(&s);
        }
    }
    for (int i = 0; i < g.n; i++)
        snapshot_fini(&g.s[i]);
}

/* Numbers as cJSON 1.7.15 prints them (cJSON_PrintUnformatted() of
 * cJSON_CreateNumber(x), recorded). */
static void test_numbers(void **state)
{
    (void)state;
    static const struct {
        double x;
        const char *text;
    } cases[] = {
        {-0.0, "-0"},
        {0.0, "0"},
        {1.0, "1"},
        {-1.0, "-1"},
        {2147483647.0, "2147483647"},
        {2147483648.0, "2147483648"},
        {-2147483649.0, "-2147483649"},
        {1e15, "1e+15"},
        {1e16, "1e+16"},
        {123456789012.345, "123456789012.345"},
        {0.1, "0.1"},
        {0.0001, "0.0001"},
        {0.00001, "1e-05"},
        {1e21, "1e+21"},
        {3.0e9, "3000000000"},
        {0.5, "0.5"},
        {(double)NAN, "null"},
        {(double)INFINITY, "null"},
        {1.0 / 3, "0.33333333333333331"},
        {45828.774, "45828.774"},
        {99999999999999.9, "99999999999999.9"},
        {999999999999999.0, "999999999999999"},
    };
    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        char out[32];
        size_t n = json_text_number(out, cases[i].x);
        out[n] = '\0';
        assert_string_equal(out, cases[i].text);
    }
}

/* The streamed sink writes the same text, with "probe_bytes" when a
 * probe was measured, and the document reads as JSON. */
static void test_sink(void **state)
{
    (void)state;
    char path[] = "/tmp/heapwatch-test-json-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct got g = {.n = 0};
    parse_file(&g, "unix_unknown-2024-09_2.txt");
    struct sink *sk;
    assert_int_equal(export_json_open(path, false, false, &sk, NULL), HW_OK);
    struct hw_probe probe = {.code = "x", .measured = true, .bytes = 3000000000L, .allocated = -1};
    struct hw_item it = {.kind = HW_ITEM_PROBE, .probe = &probe};
    struct hw_err err = {0};
    assert_int_equal(sk->ops->item(sk, &it, &err), HW_OK);
    for (int i = 0; i < g.n; i++) {
        it = (struct hw_item){.kind = HW_ITEM_SNAPSHOT, .snap = &g.s[i]};
        assert_int_equal(sk->ops->item(sk, &it, &err), HW_OK);
    }
    assert_int_equal(sk->ops->close(sk, &err), HW_OK);
    FILE *f = fopen(path, "r");
    char line[65536];
    int found = 0;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "{\"seq\":", 7) != 0)
            continue;
        char *end = strrchr(line, '}');
        assert_non_null(end);
        end[1] = '\0';
        struct json_text b = {0};
        long bytes = probe.bytes;
        json_text_snapshot(&b, &g.s[found], false, &bytes);
        json_text_append(&b, "", 1);
        assert_string_equal(line, b.p);
        assert_non_null(strstr(line, ",\"probe_bytes\":3000000000}"));
        json_text_fini(&b);
        found++;
    }
    fclose(f);
    unlink(path);
    assert_int_equal(found, g.n);
    for (int i = 0; i < g.n; i++)
        snapshot_fini(&g.s[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures), cmocka_unit_test(test_random_fields),
        cmocka_unit_test(test_integers), cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_sink),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
