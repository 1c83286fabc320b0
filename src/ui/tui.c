/* SPDX-License-Identifier: MIT */
/* tui.c - the controller behind the full-screen UI; see tui.h. */
#include "tui.h"
#include "export_json.h"
#include "fmt.h"
#include "fmt_ui.h"
#include "heatmap.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { FRAME_MS = 80, LIVE_TICK_MS = 1000, TREND_DEFAULT = 120, TREND_MIN = 16, MESSAGES = 32 };

struct tui {
    struct sink sink;
    struct view v;        /* what ui_draw shows */
    struct history *hist; /* owned */
    bool dirty;
    int64_t last_draw_ms;
    char source[1024];
    char detail[256];
    char record[256];
    char message[256];
    char log[MESSAGES][256]; /* repeated on stderr by tui_close() */
    int n_log;
    const struct judge *judge; /* borrowed; NULL: no leak row */
};

static const struct sink_ops tui_ops;

struct tui *tui_open(const struct ui_opts *o, const char *source, bool replay)
{
    if (ui_open(o) != HW_OK)
        return NULL;
    struct tui *t = xcalloc(1, sizeof(*t));
    t->sink.ops = &tui_ops;
    t->hist = history_new(TUI_TREND_CAP);
    snprintf(t->source, sizeof(t->source), "%s", source);
    t->v.source = t->source;
    t->v.hist = t->hist;
    t->v.message = t->message;
    t->v.link_detail = t->detail;
    t->v.trend_window = TREND_DEFAULT;
    t->v.last_sample_age = -1;
    t->v.replay = replay;
    t->v.speed = 1;
    t->v.link = replay ? UI_LINK_REPLAY : UI_LINK_CONNECTING;
    t->dirty = true;
    return t;
}

void tui_close(struct tui *t)
{
    if (!t)
        return;
    ui_close();
    char safe[sizeof(t->log[0]) * 4];
    for (int i = 0; i < t->n_log; i++)
        fprintf(stderr, "heapwatch: %s\n", fmt_terminal_safe(t->log[i], safe, sizeof(safe)));
    history_free(t->hist);
    free(t);
}

void tui_say(struct tui *t, const struct hw_err *e)
{
    snprintf(t->message, sizeof(t->message), "%s", e->msg);
    if (t->n_log == MESSAGES) {
        memmove(t->log[0], t->log[1], sizeof(t->log[0]) * (MESSAGES - 1));
        t->n_log--;
    }
    char line[sizeof(e->msg) + sizeof(e->hint) + 4];
    snprintf(line, sizeof(line), e->hint[0] ? "%s (%s)" : "%s%s", e->msg, e->hint);
    snprintf(t->log[t->n_log++], sizeof(t->log[0]), "%.255s", line);
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

struct history *tui_history(struct tui *t)
{
    t->dirty = true; /* the owner is about to change it */
    return t->hist;
}

/* ---- the sink ---- */

static int tui_item(struct sink *s, const struct hw_item *it, struct hw_err *err)
{
    struct tui *t = (struct tui *)s;
    switch (it->kind) {
    case HW_ITEM_SNAPSHOT:
        tui_push(t, it->snap);
        if (t->judge && judge_sources(t->judge)) { /* it has seen this snapshot */
            int src = judge_sources(t->judge) - 1;
            judge_leak(t->judge, src, &t->v.leak);
            t->v.has_leak = true;
            /* the suspects cost a pass over the heap: only while it leaks */
            t->v.n_suspects =
                t->v.leak.state != LEAK_GROWS
                    ? 0
                    : judge_suspects(t->judge, src, &t->v.suspect, 1, &t->v.suspect_bytes);
        }
        break;
    case HW_ITEM_EVENT:
        /* a disconnect or a reset breaks the trends and the block ages */
        if (!strcmp(it->event, "gap") || !strcmp(it->event, "reset")) {
            history_gap(t->hist);
            t->dirty = true;
        }
        break;
    case HW_ITEM_MESSAGE:
        tui_say(t, it->msg);
        break;
    case HW_ITEM_PROBE:
        t->v.has_probe = it->probe->measured;
        t->v.probe_bytes = it->probe->bytes;
        t->dirty = true;
        break;
    default:
        break;
    }
    return HW_OK;
}

static int tui_sink_close(struct sink *s, struct hw_err *err)
{
    return HW_OK; /* the owner closes the terminal, after the board is given back */
}

static const struct sink_ops tui_ops = {tui_item, tui_sink_close};

void tui_set_judge(struct tui *t, const struct judge *j)
{
    t->judge = j;
}

struct sink *tui_sink(struct tui *t)
{
    return &t->sink;
}

/* ---- what the owner knows ---- */

void tui_set_link(struct tui *t, enum ui_link link, const char *detail)
{
    if (!t)
        return;
    if (t->v.link != link || strcmp(t->detail, detail ? detail : "")) {
        t->v.link = link;
        snprintf(t->detail, sizeof(t->detail), "%s", detail ? detail : "");
        t->dirty = true;
    }
}

void tui_set_paused(struct tui *t, bool paused)
{
    if (!t)
        return;
    t->dirty |= t->v.paused != paused;
    t->v.paused = paused;
}

void tui_set_recording(struct tui *t, const char *path)
{
    if (!t)
        return;
    t->v.recording = path != NULL;
    snprintf(t->record, sizeof(t->record), "%s", path ? path : "");
    t->v.record_path = t->record;
    t->dirty = true;
}

void tui_set_gc(struct tui *t, const struct ui_gc_compare *g)
{
    if (!t)
        return;
    t->v.gc = *g;
    t->dirty = true;
}

void tui_set_replay(struct tui *t, long pos, long count, bool playing, double speed, double now)
{
    struct view *v = &t->v;
    if (v->pos != pos || v->count != count || v->playing != playing || v->speed != speed)
        t->dirty = true;
    v->pos = pos;
    v->count = count;
    v->playing = playing;
    v->paused = !playing;
    v->speed = speed;
    v->now = now;
    v->last_sample_age = -1;
}

/* ---- display actions ---- */

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

/* The heatmap's geometry as the next frame will draw it: computed from the
 * terminal's size and the area, never read back from the last frame. */
static void geometry(const struct tui *t, struct hm_geom *g, int *rows)
{
    struct ui_layout lo;
    int lines, cols;
    ui_size(&lines, &cols);
    fmt_ui_layout(lines, cols, t->v.replay, &lo);
    const struct snapshot *s = history_current(t->hist);
    size_t n = s && s->n_areas ? s->areas[t->v.area < s->n_areas ? t->v.area : 0].n_blocks : 0;
    heatmap_geometry(n, (size_t)(lo.heat_cols > 0 ? lo.heat_cols : 1),
                     (size_t)(lo.heat_rows > 0 ? lo.heat_rows : 1), t->v.zoom, t->v.scroll, g);
    *rows = lo.heat_rows;
}

/* zoom n > 0 is 2^(n-1) blocks per cell, 0 is "fit": zooming in from fit
 * starts one step finer than fit, zooming out past fit returns to it. */
static void zoom(struct view *v, int fit, int dir)
{
    int z = v->zoom ? v->zoom : fit;
    z += dir;
    v->zoom = z < 1 ? 1 : z >= fit ? 0 : z;
    v->scroll = 0;
}

bool tui_apply(struct tui *t, enum ui_action a)
{
    struct view *v = &t->v;
    struct hm_geom g;
    int rows;
    geometry(t, &g, &rows);
    long page = rows > 1 ? rows - 1 : 1, max = g.scroll_max;
    switch (a) {
    case UI_VIEW:
        v->mode = (enum hm_view)((v->mode + 1) % HM_N_VIEWS);
        break;
    case UI_ZOOM_IN:
        zoom(v, g.fit_zoom, -1);
        break;
    case UI_ZOOM_OUT:
        zoom(v, g.fit_zoom, +1);
        break;
    case UI_SCROLL_UP:
        v->scroll = g.scroll > 0 ? g.scroll - 1 : 0;
        break;
    case UI_SCROLL_DOWN:
        v->scroll = g.scroll + 1 > max ? max : g.scroll + 1;
        break;
    case UI_PAGE_UP:
        v->scroll = g.scroll > page ? g.scroll - page : 0;
        break;
    case UI_PAGE_DOWN:
        v->scroll = g.scroll + page > max ? max : g.scroll + page;
        break;
    case UI_NEXT_AREA:
        next_area(t);
        break;
    case UI_HELP:
        v->show_help = !v->show_help;
        break;
    case UI_TREND_WIDER: /* doubling up to what the ring keeps, then the whole session */
        if (v->trend_window != UI_TREND_ALL)
            v->trend_window = v->trend_window >= TUI_TREND_CAP      ? UI_TREND_ALL
                              : v->trend_window * 2 > TUI_TREND_CAP ? TUI_TREND_CAP
                                                                    : v->trend_window * 2;
        break;
    case UI_TREND_NARROWER:
        v->trend_window = v->trend_window == UI_TREND_ALL   ? TUI_TREND_CAP
                          : v->trend_window / 2 < TREND_MIN ? TREND_MIN
                                                            : v->trend_window / 2;
        break;
    case UI_EXPORT:
        export_current(t);
        break;
    case UI_RESIZE:
        break;
    default:
        return false;
    }
    t->dirty = true;
    return true;
}

/* ---- frames ---- */

/* Live: the rate over the last ten samples and the age of the last one. */
static void live_figures(struct tui *t, double now_s)
{
    struct view *v = &t->v;
    size_t n = history_len(t->hist);
    const struct hist_point *last = n ? history_at(t->hist, n - 1) : NULL;
    size_t k = n < 10 ? n : 10;
    const struct hist_point *first = k >= 2 ? history_at(t->hist, n - k) : NULL;
    v->now = now_s;
    v->last_sample_age = last ? now_s - last->time : -1;
    v->sample_rate =
        first && last->time > first->time ? (double)(k - 1) / (last->time - first->time) : 0;
}

void tui_frame(struct tui *t, int64_t now_ms, double now_s)
{
    bool tick = !t->v.replay && now_ms - t->last_draw_ms >= LIVE_TICK_MS;
    if (!tick && (!t->dirty || now_ms - t->last_draw_ms < FRAME_MS))
        return;
    if (!t->v.replay)
        live_figures(t, now_s);
    ui_draw(&t->v);
    t->dirty = false;
    t->last_draw_ms = now_ms;
}

int64_t tui_next_frame(const struct tui *t, int64_t now_ms)
{
    int64_t due = t->dirty      ? t->last_draw_ms + FRAME_MS
                  : t->v.replay ? -1
                                : t->last_draw_ms + LIVE_TICK_MS;
    if (due < 0)
        return -1;
    return due > now_ms ? due - now_ms : 0;
}
