/* SPDX-License-Identifier: MIT */
/* test_fmt_ui.c - the UI's layout maths, chart cells and labels,
 * table-driven where the answers are known (the stats panel's rows are
 * test_ui_stats.c's). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fmt_ui.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void test_layout_80x24(void **state)
{
    (void)state;
    struct ui_layout lo;
    fmt_ui_layout(24, 80, false, &lo);
    assert_false(lo.too_small);
    assert_int_equal(lo.heat_rows, 13);
    assert_int_equal(lo.heat_cols, 56);
    assert_int_equal(lo.gutter, 0);
    assert_int_equal(lo.stats_cols, 23);
    assert_int_equal(lo.legend_rows, 2);
    assert_int_equal(lo.trend_series, 4);
    assert_int_equal(lo.trend_height, 1);
    assert_int_equal(lo.axis_row, 22);
    assert_int_equal(lo.message_row, 23);
    assert_int_equal(lo.replay_row, -1);
    assert_int_equal(lo.trend_chart_cols, 80 - 6 - 20 - 1);

    fmt_ui_layout(24, 80, true, &lo);
    assert_int_equal(lo.heat_rows, 12);
    assert_int_equal(lo.replay_row, 22);
    assert_int_equal(lo.axis_row, 21);
}

static void test_layout_200x60(void **state)
{
    (void)state;
    struct ui_layout lo;
    fmt_ui_layout(60, 200, false, &lo);
    assert_int_equal(lo.gutter, 9);
    assert_int_equal(lo.heat_cols, 136);
    assert_int_equal(lo.legend_rows, 1);
    assert_int_equal(lo.trend_height, 3);
    assert_int_equal(lo.heat_rows, 42);
    assert_int_equal(lo.stats_left + lo.stats_cols, 200);
    assert_int_equal(lo.axis_row, 58);
}

/* Every size from tiny to huge: panels inside the screen, in order, apart. */
static void test_layout_invariants(void **state)
{
    (void)state;
    for (int lines = 8; lines <= 100; lines += 1) {
        for (int cols = 30; cols <= 320; cols += 7) {
            for (int replay = 0; replay < 2; replay++) {
                struct ui_layout lo;
                fmt_ui_layout(lines, cols, replay, &lo);
                if (lines < 12 || cols < 40) {
                    assert_true(lo.too_small);
                    continue;
                }
                assert_false(lo.too_small);
                assert_true(lo.heat_rows >= 3);
                assert_true(lo.heat_cols >= 8);
                assert_true(lo.stats_cols >= 18);
                assert_int_equal(lo.heat_top + lo.heat_rows, lo.legend_top);
                int next = lo.legend_top + lo.legend_rows;
                if (lo.trend_series) {
                    assert_int_equal(lo.trend_title_row, next);
                    assert_int_equal(lo.axis_row, lo.trend_top + lo.trend_series * lo.trend_height);
                    next = lo.axis_row + 1;
                    assert_true(lo.trend_chart_cols >= 8);
                }
                if (replay) {
                    assert_int_equal(lo.replay_row, next);
                    next++;
                }
                assert_int_equal(lo.message_row, next);
                assert_int_equal(lo.message_row, lines - 1);
                assert_true(lo.sep_col < cols && lo.stats_left + lo.stats_cols == cols);
                if (lines >= 24 && cols >= 80)
                    assert_int_equal(lo.trend_series, 4);
            }
        }
    }
}

/* The too-small notice fits every terminal below the minimum, and says
 * what it needs wherever "40x12" itself fits. */
static void test_too_small(void **state)
{
    (void)state;
    char b[256];
    for (int lines = 1; lines <= 30; lines++) {
        for (int cols = 1; cols <= 90; cols++) {
            if (lines >= UI_MIN_LINES && cols >= UI_MIN_COLS)
                continue;
            fmt_ui_too_small(b, sizeof(b), lines, cols);
            int n = 0;
            for (const char *l = b; l; n++) {
                const char *nl = strchr(l, '\n');
                int len = nl ? (int)(nl - l) : (int)strlen(l);
                if (len > cols || len == 0)
                    fail_msg("%dx%d: line \"%.*s\" of %d columns", cols, lines, len, l, len);
                l = nl ? nl + 1 : NULL;
            }
            if (n > lines)
                fail_msg("%dx%d: %d lines in \"%s\"", cols, lines, n, b);
            for (char *p = strchr(b, '\n'); p; p = strchr(p, '\n'))
                *p = ' '; /* the words, as they read */
            if (cols >= 5 && !strstr(b, "40x12"))
                fail_msg("%dx%d: \"%s\" does not say 40x12", cols, lines, b);
            if (cols >= 10 && lines >= 3 && !strstr(b, "too small"))
                fail_msg("%dx%d: \"%s\" does not say too small", cols, lines, b);
        }
    }
    fmt_ui_too_small(b, sizeof(b), 8, 30);
    assert_string_equal(b,
                        "terminal too small (30x8):\nheapwatch needs 40x12, 80x24\nfor everything");
    fmt_ui_too_small(b, sizeof(b), 3, 10);
    assert_string_equal(b, "too small:\nneeds\n40x12");
}

static void test_series(void **state)
{
    (void)state;
    int s[4];
    fmt_ui_series(4, s);
    assert_true(s[0] == 0 && s[1] == 1 && s[2] == 2 && s[3] == 3);
    fmt_ui_series(3, s);
    assert_true(s[0] == 0 && s[1] == 2 && s[2] == 3);
    fmt_ui_series(2, s);
    assert_true(s[0] == 0 && s[1] == 2);
}

/* Render columns as text: value digits, '_' invalid, '|' gap. */
static void cols_text(const struct ui_col *c, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        out[i] = c[i].gap ? '|' : !c[i].valid ? '_' : (char)('0' + (int)c[i].value);
    out[n] = '\0';
}

struct col_case {
    const char *values; /* digits, '?' unknown, '|' before a value = gap before it */
    size_t width;
    int worse;
    const char *want;
};

static void test_columns(void **state)
{
    (void)state;
    static const struct col_case cases[] = {
        {"12345", 10, 1, "12345"},
        {"12|345", 10, 1, "12|345"},
        {"1?3", 10, 1, "1_3"},
        {"12345678", 4, 1, "2468"},
        {"12345678", 4, -1, "1357"},
        /* a gap takes the whole column it falls in */
        {"12|345678", 3, 1, "|58"},
        {"????1234", 4, 1, "__24"},
        {"9", 1, 1, "9"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double v[16], t[16];
        bool g[16] = {false};
        size_t n = 0;
        for (const char *p = cases[i].values; *p; p++) {
            if (*p == '|') {
                g[n] = true;
                continue;
            }
            v[n] = *p == '?' ? (double)NAN : *p - '0';
            t[n] = (double)n;
            n++;
        }
        struct ui_col out[16];
        size_t m = fmt_ui_columns(v, t, g, n, cases[i].width, cases[i].worse, out);
        char got[17];
        cols_text(out, m, got);
        if (strcmp(got, cases[i].want) != 0)
            fail_msg("columns %s in %zu: got \"%s\", want \"%s\"", cases[i].values, cases[i].width,
                     got, cases[i].want);
    }
}

static void test_levels(void **state)
{
    (void)state;
    assert_int_equal(fmt_ui_level((double)NAN, 0, 1, 1), 0);
    assert_int_equal(fmt_ui_level(0, 0, 10, 1), 1);
    assert_int_equal(fmt_ui_level(10, 0, 10, 1), 8);
    assert_int_equal(fmt_ui_level(10, 0, 10, 3), 24);
    assert_int_equal(fmt_ui_level(5, 5, 5, 1), 4);
    assert_int_equal(fmt_ui_level(-3, 0, 10, 2), 1);
    /* a 3-row column at level 20: full, full, half */
    assert_int_equal(fmt_ui_spark(20, 0, true), 0x2588);
    assert_int_equal(fmt_ui_spark(20, 1, true), 0x2588);
    assert_int_equal(fmt_ui_spark(20, 2, true), 0x2584);
    assert_int_equal(fmt_ui_spark(1, 0, true), 0x2581);
    assert_int_equal(fmt_ui_spark(0, 0, true), ' ');
    assert_int_equal(fmt_ui_spark(8, 1, false), ' ');
    assert_int_equal(fmt_ui_spark(8, 0, false), '#');
    assert_int_equal(fmt_ui_spark(1, 0, false), '_');
    /* ASCII ramp never goes down as the level goes up */
    static const char ramp[] = " _.-=#";
    int last = 0;
    for (int l = 0; l <= 8; l++) {
        int at = (int)(strchr(ramp, (int)fmt_ui_spark(l, 0, false)) - ramp);
        assert_true(at >= last);
        last = at;
    }
}

static void test_hbar(void **state)
{
    (void)state;
    uint32_t b[4];
    fmt_ui_hbar(b, 4, 0.5, true);
    assert_true(b[0] == 0x2588 && b[1] == 0x2588 && b[2] == ' ' && b[3] == ' ');
    fmt_ui_hbar(b, 4, 0.5625, true);
    assert_true(b[2] == 0x258E);
    fmt_ui_hbar(b, 4, 0.001, true);
    assert_true(b[0] == 0x258F);
    fmt_ui_hbar(b, 4, 0, false);
    assert_true(b[0] == ' ');
    fmt_ui_hbar(b, 4, 1, false);
    assert_true(b[3] == '#');
    fmt_ui_hbar(b, 4, 0.01, false);
    assert_true(b[0] == '+');
}

static void test_axis(void **state)
{
    (void)state;
    struct ui_col c[61];
    for (int i = 0; i < 61; i++)
        c[i] = (struct ui_col){.value = 1, .time = 100 + i, .valid = true};
    char buf[128];
    fmt_ui_axis(buf, sizeof(buf), 61, c, 61);
    assert_int_equal(strlen(buf), 61);
    assert_memory_equal(buf + 57, "now|", 4);
    assert_memory_equal(buf + 46, "-10s|", 5);
    assert_memory_equal(buf + 6, "-50s|", 5);
    /* right-aligned in a wider line */
    fmt_ui_axis(buf, sizeof(buf), 80, c, 61);
    assert_int_equal(strlen(buf), 80);
    assert_memory_equal(buf + 76, "now|", 4);
    /* a gap swallows the ticks that fall into it */
    for (int i = 20; i < 45; i++)
        c[i].time = (double)NAN;
    fmt_ui_axis(buf, sizeof(buf), 61, c, 61);
    assert_null(strstr(buf, "-30s"));
    assert_non_null(strstr(buf, "-10s|"));
    /* one sample */
    fmt_ui_axis(buf, sizeof(buf), 10, c, 1);
    assert_string_equal(buf, "      now|");
    /* an hour of minutes */
    struct ui_col h[61];
    for (int i = 0; i < 61; i++)
        h[i] = (struct ui_col){.value = 1, .time = 60.0 * i, .valid = true};
    fmt_ui_axis(buf, sizeof(buf), 61, h, 61);
    assert_non_null(strstr(buf, "-10m|"));
    assert_non_null(strstr(buf, "-50m|"));
}

static void test_labels(void **state)
{
    (void)state;
    char b[64];
    assert_string_equal(fmt_ui_size(b, sizeof(b), 128), "128 B");
    assert_string_equal(fmt_ui_size(b, sizeof(b), 16384), "16 KiB");
    assert_string_equal(fmt_ui_size(b, sizeof(b), 8u << 20), "8 MiB");
    assert_string_equal(fmt_ui_size(b, sizeof(b), 1536), "1.50K");
    assert_string_equal(fmt_ui_scale(b, sizeof(b), 8, 16, 80), "1 cell = 8 blocks = 128 B");
    assert_string_equal(fmt_ui_scale(b, sizeof(b), 1, 16, 80), "1 cell = 1 block = 16 B");
    assert_string_equal(fmt_ui_scale(b, sizeof(b), 1024, 16, 22), "1024 blk/cell = 16 KiB");
    assert_string_equal(fmt_ui_scale(b, sizeof(b), 1024, 16, 12), "1024 blk/cell");
    assert_string_equal(fmt_ui_scale(b, sizeof(b), 4, 0, 80), "1 cell = 4 blocks");
    assert_string_equal(fmt_ui_bucket(b, sizeof(b), 0), "1");
    assert_string_equal(fmt_ui_bucket(b, sizeof(b), 1), "2-3");
    assert_string_equal(fmt_ui_bucket(b, sizeof(b), 9), "512-1023");
    assert_string_equal(fmt_ui_bucket(b, sizeof(b), 10), "1K-2K");
    assert_string_equal(fmt_ui_bucket(b, sizeof(b), 19), "512K-1M");
    assert_string_equal(fmt_ui_rate(b, sizeof(b), 2), "2.0/s");
    assert_string_equal(fmt_ui_rate(b, sizeof(b), 25), "25/s");
    assert_string_equal(fmt_ui_rate(b, sizeof(b), 0.2), "1 per 5.0s");
    assert_string_equal(fmt_ui_rate(b, sizeof(b), 0), "-");
    assert_string_equal(fmt_ui_ago(b, sizeof(b), 30), "30s");
    assert_string_equal(fmt_ui_ago(b, sizeof(b), 90), "1m30");
    assert_string_equal(fmt_ui_ago(b, sizeof(b), 120), "2m");
    assert_string_equal(fmt_ui_ago(b, sizeof(b), 3600), "1h");
    assert_string_equal(fmt_ui_ago(b, sizeof(b), 5400), "1h30");
}

/* Replay halves and doubles its speed: every step from 1/64x to 64x reads
 * as a fraction or a whole number, never as 0.015625x. */
static void test_speed(void **state)
{
    (void)state;
    static const struct {
        double x;
        const char *want;
    } cases[] = {
        {1.0 / 64, "1/64x"}, {1.0 / 32, "1/32x"}, {1.0 / 16, "1/16x"}, {0.125, "1/8x"},
        {0.25, "1/4x"},      {0.5, "1/2x"},       {1, "1x"},           {2, "2x"},
        {8, "8x"},           {64, "64x"},
    };
    char b[16];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_string_equal(fmt_ui_speed(b, sizeof(b), cases[i].x), cases[i].want);
}

static void test_problems_and_points(void **state)
{
    (void)state;
    char b[64];
    assert_string_equal(fmt_ui_problems(b, sizeof(b), SNAP_P_CUT | SNAP_P_SYMBOL), "cut,symbol");
    assert_string_equal(fmt_ui_problems(b, sizeof(b), 0), "");
    struct hist_point p = {.used = 100, .free = UINT64_MAX, .largest_free = 7, .frag = -1};
    assert_true(fmt_ui_point(&p, 0) == 100);
    assert_true(isnan(fmt_ui_point(&p, 1)));
    assert_true(isnan(fmt_ui_point(&p, 3)));
    assert_string_equal(fmt_ui_series_value(b, sizeof(b), 3, 0.25), "0.250");
    assert_string_equal(fmt_ui_series_value(b, sizeof(b), 0, (double)NAN), "-");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_80x24),
        cmocka_unit_test(test_layout_200x60),
        cmocka_unit_test(test_layout_invariants),
        cmocka_unit_test(test_too_small),
        cmocka_unit_test(test_series),
        cmocka_unit_test(test_columns),
        cmocka_unit_test(test_levels),
        cmocka_unit_test(test_hbar),
        cmocka_unit_test(test_axis),
        cmocka_unit_test(test_labels),
        cmocka_unit_test(test_speed),
        cmocka_unit_test(test_problems_and_points),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
