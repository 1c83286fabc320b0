/* SPDX-License-Identifier: MIT */
/* test_capture.c - the capture format both ways: escaping, line timing and
 * counting, events; the reader's escapes, events in file order, sessions
 * on one clock, a record cut without its header, and the round trip: what
 * the writer wrote reads back as the same dumps as the raw text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "capture.h"
#include "memparse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char path[64];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof(path), "/tmp/hw-capture-XXXXXX");
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
    static char buf[1 << 16];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

/* ---- a sink that keeps what it got, as text */

struct got {
    struct sink sink;
    char log[8192];
    size_t len;
    int snaps;
    double times[16];
    uint64_t used[16];
    long lines[16];
};

__attribute__((format(printf, 2, 3))) static void log_add(struct got *g, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g->len += (size_t)vsnprintf(g->log + g->len, sizeof(g->log) - g->len, fmt, ap);
    va_end(ap);
}

static int got_item(struct sink *s, const struct hw_item *it, struct hw_err *err)
{
    struct got *g = (struct got *)s;
    (void)err;
    if (it->kind == HW_ITEM_SNAPSHOT) {
        const struct snapshot *sn = it->snap;
        if (g->snaps < 16) {
            g->times[g->snaps] = sn->has_time ? sn->time : -1;
            g->used[g->snaps] = sn->gc_used;
            g->lines[g->snaps] = sn->line;
        }
        g->snaps++;
        log_add(g, "S%s ", sn->complete ? "" : "!");
    } else if (it->kind == HW_ITEM_EVENT) {
        log_add(g, "E:%s:%s@%.3f ", it->event, it->detail ? it->detail : "-", it->time);
    }
    return HW_OK;
}

static int got_close(struct sink *s, struct hw_err *err)
{
    (void)s;
    (void)err;
    return HW_OK;
}

static const struct sink_ops got_ops = {got_item, got_close};

static void read_text(struct got *g, const char *text, size_t chunk)
{
    struct stream st;
    memset(g, 0, sizeof(*g));
    g->sink.ops = &got_ops;
    stream_init(&st);
    stream_add(&st, &g->sink, false);
    struct capture_reader *r = capture_reader_new(0, &st);
    size_t n = strlen(text);
    if (!chunk)
        chunk = n ? n : 1;
    for (size_t off = 0; off < n; off += chunk)
        capture_reader_feed(r, text + off, n - off < chunk ? n - off : chunk);
    capture_reader_flush(r);
    capture_reader_free(r);
    stream_close(&st, NULL);
}

#define DUMP(used)                                                                                 \
    "OKstack: 1 out of 2\r\n"                                                                      \
    "GC: total: 1024, used: " #used ", free: 1024\r\n"                                             \
    " No. of 1-blocks: 0, 2-blocks: 0, max blk sz: 0, max free sz: 64\r\n"                         \
    "\x04\x04>"

/* ---- the writer */

static void test_escape(void **state)
{
    (void)state;
    char out[64], back[64];
    assert_int_equal(capture_escape("a\x04\\b\tc\x1b", 7, out, sizeof(out)), 14);
    assert_string_equal(out, "a\\x04\\\\b\tc\\x1b");
    bool esc = false;
    assert_int_equal(capture_unescape(out, strlen(out), back, &esc), 7);
    assert_memory_equal(back, "a\x04\\b\tc\x1b", 7);
    assert_true(esc); /* the reader then looks for colours */
    assert_int_equal(capture_unescape("\\x04\\x04>", 9, back, &esc), 3);
    assert_false(esc);
    /* never cut an escape in half */
    assert_int_equal(capture_escape("\x01\x02", 2, out, 6), 4);
    assert_string_equal(out, "\\x01");
    /* what is not an escape stays as it is */
    assert_int_equal(capture_unescape("\\xZZ\\q\\", 7, back, NULL), 7);
    assert_memory_equal(back, "\\xZZ\\q\\", 7);
}

static void test_lines_and_events(void **state)
{
    (void)state;
    struct capture_writer *w;
    assert_int_equal(capture_writer_open(path, "/dev/ttyACM0", 1764128679.512, &w, NULL), HW_OK);
    assert_int_equal(capture_writer_next_line(w), 2);
    capture_writer_bytes(w, 0.5, "OKstack: 1", 10);
    capture_writer_bytes(w, 0.6, "0\r\nGC: to", 9);
    assert_int_equal(capture_writer_next_line(w), 3);
    capture_writer_event(w, 0.7, "gap", "disconnected");
    capture_writer_bytes(w, 0.8, "tal\r\n\x04\x04>", 8);
    assert_int_equal(capture_writer_sync(w, 0.9, NULL), HW_OK);
    assert_int_equal(capture_writer_close(w, NULL), HW_OK);
    const char *text = slurp();
    assert_non_null(
        strstr(text, "#heapwatch-record 1 port=/dev/ttyACM0 start=2025-11-26T03:44:39.512Z "));
    /* a line carries the time it was complete: times never go back */
    const char *a = strstr(text, "\n+0.600 OKstack: 10\n");
    const char *b = strstr(text, "\n+0.700 #gap disconnected\n");
    const char *c = strstr(text, "\n+0.800 GC: total\n");
    assert_true(a && b && c && a < b && b < c);
    /* sync writes the partial line: a sample never waits on disk */
    assert_non_null(strstr(text, "\n+0.900 \\x04\\x04>\n"));
    /* appending counts what is there */
    assert_int_equal(capture_writer_open(path, "p", 0, &w, NULL), HW_OK);
    assert_int_equal(capture_writer_next_line(w), 7);
    capture_writer_close(w, NULL);
}

static void test_count_only(void **state)
{
    (void)state;
    struct capture_writer *w;
    assert_int_equal(capture_writer_open(NULL, "p", 0, &w, NULL), HW_OK);
    assert_null(capture_writer_path(w));
    capture_writer_bytes(w, 1, "a\nb\nc", 5);
    assert_int_equal(capture_writer_next_line(w), 4); /* header, a, b; c is partial */
    assert_int_equal(capture_writer_sync(w, 1, NULL), HW_OK);
    assert_int_equal(capture_writer_next_line(w), 5);
    capture_writer_close(w, NULL);
}

static void test_open_failure(void **state)
{
    (void)state;
    struct capture_writer *w = (struct capture_writer *)1;
    struct hw_err e = {0};
    assert_int_not_equal(capture_writer_open("/nonexistent/dir/x.rec", "p", 0, &w, &e), HW_OK);
    assert_null(w);
    assert_non_null(strstr(e.msg, "cannot create /nonexistent/dir/x.rec"));
}

/* ---- the reader */

/* Events come in file order, after the snapshot of a dump they follow; a
 * dump's time is its first line's; the stamps and escapes never reach the
 * mem_info reader. Every chunking gives the same. */
static void test_reader_order_and_times(void **state)
{
    (void)state;
    const char *text = "#heapwatch-record 1 port=p start=2026-01-01T00:00:00.000Z version=x\n"
                       "+0.100 #calibrate code\n"
                       "+0.250 OKstack: 1 out of 2\n"
                       "+0.251 GC: total: 1024, used: 16, free: 1008\n"
                       "+0.252 #stderr a \\x1b[1mline\n"
                       "+0.253  No. of 1-blocks: 1, 2-blocks: 0, max blk sz: 1, max free sz: 63\n"
                       "+0.300 \\x04\\x04>\n"
                       "+4.100 #gap cannot read p: device disconnected\n"
                       "+6.200 #resume p\n";
    struct got ref;
    read_text(&ref, text, 0);
    assert_string_equal(ref.log, "E:calibrate:code@0.100 S E:stderr:a \x1b[1mline@0.252 "
                                 "E:gap:cannot read p: device disconnected@4.100 "
                                 "E:resume:p@6.200 ");
    assert_int_equal(ref.snaps, 1);
    assert_true(ref.times[0] > 0.2499 && ref.times[0] < 0.2501);
    assert_int_equal(ref.lines[0], 3);
    for (size_t chunk = 1; chunk < 40; chunk++) {
        struct got g;
        read_text(&g, text, chunk);
        assert_string_equal(g.log, ref.log);
    }
}

/* A second session continues the first's clock from its own start=, and
 * never goes back, even when its clock says so. */
static void test_reader_sessions_one_clock(void **state)
{
    (void)state;
    const char *text =
        "#heapwatch-record 1 port=p start=2026-01-01T00:00:00.000Z version=x\n"
        "+1.000 " DUMP(
            10) "\n"
                "#heapwatch-record 1 port=p start=2026-01-01T00:00:10.500Z version=x\n"
                "+0.500 " DUMP(
                    20) "\n"
                        "#heapwatch-record 1 port=p start=2025-12-31T23:00:00.000Z version=x\n"
                        "+0.250 " DUMP(30) "\n";
    struct got g;
    read_text(&g, text, 0);
    assert_int_equal(g.snaps, 3);
    assert_true(g.times[0] > 0.999 && g.times[0] < 1.001);
    assert_true(g.times[1] > 10.999 && g.times[1] < 11.001);
    assert_true(g.times[2] >= g.times[1]); /* a clock that went back does not */
    assert_int_equal(g.used[2], 30);
}

/* tail -n of a record: no header, but its stamps and escapes are still
 * the record's. */
static void test_reader_headless_record(void **state)
{
    (void)state;
    const char *text = "+7.000 OKstack: 1 out of 2\n"
                       "+7.000 \\x1b[32mGC: total: 1024, used: 0, free: 1024\\x1b[0m\n"
                       "+7.001  No. of 1-blocks: 0, 2-blocks: 0, max blk sz: 0, max free sz: 64\n"
                       "+7.002 #reset soft reboot\n";
    struct got g;
    read_text(&g, text, 0);
    assert_string_equal(g.log, "S E:reset:soft reboot@7.002 ");
    assert_true(g.times[0] > 6.999 && g.times[0] < 7.001);
}

/* A board that prints a line starting with '#' is not taken for an
 * event: the writer escapes the '#', the reader gives the text back. A
 * "#" line with no kind (the fuzzer made one) is no event either. */
static void test_hash_lines(void **state)
{
    (void)state;
    const char *raw = "#gap not an event\r\n" DUMP(32) "\r\n";
    struct capture_writer *w;
    assert_int_equal(capture_writer_open(path, "p", 0, &w, NULL), HW_OK);
    capture_writer_bytes(w, 1, raw, strlen(raw));
    capture_writer_event(w, 2, "gap", "a real one");
    capture_writer_close(w, NULL);
    const char *text = slurp();
    assert_non_null(strstr(text, "+1.000 \\x23gap not an event\n"));
    struct got g;
    read_text(&g, text, 0);
    assert_string_equal(g.log, "S E:gap:a real one@2.000 ");
    read_text(&g, "+1.000 #\n+1.100 # spaced\n+1.200 #reset x\n", 0);
    assert_string_equal(g.log, "E:reset:x@1.200 ");
}

/* What the writer wrote reads back as the same dumps as the raw bytes. */
static void test_round_trip(void **state)
{
    (void)state;
    const char *raw = "\x1b[32m" DUMP(48) "\x1b[0m\r\n" DUMP(64) "\r\nnoise \\ \x7f\r\n";
    struct capture_writer *w;
    assert_int_equal(capture_writer_open(path, "exec:sim", 0, &w, NULL), HW_OK);
    capture_writer_bytes(w, 12.25, raw, strlen(raw));
    capture_writer_sync(w, 12.5, NULL);
    capture_writer_close(w, NULL);
    struct got a, b;
    read_text(&a, raw, 0);
    read_text(&b, slurp(), 0);
    assert_int_equal(a.snaps, 2);
    assert_int_equal(b.snaps, 2);
    assert_string_equal(a.log, "S S ");
    assert_string_equal(b.log, a.log);
    assert_int_equal(b.used[0], 48);
    assert_int_equal(b.used[1], 64);
    assert_true(b.times[0] > 12.249 && b.times[0] < 12.251);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test_setup_teardown(test_lines_and_events, setup, teardown),
        cmocka_unit_test(test_count_only),
        cmocka_unit_test(test_open_failure),
        cmocka_unit_test(test_reader_order_and_times),
        cmocka_unit_test(test_reader_sessions_one_clock),
        cmocka_unit_test(test_reader_headless_record),
        cmocka_unit_test_setup_teardown(test_hash_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
