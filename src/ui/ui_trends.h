/* SPDX-License-Identifier: MIT */
/* ui_trends.h - internal to the UI: the trends panel, drawn by ui_draw()
 * with the look and primitives of ui_paint.h. */
#ifndef HW_UI_TRENDS_H
#define HW_UI_TRENDS_H

#include "fmt_ui.h"
#include "ui.h"
#include "ui_paint.h"

/* ui_trends.c: the trends panel (title, one chart per series with its
 * current, highest and lowest values, the time axis); nothing when the
 * layout has no room for it. */
void ui_trends_draw(const struct view *v, const struct ui_layout *lo, const struct ui_style *style);

#endif
