/* SPDX-License-Identifier: MIT */
/* test_config.c - the config file's lines (config.c): sections, entries,
 * comments and blanks, and every malformed line named by number. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "config.h"

#include <stdio.h>
#include <string.h>

static void test_sections_and_entries(void **state)
{
    (void)state;
    char text[] = "# a comment\n"
                  "\n"
                  "[default]\r\n"
                  "  interval =  0.5  \n"
                  "; another comment\n"
                  "[ pico ]\n"
                  "port = exec:qemu-system-arm -M microbit -serial stdio\n"
                  "check=min_free>20K\n"
                  "check = leak<1K/min"; /* no newline at the end */
    struct config_entry e[8];
    char msg[128] = "";
    assert_int_equal(config_parse(text, e, 8, msg, sizeof(msg)), 4);
    assert_string_equal(e[0].section, "default");
    assert_string_equal(e[0].key, "interval");
    assert_string_equal(e[0].value, "0.5");
    assert_int_equal(e[0].line, 4);
    assert_string_equal(e[1].section, "pico");
    /* a value keeps its inner spaces and '=' signs */
    assert_string_equal(e[1].value, "exec:qemu-system-arm -M microbit -serial stdio");
    assert_string_equal(e[2].key, "check");
    assert_string_equal(e[2].value, "min_free>20K");
    assert_string_equal(e[3].value, "leak<1K/min");
    assert_int_equal(e[3].line, 9);
}

static void bad(const char *in, const char *want)
{
    char text[256], msg[128] = "";
    struct config_entry e[4];
    snprintf(text, sizeof(text), "%s", in);
    assert_int_equal(config_parse(text, e, 4, msg, sizeof(msg)), -1);
    if (!strstr(msg, want))
        fail_msg("'%s': got '%s', want '%s'", in, msg, want);
}

static void test_mistakes(void **state)
{
    (void)state;
    bad("count = 2\n", "line 1: an entry before any section");
    bad("[default]\ninterval 2\n", "line 2: want KEY = VALUE");
    bad("[default\n", "line 1: a section is [NAME]");
    bad("[default] x\n", "line 1: a section is [NAME]");
    bad("[  ]\n", "line 1: a section needs a name");
    bad("[a]\n = 3\n", "line 2: an entry needs a key");
    bad("[a]\nb=1\nc=2\nd=3\ne=4\nf=5\n", "line 6: more than 4 entries");
    /* an empty file and one of comments only have no entries */
    char empty[] = "", comments[] = "# x\n; y\n\n";
    struct config_entry e[1];
    char msg[64];
    assert_int_equal(config_parse(empty, e, 1, msg, sizeof(msg)), 0);
    assert_int_equal(config_parse(comments, e, 1, msg, sizeof(msg)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sections_and_entries),
        cmocka_unit_test(test_mistakes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
