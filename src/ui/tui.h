/* SPDX-License-Identifier: MIT */
/* tui.h - the full-screen UI as live mode and replay use it: an opaque
 * controller holding the display state and the history behind struct
 * view, a sink of the stream (snapshots into the history, gaps and resets
 * breaking the trends, messages onto the message line, the probe's cost),
 * the display-only actions (views, zoom, scroll, areas, help, trend
 * window, export), the throttled redraw, and the messages repeated on
 * stderr once the terminal is restored. Owns no sampling and no playback:
 * the owner sets what only it knows (link state, pause, recording, the
 * last gc's figures, the replay position). */
#ifndef HW_TUI_H
#define HW_TUI_H

#include "history.h"
#include "hw.h"
#include "judge.h"
#include "stream.h"
#include "ui.h"

#include <stdbool.h>
#include <stdint.h>

enum { TUI_TREND_CAP = 4096 };

struct tui;

/* Enter full-screen mode (ui_open) for source; NULL if the terminal
 * cannot be used. */
struct tui *tui_open(const struct ui_opts *o, const char *source, bool replay);
/* Restore the terminal, print the messages shown during the session on
 * stderr, free t. NULL-safe. */
void tui_close(struct tui *t);
/* t as a sink. Closing it closes nothing: t stays its owner's until
 * tui_close(). */
struct sink *tui_sink(struct tui *t);

/* What only the owner knows (NULL t: nothing to show it on). */
void tui_set_link(struct tui *t, enum ui_link link, const char *detail);
void tui_set_paused(struct tui *t, bool paused);
void tui_set_recording(struct tui *t, const char *path); /* NULL: not recording */
/* The leak row of the stats panel from j (judge.h), added to the stream
 * before the UI's sink; j must outlive t. */
void tui_set_judge(struct tui *t, const struct judge *j);
void tui_set_gc(struct tui *t, const struct ui_gc_compare *g);
/* Replay: position, count, playing, speed (1 = real time), and the time
 * of the position shown. */
void tui_set_replay(struct tui *t, long pos, long count, bool playing, double speed, double now);
/* Show a message on the message line (and keep it for stderr). */
void tui_say(struct tui *t, const struct hw_err *e);

/* The history, for replay's stepping (push, push_point, gap, clear). */
struct history *tui_history(struct tui *t);
/* A snapshot pushed by its owner (replay); the display follows it. */
void tui_push(struct tui *t, const struct snapshot *s);

/* Apply a display-only action; false if it is not one of them (quit,
 * pause, sample, gc, record, replay stepping are the owner's). */
bool tui_apply(struct tui *t, enum ui_action a);
/* Redraw if something changed and at least 80 ms passed, or once a second
 * in live mode (the age of the last sample ticks on). now_s: seconds on
 * the session's clock, for that age and the rate. */
void tui_frame(struct tui *t, int64_t now_ms, double now_s);
/* Milliseconds until tui_frame has something to do, -1 if nothing. */
int64_t tui_next_frame(const struct tui *t, int64_t now_ms);

#endif
