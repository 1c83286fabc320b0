/* SPDX-License-Identifier: MIT */
/* memparse.c - finds mem_info dumps in a byte stream and turns them into
 * snapshots. Line-oriented: bytes are cut into lines (LF, CR, CRLF, CRCRLF),
 * each line is matched against the few shapes mem_info prints, wherever
 * they stand in the line, so timestamps, "# ", " 0> " or indentation before
 * them do not matter. A dump is:
 *
 *   mem: total=77932, current=44073, peak=44073          (MEM_STATS ports only)
 *   stack: 7328 out of 80000                              ("stack: 7328" before v1.3.9)
 *   GC: total: 296448, used: 49920, free: 246528[, max new split: 53248]
 *    No. of 1-blocks: 695, 2-blocks: 83, max blk sz: 91, max free sz: 7704
 *   GC memory layout; from 7f2951dbdde0:                 (one per heap area)
 *   00000000: MDhh=hhLhhSh===h========hhhBMDhBShThSBBMDh==BShBDBDBBBhBhBBBBh==
 *          (119 lines all free)
 *   00048000: ................................................
 *
 * Never does I/O, never trusts a number, never needs a NUL terminator. */
#include "memparse.h"
#include "lines.h"
#include "mapsym.h"
#include "memline.h"
#include "hw.h"
#include "metrics.h"
#include "util.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum phase {
    PH_IDLE,     /* between dumps */
    PH_HEAD,     /* after mem:/stack:, waiting for GC: */
    PH_AFTER_GC, /* waiting for " No. of" */
    PH_AFTER_NO, /* waiting for "GC memory layout" or the end of a summary dump */
    PH_MAP,      /* inside a block map */
};

/* Unrecognised lines tolerated inside a dump (a thread or IRQ printing
 * while mem_info runs) before the dump is taken as ended. */
enum { NOISE_LIMIT = 3, LABEL_TTL = 20 };

struct memparse {
    memparse_cb cb;
    void *ctx;
    int source;
    long seq;
    struct lines lines;           /* memparse_feed()'s own line cutter */
    char ansi[MEMPARSE_MAX_LINE]; /* a line with its escape sequences removed */

    bool open;
    enum phase phase;
    int noise;
    size_t prefix_len; /* column where the dump's first line began */
    size_t map_col;    /* column of the "GC memory layout" line: map lines start there */
    struct snapshot snap;

    /* the area being read */
    size_t line_idx; /* next 64-block line of this area */
    bool last_short; /* the previous map line had fewer than 64 symbols */
    int off_digits;  /* width of the offsets in this area */
    bool have_prev;
    uint64_t prev_off;
    size_t prev_idx;
    uint64_t step; /* bytes (or blocks, for 4-digit offsets) per line; 0 unknown */
    size_t blocks; /* blocks of the dump so far, all areas */

    /* frames seen before a dump, attached to the next one */
    char pending_label[sizeof(((struct snapshot *)0)->label)];
    int label_ttl;
    uint64_t pending_offset; /* where the frame before the next dump began */
    bool has_pending_time;
    double pending_time;
    bool has_live_time;
    double live_time;
    bool (*clock)(void *ctx, double *t); /* the time of the line being read, asked for
                                          * only when a dump opens */
    void *clock_ctx;
    long live_line; /* live: the line the next dump is given; 0 = its own */
};

static void on_line(const struct line *l, void *ctx)
{
    memparse_line(ctx, l);
}

struct memparse *memparse_new(memparse_cb cb, void *ctx)
{
    struct memparse *mp = xcalloc(1, sizeof(*mp));
    mp->cb = cb;
    mp->ctx = ctx;
    mp->snap.consistent = -1;
    lines_init(&mp->lines, on_line, mp);
    return mp;
}

void memparse_free(struct memparse *mp)
{
    if (!mp)
        return;
    snapshot_fini(&mp->snap);
    free(mp);
}

void memparse_set_clock(struct memparse *mp, bool (*clock)(void *ctx, double *t), void *ctx)
{
    mp->clock = clock;
    mp->clock_ctx = ctx;
}

void memparse_set_seq(struct memparse *mp, long seq)
{
    mp->seq = seq;
}

long memparse_seq(const struct memparse *mp)
{
    return mp->seq;
}

void memparse_set_line(struct memparse *mp, long line)
{
    mp->live_line = line;
}

void memparse_set_time(struct memparse *mp, double seconds)
{
    mp->has_live_time = true;
    mp->live_time = seconds;
}

/* ---- opening and closing dumps ---- */

static void decide_block_size(struct memparse *mp)
{
    struct snapshot *s = &mp->snap;
    size_t blocks = 0;
    for (size_t i = 0; i < s->n_areas; i++)
        blocks += s->areas[i].n_blocks;
    /* Offsets are bytes from v1.8.1 on (5 or 8 digits): 64 blocks per line.
     * 4-digit offsets (2014) are block indices and say nothing of size. */
    if (mp->step && mp->off_digits >= 5) {
        uint64_t bs = mp->step / 64;
        if (mp->step % 64 == 0 && bs >= 4 && bs <= 128 && (bs & (bs - 1)) == 0)
            s->block_size = (unsigned)bs;
    }
    if (!s->block_size && s->has_gc && blocks && s->gc_total % blocks == 0) {
        uint64_t bs = s->gc_total / blocks;
        if (bs >= 4 && bs <= 128 && (bs & (bs - 1)) == 0)
            s->block_size = (unsigned)bs;
    }
    if (!s->has_map || !s->has_gc)
        return;
    if (!s->block_size || (uint64_t)blocks * s->block_size < s->gc_total)
        s->problems |= SNAP_P_CUT;
    else if ((uint64_t)blocks * s->block_size > s->gc_total)
        s->problems |= SNAP_P_LINE_LEN;
}

static void close_dump(struct memparse *mp)
{
    if (!mp->open)
        return;
    struct snapshot *s = &mp->snap;
    mp->open = false;
    mp->phase = PH_IDLE;
    /* "stack: 424" alone is not a dump */
    if (!s->has_gc && !s->has_reported && !s->has_map)
        return;
    if (!s->has_gc || !s->has_reported)
        s->problems |= SNAP_P_FIELDS;
    decide_block_size(mp);
    s->complete = s->problems == 0;
    metrics_compute(s);
    metrics_check(s);
    mp->seq++;
    if (mp->cb)
        mp->cb(s, mp->ctx);
}

static void open_dump(struct memparse *mp, const struct line *l, const char *line,
                      size_t prefix_len)
{
    close_dump(mp);
    struct snapshot *s = &mp->snap;
    snapshot_clear(s);
    s->seq = mp->seq;
    s->source = mp->source;
    s->line = mp->live_line ? mp->live_line : l->number;
    mp->live_line = 0;
    s->offset = mp->label_ttl ? mp->pending_offset : l->offset;
    double t;
    if (memline_prefix_time(line, prefix_len, &t)) {
        s->has_time = true;
        s->time = t;
    } else if (mp->has_pending_time) {
        s->has_time = true;
        s->time = mp->pending_time;
    } else if (mp->clock && mp->clock(mp->clock_ctx, &t)) {
        s->has_time = true;
        s->time = t;
    } else if (mp->has_live_time) {
        s->has_time = true;
        s->time = mp->live_time;
    }
    mp->has_pending_time = false;
    mp->has_live_time = false;
    memcpy(s->label, mp->pending_label, sizeof(s->label));
    mp->pending_label[0] = '\0';
    mp->label_ttl = 0;
    mp->open = true;
    mp->noise = 0;
    mp->prefix_len = mp->map_col = prefix_len;
    mp->step = 0;
    mp->off_digits = 0;
    mp->blocks = 0;
}

/* ---- the block map ---- */

static void new_area(struct memparse *mp, const char *base, size_t len)
{
    if (mp->snap.n_areas >= MEMPARSE_MAX_AREAS) {
        /* no real heap has this many; the rest goes on in the last area */
        mp->snap.problems |= SNAP_P_TOO_BIG;
        return;
    }
    struct area *a = snapshot_add_area(&mp->snap, base, len);
    a->has_masks = true; /* map_line() and grow_to() keep them */
    for (char *c = a->base; *c; c++)
        if (*c >= 'A' && *c <= 'F')
            *c = (char)(*c - 'A' + 'a');
    mp->snap.has_map = true;
    mp->phase = PH_MAP;
    mp->line_idx = 0;
    mp->last_short = false;
    mp->have_prev = false;
}

/* "GC memory layout; from 3ffcf6f0:": a new area, one per heap area */
static void start_area(struct memparse *mp, const char *p, const char *end)
{
    const char *base;
    size_t len;
    memline_layout(p, end, &base, &len);
    new_area(mp, base, len);
}

static struct area *cur_area(struct memparse *mp)
{
    return &mp->snap.areas[mp->snap.n_areas - 1];
}

/* Fill blocks [a->n_blocks, upto) with c; false if over MEMPARSE_MAX_BLOCKS. */
static bool grow_slow(struct memparse *mp, struct area *a, size_t upto, char c)
{
    /* the cap is on the whole snapshot: one dump of many areas counts once */
    if (upto - a->n_blocks > MEMPARSE_MAX_BLOCKS - mp->blocks) {
        mp->snap.problems |= SNAP_P_TOO_BIG;
        return false;
    }
    area_reserve(a, upto);
    memset(a->map + a->n_blocks, c, upto - a->n_blocks);
    /* lines that start now hold no free block, tail or head: unknown
     * (c is SNAP_UNKNOWN); one the map ended in keeps its mask */
    for (size_t line = (a->n_blocks + 63) / 64; line < (upto + 63) / 64; line++)
        a->masks[line] = (struct line_masks){0, 0, 0};
    mp->blocks += upto - a->n_blocks;
    a->n_blocks = upto;
    return true;
}

/* The same; nearly always there is nothing to fill. */
static inline bool grow_to(struct memparse *mp, struct area *a, size_t upto, char c)
{
    return upto <= a->n_blocks || grow_slow(mp, a, upto, c);
}

/* "(119 lines all free)": N whole lines of free blocks, then the map goes on */
static bool free_lines(struct memparse *mp, const char *p, const char *end)
{
    uint64_t n;
    if (!memline_free_lines(p, end, &n))
        return false;
    struct area *a = cur_area(mp);
    if (mp->last_short)
        mp->snap.problems |= SNAP_P_LINE_LEN;
    mp->last_short = false;
    if (n > MEMPARSE_MAX_BLOCKS / 64) {
        mp->snap.problems |= SNAP_P_TOO_BIG;
        return true;
    }
    size_t start = mp->line_idx * 64, len = (size_t)n * 64;
    if (!grow_to(mp, a, start, SNAP_UNKNOWN))
        return true;
    if (len > MEMPARSE_MAX_BLOCKS - mp->blocks) {
        mp->snap.problems |= SNAP_P_TOO_BIG;
        return true;
    }
    area_add_span(a, start, len); /* O(1): the symbols are never written */
    mp->blocks += len;
    mp->line_idx += (size_t)n;
    return true;
}

static void check_offset(struct memparse *mp, uint64_t off, int digits)
{
    uint64_t mask = digits == 4 ? 0xffffu : digits == 5 ? 0xfffffu : UINT64_MAX;
    if (mp->off_digits && digits != mp->off_digits)
        mp->snap.problems |= SNAP_P_OFFSET; /* "00000: " among "00000800: " */
    else if (mp->have_prev) {
        size_t lines = mp->line_idx - mp->prev_idx;
        if (!mp->step && lines == 1) {
            uint64_t step = (off - mp->prev_off) & mask;
            uint64_t per = step / 64;
            if (step % 64 == 0 && per && per <= 128 && (per & (per - 1)) == 0)
                mp->step = step;
            else
                mp->snap.problems |= SNAP_P_OFFSET;
        } else if (mp->step && ((mp->prev_off + lines * mp->step) & mask) != (off & mask)) {
            mp->snap.problems |= SNAP_P_OFFSET;
        }
    }
    if (!mp->off_digits)
        mp->off_digits = digits;
    mp->have_prev = true;
    mp->prev_off = off;
    mp->prev_idx = mp->line_idx;
}

/* Store one map line's symbols at the area's current line. Built into
 * process_line(): it is the way of nearly every line of a map. */
static inline __attribute__((always_inline)) void
map_line(struct memparse *mp, uint64_t off, int digits, const char *sym, const char *end)
{
    struct area *a = cur_area(mp);
    if (mp->last_short)
        mp->snap.problems |= SNAP_P_LINE_LEN; /* it was not the last line */
    check_offset(mp, off, digits);
    size_t start = mp->line_idx * 64;
    size_t n = (size_t)(end - sym);
    if (n > 64) {
        mp->snap.problems |= SNAP_P_LINE_LEN;
        n = 64;
    }
    if (!grow_to(mp, a, start, SNAP_UNKNOWN) || n > MEMPARSE_MAX_BLOCKS - mp->blocks) {
        mp->snap.problems |= SNAP_P_TOO_BIG;
        return;
    }
    if (start + 64 > a->cap) /* a whole line: its mask is written even for no symbols */
        area_reserve(a, start + 64);
    size_t i = mapsym_store(a->map + start, sym, n, &a->masks[mp->line_idx]);
    if (i < n) {
        /* a character that is no symbol: keep what came before it */
        mp->snap.problems |= SNAP_P_SYMBOL;
        n = i;
    }
    mp->blocks += start + n - a->n_blocks;
    a->n_blocks = start + n;
    mp->last_short = n < 64;
    mp->line_idx++;
}

/* ---- one line ---- */

static void anchor_line(struct memparse *mp, const struct line *l, enum memline_kind a,
                        const char *p, size_t n, size_t col)
{
    const struct snapshot *s = &mp->snap;
    const char *at = p + col, *end = p + n;
    switch (a) {
    case ML_MEM: /* always the first line of a dump */
        open_dump(mp, l, p, col);
        memline_mem(&mp->snap, at, end);
        mp->phase = PH_HEAD;
        break;
    case ML_STACK:
        if (!mp->open || s->has_stack || s->has_gc || s->has_reported || s->has_map)
            open_dump(mp, l, p, col);
        memline_stack(&mp->snap, at, end);
        mp->phase = PH_HEAD;
        break;
    case ML_GC:
        if (!mp->open || s->has_gc || s->has_reported || s->has_map)
            open_dump(mp, l, p, col);
        memline_gc(&mp->snap, at, end);
        mp->phase = PH_AFTER_GC;
        break;
    case ML_NO:
        /* without a GC: line before it, two headers merged or one was lost */
        if (!mp->open || s->has_reported || s->has_map)
            open_dump(mp, l, p, col);
        memline_no(&mp->snap, at, end);
        mp->phase = PH_AFTER_NO;
        break;
    case ML_LAYOUT:
        if (!mp->open)
            open_dump(mp, l, p, col);
        start_area(mp, at, end);
        mp->map_col = col; /* "OKstack: ..." starts 2 columns in, the map does not */
        break;
    case ML_NONE:
        break;
    }
    mp->noise = 0;
}

/* A map line outside any dump: a chunk of a map pasted without its
 * header. Only whole 64-symbol lines count, to keep prose out. */
static bool headless_map(struct memparse *mp, const struct line *l, const char *p, size_t n)
{
    uint64_t off;
    int digits;
    const char *sym, *end = p + n;
    if (!memline_map_search(p, end, &off, &digits, &sym) || end - sym != 64)
        return false;
    open_dump(mp, l, p, (size_t)(sym - p) - (size_t)digits - 2);
    mp->snap.problems |= SNAP_P_NO_HEADER;
    new_area(mp, "", 0);
    map_line(mp, off, digits, sym, end);
    return true;
}

/* A frame before a dump: its label and time wait for the next dump. */
static bool frame_line(struct memparse *mp, const struct line *l, const char *p, size_t n)
{
    char label[sizeof(mp->pending_label)];
    bool has_ticks;
    uint64_t ticks;
    if (!memline_frame(p, n, label, sizeof(label), &has_ticks, &ticks))
        return false;
    if (has_ticks) {
        mp->has_pending_time = true;
        mp->pending_time = (double)ticks / 1000.0; /* ticks_ms() */
    }
    if (label[0])
        memcpy(mp->pending_label, label, sizeof(label));
    if (has_ticks || label[0]) {
        mp->label_ttl = LABEL_TTL;
        mp->pending_offset = l->offset;
    }
    return true;
}

/* A frame's label and time wait LABEL_TTL lines for their dump. */
static void age_label(struct memparse *mp)
{
    if (mp->label_ttl && --mp->label_ttl == 0) {
        mp->pending_label[0] = '\0';
        mp->has_pending_time = false;
    }
}

/* Whether a line is too short to be anything but noise: every line
 * other_line() looks for is longer than 3 bytes ("0000:" is 5, "stack: N"
 * 8), but for the bare frame "@@@". Such lines come once a sample: the
 * raw REPL's "\x04\x04>" after every dump, a ">" or ">>>" prompt. */
static bool short_noise(const char *p, size_t n)
{
    return n < 3 || (n == 3 && memcmp(p, "@@@", 3) != 0);
}

/* Any line but a map line inside a map: the header lines, free lines,
 * frames, noise. Out of line, so that the map lines' way through
 * process_line() stays short. */
static __attribute__((noinline)) void other_line(struct memparse *mp, const struct line *l,
                                                 const char *p, size_t n)
{
    const char *end = p + n;
    if (short_noise(p, n)) { /* what the searches below would conclude, without them */
        if (mp->open && ++mp->noise > NOISE_LIMIT)
            close_dump(mp);
        age_label(mp);
        return;
    }
    if (mp->phase == PH_MAP && free_lines(mp, p, end)) {
        mp->noise = 0;
        return;
    }
    size_t col = 0;
    enum memline_kind a = memline_classify_at(p, n, 0);
    if (a == ML_NONE && mp->open && mp->prefix_len) {
        col = mp->prefix_len;
        a = memline_classify_at(p, n, col);
    }
    if (a == ML_NONE)
        a = memline_classify(p, n, &col);
    if (a != ML_NONE) {
        anchor_line(mp, l, a, p, n, col);
        return;
    }
    if (mp->phase == PH_MAP) {
        /* a map line whose prefix changed width ("[9:59:59.999] " -> "[10:00:00.000] ") */
        uint64_t off;
        int digits;
        const char *sym;
        if (memline_map_search(p, end, &off, &digits, &sym)) {
            map_line(mp, off, digits, sym, end);
            mp->noise = 0;
            return;
        }
    }
    if (mp->open && ++mp->noise > NOISE_LIMIT)
        close_dump(mp);
    if (frame_line(mp, l, p, n))
        return;
    age_label(mp);
    if (!mp->open)
        headless_map(mp, l, p, n);
}

static void process_line(struct memparse *mp, const struct line *l, const char *p, size_t n)
{
    while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    if (!n)
        return;
    if ((l->marks & MEMLINE_ESC) && memchr(p, '\x1b', n)) {
        n = memline_strip_ansi(p, n, mp->ansi);
        p = mp->ansi;
    }
    uint64_t off;
    int digits;
    const char *sym;
    size_t pl = mp->map_col;
    /* a map line starts with a hex digit: the other lines of a map ("(7
     * lines all free)", the next sample's "OKstack: ") are not looked at */
    if (mp->phase == PH_MAP && pl < n && memline_hexval(p[pl]) >= 0 &&
        memline_map(p + pl, p + n, &off, &digits, &sym)) {
        map_line(mp, off, digits, sym, p + n);
        mp->noise = 0;
        return;
    }
    other_line(mp, l, p, n);
}

/* Nothing the dump needs is still to come: its summary lines were read
 * and either no map started, or the map covers all of "GC: total". */
static bool dump_whole(const struct memparse *mp)
{
    const struct snapshot *s = &mp->snap;
    if (!s->has_gc || !s->has_reported)
        return false;
    if (mp->phase == PH_AFTER_NO)
        return true;
    uint64_t bs = mp->step && mp->off_digits >= 5 ? mp->step / 64 : 0;
    return mp->phase == PH_MAP && bs && (uint64_t)mp->blocks * bs >= s->gc_total;
}

/* A line too long to keep (a 2 GB line of garbage costs a scan, not
 * memory). It damages the dump only if the dump still lacks a part; after
 * a whole one it is what follows the dump (a program's output, a blob). */
static void long_line(struct memparse *mp)
{
    if (!mp->open)
        return;
    if (dump_whole(mp)) {
        close_dump(mp);
        return;
    }
    mp->snap.problems |= SNAP_P_LONG_LINE;
    if (++mp->noise > NOISE_LIMIT)
        close_dump(mp);
}

void memparse_line(struct memparse *mp, const struct line *l)
{
    if (l->too_long || l->n > MEMPARSE_MAX_LINE)
        long_line(mp);
    else
        process_line(mp, l, l->p, l->n);
}

void memparse_feed(struct memparse *mp, const char *buf, size_t len)
{
    lines_feed(&mp->lines, buf, len);
}

void memparse_end_dump(struct memparse *mp)
{
    close_dump(mp);
}

bool memparse_in_dump(const struct memparse *mp)
{
    return mp->open;
}

void memparse_flush(struct memparse *mp)
{
    lines_flush(&mp->lines);
    /* input that ends inside a map is judged by the totals: "cut" */
    close_dump(mp);
}

void memparse_begin_source(struct memparse *mp, int source)
{
    memparse_flush(mp);
    mp->source = source;
    lines_init(&mp->lines, on_line, mp);
    mp->pending_label[0] = '\0';
    mp->label_ttl = 0;
    mp->has_pending_time = false;
}
