/* SPDX-License-Identifier: MIT */
/* test_heatmap.c - block maps to cells, table-driven: each case is a map
 * (in the device's own symbols), a view, a cell size, and the characters
 * and colour classes the cells must get. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "heatmap.h"

#include <stdio.h>
#include <string.h>

enum { MAX_CELLS = 128 };

struct area_buf {
    struct area a;
    char map[4096];
};

static const struct area *mk_area(struct area_buf *b, const char *map)
{
    memset(b, 0, sizeof(*b));
    b->a.n_blocks = strlen(map);
    memcpy(b->map, map, b->a.n_blocks);
    b->a.map = b->map;
    b->a.cap = sizeof(b->map);
    return &b->a;
}

/* Render and return the cells' characters as a string (ASCII views only). */
static void render(const struct hm_input *in, size_t first, size_t k, size_t n, char *chars,
                   uint8_t *cls)
{
    struct hm_cell cells[MAX_CELLS];
    heatmap_render(in, first, k, cells, n);
    for (size_t i = 0; i < n; i++) {
        assert_true(cells[i].ch < 128);
        chars[i] = (char)cells[i].ch;
        cls[i] = cells[i].cls;
    }
    chars[n] = '\0';
}

struct map_case {
    const char *map;
    enum hm_view view;
    size_t k, first;
    const char *want;        /* one character per cell */
    const uint8_t *want_cls; /* NULL: not checked */
};

static const uint8_t cls_type_k1[] = {
    HM_C_HEAD_T, HM_C_HEAD_L, HM_C_HEAD_L,  HM_C_HEAD_D,  HM_C_FREE,
    HM_C_FREE,   HM_C_HEAD_S, HM_C_UNKNOWN, HM_C_UNKNOWN, HM_C_HEAD_h,
};
/* ties go to the kind listed first in SNAP_HEAD_LETTERS */
static const uint8_t cls_type_k2[] = {HM_C_HEAD_T, HM_C_HEAD_L, HM_C_FREE, HM_C_UNKNOWN,
                                      HM_C_UNKNOWN};
static const uint8_t cls_frag_k1[] = {
    HM_C_USED_DIM,   HM_C_HOLE_TINY,  HM_C_USED_DIM, HM_C_HOLE_SMALL,
    HM_C_HOLE_SMALL, HM_C_HOLE_SMALL, HM_C_USED_DIM, HM_C_UNKNOWN,
};
static const uint8_t cls_tail_of_d[] = {HM_C_HEAD_D, HM_C_HEAD_D, HM_C_HEAD_D, HM_C_HEAD_L};
static const uint8_t cls_dominant[] = {HM_C_HEAD_D, HM_C_HEAD_S};

/* 16 free then 256 free then used: hole classes by full run length */
#define FREE16 "................"
#define FREE64 FREE16 FREE16 FREE16 FREE16
#define FREE256 FREE64 FREE64 FREE64 FREE64

static const struct map_case map_cases[] = {
    /* type view, one block per cell: the device's symbols, tails in their
     * head's class, '?' and a tail after it unknown */
    {"TL=D..S?=h", HM_VIEW_TYPE, 1, 0, "TL=D..S??h", cls_type_k1},
    /* k=2: each pair's used fraction and dominant kind */
    {"TL=D..S?=h", HM_VIEW_TYPE, 2, 0, "##.??", cls_type_k2},
    {"TL=DD=S.?=h.", HM_VIEW_TYPE, 2, 0, "###+?+", NULL},
    {"L=D=S=....=h", HM_VIEW_TYPE, 2, 0, "###..?", NULL},
    {"L=.DD=S.", HM_VIEW_TYPE, 2, 0, "#+#+", NULL},
    {"L=D=S..h", HM_VIEW_TYPE, 2, 0, "##++", NULL},
    {"L=...D=.", HM_VIEW_TYPE, 2, 0, "#.++", NULL},
    /* k=8: used fraction in quarters */
    {"........h.......hh......hhh.....L=======", HM_VIEW_TYPE, 8, 0, ".::+#", NULL},
    {"........h.......hh......hhh.....L=======hhhhhh..", HM_VIEW_TYPE, 8, 0, ".::+#*", NULL},
    /* dominant kind: most blocks wins, tails count with their head */
    {"D=====SS"
     "S=====DD",
     HM_VIEW_TYPE, 8, 0, "##", cls_dominant},
    /* starting inside an allocation: the tail still knows its head */
    {"TD=====L", HM_VIEW_TYPE, 1, 4, "===L", cls_tail_of_d},
    /* cells past the end of the area are blank */
    {"TL", HM_VIEW_TYPE, 1, 0, "TL  ", NULL},
    {"TLD", HM_VIEW_TYPE, 2, 0, "## ", NULL},

    /* fragmentation: hole size classes by the full run, used dimmed */
    {"T.L...D?", HM_VIEW_FRAG, 1, 0, ":x:ooo:?", cls_frag_k1},
    {"T." FREE16 "D" FREE256 "L", HM_VIEW_FRAG, 1, 2, "-", NULL},
    {"T." FREE16 "D" FREE256 "L", HM_VIEW_FRAG, 1, 200, ".", NULL},
    {"T.L..D..", HM_VIEW_FRAG, 2, 0, "xxxx", NULL},
    {"T.L=D=h=", HM_VIEW_FRAG, 2, 0, "x:::", NULL},
    {"T.L=...."
     "....hhhh"
     "T.h.h.h.",
     HM_VIEW_FRAG, 8, 0, "oox", NULL},
    {"T.L=D=h="
     "L=?=D=h=",
     HM_VIEW_FRAG, 8, 0, "x?", NULL},

    /* changes and age without their inputs: nothing is new, nothing aged */
    {"T.L=..D?", HM_VIEW_CHANGES, 1, 0, ":.::..:?", NULL},
    {"T.L=..D?", HM_VIEW_AGE, 1, 0, ":.::..:?", NULL},
};

static void test_map_cases(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(map_cases) / sizeof(map_cases[0]); i++) {
        const struct map_case *c = &map_cases[i];
        struct area_buf b;
        struct hm_input in = {.area = mk_area(&b, c->map), .view = c->view};
        size_t n = strlen(c->want);
        char got[MAX_CELLS + 1];
        uint8_t cls[MAX_CELLS];
        render(&in, c->first, c->k, n, got, cls);
        if (strcmp(got, c->want) != 0)
            fail_msg("case %zu (%s k=%zu): got \"%s\", want \"%s\"", i, c->map, c->k, got, c->want);
        for (size_t j = 0; c->want_cls && j < n; j++)
            if (cls[j] != c->want_cls[j])
                fail_msg("case %zu cell %zu: class %d, want %d", i, j, cls[j], c->want_cls[j]);
    }
}

/* Aggregated type cells take the dominant kind's class. */
static void test_dominant_class(void **state)
{
    (void)state;
    struct area_buf b;
    struct hm_input in = {.area = mk_area(&b, "L=..D==="
                                              "S=T=T=T="
                                              ".......h"),
                          .view = HM_VIEW_TYPE};
    struct hm_cell cells[3];
    heatmap_render(&in, 0, 8, cells, 3);
    assert_int_equal(cells[0].cls, HM_C_HEAD_D);
    assert_int_equal(cells[1].cls, HM_C_HEAD_T);
    assert_int_equal(cells[2].cls, HM_C_HEAD_h);
    assert_int_equal(cells[2].ch, ':');
}

/* Without colour (type_letters), an aggregated type cell shows the letter
 * of the type holding most of its blocks rather than a shade, which would
 * say how full it is but not with what; free cells stay free, one block
 * per cell is drawn as ever, and the legend says what the letters mean. */
static void test_type_letters(void **state)
{
    (void)state;
    struct area_buf b;
    struct hm_input in = {.area = mk_area(&b, "D=====SS"
                                              "S=====DD"
                                              "........"
                                              "h......."
                                              "L=?....."),
                          .view = HM_VIEW_TYPE,
                          .utf8 = true,
                          .type_letters = true};
    struct hm_cell cells[5];
    heatmap_render(&in, 0, 8, cells, 5);
    static const uint32_t want[] = {'D', 'S', 0x00B7, 'h', '?'};
    for (int i = 0; i < 5; i++)
        assert_int_equal(cells[i].ch, want[i]);
    assert_int_equal(cells[0].cls, HM_C_HEAD_D);
    heatmap_render(&in, 0, 1, cells, 3);
    assert_int_equal(cells[0].ch, 'D');
    assert_int_equal(cells[1].ch, '=');
    for (int u8 = 0; u8 < 2; u8++) {
        const struct hm_legend *l = heatmap_legend(HM_VIEW_TYPE, u8, true);
        bool note = false;
        for (; l->label; l++) {
            assert_true(strstr(l->label, "used") == NULL); /* no shades to explain */
            note |= l->ch == 0 && strstr(l->label, "main type") != NULL;
        }
        assert_true(note);
    }
}

/* UTF-8 free-fraction shades: free, <=1/4, <=1/2, <full, full. */
static void test_shades_utf8(void **state)
{
    (void)state;
    static const uint32_t want[] = {0x00B7, 0x2591, 0x2592, 0x2593, 0x2588};
    struct area_buf b;
    struct hm_input in = {.area = mk_area(&b, "...."
                                              "h..."
                                              "hh.."
                                              "hhh."
                                              "hhhh"),
                          .view = HM_VIEW_TYPE,
                          .utf8 = true};
    struct hm_cell cells[5];
    heatmap_render(&in, 0, 4, cells, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(cells[i].ch, want[i]);
}

/* A cut dump: every cell holding an unknown block is unknown, in every
 * view and at every zoom, however free the rest of it is. */
static void test_unknown_never_free(void **state)
{
    (void)state;
    struct area_buf b, pb;
    const struct area *a = mk_area(&b, "T=.."
                                       "...."
                                       "...?"
                                       "????"
                                       "????"
                                       "....");
    const struct area *p = mk_area(&pb, "T=..L..........................");
    static const uint16_t age[24] = {3, 3};
    static const size_t ks[] = {1, 2, 4, 8, 16, 32};
    for (int v = 0; v < HM_N_VIEWS; v++) {
        for (size_t ki = 0; ki < sizeof(ks) / sizeof(ks[0]); ki++) {
            struct hm_input in = {.area = a, .prev = p, .age = age, .view = (enum hm_view)v};
            struct hm_cell cells[24];
            size_t k = ks[ki], n = (24 + k - 1) / k;
            heatmap_render(&in, 0, k, cells, n);
            for (size_t c = 0; c < n; c++) {
                bool has_unknown = memchr(a->map + c * k, '?', k < 24 - c * k ? k : 24 - c * k);
                if (has_unknown) {
                    assert_int_equal(cells[c].cls, HM_C_UNKNOWN);
                    assert_int_equal(cells[c].ch, '?');
                } else {
                    assert_int_not_equal(cells[c].cls, HM_C_UNKNOWN);
                }
            }
        }
    }
}

struct fit_case {
    size_t blocks, cols, rows, want;
};

static void test_fit(void **state)
{
    (void)state;
    static const struct fit_case cases[] = {
        {4000, 80, 24, 4},     {4000, 200, 60, 1},     {524288, 80, 24, 512},
        {524288, 200, 60, 64}, {524288, 56, 13, 1024}, {524288, 136, 42, 128},
        {0, 80, 24, 1},        {1, 1, 1, 1},           {1920, 80, 24, 1},
        {1921, 80, 24, 2},     {100, 0, 0, 128},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct fit_case *c = &cases[i];
        size_t k = heatmap_fit(c->blocks, c->cols, c->rows);
        if (k != c->want)
            fail_msg("fit %zu in %zux%zu: %zu, want %zu", c->blocks, c->cols, c->rows, k, c->want);
        if (c->cols && c->rows)
            assert_true((c->blocks + k - 1) / k <= c->cols * c->rows);
    }
}

static void test_legends(void **state)
{
    (void)state;
    for (int v = 0; v < HM_N_VIEWS; v++) {
        assert_true(strlen(heatmap_view_name((enum hm_view)v)) > 0);
        for (int u8 = 0; u8 < 2; u8++) {
            const struct hm_legend *l = heatmap_legend((enum hm_view)v, u8, false);
            int n = 0;
            for (; l[n].label; n++) {
                assert_true(l[n].label[0] != '\0');
                assert_true(l[n].cls < HM_N_CLASSES);
                assert_true(l[n].ch != 0);
                if (!u8) {
                    assert_true(l[n].ch < 128);
                    for (const char *s = l[n].label; *s; s++)
                        assert_true((unsigned char)*s < 128);
                }
            }
            assert_true(n >= 4);
            /* every view explains unknown blocks */
            bool unknown = false;
            for (int i = 0; i < n; i++)
                unknown |= l[i].cls == HM_C_UNKNOWN && l[i].ch == '?';
            assert_true(unknown);
        }
    }
    assert_string_equal(heatmap_view_name(HM_VIEW_FRAG), "fragmentation");
}

struct changes_case {
    const char *prev, *cur;
    size_t k;
    const char *want;
};

static void test_changes(void **state)
{
    (void)state;
    static const struct changes_case cases[] = {
        /* same objects: dim; a new list, a freed dict, a grown string */
        {"T=..D=S.", "T=L.....", 1, "::+.---."},
        {"T=..D=S.", "T=..D=S=", 1, "::..::++"},
        /* a tail that now belongs to a new head is new */
        {"L===....", "L=L=....", 1, "++++...."},
        /* a block unknown before says nothing: no +/- */
        {"T??.", "T=L.", 1, ":::."},
        {"????", "T=..", 1, "::.."},
        /* aggregated: more new than freed, more freed than new, none */
        {"........", "L=L=h...", 4, "++"},
        {"L=L=h...", "........", 4, "--"},
        {"L=L=h...", "L=L=h...", 4, "::"},
        {"L=L=....", "L=...h..", 4, "-+"},
        /* prev shorter than cur (an area that grew) */
        {"T=", "T=L=", 1, "::++"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct changes_case *c = &cases[i];
        struct area_buf b, pb;
        struct hm_input in = {
            .area = mk_area(&b, c->cur), .prev = mk_area(&pb, c->prev), .view = HM_VIEW_CHANGES};
        size_t n = strlen(c->want);
        char got[MAX_CELLS + 1];
        uint8_t cls[MAX_CELLS];
        render(&in, 0, c->k, n, got, cls);
        if (strcmp(got, c->want) != 0)
            fail_msg("changes %zu: %s -> %s: got \"%s\", want \"%s\"", i, c->prev, c->cur, got,
                     c->want);
        for (size_t j = 0; j < n; j++) {
            int want = got[j] == '+'   ? HM_C_NEW
                       : got[j] == '-' ? HM_C_FREED
                       : got[j] == ':' ? HM_C_USED_DIM
                                       : HM_C_FREE;
            assert_int_equal(cls[j], want);
        }
    }
}

static void test_age(void **state)
{
    (void)state;
    struct area_buf b;
    /* ages as history.c gives them: a head's age on its tails, 0 free */
    static const uint16_t age[16] = {1, 1, 0, 2, 3, 0, 4, 7, 0, 8, 64, 65, 0, 300, 300, 300};
    struct hm_input in = {.area = mk_area(&b, "L=.hh.hh.hL=.D=="), .age = age, .view = HM_VIEW_AGE};
    char got[MAX_CELLS + 1];
    uint8_t cls[MAX_CELLS];
    render(&in, 0, 1, 16, got, cls);
    assert_string_equal(got, "11.22.33.477.999");
    static const uint8_t want_cls[16] = {
        HM_C_AGE_1, HM_C_AGE_1, HM_C_FREE,  HM_C_AGE_1, HM_C_AGE_1, HM_C_FREE,
        HM_C_AGE_2, HM_C_AGE_2, HM_C_FREE,  HM_C_AGE_2, HM_C_AGE_4, HM_C_AGE_4,
        HM_C_FREE,  HM_C_AGE_4, HM_C_AGE_4, HM_C_AGE_4,
    };
    assert_memory_equal(cls, want_cls, 16);
    /* aggregated: the median used block's digit, free cells stay free */
    render(&in, 0, 4, 4, got, cls);
    assert_string_equal(got, "1379");
    static const uint16_t young_old[8] = {1, 1, 1, 200, 0, 0, 0, 0};
    in.area = mk_area(&b, "hhhh....");
    in.age = young_old;
    render(&in, 0, 4, 2, got, cls);
    assert_string_equal(got, "1.");
    assert_int_equal(cls[0], HM_C_AGE_1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map_cases),    cmocka_unit_test(test_dominant_class),
        cmocka_unit_test(test_shades_utf8),  cmocka_unit_test(test_unknown_never_free),
        cmocka_unit_test(test_fit),          cmocka_unit_test(test_legends),
        cmocka_unit_test(test_type_letters), cmocka_unit_test(test_changes),
        cmocka_unit_test(test_age),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
