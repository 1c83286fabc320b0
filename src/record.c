/* SPDX-License-Identifier: MIT */
/* record.c - the record file writer; the format is in record.h and in
 * heapwatch(1) FILES. Lines are cut at '\n'; '\r' is dropped, so CRLF
 * boards and LF boards record alike. */
#include "record.h"
#include "fmt.h"
#include "util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { LINE_MAX_BYTES = 8192 };

struct record {
    FILE *f;
    char *path;
    char line[LINE_MAX_BYTES]; /* the partial line received so far */
    size_t len;
    double last_t;             /* the latest time given, for record_close */
    int failed_errno;
};

size_t record_escape(const char *in, size_t n, char *out, size_t cap)
{
    return fmt_escape(in, n, out, cap);
}

static void put_line(struct record *r, double t, const char *body, size_t n)
{
    if (t < r->last_t)
        t = r->last_t; /* times in the file never go back */
    r->last_t = t;
    char esc[LINE_MAX_BYTES * 4 + 1];
    record_escape(body, n, esc, sizeof(esc));
    if (fprintf(r->f, "+%.3f %s\n", t, esc) < 0 && !r->failed_errno)
        r->failed_errno = errno ? errno : EIO;
}

int record_open(const char *path, const char *port, double start, struct record **out,
                struct hw_err *err)
{
    *out = NULL;
    FILE *f = fopen(path, "a");
    if (!f)
        return hw_err_set(err, hw_from_errno(errno), "cannot create %s: %s", path,
                          strerror(errno));
    struct record *r = xcalloc(1, sizeof(*r));
    r->f = f;
    r->path = xstrdup(path);
    char stamp[40];
    time_t secs = (time_t)start;
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t k = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(stamp + k, sizeof(stamp) - k, ".%03dZ", (int)((start - (double)secs) * 1000) % 1000);
    fprintf(f, "#heapwatch-record 1 port=%s start=%s version=%s\n", port, stamp, HW_VERSION);
    if (fflush(f) != 0) {
        int e = errno;
        fclose(f);
        free(r->path);
        free(r);
        return hw_err_set(err, hw_from_errno(e), "cannot write %s: %s", path, strerror(e));
    }
    *out = r;
    return HW_OK;
}

void record_rx(struct record *r, double t, const void *buf, size_t n)
{
    if (!r)
        return;
    const char *p = buf;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '\n') {
            /* stamped when complete, so times in the file never go back */
            put_line(r, t, r->line, r->len);
            r->len = 0;
        } else if (c != '\r') {
            if (r->len == sizeof(r->line)) { /* a babbling device: cut, don't grow */
                put_line(r, t, r->line, r->len);
                r->len = 0;
            }
            r->line[r->len++] = c;
        }
    }
}

void record_event(struct record *r, double t, const char *kind, const char *detail)
{
    if (!r)
        return;
    char body[512];
    int n = snprintf(body, sizeof(body), "#%s%s%s", kind, detail ? " " : "", detail ? detail : "");
    put_line(r, t, body, n < 0 ? 0 : (size_t)n >= sizeof(body) ? sizeof(body) - 1 : (size_t)n);
}

int record_sync(struct record *r, double t, struct hw_err *err)
{
    if (!r)
        return HW_OK;
    if (r->len) {
        put_line(r, t, r->line, r->len);
        r->len = 0;
    }
    if (fflush(r->f) != 0 && !r->failed_errno)
        r->failed_errno = errno ? errno : EIO;
    if (r->failed_errno)
        return hw_err_set(err, hw_from_errno(r->failed_errno), "cannot write %s: %s", r->path,
                          strerror(r->failed_errno));
    return HW_OK;
}

int record_close(struct record *r, struct hw_err *err)
{
    if (!r)
        return HW_OK;
    int rc = record_sync(r, r->last_t, err);
    if (fclose(r->f) != 0 && rc == HW_OK)
        rc = hw_err_set(err, HW_EIO, "cannot write %s: %s", r->path, strerror(errno));
    free(r->path);
    free(r);
    return rc;
}
