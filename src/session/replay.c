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
    FULL_PUSHES = 64, /* dumps parsed again when jumping: enough for the ages */
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

/* A dump's trend point as the index keeps it: 24 bytes, so a day of
 * samples a second is 2 MB and a 1 GB capture of a small board's heap
 * (over a million dumps) stays well under 64 MB. Bytes over 4 GiB are
 * counted as 4 GiB - 2. */
struct point {
    double time;
    uint32_t used, free, largest; /* UINT32_MAX: unknown */
    uint16_t frag;                /* fragmentation * 65534; UINT16_MAX: unknown */
    uint8_t gap_before;
};

/* Where the reader can start again: at most every MARK_BYTES of text, so
 * showing any dump parses at most that much, whatever the capture. */
#define MARK_BYTES ((uint64_t)64 * 1024)
struct mark {
    uint64_t offset; /* where dump first begins in the file */
    size_t first;    /* its index */
    long line;
    struct capture_pos at; /* the reader's state there */
};

struct replay {
    struct sink sink; /* the indexing pass's sink */
    const char *path;
    int fd;            /* -1 in window mode */
    bool window;       /* a stream: dumps kept, not parsed again */
    struct point *pts; /* one per dump */
    size_t n, cap;
    struct mark *marks; /* in file order */
    size_t n_marks, cap_marks;
    bool gap_next;
    struct capture_reader *rd; /* the indexing reader (for its position) */
    /* window mode: the last dumps themselves, oldest first, in a ring */
    struct snapshot *kept;
    size_t kept_first, kept_blocks;
    long dropped; /* dumps that fell out of the window */
    /* parsing dumps again: from a mark, delivering [want_from, want_to] */
    size_t seen, want_from, want_to;
    struct tui *tui;
    long pos;
    bool playing;
    double speed;
    int64_t step_at; /* when playback moves on */
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
        memmove(r->pts, r->pts + 1, (r->n - 1) * sizeof(*r->pts));
        r->n--;
        r->dropped++;
    }
    if (!r->kept)
        r->kept = xcalloc(WINDOW_DUMPS, sizeof(*r->kept));
    snapshot_copy(&r->kept[(r->kept_first + r->n) % WINDOW_DUMPS], s);
    r->kept_blocks += blocks;
}

static uint32_t u32(uint64_t v)
{
    return v == UINT64_MAX ? UINT32_MAX : v >= UINT32_MAX ? UINT32_MAX - 1 : (uint32_t)v;
}

static uint64_t u64(uint32_t v)
{
    return v == UINT32_MAX ? UINT64_MAX : v;
}

static struct point point_of(const struct snapshot *s)
{
    struct hist_point h = history_point(s);
    return (struct point){
        .time = h.time,
        .used = u32(h.used),
        .free = u32(h.free),
        .largest = u32(h.largest_free),
        .frag = h.frag < 0 ? UINT16_MAX : (uint16_t)(h.frag * 65534.0 + 0.5),
    };
}

static struct hist_point hist_of(const struct point *p)
{
    return (struct hist_point){
        .time = p->time,
        .used = u64(p->used),
        .free = u64(p->free),
        .largest_free = u64(p->largest),
        .gap_before = p->gap_before,
        .frag = p->frag == UINT16_MAX ? -1 : p->frag / 65534.0,
    };
}

static void add_mark(struct replay *r, const struct snapshot *s)
{
    if (r->n_marks == r->cap_marks) {
        r->cap_marks = r->cap_marks ? r->cap_marks * 2 : 64;
        r->marks = xrealloc(r->marks, r->cap_marks * sizeof(*r->marks));
    }
    struct mark *m = &r->marks[r->n_marks++];
    m->offset = s->offset;
    m->first = r->n;
    m->line = s->line;
    m->at = capture_reader_pos(r->rd);
    /* read again from its first line, whose time is its own: what came
     * after it must not hold that time back */
    m->at.last = s->has_time ? s->time : 0;
}

static void index_snapshot(struct replay *r, const struct snapshot *s)
{
    if (r->window) {
        keep(r, s);
    } else {
        const struct mark *last = r->n_marks ? &r->marks[r->n_marks - 1] : NULL;
        struct capture_pos at = capture_reader_pos(r->rd);
        /* a new mark every MARK_BYTES, and where a record session begins */
        if (!last || s->offset - last->offset >= MARK_BYTES || at.base != last->at.base ||
            at.record != last->at.record)
            add_mark(r, s);
    }
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 1024;
        r->pts = xrealloc(r->pts, r->cap * sizeof(*r->pts));
    }
    struct point *p = &r->pts[r->n++];
    *p = point_of(s);
    p->gap_before = r->gap_next;
    r->gap_next = false;
}

static int index_item(struct sink *sk, const struct hw_item *it, struct hw_err *err)
{
    struct replay *r = (struct replay *)sk;
    if (it->kind == HW_ITEM_SNAPSHOT)
        index_snapshot(r, it->snap);
    else if (it->kind == HW_ITEM_EVENT &&
             (!strcmp(it->event, "gap") || !strcmp(it->event, "reset")))
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

/* ---- dumps, parsed again ---- */

/* The mark to read dump i from: the last one at or before it. */
static const struct mark *mark_for(const struct replay *r, size_t i)
{
    size_t lo = 0, hi = r->n_marks;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (r->marks[mid].first <= i)
            lo = mid;
        else
            hi = mid;
    }
    return &r->marks[lo];
}

static int again_item(struct sink *sk, const struct hw_item *it, struct hw_err *err)
{
    struct replay *r = (struct replay *)sk;
    if (it->kind != HW_ITEM_SNAPSHOT)
        return HW_OK;
    size_t i = r->seen++;
    if (i < r->want_from || i > r->want_to)
        return HW_OK;
    if (r->pts[i].gap_before)
        history_gap(tui_history(r->tui));
    tui_push(r->tui, it->snap);
    return HW_OK;
}

static const struct sink_ops again_ops = {again_item, index_close};

/* Push dumps [from, to] into the UI's history, read again from the mark
 * at or before from. */
static void push_range(struct replay *r, size_t from, size_t to)
{
    if (r->window) {
        for (size_t i = from; i <= to; i++) {
            if (r->pts[i].gap_before)
                history_gap(tui_history(r->tui));
            tui_push(r->tui, &r->kept[(r->kept_first + i) % WINDOW_DUMPS]);
        }
        return;
    }
    const struct mark *m = mark_for(r, from);
    struct stream st;
    stream_init(&st);
    r->sink.ops = &again_ops;
    stream_add(&st, &r->sink, false);
    struct capture_reader *rd = capture_reader_new(0, &st);
    capture_reader_seek(rd, &m->at, m->offset);
    capture_reader_number(rd, (long)m->first); /* as the first pass numbered them */
    r->seen = m->first;
    r->want_from = from;
    r->want_to = to;
    char *buf = xmalloc(READ_CHUNK);
    for (off_t off = (off_t)m->offset; r->seen <= to;) {
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
}

/* ---- playback ---- */

/* Show position pos: one step forward parses one dump; any other move
 * rebuilds the trends up to pos from the index (every point from the
 * first, for the whole-session overview: End of 1,440,000 dumps shows in
 * 0.1 s, bench/replay.sh), and parses the last FULL_PUSHES dumps again
 * for the ages. */
static void go_to(struct replay *r, long pos)
{
    struct history *h = tui_history(r->tui);
    if (pos < 0)
        pos = 0;
    if (pos >= (long)r->n)
        pos = (long)r->n - 1;
    if (pos == r->pos + 1 && history_total(h) > 0) {
        push_range(r, (size_t)pos, (size_t)pos);
    } else if (pos != r->pos || history_total(h) == 0) {
        history_clear(h);
        long parsed = pos - FULL_PUSHES + 1 > 0 ? pos - FULL_PUSHES + 1 : 0;
        for (long i = 0; i < parsed; i++) {
            struct hist_point p = hist_of(&r->pts[i]);
            history_push_point(h, &p);
        }
        push_range(r, (size_t)parsed, (size_t)pos);
    }
    r->pos = pos;
}

/* Milliseconds from pos to pos+1 at the current speed. */
static int64_t step_ms(const struct replay *r)
{
    const struct point *a = &r->pts[r->pos];
    const struct point *b = r->pos + 1 < (long)r->n ? &r->pts[r->pos + 1] : a;
    double dt = b->time > a->time ? b->time - a->time : IDLE_STEP_MS / 1000.0;
    if (dt > 5)
        dt = 5; /* a long pause in the capture is not worth waiting for */
    return (int64_t)(dt * 1000.0 / r->speed);
}

static bool on_key(struct replay *r, enum ui_action a)
{
    switch (a) {
    case UI_QUIT:
        return false;
    case UI_PAUSE:
        r->playing = !r->playing;
        r->step_at = now_ms() + step_ms(r);
        break;
    case UI_STEP_BACK:
        r->playing = false;
        go_to(r, r->pos - 1);
        break;
    case UI_STEP_FORWARD:
        r->playing = false;
        go_to(r, r->pos + 1);
        break;
    case UI_HOME:
        go_to(r, 0);
        break;
    case UI_END:
        go_to(r, (long)r->n - 1);
        break;
    case UI_SLOWER:
        r->speed = r->speed / 2 < 1.0 / 64 ? 1.0 / 64 : r->speed / 2;
        break;
    case UI_FASTER:
        r->speed = r->speed * 2 > 64 ? 64 : r->speed * 2;
        break;
    default:
        tui_apply(r->tui, a);
        break;
    }
    return true;
}

static void show(struct replay *r)
{
    tui_set_replay(r->tui, r->pos, (long)r->n, r->playing, r->speed, r->pts[r->pos].time);
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
        hw_err_hint(err,
                    "set TERM to your terminal (e.g. TERM=xterm-256color), or for text: "
                    "heapwatch analyze -d %s",
                    o->file);
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
    free(r->pts);
    free(r->marks);
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
