/* SPDX-License-Identifier: MIT */
/* test_report.c - the HTML report's parts: escaping of what comes from the
 * files, trends that keep their minima and maxima however many samples
 * share a point, every cell heatmap.h gives drawn once (runs of like
 * cells one rect), a size bounded
 * whatever the heap or the capture, the advice thresholds, and the sink
 * keeping the right dumps. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "advice.h"
#include "html.h"
#include "metrics.h"
#include "report.h"
#include "report_html.h"
#include "stream.h"
#include "svg.h"
#include "trend.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- helpers ---- */

/* A complete snapshot of one area whose map is n blocks of pattern
 * repeated, 16-byte blocks, with its metrics. */
static void build(struct snapshot *s, long seq, const char *pattern, size_t n)
{
    memset(s, 0, sizeof(*s));
    snapshot_clear(s);
    s->seq = seq;
    s->has_map = true;
    s->complete = true;
    s->consistent = -1;
    s->block_size = 16;
    struct area *a = snapshot_add_area(s, "3ffc0000", 8);
    area_reserve(a, n);
    size_t plen = strlen(pattern);
    for (size_t i = 0; i < n; i++)
        a->map[i] = pattern[i % plen];
    a->n_blocks = n;
    metrics_compute(s);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0, len = strlen(needle);
    for (const char *p = strstr(hay, needle); p; p = strstr(p + len, needle))
        n++;
    return n;
}

/* ---- escaping ---- */

struct esc_case {
    const char *in;
    const char *want;
};

static const struct esc_case esc_cases[] = {
    {"plain.txt", "plain.txt"},
    {"<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"},
    {"a\"b'c&d", "a&quot;b&#39;c&amp;d"},
    {"x\" onload=\"y", "x&quot; onload=&quot;y"},
    /* control bytes and broken UTF-8 become U+FFFD; tab and newline stay */
    {"\x1b[31mred\x7f", "\xef\xbf\xbd[31mred\xef\xbf\xbd"},
    {"tab\tnl\n", "tab\tnl\n"},
    {"caf\xc3\xa9 \xe2\x89\xa4", "caf\xc3\xa9 \xe2\x89\xa4"}, /* valid UTF-8 kept */
    {"bad \xc3 \xff \xc0\xaf", "bad \xef\xbf\xbd \xef\xbf\xbd \xef\xbf\xbd\xef\xbf\xbd"},
    {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* a surrogate is no text */
};

static void test_escaping(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(esc_cases) / sizeof(esc_cases[0]); i++) {
        struct html_buf b;
        html_init(&b);
        html_text(&b, esc_cases[i].in);
        assert_string_equal(b.p, esc_cases[i].want);
        html_fini(&b);
    }
}

/* A name from the command line and a frame label from the file reach the
 * document escaped only. */
static void test_section_escapes_inputs(void **state)
{
    (void)state;
    struct snapshot s;
    build(&s, 0, "T=..h.", 600);
    snprintf(s.label, sizeof(s.label), "<img src=x onerror=alert(1)>");
    struct summary sum;
    summary_init(&sum);
    summary_add(&sum, &s);
    struct trend t;
    trend_init(&t, 16);
    struct report_dump d = {&s, REPORT_FIRST | REPORT_LAST};
    struct report_section sec = {.name = "<b>evil</b>.log",
                                 .sum = &sum,
                                 .trend = &t,
                                 .dumps = &d,
                                 .n_dumps = 1,
                                 .read_error = "cannot read \"x\" <now>"};
    struct html_buf b;
    html_init(&b);
    report_html_section(&b, &sec);
    assert_null(strstr(b.p, "<b>evil"));
    assert_null(strstr(b.p, "<img"));
    assert_null(strstr(b.p, "<now>"));
    assert_non_null(strstr(b.p, "&lt;b&gt;evil&lt;/b&gt;.log"));
    assert_non_null(strstr(b.p, "&lt;img src=x onerror=alert(1)&gt;"));
    /* the places for checks and leak detection are there, empty */
    assert_non_null(strstr(b.p, "data-part=\"checks\" data-count=\"0\""));
    assert_non_null(strstr(b.p, "data-part=\"leak\" data-count=\"0\""));
    html_fini(&b);
    snapshot_fini(&s);
}

/* ---- downsampling ---- */

static double wave(long i)
{
    return 1000.0 + (double)((i * 37) % 101);
}

static void test_trend_keeps_extremes(void **state)
{
    (void)state;
    static const long lengths[] = {1, 7, 8, 9, 100, 1000, 10000, 100003};
    for (size_t c = 0; c < sizeof(lengths) / sizeof(lengths[0]); c++) {
        long n = lengths[c];
        struct trend *t = xmalloc(sizeof(*t));
        trend_init(t, 16);
        long lo = n / 3, hi = (2 * n) / 3;
        for (long i = 0; i < n; i++) {
            double v[TREND_N] = {wave(i), wave(i), wave(i), 0.5};
            if (i == lo)
                v[TREND_FREE] = 3.0; /* one dump where free fell */
            if (i == hi)
                v[TREND_USED] = 99999.0; /* one peak of used */
            if (i == n / 2)
                trend_mark(t, TREND_MARK_RESET);
            trend_add(t, v, (1u << TREND_N) - 1, true, (double)i);
        }
        assert_true(t->n <= 16);
        assert_int_equal(t->samples, n);
        /* the buckets tile the samples in order */
        long next = 0;
        double min_free = 1e30, max_used = -1;
        unsigned marks = 0;
        for (size_t i = 0; i < t->n; i++) {
            assert_int_equal(t->b[i].first, next);
            next = t->b[i].last + 1;
            if (t->b[i].min[TREND_FREE] < min_free)
                min_free = t->b[i].min[TREND_FREE];
            if (t->b[i].max[TREND_USED] > max_used)
                max_used = t->b[i].max[TREND_USED];
            if (t->b[i].first <= lo && lo <= t->b[i].last)
                assert_true(t->b[i].min[TREND_FREE] == 3.0);
            if (t->b[i].marks) {
                assert_true(t->b[i].first <= n / 2 && n / 2 <= t->b[i].last);
                marks |= t->b[i].marks;
            }
            assert_true(t->b[i].t0 == (double)t->b[i].first);
            assert_true(t->b[i].t1 == (double)t->b[i].last);
        }
        assert_int_equal(next, n);
        assert_true(min_free == 3.0);
        assert_true(max_used == (n > 1 || hi == 0 ? 99999.0 : wave(0)));
        assert_int_equal(marks, TREND_MARK_RESET);
        free(t);
    }
}

static void test_trend_unknown_figures(void **state)
{
    (void)state;
    struct trend t;
    trend_init(&t, 4);
    double v[TREND_N] = {10, 20, 30, 0.1};
    trend_add(&t, v, 1u << TREND_USED, false, 0);
    trend_add(&t, v, 1u << TREND_USED, false, 0);
    v[TREND_FREE] = 7;
    trend_add(&t, v, (1u << TREND_USED) | (1u << TREND_FREE), false, 0);
    assert_int_equal(t.n, 3);
    assert_false(t.b[0].known & (1u << TREND_FREE));
    for (int i = 0; i < 6; i++)
        trend_add(&t, v, 1u << TREND_USED, false, 0);
    /* merged with a bucket that knew it: the figure stays known */
    int known = 0;
    for (size_t i = 0; i < t.n; i++)
        if (t.b[i].known & (1u << TREND_FREE)) {
            known++;
            assert_true(t.b[i].min[TREND_FREE] == 7);
        }
    assert_int_equal(known, 1);
}

/* ---- heatmap cells ---- */

/* The cells an SVG heatmap draws, read back from its rects (a rect is a
 * run of like cells in one row, its width 1 unless it says): cls[i] and
 * shade[i] for cell i, -1 where no rect covers it. Fails the test on a
 * cell covered twice, a rect past the row's end or past n. Returns the
 * number of rects. */
static size_t read_cells(const char *svg, size_t n, int *cls, int *shade)
{
    for (size_t i = 0; i < n; i++)
        cls[i] = shade[i] = -1;
    size_t rects = 0;
    for (const char *p = svg; (p = strstr(p, "<rect ")) != NULL; p++, rects++) {
        size_t x, y, w = 1;
        int c, sh = 0, used = 0;
        assert_int_equal(sscanf(p, "<rect x=\"%zu\" y=\"%zu\"%n", &x, &y, &used), 2);
        const char *q = p + used;
        if (sscanf(q, " width=\"%zu\"%n", &w, &used) == 1)
            q += used;
        assert_true(sscanf(q, " class=\"c%d s%d\"", &c, &sh) >= 1);
        assert_true(w >= 1 && x + w <= SVG_COLS);
        for (size_t i = y * SVG_COLS + x; i < y * SVG_COLS + x + w; i++) {
            assert_true(i < n);
            assert_int_equal(cls[i], -1);
            cls[i] = c;
            shade[i] = sh;
        }
    }
    return rects;
}

static int shade_class(uint32_t ch)
{
    return ch == 0x2591 ? 1 : ch == 0x2592 ? 2 : ch == 0x2593 ? 3 : 0;
}

static void test_cell_counts(void **state)
{
    (void)state;
    static const size_t sizes[] = {1, 63, 64, 65, 2047, 2048, 2049, 4000, 100000, 524288};
    for (size_t c = 0; c < sizeof(sizes) / sizeof(sizes[0]); c++) {
        struct snapshot s;
        build(&s, 0, "T=..D==.h.", sizes[c]);
        size_t k = svg_blocks_per_cell(sizes[c]);
        size_t want = (sizes[c] + k - 1) / k;
        assert_true(want <= SVG_MAX_CELLS);
        assert_true(k == 1 || (sizes[c] + k / 2 - 1) / (k / 2) > SVG_MAX_CELLS); /* smallest k */
        for (int v = HM_VIEW_TYPE; v <= HM_VIEW_FRAG; v++) {
            struct html_buf b;
            html_init(&b);
            size_t got = svg_heatmap(&b, &s.areas[0], (enum hm_view)v, k);
            assert_int_equal(got, want);
            /* every cell drawn once, as heatmap.h renders it */
            int *cls = xmalloc(want * sizeof(int)), *shade = xmalloc(want * sizeof(int));
            struct hm_cell *cells = xmalloc(want * sizeof(*cells));
            struct hm_input in = {.area = &s.areas[0], .view = (enum hm_view)v, .utf8 = true};
            heatmap_render(&in, 0, k, cells, want);
            size_t rects = read_cells(b.p, want, cls, shade);
            for (size_t i = 0; i < want; i++) {
                assert_int_equal(cls[i], cells[i].cls);
                assert_int_equal(shade[i], shade_class(cells[i].ch));
            }
            assert_true(rects <= want);
            free(cls);
            free(shade);
            free(cells);
            char attr[64];
            snprintf(attr, sizeof(attr), "data-cells=\"%zu\"", want);
            assert_non_null(strstr(b.p, attr));
            html_fini(&b);
        }
        snapshot_fini(&s);
    }
}

/* A run of like cells in a row is one rect: a map with one type per half
 * of its one row is two rects, and one of 200 free blocks is a rect per
 * row (64, 64, 64, 8), never one across rows. */
static void test_cell_runs(void **state)
{
    (void)state;
    struct snapshot s;
    build(&s, 0, "T", 64);
    memset(s.areas[0].map + 32, '.', 32);
    struct html_buf b;
    html_init(&b);
    svg_heatmap(&b, &s.areas[0], HM_VIEW_TYPE, 1);
    char want_t[64], want_f[64];
    snprintf(want_t, sizeof(want_t), "<rect x=\"0\" y=\"0\" width=\"32\" class=\"c%d\"/>",
             HM_C_HEAD_T);
    snprintf(want_f, sizeof(want_f), "<rect x=\"32\" y=\"0\" width=\"32\" class=\"c%d\"/>",
             HM_C_FREE);
    assert_int_equal(count(b.p, "<rect "), 2);
    assert_non_null(strstr(b.p, want_t));
    assert_non_null(strstr(b.p, want_f));
    html_fini(&b);
    snapshot_fini(&s);

    build(&s, 0, ".", 200);
    html_init(&b);
    svg_heatmap(&b, &s.areas[0], HM_VIEW_TYPE, 1);
    assert_int_equal(count(b.p, "<rect "), 4);
    assert_int_equal(count(b.p, "width=\"64\""), 3);
    assert_int_equal(count(b.p, "<rect x=\"0\" y=\"3\" width=\"8\""), 1);
    html_fini(&b);
    snapshot_fini(&s);
}

/* ---- size bound ---- */

/* One section: n_dumps drawn dumps of a heap of `blocks`, a trend of
 * `samples` samples. Returns its size in bytes. */
static size_t section_size(size_t blocks, size_t n_dumps, long samples)
{
    struct snapshot *s = xcalloc(n_dumps, sizeof(*s));
    struct report_dump *d = xcalloc(n_dumps, sizeof(*d));
    struct summary sum;
    summary_init(&sum);
    for (size_t i = 0; i < n_dumps; i++) {
        build(&s[i], (long)i, i % 2 ? "T.L.D.S.A.F.B.M.h." : "S=.h==..", blocks);
        summary_add(&sum, &s[i]);
        d[i] = (struct report_dump){&s[i], i == 0 ? REPORT_FIRST : REPORT_AT};
    }
    struct trend *t = xmalloc(sizeof(*t));
    trend_init(t, TREND_MAX_BUCKETS);
    for (long i = 0; i < samples; i++) {
        double v[TREND_N] = {123456.0 + (double)i, 654321.0 - (double)i, 40000.0, 0.4567};
        if (i % 1000 == 999)
            trend_mark(t, TREND_MARK_GAP);
        trend_add(t, v, (1u << TREND_N) - 1, true, (double)i * 0.25);
    }
    struct report_section sec = {
        .name = "x.log", .sum = &sum, .trend = t, .dumps = d, .n_dumps = n_dumps};
    struct html_buf b;
    html_init(&b);
    report_html_section(&b, &sec);
    size_t n = b.n;
    html_fini(&b);
    for (size_t i = 0; i < n_dumps; i++)
        snapshot_fini(&s[i]);
    free(s);
    free(d);
    free(t);
    return n;
}

static void test_size_bound(void **state)
{
    (void)state;
    /* 8 MiB of 16-byte blocks, 10,000 samples, first/worst/last: under
     * 1 MB; and the heap's size and the capture's length hardly matter */
    size_t big = section_size(524288, 3, 10000);
    size_t small = section_size(4096, 3, 10000);
    size_t short_capture = section_size(524288, 3, 600);
    assert_true(big < 1024 * 1024);
    assert_true(big < small + small / 4);
    assert_true(big < short_capture + 64 * 1024);
}

/* ---- advice ---- */

static bool fires(const struct advice *a, size_t n, const char *rule)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(a[i].rule, rule))
            return true;
    return false;
}

static void test_advice_rules(void **state)
{
    (void)state;
    struct snapshot frag, calm;
    /* one free block between single-block tuples: fragmented, half free */
    build(&frag, 3, "T.", 4000);
    build(&calm, 4, "L===", 4000); /* used, then one free run: calm */
    memset(calm.areas[0].map + 2000, '.', 2000);
    metrics_compute(&calm);
    struct summary sum;
    summary_init(&sum);
    summary_add(&sum, &frag);
    struct advice a[ADVICE_MAX];
    struct advice_facts f = {.sum = &sum, .worst = &frag, .last = &frag};
    size_t n = advice_collect(&f, a, ADVICE_MAX);
    assert_true(fires(a, n, "fragmented"));
    assert_true(fires(a, n, "small-allocs"));
    assert_false(fires(a, n, "min-free"));
    assert_false(fires(a, n, "incomplete"));
    /* each line says its number */
    for (size_t i = 0; i < n; i++)
        if (!strcmp(a[i].rule, "fragmented"))
            assert_non_null(strstr(a[i].text, "dump #3"));
    summary_init(&sum);
    summary_add(&sum, &calm);
    f = (struct advice_facts){.sum = &sum, .worst = &calm, .last = &calm, .gaps = 2};
    n = advice_collect(&f, a, ADVICE_MAX);
    assert_false(fires(a, n, "fragmented"));
    assert_false(fires(a, n, "small-allocs"));
    assert_true(fires(a, n, "link-breaks"));
    /* nearly full: MemoryError risk */
    struct snapshot full;
    build(&full, 5, "D=============================================================.", 4000);
    summary_init(&sum);
    summary_add(&sum, &full);
    f = (struct advice_facts){.sum = &sum, .worst = &full, .last = &full};
    n = advice_collect(&f, a, ADVICE_MAX);
    assert_true(fires(a, n, "min-free"));
    assert_true(fires(a, n, "largest-run"));
    assert_string_equal(advice_type_name('S'), "str/bytes");
    assert_string_equal(advice_type_name('h'), "other");
    snapshot_fini(&frag);
    snapshot_fini(&calm);
    snapshot_fini(&full);
}

/* ---- the sink ---- */

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = xmalloc((size_t)n + 1);
    assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
    p[n] = '\0';
    fclose(f);
    return p;
}

static void test_sink_keeps_the_worst(void **state)
{
    (void)state;
    char path[] = "/tmp/heapwatch-test-report-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    long at[] = {2, 77};
    struct report_opts o = {.path = path, .at = at, .n_at = 2};
    struct sink *sk;
    struct hw_err err = {0};
    assert_int_equal(report_open(&o, &sk, &err), HW_OK);
    struct stream st;
    stream_init(&st);
    stream_add(&st, sk, true);
    struct hw_item begin = {.kind = HW_ITEM_BEGIN, .name = "a.log"};
    stream_emit(&st, &begin);
    /* dump 4 is the most fragmented; 2 is asked for */
    const char *maps[] = {"TTTT....", "TT..TT..", "T.TT..TT", "TTT..TTT", "T.T.T.T.", "TTTT...."};
    for (long i = 0; i < 6; i++) {
        struct snapshot s;
        build(&s, i, maps[i], 64);
        stream_snapshot(&st, &s);
        if (i == 3)
            stream_event(&st, 1.0, "gap", NULL);
        snapshot_fini(&s);
    }
    struct hw_item end = {.kind = HW_ITEM_END, .name = "a.log"};
    stream_emit(&st, &end);
    /* dump 77 is in no input: said, after the report is written */
    assert_int_equal(stream_close(&st, &err), HW_EARG);
    assert_non_null(strstr(err.msg, "#77"));
    char *html = slurp(path);
    assert_memory_equal(html, REPORT_MAGIC, strlen(REPORT_MAGIC));
    assert_non_null(strstr(html, "data-seq=\"0\" data-roles=\"first\""));
    assert_non_null(strstr(html, "data-seq=\"2\" data-roles=\"asked for\""));
    assert_non_null(strstr(html, "data-seq=\"4\" data-roles=\"worst fragmentation\""));
    assert_non_null(strstr(html, "data-seq=\"5\" data-roles=\"last\""));
    assert_null(strstr(html, "data-seq=\"1\" data-roles"));
    assert_null(strstr(html, "data-seq=\"3\" data-roles"));
    assert_int_equal(count(html, "<svg class=\"map\""), 8); /* 4 dumps, 2 views */
    assert_int_equal(count(html, "class=\"mark gap\""), 4); /* on each of the 4 charts */
    assert_non_null(strstr(html, "data-missing=\"at\""));
    /* nothing is fetched: no script, no external reference */
    assert_null(strstr(html, "<script"));
    assert_null(strstr(html, "src="));
    assert_null(strstr(html, "href=\"http"));
    free(html);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_section_escapes_inputs),
        cmocka_unit_test(test_trend_keeps_extremes),
        cmocka_unit_test(test_trend_unknown_figures),
        cmocka_unit_test(test_cell_counts),
        cmocka_unit_test(test_cell_runs),
        cmocka_unit_test(test_size_bound),
        cmocka_unit_test(test_advice_rules),
        cmocka_unit_test(test_sink_keeps_the_worst),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
