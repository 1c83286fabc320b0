/* SPDX-License-Identifier: MIT */
/* mapsym.c - the symbols of one map line, checked, stored as the map
 * keeps them and made into the line's masks in one pass; see mapsym.h.
 * Every map line of every dump comes through here, so the common case
 * (64 symbols as printed) is one AVX2 step where the CPU has it, 16 at a
 * time with SSE2 otherwise, and anything unusual goes byte by byte. */
#include "mapsym.h"
#include "cpu.h"
#include "memline.h"

#include <stdbool.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif
#if HW_AVX2
#include <immintrin.h>
#endif

/* Blocks i.. of a map line as stored, 16 or 32 at a time while every
 * symbol is stored as printed ('.', '=', a letter other than 't'); whatever
 * else turns up is left to the byte loop. Bits go into f (free), t (tails);
 * the heads are the rest. Returns how far they got. */
#ifdef __SSE2__
static size_t plain_sse2(char *dst, const char *src, size_t i, size_t n, uint64_t *f, uint64_t *t)
{
    const __m128i dot = _mm_set1_epi8('.'), eq = _mm_set1_epi8('='), tee = _mm_set1_epi8('t');
    const __m128i case_bit = _mm_set1_epi8(0x20), a = _mm_set1_epi8('a'), z = _mm_set1_epi8(25);
    for (; n - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(src + i));
        __m128i off = _mm_sub_epi8(_mm_or_si128(v, case_bit), a);
        __m128i alpha =
            _mm_andnot_si128(_mm_cmpeq_epi8(v, tee), _mm_cmpeq_epi8(_mm_min_epu8(off, z), off));
        __m128i d = _mm_cmpeq_epi8(v, dot), e = _mm_cmpeq_epi8(v, eq);
        if (_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(d, e), alpha)) != 0xffff)
            break;
        _mm_storeu_si128((__m128i *)(void *)(dst + i), v);
        *f |= (uint64_t)(unsigned)_mm_movemask_epi8(d) << i;
        *t |= (uint64_t)(unsigned)_mm_movemask_epi8(e) << i;
    }
    return i;
}
#endif

#if HW_AVX2
HW_TARGET_AVX2 static size_t plain_avx2(char *dst, const char *src, size_t n, uint64_t *f,
                                        uint64_t *t)
{
    const __m256i dot = _mm256_set1_epi8('.'), eq = _mm256_set1_epi8('='),
                  tee = _mm256_set1_epi8('t'), case_bit = _mm256_set1_epi8(0x20),
                  a = _mm256_set1_epi8('a'), z = _mm256_set1_epi8(25);
    size_t i = 0;
    for (; n - i >= 32; i += 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(src + i));
        __m256i off = _mm256_sub_epi8(_mm256_or_si256(v, case_bit), a);
        __m256i alpha = _mm256_andnot_si256(_mm256_cmpeq_epi8(v, tee),
                                            _mm256_cmpeq_epi8(_mm256_min_epu8(off, z), off));
        __m256i d = _mm256_cmpeq_epi8(v, dot), e = _mm256_cmpeq_epi8(v, eq);
        if (_mm256_movemask_epi8(_mm256_or_si256(_mm256_or_si256(d, e), alpha)) != -1)
            break;
        _mm256_storeu_si256((__m256i *)(void *)(dst + i), v);
        *f |= (uint64_t)(uint32_t)_mm256_movemask_epi8(d) << i;
        *t |= (uint64_t)(uint32_t)_mm256_movemask_epi8(e) << i;
    }
    return i;
}
#endif

#if HW_AVX2
/* A whole line of 64 symbols all stored as printed (nearly every line of
 * every map): both halves checked at once, no loop; false if not. */
HW_TARGET_AVX2 static bool line64_avx2(char *dst, const char *src, struct line_masks *m)
{
    const __m256i dot = _mm256_set1_epi8('.'), eq = _mm256_set1_epi8('='),
                  tee = _mm256_set1_epi8('t'), case_bit = _mm256_set1_epi8(0x20),
                  a = _mm256_set1_epi8('a'), z = _mm256_set1_epi8(25);
    __m256i lo = _mm256_loadu_si256((const __m256i *)(const void *)src);
    __m256i hi = _mm256_loadu_si256((const __m256i *)(const void *)(src + 32));
    __m256i off_lo = _mm256_sub_epi8(_mm256_or_si256(lo, case_bit), a);
    __m256i off_hi = _mm256_sub_epi8(_mm256_or_si256(hi, case_bit), a);
    __m256i alpha_lo = _mm256_andnot_si256(_mm256_cmpeq_epi8(lo, tee),
                                           _mm256_cmpeq_epi8(_mm256_min_epu8(off_lo, z), off_lo));
    __m256i alpha_hi = _mm256_andnot_si256(_mm256_cmpeq_epi8(hi, tee),
                                           _mm256_cmpeq_epi8(_mm256_min_epu8(off_hi, z), off_hi));
    __m256i d_lo = _mm256_cmpeq_epi8(lo, dot), d_hi = _mm256_cmpeq_epi8(hi, dot);
    __m256i e_lo = _mm256_cmpeq_epi8(lo, eq), e_hi = _mm256_cmpeq_epi8(hi, eq);
    __m256i ok = _mm256_and_si256(_mm256_or_si256(_mm256_or_si256(d_lo, e_lo), alpha_lo),
                                  _mm256_or_si256(_mm256_or_si256(d_hi, e_hi), alpha_hi));
    if (_mm256_movemask_epi8(ok) != -1)
        return false;
    _mm256_storeu_si256((__m256i *)(void *)dst, lo);
    _mm256_storeu_si256((__m256i *)(void *)(dst + 32), hi);
    m->free = (uint64_t)(uint32_t)_mm256_movemask_epi8(d_lo) |
              (uint64_t)(uint32_t)_mm256_movemask_epi8(d_hi) << 32;
    m->tail = (uint64_t)(uint32_t)_mm256_movemask_epi8(e_lo) |
              (uint64_t)(uint32_t)_mm256_movemask_epi8(e_hi) << 32;
    m->head = ~(m->free | m->tail);
    return true;
}
#endif

size_t mapsym_store(char *dst, const char *src, size_t n, struct line_masks *m)
{
    uint64_t f = 0, t = 0, h = 0;
    size_t i = 0;
#if HW_AVX2
    if (n >= 32 && cpu_avx2()) {
        if (n == 64 && line64_avx2(dst, src, m))
            return 64;
        i = plain_avx2(dst, src, n, &f, &t);
    }
#endif
#ifdef __SSE2__
    i = plain_sse2(dst, src, i, n, &f, &t);
#endif
    if (i) /* what the vectors did is all heads but the free blocks and tails */
        h = (i == 64 ? ~(uint64_t)0 : ((uint64_t)1 << i) - 1) & ~(f | t);
    for (; i < n; i++) {
        char c = memline_symbol[(unsigned char)src[i]];
        if (!c)
            break;
        dst[i] = c;
        uint64_t bit = (uint64_t)1 << i;
        f |= c == '.' ? bit : 0;
        t |= c == '=' ? bit : 0;
        h |= c != '.' && c != '=' ? bit : 0;
    }
    m->free = f;
    m->tail = t;
    m->head = h;
    return i;
}
