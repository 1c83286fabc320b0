/* SPDX-License-Identifier: MIT */
/* test_record.c - the record file: escaping, line timing, events, and the
 * reader finding the dumps (with their times) in what was written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "memparse.h"
#include "record.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof(path), "/tmp/hw-record-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

static char *slurp(void)
{
    static char buf[8192];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_escape(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(record_escape("a\x04\\b\tc", 6, out, sizeof(out)), 10);
    assert_string_equal(out, "a\\x04\\\\b\tc");
    /* never cut an escape in half */
    assert_int_equal(record_escape("\x01\x02", 2, out, 6), 4);
    assert_string_equal(out, "\\x01");
}

static void test_lines_and_events(void **state)
{
    (void)state;
    struct record *r;
    assert_int_equal(record_open(path, "/dev/ttyACM0", 1764128679.512, &r, NULL), HW_OK);
    record_rx(r, 0.5, "OKstack: 1", 10);
    record_rx(r, 0.6, "0\r\nGC: to", 9);
    record_event(r, 0.7, "gap", "disconnected");
    record_rx(r, 0.8, "tal\r\n\x04\x04>", 8);
    assert_int_equal(record_sync(r, 0.9, NULL), HW_OK);
    assert_int_equal(record_close(r, NULL), HW_OK);
    const char *text = slurp();
    assert_non_null(strstr(text, "#heapwatch-record 1 port=/dev/ttyACM0 start=2025-11-26T03:44:39.512Z "));
    /* a line carries the time it was complete: times never go back */
    const char *a = strstr(text, "\n+0.600 OKstack: 10\n");
    const char *b = strstr(text, "\n+0.700 #gap disconnected\n");
    const char *c = strstr(text, "\n+0.800 GC: total\n");
    assert_true(a && b && c && a < b && b < c);
    /* record_sync writes the partial line: a sample never waits on disk */
    assert_non_null(strstr(text, "\n+0.900 \\x04\\x04>\n"));
}

static double got_time;
static int got_n;

static void on_snap(const struct snapshot *s, void *ctx)
{
    (void)ctx;
    got_n++;
    got_time = s->time;
    assert_true(s->complete);
}

static void test_reader_reads_records(void **state)
{
    (void)state;
    struct record *r;
    assert_int_equal(record_open(path, "exec:sim", 0, &r, NULL), HW_OK);
    const char *dump = "OKstack: 1 out of 2\r\n"
                       "GC: total: 1024, used: 0, free: 1024\r\n"
                       " No. of 1-blocks: 0, 2-blocks: 0, max blk sz: 0, max free sz: 64\r\n"
                       "\x04\x04>";
    record_rx(r, 12.25, dump, strlen(dump));
    record_sync(r, 12.25, NULL);
    record_close(r, NULL);
    struct memparse *mp = memparse_new(on_snap, NULL);
    const char *text = slurp();
    memparse_feed(mp, text, strlen(text));
    memparse_flush(mp);
    memparse_free(mp);
    assert_int_equal(got_n, 1);
    assert_true(got_time > 12.24 && got_time < 12.26);
}

static void test_open_failure(void **state)
{
    (void)state;
    struct record *r = (struct record *)1;
    struct hw_err e = {0};
    assert_int_not_equal(record_open("/nonexistent/dir/x.rec", "p", 0, &r, &e), HW_OK);
    assert_null(r);
    assert_non_null(strstr(e.msg, "cannot create /nonexistent/dir/x.rec"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test_setup_teardown(test_lines_and_events, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reader_reads_records, setup, teardown),
        cmocka_unit_test(test_open_failure),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
