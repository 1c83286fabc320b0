/* SPDX-License-Identifier: MIT */
/* json_text.c - snapshots as compact JSON text; see json_text.h.
 *
 * The streamed export writes one of these per dump, so it is written
 * with a cursor into room reserved up front, in literal fragments that
 * carry the keys: a snapshot costs some stores and its integers. Numbers
 * and strings come out as cJSON 1.7's print_number() and
 * print_string_ptr() print them. The common numbers are written without
 * printf where what "%1.15g" prints is known digit for digit: integers
 * below 10^15 (15 digits at most: printed exactly, no exponent), and
 * times to the millisecond and fractions to 4 places, k / 10^p with k
 * below 10^15 (the nearest double to such a decimal prints back as that
 * decimal in 15 digits, and reads back as itself, so cJSON never goes on
 * to "%1.17g"). Anything else goes through the same printf as cJSON. */
#include "json_text.h"
#include "util.h"

#include <float.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void json_text_fini(struct json_text *b)
{
    if (!b)
        return;
    free(b->p);
    memset(b, 0, sizeof(*b));
}

/* The cursor after the first used bytes, with room for need more. */
static char *room(struct json_text *b, size_t used, size_t need)
{
    if (b->cap - used < need) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - used < need)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    return b->p + used;
}

/* The same for a cursor o into b's text. */
#define ROOM(b, o, need) room((b), (size_t)((o) - (b)->p), (need))

void json_text_append(struct json_text *b, const char *text, size_t n)
{
    memcpy(room(b, b->n, n), text, n);
    b->n += n;
}

/* s: a string literal (sizeof is its length + 1; "" s says so to the
 * compiler). o is evaluated once: in LIT(put_u64(o, v), ",") a macro
 * that named it twice wrote the number twice. */
static inline __attribute__((always_inline)) char *lit(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}
#define LIT(o, s) lit((o), "" s, sizeof(s) - 1)

static const char pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233"
                            "34353637383940414243444546474849505152535455565758596061626364656667"
                            "6869707172737475767778798081828384858687888990919293949596979899";

/* Decimal digits of v: log10 from the bit length (1233 / 4096 is just
 * under log10(2)), one compare to settle it. */
static unsigned digits(uint64_t v)
{
    static const uint64_t pow10[20] = {
        1ull,
        10ull,
        100ull,
        1000ull,
        10000ull,
        100000ull,
        1000000ull,
        10000000ull,
        100000000ull,
        1000000000ull,
        10000000000ull,
        100000000000ull,
        1000000000000ull,
        10000000000000ull,
        100000000000000ull,
        1000000000000000ull,
        10000000000000000ull,
        100000000000000000ull,
        1000000000000000000ull,
        10000000000000000000ull,
    };
    v |= 1; /* 0 has one digit, like 1 */
    unsigned t = (unsigned)(64 - __builtin_clzll(v)) * 1233 >> 12;
    return t + (v >= pow10[t]);
}

/* Two digits of v < 100, and four of v < 10000 (leading zeros kept). */
static inline void two(char *o, uint32_t v)
{
    memcpy(o, pairs + 2 * v, 2);
}

static inline void four(char *o, uint32_t v)
{
    two(o, v / 100);
    two(o + 2, v % 100);
}

/* v < 10000 without leading zeros. */
static inline char *up_to_four(char *o, uint32_t v)
{
    if (v < 10) {
        *o = (char)('0' + v);
        return o + 1;
    }
    if (v < 100) {
        two(o, v);
        return o + 2;
    }
    if (v < 1000) {
        *o = (char)('0' + v / 100);
        two(o + 1, v % 100);
        return o + 3;
    }
    four(o, v);
    return o + 4;
}

/* v >= 100 in decimal: in four-digit groups below 10^8 (nearly every
 * count and size), each a division by a constant; two digits at a time
 * from the end above that. */
static char *put_big(char *o, uint64_t v)
{
    if (v < 10000)
        return up_to_four(o, (uint32_t)v);
    if (v < 100000000) {
        o = up_to_four(o, (uint32_t)v / 10000);
        four(o, (uint32_t)v % 10000);
        return o + 4;
    }
    char *end = o + digits(v), *t = end;
    while (v >= 100) {
        t -= 2;
        two(t, (uint32_t)(v % 100));
        v /= 100;
    }
    if (v >= 10)
        two(t - 2, (uint32_t)v);
    else
        t[-1] = (char)('0' + v);
    return end;
}

/* v in decimal. At most 20 bytes. Most counts are small: those inline. */
static inline char *put_u64(char *o, uint64_t v)
{
    if (v < 10) {
        *o = (char)('0' + v);
        return o + 1;
    }
    if (v < 100) {
        memcpy(o, pairs + 2 * v, 2);
        return o + 2;
    }
    return put_big(o, v);
}

static char *put_or_null(char *o, uint64_t v)
{
    return v == UINT64_MAX ? LIT(o, "null") : put_u64(o, v);
}

/* k / 10^places (places 3 or 4, |k| < 10^15 and whole) as "%1.15g"
 * prints it: "-0" and "0", "12", "12.5", "0.0657". At most 20 bytes.
 * Inline, so that the divisions are by constants. */
static inline __attribute__((always_inline)) char *put_fixed(char *o, double k, int places)
{
    if (signbit(k)) {
        *o++ = '-';
        k = -k;
    }
    uint64_t v = (uint64_t)k, scale = places == 3 ? 1000 : 10000;
    o = put_u64(o, v / scale);
    uint32_t frac = (uint32_t)(v % scale);
    if (!frac)
        return o;
    *o = '.';
    if (places == 3) { /* "x.yyy" written whole, then its trailing zeros dropped */
        o[1] = (char)('0' + frac / 100);
        two(o + 2, frac % 100);
    } else {
        four(o + 1, frac);
    }
    int n = places;
    while (o[n] == '0')
        n--;
    return o + n + 1;
}

/* cJSON's compare_double(): equal within one DBL_EPSILON of the larger. */
static bool reads_back(double a, double b)
{
    double max = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    return fabs(a - b) <= max * DBL_EPSILON;
}

size_t json_text_number(char *out, double d)
{
    if (isnan(d) || isinf(d)) {
        memcpy(out, "null", 4);
        return 4;
    }
    if (d == floor(d) && fabs(d) < 1e15) {
        char *o = out;
        if (signbit(d))
            *o++ = '-';
        return (size_t)(put_u64(o, (uint64_t)fabs(d)) - out);
    }
    char buf[32];
    double test = 0;
    int n = snprintf(buf, sizeof(buf), "%1.15g", d);
    if (sscanf(buf, "%lg", &test) != 1 || !reads_back(test, d))
        n = snprintf(buf, sizeof(buf), "%1.17g", d);
    if (n < 0 || (size_t)n >= sizeof(buf))
        n = 0;
    char point = localeconv()->decimal_point[0];
    for (int i = 0; i < n; i++)
        out[i] = buf[i] == point ? '.' : buf[i];
    return (size_t)n;
}

/* round(y) (halves away from zero) without the libm call, for |y| < 2^52:
 * y less its whole part is exact there, so is the compare with a half. */
static inline double round_half_away(double y)
{
    if (!(fabs(y) < 4503599627370496.0)) /* 2^52; and NaN */
        return round(y);
    double t = (double)(int64_t)y, d = y - t;
    /* the sign as round() gives it: round(-0.4) is -0 (and JSON "-0") */
    return copysign(d >= 0.5 ? t + 1 : d <= -0.5 ? t - 1 : t, y);
}

/* A value rounded to places (3 or 4) as export_json.c rounds it, then
 * printed as cJSON prints the rounded double. At most 32 bytes. */
static inline char *put_rounded(char *o, double x, int places)
{
    double scale = places == 3 ? 1000.0 : 10000.0, k = round_half_away(x * scale);
    if (fabs(k) < 1e15)
        return put_fixed(o, k, places);
    return o + json_text_number(o, k / scale);
}

/* s as cJSON prints a string: quoted, '"', '\\' and the control
 * characters escaped, every other byte as it is. At most 6 strlen(s) + 2
 * bytes. */
static char *put_string(char *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    *o++ = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char c = *p;
        if (c > 31 && c != '"' && c != '\\') {
            *o++ = (char)c;
            continue;
        }
        *o++ = '\\';
        switch (c) {
        case '\\':
            *o++ = '\\';
            break;
        case '"':
            *o++ = '"';
            break;
        case '\b':
            *o++ = 'b';
            break;
        case '\f':
            *o++ = 'f';
            break;
        case '\n':
            *o++ = 'n';
            break;
        case '\r':
            *o++ = 'r';
            break;
        case '\t':
            *o++ = 't';
            break;
        default:
            o = LIT(o, "u00");
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
            break;
        }
    }
    *o++ = '"';
    return o;
}

size_t json_text_clean(const char *in, char *out)
{
    size_t n = strlen(in), o = 0;
    const unsigned char *p = (const unsigned char *)in;
    for (size_t i = 0; i < n;) {
        size_t len = p[i] < 0x80             ? 1
                     : (p[i] & 0xe0) == 0xc0 ? 2
                     : (p[i] & 0xf0) == 0xe0 ? 3
                     : (p[i] & 0xf8) == 0xf0 ? 4
                                             : 0;
        bool ok = len && i + len <= n && !(len == 2 && p[i] < 0xc2);
        for (size_t k = 1; ok && k < len; k++)
            ok = (p[i + k] & 0xc0) == 0x80;
        if (!ok) {
            out[o++] = '?';
            i++;
            continue;
        }
        memcpy(out + o, p + i, len);
        o += len;
        i += len;
    }
    out[o] = '\0';
    return o;
}

/* "mem", "stack", "gc", "reported": what the device printed. */
void json_text_string(struct json_text *b, const char *s)
{
    size_t n = strlen(s);
    char *clean = xmalloc(n + 1);
    json_text_clean(s, clean);
    char *o = put_string(room(b, b->n, 6 * n + 2), clean);
    b->n = (size_t)(o - b->p);
    free(clean);
}

static char *put_device(char *o, const struct snapshot *s)
{
    o = LIT(o, ",\"mem\":");
    if (s->has_mem) {
        o = put_u64(LIT(o, "{\"total\":"), s->mem_total);
        o = put_u64(LIT(o, ",\"current\":"), s->mem_current);
        o = LIT(put_u64(LIT(o, ",\"peak\":"), s->mem_peak), "}");
    } else {
        o = LIT(o, "null");
    }
    o = LIT(o, ",\"stack\":");
    if (s->has_stack) {
        o = LIT(put_u64(LIT(o, "{\"used\":"), s->stack_used), ",\"limit\":");
        o = LIT(s->has_stack_limit ? put_u64(o, s->stack_limit) : LIT(o, "null"), "}");
    } else {
        o = LIT(o, "null");
    }
    o = LIT(o, ",\"gc\":");
    if (s->has_gc) {
        o = put_u64(LIT(o, "{\"total\":"), s->gc_total);
        o = put_u64(LIT(o, ",\"used\":"), s->gc_used);
        o = LIT(put_u64(LIT(o, ",\"free\":"), s->gc_free), ",\"max_new_split\":");
        o = LIT(s->has_max_new_split ? put_u64(o, s->max_new_split) : LIT(o, "null"), "}");
    } else {
        o = LIT(o, "null");
    }
    o = LIT(o, ",\"reported\":");
    if (s->has_reported) {
        o = put_u64(LIT(o, "{\"one_block\":"), s->rep_one_block);
        o = put_u64(LIT(o, ",\"two_block\":"), s->rep_two_block);
        o = LIT(put_u64(LIT(o, ",\"max_block\":"), s->rep_max_block), ",\"max_free\":");
        o = LIT(s->has_max_free ? put_u64(o, s->rep_max_free) : LIT(o, "null"), "}");
    } else {
        o = LIT(o, "null");
    }
    return o;
}

/* The symbols of a as a JSON string: they need no escapes, unless the map
 * holds a byte no map should (then exactly as cJSON would print it). */
static char *put_map(struct json_text *b, char *o, const struct area *a)
{
    o = ROOM(b, o, a->n_blocks + 2);
    *o = '"';
    area_symbols(a, o + 1);
    for (size_t i = 1; i <= a->n_blocks; i++) {
        unsigned char c = (unsigned char)o[i];
        if (c <= 31 || c == '"' || c == '\\') {
            char *m = xmalloc(a->n_blocks + 1);
            area_symbols(a, m);
            m[a->n_blocks] = '\0';
            o = put_string(ROOM(b, o, 6 * a->n_blocks + 2), m);
            free(m);
            return o;
        }
    }
    o[a->n_blocks + 1] = '"';
    return o + a->n_blocks + 2;
}

static char *put_areas(struct json_text *b, char *o, const struct snapshot *s, bool with_map)
{
    o = LIT(o, ",\"areas\":[");
    for (size_t i = 0; i < s->n_areas; i++) {
        const struct area *a = &s->areas[i];
        o = ROOM(b, o, 6 * sizeof(a->base) + 128);
        if (i)
            *o++ = ',';
        o = put_string(LIT(o, "{\"base\":"), a->base);
        o = put_u64(LIT(o, ",\"blocks\":"), a->n_blocks);
        o = put_u64(LIT(o, ",\"free_blocks\":"), a->free_blocks);
        o = put_u64(LIT(o, ",\"largest_free_blocks\":"), a->largest_free);
        if (with_map)
            o = put_map(b, LIT(o, ",\"map\":"), a);
        o = ROOM(b, o, 8);
        o = LIT(o, "}");
    }
    return LIT(o, "]");
}

/* Histogram as an array of counts, trailing empty buckets trimmed. */
static char *put_hist(char *o, const size_t *h)
{
    int n = SNAP_HIST_BUCKETS;
    while (n > 0 && h[n - 1] == 0)
        n--;
    *o++ = '[';
    for (int i = 0; i < n; i++) {
        if (i)
            *o++ = ',';
        o = put_u64(o, h[i]);
    }
    *o++ = ']';
    return o;
}

static char *put_metrics(char *o, const struct snapshot *s)
{
    if (!s->has_metrics)
        return LIT(o, ",\"metrics\":null");
    const struct metrics *m = &s->metrics;
    o = put_u64(LIT(o, ",\"metrics\":{\"blocks\":"), m->blocks);
    o = put_u64(LIT(o, ",\"free_blocks\":"), m->free_blocks);
    o = put_u64(LIT(o, ",\"used_blocks\":"), m->used_blocks);
    o = put_u64(LIT(o, ",\"unknown_blocks\":"), m->unknown_blocks);
    o = put_u64(LIT(o, ",\"one_block\":"), m->one_block);
    o = put_u64(LIT(o, ",\"two_block\":"), m->two_block);
    o = put_u64(LIT(o, ",\"max_block\":"), m->max_block);
    o = put_u64(LIT(o, ",\"allocations\":"), m->allocations);
    o = put_u64(LIT(o, ",\"largest_free_blocks\":"), m->largest_free_blocks);
    o = LIT(o, ",\"largest_free_bytes\":");
    o = s->block_size ? put_u64(o, m->largest_free_bytes) : LIT(o, "null");
    o = put_u64(LIT(o, ",\"free_runs\":"), m->free_runs);
    o = put_rounded(LIT(o, ",\"fragmentation\":"), m->fragmentation, 4);
    o = LIT(o, ",\"heads\":{");
    for (int i = 0; i < SNAP_N_HEADS; i++) {
        if (i)
            *o++ = ',';
        o[0] = '"';
        o[1] = SNAP_HEAD_LETTERS[i];
        o[2] = '"';
        o[3] = ':';
        o = put_u64(o + 4, m->heads[i]);
    }
    o = put_hist(LIT(o, "},\"free_run_hist\":"), m->free_hist);
    o = put_hist(LIT(o, ",\"alloc_size_hist\":"), m->alloc_hist);
    return LIT(o, "}");
}

/* ["cut","symbol"]: the names of the bits set. */
static char *put_names(char *o, unsigned bits, int n, const char *(*name)(unsigned))
{
    if (!bits) /* a dump that is whole and agrees: nearly all */
        return LIT(o, "[]");
    *o++ = '[';
    bool first = true;
    for (int i = 0; i < n; i++) {
        if (!(bits & (1u << i)))
            continue;
        if (!first)
            *o++ = ',';
        first = false;
        o = put_string(o, name(1u << i));
    }
    *o++ = ']';
    return o;
}

/* The figures under snapshot.h's one rule: what every other output shows. */
static char *put_figures(char *o, const struct snapshot *s)
{
    o = put_or_null(LIT(o, ",\"figures\":{\"total_bytes\":"), snapshot_total_bytes(s));
    o = put_or_null(LIT(o, ",\"used_bytes\":"), snapshot_used_bytes(s));
    o = put_or_null(LIT(o, ",\"free_bytes\":"), snapshot_free_bytes(s));
    o = put_or_null(LIT(o, ",\"largest_free_bytes\":"), snapshot_largest_free_bytes(s));
    o = put_or_null(LIT(o, ",\"largest_free_blocks\":"), snapshot_largest_free_blocks(s));
    double f = snapshot_fragmentation(s);
    o = LIT(o, ",\"fragmentation\":");
    o = f < 0 ? LIT(o, "null") : put_rounded(o, f, 4);
    return LIT(o, "}");
}

/* Room for everything but the areas: some 60 numbers of 20 digits at
 * most, the keys, and a label escaped 6 bytes to 1. */
enum { FIXED_ROOM = 4096 + 6 * sizeof(((struct snapshot *)0)->label) };

void json_text_snapshot(struct json_text *b, const struct snapshot *s, bool with_map,
                        const long *probe_bytes)
{
    if (!b->p) {
        b->p = xmalloc(FIXED_ROOM);
        b->cap = FIXED_ROOM;
    }
    char *o = room(b, b->n, FIXED_ROOM);
    o = put_u64(LIT(o, "{\"seq\":"), (uint64_t)s->seq);
    o = put_u64(LIT(o, ",\"source\":"), (uint64_t)s->source);
    o = put_u64(LIT(o, ",\"line\":"), (uint64_t)s->line);
    o = LIT(o, ",\"time\":");
    o = s->has_time ? put_rounded(o, s->time, 3) : LIT(o, "null");
    o = LIT(o, ",\"label\":");
    if (s->label[0]) {
        char clean[sizeof(s->label)];
        json_text_clean(s->label, clean);
        o = put_string(o, clean);
    } else {
        o = LIT(o, "null");
    }
    o = put_device(o, s);
    o = LIT(o, ",\"block_size\":");
    o = s->block_size ? put_u64(o, s->block_size) : LIT(o, "null");
    o = put_areas(b, o, s, with_map);
    o = ROOM(b, o, FIXED_ROOM);
    o = put_metrics(o, s);
    o = LIT(o, ",\"consistent\":");
    o = s->consistent < 0 ? LIT(o, "null") : s->consistent ? LIT(o, "true") : LIT(o, "false");
    o = s->complete ? LIT(o, ",\"complete\":true") : LIT(o, ",\"complete\":false");
    o = put_names(LIT(o, ",\"problems\":"), s->problems, SNAP_N_PROBLEMS, snapshot_problem_name);
    o = put_names(LIT(o, ",\"mismatches\":"), s->mismatches, SNAP_N_CHECKS, snapshot_check_name);
    o = put_figures(o, s);
    if (probe_bytes) {
        o = LIT(o, ",\"probe_bytes\":");
        o += json_text_number(o, (double)*probe_bytes);
    }
    o = LIT(o, "}");
    b->n = (size_t)(o - b->p);
}
