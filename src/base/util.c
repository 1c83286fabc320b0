/* SPDX-License-Identifier: MIT */
/* util.c - error records, allocation wrappers, die() and clocks. */
#include "util.h"
#include "hw.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void (*die_hook)(void);

int hw_err_set(struct hw_err *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
        va_end(ap);
        err->code = code;
        err->hint[0] = '\0';
    }
    return code;
}

void hw_err_hint(struct hw_err *err, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->hint, sizeof(err->hint), fmt, ap);
        va_end(ap);
    }
}

const char *hw_strerror(int code)
{
    switch (code) {
    case HW_OK:
        return "success";
    case HW_EIO:
        return "input/output error";
    case HW_ETIMEDOUT:
        return "timed out";
    case HW_EPROTO:
        return "protocol error";
    case HW_EPARSE:
        return "parse error";
    case HW_EDISCONNECTED:
        return "device disconnected";
    case HW_EBUSY:
        return "busy";
    case HW_EARG:
        return "invalid argument";
    case HW_ENOMEM:
        return "out of memory";
    case HW_EPERM:
        return "permission denied";
    case HW_ENOENT:
        return "not found";
    default:
        return "unknown error";
    }
}

int hw_from_errno(int e)
{
    switch (e) {
    case EACCES:
    case EPERM:
        return HW_EPERM;
    case ENOENT:
    case ENODEV:
    case ENXIO:
        return HW_ENOENT;
    case EBUSY:
        return HW_EBUSY;
    case ETIMEDOUT:
        return HW_ETIMEDOUT;
    case ENOMEM:
        return HW_ENOMEM;
    case EINVAL:
        return HW_EARG;
    default:
        return HW_EIO;
    }
}

void util_set_die_hook(void (*hook)(void))
{
    die_hook = hook;
}

void die(const char *fmt, ...)
{
    va_list ap;
    if (die_hook) {
        void (*h)(void) = die_hook;
        die_hook = NULL; /* a failing hook must not recurse */
        h();
    }
    fputs("heapwatch: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(HW_EXIT_RUNTIME);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory (%zu bytes)", n);
    return p;
}

void *xmalloc_pages(size_t n)
{
    size_t page = 4096;
    void *p = aligned_alloc(page, (n + page - 1) / page * page);
    if (!p)
        die("out of memory (%zu bytes)", n);
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        die("out of memory (%zu x %zu bytes)", n, size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die("out of memory (%zu bytes)", n);
    return q;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

void util_zero(void *p, size_t n)
{
    memset(p, 0, n);
}

int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double wall_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}
