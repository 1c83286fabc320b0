/* SPDX-License-Identifier: MIT */
/* fmt_ui.h - the curses-free arithmetic of the full-screen UI: where each
 * panel goes for a terminal size, sparkline and bar cells, trend columns
 * with gaps, the time axis and short labels ("1 cell = 8 blocks = 128 B").
 * Pure and table-tested; ui_draw.c and ui_trends.c only put the results on
 * screen, and ui_stats.c builds the stats panel's rows from them. */
#ifndef HW_FMT_UI_H
#define HW_FMT_UI_H

#include "history.h"
#include "snapshot.h"
#include "ui.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The smallest terminal the UI is drawn on; below it, only a notice. */
enum { UI_MIN_COLS = 40, UI_MIN_LINES = 12 };

/* Where everything goes, in 0-based rows and columns. A field that is not
 * shown is -1 (rows) or 0 (counts). */
struct ui_layout {
    bool too_small; /* below UI_MIN_COLS x UI_MIN_LINES: only a notice is drawn */
    int lines, cols;
    int status_row;     /* source, link, rate, paused/recording */
    int heat_title_row; /* view, area, scale, INCOMPLETE */
    int heat_top, heat_rows;
    int gutter;               /* columns of block offsets left of the cells (0 = none) */
    int heat_left, heat_cols; /* first column and number of cells per row */
    int sep_col;              /* the rule between heatmap and stats */
    int stats_left, stats_cols, stats_top, stats_rows; /* stats, its title row included */
    int legend_top, legend_rows;
    int trend_title_row;                       /* -1: no trends (very short terminals) */
    int trend_top, trend_series, trend_height; /* series shown, rows per series */
    int trend_label_cols;                      /* "used  " */
    int trend_chart_left, trend_chart_cols;
    int trend_value_left, trend_value_cols; /* "120K ^125K v98.0K" */
    int axis_row;
    int replay_row; /* position bar; -1 unless replaying */
    int message_row;
};

/* Lay out a lines x cols terminal. 80x24 keeps every panel (13 heatmap
 * rows, compact stats, 4 one-row trends, 2 legend rows); taller and wider
 * terminals give the heatmap, stats and trends more room. */
void fmt_ui_layout(int lines, int cols, bool replay, struct ui_layout *lo);

/* The notice shown instead of the UI on a lines x cols terminal below the
 * minimum: the most detailed wording that fits, wrapped at spaces into at
 * most `lines` lines of at most `cols` columns, joined by '\n' (ASCII).
 * Only a terminal too small for "40x12" itself gets it cut. Returns buf. */
char *fmt_ui_too_small(char *buf, size_t cap, int lines, int cols);

/* Which series the trends panel shows, in display order, when it has room
 * for n of them (n <= 4): used, free, largest free run, fragmentation, with
 * free dropped first, then fragmentation. Returns the ids (0 used, 1 free,
 * 2 largest, 3 frag) in out[0..n). */
void fmt_ui_series(int n, int *out);

/* One trend column: a sample, the worst of several, or a gap. */
struct ui_col {
    double value; /* meaningful when valid */
    double time;  /* seconds; of the newest sample in the column */
    bool valid;   /* false: every sample in it was unknown, or a gap */
    bool gap;     /* the link was down here */
};

/* Map n samples (oldest first; value NaN = unknown, gap_before[i] = the
 * link was down before sample i) onto at most width columns. Each gap takes
 * a column of its own; when there are more samples than columns, each
 * column shows the worst sample it covers (worse > 0: highest, < 0:
 * lowest). Writes up to width entries into out and returns how many. */
size_t fmt_ui_columns(const double *value, const double *time, const bool *gap_before, size_t n,
                      size_t width, int worse, struct ui_col *out);

/* Height of a value in eighths of a cell, for a chart height rows tall:
 * 1 (lo) .. 8*height (hi); lo == hi gives the middle. 0 for NaN. */
int fmt_ui_level(double v, double lo, double hi, int height);
/* The character of row `from_bottom` (0 = bottom) of a column at `level`
 * eighths: ' ', then U+2581..U+2588, or an ASCII ramp. */
uint32_t fmt_ui_spark(int level, int from_bottom, bool utf8);

/* A horizontal bar of frac (0..1) of width cells, in eighths (UTF-8) or
 * '#' (ASCII); pads with spaces. Writes width code points. */
void fmt_ui_hbar(uint32_t *out, size_t width, double frac, bool utf8);

/* Time axis for n columns right-aligned in width: "-2m|    -1m|    now|".
 * Ticks at round steps relative to the newest column, at least 10 columns
 * apart, skipping gap columns. ASCII; writes width chars + NUL (cap must be
 * > width). */
char *fmt_ui_axis(char *buf, size_t cap, size_t width, const struct ui_col *cols, size_t n);

/* Exact sizes where they are round: 128 -> "128 B", 16384 -> "16 KiB",
 * 8388608 -> "8 MiB"; anything else as fmt_bytes would ("1.50K"). */
char *fmt_ui_size(char *buf, size_t cap, uint64_t bytes);
/* "1 cell = 8 blocks = 128 B", or shorter forms ("8 blk/cell = 128 B",
 * "8 blk/cell") when it must fit in max_len; block_size 0 = unknown. */
char *fmt_ui_scale(char *buf, size_t cap, size_t k, unsigned block_size, size_t max_len);
/* Range of log2 bucket b in blocks: "1", "2-3", "4-7", ..., "1K-2K". */
char *fmt_ui_bucket(char *buf, size_t cap, int bucket);
/* Sample rate: 2.0 -> "2.0/s", 0.2 -> "1 per 5.0s", 0 -> "-". */
char *fmt_ui_rate(char *buf, size_t cap, double per_second);
/* Replay speed: 1 -> "1x", 64 -> "64x", 0.5 -> "1/2x", 1/64 -> "1/64x". */
char *fmt_ui_speed(char *buf, size_t cap, double speed);
/* Compact seconds for axis labels: 30 -> "30s", 90 -> "1m30", 3600 -> "1h". */
char *fmt_ui_ago(char *buf, size_t cap, double seconds);

/* Trend series: 0 used, 1 free, 2 largest free run, 3 fragmentation.
 * fmt_ui_point gives a point's value (NaN when unknown); series_value
 * formats one ("4.52M", "0.980", "-" for NaN). */
double fmt_ui_point(const struct hist_point *p, int series);
char *fmt_ui_series_value(char *buf, size_t cap, int series, double v);

/* "connecting", "ready", "busy", "reconnecting", "listening", "replay";
 * *tone (enum ui_tone) says how to show it. */
const char *fmt_ui_link(enum ui_link l, int *tone);
/* snap_problem bits as "cut,line_length"; "" for none. Returns buf. */
char *fmt_ui_problems(char *buf, size_t cap, unsigned bits);
/* The same for enum snap_check bits (snapshot.mismatches). */
char *fmt_ui_mismatches(char *buf, size_t cap, unsigned bits);

/* How a value (the link state, a stats row) should look; ui_draw.c maps
 * tones to colours. */
enum ui_tone { UI_TONE_PLAIN, UI_TONE_OK, UI_TONE_WARN, UI_TONE_BAD, UI_TONE_DIM, UI_TONE_CHART };

#endif
