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
#include "hw.h"
#include "metrics.h"
#include "util.h"

#include <ctype.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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
    long n_lf, n_cr; /* line ends seen in this source */
    long seq;

    char line[MEMPARSE_MAX_LINE]; /* a line split across feeds */
    size_t line_len;
    bool overflow;                /* the current line exceeded MEMPARSE_MAX_LINE */
    char ansi[MEMPARSE_MAX_LINE]; /* a line with its escape sequences removed */

    bool open;
    enum phase phase;
    int noise;
    size_t prefix_len; /* column where the dump's first line began */
    struct snapshot snap;

    /* the area being read */
    size_t line_idx;   /* next 64-block line of this area */
    bool last_short;   /* the previous map line had fewer than 64 symbols */
    int off_digits;    /* width of the offsets in this area */
    bool have_prev;
    uint64_t prev_off;
    size_t prev_idx;
    uint64_t step;     /* bytes (or blocks, for 4-digit offsets) per line; 0 unknown */

    /* frames seen before a dump, attached to the next one */
    char pending_label[sizeof(((struct snapshot *)0)->label)];
    int label_ttl;
    bool has_pending_time;
    double pending_time;
    bool has_live_time;
    double live_time;
};

static signed char hexval[256];
static char symbol[256]; /* 0: not a block symbol */
static bool tables_ready;

static void init_tables(void)
{
    memset(hexval, -1, sizeof(hexval));
    for (int c = '0'; c <= '9'; c++)
        hexval[c] = (signed char)(c - '0');
    for (int c = 'a'; c <= 'f'; c++)
        hexval[c] = (signed char)(c - 'a' + 10);
    for (int c = 'A'; c <= 'F'; c++)
        hexval[c] = (signed char)(c - 'A' + 10);
    memset(symbol, 0, sizeof(symbol));
    for (int c = 'A'; c <= 'Z'; c++)
        symbol[c] = (char)c;
    for (int c = 'a'; c <= 'z'; c++)
        symbol[c] = (char)c;
    symbol['.'] = '.';
    symbol['='] = '=';
    symbol['t'] = '='; /* tails were 't' before v1.8.1 */
    tables_ready = true;
}

struct memparse *memparse_new(memparse_cb cb, void *ctx)
{
    if (!tables_ready)
        init_tables();
    struct memparse *mp = xcalloc(1, sizeof(*mp));
    mp->cb = cb;
    mp->ctx = ctx;
    mp->snap.consistent = -1;
    return mp;
}

void memparse_free(struct memparse *mp)
{
    if (!mp)
        return;
    snapshot_fini(&mp->snap);
    free(mp);
}

long memparse_count(const struct memparse *mp)
{
    return mp->seq;
}

void memparse_set_time(struct memparse *mp, double seconds)
{
    mp->has_live_time = true;
    mp->live_time = seconds;
}

/* ---- small text helpers, all bounded by an explicit length ---- */

/* memmem() for short lines: glibc's two-way setup costs more than the
 * search on a 70-byte line, and this runs a dozen times per dump. */
static const char *find(const char *p, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    if (k == 0 || k > n)
        return NULL;
    const char *last = p + n - k;
    for (const char *q = p; q <= last; q++) {
        q = memchr(q, needle[0], (size_t)(last - q) + 1);
        if (!q)
            return NULL;
        if (memcmp(q, needle, k) == 0)
            return q;
    }
    return NULL;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Parse decimal digits at *pp (< end). 1 on success. */
static int parse_u64(const char **pp, const char *end, uint64_t *v)
{
    const char *p = *pp;
    uint64_t x = 0;
    if (p >= end || *p < '0' || *p > '9')
        return 0;
    while (p < end && *p >= '0' && *p <= '9') {
        if (x > (UINT64_MAX - 9) / 10)
            return 0;
        x = x * 10 + (uint64_t)(*p++ - '0');
    }
    *pp = p;
    *v = x;
    return 1;
}

/* "key N" somewhere in [p, end): 1 found and well formed, 0 absent,
 * -1 present but damaged ("used: 71 456", "free: " with no digits). */
static int field(const char *p, const char *end, const char *key, uint64_t *v)
{
    const char *k = find(p, (size_t)(end - p), key);
    if (!k)
        return 0;
    const char *q = k + strlen(key);
    while (q < end && *q == ' ')
        q++;
    if (!parse_u64(&q, end, v))
        return -1;
    /* a number is followed by ',' or the end of the line, nothing else */
    while (q < end && is_space(*q))
        q++;
    if (q < end && *q != ',')
        return -1;
    return 1;
}

/* ---- timestamps and frames ---- */

/* "[12:41:52.016] " anywhere in a prefix: seconds since midnight. */
static bool clock_time(const char *p, size_t n, double *t)
{
    const char *end = p + n;
    for (const char *b = memchr(p, '[', n); b; b = memchr(b + 1, '[', (size_t)(end - b - 1))) {
        const char *q = b + 1;
        uint64_t h, m, s, frac = 0;
        double scale = 1;
        if (!parse_u64(&q, end, &h) || q >= end || *q++ != ':' || !parse_u64(&q, end, &m) ||
            q >= end || *q++ != ':' || !parse_u64(&q, end, &s))
            continue;
        if (q < end && (*q == '.' || *q == ',')) {
            const char *f = ++q;
            if (!parse_u64(&q, end, &frac))
                continue;
            for (const char *i = f; i < q; i++)
                scale *= 10;
        }
        if (q >= end || *q != ']' || h > 23 || m > 59 || s > 60)
            continue;
        *t = (double)(h * 3600 + m * 60 + s) + (double)frac / scale;
        return true;
    }
    return false;
}

/* "+12.345 " at the start of a line: heapwatch record files. */
static bool record_time(const char *p, size_t n, double *t)
{
    const char *end = p + n, *q = p + 1;
    uint64_t s, frac = 0;
    double scale = 1;
    if (n < 3 || *p != '+' || !parse_u64(&q, end, &s))
        return false;
    if (q < end && *q == '.') {
        const char *f = ++q;
        if (!parse_u64(&q, end, &frac))
            return false;
        for (const char *i = f; i < q; i++)
            scale *= 10;
    }
    if (q >= end || *q != ' ')
        return false;
    *t = (double)s + (double)frac / scale;
    return true;
}

static void set_label(struct memparse *mp, const char *p, size_t n)
{
    while (n && (is_space(*p) || *p == '*' || *p == '~')) {
        p++;
        n--;
    }
    while (n && (is_space(p[n - 1]) || p[n - 1] == '*' || p[n - 1] == '~'))
        n--;
    if (n >= sizeof(mp->pending_label))
        n = sizeof(mp->pending_label) - 1;
    memcpy(mp->pending_label, p, n);
    mp->pending_label[n] = '\0';
    mp->label_ttl = LABEL_TTL;
}

/* Frames that tools print around dumps; their label and time go to the
 * next dump:
 *   "*** Memory info before GC ***"                      (micropython-magic)
 *   "~~~~~ [PROFILING INFO] - [3] after load ~~~~~"      (micrOS)
 *   "@@@ 45828774 (2024, 9, 10, 12, 5, 42, 1, 254)"      (memory-profiler, ticks_ms) */
static bool frame_line(struct memparse *mp, const char *p, size_t n)
{
    const char *f;
    if ((f = find(p, n, "@@@"))) {
        const char *q = f + 3, *end = p + n;
        uint64_t ticks;
        while (q < end && *q == ' ')
            q++;
        if (parse_u64(&q, end, &ticks)) {
            mp->has_pending_time = true;
            mp->pending_time = (double)ticks / 1000.0;
            mp->label_ttl = LABEL_TTL;
        }
        return true;
    }
    if ((f = find(p, n, "***")) && find(f + 3, n - (size_t)(f + 3 - p), "***")) {
        set_label(mp, f, n - (size_t)(f - p));
        return true;
    }
    if ((f = find(p, n, "~~~~~"))) {
        set_label(mp, f, n - (size_t)(f - p));
        return true;
    }
    return false;
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

static void open_dump(struct memparse *mp, const char *line, size_t prefix_len)
{
    close_dump(mp);
    struct snapshot *s = &mp->snap;
    snapshot_clear(s);
    s->seq = mp->seq;
    s->source = mp->source;
    s->line = (mp->n_lf ? mp->n_lf : mp->n_cr) + 1;
    double t;
    if (clock_time(line, prefix_len, &t) || record_time(line, prefix_len, &t)) {
        s->has_time = true;
        s->time = t;
    } else if (mp->has_pending_time) {
        s->has_time = true;
        s->time = mp->pending_time;
    } else if (mp->has_live_time) {
        s->has_time = true;
        s->time = mp->live_time;
    }
    mp->has_pending_time = false;
    mp->has_live_time = false;
    memcpy(s->label, mp->pending_label, sizeof(s->label));
    mp->pending_label[0] = '\0';
    mp->open = true;
    mp->noise = 0;
    mp->prefix_len = prefix_len;
    mp->step = 0;
    mp->off_digits = 0;
}

/* ---- the lines of a dump ---- */

/* "mem: total=77932, current=44073, peak=44073" */
static void mem_line(struct memparse *mp, const char *p, const char *end)
{
    struct snapshot *s = &mp->snap;
    int a = field(p, end, "total=", &s->mem_total);
    int b = field(p, end, "current=", &s->mem_current);
    int c = field(p, end, "peak=", &s->mem_peak);
    s->has_mem = a == 1 && b == 1 && c == 1;
    if (!s->has_mem)
        s->problems |= SNAP_P_FIELDS;
}

/* "stack: 7328 out of 80000" (v1.3.9+ with STACK_CHECK) or "stack: 7328" */
static void stack_line(struct memparse *mp, const char *p, const char *end)
{
    struct snapshot *s = &mp->snap;
    const char *q = p + strlen("stack: ");
    if (!parse_u64(&q, end, &s->stack_used))
        return;
    s->has_stack = true;
    const char *o = find(q, (size_t)(end - q), "out of ");
    if (o) {
        q = o + strlen("out of ");
        s->has_stack_limit = parse_u64(&q, end, &s->stack_limit) == 1;
    }
}

/* "GC: total: 112000, used: 100656, free: 11344, max new split: 53248" */
static void gc_line(struct memparse *mp, const char *p, const char *end)
{
    struct snapshot *s = &mp->snap;
    int a = field(p, end, "total:", &s->gc_total);
    int b = field(p, end, "used:", &s->gc_used);
    int c = field(p, end, "free:", &s->gc_free);
    int d = field(p, end, "max new split:", &s->max_new_split);
    s->has_gc = a == 1 && b == 1 && c == 1;
    s->has_max_new_split = d == 1;
    if (!s->has_gc || d < 0)
        s->problems |= SNAP_P_FIELDS;
    mp->phase = PH_AFTER_GC;
}

/* " No. of 1-blocks: 45, 2-blocks: 10, max blk sz: 3073, max free sz: 427"
 * ("max free sz" from v1.8.2; the leading space is often lost in quotes). */
static void no_line(struct memparse *mp, const char *p, const char *end)
{
    struct snapshot *s = &mp->snap;
    int a = field(p, end, "1-blocks:", &s->rep_one_block);
    int b = field(p, end, "2-blocks:", &s->rep_two_block);
    int c = field(p, end, "max blk sz:", &s->rep_max_block);
    int d = field(p, end, "max free sz:", &s->rep_max_free);
    s->has_reported = a == 1 && b == 1 && c == 1;
    s->has_max_free = d == 1;
    /* a console wrap inside a field ("max f    ree sz: 11") */
    if (!s->has_reported || d < 0 || (d == 0 && find(p, (size_t)(end - p), "max f")))
        s->problems |= SNAP_P_FIELDS;
    mp->phase = PH_AFTER_NO;
}

static void new_area(struct memparse *mp, const char *base, size_t len);

static void start_area(struct memparse *mp, const char *p, const char *end)
{
    /* "GC memory layout; from 3ffcf6f0:"; forks print "from 0x2000aa00:" */
    const char *b = find(p, (size_t)(end - p), "from ");
    const char *q = b ? b + 5 : end;
    if (end - q > 2 && q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
        q += 2;
    const char *h = q;
    while (q < end && hexval[(unsigned char)*q] >= 0)
        q++;
    new_area(mp, h, (size_t)(q - h));
}

static void new_area(struct memparse *mp, const char *base, size_t len)
{
    struct area *a = snapshot_add_area(&mp->snap, base, len);
    for (char *c = a->base; *c; c++)
        if (*c >= 'A' && *c <= 'F')
            *c = (char)(*c - 'A' + 'a');
    mp->snap.has_map = true;
    mp->phase = PH_MAP;
    mp->line_idx = 0;
    mp->last_short = false;
    mp->have_prev = false;
}

static struct area *cur_area(struct memparse *mp)
{
    return &mp->snap.areas[mp->snap.n_areas - 1];
}

/* Fill blocks [a->n_blocks, upto) with c; false if over MEMPARSE_MAX_BLOCKS. */
static bool grow_to(struct memparse *mp, struct area *a, size_t upto, char c)
{
    if (upto <= a->n_blocks)
        return true;
    if (upto > MEMPARSE_MAX_BLOCKS) {
        mp->snap.problems |= SNAP_P_TOO_BIG;
        return false;
    }
    area_reserve(a, upto);
    memset(a->map + a->n_blocks, c, upto - a->n_blocks);
    a->n_blocks = upto;
    return true;
}

/* "       (119 lines all free)": 7 spaces upstream, any indent accepted. */
static bool free_lines(struct memparse *mp, const char *p, const char *end)
{
    const char *k = find(p, (size_t)(end - p), " lines all free)");
    if (!k)
        return false;
    const char *o = k;
    while (o > p && o[-1] >= '0' && o[-1] <= '9')
        o--;
    uint64_t n;
    const char *q = o;
    if (o == p || o[-1] != '(' || !parse_u64(&q, end, &n) || q != k)
        return false;
    struct area *a = cur_area(mp);
    if (mp->last_short)
        mp->snap.problems |= SNAP_P_LINE_LEN;
    mp->last_short = false;
    if (n > MEMPARSE_MAX_BLOCKS / 64) {
        mp->snap.problems |= SNAP_P_TOO_BIG;
        return true;
    }
    size_t start = mp->line_idx * 64;
    if (grow_to(mp, a, start, SNAP_UNKNOWN) && grow_to(mp, a, start + (size_t)n * 64, '.'))
        mp->line_idx += (size_t)n;
    return true;
}

/* A map line "<hex>: <symbols>" at p. On a match sets *off, *digits and the
 * symbol span [*sym, end). */
static bool map_shape(const char *p, const char *end, uint64_t *off, int *digits, const char **sym)
{
    const char *q = p;
    uint64_t v = 0;
    while (q < end && q - p < 16 && hexval[(unsigned char)*q] >= 0)
        v = v << 4 | (uint64_t)hexval[(unsigned char)*q++];
    /* 4 digits at least (2014's block indices); "ttyACM0: " or "Done: " are prose */
    if (q - p < 4 || q >= end || *q != ':')
        return false;
    if (q + 1 < end && q[1] != ' ')
        return false;
    *off = v;
    *digits = (int)(q - p);
    *sym = q + 1 < end ? q + 2 : end;
    return true;
}

static bool all_symbols(const char *p, const char *end)
{
    for (; p < end; p++)
        if (!symbol[(unsigned char)*p])
            return false;
    return true;
}

/* Find a map line in a line whose prefix differs from the dump's first
 * line: the first ": " preceded by hex digits. */
static bool map_search(const char *p, const char *end, uint64_t *off, int *digits,
                       const char **sym)
{
    for (const char *c = memchr(p, ':', (size_t)(end - p)); c;
         c = memchr(c + 1, ':', (size_t)(end - c - 1))) {
        const char *h = c;
        while (h > p && c - h < 16 && hexval[(unsigned char)h[-1]] >= 0)
            h--;
        if (h < c && (h == p || !isalnum((unsigned char)h[-1])) &&
            map_shape(h, end, off, digits, sym) && all_symbols(*sym, end))
            return true;
    }
    return false;
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

#ifdef __SSE2__
/* How many leading bytes of p are symbols stored as printed ('.', '=', a
 * letter other than 't'), 16 at a time; the caller checks the rest. */
static size_t plain_symbols(const char *p, size_t n)
{
    const __m128i dot = _mm_set1_epi8('.'), eq = _mm_set1_epi8('='), t = _mm_set1_epi8('t');
    const __m128i case_bit = _mm_set1_epi8(0x20), a = _mm_set1_epi8('a'),
                  z = _mm_set1_epi8(25);
    size_t i = 0;
    for (; n - i >= 16; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i off = _mm_sub_epi8(_mm_or_si128(v, case_bit), a);
        __m128i alpha = _mm_cmpeq_epi8(_mm_min_epu8(off, z), off);
        __m128i ok = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, dot), _mm_cmpeq_epi8(v, eq)),
                                  alpha);
        ok = _mm_andnot_si128(_mm_cmpeq_epi8(v, t), ok);
        if (_mm_movemask_epi8(ok) != 0xffff)
            break;
    }
    return i;
}
#else
static size_t plain_symbols(const char *p, size_t n)
{
    (void)p;
    (void)n;
    return 0;
}
#endif

/* Store one map line's symbols at the area's current line. */
static void map_line(struct memparse *mp, uint64_t off, int digits, const char *sym,
                     const char *end)
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
    if (!grow_to(mp, a, start, SNAP_UNKNOWN) || start + n > MEMPARSE_MAX_BLOCKS) {
        mp->snap.problems |= SNAP_P_TOO_BIG;
        return;
    }
    area_reserve(a, start + n);
    char *dst = a->map + start;
    memcpy(dst, sym, n);
    /* almost every symbol is stored as printed; fix up the rest in place */
    size_t i = plain_symbols(dst, n);
    for (; i < n; i++) {
        char c = symbol[(unsigned char)dst[i]];
        if (c != dst[i]) {
            if (!c)
                break;
            dst[i] = c;
        }
    }
    if (i < n) {
        /* a character that is no symbol: keep what came before it */
        mp->snap.problems |= SNAP_P_SYMBOL;
        n = i;
    }
    a->n_blocks = start + n;
    mp->last_short = n < 64;
    mp->line_idx++;
}

/* ---- one line ---- */

enum anchor { A_NONE, A_MEM, A_STACK, A_GC, A_NO, A_LAYOUT };

/* Which mem_info line this is, and the column where it starts. */
static enum anchor classify(const char *p, size_t n, size_t *col)
{
    static const struct {
        const char *text;
        enum anchor kind;
    } keys[] = {
        {"GC memory layout", A_LAYOUT},
        {"GC: total:", A_GC},
        {"No. of 1-blocks", A_NO},
        {"mem: total=", A_MEM},
    };
    if (!memchr(p, ':', n))
        return A_NONE;
    for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
        const char *k = find(p, n, keys[i].text);
        if (k) {
            *col = (size_t)(k - p);
            if (keys[i].kind == A_NO && *col > 0 && p[*col - 1] == ' ')
                (*col)--;
            return keys[i].kind;
        }
    }
    for (const char *k = find(p, n, "stack: "); k;
         k = find(k + 1, n - (size_t)(k + 1 - p), "stack: ")) {
        size_t c = (size_t)(k - p) + 7;
        if (c < n && p[c] >= '0' && p[c] <= '9') {
            *col = (size_t)(k - p);
            return A_STACK;
        }
    }
    return A_NONE;
}

static void anchor_line(struct memparse *mp, enum anchor a, const char *p, size_t n, size_t col)
{
    const struct snapshot *s = &mp->snap;
    const char *at = p + col, *end = p + n;
    switch (a) {
    case A_MEM: /* always the first line of a dump */
        open_dump(mp, p, col);
        mem_line(mp, at, end);
        mp->phase = PH_HEAD;
        break;
    case A_STACK:
        if (!mp->open || s->has_stack || s->has_gc || s->has_reported || s->has_map)
            open_dump(mp, p, col);
        stack_line(mp, at, end);
        mp->phase = PH_HEAD;
        break;
    case A_GC:
        if (!mp->open || s->has_gc || s->has_reported || s->has_map)
            open_dump(mp, p, col);
        gc_line(mp, at, end);
        break;
    case A_NO:
        /* without a GC: line before it, two headers merged or one was lost */
        if (!mp->open || s->has_reported || s->has_map)
            open_dump(mp, p, col);
        no_line(mp, at, end);
        break;
    case A_LAYOUT:
        if (!mp->open)
            open_dump(mp, p, col);
        start_area(mp, at, end);
        break;
    case A_NONE:
        break;
    }
    mp->noise = 0;
}

/* Copy p without its ANSI escape sequences (loguru colours, terminal
 * captures) into mp->ansi; returns the new length. */
static size_t strip_ansi(struct memparse *mp, const char *p, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] != '\x1b') {
            mp->ansi[o++] = p[i];
            continue;
        }
        if (i + 1 < n && p[i + 1] == '[') {
            i += 2;
            while (i < n && !((unsigned char)p[i] >= 0x40 && (unsigned char)p[i] <= 0x7e))
                i++;
        } else {
            i++;
        }
    }
    return o;
}

/* A map line outside any dump: a chunk of a map pasted without its
 * header. Only whole 64-symbol lines count, to keep prose out. */
static bool headless_map(struct memparse *mp, const char *p, size_t n)
{
    uint64_t off;
    int digits;
    const char *sym, *end = p + n;
    if (!map_search(p, end, &off, &digits, &sym) || end - sym != 64)
        return false;
    open_dump(mp, p, (size_t)(sym - p) - (size_t)digits - 2);
    mp->snap.problems |= SNAP_P_NO_HEADER;
    new_area(mp, "", 0);
    map_line(mp, off, digits, sym, end);
    return true;
}

static void process_line(struct memparse *mp, const char *p, size_t n)
{
    while (n && is_space(p[n - 1]))
        n--;
    if (!n)
        return;
    if (memchr(p, '\x1b', n)) {
        n = strip_ansi(mp, p, n);
        p = mp->ansi;
    }
    const char *end = p + n;
    if (mp->phase == PH_MAP) {
        uint64_t off;
        int digits;
        const char *sym;
        size_t pl = mp->prefix_len;
        if (pl < n && map_shape(p + pl, end, &off, &digits, &sym)) {
            map_line(mp, off, digits, sym, end);
            mp->noise = 0;
            return;
        }
        if (free_lines(mp, p, end)) {
            mp->noise = 0;
            return;
        }
    }
    size_t col = 0;
    enum anchor a = classify(p, n, &col);
    if (a != A_NONE) {
        anchor_line(mp, a, p, n, col);
        return;
    }
    if (mp->phase == PH_MAP) {
        /* a map line whose prefix changed width ("[9:59:59.999] " -> "[10:00:00.000] ") */
        uint64_t off;
        int digits;
        const char *sym;
        if (map_search(p, end, &off, &digits, &sym)) {
            map_line(mp, off, digits, sym, end);
            mp->noise = 0;
            return;
        }
    }
    if (mp->open && ++mp->noise > NOISE_LIMIT)
        close_dump(mp);
    if (frame_line(mp, p, n))
        return;
    if (mp->label_ttl && --mp->label_ttl == 0) {
        mp->pending_label[0] = '\0';
        mp->has_pending_time = false;
    }
    if (!mp->open)
        headless_map(mp, p, n);
}

static void append(struct memparse *mp, const char *p, size_t n)
{
    if (mp->overflow)
        return;
    if (n > sizeof(mp->line) - mp->line_len) {
        mp->overflow = true;
        mp->line_len = 0;
        return;
    }
    memcpy(mp->line + mp->line_len, p, n);
    mp->line_len += n;
}

/* A line ended: the bytes [p, p+n) complete whatever was buffered. */
static void line_done(struct memparse *mp, const char *p, size_t n)
{
    if (!mp->line_len && !mp->overflow) {
        process_line(mp, p, n);
        return;
    }
    append(mp, p, n);
    if (mp->overflow) {
        /* a 2 GB line of garbage costs a scan, not memory */
        if (mp->open) {
            mp->snap.problems |= SNAP_P_LONG_LINE;
            if (++mp->noise > NOISE_LIMIT)
                close_dump(mp);
        }
    } else {
        process_line(mp, mp->line, mp->line_len);
    }
    mp->line_len = 0;
    mp->overflow = false;
}

/* The first '\n' or '\r' in [p, end), or NULL. One pass for both, as
 * every line needs both looked for. */
static const char *next_eol(const char *p, const char *end)
{
#ifdef __SSE2__
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r');
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        int m = _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
        if (m)
            return p + __builtin_ctz((unsigned)m);
        p += 16;
    }
#endif
    for (; p < end; p++)
        if (*p == '\n' || *p == '\r')
            return p;
    return NULL;
}

void memparse_feed(struct memparse *mp, const char *buf, size_t len)
{
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *t = next_eol(p, end);
        if (!t) {
            append(mp, p, (size_t)(end - p));
            return;
        }
        line_done(mp, p, (size_t)(t - p));
        if (*t == '\n')
            mp->n_lf++;
        else
            mp->n_cr++;
        p = t + 1;
    }
}

void memparse_flush(struct memparse *mp)
{
    if (mp->line_len || mp->overflow)
        line_done(mp, "", 0);
    /* input that ends inside a map is judged by the totals: "cut" */
    close_dump(mp);
}

void memparse_begin_source(struct memparse *mp, int source)
{
    memparse_flush(mp);
    mp->source = source;
    mp->n_lf = mp->n_cr = 0;
    mp->pending_label[0] = '\0';
    mp->label_ttl = 0;
    mp->has_pending_time = false;
}
