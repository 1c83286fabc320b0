/* SPDX-License-Identifier: MIT */
/* snapshot.h - one mem_info dump as a plain value: what the device reported
 * and the block map it printed, area by area, plus the metrics recomputed
 * from that map. Transparent on purpose: the parser fills it, the metrics,
 * exporters and renderers read it. */
#ifndef HW_SNAPSHOT_H
#define HW_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Allocation heads counted per MicroPython type letter, in this order.
 * 'h' also collects 'm' (marked) and letters no upstream build prints. */
#define SNAP_HEAD_LETTERS "hTLDSAFBM"
enum { SNAP_N_HEADS = 9 };

/* Histograms are log2-bucketed: bucket k counts runs of 2^k .. 2^(k+1)-1 blocks. */
enum { SNAP_HIST_BUCKETS = 24 };

/* Symbols stored in area maps: the device's own letters, normalised:
 * '.' free, '=' tail (old firmware printed 't'), a head letter, or
 * SNAP_UNKNOWN for blocks the text did not show (dropped symbols, cut lines). */
#define SNAP_UNKNOWN '?'

/* Why a dump is not whole. A snapshot with any of these is complete=false. */
enum snap_problem {
    SNAP_P_CUT = 1u << 0,       /* the map ended before total/block_size blocks */
    SNAP_P_LINE_LEN = 1u << 1,  /* a map line with the wrong number of symbols */
    SNAP_P_OFFSET = 1u << 2,    /* a map offset that does not follow its predecessor */
    SNAP_P_FIELDS = 1u << 3,    /* GC: / No. of lines missing or unreadable */
    SNAP_P_NO_HEADER = 1u << 4, /* a map without its GC memory layout header */
    SNAP_P_LONG_LINE = 1u << 5, /* a line longer than the reader keeps */
    SNAP_P_SYMBOL = 1u << 6,    /* a character that is no block symbol inside a map line */
    SNAP_P_TOO_BIG = 1u << 7,   /* more blocks than MEMPARSE_MAX_BLOCKS; the rest dropped */
};
enum { SNAP_N_PROBLEMS = 8 };

/* "(N lines all free)": N * 64 free blocks the text did not spell out,
 * starting at a line. The reader does not write their symbols (a free
 * line costs O(1), not O(64 N)); blockmap.h reads them as free, and
 * snapshot_copy() writes them out. */
struct free_span {
    size_t start, len; /* blocks */
};

/* What the blocks of one 64-block line of a map are, as bits (bit k is
 * block 64 * line + k): free ('.'), tail ('='), head (a letter); a block
 * in none of them is unknown ('?'). The reader notes them while it checks
 * a map line's symbols, so nothing has to look at those bytes again. */
struct line_masks {
    uint64_t free, tail, head;
};

struct area {
    char base[24];           /* start address as printed, lowercase hex without "0x" */
    char *map;               /* n_blocks symbols (not NUL-terminated); owned by the snapshot;
                              * the bytes inside spans[] are not written: read it through
                              * blockmap.h, or copy it (snapshot_copy) first */
    size_t n_blocks;         /* blocks the map covers (free lines included) */
    size_t cap;              /* allocated bytes of map */
    struct free_span *spans; /* sorted, disjoint; owned */
    size_t n_spans, cap_spans;
    /* masks[i] describes line i (blocks 64 i ..) of map: cap / 64 entries
     * allocated with it, owned; valid for every line outside spans[] only
     * while has_masks (the reader sets it; a map written any other way,
     * by hand or by snapshot_copy(), leaves it false and is read from its
     * symbols). A mask has no bits at or past n_blocks. */
    struct line_masks *masks;
    bool has_masks;
    /* filled by metrics_compute(): */
    size_t free_blocks;
    size_t largest_free;
    /* metrics.c's memo of the runs inside each line, kept with the area
     * from dump to dump (a board's next dump repeats most lines); owned,
     * cap_memo entries, opaque to all but metrics.c */
    struct run_memo *memo;
    size_t cap_memo;
};

struct metrics {
    size_t blocks, free_blocks, used_blocks, unknown_blocks;
    size_t one_block, two_block, max_block; /* allocations of 1 and 2 blocks, largest one */
    size_t allocations;                     /* heads */
    size_t largest_free_blocks;             /* longest free run inside one area */
    uint64_t largest_free_bytes;            /* 0 when the block size is unknown */
    size_t free_runs;
    double fragmentation; /* 1 - largest free run / total free; 0 if nothing free */
    size_t heads[SNAP_N_HEADS];
    size_t free_hist[SNAP_HIST_BUCKETS];
    size_t alloc_hist[SNAP_HIST_BUCKETS];
};

struct snapshot {
    long seq;        /* 0-based order of appearance across all sources */
    int source;      /* index of the input it came from */
    long line;       /* 1-based line of its first line in that input */
    uint64_t offset; /* byte offset in that input where it begins (its frame
                      * line, "*** Memory info ... ***", if one came first) */
    bool has_time;
    double time;    /* seconds: from a timestamp prefix, @@@ ticks, or the live clock */
    char label[96]; /* from a frame such as "*** Memory info X ***"; "" if none */

    bool has_mem; /* "mem: total=77932, current=44073, peak=44073" */
    uint64_t mem_total, mem_current, mem_peak;
    bool has_stack; /* "stack: 7328 out of 80000" or "stack: 7328" */
    uint64_t stack_used;
    bool has_stack_limit;
    uint64_t stack_limit;
    bool has_gc; /* "GC: total: 296448, used: 49920, free: 246528[, max new split: N]" */
    uint64_t gc_total, gc_used, gc_free;
    bool has_max_new_split;
    uint64_t max_new_split;
    bool has_reported; /* " No. of 1-blocks: 695, 2-blocks: 83, max blk sz: 91[, max free sz: 7704]"
                        */
    uint64_t rep_one_block, rep_two_block, rep_max_block;
    bool has_max_free;
    uint64_t rep_max_free;

    unsigned block_size; /* bytes per block, 0 if unknown */
    bool has_map;        /* a GC memory layout was printed */
    struct area *areas;  /* n_areas entries, owned */
    size_t n_areas, cap_areas;

    bool has_metrics; /* metrics is valid (has_map) */
    struct metrics metrics;
    int consistent; /* 1 yes, 0 no, -1 nothing to compare */
    bool complete;
    unsigned problems;   /* enum snap_problem bits */
    unsigned mismatches; /* which checks failed: enum snap_check bits */
};

/* Checks of the map against the device's own numbers (snapshot.mismatches). */
enum snap_check {
    SNAP_C_ONE_BLOCK = 1u << 0,
    SNAP_C_TWO_BLOCK = 1u << 1,
    SNAP_C_MAX_BLOCK = 1u << 2,
    SNAP_C_MAX_FREE = 1u << 3,
    SNAP_C_USED = 1u << 4,
    SNAP_C_FREE = 1u << 5,
    SNAP_C_TOTAL = 1u << 6,
};
enum { SNAP_N_CHECKS = 7 };

/* Reset s to an empty snapshot, keeping its buffers for reuse. */
void snapshot_clear(struct snapshot *s);
/* Free what s owns and zero it; s itself is the caller's. NULL-safe. */
void snapshot_fini(struct snapshot *s);
/* Deep copy src into dst (dst must be zeroed or cleared; its buffers are
 * reused). The copy's maps are whole: every span written out as '.'. */
void snapshot_copy(struct snapshot *dst, const struct snapshot *src);
/* Append a new empty area; the pointer is valid until the next snapshot_add_area(). */
struct area *snapshot_add_area(struct snapshot *s, const char *base, size_t base_len);
/* Make room for at least n blocks in a's map (and their masks). */
void area_reserve(struct area *a, size_t n);
/* Add len free blocks at start (the end of the map so far) as a span;
 * the map grows to cover them. */
void area_add_span(struct area *a, size_t start, size_t len);
/* Every symbol of a into out (n_blocks bytes), spans written as '.'. */
void area_symbols(const struct area *a, char *out);

/* Names for problem and check bits ("cut", "line_length", ...; "one_block", ...). */
const char *snapshot_problem_name(unsigned bit);
const char *snapshot_check_name(unsigned bit);

/* The figures every output shows (text lines, stats, trends, JSON
 * "figures", summaries), under one rule: the totals (total, used, free)
 * come from the device's "GC:" line, else from the map if it is complete;
 * the largest free run and the fragmentation come from the map if it is
 * complete, else from the device's own "max free sz" (fragmentation then
 * being 1 - largest / free). Whatever neither gives is unknown: UINT64_MAX,
 * or -1 for the fragmentation (0 when nothing is free). A map that is cut
 * or damaged is never measured: a cut map looks like one huge free run. */
uint64_t snapshot_total_bytes(const struct snapshot *s);
uint64_t snapshot_used_bytes(const struct snapshot *s);
uint64_t snapshot_free_bytes(const struct snapshot *s);
uint64_t snapshot_largest_free_blocks(const struct snapshot *s);
uint64_t snapshot_largest_free_bytes(const struct snapshot *s);
double snapshot_fragmentation(const struct snapshot *s);
/* The same for area i of a heap of several areas (ESP32, PSRAM): from
 * its map only, so known only when the map is complete and the block
 * size is known; else UINT64_MAX. */
uint64_t snapshot_area_free_bytes(const struct snapshot *s, size_t i);
uint64_t snapshot_area_largest_free_bytes(const struct snapshot *s, size_t i);

#endif
