/* SPDX-License-Identifier: MIT */
/* heatmap.c - block maps to screen cells for the four views; see heatmap.h.
 *
 * The map is read as a stream of runs (blockmap.h: an allocation = head +
 * tails, a free run, an unknown stretch), so a frame costs O(runs + cells)
 * and only the blocks of visible cells are touched. No curses, no allocation: the UI
 * calls this once per frame on a reused cell buffer. */
#include "heatmap.h"
#include "blockmap.h"
#include "metrics.h"

#include <string.h>

/* Run kinds: 0..SNAP_N_HEADS-1 are head kinds (SNAP_HEAD_LETTERS order). */
enum { K_FREE = SNAP_N_HEADS, K_UNKNOWN, K_N };

/* Hole size classes of the fragmentation view, in blocks: 1-2 cannot hold
 * most objects (a tuple of 3 items on 32-bit already needs 2 blocks), 3-15
 * holds small strings and lists, 16-255 buffers, 256+ anything. */
static const size_t hole_limit[3] = {2, 15, 255};

struct run {
    size_t start, end; /* [start, end) */
    unsigned char kind;
    bool changed; /* changes view: this allocation was not in prev */
};

struct cursor {
    struct map_walk w;
    struct run r;
};

/* Per-cell tallies; each view reads the part it needs. */
struct tally {
    size_t kind[K_N]; /* blocks per kind (tails counted with their head) */
    size_t hole[4];   /* free blocks per hole class */
    size_t fresh, freed, same_used;
    size_t digit[10]; /* age view: used blocks per log2-age digit */
    bool head_first;  /* the cell's first block is a head (k == 1) */
};

/* Whether the allocation r of cur was already in prev: same head letter
 * at the same block, same tails, and not continued by more tails. */
static bool alloc_changed(const struct area *cur, const struct area *prev, const struct run *r)
{
    size_t len = r->end - r->start;
    if (r->end > prev->n_blocks)
        return true;
    /* blocks prev did not show cannot testify either way: no claim */
    if (memchr(prev->map + r->start, SNAP_UNKNOWN, len))
        return false;
    if (memcmp(cur->map + r->start, prev->map + r->start, len) != 0)
        return true;
    return r->end < prev->n_blocks && prev->map[r->end] == '=';
}

/* The next run, as blockmap.h cuts them (the metrics and the ages cut
 * them the same way). */
static void cursor_next(struct cursor *cu, const struct hm_input *in)
{
    struct map_run mr;
    if (!blockmap_next(&cu->w, &mr))
        mr = (struct map_run){.start = cu->w.a->n_blocks, .len = 1, .kind = RUN_UNKNOWN};
    cu->r.start = mr.start;
    cu->r.end = mr.start + mr.len;
    cu->r.kind = mr.kind == RUN_FREE      ? K_FREE
                 : mr.kind == RUN_UNKNOWN ? K_UNKNOWN
                                          : (unsigned char)metrics_head_index(mr.head);
    cu->r.changed = false;
    if (in->view == HM_VIEW_CHANGES && in->prev && cu->r.kind < K_FREE)
        cu->r.changed = alloc_changed(in->area, in->prev, &cu->r);
}

static int hole_class(size_t len)
{
    int c = 0;
    while (c < 3 && len > hole_limit[c])
        c++;
    return c;
}

/* Changes view, free blocks [p, q): which of them were used in prev. An
 * unknown block in prev says nothing, so it counts as no change. */
static size_t freed_blocks(const struct area *prev, size_t p, size_t q)
{
    size_t freed = 0;
    if (q > prev->n_blocks)
        q = prev->n_blocks;
    for (; p < q; p++) {
        char c = prev->map[p];
        freed += c != '.' && c != SNAP_UNKNOWN;
    }
    return freed;
}

/* "Digit" of an age: 1 for 1 sample, 2 for 2-3, 3 for 4-7 ... 9 for 256+. */
static int age_digit(uint16_t age)
{
    if (age == 0)
        age = 1;
    int d = 32 - __builtin_clz(age);
    return d > 9 ? 9 : d;
}

static void tally_ages(struct tally *t, const uint16_t *age, size_t p, size_t q)
{
    /* history.c gives every block of an allocation its head's age, but
     * nothing in the contract promises it, so each block is read */
    for (size_t j = p; j < q; j++)
        t->digit[age_digit(age[j])]++;
}

/* Add blocks [p, q) of the current run to the cell's tally. */
static void tally_add(struct tally *t, const struct hm_input *in, const struct run *r, size_t p,
                      size_t q)
{
    size_t len = q - p;
    t->kind[r->kind] += len;
    if (r->kind == K_FREE) {
        t->hole[hole_class(r->end - r->start)] += len;
        if (in->view == HM_VIEW_CHANGES && in->prev)
            t->freed += freed_blocks(in->prev, p, q);
    } else if (r->kind < K_FREE) {
        if (r->changed)
            t->fresh += len;
        else
            t->same_used += len;
        if (in->view == HM_VIEW_AGE && in->age)
            tally_ages(t, in->age, p, q);
    }
}

/* ---- characters: index 0 is ASCII, 1 is UTF-8 ---- */

static const uint32_t ch_free[2] = {'.', 0x00B7};     /* · */
static const uint32_t ch_used_dim[2] = {':', 0x2591}; /* ░ */
static const uint32_t ch_shade[2][4] = {
    {':', '+', '*', '#'}, {0x2591, 0x2592, 0x2593, 0x2588}, /* ░ ▒ ▓ █ */
};
static const uint32_t ch_hole[2][4] = {{'x', 'o', '-', '.'}, {'x', 'o', '-', 0x00B7}};

static struct hm_cell cell(uint32_t ch, int cls)
{
    struct hm_cell c = {.ch = ch, .cls = (uint8_t)cls};
    return c;
}

/* Used fraction as one of four densities: <=1/4, <=1/2, <1, full. */
static int shade_level(size_t used, size_t m)
{
    if (used * 4 <= m)
        return 0;
    if (used * 2 <= m)
        return 1;
    return used < m ? 2 : 3;
}

static int dominant_kind(const struct tally *t)
{
    int best = 0;
    for (int k = 1; k < SNAP_N_HEADS; k++)
        if (t->kind[k] > t->kind[best])
            best = k;
    return best;
}

static struct hm_cell cell_type(const struct hm_input *in, const struct tally *t, size_t m,
                                size_t k)
{
    int u8 = in->utf8 ? 1 : 0;
    size_t used = m - t->kind[K_FREE];
    if (used == 0)
        return cell(ch_free[u8], HM_C_FREE);
    int kind = dominant_kind(t);
    if (k == 1)
        return cell(t->head_first ? (uint32_t)SNAP_HEAD_LETTERS[kind] : '=', HM_C_HEAD_h + kind);
    /* the shade says how full a cell is and its colour with what; with no
     * colour to say it, the letter of the main type does */
    if (in->type_letters)
        return cell((uint32_t)SNAP_HEAD_LETTERS[kind], HM_C_HEAD_h + kind);
    return cell(ch_shade[u8][shade_level(used, m)], HM_C_HEAD_h + kind);
}

static struct hm_cell cell_frag(const struct tally *t, int u8)
{
    if (t->kind[K_FREE] == 0)
        return cell(ch_used_dim[u8], HM_C_USED_DIM);
    /* the hole class holding most of the cell's free blocks; on a tie the
     * smaller class wins, so tiny holes are not hidden by their neighbours */
    int best = 0;
    for (int c = 1; c < 4; c++)
        if (t->hole[c] > t->hole[best])
            best = c;
    return cell(ch_hole[u8][best], HM_C_HOLE_TINY + best);
}

static struct hm_cell cell_changes(const struct tally *t, int u8)
{
    if (t->fresh || t->freed)
        return t->fresh >= t->freed ? cell('+', HM_C_NEW) : cell('-', HM_C_FREED);
    if (t->same_used)
        return cell(ch_used_dim[u8], HM_C_USED_DIM);
    return cell(ch_free[u8], HM_C_FREE);
}

/* Age view: the digit most used blocks of the cell have reached (the
 * median), so one old object does not paint a whole cell as a leak. */
static struct hm_cell cell_age(const struct tally *t, size_t used, int u8)
{
    if (used == 0)
        return cell(ch_free[u8], HM_C_FREE);
    size_t counted = 0;
    for (int d = 0; d < 10; d++)
        counted += t->digit[d];
    if (counted == 0)
        return cell(ch_used_dim[u8], HM_C_USED_DIM);
    size_t half = (counted + 1) / 2, seen = 0;
    int d = 1;
    for (; d < 9; d++) {
        seen += t->digit[d];
        if (seen >= half)
            break;
    }
    int cls = d <= 2 ? HM_C_AGE_1 : d <= 4 ? HM_C_AGE_2 : d <= 6 ? HM_C_AGE_3 : HM_C_AGE_4;
    return cell((uint32_t)('0' + d), cls);
}

static struct hm_cell finish(const struct hm_input *in, const struct tally *t, size_t m, size_t k)
{
    int u8 = in->utf8 ? 1 : 0;
    /* a block the text did not show (or a tail whose head it did not show)
     * is never drawn as anything known, least of all as free */
    if (t->kind[K_UNKNOWN])
        return cell('?', HM_C_UNKNOWN);
    switch (in->view) {
    case HM_VIEW_FRAG:
        return cell_frag(t, u8);
    case HM_VIEW_CHANGES:
        return cell_changes(t, u8);
    case HM_VIEW_AGE:
        return cell_age(t, m - t->kind[K_FREE], u8);
    default:
        return cell_type(in, t, m, k);
    }
}

void heatmap_render(const struct hm_input *in, size_t first, size_t k, struct hm_cell *cells,
                    size_t n)
{
    const struct area *a = in->area;
    struct cursor cu;
    bool started = false;
    if (k == 0)
        k = 1;
    for (size_t c = 0; c < n; c++) {
        size_t s = first + c * k;
        if (s >= a->n_blocks || s < first) {
            cells[c] = cell(' ', HM_C_FREE);
            continue;
        }
        size_t e = a->n_blocks - s < k ? a->n_blocks : s + k;
        struct tally t;
        memset(&t, 0, sizeof(t));
        for (size_t p = s; p < e;) {
            if (!started) {
                /* the run holding the first cell may start far before it */
                blockmap_runs(&cu.w, a, p);
                cursor_next(&cu, in);
                started = true;
            }
            while (p >= cu.r.end)
                cursor_next(&cu, in);
            size_t q = cu.r.end < e ? cu.r.end : e;
            if (p == s)
                t.head_first = p == cu.r.start && cu.r.kind < K_FREE;
            tally_add(&t, in, &cu.r, p, q);
            p = q;
        }
        cells[c] = finish(in, &t, e - s, k);
    }
}

void heatmap_geometry(size_t n_blocks, size_t cols, size_t rows, int zoom, long scroll,
                      struct hm_geom *g)
{
    if (cols == 0)
        cols = 1;
    size_t fit = heatmap_fit(n_blocks, cols, rows);
    g->fit_zoom = 1;
    for (size_t k = fit; k > 1; k >>= 1)
        g->fit_zoom++;
    g->k = zoom > 0 && zoom < 40 ? (size_t)1 << (zoom - 1) : fit;
    size_t cells = (n_blocks + g->k - 1) / g->k;
    g->rows_total = (long)((cells + cols - 1) / cols);
    g->scroll_max = g->rows_total > (long)rows ? g->rows_total - (long)rows : 0;
    g->scroll = scroll < 0 ? 0 : scroll > g->scroll_max ? g->scroll_max : scroll;
    g->first = (size_t)g->scroll * cols * g->k;
}

size_t heatmap_fit(size_t n_blocks, size_t cols, size_t rows)
{
    size_t room = cols * rows, k = 1;
    if (room == 0)
        room = 1;
    while (k < n_blocks && (n_blocks + k - 1) / k > room)
        k *= 2;
    return k;
}

/* ---- legends: what each character and colour means, per view ---- */

#define LEG(l, c, ch)                                                                              \
    {                                                                                              \
        (l), (uint8_t)(c), (ch)                                                                    \
    }
#define LEG_END                                                                                    \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

#define LEG_TYPES                                                                                  \
    LEG("tuple", HM_C_HEAD_T, 'T'), LEG("list", HM_C_HEAD_L, 'L'), LEG("dict", HM_C_HEAD_D, 'D'),  \
        LEG("str/bytes", HM_C_HEAD_S, 'S'), LEG("array", HM_C_HEAD_A, 'A'),                        \
        LEG("float", HM_C_HEAD_F, 'F'), LEG("function", HM_C_HEAD_B, 'B'),                         \
        LEG("module", HM_C_HEAD_M, 'M'), LEG("other", HM_C_HEAD_h, 'h'),                           \
        LEG("tail", HM_C_HEAD_h, '=')

static const struct hm_legend legend_type[2][17] = {
    {
        LEG_TYPES,
        LEG("free", HM_C_FREE, '.'),
        LEG("unknown", HM_C_UNKNOWN, '?'),
        LEG("cell <=1/4 used", HM_C_HEAD_h, ':'),
        LEG("<=1/2", HM_C_HEAD_h, '+'),
        LEG("<full", HM_C_HEAD_h, '*'),
        LEG("full", HM_C_HEAD_h, '#'),
        LEG_END,
    },
    {
        LEG_TYPES,
        LEG("free", HM_C_FREE, 0x00B7),
        LEG("unknown", HM_C_UNKNOWN, '?'),
        LEG("cell \u2264\u00bc used", HM_C_HEAD_h, 0x2591),
        LEG("\u2264\u00bd", HM_C_HEAD_h, 0x2592),
        LEG("<full", HM_C_HEAD_h, 0x2593),
        LEG("full", HM_C_HEAD_h, 0x2588),
        LEG_END,
    },
};

/* hm_input.type_letters: no shades to explain, but what a letter stands
 * for when a cell holds several blocks */
#define LEG_LETTERS_NOTE LEG("a cell of many blocks shows its main type", HM_C_HEAD_h, 0)
static const struct hm_legend legend_type_letters[2][14] = {
    {
        LEG_TYPES,
        LEG("free", HM_C_FREE, '.'),
        LEG("unknown", HM_C_UNKNOWN, '?'),
        LEG_LETTERS_NOTE,
        LEG_END,
    },
    {
        LEG_TYPES,
        LEG("free", HM_C_FREE, 0x00B7),
        LEG("unknown", HM_C_UNKNOWN, '?'),
        LEG_LETTERS_NOTE,
        LEG_END,
    },
};

static const struct hm_legend legend_frag[2][7] = {
    {
        LEG("hole 1-2 blocks", HM_C_HOLE_TINY, 'x'),
        LEG("3-15", HM_C_HOLE_SMALL, 'o'),
        LEG("16-255", HM_C_HOLE_MEDIUM, '-'),
        LEG("256+ free", HM_C_HOLE_LARGE, '.'),
        LEG("used", HM_C_USED_DIM, ':'),
        LEG("unknown", HM_C_UNKNOWN, '?'),
        LEG_END,
    },
    {
        LEG("hole 1-2 blocks", HM_C_HOLE_TINY, 'x'),
        LEG("3-15", HM_C_HOLE_SMALL, 'o'),
        LEG("16-255", HM_C_HOLE_MEDIUM, '-'),
        LEG("256+ free", HM_C_HOLE_LARGE, 0x00B7),
        LEG("used", HM_C_USED_DIM, 0x2591),
        LEG("unknown", HM_C_UNKNOWN, '?'),
        LEG_END,
    },
};

static const struct hm_legend legend_changes[2][6] = {
    {
        LEG("allocated since last sample", HM_C_NEW, '+'),
        LEG("freed", HM_C_FREED, '-'),
        LEG("unchanged", HM_C_USED_DIM, ':'),
        LEG("free", HM_C_FREE, '.'),
        LEG("unknown", HM_C_UNKNOWN, '?'),
        LEG_END,
    },
    {
        LEG("allocated since last sample", HM_C_NEW, '+'),
        LEG("freed", HM_C_FREED, '-'),
        LEG("unchanged", HM_C_USED_DIM, 0x2591),
        LEG("free", HM_C_FREE, 0x00B7),
        LEG("unknown", HM_C_UNKNOWN, '?'),
        LEG_END,
    },
};

static const struct hm_legend legend_age[2][8] = {
    {
        LEG("new", HM_C_AGE_1, '1'),
        LEG(">=4 samples", HM_C_AGE_2, '3'),
        LEG(">=16", HM_C_AGE_3, '5'),
        LEG(">=64: leak suspects", HM_C_AGE_4, '7'),
        LEG(">=256", HM_C_AGE_4, '9'),
        LEG("free", HM_C_FREE, '.'),
        LEG("unknown", HM_C_UNKNOWN, '?'),
        LEG_END,
    },
    {
        LEG("new", HM_C_AGE_1, '1'),
        LEG("\u22654 samples", HM_C_AGE_2, '3'),
        LEG("\u226516", HM_C_AGE_3, '5'),
        LEG("\u226564: leak suspects", HM_C_AGE_4, '7'),
        LEG("\u2265256", HM_C_AGE_4, '9'),
        LEG("free", HM_C_FREE, 0x00B7),
        LEG("unknown", HM_C_UNKNOWN, '?'),
        LEG_END,
    },
};

const struct hm_legend *heatmap_legend(enum hm_view view, bool utf8, bool type_letters)
{
    int u8 = utf8 ? 1 : 0;
    switch (view) {
    case HM_VIEW_FRAG:
        return legend_frag[u8];
    case HM_VIEW_CHANGES:
        return legend_changes[u8];
    case HM_VIEW_AGE:
        return legend_age[u8];
    default:
        return type_letters ? legend_type_letters[u8] : legend_type[u8];
    }
}

const char *heatmap_view_name(enum hm_view view)
{
    static const char *const names[HM_N_VIEWS] = {"type", "fragmentation", "changes", "age"};
    return (unsigned)view < HM_N_VIEWS ? names[view] : "type";
}
