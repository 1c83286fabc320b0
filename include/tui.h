/* SPDX-License-Identifier: MIT */
/* tui.h - glue shared by live mode and replay when the full-screen UI is
 * on: the display state and history behind struct view, the display-only
 * actions (views, zoom, scroll, areas, help, trend window, export), the
 * throttled redraw, and the message line whose messages are repeated on
 * stderr after the terminal is restored. Owns no sampling. */
#ifndef HW_TUI_H
#define HW_TUI_H

#include "hw.h"
#include "ui.h"

#include <stdbool.h>
#include <stdint.h>

enum { TUI_TREND_CAP = 4096, TUI_MESSAGES = 32 };

struct tui {
    struct view v;          /* what ui_draw shows; the owner fills source/link/... */
    struct history *hist;   /* owned */
    bool dirty;
    int64_t last_draw_ms;
    char message[256];
    char log[TUI_MESSAGES][256]; /* replayed on stderr by tui_close() */
    int n_log;
};

/* Open the UI (ui_open) and set up the display state; HW_EIO if the
 * terminal cannot be used. */
int tui_open(struct tui *t, const struct ui_opts *o, const char *source, bool replay);
/* Restore the terminal, print the messages shown during the session on
 * stderr, free the history. Idempotent. */
void tui_close(struct tui *t);
/* Show a message on the message line (and keep it for stderr). */
void tui_say(struct tui *t, const struct hw_err *e);
/* The link went down or the board reset: the next point follows a gap,
 * and nothing before it counts as "previous" for changes and ages. */
void tui_gap(struct tui *t);
/* A new snapshot for the history. */
void tui_push(struct tui *t, const struct snapshot *s);
/* Apply a display-only action; returns false if it is not one of them
 * (quit, pause, sample, gc, record, replay stepping are the owner's). */
bool tui_apply(struct tui *t, enum ui_action a);
/* Redraw if something changed and at least 80 ms passed (or force). */
void tui_frame(struct tui *t, int64_t now_ms, bool force);
/* Milliseconds until tui_frame has something to do, -1 if nothing. */
int64_t tui_next_frame(const struct tui *t, int64_t now_ms);

#endif
