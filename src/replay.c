/* SPDX-License-Identifier: MIT */
/* replay.c - glue for `heapwatch replay`: the whole capture is read into
 * memory first (snapshots are copied; gaps come from the record file's
 * "#gap" lines), then the UI steps through it. Owns the position and the
 * playback clock; drawing and display actions are tui.c's. */
#include "replay.h"
#include "input.h"
#include "memparse.h"
#include "tui.h"
#include "util.h"

#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { FULL_PUSHES = 64, IDLE_STEP_MS = 1000 };

/* Maps kept in memory at most (blocks over all dumps): past it, replay
 * shows the first dumps only and says so. */
#define REPLAY_MAX_BLOCKS ((size_t)64 * 1024 * 1024)

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

struct replay {
    struct snapshot *snaps; /* owned, n of cap */
    bool *gap_before;       /* per snapshot */
    size_t n, cap;
    double *gaps;           /* times of "#gap" events, in file order */
    size_t n_gaps, cap_gaps;
    size_t blocks;          /* map blocks kept, over all snapshots */
    bool truncated;         /* REPLAY_MAX_BLOCKS was reached */
    char tail[256];         /* a record line split across reads */
    size_t tail_len;
    struct tui tui;
    long pos;
    bool playing;
    int64_t step_at;        /* when playback moves on */
};

static void on_snapshot(const struct snapshot *s, void *ctx)
{
    struct replay *r = ctx;
    size_t blocks = s->has_metrics ? s->metrics.blocks : 0;
    if (r->truncated || blocks > REPLAY_MAX_BLOCKS - r->blocks) {
        r->truncated = true;
        return;
    }
    r->blocks += blocks;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->snaps = xrealloc(r->snaps, r->cap * sizeof(*r->snaps));
        memset(r->snaps + r->n, 0, (r->cap - r->n) * sizeof(*r->snaps));
    }
    snapshot_copy(&r->snaps[r->n++], s);
}

/* "+4.100 #gap cannot read /dev/ttyACM0: device disconnected", or
 * "+9.000 #reset soft reboot": the trends break there */
static void scan_line(struct replay *r, const char *p, size_t n)
{
    if (n < 7 || p[0] != '+' || (!memmem(p, n, " #gap", 5) && !memmem(p, n, " #reset", 7)))
        return;
    if (r->n_gaps == r->cap_gaps) {
        r->cap_gaps = r->cap_gaps ? r->cap_gaps * 2 : 16;
        r->gaps = xrealloc(r->gaps, r->cap_gaps * sizeof(*r->gaps));
    }
    r->gaps[r->n_gaps++] = strtod(p + 1, NULL);
}

/* Look for gap events in a chunk, lines split across chunks included. */
static void scan_gaps(struct replay *r, const char *buf, size_t len)
{
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = (size_t)((nl ? nl : end) - p);
        if (r->tail_len || !nl) {
            size_t room = sizeof(r->tail) - r->tail_len;
            memcpy(r->tail + r->tail_len, p, n < room ? n : room);
            r->tail_len += n < room ? n : room;
            if (nl) {
                scan_line(r, r->tail, r->tail_len);
                r->tail_len = 0;
            }
        } else {
            scan_line(r, p, n);
        }
        if (!nl)
            break;
        p = nl + 1;
    }
}

struct loading {
    struct replay *r;
    struct memparse *mp;
};

static void load_chunk(const char *buf, size_t n, void *ctx)
{
    struct loading *ld = ctx;
    memparse_feed(ld->mp, buf, n);
    scan_gaps(ld->r, buf, n);
}

static int load(struct replay *r, const char *path, struct hw_err *err)
{
    struct loading ld = {.r = r, .mp = memparse_new(on_snapshot, r)};
    int rc = input_read(path, load_chunk, &ld, err);
    memparse_flush(ld.mp);
    memparse_free(ld.mp);
    if (rc == HW_OK && r->n == 0)
        rc = hw_err_set(err, HW_EPARSE, "%s: no mem_info output found", input_name(path));
    return rc;
}

/* A snapshot follows a gap if a "#gap" event lies between it and the one before. */
static void mark_gaps(struct replay *r)
{
    r->gap_before = xcalloc(r->n ? r->n : 1, sizeof(bool));
    for (size_t g = 0, i = 1; g < r->n_gaps && i < r->n; i++) {
        const struct snapshot *a = &r->snaps[i - 1], *b = &r->snaps[i];
        if (!a->has_time || !b->has_time)
            continue;
        while (g < r->n_gaps && r->gaps[g] < a->time)
            g++;
        if (g < r->n_gaps && r->gaps[g] <= b->time)
            r->gap_before[i] = true;
    }
}

static void push(struct replay *r, long i, bool full)
{
    if (r->gap_before[i])
        history_gap(r->tui.hist);
    if (full)
        tui_push(&r->tui, &r->snaps[i]);
    else
        history_push_point(r->tui.hist, &r->snaps[i]);
}

/* Show position pos: one step forward is one push; any other move
 * rebuilds the history up to pos (ages from the last FULL_PUSHES samples). */
static void go_to(struct replay *r, long pos)
{
    if (pos < 0)
        pos = 0;
    if (pos >= (long)r->n)
        pos = (long)r->n - 1;
    if (pos == r->pos + 1 && history_total(r->tui.hist) > 0) {
        push(r, pos, true);
    } else if (pos != r->pos || history_total(r->tui.hist) == 0) {
        history_clear(r->tui.hist);
        long first = pos - TUI_TREND_CAP + 1 > 0 ? pos - TUI_TREND_CAP + 1 : 0;
        for (long i = first; i <= pos; i++)
            push(r, i, pos - i < FULL_PUSHES);
    }
    r->pos = pos;
    r->tui.dirty = true;
}

/* Milliseconds from pos to pos+1 at the current speed. */
static int64_t step_ms(const struct replay *r)
{
    const struct snapshot *a = &r->snaps[r->pos];
    const struct snapshot *b = r->pos + 1 < (long)r->n ? &r->snaps[r->pos + 1] : a;
    double dt = a->has_time && b->has_time && b->time > a->time ? b->time - a->time
                                                                : IDLE_STEP_MS / 1000.0;
    if (dt > 5)
        dt = 5; /* a long pause in the capture is not worth waiting for */
    return (int64_t)(dt * 1000.0 / r->tui.v.speed);
}

static bool on_key(struct replay *r, enum ui_action a)
{
    struct view *v = &r->tui.v;
    switch (a) {
    case UI_QUIT: return false;
    case UI_PAUSE: r->playing = !r->playing; r->step_at = now_ms() + step_ms(r); break;
    case UI_STEP_BACK: r->playing = false; go_to(r, r->pos - 1); break;
    case UI_STEP_FORWARD: r->playing = false; go_to(r, r->pos + 1); break;
    case UI_HOME: go_to(r, 0); break;
    case UI_END: go_to(r, (long)r->n - 1); break;
    case UI_SLOWER: v->speed = v->speed / 2 < 1.0 / 64 ? 1.0 / 64 : v->speed / 2; break;
    case UI_FASTER: v->speed = v->speed * 2 > 64 ? 64 : v->speed * 2; break;
    default: tui_apply(&r->tui, a); break;
    }
    r->tui.dirty = true;
    return true;
}

static void update_view(struct replay *r)
{
    struct view *v = &r->tui.v;
    const struct snapshot *s = &r->snaps[r->pos];
    v->pos = r->pos;
    v->count = (long)r->n;
    v->playing = r->playing;
    v->paused = !r->playing;
    v->now = s->has_time ? s->time : (double)r->pos;
    v->last_sample_age = -1;
}

static void run(struct replay *r)
{
    go_to(r, 0);
    for (;;) {
        int64_t now = now_ms();
        if (r->playing && now >= r->step_at) {
            if (r->pos + 1 < (long)r->n)
                go_to(r, r->pos + 1);
            else
                r->playing = false;
            r->step_at = now + step_ms(r);
        }
        update_view(r);
        tui_frame(&r->tui, now, false);
        int64_t f = tui_next_frame(&r->tui, now);
        int64_t wait = r->playing ? r->step_at - now : 1000;
        if (f >= 0 && f < wait)
            wait = f;
        struct pollfd p = {.fd = ui_input_fd(), .events = POLLIN};
        poll(&p, 1, wait > 0 ? (int)wait : 0);
        if (stop_signal)
            return; /* Ctrl-C, SIGTERM, SIGHUP: leave like q */
        for (enum ui_action a; (a = ui_read_key(true)) != UI_NONE;)
            if (!on_key(r, a))
                return;
    }
}

int replay_run(const struct replay_opts *o, struct hw_err *err)
{
    struct replay r = {.pos = -1};
    bool from_stdin = strcmp(o->file, "-") == 0;
    char why[128];
    if (!isatty(STDOUT_FILENO) || (!from_stdin && !isatty(STDIN_FILENO))) {
        hw_err_set(err, HW_EARG, "replay needs a terminal");
        hw_err_hint(err, "for text, use: heapwatch analyze -d %s", o->file);
        return HW_EARG;
    }
    if (from_stdin && isatty(STDIN_FILENO)) {
        hw_err_set(err, HW_EARG, "replay -: standard input is the terminal, not a capture");
        hw_err_hint(err, "pipe one in: heapwatch replay - < capture.log");
        return HW_EARG;
    }
    if (!ui_usable(why, sizeof(why))) {
        hw_err_set(err, HW_EIO, "cannot replay in this terminal: %s", why);
        hw_err_hint(err, "set TERM to your terminal (e.g. TERM=xterm-256color), or for text: "
                         "heapwatch analyze -d %s", o->file);
        return HW_EIO;
    }
    int rc = load(&r, o->file, err);
    if (rc == HW_OK) {
        mark_gaps(&r);
        /* ours before ncurses', so a signal ends the loop and tui_close runs */
        struct sigaction sa = {.sa_handler = on_signal};
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        if (tui_open(&r.tui, &o->ui, o->file, true) != HW_OK)
            rc = hw_err_set(err, HW_EIO, "cannot use this terminal for the full-screen UI");
    }
    if (rc == HW_OK) {
        if (r.truncated) {
            struct hw_err e = {0};
            hw_err_set(&e, HW_OK, "capture too large to replay whole: showing its first %zu dumps",
                       r.n);
            tui_say(&r.tui, &e);
        }
        run(&r);
        tui_close(&r.tui);
    }
    for (size_t i = 0; i < r.cap; i++)
        snapshot_fini(&r.snaps[i]);
    free(r.snaps);
    free(r.gap_before);
    free(r.gaps);
    return rc;
}
