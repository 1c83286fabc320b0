/* SPDX-License-Identifier: MIT */
/* test_memparse.c - the reader on real fixtures fed in every chunking, on
 * damaged copies of them, on hand-made dumps of old eras, and on garbage. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "hw.h"
#include "memline.h"
#include "memparse.h"
#include "refwalk.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIXDIR "tests/fixtures/meminfo/"

struct got {
    struct snapshot s[64];
    int n;
};

static void collect(const struct snapshot *s, void *ctx)
{
    struct got *g = ctx;
    assert_true(g->n < 64);
    memset(&g->s[g->n], 0, sizeof(g->s[0]));
    snapshot_copy(&g->s[g->n++], s);
}

static void got_free(struct got *g)
{
    for (int i = 0; i < g->n; i++)
        snapshot_fini(&g->s[i]);
    g->n = 0;
}

/* Parse text fed in pieces of `chunk` bytes (0 = all at once). */
static void parse(struct got *g, const char *text, size_t len, size_t chunk)
{
    struct memparse *mp = memparse_new(collect, g);
    g->n = 0;
    if (!chunk)
        chunk = len ? len : 1;
    for (size_t off = 0; off < len; off += chunk)
        memparse_feed(mp, text + off, len - off < chunk ? len - off : chunk);
    memparse_flush(mp);
    memparse_free(mp);
}

static char *slurp(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof(path), FIXDIR "%s", name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = xmalloc((size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void assert_same_snapshot(const struct snapshot *a, const struct snapshot *b)
{
    assert_int_equal(a->line, b->line);
    assert_int_equal(a->gc_total, b->gc_total);
    assert_int_equal(a->gc_used, b->gc_used);
    assert_int_equal(a->gc_free, b->gc_free);
    assert_int_equal(a->rep_max_free, b->rep_max_free);
    assert_int_equal(a->block_size, b->block_size);
    assert_int_equal(a->complete, b->complete);
    assert_int_equal(a->consistent, b->consistent);
    assert_int_equal(a->problems, b->problems);
    assert_int_equal(a->n_areas, b->n_areas);
    for (size_t i = 0; i < a->n_areas; i++) {
        assert_string_equal(a->areas[i].base, b->areas[i].base);
        assert_int_equal(a->areas[i].n_blocks, b->areas[i].n_blocks);
        assert_memory_equal(a->areas[i].map, b->areas[i].map, a->areas[i].n_blocks);
    }
    assert_memory_equal(&a->metrics, &b->metrics, sizeof(a->metrics));
}

static const struct {
    const char *file;
    int dumps, maps, complete_maps;
} fixtures[] = {
    {"esp32_v1.21-preview_1.txt", 1, 0, 0},
    {"esp32_v1.23plus_3.txt", 1, 1, 1},
    {"rp2_unknown-2025_1.txt", 1, 1, 0},
    {"rp2_v1.23plus_4.txt", 1, 1, 1},
    {"stm32_v1.6_1.txt", 5, 0, 0},
    {"trezor_unknown-2025-03_1.txt", 1, 1, 0},
    {"unix_unknown-2024-09_2.txt", 2, 2, 2},
    {"unix_v1.19.1-wrap-generated_1.txt", 1, 1, 1},
    {"unix_v1.29.0-preview-generated_1.txt", 2, 1, 1},
    {"unix_v1.29.0-preview-splitheap-generated_1.txt", 2, 1, 1},
    {"unix_v1.8-generated_1.txt", 2, 1, 1},
    {"unknownport_unknown-2025_1.txt", 6, 0, 0},
};

/* Every complete map agrees with the device's own numbers. */
static void test_fixtures_consistent(void **state)
{
    (void)state;
    struct got g;
    for (size_t f = 0; f < ARRAY_LEN(fixtures); f++) {
        size_t len;
        char *text = slurp(fixtures[f].file, &len);
        parse(&g, text, len, 0);
        int maps = 0, complete = 0;
        for (int i = 0; i < g.n; i++) {
            const struct snapshot *s = &g.s[i];
            maps += s->has_map;
            if (!s->has_map || !s->complete)
                continue;
            complete++;
            const struct metrics *m = &s->metrics;
            assert_int_equal(s->consistent, 1);
            assert_int_equal(m->one_block, s->rep_one_block);
            assert_int_equal(m->two_block, s->rep_two_block);
            assert_int_equal(m->max_block, s->rep_max_block);
            if (s->has_max_free)
                assert_int_equal(m->largest_free_blocks, s->rep_max_free);
            assert_int_equal((uint64_t)m->used_blocks * s->block_size, s->gc_used);
            assert_int_equal((uint64_t)m->free_blocks * s->block_size, s->gc_free);
        }
        if (g.n != fixtures[f].dumps || maps != fixtures[f].maps ||
            complete != fixtures[f].complete_maps)
            fail_msg("%s: %d dumps %d maps %d complete", fixtures[f].file, g.n, maps, complete);
        got_free(&g);
        free(text);
    }
}

/* The same snapshots whatever the feed boundaries: 1 byte, odd sizes. */
static void test_chunking(void **state)
{
    (void)state;
    static const size_t chunks[] = {1, 2, 3, 7, 63, 64, 65, 4095, 4097};
    struct got whole, part;
    for (size_t f = 0; f < ARRAY_LEN(fixtures); f++) {
        size_t len;
        char *text = slurp(fixtures[f].file, &len);
        parse(&whole, text, len, 0);
        for (size_t c = 0; c < ARRAY_LEN(chunks); c++) {
            parse(&part, text, len, chunks[c]);
            assert_int_equal(part.n, whole.n);
            for (int i = 0; i < whole.n; i++)
                assert_same_snapshot(&whole.s[i], &part.s[i]);
            got_free(&part);
        }
        got_free(&whole);
        free(text);
    }
}

/* Replace the first occurrence of `from` in text with `to`. */
static char *edit(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    assert_non_null(at);
    size_t pre = (size_t)(at - text), fl = strlen(from), tl = strlen(to);
    char *out = xmalloc(strlen(text) - fl + tl + 1);
    memcpy(out, text, pre);
    memcpy(out + pre, to, tl);
    strcpy(out + pre + tl, at + fl);
    return out;
}

static void parse_one(struct got *g, const char *text)
{
    parse(g, text, strlen(text), 0);
    assert_int_equal(g->n, 1);
}

static const char *RP2 = "rp2_v1.23plus_4.txt";

/* The RP2 fixture with one edit: the dump is still found, kept whole as
 * far as it goes, and marked incomplete with problem `problem`. The
 * snapshot is left in g for further checks; free with got_free(). */
static void parse_damaged(struct got *g, const char *from, const char *to, unsigned problem)
{
    size_t len;
    char *text = slurp(RP2, &len);
    char *bad = edit(text, from, to);
    parse_one(g, bad);
    assert_false(g->s[0].complete);
    assert_true(g->s[0].problems & problem);
    free(bad);
    free(text);
}

static void test_dropped_symbol(void **state)
{
    (void)state;
    struct got g;
    /* one symbol lost from a 64-symbol line in the middle of the map */
    parse_damaged(&g, "00000400: Bh===.B=h", "00000400: Bh===.B=", SNAP_P_LINE_LEN);
    /* block geometry is kept: the next line still starts at block 128 */
    assert_int_equal(g.s[0].areas[0].map[127], SNAP_UNKNOWN);
    assert_int_equal(g.s[0].areas[0].map[128], '=');
    got_free(&g);
}

static void test_dropped_offset_digits(void **state)
{
    (void)state;
    struct got g;
    parse_damaged(&g, "00000800: ", "00000: ", SNAP_P_OFFSET);
    got_free(&g);
}

static void test_cut_mid_line(void **state)
{
    (void)state;
    struct got g;
    size_t len;
    char *text = slurp(RP2, &len);
    char *cut = strstr(text, "00001000: ");
    assert_non_null(cut);
    parse(&g, text, (size_t)(cut - text) + 30, 0);
    assert_int_equal(g.n, 1);
    assert_false(g.s[0].complete);
    assert_true(g.s[0].problems & SNAP_P_CUT);
    /* what was read is kept, nothing is invented after it */
    assert_int_equal(g.s[0].areas[0].n_blocks, 4 * 64 + 20);
    got_free(&g);
    free(text);
}

static void test_merged_header(void **state)
{
    (void)state;
    struct got g;
    parse_damaged(&g, "GC: total: 205568, ", "", SNAP_P_FIELDS);
    got_free(&g);
}

static void test_wrapped_field(void **state)
{
    (void)state;
    struct got g;
    parse_damaged(&g, "max free sz: 6147", "max f    ree sz: 6147", SNAP_P_FIELDS);
    assert_false(g.s[0].has_max_free);
    got_free(&g);
    /* a hand-edited number */
    parse_damaged(&g, "used: 102816", "used: 102 816", SNAP_P_FIELDS);
    got_free(&g);
}

static void test_long_map_line(void **state)
{
    (void)state;
    struct got g;
    parse_damaged(&g, "00000400: Bh===", "00000400: BBBBBBBBBBh===", SNAP_P_LINE_LEN);
    /* the extra symbols are dropped, the line keeps its 64 blocks */
    assert_int_equal(g.s[0].areas[0].map[64 + 63], '=');
    got_free(&g);
}

/* A map line: offset, then `head` padded with free blocks to 64 symbols. */
static void map_row(char *out, size_t cap, const char *offset, const char *head)
{
    snprintf(out, cap, "%s: %s%.*s\n", offset, head, (int)(64 - strlen(head)),
             "................................................................");
}

/* 2014 (v1.0-v1.3.4): 4-digit block-index offsets, 't' tails, no max free. */
static void test_era0(void **state)
{
    (void)state;
    struct got g;
    char r1[128], r2[128], text[512];
    map_row(r1, sizeof(r1), "0000", "hthhttttt");
    map_row(r2, sizeof(r2), "0040", "");
    snprintf(text, sizeof(text),
             "GC: total: 2048, used: 144, free: 1904\n"
             " No. of 1-blocks: 1, 2-blocks: 1, max blk sz: 6\n"
             "GC memory layout; from 20001000:\n%s%s",
             r1, r2);
    parse_one(&g, text);
    const struct snapshot *s = &g.s[0];
    assert_false(s->has_max_free);
    assert_int_equal(s->block_size, 16);
    assert_int_equal(s->areas[0].map[1], '=');
    assert_true(s->complete);
    assert_int_equal(s->consistent, 1);
    assert_int_equal(s->metrics.max_block, 6);
    got_free(&g);
}

/* v1.3.5-v1.8: offsets are the low 20 bits of absolute addresses, so they
 * wrap at 1 MiB; the map is placed by line order, not by the numbers. */
static void test_absolute_offsets_and_wrap(void **state)
{
    (void)state;
    struct got g;
    char r1[128], r2[128], text[512];
    map_row(r1, sizeof(r1), "ffc00", "h.h");
    map_row(r2, sizeof(r2), "00000", "");
    snprintf(text, sizeof(text),
             "GC: total: 2048, used: 32, free: 2016\n"
             " No. of 1-blocks: 2, 2-blocks: 0, max blk sz: 1, max free sz: 125\n"
             "GC memory layout; from 7fffcff800:\n%s%s",
             r1, r2);
    parse_one(&g, text);
    assert_true(g.s[0].complete);
    assert_int_equal(g.s[0].block_size, 16);
    assert_int_equal(g.s[0].consistent, 1);
    assert_int_equal(g.s[0].metrics.largest_free_blocks, 125);
    assert_int_equal(g.s[0].metrics.free_runs, 2);
    got_free(&g);
}

static void test_frames_and_time(void **state)
{
    (void)state;
    struct got g;
    const char *text = "*** Memory info before GC ***\n"
                       "[10:00:01.500] GC: total: 1024, used: 0, free: 1024\n"
                       "[10:00:01.501]  No. of 1-blocks: 0, 2-blocks: 0, max blk sz: 0\n"
                       "noise\nnoise\nnoise\nnoise\n"
                       "~~~~~ [PROFILING INFO] - [3] after load ~~~~~\n"
                       "@@@ 5000\n"
                       "stack: 10\n"
                       "GC: total: 1024, used: 0, free: 1024\n"
                       "No. of 1-blocks: 0, 2-blocks: 0, max blk sz: 0\n";
    parse(&g, text, strlen(text), 0);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.s[0].label, "Memory info before GC");
    assert_true(g.s[0].has_time);
    assert_true(g.s[0].time > 36001.49 && g.s[0].time < 36001.51);
    assert_true(g.s[0].complete);
    assert_string_equal(g.s[1].label, "[PROFILING INFO] - [3] after load");
    assert_true(g.s[1].has_time);
    assert_true(g.s[1].time > 4.99 && g.s[1].time < 5.01);
    assert_true(g.s[1].complete); /* the lost leading space of " No. of" is fine */
    got_free(&g);
}

static void test_headless_map(void **state)
{
    (void)state;
    struct got g;
    const char *text =
        "some text\n"
        "00001000: ===h=.......h=..h=...h===.............h=======..S........hh.....\n"
        "00001400: .....................B..h========...............................\n";
    parse(&g, text, strlen(text), 0);
    assert_int_equal(g.n, 1);
    assert_false(g.s[0].complete);
    assert_true(g.s[0].problems & SNAP_P_NO_HEADER);
    assert_int_equal(g.s[0].areas[0].n_blocks, 128);
    got_free(&g);
}

/* Bytes that are no text at all, and one enormous line: no crash, no dump. */
static void test_garbage(void **state)
{
    (void)state;
    struct got g;
    size_t n = 3 << 20;
    char *junk = xmalloc(n);
    unsigned x = 12345;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (char)(x >> 16);
    }
    parse(&g, junk, n, 4093);
    for (int i = 0; i < g.n; i++)
        assert_false(g.s[i].complete && g.s[i].has_map && g.s[i].consistent == 1 &&
                     g.s[i].metrics.blocks > 64);
    got_free(&g);
    memset(junk, 'A', n);
    parse(&g, junk, n, 65536);
    assert_int_equal(g.n, 0);
    got_free(&g);
    free(junk);
}

/* A dump interrupted by a thread's print keeps going; three lines end it. */
static void test_noise_inside_dump(void **state)
{
    (void)state;
    struct got g;
    size_t len;
    char *text = slurp(RP2, &len);
    char *noisy = edit(text, "00000800: ", "WARNING: irq fired\n00000800: ");
    parse_one(&g, noisy);
    assert_true(g.s[0].complete);
    assert_int_equal(g.s[0].consistent, 1);
    got_free(&g);
    free(noisy);
    free(text);
}

/* Lines of 3 bytes or fewer (the raw REPL's "\x04\x04>" after every
 * sample, prompts) are noise without being searched: three inside a map
 * are tolerated like any other line, a fourth ends the dump; they age a
 * frame's label; the bare frame "@@@" is still a frame, which does not. */
static void test_short_lines_are_noise(void **state)
{
    (void)state;
    struct got g;
    size_t len;
    char *text = slurp(RP2, &len);
    char *three = edit(text, "00000800: ", "\x04\x04>\n>\n>>>\n00000800: ");
    parse_one(&g, three);
    assert_true(g.s[0].complete);
    assert_int_equal(g.s[0].consistent, 1);
    got_free(&g);
    char *four = edit(text, "00000800: ", "\x04\x04>\nOK\n>\n>>>\n00000800: ");
    parse(&g, four, strlen(four), 0);
    assert_true(g.n >= 1);
    assert_false(g.s[0].complete); /* ended before its map did: cut */
    assert_true(g.s[0].problems & SNAP_P_CUT);
    got_free(&g);
    free(four);
    free(three);
    free(text);

    const char *dump = "stack: 10\nGC: total: 1024, used: 0, free: 1024\n"
                       "No. of 1-blocks: 0, 2-blocks: 0, max blk sz: 0\n";
    char buf[1024];
    int o = snprintf(buf, sizeof(buf), "*** kept ***\n");
    for (int i = 0; i < 25; i++)
        o += snprintf(buf + o, sizeof(buf) - (size_t)o, "@@@\n");
    snprintf(buf + o, sizeof(buf) - (size_t)o, "%s", dump);
    parse_one(&g, buf);
    assert_string_equal(g.s[0].label, "kept");
    got_free(&g);
    o = snprintf(buf, sizeof(buf), "*** lost ***\n");
    for (int i = 0; i < 25; i++)
        o += snprintf(buf + o, sizeof(buf) - (size_t)o, ">\n");
    snprintf(buf + o, sizeof(buf) - (size_t)o, "%s", dump);
    parse_one(&g, buf);
    assert_string_equal(g.s[0].label, "");
    got_free(&g);
}

/* Numbers of every length, at the end of a line and before more of it
 * (read 8 digits at a time where 8 more bytes follow), up to the largest
 * that fits and one past it. */
static void test_numbers_of_every_length(void **state)
{
    (void)state;
    char line[160];
    uint64_t v = 0;
    for (int digits = 1; digits <= 20; digits++) {
        v = v * 10 + (uint64_t)(digits % 10);
        for (int tail = 0; tail < 2; tail++) {
            struct snapshot s = {0};
            int n = snprintf(line, sizeof(line), "GC: total: %llu, used: %llu, free: %llu%s",
                             (unsigned long long)v, (unsigned long long)v, (unsigned long long)v,
                             tail ? ", max new split: 7" : "");
            memline_gc(&s, line, line + n);
            assert_true(s.has_gc);
            assert_int_equal(s.gc_total, v);
            assert_int_equal(s.gc_free, v);
            assert_int_equal(s.has_max_new_split, tail);
        }
    }
    struct snapshot s = {0};
    const char *max = "GC: total: 18446744073709551609, used: 1, free: 18446744073709551616, x";
    memline_gc(&s, max, max + strlen(max));
    assert_false(s.has_gc); /* the second does not fit */
    assert_int_equal(s.gc_total, 18446744073709551609ull);
}

/* A map line with no symbols after its offset, as the first line of an
 * area and as the line just past a full map buffer (16 lines of 64): its
 * mask is still written somewhere it may be (found by the fuzzer). */
static void test_empty_map_lines(void **state)
{
    (void)state;
    struct got g;
    char text[4096];
    size_t o = (size_t)sprintf(text, "GC memory layout; from 3ffc0000:\n00000000: \n");
    o += (size_t)sprintf(text + o, "GC memory layout; from 3ffd0000:\n");
    for (int line = 0; line < 16; line++) {
        o += (size_t)sprintf(text + o, "%08x: ", line * 1024);
        memset(text + o, line & 1 ? '.' : '=', 64);
        text[o] = 'h';
        o += 64;
        text[o++] = '\n';
    }
    o += (size_t)sprintf(text + o, "00004000: \nGC memory layout; from 3ffe0000:\n00000000:\n");
    parse(&g, text, o, 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.s[0].n_areas, 3);
    assert_int_equal(g.s[0].areas[1].n_blocks, 1024);
    ASSERT_REF_METRICS(&g.s[0]);
    got_free(&g);
}

/* A map printed the way py/gc.c gc_dump_alloc_table() prints it: 64
 * symbols a line after an 8-digit offset, two or more whole free lines as
 * "(N lines all free)". Appends to out at *o; tails as 't' if old. */
static void print_area(char *out, size_t *o, const char *sym, size_t n, bool old,
                       const char *prefix)
{
    *o += (size_t)sprintf(out + *o, "%sGC memory layout; from 3ffc0000:", prefix);
    for (size_t bl = 0; bl < n; bl++) {
        if (bl % 64 == 0) {
            size_t bl2 = bl;
            while (bl2 < n && sym[bl2] == '.')
                bl2++;
            if (bl2 - bl >= 2 * 64) {
                *o += (size_t)sprintf(out + *o, "\n%s       (%zu lines all free)", prefix,
                                      (bl2 - bl) / 64);
                bl = bl2 & ~(size_t)63;
                if (bl >= n)
                    break;
            }
            *o += (size_t)sprintf(out + *o, "\n%s%08zx: ", prefix, bl * 16);
        }
        out[(*o)++] = old && sym[bl] == '=' ? 't' : sym[bl];
    }
    out[(*o)++] = '\n';
}

/* Random heaps printed as mem_info text, some damaged in transit (a symbol
 * dropped or garbled), read back in random pieces: the metrics the reader
 * computes from its own masks agree with the reference walk over the map
 * it stored, and an undamaged map is stored as printed. */
static void test_random_dumps(void **state)
{
    (void)state;
    uint64_t st = 0x2545f4914f6cdd1dull;
    struct got g;
    char *text = xmalloc(1 << 20), *sym[4];
    size_t n[4];
    for (int k = 0; k < 4; k++)
        sym[k] = xmalloc(5000);
    for (int iter = 0; iter < 3000; iter++) {
        size_t areas = 1 + ref_below(&st, 4), o = 0;
        bool old = ref_below(&st, 5) == 0, damaged = ref_below(&st, 4) == 0;
        const char *prefix = ref_below(&st, 4) == 0 ? "[12:00:00.000] " : "";
        o += (size_t)sprintf(text + o, "%sGC: total: 1, used: 1, free: 1\n", prefix);
        o += (size_t)sprintf(text + o, "%s No. of 1-blocks: 1, 2-blocks: 1, max blk sz: 1\n",
                             prefix);
        for (size_t k = 0; k < areas; k++) {
            n[k] = 1 + ref_below(&st, ref_below(&st, 3) ? 600 : 4000);
            ref_random_map(&st, sym[k], n[k], 1);
            if (ref_below(&st, 3) == 0) { /* a heap with long free stretches */
                size_t at = ref_below(&st, n[k]);
                memset(sym[k] + at, '.', ref_below(&st, n[k] - at));
            }
            size_t start = o;
            print_area(text, &o, sym[k], n[k], old, prefix);
            if (damaged && ref_below(&st, 2)) { /* one map symbol dropped or garbled */
                char *at = strstr(text + start, ": ");
                if (at && (size_t)(at - text) + 10 < o) {
                    at += 2 + ref_below(&st, 8);
                    if (ref_below(&st, 2))
                        memmove(at, at + 1, (size_t)(text + o - at - 1)), o--;
                    else
                        *at = "?!\x01#"[ref_below(&st, 4)];
                }
            }
        }
        o += (size_t)sprintf(text + o, "%s>>> \n", prefix);
        parse(&g, text, o, ref_below(&st, 2) ? 0 : 1 + ref_below(&st, 200));
        assert_int_equal(g.n, 1);
        const struct snapshot *s = &g.s[0];
        assert_true(s->has_metrics);
        ASSERT_REF_METRICS(s);
        if (!damaged) {
            assert_int_equal(s->n_areas, areas);
            for (size_t k = 0; k < areas; k++) {
                assert_int_equal(s->areas[k].n_blocks, n[k]);
                assert_memory_equal(s->areas[k].map, sym[k], n[k]);
            }
        }
        got_free(&g);
    }
    for (int k = 0; k < 4; k++)
        free(sym[k]);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixtures_consistent),
        cmocka_unit_test(test_chunking),
        cmocka_unit_test(test_dropped_symbol),
        cmocka_unit_test(test_dropped_offset_digits),
        cmocka_unit_test(test_cut_mid_line),
        cmocka_unit_test(test_merged_header),
        cmocka_unit_test(test_wrapped_field),
        cmocka_unit_test(test_long_map_line),
        cmocka_unit_test(test_era0),
        cmocka_unit_test(test_absolute_offsets_and_wrap),
        cmocka_unit_test(test_frames_and_time),
        cmocka_unit_test(test_headless_map),
        cmocka_unit_test(test_garbage),
        cmocka_unit_test(test_noise_inside_dump),
        cmocka_unit_test(test_short_lines_are_noise),
        cmocka_unit_test(test_random_dumps),
        cmocka_unit_test(test_numbers_of_every_length),
        cmocka_unit_test(test_empty_map_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
