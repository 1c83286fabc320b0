/* SPDX-License-Identifier: MIT */
/* replay.c - `heapwatch replay`: the full-screen UI over a capture of any
 * size. One pass through the capture reader indexes the file: per dump,
 * where it starts, where the reader stood, and its trend point. The trends
 * come from the index; a dump itself is parsed again from its offset when
 * it is shown. Standard input, a pipe and UTF-16 files cannot be read
 * twice: they keep a bounded window of the last dumps, and say so. Owns
 * the position and the playback clock; drawing and display actions are
 * tui.c's. */
#include "replay.h"
#include "capture.h"
#include "history.h"
#include "input.h"
#include "tui.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    FULL_PUSHES = 64,   /* dumps parsed again when jumping: enough for the ages */
    IDLE_STEP_MS = 1000,
    READ_CHUNK = 1 << 16,
};

/* A window over a stream that cannot be read twice keeps at most this
 * many map blocks (bytes) of its last dumps, and this many dumps. */
#define WINDOW_BLOCKS ((size_t)32 * 1024 * 1024)
#define WINDOW_DUMPS 4096

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

/* One dump, as the index keeps it. */
struct mark {
    uint64_t offset;       /* where it begins in the file */
    long line;
    struct capture_pos at; /* the reader's state there */
    struct hist_point pt;  /* its trend point (gap_before included) */
};

struct replay {
    struct sink sink;      /* the indexing pass's sink */
    const char *path;
    int fd;                /* -1 in window mode */
    bool window;           /* a stream: dumps kept, not parsed again */
    struct mark *marks;
    size_t n, cap;
    bool gap_next;
    struct capture_reader *rd; /* the indexing reader (for its position) */
    /* window mode: the last dumps themselves, oldest first, in a ring */
    struct snapshot *kept;
    size_t kept_first, kept_blocks;
    long dropped;          /* dumps that fell out of the window */
    /* parsing one dump again */
    struct snapshot one;
    bool got_one;
    struct tui *tui;
    long pos;
    bool playing;
    double speed;
    int64_t step_at;       /* when playback moves on */
};

/* ---- the index ---- */

static void keep(struct replay *r, const struct snapshot *s)
{
    size_t blocks = s->has_metrics ? s->metrics.blocks : 0;
    while (r->n && (r->n >= WINDOW_DUMPS || r->kept_blocks + blocks > WINDOW_BLOCKS)) {
        /* the oldest goes: marks and kept snapshots shift together */
        struct snapshot *old = &r->kept[r->kept_first];
        r->kept_blocks -= old->has_metrics ? old->metrics.blocks : 0;
        snapshot_fini(old);
        r->kept_first = (r->kept_first + 1) % WINDOW_DUMPS;
        memmove(r->marks, r->marks + 1, (r->n - 1) * sizeof(*r->marks));
        r->n--;
        r->dropped++;
    }
    if (!r->kept)
        r->kept = xcalloc(WINDOW_DUMPS, sizeof(*r->kept));
    snapshot_copy(&r->kept[(r->kept_first + r->n) % WINDOW_DUMPS], s);
    r->kept_blocks += blocks;
}

static void index_snapshot(struct replay *r, const struct snapshot *s)
{
    if (r->window)
        keep(r, s);
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 1024;
        r->marks = xrealloc(r->marks, r->cap * sizeof(*r->marks));
    }
    struct mark *m = &r->marks[r->n++];
    m->offset = s->offset;
    m->line = s->line;
    m->at = capture_reader_pos(r->rd);
    /* read again from its first line, whose time is its own: what came
     * after it must not hold that time back */
    m->at.last = s->has_time ? s->time : 0;
    m->pt = history_point(s);
    m->pt.gap_before = r->gap_next;
    r->gap_next = false;
}

static int index_item(struct sink *sk, const struct hw_item *it, struct hw_err *err)
{
    struct replay *r = (struct replay *)sk;
    if (it->kind == HW_ITEM_SNAPSHOT)
        index_snapshot(r, it->snap);
    else if (it->kind == HW_ITEM_EVENT && (!strcmp(it->event, "gap") || !strcmp(it->event, "reset")))
        r->gap_next = true; /* the trends break there */
    return HW_OK;
}

static int index_close(struct sink *sk, struct hw_err *err)
{
    return HW_OK; /* the replay is its own owner */
}

static const struct sink_ops index_ops = {index_item, index_close};

static void index_chunk(const char *buf, size_t n, void *ctx)
{
    capture_reader_feed(((struct replay *)ctx)->rd, buf, n);
}

/* A file that can be read again at any offset: regular, and not UTF-16
 * (whose offsets after decoding are not the file's). */
static bool seekable(const char *path)
{
    struct stat st;
    if (!strcmp(path, "-") || stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    unsigned char head[16] = {0};
    ssize_t n = fd >= 0 ? read(fd, head, sizeof(head)) : -1;
    if (fd >= 0)
        close(fd);
    return !input_is_utf16(head, n > 0 ? (size_t)n : 0);
}

static int build_index(struct replay *r, struct hw_err *err)
{
    struct stream st;
    stream_init(&st);
    r->sink.ops = &index_ops;
    stream_add(&st, &r->sink, false);
    r->window = !seekable(r->path);
    r->rd = capture_reader_new(0, &st);
    int rc = input_read(r->path, index_chunk, r, NULL, err);
    capture_reader_flush(r->rd);
    capture_reader_free(r->rd);
    r->rd = NULL;
    stream_close(&st, NULL);
    if (rc == HW_OK && r->n == 0)
        rc = hw_err_set(err, HW_EPARSE, "%s: no mem_info output found", input_name(r->path));
    if (rc == HW_OK && !r->window) {
        r->fd = open(r->path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0)
            rc = hw_err_set(err, hw_from_errno(errno), "cannot open %s: %s", r->path,
                            strerror(errno));
    }
    return rc;
}

/* ---- one dump, parsed again ---- */

static int one_item(struct sink *sk, const struct hw_item *it, struct hw_err *err)
{
    struct replay *r = (struct replay *)sk;
    if (it->kind == HW_ITEM_SNAPSHOT && !r->got_one) {
        snapshot_copy(&r->one, it->snap);
        r->got_one = true;
    }
    return HW_OK;
}

static const struct sink_ops one_ops = {one_item, index_close};

/* Dump i as the indexing pass saw it: from the window, or read again from
 * its offset until the reader delivers it. NULL if the file changed. */
static const struct snapshot *dump_at(struct replay *r, long i)
{
    if (r->window)
        return &r->kept[(r->kept_first + (size_t)i) % WINDOW_DUMPS];
    const struct mark *m = &r->marks[i];
    struct stream st;
    stream_init(&st);
    r->sink.ops = &one_ops;
    stream_add(&st, &r->sink, false);
    struct capture_reader *rd = capture_reader_new(0, &st);
    capture_reader_seek(rd, &m->at, m->offset);
    r->got_one = false;
    char *buf = xmalloc(READ_CHUNK);
    for (off_t off = (off_t)m->offset; !r->got_one;) {
        ssize_t n = pread(r->fd, buf, READ_CHUNK, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            capture_reader_flush(rd);
            break;
        }
        capture_reader_feed(rd, buf, (size_t)n);
        off += n;
    }
    free(buf);
    capture_reader_free(rd);
    stream_close(&st, NULL);
    if (!r->got_one)
        return NULL;
    r->one.seq = i; /* as the first pass numbered it */
    r->one.line = m->line;
    return &r->one;
}

/* ---- playback ---- */

static void push(struct replay *r, long i, bool full)
{
    struct history *h = tui_history(r->tui);
    if (r->marks[i].pt.gap_before)
        history_gap(h);
    const struct snapshot *s = full ? dump_at(r, i) : NULL;
    if (s)
        tui_push(r->tui, s);
    else
        history_push_point(h, &r->marks[i].pt);
}

/* Show position pos: one step forward is one push; any other move
 * rebuilds the trends up to pos from the index, and parses the last
 * FULL_PUSHES dumps again for the ages. */
static void go_to(struct replay *r, long pos)
{
    struct history *h = tui_history(r->tui);
    if (pos < 0)
        pos = 0;
    if (pos >= (long)r->n)
        pos = (long)r->n - 1;
    if (pos == r->pos + 1 && history_total(h) > 0) {
        push(r, pos, true);
    } else if (pos != r->pos || history_total(h) == 0) {
        history_clear(h);
        long first = pos - TUI_TREND_CAP + 1 > 0 ? pos - TUI_TREND_CAP + 1 : 0;
        for (long i = first; i <= pos; i++)
            push(r, i, pos - i < FULL_PUSHES);
    }
    r->pos = pos;
}

/* Milliseconds from pos to pos+1 at the current speed. */
static int64_t step_ms(const struct replay *r)
{
    const struct hist_point *a = &r->marks[r->pos].pt;
    const struct hist_point *b = r->pos + 1 < (long)r->n ? &r->marks[r->pos + 1].pt : a;
    double dt = b->time > a->time ? b->time - a->time : IDLE_STEP_MS / 1000.0;
    if (dt > 5)
        dt = 5; /* a long pause in the capture is not worth waiting for */
    return (int64_t)(dt * 1000.0 / r->speed);
}

static bool on_key(struct replay *r, enum ui_action a)
{
    switch (a) {
    case UI_QUIT: return false;
    case UI_PAUSE: r->playing = !r->playing; r->step_at = now_ms() + step_ms(r); break;
    case UI_STEP_BACK: r->playing = false; go_to(r, r->pos - 1); break;
    case UI_STEP_FORWARD: r->playing = false; go_to(r, r->pos + 1); break;
    case UI_HOME: go_to(r, 0); break;
    case UI_END: go_to(r, (long)r->n - 1); break;
    case UI_SLOWER: r->speed = r->speed / 2 < 1.0 / 64 ? 1.0 / 64 : r->speed / 2; break;
    case UI_FASTER: r->speed = r->speed * 2 > 64 ? 64 : r->speed * 2; break;
    default: tui_apply(r->tui, a); break;
    }
    return true;
}

static void show(struct replay *r)
{
    tui_set_replay(r->tui, r->pos, (long)r->n, r->playing, r->speed, r->marks[r->pos].pt.time);
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
        show(r);
        tui_frame(r->tui, now, 0);
        int64_t f = tui_next_frame(r->tui, now);
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

static int check_terminal(const struct replay_opts *o, struct hw_err *err)
{
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
    return HW_OK;
}

static void replay_free(struct replay *r)
{
    if (r->kept)
        for (size_t i = 0; i < WINDOW_DUMPS; i++)
            snapshot_fini(&r->kept[i]);
    free(r->kept);
    free(r->marks);
    snapshot_fini(&r->one);
    if (r->fd >= 0)
        close(r->fd);
}

int replay_run(const struct replay_opts *o, struct hw_err *err)
{
    struct replay r = {.path = o->file, .fd = -1, .pos = -1, .speed = 1};
    int rc = check_terminal(o, err);
    if (rc == HW_OK)
        rc = build_index(&r, err);
    if (rc == HW_OK) {
        /* ours before ncurses', so a signal ends the loop and tui_close runs */
        struct sigaction sa = {.sa_handler = on_signal};
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        r.tui = tui_open(&o->ui, o->file, true);
        if (!r.tui)
            rc = hw_err_set(err, HW_EIO, "cannot use this terminal for the full-screen UI");
    }
    if (rc == HW_OK) {
        if (r.dropped) {
            struct hw_err e = {0};
            hw_err_set(&e, HW_OK, "%s cannot be read twice: showing its last %zu dumps of %ld",
                       input_name(o->file), r.n, r.dropped + (long)r.n);
            tui_say(r.tui, &e);
        }
        run(&r);
        tui_close(r.tui);
    }
    replay_free(&r);
    return rc;
}
