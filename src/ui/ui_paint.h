/* SPDX-License-Identifier: MIT */
/* ui_paint.h - internal to ui_draw.c and ui_trends.c: the look of this
 * terminal (colour pairs and attributes per element, UTF-8 or not) and the
 * clipped text primitives both draw with. ui_draw.c owns the frame and every
 * panel but the trends; ui_trends.c the trends. No other module includes
 * this; with ui.c, these are the only files that see <curses.h>. */
#ifndef HW_UI_PAINT_H
#define HW_UI_PAINT_H

#include "fmt_ui.h"
#include "heatmap.h"
#include "ui.h"

#include <curses.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <wchar.h>

/* Colour pairs: cell classes first (pair = class + 1), then the chrome. */
enum elem {
    E_TITLE = HM_N_CLASSES,
    E_RULE,
    E_OK,
    E_WARN,
    E_BAD,
    E_DIM,
    E_KEY,
    E_CHART,
    E_CHART_HI,
    E_HELP,
    E_N
};

/* Row buffers hold this many cells; ui_draw() caps the width to fit. */
enum { ROW_MAX = 1024 };

/* What ui_draw_setup() decided for this terminal; read-only after it. */
struct ui_style {
    bool utf8;
    bool letters;     /* no colour: type cells say their type by letter (hm_input) */
    attr_t attr[E_N]; /* per enum elem (and enum hm_class) */
};

/* ---- text primitives: everything is clipped to [x, end) ---- */

struct pen {
    int y, x, end;
};

/* Draw s (UTF-8 when the locale is) at the pen, clipped; returns columns used. */
static inline int put(struct pen *p, attr_t a, const char *s)
{
    wchar_t w[ROW_MAX];
    size_t n = mbstowcs(w, s, ROW_MAX - 1);
    if (n == (size_t)-1)
        return 0;
    int room = p->end - p->x;
    int len = (int)n < room ? (int)n : room;
    if (len <= 0)
        return 0;
    attrset(a);
    mvaddnwstr(p->y, p->x, w, len);
    p->x += len;
    return len;
}

static inline int putf(struct pen *p, attr_t a, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline int putf(struct pen *p, attr_t a, const char *fmt, ...)
{
    char buf[ROW_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return put(p, a, buf);
}

static inline void hrule(const struct ui_style *style, int y, int x, int n)
{
    if (n <= 0)
        return;
    attrset(style->attr[E_RULE]);
    mvhline(y, x, ACS_HLINE, n);
}

/* A section title on a rule: "─ text ───". */
static inline void rule_title(const struct ui_style *style, int y, int x, int end, attr_t a,
                              const char *text)
{
    hrule(style, y, x, end - x);
    struct pen p = {y, x + 1, end};
    if (text[0])
        putf(&p, a, " %s ", text);
}

static inline const char *sym(const struct ui_style *style, const char *utf8, const char *ascii)
{
    return style->utf8 ? utf8 : ascii;
}

#endif
