/* SPDX-License-Identifier: MIT */
/* capture.c - the capture format both ways; see capture.h and heapwatch(1)
 * FILES. The writer cuts what the board sends at '\n' (dropping '\r', so
 * CRLF and LF boards record alike; a '\r' with no '\n' after it ends a line,
 * as the reader and the live parser take it); the reader cuts its input once, strips
 * the "+S.mmm " stamps, decodes the escapes, turns "#kind" lines into
 * events and hands the board's own text to the mem_info reader. */
#include "capture.h"
#include "fmt.h"
#include "input.h"
#include "lines.h"
#include "memline.h"
#include "memparse.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#ifdef __GLIBC__
#include <stdio_ext.h>
#endif
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* ================================================================ writer */

enum { LINE_MAX_BYTES = 8192 };

struct capture_writer {
    struct sink sink;
    FILE *f;                   /* NULL: count only, or the file failed */
    char *path;                /* NULL: count only */
    char line[LINE_MAX_BYTES]; /* the partial line received so far */
    size_t len;
    double last_t;    /* the latest time given: times never go back */
    long lines;       /* complete lines in the file */
    int failed_errno; /* the first write that failed: the file is closed */
    bool said;        /* the failure was reported */
    bool cr;          /* the last byte was a '\r': a line end unless '\n' follows */
};

/* The first write that failed ends the recording: a full disk that later
 * frees a little space must not get a record with a hole in its middle,
 * so nothing more goes to the file, not even what stdio still holds
 * (dropped, not written by fclose). What was flushed before stays: every
 * sample up to the last one before the failure. */
static void writer_failed(struct capture_writer *w, int e)
{
    if (w->failed_errno)
        return;
    w->failed_errno = e ? e : EIO;
    if (!w->f)
        return;
#ifdef __GLIBC__
    __fpurge(w->f);
#endif
    fclose(w->f);
    w->f = NULL;
}

size_t capture_escape(const char *in, size_t n, char *out, size_t cap)
{
    return fmt_escape(in, n, out, cap);
}

/* One line of the file. The board's own text never starts with '#': that
 * is an event line's mark, so a board that prints "#gap" is written
 * "\x23gap" and read back as its text. */
static void put_line(struct capture_writer *w, double t, const char *body, size_t n, bool event)
{
    if (t < w->last_t)
        t = w->last_t;
    w->last_t = t;
    w->lines++;
    if (!w->f)
        return;
    char esc[LINE_MAX_BYTES * 4 + 1];
    size_t k = 0;
    if (!event && n && body[0] == '#') {
        memcpy(esc, "\\x23", 4);
        k = 4;
        body++;
        n--;
    }
    capture_escape(body, n, esc + k, sizeof(esc) - k);
    /* milliseconds rounded once, so the reader gets back the very time
     * the live JSON shows for the same sample */
    long long ms = llround(t * 1000.0);
    if (fprintf(w->f, "+%lld.%03lld %s\n", ms / 1000, ms % 1000, esc) < 0)
        writer_failed(w, errno);
}

/* Lines already in a file appended to. Only a regular file has them:
 * --record /dev/full (or a FIFO) would be read forever, before a byte is
 * written. */
static long count_lines(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    char buf[1 << 16];
    long n = 0;
    ssize_t r;
    while ((r = read(fd, buf, sizeof(buf))) > 0)
        for (const char *p = buf; (p = memchr(p, '\n', (size_t)(buf + r - p))); p++)
            n++;
    close(fd);
    return n;
}

static void header(struct capture_writer *w, const char *port, double start)
{
    char stamp[40];
    time_t secs = (time_t)floor(start);
    struct tm tm;
    gmtime_r(&secs, &tm);
    size_t k = strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(stamp + k, sizeof(stamp) - k, ".%03dZ", (int)((start - (double)secs) * 1000.0) % 1000);
    w->lines++;
    if (w->f)
        fprintf(w->f, "#heapwatch-record %d port=%s start=%s version=%s\n", CAPTURE_FORMAT, port,
                stamp, HW_VERSION);
}

static const struct sink_ops writer_ops;

int capture_writer_start(struct capture_writer *w, const char *path, const char *port, double start,
                         struct hw_err *err)
{
    capture_writer_stop(w, NULL);
    long existing = count_lines(path);
    FILE *f = fopen(path, "a");
    if (!f)
        return hw_err_set(err, hw_from_errno(errno), "cannot create %s: %s", path, strerror(errno));
    w->f = f;
    w->path = xstrdup(path);
    w->lines = existing;
    w->failed_errno = 0;
    w->said = false;
    header(w, port, start);
    if (fflush(f) != 0) {
        int e = errno;
        capture_writer_stop(w, NULL);
        w->failed_errno = 0; /* no recording: said here, not by later syncs */
        return hw_err_set(err, hw_from_errno(e), "cannot write %s: %s", path, strerror(e));
    }
    return HW_OK;
}

int capture_writer_stop(struct capture_writer *w, struct hw_err *err)
{
    if (!w->path)
        return HW_OK;
    int rc = capture_writer_sync(w, w->last_t, err);
    if (w->f && fclose(w->f) != 0 && rc == HW_OK)
        rc = hw_err_set(err, HW_EIO, "cannot write %s: %s", w->path, strerror(errno));
    w->f = NULL;
    free(w->path);
    w->path = NULL;
    w->failed_errno = 0; /* said by rc; counting goes on without a file */
    return rc;
}

int capture_writer_open(const char *path, const char *port, double start,
                        struct capture_writer **out, struct hw_err *err)
{
    struct capture_writer *w = xcalloc(1, sizeof(*w));
    w->sink.ops = &writer_ops;
    *out = NULL;
    if (!path) {
        header(w, port, start); /* counted as a fresh file would have it */
    } else {
        int rc = capture_writer_start(w, path, port, start, err);
        if (rc) {
            free(w);
            return rc;
        }
    }
    *out = w;
    return HW_OK;
}

void capture_writer_bytes(struct capture_writer *w, double t, const void *buf, size_t n)
{
    const char *p = buf;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '\n') {
            put_line(w, t, w->line, w->len, false); /* stamped when complete */
            w->len = 0;
            w->cr = false;
        } else if (c == '\r') {
            w->cr = true; /* "\r\n" and "\r\r\n" (a doubled CR) end one line */
        } else {
            if (w->cr) { /* "...hAA\r00000c00: ..." when the '\n' was lost on the wire */
                put_line(w, t, w->line, w->len, false);
                w->len = 0;
                w->cr = false;
            }
            if (w->len == sizeof(w->line)) { /* a babbling device: cut, don't grow */
                put_line(w, t, w->line, w->len, false);
                w->len = 0;
            }
            w->line[w->len++] = c;
        }
    }
}

void capture_writer_event(struct capture_writer *w, double t, const char *kind, const char *detail)
{
    char body[512];
    int n = snprintf(body, sizeof(body), "#%s%s%s", kind, detail ? " " : "", detail ? detail : "");
    size_t len = n < 0 ? 0 : (size_t)n;
    put_line(w, t, body, len < sizeof(body) ? len : sizeof(body) - 1, true);
}

int capture_writer_sync(struct capture_writer *w, double t, struct hw_err *err)
{
    if (w->len) {
        put_line(w, t, w->line, w->len, false);
        w->len = 0;
        w->cr = false; /* that line is written: a '\r' that ended it ends nothing more */
    }
    if (w->f && fflush(w->f) != 0)
        writer_failed(w, errno);
    if (w->failed_errno)
        return hw_err_set(err, hw_from_errno(w->failed_errno),
                          "record %s: %s; recording stopped, sampling goes on", w->path,
                          strerror(w->failed_errno));
    return HW_OK;
}

int capture_writer_failed(const struct capture_writer *w)
{
    return w ? w->failed_errno : 0;
}

long capture_writer_next_line(const struct capture_writer *w)
{
    return w->lines + 1;
}

long capture_writer_line_for(const struct capture_writer *w, char next)
{
    /* after a '\r', anything but '\n' or '\r' starts a line of its own */
    return w->lines + 1 + (w->cr && next != '\n' && next != '\r' ? 1 : 0);
}

const char *capture_writer_path(const struct capture_writer *w)
{
    return w->path;
}

int capture_writer_close(struct capture_writer *w, struct hw_err *err)
{
    if (!w)
        return HW_OK;
    int rc = capture_writer_stop(w, err);
    free(w);
    return rc;
}

/* The first failure is said once; the record stays as complete as the
 * disk allowed, and sampling goes on. */
static int writer_item(struct sink *s, const struct hw_item *it, struct hw_err *err)
{
    struct capture_writer *w = (struct capture_writer *)s;
    switch (it->kind) {
    case HW_ITEM_BYTES:
        capture_writer_bytes(w, it->time, it->data, it->len);
        return HW_OK;
    case HW_ITEM_EVENT:
        capture_writer_event(w, it->time, it->event, it->detail);
        break;
    case HW_ITEM_SNAPSHOT:
        break;
    default:
        return HW_OK;
    }
    int rc = capture_writer_sync(w, it->kind == HW_ITEM_EVENT ? it->time : w->last_t, err);
    if (rc == HW_OK || w->said)
        return HW_OK;
    w->said = true;
    return rc;
}

static int writer_close(struct sink *s, struct hw_err *err)
{
    return capture_writer_close((struct capture_writer *)s, err);
}

static const struct sink_ops writer_ops = {writer_item, writer_close};

struct sink *capture_writer_sink(struct capture_writer *w)
{
    return w ? &w->sink : NULL;
}

/* ================================================================ reader */

struct pending {
    double time;
    char *kind, *detail; /* owned */
};

struct capture_reader {
    struct stream *st;
    struct memparse *mp;
    struct lines lines;
    struct capture_pos pos;
    bool has_start0;
    double start0; /* the first session's start= (epoch seconds) */
    /* events that came while a dump was open wait for its snapshot, so
     * items stay in file order */
    struct pending *q;
    size_t nq, capq;
    char body[LINES_MAX]; /* a line with its escapes decoded */
    const char *stamp;    /* the stamp of the line being read, or NULL */
    size_t stamp_len;
};

static void flush_events(struct capture_reader *r)
{
    for (size_t i = 0; i < r->nq; i++) {
        stream_event(r->st, r->q[i].time, r->q[i].kind, r->q[i].detail);
        free(r->q[i].kind);
        free(r->q[i].detail);
    }
    r->nq = 0;
}

static void on_snapshot(const struct snapshot *s, void *ctx)
{
    struct capture_reader *r = ctx;
    stream_snapshot(r->st, s);
    flush_events(r);
}

static void on_line(const struct line *l, void *ctx);
static bool line_clock(void *ctx, double *t);

struct capture_reader *capture_reader_new(int source, struct stream *st)
{
    struct capture_reader *r = xcalloc(1, sizeof(*r));
    r->st = st;
    r->mp = memparse_new(on_snapshot, r);
    memparse_set_clock(r->mp, line_clock, r);
    memparse_begin_source(r->mp, source);
    lines_init(&r->lines, on_line, r);
    return r;
}

void capture_reader_free(struct capture_reader *r)
{
    if (!r)
        return;
    memparse_free(r->mp);
    for (size_t i = 0; i < r->nq; i++) {
        free(r->q[i].kind);
        free(r->q[i].detail);
    }
    free(r->q);
    free(r);
}

/* "2026-11-26T03:44:39.512Z" (or without ".512") to epoch seconds. */
static bool parse_stamp(const char *p, size_t n, double *out)
{
    struct tm tm = {0};
    int ms = 0, used = 0;
    char buf[40];
    if (n >= sizeof(buf))
        return false;
    memcpy(buf, p, n);
    buf[n] = '\0';
    if (sscanf(buf, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &used) != 6)
        return false;
    if (buf[used] == '.')
        ms = atoi(buf + used + 1);
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    time_t t = timegm(&tm);
    if (t == (time_t)-1)
        return false;
    *out = (double)t + ms / 1000.0;
    return true;
}

/* "#heapwatch-record 1 port=... start=2026-...Z version=...": a new
 * session, on the clock of the file's first one, never before what came. */
static __attribute__((noinline)) void session(struct capture_reader *r, const char *p, size_t n)
{
    memparse_end_dump(r->mp); /* a dump cannot run on into another session */
    double start = 0;
    const char *s = memmem(p, n, " start=", 7);
    bool known = false;
    if (s) {
        const char *v = s + 7, *e = memchr(v, ' ', (size_t)(p + n - v));
        known = parse_stamp(v, (size_t)((e ? e : p + n) - v), &start);
    }
    double base = r->pos.last;
    if (known && !r->has_start0) {
        r->has_start0 = true;
        r->start0 = start;
        base = 0;
    } else if (known && start - r->start0 > base) {
        base = start - r->start0;
    }
    r->pos.record = true;
    r->pos.base = base;
}

/* "+12.345 " at the start of a line: the length of the stamp, or 0. */
static size_t stamp(const char *p, size_t n, double *t)
{
    static const double inv[] = {1, 1e-1, 1e-2, 1e-3, 1e-4, 1e-5, 1e-6, 1e-7, 1e-8, 1e-9, 1e-10};
    uint64_t whole = 0, frac = 0, scale = 1;
    int digits = 0;
    size_t i = 1;
    if (n < 3 || p[0] != '+' || p[1] < '0' || p[1] > '9')
        return 0;
    for (; i < n && i < 20 && p[i] >= '0' && p[i] <= '9'; i++)
        whole = whole * 10 + (uint64_t)(p[i] - '0');
    if (i < n && p[i] == '.')
        for (i++; i < n && scale < 1000000000 && p[i] >= '0' && p[i] <= '9'; i++) {
            frac = frac * 10 + (uint64_t)(p[i] - '0');
            scale *= 10;
            digits++;
        }
    if (i >= n || p[i] != ' ')
        return 0;
    *t = (double)whole + (double)frac * inv[digits]; /* no division on every line */
    return i + 1;
}

/* Events after which the stream of the board broke: the dump being read
 * ends there. The others (stderr, gc, calibrated...) wait for it. */
static bool breaks_stream(const char *kind)
{
    return !strcmp(kind, "gap") || !strcmp(kind, "resume") || !strcmp(kind, "reset") ||
           !strcmp(kind, "timeout");
}

/* "#gap cannot read /dev/ttyACM0: device disconnected" */
static __attribute__((noinline)) void event_line(struct capture_reader *r, const char *p, size_t n,
                                                 double t)
{
    const char *sp = memchr(p, ' ', n);
    size_t kn = sp ? (size_t)(sp - p) : n;
    if (kn == 0 || memchr(p, '\0', kn))
        return; /* "#", "# ..." or a NUL in the kind: no kind, so no event
                 * (no writer makes one; the fuzzer did) */
    char kind[64];
    snprintf(kind, sizeof(kind), "%.*s", (int)(kn < sizeof(kind) ? kn : sizeof(kind) - 1), p);
    char *detail = NULL;
    if (sp) {
        size_t dn = (size_t)(p + n - sp - 1);
        detail = xmalloc(dn + 1);
        detail[capture_unescape(sp + 1, dn, detail, NULL)] = '\0';
    }
    if (breaks_stream(kind))
        memparse_end_dump(r->mp);
    if (memparse_in_dump(r->mp)) {
        if (r->nq == r->capq) {
            r->capq = r->capq ? r->capq * 2 : 8;
            r->q = xrealloc(r->q, r->capq * sizeof(*r->q));
        }
        r->q[r->nq++] = (struct pending){t, xstrdup(kind), detail};
        return;
    }
    stream_event(r->st, t, kind, detail);
    free(detail);
}

/* The next backslash in [p, end), or end: a call to memchr costs more
 * than the few bytes of a short line. */
static const char *next_backslash(const char *p, const char *end)
{
    if (end - p >= 32) {
        const char *b = memchr(p, '\\', (size_t)(end - p));
        return b ? b : end;
    }
    while (p < end && *p != '\\')
        p++;
    return p;
}

size_t capture_unescape(const char *p, size_t n, char *out, bool *esc)
{
    bool e = false;
    /* the text between backslashes copied whole: a record line holds one
     * or two escapes ("\x04\x04>") in a line of plain text */
    const char *q = p, *end = p + n;
    char *o = out;
    while (q < end) {
        const char *b = next_backslash(q, end);
        if (b > q) { /* "\x04\x04>" has nothing between: no call for it */
            memcpy(o, q, (size_t)(b - q));
            o += b - q;
        }
        q = b;
        if (q == end)
            break;
        int hi, lo;
        if (q + 1 < end && q[1] == '\\') {
            *o++ = '\\';
            q += 2;
        } else if (q + 3 < end && q[1] == 'x' && (hi = memline_hexval(q[2])) >= 0 &&
                   (lo = memline_hexval(q[3])) >= 0) {
            *o++ = (char)(hi << 4 | lo);
            e |= o[-1] == '\x1b';
            q += 4;
        } else {
            *o++ = *q++;
        }
    }
    if (esc)
        *esc = e;
    return (size_t)(o - out);
}

/* How many of the first 16 bytes at p (16 readable) are digits or '.'. */
static size_t stamp_chars16(const char *p)
{
#ifdef __SSE2__
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                  _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
    __m128i ok = _mm_or_si128(digit, _mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
    return (size_t)__builtin_ctz(~(unsigned)_mm_movemask_epi8(ok));
#else
    size_t i = 0;
    while (i < 16 && ((p[i] >= '0' && p[i] <= '9') || p[i] == '.'))
        i++;
    return i;
#endif
}

/* The length of the stamp "+S.mmm " at p, without reading its number:
 * on every line of a record, so its digits are found 16 at a time rather
 * than by a loop whose end the branch predictor cannot guess. */
static size_t stamp_len(const char *p, size_t n)
{
    if (n < 3 || p[0] != '+' || p[1] < '0' || p[1] > '9')
        return 0;
    size_t i = 2, lim = n < 40 ? n : 40;
    if (n >= 17)
        i = 1 + stamp_chars16(p + 1);
    if (i == 17 || n < 17)
        while (i < lim && ((p[i] >= '0' && p[i] <= '9') || p[i] == '.'))
            i++;
    return i < n && p[i] == ' ' ? i + 1 : 0;
}

/* The time of a stamp on the capture's clock, which never goes back. */
static double stamp_time(struct capture_reader *r, const char *p, size_t n)
{
    double t = 0;
    stamp(p, n, &t);
    t += r->pos.base;
    if (t < r->pos.last)
        t = r->pos.last;
    r->pos.last = t;
    return t;
}

/* memparse asks only for the lines that open a dump */
static bool line_clock(void *ctx, double *t)
{
    struct capture_reader *r = ctx;
    if (!r->stamp)
        return false;
    *t = stamp_time(r, r->stamp, r->stamp_len);
    return true;
}

/* One line of a record session: "+S.mmm " and then the board's text or an
 * event. A stamped line is taken as one even without a header (a record
 * cut with tail(1)). Returns false for a line that is not stamped. */
static bool stamped_line(struct capture_reader *r, const struct line *l)
{
    size_t k = stamp_len(l->p, l->n);
    if (!k)
        return false;
    const char *body = l->p + k;
    size_t n = l->n - k;
    if (n && body[0] == '#') {
        event_line(r, body + 1, n - 1, stamp_time(r, l->p, k));
        return true;
    }
    /* field by field: a copy of the whole struct is a wide load of what
     * the line cutter has just stored narrow, and waits for it */
    struct line dl = {.p = body,
                      .n = n,
                      .number = l->number,
                      .offset = l->offset,
                      .marks = l->marks & MEMLINE_ESC}; /* decoding can only add ESCs: below */
    if (l->marks & MEMLINE_BACKSLASH) {                 /* in the body: a stamp holds none */
        bool esc;
        dl.p = r->body;
        dl.n = capture_unescape(body, n, r->body, &esc);
        if (esc) /* "\x1b" is how a record keeps colours; "\x04\x04>" ends each answer */
            dl.marks |= MEMLINE_ESC;
    }
    r->stamp = l->p;
    r->stamp_len = k;
    memparse_line(r->mp, &dl);
    r->stamp = NULL;
    return true;
}

static void on_line(const struct line *l, void *ctx)
{
    struct capture_reader *r = ctx;
    static const char magic[] = "#heapwatch-record ";
    /* nearly every line is stamped: its first byte decides (a line too
     * long to keep comes empty) */
    char first = l->n ? l->p[0] : '\0';
    if (first == '+' && stamped_line(r, l))
        return;
    if (first == '#' && l->n >= sizeof(magic) - 1 && !memcmp(l->p, magic, sizeof(magic) - 1)) {
        session(r, l->p, l->n);
        return;
    }
    memparse_line(r->mp, l);
}

void capture_reader_feed(struct capture_reader *r, const char *buf, size_t n)
{
    lines_feed(&r->lines, buf, n);
}

void capture_reader_flush(struct capture_reader *r)
{
    lines_flush(&r->lines);
    memparse_end_dump(r->mp);
    flush_events(r);
}

struct capture_pos capture_reader_pos(const struct capture_reader *r)
{
    return r->pos;
}

void capture_reader_number(struct capture_reader *r, long seq)
{
    memparse_set_seq(r->mp, seq);
}

void capture_reader_seek(struct capture_reader *r, const struct capture_pos *pos, uint64_t offset)
{
    memparse_end_dump(r->mp);
    flush_events(r);
    lines_init(&r->lines, on_line, r);
    r->lines.offset = r->lines.start = offset;
    r->pos = *pos;
}

static void feed_chunk(const char *buf, size_t n, void *ctx)
{
    capture_reader_feed(ctx, buf, n);
}

int capture_read(const char *path, int source, long *seq, struct stream *st, struct hw_err *err)
{
    const char *name = input_name(path);
    struct hw_item begin = {.kind = HW_ITEM_BEGIN, .source = source, .name = name};
    stream_emit(st, &begin);
    struct capture_reader *r = capture_reader_new(source, st);
    if (seq)
        memparse_set_seq(r->mp, *seq);
    struct hw_err e = {0};
    uint64_t bytes = 0;
    int rc = input_read(path, feed_chunk, r, &bytes, &e);
    capture_reader_flush(r);
    if (seq)
        *seq = memparse_seq(r->mp);
    capture_reader_free(r);
    if (rc) {
        stream_message(st, &e); /* said now, in its place among the files */
        e.said = true;
    }
    struct hw_item end = {.kind = HW_ITEM_END,
                          .source = source,
                          .name = name,
                          .msg = rc ? &e : NULL,
                          .len = (size_t)bytes};
    stream_emit(st, &end);
    if (rc && err)
        *err = e;
    return rc;
}
