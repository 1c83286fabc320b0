/* SPDX-License-Identifier: MIT */
/* tui.c - display state, throttled redraw and the message log behind the
 * full-screen UI; see tui.h. */
#include "tui.h"
#include "export.h"
#include "fmt.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

enum { FRAME_MS = 80, TREND_DEFAULT = 120, TREND_MIN = 16 };

int tui_open(struct tui *t, const struct ui_opts *o, const char *source, bool replay)
{
    memset(t, 0, sizeof(*t));
    if (ui_open(o) != HW_OK)
        return HW_EIO;
    t->hist = history_new(TUI_TREND_CAP);
    t->v.source = source;
    t->v.hist = t->hist;
    t->v.message = t->message;
    t->v.link_detail = "";
    t->v.trend_window = TREND_DEFAULT;
    t->v.last_sample_age = -1;
    t->v.replay = replay;
    t->v.speed = 1;
    t->v.link = replay ? UI_LINK_REPLAY : UI_LINK_CONNECTING;
    t->dirty = true;
    return HW_OK;
}

void tui_close(struct tui *t)
{
    if (!t->hist)
        return;
    ui_close();
    char safe[sizeof(t->log[0]) * 4];
    for (int i = 0; i < t->n_log; i++)
        fprintf(stderr, "heapwatch: %s\n", fmt_terminal_safe(t->log[i], safe, sizeof(safe)));
    history_free(t->hist);
    t->hist = NULL;
}

void tui_say(struct tui *t, const struct hw_err *e)
{
    snprintf(t->message, sizeof(t->message), "%s", e->msg);
    if (t->n_log == TUI_MESSAGES) {
        memmove(t->log[0], t->log[1], sizeof(t->log[0]) * (TUI_MESSAGES - 1));
        t->n_log--;
    }
    char line[sizeof(e->msg) + sizeof(e->hint) + 4];
    snprintf(line, sizeof(line), e->hint[0] ? "%s (%s)" : "%s%s", e->msg, e->hint);
    snprintf(t->log[t->n_log++], sizeof(t->log[0]), "%.255s", line);
    t->dirty = true;
}

void tui_gap(struct tui *t)
{
    history_gap(t->hist);
    t->dirty = true;
}

void tui_push(struct tui *t, const struct snapshot *s)
{
    history_push(t->hist, s);
    const struct snapshot *cur = history_current(t->hist);
    if (t->v.area >= cur->n_areas)
        t->v.area = 0;
    t->dirty = true;
}

/* e: the current snapshot as a JSON document in the working directory */
static void export_current(struct tui *t)
{
    const struct snapshot *s = history_current(t->hist);
    struct hw_err e = {0};
    if (!s) {
        hw_err_set(&e, HW_EARG, "nothing to export yet");
        tui_say(t, &e);
        return;
    }
    char name[64];
    snprintf(name, sizeof(name), "heapwatch-snapshot-%ld.json", s->seq);
    FILE *f = fopen(name, "w");
    if (!f || export_snapshot_file(f, s, true) != HW_OK)
        hw_err_set(&e, HW_EIO, "cannot write %s: %s", name, strerror(errno));
    else
        hw_err_set(&e, HW_OK, "snapshot #%ld written to %s", s->seq, name);
    if (f)
        fclose(f);
    tui_say(t, &e);
}

static void next_area(struct tui *t)
{
    const struct snapshot *s = history_current(t->hist);
    size_t n = s ? s->n_areas : 0;
    t->v.area = n ? (t->v.area + 1) % n : 0;
    t->v.scroll = 0;
}

/* zoom n > 0 is 2^(n-1) blocks per cell, 0 is "fit": zooming in from fit
 * starts one step finer than fit, zooming out past fit returns to it. */
static void zoom(struct view *v, int dir)
{
    int fit = ui_heatmap_fit_zoom();
    int z = v->zoom ? v->zoom : fit;
    z += dir;
    v->zoom = z < 1 ? 1 : z >= fit ? 0 : z;
    v->scroll = 0;
}

static long clamp_scroll(long s)
{
    long max = ui_heatmap_scroll_max();
    return s > max ? max : s;
}

bool tui_apply(struct tui *t, enum ui_action a)
{
    struct view *v = &t->v;
    int page = ui_heatmap_rows() > 1 ? ui_heatmap_rows() - 1 : 1;
    switch (a) {
    case UI_VIEW: v->mode = (enum hm_view)((v->mode + 1) % HM_N_VIEWS); break;
    case UI_ZOOM_IN: zoom(v, -1); break;
    case UI_ZOOM_OUT: zoom(v, +1); break;
    case UI_SCROLL_UP: v->scroll = v->scroll > 0 ? v->scroll - 1 : 0; break;
    case UI_SCROLL_DOWN: v->scroll = clamp_scroll(v->scroll + 1); break;
    case UI_PAGE_UP: v->scroll = v->scroll > page ? v->scroll - page : 0; break;
    case UI_PAGE_DOWN: v->scroll = clamp_scroll(v->scroll + page); break;
    case UI_NEXT_AREA: next_area(t); break;
    case UI_HELP: v->show_help = !v->show_help; break;
    case UI_TREND_WIDER: v->trend_window = v->trend_window * 2 > TUI_TREND_CAP
                                              ? TUI_TREND_CAP : v->trend_window * 2; break;
    case UI_TREND_NARROWER: v->trend_window = v->trend_window / 2 < TREND_MIN
                                                  ? TREND_MIN : v->trend_window / 2; break;
    case UI_EXPORT: export_current(t); break;
    case UI_RESIZE: break;
    default: return false;
    }
    t->dirty = true;
    return true;
}

void tui_frame(struct tui *t, int64_t now, bool force)
{
    if (!t->hist || (!force && (!t->dirty || now - t->last_draw_ms < FRAME_MS)))
        return;
    ui_draw(&t->v);
    t->dirty = false;
    t->last_draw_ms = now;
}

int64_t tui_next_frame(const struct tui *t, int64_t now)
{
    if (!t->hist || !t->dirty)
        return -1;
    int64_t due = t->last_draw_ms + FRAME_MS;
    return due > now ? due - now : 0;
}
