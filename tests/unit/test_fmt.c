/* SPDX-License-Identifier: MIT */
/* test_fmt.c - table-driven formatting cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "fmt.h"

static void test_bytes(void **state)
{
    (void)state;
    static const struct {
        uint64_t n;
        const char *want;
    } cases[] = {
        {0, "0"},           {1023, "1023"},     {1024, "1.00K"},
        {1536, "1.50K"},    {10240, "10.0K"},   {102400, "100K"},
        {1048575, "1.00M"}, {3145728, "3.00M"}, {UINT64_MAX, "-"},
    };
    char buf[16];
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_string_equal(fmt_bytes(buf, sizeof(buf), cases[i].n), cases[i].want);
}

static void test_pct_and_duration(void **state)
{
    (void)state;
    char buf[16];
    assert_string_equal(fmt_pct(buf, sizeof(buf), 0.4567), "45.7%");
    assert_string_equal(fmt_pct(buf, sizeof(buf), -1), "-");
    assert_string_equal(fmt_duration(buf, sizeof(buf), 59.5), "59.5s");
    assert_string_equal(fmt_duration(buf, sizeof(buf), 125), "2m05s");
    assert_string_equal(fmt_duration(buf, sizeof(buf), 7322), "2h02m");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_pct_and_duration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
