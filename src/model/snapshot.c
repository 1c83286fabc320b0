/* SPDX-License-Identifier: MIT */
/* snapshot.c - lifecycle of struct snapshot: clear for reuse, deep copy, free.
 * Knows nothing about text or metrics; see memparse.c and metrics.c. */
#include "snapshot.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

void snapshot_clear(struct snapshot *s)
{
    struct area *areas = s->areas;
    size_t cap_areas = s->cap_areas;
    for (size_t i = 0; i < s->n_areas; i++) {
        areas[i].n_blocks = 0;
        areas[i].n_spans = 0;
        areas[i].has_masks = false;
        areas[i].base[0] = '\0';
    }
    /* keep the area array and every map buffer for the next dump */
    util_zero(s, sizeof(*s));
    s->areas = areas;
    s->cap_areas = cap_areas;
    s->consistent = -1;
}

void snapshot_fini(struct snapshot *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->cap_areas; i++) {
        free(s->areas[i].map);
        free(s->areas[i].spans);
        free(s->areas[i].masks);
        free(s->areas[i].memo);
    }
    free(s->areas);
    memset(s, 0, sizeof(*s));
    s->consistent = -1;
}

struct area *snapshot_add_area(struct snapshot *s, const char *base, size_t base_len)
{
    if (s->n_areas == s->cap_areas) {
        size_t ncap = s->cap_areas ? s->cap_areas * 2 : 4;
        s->areas = xrealloc(s->areas, ncap * sizeof(*s->areas));
        memset(s->areas + s->cap_areas, 0, (ncap - s->cap_areas) * sizeof(*s->areas));
        s->cap_areas = ncap;
    }
    struct area *a = &s->areas[s->n_areas++];
    char *map = a->map;
    size_t cap = a->cap, cap_spans = a->cap_spans;
    struct free_span *spans = a->spans;
    struct line_masks *masks = a->masks;
    struct run_memo *memo = a->memo;
    size_t cap_memo = a->cap_memo;
    util_zero(a, sizeof(*a));
    a->map = map;
    a->cap = cap;
    a->spans = spans;
    a->cap_spans = cap_spans;
    a->masks = masks;
    a->memo = memo;
    a->cap_memo = cap_memo;
    if (base_len >= sizeof(a->base))
        base_len = sizeof(a->base) - 1;
    memcpy(a->base, base, base_len);
    a->base[base_len] = '\0';
    return a;
}

void area_reserve(struct area *a, size_t n)
{
    if (n <= a->cap)
        return;
    size_t ncap = a->cap ? a->cap : 1024;
    while (ncap < n)
        ncap *= 2;
    a->map = xrealloc(a->map, ncap);
    a->masks = xrealloc(a->masks, (ncap + 63) / 64 * sizeof(*a->masks));
    a->cap = ncap;
}

void area_add_span(struct area *a, size_t start, size_t len)
{
    if (a->n_spans && a->spans[a->n_spans - 1].start + a->spans[a->n_spans - 1].len == start) {
        a->spans[a->n_spans - 1].len += len; /* two in a row: one span */
    } else {
        if (a->n_spans == a->cap_spans) {
            a->cap_spans = a->cap_spans ? a->cap_spans * 2 : 4;
            a->spans = xrealloc(a->spans, a->cap_spans * sizeof(*a->spans));
        }
        a->spans[a->n_spans++] = (struct free_span){start, len};
    }
    area_reserve(a, start + len);
    if (start + len > a->n_blocks)
        a->n_blocks = start + len;
}

void area_symbols(const struct area *a, char *out)
{
    if (a->n_blocks)
        memcpy(out, a->map, a->n_blocks);
    for (size_t i = 0; i < a->n_spans; i++)
        memset(out + a->spans[i].start, '.', a->spans[i].len);
}

void snapshot_copy(struct snapshot *dst, const struct snapshot *src)
{
    struct area *areas = dst->areas;
    size_t cap_areas = dst->cap_areas;
    *dst = *src;
    dst->areas = areas;
    dst->cap_areas = cap_areas;
    dst->n_areas = 0;
    for (size_t i = 0; i < src->n_areas; i++) {
        const struct area *sa = &src->areas[i];
        struct area *da = snapshot_add_area(dst, sa->base, strlen(sa->base));
        area_reserve(da, sa->n_blocks);
        area_symbols(sa, da->map);
        da->n_blocks = sa->n_blocks;
        da->free_blocks = sa->free_blocks;
        da->largest_free = sa->largest_free;
    }
}

static const char *const problem_names[SNAP_N_PROBLEMS] = {
    "cut", "line_length", "offset", "fields", "no_header", "long_line", "symbol", "too_big",
};
static const char *const check_names[SNAP_N_CHECKS] = {
    "one_block", "two_block", "max_block", "max_free", "used", "free", "total",
};

static const char *bit_name(const char *const *names, size_t n, unsigned bit)
{
    for (size_t i = 0; i < n; i++)
        if (bit == 1u << i)
            return names[i];
    return "unknown";
}

const char *snapshot_problem_name(unsigned bit)
{
    return bit_name(problem_names, SNAP_N_PROBLEMS, bit);
}

const char *snapshot_check_name(unsigned bit)
{
    return bit_name(check_names, SNAP_N_CHECKS, bit);
}

/* The one rule (snapshot.h): totals from the GC: line, else from a whole
 * map; map figures from a whole map, else from the device's own line. */
static bool whole_map(const struct snapshot *s)
{
    return s->has_metrics && s->complete;
}

uint64_t snapshot_total_bytes(const struct snapshot *s)
{
    if (s->has_gc)
        return s->gc_total;
    if (whole_map(s) && s->block_size)
        return (uint64_t)s->metrics.blocks * s->block_size;
    return UINT64_MAX;
}

uint64_t snapshot_free_bytes(const struct snapshot *s)
{
    if (s->has_gc)
        return s->gc_free;
    if (whole_map(s) && s->block_size)
        return (uint64_t)s->metrics.free_blocks * s->block_size;
    return UINT64_MAX;
}

uint64_t snapshot_used_bytes(const struct snapshot *s)
{
    if (s->has_gc)
        return s->gc_used;
    if (whole_map(s) && s->block_size)
        return (uint64_t)s->metrics.used_blocks * s->block_size;
    return UINT64_MAX;
}

uint64_t snapshot_largest_free_blocks(const struct snapshot *s)
{
    if (whole_map(s))
        return s->metrics.largest_free_blocks;
    if (s->has_max_free)
        return s->rep_max_free;
    return UINT64_MAX;
}

uint64_t snapshot_largest_free_bytes(const struct snapshot *s)
{
    uint64_t blocks = snapshot_largest_free_blocks(s);
    return blocks == UINT64_MAX || !s->block_size ? UINT64_MAX : blocks * s->block_size;
}

uint64_t snapshot_area_free_bytes(const struct snapshot *s, size_t i)
{
    if (!whole_map(s) || !s->block_size || i >= s->n_areas)
        return UINT64_MAX;
    return (uint64_t)s->areas[i].free_blocks * s->block_size;
}

uint64_t snapshot_area_largest_free_bytes(const struct snapshot *s, size_t i)
{
    if (!whole_map(s) || !s->block_size || i >= s->n_areas)
        return UINT64_MAX;
    return (uint64_t)s->areas[i].largest_free * s->block_size;
}

double snapshot_fragmentation(const struct snapshot *s)
{
    if (whole_map(s))
        return s->metrics.fragmentation;
    uint64_t largest = snapshot_largest_free_bytes(s), free = snapshot_free_bytes(s);
    if (largest == UINT64_MAX || free == UINT64_MAX || largest > free)
        return -1;
    return free ? 1.0 - (double)largest / (double)free : 0.0;
}
