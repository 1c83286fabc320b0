/* SPDX-License-Identifier: MIT */
/* memline.c - the shapes of mem_info's lines, and the numbers in them;
 * see memline.h. Quotes above each parser show the device lines it reads. */
#include "memline.h"
#include "hw.h"

#include <ctype.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

const unsigned char memline_hex1[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,  ['6'] = 7,  ['7'] = 8,
    ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
    ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16};

/* tails were 't' before v1.8.1; unknown letters are heads of other types */
const char memline_symbol[256] = {
    ['.'] = '.', ['='] = '=', ['t'] = '=', ['A'] = 'A', ['B'] = 'B', ['C'] = 'C', ['D'] = 'D',
    ['E'] = 'E', ['F'] = 'F', ['G'] = 'G', ['H'] = 'H', ['I'] = 'I', ['J'] = 'J', ['K'] = 'K',
    ['L'] = 'L', ['M'] = 'M', ['N'] = 'N', ['O'] = 'O', ['P'] = 'P', ['Q'] = 'Q', ['R'] = 'R',
    ['S'] = 'S', ['T'] = 'T', ['U'] = 'U', ['V'] = 'V', ['W'] = 'W', ['X'] = 'X', ['Y'] = 'Y',
    ['Z'] = 'Z', ['a'] = 'a', ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e', ['f'] = 'f',
    ['g'] = 'g', ['h'] = 'h', ['i'] = 'i', ['j'] = 'j', ['k'] = 'k', ['l'] = 'l', ['m'] = 'm',
    ['n'] = 'n', ['o'] = 'o', ['p'] = 'p', ['q'] = 'q', ['r'] = 'r', ['s'] = 's', ['u'] = 'u',
    ['v'] = 'v', ['w'] = 'w', ['x'] = 'x', ['y'] = 'y', ['z'] = 'z'};

/* memmem() for short lines: glibc's two-way setup costs more than the
 * search on a 70-byte line, and this runs a dozen times per dump. The
 * candidates are found by the needle's first byte, or by its last when
 * the first is a space (" lines all free)" after an indent of spaces). */
static const char *find_n(const char *p, size_t n, const char *needle, size_t k)
{
    if (k == 0 || k > n)
        return NULL;
    size_t a = needle[0] == ' ' ? k - 1 : 0;
    const char *last = p + n - k; /* the last start a match can have */
    for (const char *q = p; q <= last; q++) {
        const char *hit = memchr(q + a, needle[a], (size_t)(last - q) + 1);
        if (!hit)
            return NULL;
        q = hit - a;
        if (memcmp(q, needle, k) == 0)
            return q;
    }
    return NULL;
}

static const char *find(const char *p, size_t n, const char *needle)
{
    return find_n(p, n, needle, strlen(needle));
}

/* find() of a string literal, its length known when compiled */
#define FIND(p, n, lit) find_n((p), (n), "" lit, sizeof(lit) - 1)

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
    return (unsigned char)(c - '0') < 10;
}

/* How many of the 8 bytes in x (the first in the lowest byte) are
 * decimal digits before the first that is not one (8: all), and their
 * value as a number: SWAR, no loop. */
static inline unsigned digits8(uint64_t x, uint64_t *value)
{
    /* a byte is a digit when it is at least '0' and at most '9' */
    uint64_t lo = x - 0x3030303030303030ull, hi = x + 0x4646464646464646ull;
    uint64_t bad = (lo | hi | x) & 0x8080808080808080ull;
    unsigned n = bad ? (unsigned)__builtin_ctzll(bad) / 8 : 8;
    if (!n)
        return 0;
    /* the n digits to the top, zeros before them; then pairs, fours, eight */
    lo <<= 8 * (8 - n);
    lo = (lo & 0x0f0f0f0f0f0f0f0full) * 2561 >> 8;
    lo = (lo & 0x00ff00ff00ff00ffull) * 6553601 >> 16;
    *value = (lo & 0x0000ffff0000ffffull) * 42949672960001ull >> 32;
    return n;
}

/* The 8 bytes at p, the first in the lowest byte. */
static inline uint64_t load8(const char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    return x;
}

/* The digits at *pp (< end, the first one a digit) one at a time: a
 * number of 8 digits or more, or one that ends a line with nothing
 * readable before it. 1 on success, 0 on overflow. */
static __attribute__((noinline)) int parse_digits_slow(const char **pp, const char *end,
                                                       uint64_t *v)
{
    const char *p = *pp;
    uint64_t x = 0;
    /* 19 digits cannot overflow: only longer numbers need the check */
    const char *fast = (size_t)(end - p) > 19 ? p + 19 : end;
    while (p < fast && is_digit(*p))
        x = x * 10 + (uint64_t)(*p++ - '0');
    for (; p < end && is_digit(*p); p++) {
        if (x > (UINT64_MAX - 9) / 10)
            return 0;
        x = x * 10 + (uint64_t)(*p - '0');
    }
    *pp = p;
    *v = x;
    return 1;
}

/* Parse decimal digits at *pp (< end). 1 on success. back: the 8 bytes
 * before *pp may be read (a key was just matched there), so a number
 * that ends the line is read 8 bytes at a time too, from its end. Built
 * into its callers (a dozen numbers a dump); the rare long number is
 * read out of line. */
static inline __attribute__((always_inline)) int parse_digits(const char **pp, const char *end,
                                                              uint64_t *v, bool back)
{
    const char *p = *pp;
    uint64_t x = 0;
    if (p >= end || !is_digit(*p))
        return 0;
    size_t len = (size_t)(end - p);
    unsigned n = 8;
    if (len > 8) /* a number followed by more of the line: most of them */
        n = digits8(load8(p), &x);
    else if (back) /* the line's last 8 bytes, those before p shifted out */
        n = digits8(load8(end - 8) >> 8 * (8 - len), &x);
    if (n < 8 && n <= len) {
        *pp = p + n;
        *v = x;
        return 1;
    }
    return parse_digits_slow(pp, end, v);
}

static int parse_u64(const char **pp, const char *end, uint64_t *v)
{
    return parse_digits(pp, end, v, false);
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

bool memline_prefix_time(const char *p, size_t n, double *t)
{
    return clock_time(p, n, t);
}

/* Which mem_info line this is, and the column where it starts. */
enum memline_kind memline_classify(const char *p, size_t n, size_t *col)
{
    static const struct {
        const char *text;
        enum memline_kind kind;
    } keys[] = {
        {"GC memory layout", ML_LAYOUT},
        {"GC: total:", ML_GC},
        {"No. of 1-blocks", ML_NO},
        {"mem: total=", ML_MEM},
    };
    if (!memchr(p, ':', n))
        return ML_NONE;
    for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
        const char *k = find(p, n, keys[i].text);
        if (k) {
            *col = (size_t)(k - p);
            if (keys[i].kind == ML_NO && *col > 0 && p[*col - 1] == ' ')
                (*col)--;
            return keys[i].kind;
        }
    }
    for (const char *k = FIND(p, n, "stack: "); k;
         k = FIND(k + 1, n - (size_t)(k + 1 - p), "stack: ")) {
        size_t c = (size_t)(k - p) + 7;
        if (c < n && p[c] >= '0' && p[c] <= '9') {
            *col = (size_t)(k - p);
            return ML_STACK;
        }
    }
    return ML_NONE;
}

#define STARTS(p, n, lit) ((n) >= sizeof(lit) - 1 && memcmp((p), (lit), sizeof(lit) - 1) == 0)

enum memline_kind memline_classify_at(const char *p, size_t n, size_t col)
{
    if (col >= n)
        return ML_NONE;
    const char *q = p + col;
    size_t m = n - col;
    switch (q[0]) {
    case 'G':
        return STARTS(q, m, "GC: total:")         ? ML_GC
               : STARTS(q, m, "GC memory layout") ? ML_LAYOUT
                                                  : ML_NONE;
    case ' ':
        return STARTS(q, m, " No. of 1-blocks") ? ML_NO : ML_NONE;
    case 'N':
        return STARTS(q, m, "No. of 1-blocks") ? ML_NO : ML_NONE;
    case 's':
        return STARTS(q, m, "stack: ") && m > 7 && q[7] >= '0' && q[7] <= '9' ? ML_STACK : ML_NONE;
    case 'm':
        return STARTS(q, m, "mem: total=") ? ML_MEM : ML_NONE;
    default:
        return ML_NONE;
    }
}

/* "key" at *pp then a number; moves *pp past both. Inline, so that each
 * key's compare is a few loads of known size rather than a memcmp call. */
static inline __attribute__((always_inline)) bool expect(const char **pp, const char *end,
                                                         const char *key, size_t klen, uint64_t *v)
{
    if ((size_t)(end - *pp) < klen || memcmp(*pp, key, klen) != 0)
        return false;
    *pp += klen;
    return parse_digits(pp, end, v, klen >= 8) == 1; /* the key is readable behind it */
}
#define EXPECT(pp, end, lit, v) expect((pp), (end), (lit), sizeof(lit) - 1, (v))

/* "mem: total=77932, current=44073, peak=44073" */
void memline_mem(struct snapshot *s, const char *p, const char *end)
{
    int a = field(p, end, "total=", &s->mem_total);
    int b = field(p, end, "current=", &s->mem_current);
    int c = field(p, end, "peak=", &s->mem_peak);
    s->has_mem = a == 1 && b == 1 && c == 1;
    if (!s->has_mem)
        s->problems |= SNAP_P_FIELDS;
}

/* "stack: 7328 out of 80000" (v1.3.9+ with STACK_CHECK) or "stack: 7328" */
void memline_stack(struct snapshot *s, const char *p, const char *end)
{
    const char *q = p + strlen("stack: ");
    if (!parse_u64(&q, end, &s->stack_used))
        return;
    s->has_stack = true;
    /* as printed, " out of " follows the number: no search */
    bool printed = end - q >= 8 && !memcmp(q, " out of ", 8);
    const char *o = printed ? q + 1 : FIND(q, (size_t)(end - q), "out of ");
    if (o) {
        q = o + strlen("out of ");
        s->has_stack_limit = parse_digits(&q, end, &s->stack_limit, printed) == 1;
    }
}

/* "GC: total: 112000, used: 100656, free: 11344, max new split: 53248" */
void memline_gc(struct snapshot *s, const char *p, const char *end)
{
    /* as MicroPython prints it, read straight through */
    const char *q = p;
    if (EXPECT(&q, end, "GC: total: ", &s->gc_total) && EXPECT(&q, end, ", used: ", &s->gc_used) &&
        EXPECT(&q, end, ", free: ", &s->gc_free)) {
        s->has_max_new_split = q < end && EXPECT(&q, end, ", max new split: ", &s->max_new_split);
        if (q == end) {
            s->has_gc = true;
            return;
        }
        s->has_max_new_split = false;
    }
    int a = field(p, end, "total:", &s->gc_total);
    int b = field(p, end, "used:", &s->gc_used);
    int c = field(p, end, "free:", &s->gc_free);
    int d = field(p, end, "max new split:", &s->max_new_split);
    s->has_gc = a == 1 && b == 1 && c == 1;
    s->has_max_new_split = d == 1;
    if (!s->has_gc || d < 0)
        s->problems |= SNAP_P_FIELDS;
}

/* " No. of 1-blocks: 45, 2-blocks: 10, max blk sz: 3073, max free sz: 427"
 * ("max free sz" from v1.8.2; the leading space is often lost in quotes). */
void memline_no(struct snapshot *s, const char *p, const char *end)
{
    const char *q = p + (p < end && *p == ' ');
    if (EXPECT(&q, end, "No. of 1-blocks: ", &s->rep_one_block) &&
        EXPECT(&q, end, ", 2-blocks: ", &s->rep_two_block) &&
        EXPECT(&q, end, ", max blk sz: ", &s->rep_max_block)) {
        s->has_max_free = q < end && EXPECT(&q, end, ", max free sz: ", &s->rep_max_free);
        if (q == end) {
            s->has_reported = true;
            return;
        }
        s->has_max_free = false;
    }
    int a = field(p, end, "1-blocks:", &s->rep_one_block);
    int b = field(p, end, "2-blocks:", &s->rep_two_block);
    int c = field(p, end, "max blk sz:", &s->rep_max_block);
    int d = field(p, end, "max free sz:", &s->rep_max_free);
    s->has_reported = a == 1 && b == 1 && c == 1;
    s->has_max_free = d == 1;
    /* a console wrap inside a field ("max f    ree sz: 11") */
    if (!s->has_reported || d < 0 || (d == 0 && FIND(p, (size_t)(end - p), "max f")))
        s->problems |= SNAP_P_FIELDS;
}

/* "GC memory layout; from 3ffcf6f0:"; forks print "from 0x2000aa00:" */
void memline_layout(const char *p, const char *end, const char **base, size_t *len)
{
    static const char as_printed[] = "GC memory layout; from ";
    size_t k = sizeof(as_printed) - 1;
    const char *b = (size_t)(end - p) >= k && !memcmp(p, as_printed, k)
                        ? p + k - 5
                        : FIND(p, (size_t)(end - p), "from ");
    const char *q = b ? b + 5 : end;
    if (end - q > 2 && q[0] == '0' && (q[1] == 'x' || q[1] == 'X'))
        q += 2;
    *base = q;
    while (q < end && memline_hexval(*q) >= 0)
        q++;
    *len = (size_t)(q - *base);
}

/* How many hex digits p starts with, up to 16; 16 at a time where there
 * are 16 bytes (a map line has 64 more). */
static size_t hex_digits(const char *p, const char *end)
{
#ifdef __SSE2__
    if (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i low = _mm_or_si128(v, _mm_set1_epi8(0x20)); /* 'A' -> 'a' */
        __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                      _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
        __m128i af = _mm_and_si128(_mm_cmpgt_epi8(low, _mm_set1_epi8('a' - 1)),
                                   _mm_cmplt_epi8(low, _mm_set1_epi8('f' + 1)));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(digit, af));
        return (size_t)__builtin_ctz(~m);
    }
#endif
    size_t n = 0;
    while (p + n < end && n < 16 && memline_hexval(p[n]) >= 0)
        n++;
    return n;
}

/* The value of the n <= 8 hex digits at p (8 bytes readable), without a
 * loop: each byte to its nibble, then nibbles pairwise into bytes, bytes
 * into halves, halves into the number. */
static uint64_t hex8(const char *p, size_t n)
{
    uint64_t x;
    memcpy(&x, p, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    x = __builtin_bswap64(x); /* the first digit is the highest */
#endif
    x = (x & 0x0f0f0f0f0f0f0f0full) + (x >> 6 & 0x0101010101010101ull) * 9; /* 'a', 'A': + 9 */
    x >>= 8 * (8 - n);
    x = (x | x >> 4) & 0x00ff00ff00ff00ffull;
    x = (x | x >> 8) & 0x0000ffff0000ffffull;
    return (x | x >> 16) & 0xffffffffull;
}

/* A map line "<hex>: <symbols>" at p. On a match sets *off, *digits and the
 * symbol span [*sym, end). */
bool memline_map(const char *p, const char *end, uint64_t *off, int *digits, const char **sym)
{
    size_t n = hex_digits(p, end), len = (size_t)(end - p);
    /* 4 digits at least (2014's block indices); "ttyACM0: " or "Done: " are prose */
    if (n < 4 || n >= len || p[n] != ':' || (n + 1 < len && p[n + 1] != ' '))
        return false;
    uint64_t v = 0;
    if (n <= 8 && len >= 8) {
        v = hex8(p, n);
    } else {
        for (size_t i = 0; i < n; i++)
            v = v << 4 | (uint64_t)memline_hexval(p[i]);
    }
    *off = v;
    *digits = (int)n;
    *sym = n + 1 < len ? p + n + 2 : end;
    return true;
}

static bool all_symbols(const char *p, const char *end)
{
    for (; p < end; p++)
        if (!memline_symbol[(unsigned char)*p])
            return false;
    return true;
}

/* Find a map line in a line whose prefix differs from the dump's first
 * line: the first ": " preceded by hex digits. */
bool memline_map_search(const char *p, const char *end, uint64_t *off, int *digits,
                        const char **sym)
{
    for (const char *c = memchr(p, ':', (size_t)(end - p)); c;
         c = memchr(c + 1, ':', (size_t)(end - c - 1))) {
        const char *h = c;
        while (h > p && c - h < 16 && memline_hexval(h[-1]) >= 0)
            h--;
        if (h < c && (h == p || !isalnum((unsigned char)h[-1])) &&
            memline_map(h, end, off, digits, sym) && all_symbols(*sym, end))
            return true;
    }
    return false;
}

/* "       (119 lines all free)": 7 spaces upstream, any indent accepted. */
bool memline_free_lines(const char *p, const char *end, uint64_t *lines)
{
    /* most lines asked about have no ')': one memchr rather than a
     * compare at every space */
    if (!memchr(p, ')', (size_t)(end - p)))
        return false;
    const char *k = FIND(p, (size_t)(end - p), " lines all free)");
    if (!k)
        return false;
    const char *o = k;
    while (o > p && o[-1] >= '0' && o[-1] <= '9')
        o--;
    const char *q = o;
    return o > p && o[-1] == '(' && parse_u64(&q, end, lines) && q == k;
}

/* The label of a frame: its text without the frame characters. */
static void frame_label(const char *p, size_t n, char *label, size_t cap)
{
    while (n && (is_space(*p) || *p == '*' || *p == '~')) {
        p++;
        n--;
    }
    while (n && (is_space(p[n - 1]) || p[n - 1] == '*' || p[n - 1] == '~'))
        n--;
    if (n >= cap)
        n = cap - 1;
    memcpy(label, p, n);
    label[n] = '\0';
}

bool memline_frame(const char *p, size_t n, char *label, size_t cap, bool *has_ticks,
                   uint64_t *ticks)
{
    const char *f;
    *has_ticks = false;
    label[0] = '\0';
    if ((f = FIND(p, n, "@@@"))) {
        const char *q = f + 3, *end = p + n;
        while (q < end && *q == ' ')
            q++;
        *has_ticks = parse_u64(&q, end, ticks) == 1;
        return true;
    }
    if (((f = FIND(p, n, "***")) && FIND(f + 3, n - (size_t)(f + 3 - p), "***")) ||
        (f = FIND(p, n, "~~~~~"))) {
        frame_label(f, n - (size_t)(f - p), label, cap);
        return true;
    }
    return false;
}

/* Copy p without its ANSI escape sequences (loguru colours, terminal
 * captures) into out; returns the new length. The text between escapes
 * is copied whole: a coloured line has two escapes and 80 other bytes. */
size_t memline_strip_ansi(const char *p, size_t n, char *out)
{
    size_t o = 0, i = 0;
    while (i < n) {
        const char *e = memchr(p + i, '\x1b', n - i);
        size_t run = e ? (size_t)(e - (p + i)) : n - i;
        memcpy(out + o, p + i, run);
        o += run;
        i += run;
        if (!e)
            break;
        if (i + 1 < n && p[i + 1] == '[') {
            i += 2;
            while (i < n && !((unsigned char)p[i] >= 0x40 && (unsigned char)p[i] <= 0x7e))
                i++;
        } else {
            i++;
        }
        i++; /* the final byte of the sequence, or the byte after a lone ESC */
    }
    return o;
}

/* The first '\n' or '\r' in [p, end), or NULL. One pass for both, as
 * every line needs both looked for; the same pass notes an ESC (ANSI
 * colours to strip) or a backslash (record escapes to decode) before it,
 * so the line's readers need not look again. */
const char *memline_eol(const char *p, const char *end, unsigned *marks)
{
#ifdef __SSE2__
    const __m128i lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'), esc = _mm_set1_epi8('\x1b'),
                  bsl = _mm_set1_epi8('\\');
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned m =
            (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, lf), _mm_cmpeq_epi8(v, cr)));
        unsigned e = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, esc));
        unsigned b = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, bsl));
        unsigned before = m ? (1u << __builtin_ctz(m)) - 1 : 0xffff;
        *marks |= (e & before ? MEMLINE_ESC : 0) | (b & before ? MEMLINE_BACKSLASH : 0);
        if (m)
            return p + __builtin_ctz(m);
        p += 16;
    }
#endif
    for (; p < end; p++) {
        if (*p == '\n' || *p == '\r')
            return p;
        *marks |= *p == '\x1b' ? MEMLINE_ESC : *p == '\\' ? MEMLINE_BACKSLASH : 0;
    }
    return NULL;
}
