/* SPDX-License-Identifier: MIT */
/* svg.h - the report's pictures as inline SVG: heatmaps of a dump (the
 * cells heatmap.h gives the UI, one <rect> per cell, coloured by class
 * through the report's CSS), their legends, and trend charts of trend.h's
 * buckets. Writes markup into an html_buf; no I/O. */
#ifndef HW_SVG_H
#define HW_SVG_H

#include "heatmap.h"
#include "html.h"
#include "snapshot.h"
#include "trend.h"

#include <stddef.h>

/* A heatmap is SVG_COLS cells wide, and a dump's areas together get at
 * most SVG_MAX_CELLS cells (plus one per area for rounding): a big heap
 * is drawn with several blocks per cell, as the UI does, so a map's size
 * in the report is bounded whatever the heap. */
enum { SVG_COLS = 64, SVG_MAX_CELLS = 2048 };

/* Blocks per cell for a dump of n_blocks blocks in all (a power of two). */
size_t svg_blocks_per_cell(size_t n_blocks);
/* Area a as an <svg class="map"> of one <rect> per cell in view v, k
 * blocks per cell (svg_blocks_per_cell of the whole dump), carrying
 * data-view, data-blocks, data-k and data-cells. Returns the cells drawn:
 * ceil(a->n_blocks / k). */
size_t svg_heatmap(struct html_buf *b, const struct area *a, enum hm_view v, size_t k);
/* The legend of view v as HTML (swatches in the cells' classes), after
 * its title. */
void svg_legend(struct html_buf *b, enum hm_view v, const char *title);
/* The CSS rules of the cell classes (fill and background by hm_class). */
void svg_css(struct html_buf *b);

/* A chart of figure f over the buckets of t: the band between each
 * bucket's minimum and maximum, broken where the figure is unknown and
 * at gaps and resets (drawn as marked vertical lines). Bytes start at 0;
 * fragmentation runs from 0 to 100 %. */
void svg_trend(struct html_buf *b, const struct trend *t, enum trend_figure f);
/* "used", "free", "largest", "fragmentation" */
const char *svg_figure_name(enum trend_figure f);

#endif
