/* SPDX-License-Identifier: MIT */
/* input.c - a capture, read in pieces; see input.h. */
#include "input.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Every input, a file or a pipe, is read() in pieces small enough to stay
 * in the core's L2 cache while the lines are cut from them, so the copy
 * costs little. Mapping the file was slower: on a paravirtualised VM
 * (AMD EPYC, 2026-12-04) mapped 4 MiB windows read the four bench shapes
 * at 0.62-0.84 GB/s, these pieces at 0.87-1.37 GB/s. Pieces of 256 KiB
 * at the start of a page read the micro:bit capture 2-3 % faster than
 * 128, 512 or 1024 KiB ones, and than an unaligned buffer (2026-12-05). */
enum { CHUNK = 256 << 10 };

const char *input_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "(stdin)" : path;
}

static int open_input(const char *path, int *fd, struct hw_err *err)
{
    struct stat st;
    if (strcmp(path, "-") == 0) {
        *fd = STDIN_FILENO;
        return HW_OK;
    }
    /* A device is no capture: /dev/zero never ends, and a serial port
     * never ends either (and its open() may wait for a carrier). Only
     * /dev/null, the empty input, passes. */
    struct stat null_st;
    if (stat(path, &st) == 0 && S_ISCHR(st.st_mode) &&
        !(stat("/dev/null", &null_st) == 0 && st.st_rdev == null_st.st_rdev)) {
        *fd = -1;
        hw_err_set(err, HW_EIO, "cannot read %s: a device, not a capture file", path);
        if (major(st.st_rdev) != 1) /* not /dev/zero and its kin: maybe a serial port */
            hw_err_hint(err, "to sample a board on it: heapwatch %s (or --listen %s)", path, path);
        return HW_EIO;
    }
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return hw_err_set(err, hw_from_errno(errno), "cannot open %s: %s", path, strerror(errno));
    if (fstat(*fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(*fd);
        *fd = -1;
        return hw_err_set(err, HW_EIO, "cannot read %s: Is a directory", path);
    }
    return HW_OK;
}

/* UTF-16 captures: Windows PowerShell's "> log.txt" and many Windows
 * terminals save text as UTF-16LE with a byte-order mark. mem_info is
 * ASCII, so decoding to UTF-8 on the way in is all they need. */
enum utf16 { U16_NO, U16_LE, U16_BE };

struct decoder {
    enum utf16 mode;
    bool decided;
    const char *packed; /* the tool that unpacks it ("zcat"): no text to hand on */
    bool has_carry;     /* an odd byte left over from the previous piece */
    unsigned char carry;
    char *out; /* 3 bytes per code unit at most */
};

/* BOM FF FE / FE FF, or ASCII text with every other byte 0 ("G\0C\0:\0"). */
static enum utf16 sniff(const unsigned char *p, size_t n, size_t *skip)
{
    *skip = 0;
    if (n >= 2 && p[0] == 0xff && p[1] == 0xfe) {
        *skip = 2;
        return U16_LE;
    }
    if (n >= 2 && p[0] == 0xfe && p[1] == 0xff) {
        *skip = 2;
        return U16_BE;
    }
    if (n < 16)
        return U16_NO;
    size_t lo = 0, hi = 0;
    for (size_t i = 0; i + 1 < 16; i += 2) {
        lo += p[i] && !p[i + 1];
        hi += !p[i] && p[i + 1];
    }
    return lo == 8 ? U16_LE : hi == 8 ? U16_BE : U16_NO;
}

static size_t put_utf8(char *o, unsigned u)
{
    if (u >= 0xd800 && u < 0xe000)
        u = '?'; /* a surrogate: no mem_info text needs one */
    if (u < 0x80) {
        o[0] = (char)u;
        return 1;
    }
    if (u < 0x800) {
        o[0] = (char)(0xc0 | (u >> 6));
        o[1] = (char)(0x80 | (u & 0x3f));
        return 2;
    }
    o[0] = (char)(0xe0 | (u >> 12));
    o[1] = (char)(0x80 | ((u >> 6) & 0x3f));
    o[2] = (char)(0x80 | (u & 0x3f));
    return 3;
}

/* A compressed log (CI artefacts are often .gz) holds no text until it is
 * unpacked: say so rather than "0 dumps". The magic numbers of gzip, xz,
 * zstd and bzip2; "BZh9" needs its block magic too, being printable. */
static const char *packer(const unsigned char *p, size_t n)
{
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b)
        return "zcat";
    if (n >= 6 && memcmp(p, "\xfd\x37zXZ\0", 6) == 0)
        return "xzcat";
    if (n >= 4 && memcmp(p, "\x28\xb5\x2f\xfd", 4) == 0)
        return "zstdcat";
    if (n >= 10 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9' &&
        memcmp(p + 4, "1AY&SY", 6) == 0)
        return "bzcat";
    return NULL;
}

bool input_is_utf16(const unsigned char *head, size_t n)
{
    size_t skip;
    return sniff(head, n, &skip) != U16_NO;
}

/* Hand one piece on, decoded if the input is UTF-16. */
static void decode(struct decoder *d, const unsigned char *p, size_t n,
                   void (*chunk)(const char *buf, size_t n, void *ctx), void *ctx)
{
    size_t skip = 0;
    if (!d->decided) {
        d->packed = packer(p, n);
        d->mode = sniff(p, n, &skip);
        d->decided = true;
        if (d->mode != U16_NO)
            d->out = xmalloc(CHUNK / 2 * 3 + 3);
    }
    if (d->packed)
        return;
    if (d->mode == U16_NO) {
        chunk((const char *)p, n, ctx);
        return;
    }
    size_t o = 0;
    for (size_t i = skip; i < n; i++) {
        if (!d->has_carry) {
            d->carry = p[i];
            d->has_carry = true;
            continue;
        }
        unsigned a = d->carry, b = p[i];
        d->has_carry = false;
        o += put_utf8(d->out + o, d->mode == U16_LE ? a | b << 8 : a << 8 | b);
    }
    if (o)
        chunk(d->out, o, ctx);
}

int input_read(const char *path, void (*chunk)(const char *buf, size_t n, void *ctx), void *ctx,
               uint64_t *bytes, struct hw_err *err)
{
    int fd;
    uint64_t got = 0;
    int rc = open_input(path, &fd, err);
    if (bytes)
        *bytes = 0;
    if (rc)
        return rc;
    struct decoder d = {0};
    unsigned char *buf = xmalloc_pages(CHUNK);
    for (;;) {
        ssize_t n = read(fd, buf, CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = hw_err_set(err, hw_from_errno(errno), "cannot read %s: %s", input_name(path),
                            strerror(errno));
        if (n <= 0)
            break;
        got += (uint64_t)n;
        decode(&d, buf, (size_t)n, chunk, ctx);
        if (d.packed)
            break;
    }
    if (d.packed) {
        got = 0; /* none of it was text: the file "could not be read at all" */
        rc = hw_err_set(err, HW_EIO, "cannot read %s: compressed, not text", input_name(path));
        /* no command named: analyze, replay, diff and report all end here */
        hw_err_hint(err, "unpack it first: %s %s", d.packed,
                    strcmp(path, "-") == 0 ? "FILE" : path);
    }
    free(d.out);
    free(buf);
    if (fd != STDIN_FILENO)
        close(fd);
    if (bytes)
        *bytes = got;
    return rc;
}
