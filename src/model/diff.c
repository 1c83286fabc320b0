/* SPDX-License-Identifier: MIT */
/* diff.c - two captures or two dumps side by side; see diff.h. The block
 * comparison walks both maps run by run through blockmap.h (never the
 * symbols themselves: "(N lines all free)" spans are not written), so
 * it costs one step per run, not per block. */
#include "diff.h"
#include "blockmap.h"
#include "metrics.h"
#include "util.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct diff_metric *add_metric(struct diff *d, const char *name, const char *label,
                                      enum diff_unit unit)
{
    struct diff_metric *m = &d->metrics[d->n_metrics++];
    *m = (struct diff_metric){.name = name, .label = label, .unit = unit};
    return m;
}

/* A side's figure: UINT64_MAX is summary.h's and snapshot.h's "unknown". */
static void set_u64(struct diff_metric *m, int side, uint64_t v)
{
    if (v == UINT64_MAX)
        return;
    *(side ? &m->b : &m->a) = (double)v;
    *(side ? &m->has_b : &m->has_a) = true;
}

/* Fragmentation and the like: negative is unknown. */
static void set_ratio(struct diff_metric *m, int side, double v)
{
    if (v < 0)
        return;
    *(side ? &m->b : &m->a) = v;
    *(side ? &m->has_b : &m->has_a) = true;
}

static void detail(struct diff *d, int side, const struct snapshot *s)
{
    d->detail_seq[side] = -1;
    /* a cut map's counts are of what was printed: never compared */
    if (!s || !s->has_metrics || !s->complete)
        return;
    d->has_detail[side] = true;
    d->detail_seq[side] = s->seq;
    memcpy(d->heads[side], s->metrics.heads, sizeof(d->heads[side]));
    memcpy(d->free_hist[side], s->metrics.free_hist, sizeof(d->free_hist[side]));
}

static void summary_side(struct diff *d, int side, const struct summary *s)
{
    struct diff_metric *m = d->metrics;
    set_u64(m++, side, (uint64_t)s->snapshots);
    if (s->has_time)
        set_ratio(m, side, s->last_time - s->first_time);
    m++;
    set_u64(m++, side, s->min_free);
    set_u64(m++, side, s->peak_used);
    set_u64(m++, side, s->min_largest_free_bytes);
    set_ratio(m++, side, s->max_fragmentation);
    set_u64(m++, side, (uint64_t)s->incomplete);
    set_u64(m++, side, (uint64_t)s->inconsistent);
}

void diff_summaries(struct diff *d, const struct summary *a, const struct snapshot *last_a,
                    const struct summary *b, const struct snapshot *last_b)
{
    memset(d, 0, sizeof(*d));
    /* the order summary_side() fills them in; names as analyze's JSON summary */
    add_metric(d, "snapshots", "dumps", DIFF_COUNT);
    add_metric(d, "time_span", "time span", DIFF_SECONDS);
    add_metric(d, "min_free", "min free", DIFF_BYTES);
    add_metric(d, "peak_used", "peak used", DIFF_BYTES);
    add_metric(d, "min_largest_free_bytes", "smallest largest free run", DIFF_BYTES);
    add_metric(d, "max_fragmentation", "worst fragmentation", DIFF_RATIO);
    add_metric(d, "incomplete", "incomplete", DIFF_COUNT);
    add_metric(d, "inconsistent", "inconsistent", DIFF_COUNT);
    summary_side(d, 0, a);
    summary_side(d, 1, b);
    detail(d, 0, last_a);
    detail(d, 1, last_b);
    d->why[0] = '\0';
}

/* The counts of metrics.h are of what a map printed: only a complete
 * map's are figures of the heap. */
static void metric_count(struct diff_metric *m, int side, const struct snapshot *s, size_t v)
{
    if (s->has_metrics && s->complete)
        set_u64(m, side, v);
}

static void snapshot_side(struct diff *d, int side, const struct snapshot *s)
{
    struct diff_metric *m = d->metrics;
    set_u64(m++, side, snapshot_total_bytes(s));
    set_u64(m++, side, snapshot_used_bytes(s));
    set_u64(m++, side, snapshot_free_bytes(s));
    set_u64(m++, side, snapshot_largest_free_bytes(s));
    set_u64(m++, side, snapshot_largest_free_blocks(s));
    set_ratio(m++, side, snapshot_fragmentation(s));
    metric_count(m++, side, s, s->metrics.allocations);
    metric_count(m++, side, s, s->metrics.one_block);
    metric_count(m++, side, s, s->metrics.two_block);
    metric_count(m++, side, s, s->metrics.max_block);
    metric_count(m++, side, s, s->metrics.free_runs);
}

/* ---- blocks, one by one ---- */

char diff_block_symbol(int kind_a, int ta, int kind_b, int tb)
{
    if (kind_a == RUN_UNKNOWN || kind_b == RUN_UNKNOWN)
        return DIFF_SYM_UNKNOWN;
    if (kind_a == RUN_FREE)
        return kind_b == RUN_FREE ? DIFF_SYM_FREE : DIFF_SYM_ALLOCATED;
    if (kind_b == RUN_FREE)
        return DIFF_SYM_FREED;
    return ta == tb ? DIFF_SYM_USED : DIFF_SYM_CHANGED;
}

static void count(struct diff_blocks *c, char sym, size_t n)
{
    switch (sym) {
    case DIFF_SYM_ALLOCATED:
        c->allocated += n;
        break;
    case DIFF_SYM_FREED:
        c->freed += n;
        break;
    case DIFF_SYM_CHANGED:
        c->changed += n;
        break;
    case DIFF_SYM_USED:
        c->used += n;
        break;
    case DIFF_SYM_FREE:
        c->free += n;
        break;
    default:
        c->unknown += n;
        break;
    }
}

/* One side's walk: the run that holds the block being compared. */
struct side_walk {
    struct map_walk w;
    struct map_run r;
    int type; /* metrics_head_index of r's head (RUN_ALLOC) */
};

static void side_next(struct side_walk *s)
{
    if (!blockmap_next(&s->w, &s->r)) /* cannot happen before n_blocks: one run is left */
        s->r = (struct map_run){.start = s->w.a->n_blocks, .len = 0, .kind = RUN_UNKNOWN};
    s->type = s->r.kind == RUN_ALLOC ? metrics_head_index(s->r.head) : 0;
}

/* Both maps have n blocks: each stretch where neither side's run changes
 * gets one symbol. */
static void compare_area(const struct area *a, const struct area *b, char *out,
                         struct diff_blocks *c)
{
    struct side_walk sa, sb;
    blockmap_runs(&sa.w, a, 0);
    blockmap_runs(&sb.w, b, 0);
    side_next(&sa);
    side_next(&sb);
    size_t n = a->n_blocks;
    for (size_t i = 0; i < n;) {
        size_t ea = sa.r.start + sa.r.len, eb = sb.r.start + sb.r.len;
        size_t end = ea < eb ? ea : eb;
        if (end <= i || end > n) /* a walk that ran dry: the rest is unknown */
            end = n;
        char sym = diff_block_symbol((int)sa.r.kind, sa.type, (int)sb.r.kind, sb.type);
        memset(out + i, sym, end - i);
        count(c, sym, end - i);
        i = end;
        if (i >= ea)
            side_next(&sa);
        if (i >= eb)
            side_next(&sb);
    }
}

/* Whether a and b are dumps of one heap, else why not into why. */
static bool same_heap(const struct snapshot *a, const struct snapshot *b, char *why, size_t cap)
{
    if (a->block_size != b->block_size) {
        snprintf(why, cap, "different heaps: %u-byte blocks in A, %u-byte in B", a->block_size,
                 b->block_size);
        return false;
    }
    if (a->n_areas != b->n_areas) {
        snprintf(why, cap, "different heaps: %zu area%s in A, %zu in B", a->n_areas,
                 a->n_areas == 1 ? "" : "s", b->n_areas);
        return false;
    }
    for (size_t i = 0; i < a->n_areas; i++) {
        const struct area *x = &a->areas[i], *y = &b->areas[i];
        if (strcmp(x->base, y->base) != 0) {
            snprintf(why, cap, "different heaps: area %zu starts at %s in A, at %s in B", i,
                     x->base, y->base);
            return false;
        }
        if (x->n_blocks != y->n_blocks) {
            snprintf(why, cap, "different heaps: area %zu has %zu blocks in A, %zu in B", i,
                     x->n_blocks, y->n_blocks);
            return false;
        }
    }
    return true;
}

/* Why the maps cannot be compared block by block, or NULL if they can. */
static const char *no_blocks(const struct snapshot *a, const struct snapshot *b)
{
    if (!a->has_map || !b->has_map)
        return !a->has_map ? "dump A has no block map" : "dump B has no block map";
    if (!a->complete || !b->complete) /* a cut map looks like one huge free run */
        return !a->complete ? "dump A is incomplete (cut or damaged)"
                            : "dump B is incomplete (cut or damaged)";
    return NULL;
}

static void compare_blocks(struct diff *d, const struct snapshot *a, const struct snapshot *b)
{
    const char *why = no_blocks(a, b);
    d->same_heap = same_heap(a, b, d->why, sizeof(d->why));
    if (!d->same_heap)
        return;
    if (why) {
        snprintf(d->why, sizeof(d->why), "%s: blocks not compared", why);
        return;
    }
    d->has_blocks = true;
    d->block_size = a->block_size;
    d->n_areas = a->n_areas;
    d->areas = xcalloc(a->n_areas ? a->n_areas : 1, sizeof(*d->areas));
    for (size_t i = 0; i < a->n_areas; i++) {
        struct diff_area *da = &d->areas[i];
        snprintf(da->base, sizeof(da->base), "%s", a->areas[i].base);
        da->n_blocks = a->areas[i].n_blocks;
        da->map = xmalloc(da->n_blocks ? da->n_blocks : 1);
        compare_area(&a->areas[i], &b->areas[i], da->map, &d->blocks);
    }
}

void diff_snapshots(struct diff *d, const struct snapshot *a, const struct snapshot *b)
{
    memset(d, 0, sizeof(*d));
    d->dumps = true;
    /* the order snapshot_side() fills them in; names as analyze's JSON
     * figures and metrics */
    add_metric(d, "total_bytes", "total", DIFF_BYTES);
    add_metric(d, "used_bytes", "used", DIFF_BYTES);
    add_metric(d, "free_bytes", "free", DIFF_BYTES);
    add_metric(d, "largest_free_bytes", "largest free run", DIFF_BYTES);
    add_metric(d, "largest_free_blocks", "largest free run", DIFF_BLOCKS);
    add_metric(d, "fragmentation", "fragmentation", DIFF_RATIO);
    add_metric(d, "allocations", "allocations", DIFF_COUNT);
    add_metric(d, "one_block", "1-block allocations", DIFF_COUNT);
    add_metric(d, "two_block", "2-block allocations", DIFF_COUNT);
    add_metric(d, "max_block", "largest allocation", DIFF_BLOCKS);
    add_metric(d, "free_runs", "free runs", DIFF_COUNT);
    snapshot_side(d, 0, a);
    snapshot_side(d, 1, b);
    detail(d, 0, a);
    detail(d, 1, b);
    compare_blocks(d, a, b);
}

void diff_fini(struct diff *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_areas; i++)
        free(d->areas[i].map);
    free(d->areas);
    memset(d, 0, sizeof(*d));
}

const struct diff_metric *diff_find(const struct diff *d, const char *name)
{
    for (int i = 0; i < d->n_metrics; i++)
        if (strcmp(d->metrics[i].name, name) == 0)
            return &d->metrics[i];
    return NULL;
}

/* "heads.T": the count of one type letter on both sides. */
static bool head_metric(const struct diff *d, const char *name, double *a, double *b)
{
    if (strncmp(name, "heads.", 6) != 0 || !name[6] || name[7])
        return false;
    const char *p = strchr(SNAP_HEAD_LETTERS, name[6]);
    if (!p || !d->has_detail[0] || !d->has_detail[1])
        return false;
    size_t k = (size_t)(p - SNAP_HEAD_LETTERS);
    *a = (double)d->heads[0][k];
    *b = (double)d->heads[1][k];
    return true;
}

bool diff_metric(const struct diff *d, const char *name, double *a, double *b, double *delta)
{
    double va, vb;
    const struct diff_metric *m = diff_find(d, name);
    if (m) {
        if (!m->has_a || !m->has_b)
            return false;
        va = m->a;
        vb = m->b;
    } else if (!head_metric(d, name, &va, &vb)) {
        return false;
    }
    if (a)
        *a = va;
    if (b)
        *b = vb;
    if (delta)
        *delta = vb - va;
    return true;
}

bool diff_check_metric(const struct diff *d, const struct check *c, double *a, double *b,
                       double *delta)
{
    /* by enum check_metric: for captures, for dumps */
    static const char *const names[CM_N][2] = {
        [CM_MIN_FREE] = {"min_free", "free_bytes"},
        [CM_PEAK_USED] = {"peak_used", "used_bytes"},
        [CM_LARGEST_FREE] = {"min_largest_free_bytes", "largest_free_bytes"},
        [CM_FRAGMENTATION] = {"max_fragmentation", "fragmentation"},
        [CM_INCONSISTENT] = {"inconsistent", NULL},
        [CM_INCOMPLETE] = {"incomplete", NULL},
        [CM_SAMPLES] = {"snapshots", NULL},
    };
    bool dumps = diff_find(d, "free_bytes") != NULL;
    const char *name = c->metric < CM_N ? names[c->metric][dumps] : NULL;
    return name && diff_metric(d, name, a, b, delta);
}
