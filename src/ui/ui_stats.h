/* SPDX-License-Identifier: MIT */
/* ui_stats.h - the stats panel's rows for the full-screen UI: totals,
 * largest free run, fragmentation, map state, gc result, stack, probe,
 * areas, link, the free-run histogram and allocations per type, each with
 * a priority so a short panel keeps what matters most. Curses-free and
 * table-tested; ui_draw.c only paints the rows. */
#ifndef HW_UI_STATS_H
#define HW_UI_STATS_H

#include "fmt_ui.h"
#include "snapshot.h"
#include "ui.h"

#include <stdbool.h>

enum ui_row_kind {
    UI_ROW_TEXT,   /* "label  value [bar]" */
    UI_ROW_HEADER, /* a sub-heading on a rule: "free runs: by size in blocks" */
    UI_ROW_HEADS,  /* "T12 L40 D8", each letter in its type's colour */
};
enum { UI_STATS_MAX = 64, UI_STAT_ALTS = 2 };

struct ui_stat_row {
    int kind;      /* enum ui_row_kind */
    int prio;      /* 1 = kept longest when rows run short */
    int tone;      /* enum ui_tone (fmt_ui.h) of the value */
    double bar;    /* 0..1 bar after the value; < 0: none */
    int bar_class; /* the bar's colour: an enum hm_class, or -1 for bar_tone */
    int bar_tone;
    int from, to; /* UI_ROW_HEADS: entries [from, to) of ui_stats_head_order */
    char label[20];
    char value[96]; /* UTF-8 when utf8 was asked for; UI_ROW_HEADS: the entries as text */
    /* shorter forms of value, tried in order while building; "" none.
     * After ui_stats_fill, value holds the first form that fits. */
    char alt[UI_STAT_ALTS][48];
    int n_alt;
};

struct ui_stats {
    struct ui_stat_row r[UI_STATS_MAX];
    int n;
    bool wide; /* >= 28 columns and >= 20 rows: bars, histogram and types one per row */
    int width;
    int label_w; /* columns of the labels of text rows (the longest shown, >= 7) */
    bool utf8;
};

/* Type letters in the legend's order, as indexes into SNAP_HEAD_LETTERS. */
extern const int ui_stats_head_order[SNAP_N_HEADS];

/* The stats panel for snapshot s (NULL before the first sample) and the
 * view's gc result, link and rate: totals, largest free run, fragmentation,
 * map state, stack, probe, areas, free-run histogram, allocations per type.
 * width is the panel's columns; when there are more than rows rows, the
 * least important go first (link and rate, which the status line repeats,
 * then types, histogram ...). Every row fits width: a value too long for
 * it takes a shorter form ("complete, consistent", "complete, ok"), and
 * only when even the shortest does not fit is it cut, ending in an
 * ellipsis. Fills *st; nothing to free. */
void ui_stats_fill(struct ui_stats *st, const struct view *v, const struct snapshot *s, int width,
                   int rows, bool utf8);

/* Columns row r of st needs as ui_draw.c paints it (label, value, the
 * rule of a header; not a bar, which takes what is left). */
int ui_stats_row_cols(const struct ui_stats *st, const struct ui_stat_row *r);

#endif
