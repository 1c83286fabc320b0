/* SPDX-License-Identifier: MIT */
/* lines.c - cutting text into lines; see lines.h.
 *
 * The text is looked at 64 bytes at a time: one pass gives bit masks of
 * the line ends, ESCs and backslashes in those bytes, and every line that
 * ends among them is cut from the masks alone, so a short line costs a few
 * instructions and no byte is looked at twice. */
#include "lines.h"
#include "cpu.h"
#include "memline.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if HW_AVX2
#include <immintrin.h>
#endif

void lines_init(struct lines *ls, lines_cb cb, void *ctx)
{
    ls->cb = cb;
    ls->ctx = ctx;
    ls->n_lf = ls->n_cr = 0;
    ls->offset = ls->start = 0;
    ls->len = 0;
    ls->marks = 0;
    ls->overflow = false;
}

static void deliver(struct lines *ls, const char *p, size_t n, bool too_long)
{
    struct line l = {
        .p = too_long ? "" : p,
        .n = too_long ? 0 : n,
        .number = (ls->n_lf ? ls->n_lf : ls->n_cr) + 1,
        .offset = ls->start,
        .too_long = too_long,
        .marks = ls->marks,
    };
    ls->marks = 0;
    ls->cb(&l, ls->ctx);
}

/* Keep the start of a line that continues in the next piece. */
static void keep(struct lines *ls, const char *p, size_t n)
{
    if (ls->overflow)
        return;
    if (n > sizeof(ls->buf) - ls->len) {
        ls->overflow = true; /* a 2 GB line of garbage costs a scan, not memory */
        ls->len = 0;
        return;
    }
    memcpy(ls->buf + ls->len, p, n);
    ls->len += n;
}

/* A line ended at p + n: with whatever was kept of it, or straight from
 * the piece (the common case: no copy). */
static void line_end(struct lines *ls, const char *p, size_t n)
{
    if (!ls->len && !ls->overflow) {
        deliver(ls, p, n, n > LINES_MAX);
    } else {
        keep(ls, p, n);
        deliver(ls, ls->buf, ls->len, ls->overflow);
    }
    ls->len = 0;
    ls->overflow = false;
}

/* The line from line to its end t (a '\n' or '\r') is complete. */
static inline void end_line(struct lines *ls, const char *line, const char *t)
{
    size_t n = (size_t)(t - line);
    if (!ls->len && !ls->overflow && n <= LINES_MAX) { /* whole in this piece: nearly all */
        struct line l = {.p = line,
                         .n = n,
                         .number = (ls->n_lf ? ls->n_lf : ls->n_cr) + 1,
                         .offset = ls->start,
                         .too_long = false,
                         .marks = ls->marks};
        ls->marks = 0;
        ls->cb(&l, ls->ctx);
    } else {
        line_end(ls, line, n);
    }
    bool lf = *t == '\n'; /* CRLF text alternates: counted, not branched on */
    ls->n_lf += lf;
    ls->n_cr += !lf;
    ls->offset += (uint64_t)(t - line) + 1;
    ls->start = ls->offset;
}

/* What the bytes of a stretch of text hold, 64 to a word: bit k of word
 * i is byte 64 i + k. Masks are made for a stretch at a time, then the
 * lines cut from them, so the vector loop never waits on a callback. */
enum { STRETCH = 32 };
struct stretch {
    uint64_t eol[STRETCH], esc[STRETCH], bsl[STRETCH];
};

/* Cut the lines that end in the n words of st, text at p; returns where
 * the line still open after them begins. */
static const char *cut(struct lines *ls, const struct stretch *st, size_t n, const char *p,
                       const char *line)
{
    for (size_t i = 0; i < n; i++, p += 64) {
        uint64_t eol = st->eol[i], esc = st->esc[i], bsl = st->bsl[i];
        while (eol) {
            unsigned k = (unsigned)__builtin_ctzll(eol);
            if (esc | bsl) {                            /* rare: most words hold neither */
                uint64_t upto = ((uint64_t)2 << k) - 1; /* bits 0..k; k = 63 wraps to all */
                uint64_t before = upto >> 1;
                ls->marks |=
                    (esc & before ? MEMLINE_ESC : 0) | (bsl & before ? MEMLINE_BACKSLASH : 0);
                esc &= ~upto;
                bsl &= ~upto;
            }
            end_line(ls, line, p + k);
            line = p + k + 1;
            eol &= eol - 1;
        }
        if (esc | bsl)
            ls->marks |= (esc ? MEMLINE_ESC : 0) | (bsl ? MEMLINE_BACKSLASH : 0);
    }
    return line;
}

/* The last bytes (less than a word), and what is left of a line at the
 * end of the piece is kept for the next one. */
static void feed_tail(struct lines *ls, const char *line, const char *p, const char *end)
{
    while (p < end) {
        const char *t = memline_eol(p, end, &ls->marks);
        if (!t)
            break;
        end_line(ls, line, t);
        line = p = t + 1;
    }
    if (line < end) {
        keep(ls, line, (size_t)(end - line));
        ls->offset += (uint64_t)(end - line);
    }
}

#ifdef __SSE2__
static inline uint64_t mask16(__m128i v, __m128i c)
{
    return (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, c));
}

static void masks_base(const char *p, size_t n, struct stretch *st)
{
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'), esc = _mm_set1_epi8('\x1b'),
                  bsl = _mm_set1_epi8('\\');
    for (size_t i = 0; i < n; i++, p += 64) {
        uint64_t eol = 0, e = 0, b = 0;
        for (int k = 0; k < 64; k += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + k));
            eol |= (mask16(v, lf) | mask16(v, cr)) << k;
            e |= mask16(v, esc) << k;
            b |= mask16(v, bsl) << k;
        }
        st->eol[i] = eol;
        st->esc[i] = e;
        st->bsl[i] = b;
    }
}

#else
/* The same in plain C, for machines without SSE2. */
static void masks_base(const char *p, size_t n, struct stretch *st)
{
    for (size_t i = 0; i < n; i++, p += 64) {
        uint64_t eol = 0, e = 0, b = 0;
        for (int k = 0; k < 64; k++) {
            uint64_t bit = (uint64_t)1 << k;
            eol |= p[k] == '\n' || p[k] == '\r' ? bit : 0;
            e |= p[k] == '\x1b' ? bit : 0;
            b |= p[k] == '\\' ? bit : 0;
        }
        st->eol[i] = eol;
        st->esc[i] = e;
        st->bsl[i] = b;
    }
}
#endif

#if HW_AVX2
HW_TARGET_AVX2 static inline uint64_t mask32(__m256i v, __m256i c)
{
    return (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, c));
}

HW_TARGET_AVX2 static void masks_avx2(const char *p, size_t n, struct stretch *st)
{
    const __m256i lf = _mm256_set1_epi8('\n'), cr = _mm256_set1_epi8('\r'),
                  esc = _mm256_set1_epi8('\x1b'), bsl = _mm256_set1_epi8('\\');
    for (size_t i = 0; i < n; i++, p += 64) {
        __m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)p);
        __m256i hi = _mm256_loadu_si256((const __m256i *)(const void *)(p + 32));
        st->eol[i] = mask32(lo, lf) | mask32(lo, cr) | (mask32(hi, lf) | mask32(hi, cr)) << 32;
        st->esc[i] = mask32(lo, esc) | mask32(hi, esc) << 32;
        st->bsl[i] = mask32(lo, bsl) | mask32(hi, bsl) << 32;
    }
}
#endif

void lines_feed(struct lines *ls, const char *p, size_t n)
{
    const char *end = p + n, *line = p;
    struct stretch st;
#if HW_AVX2
    bool avx2 = cpu_avx2();
#endif
    while ((size_t)(end - p) >= 64) {
        size_t words = (size_t)(end - p) / 64 < STRETCH ? (size_t)(end - p) / 64 : STRETCH;
#if HW_AVX2
        if (avx2)
            masks_avx2(p, words, &st);
        else
#endif
            masks_base(p, words, &st);
        line = cut(ls, &st, words, p, line);
        p += words * 64;
    }
    feed_tail(ls, line, p, end);
}

void lines_flush(struct lines *ls)
{
    if (ls->len || ls->overflow)
        deliver(ls, ls->buf, ls->len, ls->overflow);
    ls->len = 0;
    ls->overflow = false;
    ls->start = ls->offset;
}
