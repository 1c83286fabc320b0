/* SPDX-License-Identifier: MIT */
/* blockmap.c - runs of a block map; see blockmap.h, which holds the
 * chunk step itself (inline). Here: a chunk's masks from its symbols
 * when the reader's are not there ('.', '=' and '?' 16 at a time with
 * SSE2, heads the rest), and the runs one by one. */
#include "blockmap.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

static bool is_head(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static void masks(const char *p, size_t n, uint64_t *dot, uint64_t *tail, uint64_t *odd)
{
    size_t k = 0;
    *dot = *tail = *odd = 0;
#ifdef __SSE2__
    const __m128i d = _mm_set1_epi8('.'), t = _mm_set1_epi8('='), u = _mm_set1_epi8(SNAP_UNKNOWN);
    for (; k + 16 <= n; k += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + k));
        *dot |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, d)) << k;
        *tail |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, t)) << k;
        *odd |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, u)) << k;
    }
#endif
    for (; k < n; k++) {
        uint64_t bit = (uint64_t)1 << k;
        *dot |= p[k] == '.' ? bit : 0;
        *tail |= p[k] == '=' ? bit : 0;
        *odd |= p[k] == SNAP_UNKNOWN ? bit : 0;
    }
}

void blockmap_begin(struct map_walk *w, const struct area *a)
{
    /* field by field: c is written before it is read (blockmap_runs) */
    w->a = a;
    w->next = w->span = w->i = 0;
    w->prev = -1;
    w->have = false;
    w->kind = 0;
}

void blockmap_symbol_masks(const struct area *a, size_t base, size_t n, uint64_t *free,
                           uint64_t *tail, uint64_t *head)
{
    uint64_t valid = n == 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1, odd;
    masks(a->map + base, n, free, tail, &odd);
    *free &= valid;
    *tail &= valid;
    *head = valid & ~(*free | *tail | odd);
}

static int kind_of(const struct map_chunk *c, unsigned k)
{
    uint64_t bit = (uint64_t)1 << k;
    return c->free & bit ? RUN_FREE : c->alloc & bit ? RUN_ALLOC : RUN_UNKNOWN;
}

char blockmap_symbol(const struct area *a, size_t i)
{
    for (size_t k = 0; k < a->n_spans; k++)
        if (a->spans[k].start <= i && i < a->spans[k].start + a->spans[k].len)
            return '.';
    return a->map[i];
}

/* Blocks equal to c ending at map[i] inclusive, counted backwards, eight
 * at a time (a free run can be millions of blocks long). */
static size_t rspan(const char *map, size_t i, char c)
{
    const uint64_t pattern = 0x0101010101010101ull * (unsigned char)c;
    size_t end = i + 1, p = end;
    while (p >= 8) {
        uint64_t v;
        memcpy(&v, map + p - 8, 8);
        uint64_t diff = v ^ pattern;
        if (diff)
            return end - p + (size_t)(__builtin_clzll(diff) >> 3);
        p -= 8;
    }
    while (p > 0 && map[p - 1] == c)
        p--;
    return end - p;
}

/* The start of the run containing block i of a filled map. */
static size_t run_start(const char *map, size_t i)
{
    char c = map[i];
    if (c == '.')
        return i + 1 - rspan(map, i, '.');
    if (is_head(c))
        return i;
    /* a tail: back to its head, if it has one; else an unknown run */
    size_t s = c == '=' ? i + 1 - rspan(map, i, '=') : i;
    if (c == '=' && s > 0 && is_head(map[s - 1]))
        return s - 1;
    while (s > 0 && (map[s - 1] == '=' || map[s - 1] == SNAP_UNKNOWN))
        s--;
    return s;
}

void blockmap_runs(struct map_walk *w, const struct area *a, size_t from)
{
    blockmap_begin(w, a);
    size_t s = from && from < a->n_blocks && !a->n_spans ? run_start(a->map, from) : 0;
    /* chunks start on a multiple of 64 (or a span): begin with the one
     * holding s; what came before it decides whether a run starts at its
     * first block */
    w->next = s & ~(size_t)63;
    if (w->next) {
        char p = a->map[w->next - 1];
        w->prev = p == '.'                                          ? RUN_FREE
                  : p == SNAP_UNKNOWN                               ? RUN_UNKNOWN
                  : is_head(a->map[run_start(a->map, w->next - 1)]) ? RUN_ALLOC
                                                                    : RUN_UNKNOWN;
    }
    w->have = blockmap_chunk(w, &w->c);
    w->i = s;
    if (w->have)
        w->kind = kind_of(&w->c, (unsigned)((s - w->c.base) & 63));
}

bool blockmap_next(struct map_walk *w, struct map_run *r)
{
    const struct area *a = w->a;
    size_t i = w->i;
    if (!w->have || i >= a->n_blocks)
        return false;
    r->start = i;
    r->kind = (enum map_run_kind)w->kind;
    r->head = r->kind == RUN_ALLOC ? a->map[i] : 0;
    /* the next run start after i, chunk after chunk */
    size_t off = i - w->c.base + 1;
    for (;;) {
        uint64_t later = w->c.span || off >= 64 ? 0 : w->c.start & (~(uint64_t)0 << off);
        if (later) {
            unsigned k = (unsigned)__builtin_ctzll(later);
            w->i = w->c.base + k;
            w->kind = kind_of(&w->c, k);
            break;
        }
        w->have = blockmap_chunk(w, &w->c);
        if (!w->have) {
            w->i = a->n_blocks;
            break;
        }
        if (w->c.start & 1) {
            w->i = w->c.base;
            w->kind = kind_of(&w->c, 0);
            break;
        }
        off = 1;
    }
    r->len = w->i - i;
    return true;
}
