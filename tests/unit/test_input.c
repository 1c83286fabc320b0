/* SPDX-License-Identifier: MIT */
/* test_input.c - reading a capture (input.c): a compressed file refused by
 * its magic number with the tool that unpacks it, text that only looks like
 * a header read as text, UTF-16 handed on as UTF-8, a pipe on standard input,
 * devices and directories refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct got {
    char text[256];
    size_t n;
    int chunks;
};

static void collect(const char *buf, size_t n, void *ctx)
{
    struct got *g = ctx;
    size_t room = sizeof(g->text) - 1 - g->n;
    memcpy(g->text + g->n, buf, n < room ? n : room);
    g->n += n < room ? n : room;
    g->chunks++;
}

/* Write n bytes to a new temporary file; its path in path. */
static void temp_file(char *path, const void *bytes, size_t n)
{
    strcpy(path, "/tmp/hw-test-input-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, n), (ssize_t)n);
    close(fd);
}

static void refused_as(const void *head, size_t n, const char *tool)
{
    char path[64], hint[160];
    temp_file(path, head, n);
    struct got g = {0};
    struct hw_err err = {0};
    uint64_t bytes = 99;
    assert_int_equal(input_read(path, collect, &g, &bytes, &err), HW_EIO);
    assert_int_equal(g.chunks, 0); /* none of it handed on as text */
    assert_int_equal(bytes, 0);
    char msg[128];
    snprintf(msg, sizeof(msg), "cannot read %s: compressed, not text", path);
    assert_string_equal(err.msg, msg);
    snprintf(hint, sizeof(hint), "unpack it first: %s %s", tool, path);
    assert_string_equal(err.hint, hint);
    unlink(path);
}

static void test_compressed_refused(void **state)
{
    (void)state;
    /* the first bytes of `gzip`, `xz`, `zstd` and `bzip2 -9` output */
    refused_as("\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10, "zcat");
    refused_as("\xfd\x37zXZ\0\0\x04\xe6\xd6\xb4\x46", 12, "xzcat");
    refused_as("\x28\xb5\x2f\xfd\x24\x10\x81\x00", 8, "zstdcat");
    refused_as("BZh91AY&SY\x12\x34", 12, "bzcat");
}

static void read_as_text(const char *text)
{
    char path[64];
    temp_file(path, text, strlen(text));
    struct got g = {0};
    struct hw_err err = {0};
    uint64_t bytes = 0;
    assert_int_equal(input_read(path, collect, &g, &bytes, &err), HW_OK);
    assert_string_equal(g.text, text);
    assert_int_equal(bytes, strlen(text));
    unlink(path);
}

static void test_lookalikes_are_text(void **state)
{
    (void)state;
    read_as_text("BZh9 is how a bzip2 file begins\nGC: total: 1, used: 0\n");
    read_as_text("\x1f"); /* one byte of a magic number is not a magic number */
    read_as_text("7zXZ without its first byte\n");
    read_as_text("GC: total: 7936, used: 1040, free: 6896\n");
}

static void test_utf16_decoded(void **state)
{
    (void)state;
    /* PowerShell's "> log.txt": a BOM, then UTF-16LE */
    const char le[] = "\xff\xfeG\0C\0:\0 \0t\0\xe9\0\n\0";
    char path[64];
    temp_file(path, le, sizeof(le) - 1);
    struct got g = {0};
    struct hw_err err = {0};
    assert_int_equal(input_read(path, collect, &g, NULL, &err), HW_OK);
    assert_string_equal(g.text, "GC: t\xc3\xa9\n");
    unlink(path);
}

static void test_stdin_pipe(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    int saved = dup(STDIN_FILENO);
    dup2(p[0], STDIN_FILENO);
    close(p[0]);
    assert_int_equal(write(p[1], "\x1f\x8b\x08\x00", 4), 4);
    close(p[1]);
    struct got g = {0};
    struct hw_err err = {0};
    assert_int_equal(input_read("-", collect, &g, NULL, &err), HW_EIO);
    dup2(saved, STDIN_FILENO);
    close(saved);
    assert_int_equal(g.chunks, 0);
    assert_string_equal(err.msg, "cannot read (stdin): compressed, not text");
    assert_string_equal(err.hint, "unpack it first: zcat FILE");
}

static void test_devices_and_directories(void **state)
{
    (void)state;
    struct got g = {0};
    struct hw_err err = {0};
    assert_int_equal(input_read("/dev/zero", collect, &g, NULL, &err), HW_EIO);
    assert_string_equal(err.msg, "cannot read /dev/zero: a device, not a capture file");
    assert_string_equal(err.hint, ""); /* no serial port to suggest */
    memset(&err, 0, sizeof(err));
    assert_int_equal(input_read("/dev/null", collect, &g, NULL, &err), HW_OK);
    assert_int_equal(g.chunks, 0);
    assert_int_equal(input_read("/", collect, &g, NULL, &err), HW_EIO);
    assert_string_equal(err.msg, "cannot read /: Is a directory");
    assert_int_equal(input_read("/nonexistent/x", collect, &g, NULL, &err), HW_ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_compressed_refused),      cmocka_unit_test(test_lookalikes_are_text),
        cmocka_unit_test(test_utf16_decoded),           cmocka_unit_test(test_stdin_pipe),
        cmocka_unit_test(test_devices_and_directories),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
