/* SPDX-License-Identifier: MIT */
/* heatmap.h - turning a heap area's block map into screen cells, with no
 * curses: which character and which colour class each cell gets, for each
 * view, when one cell shows one block or aggregates k of them. Pure. */
#ifndef HW_HEATMAP_H
#define HW_HEATMAP_H

#include "snapshot.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum hm_view { HM_VIEW_TYPE, HM_VIEW_FRAG, HM_VIEW_CHANGES, HM_VIEW_AGE, HM_N_VIEWS };

/* Colour classes; the UI maps them to colour pairs (or to nothing). */
enum hm_class {
    HM_C_FREE,        /* free blocks (type view) */
    HM_C_HOLE_TINY,   /* fragmentation view: free run of 1-2 blocks, too small for most objects */
    HM_C_HOLE_SMALL,  /* 3-15 blocks */
    HM_C_HOLE_MEDIUM, /* 16-255 blocks */
    HM_C_HOLE_LARGE,  /* 256+ blocks */
    HM_C_USED_DIM,    /* used blocks in the fragmentation/changes/age views */
    HM_C_HEAD_h,
    HM_C_HEAD_T,
    HM_C_HEAD_L,
    HM_C_HEAD_D,
    HM_C_HEAD_S,
    HM_C_HEAD_A,
    HM_C_HEAD_F,
    HM_C_HEAD_B,
    HM_C_HEAD_M, /* type view, heads and their tails by type */
    HM_C_NEW,    /* changes view: allocated since the previous sample */
    HM_C_FREED,  /* changes view: freed since the previous sample */
    HM_C_AGE_1,
    HM_C_AGE_2,
    HM_C_AGE_3,
    HM_C_AGE_4,   /* age view, young to old (leak suspects) */
    HM_C_UNKNOWN, /* blocks the text did not show */
    HM_N_CLASSES
};

struct hm_cell {
    uint32_t ch; /* Unicode code point to draw (ASCII when !utf8) */
    uint8_t cls; /* enum hm_class */
};

struct hm_input {
    const struct area *area; /* the current area (required) */
    const struct area *prev; /* the same area in the previous sample, or NULL */
    const uint16_t *age;     /* per-block ages (history_age), or NULL */
    enum hm_view view;
    bool utf8;         /* may use block/shade characters */
    bool type_letters; /* type view, k > 1: the main type's letter, not a shade */
};

/* Fill n cells starting at block `first`, each cell covering k >= 1 blocks
 * (cells past the end of the area get ch ' ' and HM_C_FREE). At k == 1 a
 * cell shows the block's own symbol in the type view; aggregated cells
 * show how full they are (or, with type_letters, the letter of the type
 * that fills most of them) and take the class of what dominates them. */
void heatmap_render(const struct hm_input *in, size_t first, size_t k, struct hm_cell *cells,
                    size_t n);

/* Smallest k (1, 2, 4, 8, ...) so that an area of n_blocks fits in
 * cols x rows cells. */
size_t heatmap_fit(size_t n_blocks, size_t cols, size_t rows);

/* Where the heatmap of an area of n_blocks stands in a panel of cols x
 * rows cells at a zoom (0 fit, n > 0: 2^(n-1) blocks per cell) and
 * scroll. A pure function of its inputs: the drawing and the keys compute
 * the same, so a key never acts on the last frame's geometry. */
struct hm_geom {
    size_t k;        /* blocks per cell */
    int fit_zoom;    /* the zoom equal to "fit" (log2 of its blocks per cell, plus 1) */
    long rows_total; /* rows the area needs at k */
    long scroll_max; /* the largest scroll that still shows cells */
    long scroll;     /* scroll, clamped */
    size_t first;    /* the first block shown */
};
void heatmap_geometry(size_t n_blocks, size_t cols, size_t rows, int zoom, long scroll,
                      struct hm_geom *g);

/* Legend entries of a view: label and class, terminated by a NULL label.
 * An entry with ch 0 is a note: its label alone. type_letters: the legend
 * of cells rendered with hm_input.type_letters. */
struct hm_legend {
    const char *label;
    uint8_t cls;
    uint32_t ch;
};
const struct hm_legend *heatmap_legend(enum hm_view view, bool utf8, bool type_letters);
/* "type", "fragmentation", "changes", "age" */
const char *heatmap_view_name(enum hm_view view);

#endif
