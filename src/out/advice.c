/* SPDX-License-Identifier: MIT */
/* advice.c - the advice rules, one table; see advice.h. A rule fires on a
 * measured number crossing its threshold and says that number; it never
 * guesses what it cannot see (a dump without a map gives no type rule). */
#include "advice.h"
#include "blockmap.h"
#include "fmt.h"
#include "heatmap.h"
#include "metrics.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Thresholds, with why. */
/* Below a tenth of the heap free, one burst of allocations (a received
 * packet, a JSON document) is enough to raise MemoryError. */
#define MIN_FREE_FRACTION 0.10
/* Fragmentation (1 - largest free run / free) of 30 % with a quarter of
 * the heap free: the memory is there but cut up, which is what buffers
 * allocated once and gc.collect() at known points prevent. */
#define FRAG_HIGH 0.30
#define FRAG_FREE_FRACTION 0.25
/* Half of the allocations being single blocks, among at least 50: the
 * heap is a field of small objects that pin the holes between them. */
#define ONE_BLOCK_FRACTION 0.50
#define ONE_BLOCK_MIN_ALLOCS 50

struct rule {
    const char *id;
    const char *threshold;
    bool (*fire)(const struct advice_facts *f, char *text, size_t cap);
};

/* The heap's size: the last dump's, else the worst one's. */
static uint64_t heap_total(const struct advice_facts *f)
{
    uint64_t t = f->last ? snapshot_total_bytes(f->last) : UINT64_MAX;
    if ((t == UINT64_MAX || t == 0) && f->worst)
        t = snapshot_total_bytes(f->worst);
    return t == 0 ? UINT64_MAX : t;
}

static bool min_free(const struct advice_facts *f, char *text, size_t cap)
{
    uint64_t total = heap_total(f), m = f->sum->min_free;
    if (total == UINT64_MAX || m == UINT64_MAX || (double)m >= MIN_FREE_FRACTION * (double)total)
        return false;
    char a[16], b[16], p[16];
    snprintf(text, cap,
             "Free memory fell to %s (%s of %s): close to MemoryError. Allocate the big "
             "buffers once at start-up, free what is not needed (del, then gc.collect()), "
             "or give the program a bigger heap.",
             fmt_bytes(a, sizeof(a), m), fmt_pct(p, sizeof(p), (double)m / (double)total),
             fmt_bytes(b, sizeof(b), total));
    return true;
}

static bool fragmented(const struct advice_facts *f, char *text, size_t cap)
{
    const struct snapshot *w = f->worst;
    double frag = f->sum->max_fragmentation;
    if (!w || frag < FRAG_HIGH)
        return false;
    uint64_t free_b = snapshot_free_bytes(w), total = snapshot_total_bytes(w);
    if (free_b == UINT64_MAX || total == UINT64_MAX || total == 0 ||
        (double)free_b < FRAG_FREE_FRACTION * (double)total)
        return false;
    char a[16], p[16], q[16];
    snprintf(text, cap,
             "Fragmentation reached %s at dump #%ld while %s (%s) of the heap was free: "
             "preallocate buffers and reuse them (bytearray pools, memoryview slices, "
             "readinto()), call gc.collect() at known points, and set gc.threshold() so "
             "collections come before the heap is cut up.",
             fmt_pct(p, sizeof(p), frag), w->seq, fmt_bytes(a, sizeof(a), free_b),
             fmt_pct(q, sizeof(q), (double)free_b / (double)total));
    return true;
}

static bool largest_run(const struct advice_facts *f, char *text, size_t cap)
{
    const struct snapshot *w = f->worst;
    uint64_t lf = f->sum->min_largest_free_bytes;
    if (!w || !w->has_metrics || !w->complete || !w->block_size || lf == UINT64_MAX)
        return false;
    uint64_t biggest = (uint64_t)w->metrics.max_block * w->block_size;
    if (biggest == 0 || lf >= biggest)
        return false;
    char a[16], b[16];
    snprintf(text, cap,
             "The largest free run fell to %s, smaller than the largest allocation of dump "
             "#%ld (%zu blocks, %s): allocating such an object again would raise "
             "MemoryError whatever the free total. Allocate it once and keep it.",
             fmt_bytes(a, sizeof(a), lf), w->seq, w->metrics.max_block,
             fmt_bytes(b, sizeof(b), biggest));
    return true;
}

/* What to do about many 1-block objects of one type. */
static const char *type_hint(char letter)
{
    switch (letter) {
    case 'S':
        return "build text in a preallocated bytearray or write it out piece by piece "
               "instead of concatenating strings";
    case 'F':
        return "floats are boxed objects: keep numbers in array.array('f') or use integers";
    case 'T':
        return "avoid short-lived tuples in loops (multiple return values, tuple keys)";
    case 'L':
        return "preallocate lists ([None] * n) and reuse them";
    default:
        return "reuse these objects instead of creating new ones in every loop iteration";
    }
}

static bool small_allocs(const struct advice_facts *f, char *text, size_t cap)
{
    const struct snapshot *s = f->worst && f->worst->has_metrics ? f->worst : f->last;
    if (!s || !s->has_metrics || !s->complete)
        return false;
    const struct metrics *m = &s->metrics;
    if (m->allocations < ONE_BLOCK_MIN_ALLOCS ||
        (double)m->one_block < ONE_BLOCK_FRACTION * (double)m->allocations)
        return false;
    size_t by[SNAP_N_HEADS];
    advice_one_block_by_type(s, by);
    int top = 0;
    for (int i = 1; i < SNAP_N_HEADS; i++)
        if (by[i] > by[top])
            top = i;
    char p[16], bs[24] = "";
    if (s->block_size)
        snprintf(bs, sizeof(bs), " of %u bytes", s->block_size);
    char letter = SNAP_HEAD_LETTERS[top];
    snprintf(text, cap,
             "%zu of %zu allocations (%s) in dump #%ld are single blocks%s, most of them %s "
             "(%c: %zu): %s.",
             m->one_block, m->allocations,
             fmt_pct(p, sizeof(p), (double)m->one_block / (double)m->allocations), s->seq, bs,
             advice_type_name(letter), letter, by[top], type_hint(letter));
    return true;
}

static bool incomplete(const struct advice_facts *f, char *text, size_t cap)
{
    if (f->sum->incomplete == 0)
        return false;
    snprintf(text, cap,
             "%ld of %ld dumps were cut or damaged in transit: check the link (cable, baud "
             "rate, another program reading the port, output interleaved with the dump).",
             f->sum->incomplete, f->sum->snapshots);
    return true;
}

static bool inconsistent(const struct advice_facts *f, char *text, size_t cap)
{
    if (f->sum->inconsistent == 0)
        return false;
    snprintf(text, cap,
             "%ld of %ld dumps disagree with the device's own numbers: bytes were lost or "
             "changed on the way; check the link before trusting their maps.",
             f->sum->inconsistent, f->sum->snapshots);
    return true;
}

static bool link_breaks(const struct advice_facts *f, char *text, size_t cap)
{
    if (f->gaps == 0 && f->resets == 0)
        return false;
    snprintf(text, cap,
             "The link dropped %ld time%s and the board reset %ld time%s during the capture: "
             "a reset starts a fresh heap, so compare figures between resets only.",
             f->gaps, f->gaps == 1 ? "" : "s", f->resets, f->resets == 1 ? "" : "s");
    return true;
}

static const struct rule rules[] = {
    {"min-free", "min free < 10 % of the heap", min_free},
    {"fragmented", "worst fragmentation >= 30 % with >= 25 % of the heap free", fragmented},
    {"largest-run", "smallest largest free run < the largest allocation of the worst dump",
     largest_run},
    {"small-allocs", ">= 50 % of >= 50 allocations are 1 block", small_allocs},
    {"incomplete", ">= 1 dump cut or damaged", incomplete},
    {"inconsistent", ">= 1 dump inconsistent with the device's numbers", inconsistent},
    {"link-breaks", ">= 1 gap or reset event", link_breaks},
};

size_t advice_collect(const struct advice_facts *f, struct advice *out, size_t cap)
{
    size_t n = 0;
    if (f->sum->snapshots == 0)
        return 0;
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]) && n < cap; i++) {
        if (rules[i].fire(f, out[n].text, sizeof(out[n].text))) {
            out[n].rule = rules[i].id;
            out[n].threshold = rules[i].threshold;
            n++;
        }
    }
    return n;
}

const char *advice_type_name(char letter)
{
    /* the UI's legend names the letters: one vocabulary */
    for (const struct hm_legend *l = heatmap_legend(HM_VIEW_TYPE, false, false); l->label; l++)
        if (l->ch == (uint32_t)(unsigned char)letter && letter != '=')
            return l->label;
    return "other";
}

void advice_one_block_by_type(const struct snapshot *s, size_t out[SNAP_N_HEADS])
{
    memset(out, 0, SNAP_N_HEADS * sizeof(out[0]));
    if (!s->has_map || !s->complete)
        return;
    for (size_t i = 0; i < s->n_areas; i++) {
        struct map_walk w;
        struct map_run r;
        blockmap_runs(&w, &s->areas[i], 0);
        while (blockmap_next(&w, &r))
            if (r.kind == RUN_ALLOC && r.len == 1)
                out[metrics_head_index(r.head)]++;
    }
}
