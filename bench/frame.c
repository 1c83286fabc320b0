/* SPDX-License-Identifier: MIT */
/* bench/frame.c - how long one UI frame takes for an 8 MiB heap (524288
 * blocks of 16 B, fragmented like a long-running program's): heatmap_render
 * for a full 200x60 and 80x24 screen of cells at zoom fit, per view, and
 * the whole ui_draw() into a newterm() writing to /dev/null. Prints the
 * median of 200 frames in ms.
 *
 *   bench/frame                 the timings
 *   bench/frame --dump COLSxLINES [VIEW] [ascii|mono]
 *                               draw one frame and print the screen as text
 *
 * Build: cc $(HW_CPPFLAGS) $(HW_CFLAGS) -o build/bench_frame bench/frame.c \
 *   build/{ui,ui_draw,ui_trends,ui_stats,fmt_ui,fmt,heatmap,history,trend}.o \
 *   build/{snapshot,metrics,util}.o \
 *   $(LIBS)
 */
#include "fmt_ui.h"
#include "heatmap.h"
#include "history.h"
#include "metrics.h"
#include "ui.h"
#include "util.h"

#include <curses.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { BLOCKS = 524288, BLOCK = 16, FRAMES = 200, SAMPLES = 240 };

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

/* Object sizes in blocks: mostly 1-2 (small tuples, floats, short strs),
 * a third 3-16, 2% buffers up to 512: about 50k objects in 8 MiB. */
static size_t object_blocks(void)
{
    uint32_t r = next_rand() % 100;
    if (r < 40)
        return 1;
    if (r < 65)
        return 2;
    if (r < 98)
        return 3 + next_rand() % 14;
    return 17 + next_rand() % 496;
}

static char object_letter(void)
{
    static const char mix[] = "hhhhhhTTTTLLLDDDSSSSSSSSAFFBBBM";
    return mix[next_rand() % (sizeof(mix) - 1)];
}

/* Fill [0, n) with objects and holes; a few large free regions. */
static void fill_map(char *map, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t r = next_rand() % 1000;
        size_t len = r < 1 ? 500 + next_rand() % 4000 : r < 300 ? 1 + next_rand() % 6 : 0;
        char c = '.';
        if (len == 0) {
            len = object_blocks();
            c = object_letter();
        }
        if (len > n - i)
            len = n - i;
        map[i] = c;
        memset(map + i + 1, c == '.' ? '.' : '=', len - 1);
        i += len;
    }
}

/* Between samples: free some objects, allocate into some holes. */
static void churn(char *map, size_t n)
{
    for (int j = 0; j < 400; j++) {
        size_t i = next_rand() % n;
        if (map[i] != '.' && map[i] != '=') {
            size_t e = i + 1;
            while (e < n && map[e] == '=')
                e++;
            memset(map + i, '.', e - i);
        } else if (map[i] == '.' && (i == 0 || map[i - 1] != '.')) {
            map[i] = object_letter();
        }
    }
}

static void build(struct snapshot *s, const char *map, double t)
{
    snapshot_clear(s);
    s->has_map = true;
    s->block_size = BLOCK;
    s->has_time = true;
    s->time = t;
    struct area *a = snapshot_add_area(s, "3f800000", 8);
    area_reserve(a, BLOCKS);
    memcpy(a->map, map, BLOCKS);
    a->n_blocks = BLOCKS;
    metrics_compute(s);
    s->has_gc = true;
    s->gc_total = (uint64_t)BLOCKS * BLOCK;
    s->gc_free = (uint64_t)s->metrics.free_blocks * BLOCK;
    s->gc_used = s->gc_total - s->gc_free;
    s->has_stack = s->has_stack_limit = true;
    s->stack_used = 7328;
    s->stack_limit = 80000;
    s->complete = true;
    metrics_check(s);
}

static struct history *make_history(void)
{
    struct history *h = history_new(4096);
    char *map = xmalloc(BLOCKS);
    struct snapshot s;
    memset(&s, 0, sizeof(s));
    fill_map(map, BLOCKS);
    for (int i = 0; i < SAMPLES; i++) {
        if (i == SAMPLES / 2)
            history_gap(h);
        churn(map, BLOCKS);
        build(&s, map, i * 0.5);
        history_push(h, &s);
    }
    snapshot_fini(&s);
    free(map);
    return h;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof(*t), cmp_double);
    return t[n / 2];
}

static void bench_render(const struct history *h, int cols, int lines)
{
    struct ui_layout lo;
    fmt_ui_layout(lines, cols, false, &lo);
    size_t n = (size_t)lo.heat_cols * (size_t)lo.heat_rows;
    struct hm_cell *cells = xmalloc(n * sizeof(*cells));
    const struct snapshot *s = history_current(h);
    size_t k = heatmap_fit(s->areas[0].n_blocks, (size_t)lo.heat_cols, (size_t)lo.heat_rows);
    for (int v = 0; v < HM_N_VIEWS; v++) {
        struct hm_input in = {.area = &s->areas[0],
                              .prev = &history_previous(h)->areas[0],
                              .age = history_age(h, 0),
                              .view = (enum hm_view)v,
                              .utf8 = true};
        double t[FRAMES];
        for (int f = 0; f < FRAMES; f++) {
            double t0 = now_s();
            heatmap_render(&in, 0, k, cells, n);
            t[f] = (now_s() - t0) * 1e3;
        }
        printf("heatmap_render %3dx%-2d %-13s k=%-4zu %5zu cells  %.3f ms\n", cols, lines,
               heatmap_view_name((enum hm_view)v), k, n, median(t, FRAMES));
    }
    free(cells);
}

static struct view make_view(const struct history *h)
{
    struct view v = {
        .source = "/dev/ttyACM0",
        .link = UI_LINK_READY,
        .link_detail = "",
        .hist = h,
        .now = 120,
        .sample_rate = 2,
        .last_sample_age = 0.3,
        .has_probe = true,
        .probe_bytes = 64,
        .message = "",
        .trend_window = 120,
    };
    return v;
}

static SCREEN *open_null_term(int colors, bool utf8)
{
    FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
    if (!out || !in)
        die("cannot open /dev/null");
    SCREEN *scr = newterm("xterm-256color", out, in);
    if (!scr)
        die("newterm failed (is the xterm-256color terminfo entry installed?)");
    set_term(scr);
    if (colors)
        start_color();
    ui_draw_setup(colors, utf8);
    return scr;
}

static void bench_draw(const struct history *h, int cols, int lines)
{
    resizeterm(lines, cols);
    struct view v = make_view(h);
    for (int changing = 0; changing < 2; changing++) {
        double t[FRAMES];
        for (int f = 0; f < FRAMES; f++) {
            /* "changing": every frame shows another view, so curses has
             * a full screen of differences to send */
            v.mode = changing ? (enum hm_view)(f % HM_N_VIEWS) : HM_VIEW_TYPE;
            double t0 = now_s();
            ui_draw(&v);
            t[f] = (now_s() - t0) * 1e3;
        }
        printf("ui_draw        %3dx%-2d %-13s                   %.3f ms\n", cols, lines,
               changing ? "views cycling" : "steady", median(t, FRAMES));
    }
}

static wchar_t acs_char(wchar_t c)
{
    static const char from[] = "qxwlkmj";
    static const wchar_t to[] = L"\u2500\u2502\u252c\u250c\u2510\u2514\u2518";
    const char *p = c < 128 ? strchr(from, (int)c) : NULL;
    return p ? to[p - from] : c;
}

/* Print the screen as text, one line per row (what a user would see). */
static void dump_screen(void)
{
    for (int y = 0; y < LINES; y++) {
        cchar_t c[1024];
        int n = COLS < 1023 ? COLS : 1023;
        mvin_wchnstr(y, 0, c, n);
        for (int x = 0; x < n; x++) {
            wchar_t w[CCHARW_MAX + 1];
            attr_t a;
            short pair;
            getcchar(&c[x], w, &a, &pair, NULL);
            if (a & A_ALTCHARSET) /* line drawing: show what the terminal would */
                w[0] = acs_char(w[0]);
            printf("%lc", w[0] ? (wint_t)w[0] : L' ');
        }
        printf("\n");
    }
}

/* A history whose latest sample is cut short, as a dump ends mid-map. */
static void push_cut(struct history *h)
{
    struct snapshot s;
    memset(&s, 0, sizeof(s));
    snapshot_copy(&s, history_current(h));
    memset(s.areas[0].map + BLOCKS * 3 / 5, SNAP_UNKNOWN, BLOCKS - BLOCKS * 3 / 5);
    metrics_compute(&s);
    s.complete = false;
    s.problems = SNAP_P_CUT;
    s.time += 0.5;
    history_push(h, &s);
    snapshot_fini(&s);
}

static int dump(struct history *h, int argc, char **argv)
{
    int cols = 80, lines = 24;
    if (sscanf(argv[2], "%dx%d", &cols, &lines) != 2)
        die("--dump COLSxLINES");
    struct view v = make_view(h);
    for (int i = 3; i < argc; i++) {
        for (int m = 0; m < HM_N_VIEWS; m++)
            if (strcmp(argv[i], heatmap_view_name((enum hm_view)m)) == 0)
                v.mode = (enum hm_view)m;
        if (strncmp(argv[i], "zoom=", 5) == 0)
            v.zoom = atoi(argv[i] + 5);
        if (strcmp(argv[i], "help") == 0)
            v.show_help = true;
        if (strcmp(argv[i], "cut") == 0)
            push_cut(h);
        if (strcmp(argv[i], "gc") == 0)
            v.gc = (struct ui_gc_compare){true, 4900000, 4400000, 60000, 71000, 0.981, 0.978};
        if (strncmp(argv[i], "msg=", 4) == 0)
            v.message = argv[i] + 4;
        if (strcmp(argv[i], "replay") == 0) {
            v.replay = true;
            v.count = 240;
            v.pos = 100;
            v.speed = 2;
            v.link = UI_LINK_REPLAY;
        }
    }
    bool ascii = argc > 3 && strstr(argv[argc - 1], "ascii");
    open_null_term(0, !ascii);
    resizeterm(lines, cols);
    ui_draw(&v);
    dump_screen();
    return 0;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "C.UTF-8");
    struct history *h = make_history();
    if (argc > 2 && strcmp(argv[1], "--dump") == 0)
        return dump(h, argc, argv);
    const struct snapshot *s = history_current(h);
    printf("heap: %d blocks of %d B, %zu allocations, %zu free runs, %zu samples\n", BLOCKS, BLOCK,
           s->metrics.allocations, s->metrics.free_runs, history_len(h));
    bench_render(h, 200, 60);
    bench_render(h, 80, 24);
    SCREEN *scr = open_null_term(256, true);
    bench_draw(h, 200, 60);
    bench_draw(h, 80, 24);
    endwin();
    delscreen(scr);
    history_free(h);
    return 0;
}
