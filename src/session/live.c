/* SPDX-License-Identifier: MIT */
/* live.c - live mode: the board as a source of the stream. One poll()
 * loop: transport bytes go to the raw-REPL machine (or, with --listen,
 * straight to the reader) and, as BYTES items, to the capture writer; REPL
 * results go to the reader; snapshots, events and messages go to whatever
 * sinks the session was wired with (capture, JSON, text lines or the
 * full-screen UI). Owns the connection, the schedule, the calibration and
 * the keys; the connection's state is derived from the raw-REPL machine
 * and a few facts it cannot know, never kept twice. Owns no protocol,
 * parsing or formatting rules. */
#include "live.h"
#include "capture.h"
#include "export_json.h"
#include "floor.h"
#include "fmt.h"
#include "memparse.h"
#include "repl.h"
#include "share.h"
#include "text.h"
#include "tui.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum {
    RETRY_MS = 500,        /* reopen attempts while the board is gone */
    BUSY_RETRY_MS = 3000,  /* a busy board is not interrupted more often than this */
    LISTEN_QUIET_MS = 300, /* silence that ends a dump in --listen mode */
    LEAVE_MS = 500,        /* most time given to "\r\x02" on the way out */
    CALIB_TRIES = 3,       /* probes without a dump before giving up */
    CALIB_RETRY_MS = 500,  /* after the first failed probe; doubles */
    FAIL_BACKOFF_MS = 250, /* a sample without a dump delays the next; doubles */
    FAIL_BACKOFF_MAX_MS = 5000,
    CLOCK_SLACK_MS = 250,   /* the board's clock may lag the host's by this much, */
    CLOCK_DRIFT = 100,      /* ... plus 1/100 of the time since it was read */
    RATE_MIN_MS = 50,       /* answers spread over less than this: a fast link */
    SLOW_SAMPLE_MS = 10000, /* a sample this long (and over 2 intervals) is said */
};

/* The board's clock, read once per connection: after a reconnect a clock
 * that went back means the board rebooted while away, and its heap is a
 * fresh one (what a USB board that re-enumerates after machine.reset(), a
 * watchdog or a crash does). Costs one command per connection. */
#define CLOCK_CODE                                                                                 \
    "try:\n import time\nexcept ImportError:\n import utime as time\n"                             \
    "print('@',time.ticks_ms())"
#define GC_CODE "import gc;gc.collect()"

/* What the command in flight is for. */
enum exec_kind { EX_NONE, EX_CLOCK, EX_CALIB, EX_SAMPLE, EX_GC };

/* `g`: a sample, gc.collect() in an exec of its own (some ports, and the
 * simulator's VM, collect only once a command has returned), then a
 * sample: before and after are both fresh. */
enum gc_step { GC_IDLE, GC_BEFORE, GC_COLLECT, GC_AFTER };

/* The connection's state, for the UI and the loop: computed by
 * conn_state() from the facts below, never assigned. */
enum conn {
    CONN_SYNCING,
    CONN_CALIBRATING,
    CONN_READY,
    CONN_SAMPLING,
    CONN_LISTENING,
    CONN_LOST,
    CONN_BUSY,
    CONN_SHARED /* --share: the other program has the board */
};

struct link {
    struct transport *t; /* NULL while the board is gone */
    struct repl *repl;   /* NULL with --listen */
    char spec[1024];     /* what to reopen: the resolved path or exec: spec */
    char usb_serial[128];
    bool ever_ready;
    int64_t retry_at;   /* gone: the next reopen */
    int64_t busy_until; /* the sync failed: the next try; 0 = none */
    int64_t last_rx;    /* --listen: last bytes, to end a dump on silence */
    int64_t last_heard; /* --listen: last bytes, to report silence */
    bool silent_said;
    int64_t stalled_from;           /* a command timed out: the last byte before; 0 = none */
    char said_last[96];             /* before the first prompt: the last line it sent, escaped */
    size_t text_bytes, other_bytes; /* ...and how much of it was text */
    char err_line[256];             /* a partial line of the exec: child's stderr */
    size_t err_len;
    bool has_clock; /* the board's clock at the first connection */
    uint64_t clock_ms;
    int64_t clock_host;
    bool no_clock;     /* it cannot tell the time: no reboot check */
    bool in_traceback; /* the board's output outside samples is in a traceback */
};

struct calib {
    int n;            /* dumps seen in this attempt */
    int tries;        /* attempts spoilt by a collection in between */
    int failures;     /* probes that brought back no dump */
    int64_t retry_at; /* the next probe after a failure; 0 = none pending */
    char answer[160]; /* what the board said instead of a dump, escaped */
    uint64_t used[2];
    uint64_t alloc[2]; /* mem: total= (MEM_STATS ports) */
    bool has_alloc;
    uint64_t heap_total; /* GC: total:, to size the exec deadline */
    /* the link's rate, from the probes' answers: bytes after each answer's
     * first read, over the time from that read to its last one */
    int64_t rx_first, rx_last;
    uint64_t rx_bytes, wire_bytes;
    int64_t wire_ms;
};

struct sampler {
    const char *code; /* what one sample runs */
    enum exec_kind in_flight;
    bool scheduled; /* the sample in flight is a scheduled one */
    int64_t next;   /* the next scheduled sample */
    long samples;
    int failures; /* samples in a row that brought back no dump */
    bool paused, one_sample, gc_pending;
    enum gc_step gc_step;
    struct ui_gc_compare gc; /* the figures before the collection */
    int64_t sent_at;         /* the command in flight was sent */
    bool slow_said;          /* "each sample takes ..." was said */
    bool answer_seen;        /* the answer's "OK" has arrived: line_no is known */
    bool first_line;         /* the answer's first line has arrived */
    double line_t;           /* ...at this time */
    long line_no;            /* ...as this line of the capture */
};

struct live {
    const struct live_opts *o;
    struct link c;
    struct calib cal;
    struct sampler smp;
    bool calibrating;
    struct memparse *mp;     /* samples */
    struct memparse *cal_mp; /* calibration probes */
    struct stream st;
    struct capture_writer *w; /* the transcript: counts lines, writes when recording;
                               * owned by st */
    struct tui *tui;          /* NULL without the full-screen UI */
    struct share *sh;         /* --share's pty; NULL without */
    struct floor fl;          /* who talks to the board, with --share */
    char *held;               /* their bytes while heapwatch finishes its exchange */
    size_t held_n, held_cap;
    struct hw_probe probe;
    int64_t t0;
    int64_t ended; /* when the loop ended (before the board is given back) */
    double wall0;  /* wall clock at t0: the capture's start= */
    bool heard;    /* the board ever sent a byte */
    double rx_t;   /* --listen: when the bytes being parsed arrived */
    bool stop;
    struct hw_err fatal;
    struct hw_err record_lost; /* the record failed (a full disk): exit 1 at the end */
    char last_msg[256];        /* messages only when they change */
};

static int sig_pipe[2] = {-1, -1};

static void on_signal(int sig)
{
    int saved = errno;
    unsigned char b = (unsigned char)sig;
    if (write(sig_pipe[1], &b, 1) < 0) {
        /* the pipe is full: a stop is already pending */
    }
    errno = saved;
}

static const char *live_probe_code(bool gc, bool no_map)
{
    if (gc)
        return no_map ? "import gc,micropython;gc.collect();micropython.mem_info()"
                      : "import gc,micropython;gc.collect();micropython.mem_info(1)";
    return no_map ? "import micropython;micropython.mem_info()"
                  : "import micropython;micropython.mem_info(1)";
}

static double elapsed(const struct live *l)
{
    return (double)(now_ms() - l->t0) / 1000.0;
}

static enum conn conn_state(const struct live *l)
{
    if (!l->c.t)
        return CONN_LOST;
    if (l->o->listen)
        return CONN_LISTENING;
    if (l->fl.state == FLOOR_THEIRS)
        return CONN_SHARED;
    if (l->calibrating)
        return CONN_CALIBRATING;
    switch (repl_state(l->c.repl)) {
    case REPL_READY:
        return l->smp.in_flight == EX_CLOCK ? CONN_SYNCING : CONN_READY;
    case REPL_RUNNING:
        return l->smp.in_flight == EX_CLOCK ? CONN_SYNCING : CONN_SAMPLING;
    case REPL_IDLE:
        return l->c.busy_until ? CONN_BUSY : CONN_SYNCING;
    default:
        return CONN_SYNCING;
    }
}

/* Say something once; the same message again (a retry failing the same
 * way) stays quiet, as tio does with its last errno. */
__attribute__((format(printf, 3, 4))) static void say(struct live *l, int code, const char *fmt,
                                                      ...)
{
    struct hw_err e = {.code = code};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
    va_end(ap);
    if (strcmp(e.msg, l->last_msg) == 0)
        return;
    snprintf(l->last_msg, sizeof(l->last_msg), "%s", e.msg);
    stream_message(&l->st, &e);
}

static void event(struct live *l, const char *kind, const char *detail)
{
    stream_event(&l->st, elapsed(l), kind, detail);
}

static void stop_with(struct live *l, const struct hw_err *e)
{
    if (!l->fatal.code)
        l->fatal = *e;
    event(l, "error", e->msg); /* the record and the JSON say how it ended */
    l->stop = true;
}

/* ---- samples ---- */

static void figures(const struct snapshot *s, uint64_t *used, uint64_t *largest, double *frag)
{
    *used = snapshot_used_bytes(s);
    *largest = snapshot_largest_free_bytes(s);
    *frag = snapshot_fragmentation(s);
}

/* `g`: what the collection gave back, between the samples just before
 * and just after it. */
static void gc_result(struct live *l, const struct snapshot *s)
{
    char a[16], b[16], c[16], d[16], back[16] = "nothing";
    struct ui_gc_compare *g = &l->smp.gc;
    figures(s, &g->used_after, &g->largest_after, &g->frag_after);
    g->valid = true;
    if (g->used_before != UINT64_MAX && g->used_after < g->used_before)
        fmt_bytes(back, sizeof(back), g->used_before - g->used_after);
    if (l->tui)
        tui_set_gc(l->tui, g);
    say(l, HW_OK, "gc.collect() gave back %s: used %s -> %s, largest free run %s -> %s", back,
        fmt_bytes(a, sizeof(a), g->used_before), fmt_bytes(b, sizeof(b), g->used_after),
        fmt_bytes(c, sizeof(c), g->largest_before), fmt_bytes(d, sizeof(d), g->largest_after));
    event(l, "gc", l->last_msg);
}

static void on_sample(const struct snapshot *s, void *ctx)
{
    struct live *l = ctx;
    if (l->o->count && l->smp.samples >= l->o->count)
        return; /* --listen: a dump that ended after the last one asked for */
    l->smp.samples++;
    if (l->smp.gc_step == GC_BEFORE) {
        l->smp.gc = (struct ui_gc_compare){0};
        figures(s, &l->smp.gc.used_before, &l->smp.gc.largest_before, &l->smp.gc.frag_before);
    }
    stream_snapshot(&l->st, s);
    if (l->smp.gc_step == GC_AFTER)
        gc_result(l, s);
    struct check_result r;
    if (l->o->fail_fast && !l->stop && judge_failed_early(l->o->judge, &r)) {
        say(l, HW_OK, "stopping at the first failed check (--fail-fast): %s", r.check->expr);
        l->stop = true;
    }
}

/* ---- calibration ---- */

static void calibrate_snapshot(const struct snapshot *s, void *ctx)
{
    struct live *l = ctx;
    struct calib *c = &l->cal;
    if (c->n < 2 && s->has_gc) {
        c->used[c->n] = s->gc_used;
        c->alloc[c->n] = s->mem_total;
        c->has_alloc = s->has_mem;
        c->heap_total = s->gc_total;
        c->n++;
    }
}

/* Bytes per second the link carries: --baud (115200 if not given), or
 * what the probes' answers measured when that is slower (a pty or exec:
 * has no baud rate of its own, the UART behind it has). */
static double link_rate(const struct live *l)
{
    const struct calib *c = &l->cal;
    double bps = (l->o->topts.baud > 0 ? l->o->topts.baud : 115200) / 10.0;
    if (c->wire_ms >= RATE_MIN_MS) {
        double measured = (double)c->wire_bytes * 1000.0 / (double)c->wire_ms;
        if (measured > 0 && measured < bps)
            bps = measured;
    }
    return bps;
}

/* A sample's deadline grows with the heap: a map prints about 75 bytes per
 * 64 blocks of 16 bytes, so an 8 MiB PSRAM heap is ~600 KB, almost a
 * minute at 115200 baud and over ten at 9600. Allow twice the wire time of
 * a map with no "(N lines all free)" abbreviation at the link's rate, and
 * never less than the default. */
static void size_exec_deadline(struct live *l, uint64_t heap_total)
{
    double map_bytes = (double)heap_total / 16.0 / 64.0 * 75.0;
    double ms = 2.0 * map_bytes / link_rate(l) * 1000.0;
    if (ms > 30000)
        repl_set_exec_timeout(l->c.repl, ms > 3600000 ? 3600000 : (int)ms);
}

/* The probes' answers, read by read: the link's rate (see link_rate). */
static void measure_rate(struct live *l, size_t n, int64_t now)
{
    struct calib *c = &l->cal;
    if (!c->rx_first) {
        c->rx_first = now;
    } else {
        c->wire_bytes += n;
    }
    c->rx_last = now;
    c->rx_bytes += n;
}

static void rate_exec_done(struct calib *c)
{
    if (c->rx_first)
        c->wire_ms += c->rx_last - c->rx_first;
    c->rx_first = 0;
}

/* The probe that calibrates is the one that is sent (with its
 * gc.collect() under --gc), without its map, to stay cheap on huge heaps:
 * the map's text does not change what the command leaves on the heap. */
static const char *calib_code(const struct live *l)
{
    return live_probe_code(l->o->gc, true);
}

static void exec(struct live *l, enum exec_kind kind, const char *code)
{
    if (repl_exec(l->c.repl, code, now_ms()) == HW_OK) {
        l->smp.sent_at = now_ms();
        l->smp.in_flight = kind;
        l->smp.answer_seen = l->smp.first_line = false;
    }
}

static void calibration_start(struct live *l)
{
    l->calibrating = true;
    l->cal = (struct calib){0};
    event(l, "calibrate", calib_code(l));
    exec(l, EX_CALIB, calib_code(l));
}

static void calibration_done(struct live *l)
{
    struct calib *c = &l->cal;
    l->calibrating = false;
    if (c->n == 2 && c->used[1] >= c->used[0]) {
        l->probe.measured = true;
        l->probe.bytes = (long)(c->used[1] - c->used[0]);
        l->probe.allocated = c->has_alloc ? (long)(c->alloc[1] - c->alloc[0]) : -1;
    }
    struct hw_item it = {.kind = HW_ITEM_PROBE, .probe = &l->probe};
    stream_emit(&l->st, &it);
    size_exec_deadline(l, c->heap_total);
    event(l, "calibrated", NULL);
    l->smp.next = now_ms();
}

/* Three probes without a dump: say what the board answered, once, and
 * stop (the board is then given back at its >>> prompt). */
static void calibration_failed(struct live *l)
{
    struct hw_err e = {0};
    const char *a = l->cal.answer;
    hw_err_set(&e, HW_EPROTO, "%s does not answer micropython.mem_info(): the board answered: %s",
               l->c.spec, a);
    if (strstr(a, "MemoryError"))
        hw_err_hint(&e, "its heap is too full to run even the probe; sample it while the "
                        "program still runs (--listen with its own mem_info calls)");
    else if (strstr(a, "Error"))
        hw_err_hint(&e, "this firmware may be built without micropython.mem_info "
                        "(MICROPY_PY_MICROPYTHON_MEM_INFO)");
    stop_with(l, &e);
}

/* The last line of a traceback ("MemoryError: memory allocation failed"),
 * or with last false the first non-empty line of output. */
static void text_line(const char *text, size_t n, char *out, size_t cap, bool last)
{
    size_t start = 0, end = n;
    if (last) {
        while (end && (text[end - 1] == '\n' || text[end - 1] == '\r'))
            end--;
        start = end;
        while (start && text[start - 1] != '\n')
            start--;
    } else {
        while (start < n && (text[start] == '\n' || text[start] == '\r'))
            start++;
        for (end = start; end < n && text[end] != '\n' && text[end] != '\r';)
            end++;
    }
    snprintf(out, cap, "%.*s", (int)(end - start), text + start);
}

/* What the board printed instead of a dump, for people: the last line of
 * its traceback, else the first line of its output, escaped; "nothing"
 * when it printed nothing. */
static void board_answer(const struct repl_event *ev, char *out, size_t cap)
{
    char line[200];
    bool err = ev->err_len > 0;
    text_line(err ? ev->err : ev->out, err ? ev->err_len : ev->out_len, line, sizeof(line), err);
    if (line[0])
        fmt_escape(line, strlen(line), out, cap);
    else
        snprintf(out, cap, "nothing");
}

/* Two back-to-back probes: the growth of "used" between them is what one
 * sample leaves on the heap (code object, line buffer, garbage until the
 * next collection). A collection in between shows as shrinking; then try
 * again. A probe that brings back no dump (no mem_info on this firmware, a
 * MemoryError, something else printed) is tried again after a pause, at
 * most CALIB_TRIES times. */
static void calibrate_result(struct live *l, const struct repl_event *ev, bool got)
{
    struct calib *c = &l->cal;
    if (!got) {
        board_answer(ev, c->answer, sizeof(c->answer));
        if (++c->failures >= CALIB_TRIES)
            calibration_failed(l);
        else
            c->retry_at = now_ms() + ((int64_t)CALIB_RETRY_MS << (c->failures - 1));
        return;
    }
    if (c->n < 2) {
        exec(l, EX_CALIB, calib_code(l));
    } else if (c->used[1] < c->used[0] && ++c->tries < CALIB_TRIES) {
        c->n = 0;
        exec(l, EX_CALIB, calib_code(l));
    } else {
        calibration_done(l);
    }
}

/* ---- the board's clock ---- */

/* "@ 1422": milliseconds since the board booted. */
static bool parse_clock(const char *out, size_t n, uint64_t *ms)
{
    const char *at = memchr(out, '@', n);
    if (!at || (size_t)(at - out) + 2 >= n)
        return false;
    char *end;
    unsigned long long v = strtoull(at + 1, &end, 10);
    if (end == at + 1)
        return false;
    *ms = v;
    return true;
}

/* A clock that went back since the first connection: the board rebooted
 * while away. Ticks wrap at 2^30 ms on most ports, so a difference within
 * the slack modulo 2^30 is the same run. */
static bool rebooted(const struct link *c, uint64_t ms, int64_t host_now)
{
    const int64_t period = (int64_t)1 << 30;
    int64_t expected = (int64_t)c->clock_ms + (host_now - c->clock_host);
    int64_t slack = CLOCK_SLACK_MS + (host_now - c->clock_host) / CLOCK_DRIFT;
    int64_t d = (int64_t)ms - expected;
    int64_t m = ((d % period) + period) % period;
    return !(llabs(d) < slack || m < slack || period - m < slack);
}

static void clock_result(struct live *l, const struct repl_event *ev)
{
    struct link *c = &l->c;
    uint64_t ms;
    int64_t now = now_ms();
    if (!parse_clock(ev->out, ev->out_len, &ms)) {
        c->no_clock = true;
    } else if (!c->has_clock) {
        c->has_clock = true;
    } else if (rebooted(c, ms, now)) {
        event(l, "reset", "the board rebooted while it was away (its clock went back)");
        say(l, HW_OK, "%s rebooted while it was away; its heap starts afresh", c->spec);
    }
    if (!c->no_clock) {
        c->clock_ms = ms;
        c->clock_host = now;
    }
    if (!c->ever_ready) {
        c->ever_ready = true;
        say(l, HW_OK, "sampling %s through the raw REPL", c->spec);
        calibration_start(l);
        return;
    }
    l->smp.next = now;
}

/* ---- the connection ---- */

static struct repl *new_repl(const struct live_opts *o)
{
    struct repl_config cfg;
    repl_config_default(&cfg);
    cfg.interrupt = o->interrupt;
    cfg.char_timeout_ms = (int)(o->timeout_s * 1000);
    cfg.sync_timeout_ms = (int)(o->timeout_s * 1000);
    return repl_new(&cfg);
}

static void start_session(struct live *l)
{
    l->c.last_rx = l->c.last_heard = now_ms();
    l->c.busy_until = 0;
    l->c.in_traceback = false;
    if (!l->o->listen)
        repl_connect(l->c.repl, now_ms());
}

/* First open: failures here end the run (wrong port, permission, busy). */
static int open_first(struct live *l, struct hw_err *err)
{
    int rc = transport_open(l->o->port, &l->o->topts, &l->c.t, err);
    if (rc)
        return rc;
    snprintf(l->c.spec, sizeof(l->c.spec), "%s", transport_path(l->c.t));
    const char *sn = transport_usb_serial(l->c.t);
    snprintf(l->c.usb_serial, sizeof(l->c.usb_serial), "%s", sn ? sn : "");
    return HW_OK;
}

static void pump_err(struct live *l);
static void feed_sample(struct live *l, const char *out, size_t n);

/* The board went away in the middle of a sample's answer (the micro:bit
 * under QEMU killed after "GC memory layout; from 200004a0:" and one map
 * line): what it sent is in the capture, so it is a sample too, kept and
 * marked cut, as analyze of the capture reads it. */
static void keep_cut_sample(struct live *l)
{
    const char *out;
    size_t n = repl_partial_output(l->c.repl, &out);
    if (l->smp.in_flight == EX_SAMPLE && n)
        feed_sample(l, out, n);
}

static void lost(struct live *l, const struct hw_err *why)
{
    pump_err(l); /* an exec: command's last words say why it went */
    keep_cut_sample(l);
    transport_close(l->c.t);
    l->c.t = NULL;
    l->smp.gc_step = GC_IDLE;
    l->smp.in_flight = EX_NONE;
    l->calibrating = false;
    if (!l->c.ever_ready && !l->o->listen) {
        /* it never answered: a wrong port or a dead command, not an unplug */
        struct hw_err e = *why;
        hw_err_hint(&e, "is a MicroPython board on %s?", l->c.spec);
        stop_with(l, &e);
        return;
    }
    memparse_end_dump(l->mp); /* a dump cut by the unplug is kept, marked cut */
    l->fl.state = FLOOR_OURS; /* a board that comes back is heapwatch's to sync */
    l->held_n = 0;
    event(l, "gap", why->msg);
    say(l, why->code, "%s; waiting for the board to come back", why->msg);
    l->c.retry_at = now_ms() + RETRY_MS;
}

/* Reopen the same board: its USB serial number first (it may come back as
 * another ttyACM after re-enumerating), then the same path. */
static void retry(struct live *l)
{
    char path[1024];
    struct hw_err e = {0};
    l->c.retry_at = now_ms() + RETRY_MS;
    if (!l->c.usb_serial[0] || transport_find_serial(l->c.usb_serial, path, sizeof(path), NULL))
        snprintf(path, sizeof(path), "%s", l->c.spec);
    if (transport_open(path, &l->o->topts, &l->c.t, &e)) {
        say(l, e.code, "%s; still waiting", e.msg);
        return;
    }
    snprintf(l->c.spec, sizeof(l->c.spec), "%s", transport_path(l->c.t));
    event(l, "resume", l->c.spec);
    say(l, HW_OK, "reconnected to %s", l->c.spec);
    start_session(l);
}

/* ---- the raw REPL's events ---- */

static void schedule_next(struct live *l)
{
    int64_t now = now_ms(), step = (int64_t)(l->o->interval_s * 1000);
    l->smp.next = l->smp.next + step > now ? l->smp.next + step : now;
}

/* The next command: a scheduled sample, or one of `g`'s (a sample, the
 * collection, a sample) or `s`'s, which leave the rhythm as it is. */
static void begin_sample(struct live *l, bool scheduled)
{
    struct sampler *p = &l->smp;
    if (!scheduled && p->gc_step == GC_IDLE && p->gc_pending)
        p->gc_step = GC_BEFORE;
    p->gc_pending = false;
    if (p->gc_step == GC_IDLE)
        p->one_sample = false;
    p->scheduled = scheduled;
    if (p->gc_step == GC_COLLECT)
        exec(l, EX_GC, GC_CODE);
    else
        exec(l, EX_SAMPLE, p->code);
}

/* After a sample: the next one at its time; after one that brought back
 * no dump, not before a pause that doubles while it lasts (-i 0 on a board
 * that answers every command with MemoryError must not spin). */
static void after_sample(struct live *l, bool got)
{
    struct sampler *p = &l->smp;
    p->failures = got ? 0 : p->failures + 1;
    if (p->scheduled)
        schedule_next(l);
    if (p->failures) {
        int shift = p->failures - 1 < 5 ? p->failures - 1 : 5;
        int64_t pause = (int64_t)FAIL_BACKOFF_MS << shift;
        int64_t at = now_ms() + (pause < FAIL_BACKOFF_MAX_MS ? pause : FAIL_BACKOFF_MAX_MS);
        if (p->next < at)
            p->next = at;
    }
}

/* `g` goes on: the sample before, the collection, the sample after. A
 * sample that failed ends it (its error was said). */
static void gc_next(struct sampler *p, bool got)
{
    if (p->gc_step == GC_COLLECT)
        p->gc_step = GC_AFTER;
    else if (p->gc_step == GC_BEFORE && got)
        p->gc_step = GC_COLLECT;
    else
        p->gc_step = GC_IDLE;
}

/* A sample's answer to the reader, at the time and line of its first
 * line, as the capture has them. */
static void feed_sample(struct live *l, const char *out, size_t n)
{
    struct sampler *p = &l->smp;
    memparse_set_time(l->mp, p->first_line ? p->line_t : elapsed(l));
    memparse_set_line(l->mp, p->answer_seen ? p->line_no : capture_writer_next_line(l->w));
    memparse_feed(l->mp, out, n);
    memparse_flush(l->mp);
}

/* A sample that takes minutes on a slow link (an 8 MiB heap's map at 9600
 * baud) works, but the user should know why the rate is not -i's, once. */
static void slow_sample(struct live *l, size_t bytes)
{
    struct sampler *p = &l->smp;
    int64_t took = now_ms() - p->sent_at;
    if (p->slow_said || l->o->no_map || took < SLOW_SAMPLE_MS ||
        took < (int64_t)(2000 * l->o->interval_s))
        return;
    char d[16], b[16], r[16];
    p->slow_said = true;
    say(l, HW_OK,
        "each sample of %s takes %s: %s of block map at %s/s; --no-map samples the totals "
        "only, in a fraction of that",
        l->c.spec, fmt_duration(d, sizeof(d), (double)took / 1000.0),
        fmt_bytes(b, sizeof(b), bytes),
        fmt_bytes(r, sizeof(r), (uint64_t)((double)bytes * 1000.0 / (double)took)));
}

static void sample_result(struct live *l, const struct repl_event *ev, enum exec_kind kind)
{
    struct sampler *p = &l->smp;
    bool got = kind == EX_GC; /* the collection prints nothing */
    if (kind == EX_SAMPLE) {
        long before = p->samples;
        feed_sample(l, ev->out, ev->out_len);
        got = p->samples > before;
        if (got)
            slow_sample(l, ev->out_len);
        after_sample(l, got);
    }
    if (p->gc_step != GC_IDLE)
        gc_next(p, got);
}

static void on_result(struct live *l, const struct repl_event *ev)
{
    enum exec_kind kind = l->smp.in_flight;
    l->smp.in_flight = EX_NONE;
    if (ev->err_len && kind != EX_CLOCK) {
        char answer[200];
        board_answer(ev, answer, sizeof(answer));
        event(l, "error", answer);
        say(l, HW_EPROTO, "the board answered: %s", answer);
    }
    switch (kind) {
    case EX_CLOCK:
        clock_result(l, ev);
        break;
    case EX_CALIB: {
        int before = l->cal.n;
        rate_exec_done(&l->cal);
        memparse_feed(l->cal_mp, ev->out, ev->out_len);
        memparse_flush(l->cal_mp);
        calibrate_result(l, ev, l->cal.n > before);
        break;
    }
    case EX_SAMPLE:
    case EX_GC:
        sample_result(l, ev, kind);
        break;
    case EX_NONE:
        break;
    }
}

static void on_ready(struct live *l)
{
    l->c.busy_until = 0;
    if (l->c.stalled_from) { /* the timeouts were said; say that they are over, once */
        char d[16];
        say(l, HW_OK, "%s answers again, after %s of silence", l->c.spec,
            fmt_duration(d, sizeof(d), (double)(now_ms() - l->c.stalled_from) / 1000.0));
        l->c.stalled_from = 0;
    }
    /* every connection reads the board's clock first: after a reconnect,
     * a clock that went back is a reboot */
    if (!l->c.no_clock) {
        exec(l, EX_CLOCK, CLOCK_CODE);
        return;
    }
    if (!l->c.ever_ready) {
        l->c.ever_ready = true;
        say(l, HW_OK, "sampling %s through the raw REPL", l->c.spec);
        calibration_start(l);
        return;
    }
    l->smp.next = now_ms();
}

static void on_timeout(struct live *l, const struct repl_event *ev)
{
    if (l->smp.in_flight == EX_SAMPLE && ev->out_len) { /* a dump the stall cut: kept, cut */
        feed_sample(l, ev->out, ev->out_len);
        memparse_end_dump(l->mp);
    }
    l->smp.in_flight = EX_NONE;
    l->smp.gc_step = GC_IDLE;
    l->calibrating = l->calibrating && repl_state(l->c.repl) != REPL_IDLE;
    if (!l->c.ever_ready && ev->code == HW_EBUSY) {
        struct hw_err e = {0};
        hw_err_set(&e, HW_ETIMEDOUT, "%s does not answer: %s", l->c.spec, ev->msg);
        if (!ev->received)
            hw_err_hint(&e, "nothing came back: is the board powered and running MicroPython, "
                            "and is this its port?");
        else if (l->c.other_bytes * 4 > l->c.text_bytes)
            hw_err_hint(&e, "what it sends is not text: the wrong baud rate? (--baud; "
                            "MicroPython boards mostly use 115200)");
        else if (l->o->interrupt)
            hw_err_hint(&e,
                        "it sends text but no prompt (a program that ignores Ctrl-C, or no "
                        "MicroPython); its last line: %s",
                        l->c.said_last);
        else
            hw_err_hint(&e, "a program is running; allow Ctrl-C (drop --no-interrupt)");
        stop_with(l, &e);
        return;
    }
    event(l, "timeout", ev->msg);
    say(l, ev->code, "%s: %s", l->c.spec, ev->msg);
    if (!l->c.stalled_from)
        l->c.stalled_from = l->c.last_heard;
    if (repl_state(l->c.repl) == REPL_IDLE)
        l->c.busy_until = now_ms() + BUSY_RETRY_MS;
}

/* -v: what the board prints outside samples (its program, a boot banner),
 * one message per line, escaped like the record file */
static void show_noise(struct live *l, const struct repl_event *ev)
{
    char line[160];
    size_t n = ev->out_len;
    while (n && (ev->out[n - 1] == '\n' || ev->out[n - 1] == '\r'))
        n--;
    if (!n)
        return;
    fmt_escape(ev->out, n, line, sizeof(line));
    say(l, HW_OK, "board: %s", line);
}

/* What a device that never gave a prompt sent: a GPS's "$GPGGA,...", a
 * modem's "OK", a shell's prompt, or bytes at the wrong baud rate. */
static void note_stranger(struct live *l, const struct repl_event *ev)
{
    struct link *c = &l->c;
    size_t n = ev->out_len;
    for (size_t i = 0; i < n; i++) {
        unsigned char b = (unsigned char)ev->out[i];
        if ((b >= 0x20 && b < 0x7f) || b == '\r' || b == '\n' || b == '\t')
            c->text_bytes++;
        else
            c->other_bytes++;
    }
    while (n && (ev->out[n - 1] == '\n' || ev->out[n - 1] == '\r'))
        n--;
    if (n)
        fmt_escape(ev->out, n < 60 ? n : 60, c->said_last, sizeof(c->said_last));
}

/* "Traceback (most recent call last):" ... its last line, the exception
 * ("MemoryError: memory allocation failed, allocating 512 bytes" from the
 * micro:bit, "KeyboardInterrupt: " after heapwatch's Ctrl-C), from the
 * board's output outside any sample: the program on the board died of it.
 * An event and a message, once each: a heap monitor that kept quiet about
 * a MemoryError between its samples would hide what it is there for. */
static void watch_traceback(struct live *l, const char *line, size_t n)
{
    static const char head[] = "Traceback (most recent call last):";
    if (memmem(line, n, head, sizeof(head) - 1)) {
        l->c.in_traceback = true; /* after "OK\x04" when the program ran in the raw REPL */
        return;
    }
    if (!l->c.in_traceback || !n || line[0] == ' ' || line[0] == '\r' || line[0] == '\n')
        return; /* "  File "<stdin>", line 1, in <module>" */
    l->c.in_traceback = false;
    while (n && strchr("\r\n :", line[n - 1]))
        n--;
    char raw[160], esc[640];
    snprintf(raw, sizeof(raw), "%.*s", (int)n, line);
    fmt_escape(raw, strlen(raw), esc, sizeof(esc));
    event(l, "traceback", raw); /* the capture and the JSON escape it their way */
    if (!strcmp(raw, "KeyboardInterrupt"))
        say(l, HW_OK, "the program running on %s was stopped (KeyboardInterrupt) to sample it",
            l->c.spec);
    else
        say(l, HW_OK, "the program on %s raised %s", l->c.spec, esc);
}

static void repl_events(struct live *l)
{
    struct repl_event ev;
    while (repl_poll_event(l->c.repl, &ev)) {
        switch (ev.type) {
        case REPL_EV_READY:
            on_ready(l);
            break;
        case REPL_EV_RESULT:
            on_result(l, &ev);
            break;
        case REPL_EV_TIMEOUT:
            on_timeout(l, &ev);
            break;
        case REPL_EV_RESET:
            l->smp.in_flight = EX_NONE;
            l->smp.gc_step = GC_IDLE;
            event(l, "reset", ev.msg);
            say(l, HW_OK, "the board reset (%s); its heap starts afresh", ev.msg);
            break;
        case REPL_EV_ERROR:
            l->smp.in_flight = EX_NONE;
            event(l, "error", ev.msg);
            say(l, ev.code, "%s: %s", l->c.spec, ev.msg);
            break;
        case REPL_EV_NOISE:
            if (!l->c.ever_ready)
                note_stranger(l, &ev);
            watch_traceback(l, ev.out, ev.out_len);
            if (l->sh) /* what the board prints outside heapwatch's exchanges is theirs */
                share_write(l->sh, ev.out, ev.out_len);
            if (l->o->verbose)
                show_noise(l, &ev);
            break;
        case REPL_EV_LEFT:
            break;
        }
    }
}

/* ---- bytes in and out ---- */

/* The answer's first line: its line number is that of the byte after
 * "OK" (noise before it, such as a program's prints in the same line or
 * lines before, is not the sample), its time is when that line is complete,
 * as analyze of the capture will read them. Called before the bytes of buf
 * from `from` on reach the capture writer. */
static void note_first_line(struct live *l, const char *buf, size_t from, size_t n, double t)
{
    struct sampler *p = &l->smp;
    if (p->in_flight != EX_SAMPLE || p->first_line)
        return;
    if (!p->answer_seen) {
        long off = repl_answer_began(l->c.repl);
        if (off < 0 || (size_t)off != from)
            return;
        p->answer_seen = true;
        p->line_no = capture_writer_line_for(l->w, from < n ? buf[from] : '\0');
    }
    if (memchr(buf + from, '\n', n - from)) {
        p->first_line = true;
        p->line_t = t;
    }
}

/* The board's bytes to the stream's sinks (the capture writer among them);
 * the clock and the calibration probes stay out of the transcript: a
 * reader of the capture must not count them as samples. */
static void emit_bytes(struct live *l, const char *buf, size_t n, double t)
{
    if (!n || l->smp.in_flight == EX_CLOCK || l->smp.in_flight == EX_CALIB)
        return;
    struct hw_item it = {.kind = HW_ITEM_BYTES, .time = t, .data = buf, .len = n};
    stream_emit(&l->st, &it);
}

/* Bytes for the raw-REPL machine. They reach the capture in two parts,
 * split where the sample's answer begins, so that the line it starts on
 * is known. */
static void to_repl(struct live *l, const char *buf, size_t n, double t)
{
    repl_feed(l->c.repl, buf, n, now_ms());
    long off = repl_answer_began(l->c.repl);
    size_t at = off < 0 ? 0 : (size_t)off;
    emit_bytes(l, buf, at, t);
    note_first_line(l, buf, at, n, t);
    emit_bytes(l, buf + at, n - at, t);
}

/* --listen: every dump opening in a read gets that read's time. One read
 * of a fast link can hold hundreds of dumps (a program printing mem_info
 * in a loop over USB): a time set once would stamp the first only. */
static bool listen_clock(void *ctx, double *t)
{
    *t = ((const struct live *)ctx)->rx_t;
    return true;
}

static void received(struct live *l, const char *buf, size_t n)
{
    double t = elapsed(l);
    l->heard = true;
    l->c.last_rx = l->c.last_heard = now_ms();
    l->c.silent_said = false;
    if (l->smp.in_flight == EX_CALIB)
        measure_rate(l, n, now_ms());
    if (l->o->listen) {
        emit_bytes(l, buf, n, t);
        l->rx_t = t;
        memparse_feed(l->mp, buf, n);
        if (l->sh)
            share_write(l->sh, buf, n);
    } else if (l->fl.state == FLOOR_THEIRS) {
        emit_bytes(l, buf, n, t);
        share_write(l->sh, buf, n); /* their exchange: the bytes are theirs, as they came */
        floor_board_output(&l->fl, buf, n, now_ms());
    } else {
        to_repl(l, buf, n, t);
    }
}

static void pump_in(struct live *l)
{
    char buf[16384];
    for (int rounds = 0; l->c.t && rounds < 64; rounds++) {
        size_t n = 0;
        struct hw_err e = {0};
        if (transport_read(l->c.t, buf, sizeof(buf), &n, &e)) {
            lost(l, &e);
            return;
        }
        if (!n)
            return;
        received(l, buf, n);
    }
}

static void pump_out(struct live *l)
{
    const uint8_t *data;
    size_t n = repl_output(l->c.repl, &data);
    if (!n || !l->c.t)
        return;
    struct hw_err e = {0};
    if (transport_write(l->c.t, data, n, (int)(l->o->timeout_s * 1000), &e)) {
        lost(l, &e);
        return;
    }
    repl_output_done(l->c.repl, n);
}

/* One line of the exec: command's stderr: a message and an event, never
 * raw bytes on the terminal (nor over the full-screen UI). */
static void err_line(struct live *l)
{
    char raw[sizeof(l->c.err_line) + 1], esc[sizeof(l->c.err_line) * 4];
    memcpy(raw, l->c.err_line, l->c.err_len);
    raw[l->c.err_len] = '\0';
    fmt_escape(l->c.err_line, l->c.err_len, esc, sizeof(esc));
    l->c.err_len = 0;
    if (!esc[0])
        return;
    event(l, "stderr", raw); /* the capture and the JSON escape it their way */
    say(l, HW_OK, "exec: %s", esc);
}

static void pump_err(struct live *l)
{
    char buf[4096];
    size_t n;
    while (l->c.t && transport_read_err(l->c.t, buf, sizeof(buf), &n) == HW_OK && n) {
        for (size_t i = 0; i < n; i++) {
            if (buf[i] == '\n' || l->c.err_len == sizeof(l->c.err_line)) {
                err_line(l);
                if (buf[i] == '\n')
                    continue;
            }
            if (buf[i] != '\r')
                l->c.err_line[l->c.err_len++] = buf[i];
        }
    }
    if (l->c.err_len && (!l->c.t || transport_err_fd(l->c.t) < 0))
        err_line(l); /* its last line, without a newline */
}

/* ---- --share: the board for another program too (floor.h) ---- */

static void to_board(struct live *l, const char *buf, size_t n)
{
    struct hw_err e = {0};
    if (l->c.t && transport_write(l->c.t, buf, n, (int)(l->o->timeout_s * 1000), &e))
        lost(l, &e);
}

/* Bytes the other program wrote: to the board when it has the floor (or
 * heapwatch only listens), else held until heapwatch's exchange is over. */
static void their_bytes(struct live *l, const char *buf, size_t n)
{
    floor_their_input(&l->fl, now_ms());
    if (l->o->listen || l->fl.state == FLOOR_THEIRS) {
        to_board(l, buf, n);
        return;
    }
    if (l->held_n + n > l->held_cap) {
        l->held_cap = l->held_n + n > 2 * l->held_cap ? l->held_n + n : 2 * l->held_cap;
        l->held = xrealloc(l->held, l->held_cap);
    }
    memcpy(l->held + l->held_n, buf, n);
    l->held_n += n;
}

static void pump_share(struct live *l)
{
    char buf[4096];
    for (int rounds = 0; rounds < 16; rounds++) {
        size_t n = 0;
        struct hw_err e = {0};
        if (share_read(l->sh, buf, sizeof(buf), &n, &e) != HW_OK) {
            say(l, e.code, "%s", e.msg);
            return;
        }
        if (!n)
            return;
        their_bytes(l, buf, n);
    }
}

/* They asked, and heapwatch's exchange is over: leave its raw REPL (unless
 * they left the board in theirs, which heapwatch's raw REPL then is), and
 * let their bytes go. What the board answers to the Ctrl-B is theirs. */
static void hand_over(struct live *l)
{
    if (!l->fl.their_raw) {
        repl_leave(l->c.repl, now_ms());
        pump_out(l);
    }
    floor_handed(&l->fl, now_ms());
    event(l, "shared", share_link(l->sh));
    if (l->fl.handovers == 1) /* said once: a tool that runs often would flood the log */
        say(l, HW_OK, "%s: another program has the board; sampling pauses while it does",
            share_link(l->sh));
    to_board(l, l->held, l->held_n);
    l->held_n = 0;
}

static void share_step(struct live *l, int64_t now)
{
    if (!l->sh || l->o->listen || !l->c.t)
        return;
    if (l->fl.state == FLOOR_HANDING && l->smp.in_flight == EX_NONE && !l->calibrating &&
        repl_state(l->c.repl) != REPL_RUNNING && repl_state(l->c.repl) != REPL_SYNCING)
        hand_over(l);
    else if (floor_take_back(&l->fl, now)) {
        event(l, "unshared", share_link(l->sh));
        repl_connect(l->c.repl, now);
    }
}

/* ---- the loop ---- */

static bool wants_exec(const struct live *l, int64_t now)
{
    const struct sampler *p = &l->smp;
    return (!p->paused && now >= p->next) || p->gc_pending || p->gc_step != GC_IDLE ||
           p->one_sample;
}

static int64_t next_wake(const struct live *l, int64_t now)
{
    int64_t w = now + 1000;
    enum conn st = conn_state(l);
#define SOONER(x)                                                                                  \
    do {                                                                                           \
        if ((x) >= 0 && (x) < w)                                                                   \
            w = (x);                                                                               \
    } while (0)
    if (l->c.repl && l->c.t)
        SOONER(repl_deadline(l->c.repl));
    if (st == CONN_READY && l->fl.state == FLOOR_HANDING)
        SOONER(now);
    else if (st == CONN_READY && wants_exec(l, now))
        SOONER(now);
    else if (st == CONN_READY)
        SOONER(l->smp.next);
    if (st == CONN_LOST)
        SOONER(l->c.retry_at);
    if (st == CONN_BUSY)
        SOONER(l->c.busy_until);
    if (st == CONN_LISTENING && l->c.last_rx)
        SOONER(l->c.last_rx + LISTEN_QUIET_MS);
    if (st == CONN_LISTENING && !l->c.silent_said)
        SOONER(l->c.last_heard + (int64_t)(l->o->timeout_s * 1000));
    if (st == CONN_CALIBRATING && l->cal.retry_at)
        SOONER(l->cal.retry_at);
    if (st == CONN_SHARED)
        SOONER(floor_deadline(&l->fl));
    if (l->o->duration_s > 0)
        SOONER(l->t0 + (int64_t)(l->o->duration_s * 1000));
    if (l->tui) {
        int64_t f = tui_next_frame(l->tui, now);
        if (f >= 0)
            SOONER(now + f);
    }
#undef SOONER
    return w;
}

/* `r`: start a recording named after the time, or stop the one running. */
static void toggle_record(struct live *l)
{
    struct hw_err e = {0};
    if (capture_writer_path(l->w)) {
        say(l, HW_OK, "recording stopped: %s", capture_writer_path(l->w));
        capture_writer_stop(l->w, &e);
        tui_set_recording(l->tui, NULL);
        return;
    }
    char name[64];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(name, sizeof(name), "heapwatch-%Y%m%d-%H%M%S.rec", &tm);
    /* the session's start, so the times written from now on match it */
    if (capture_writer_start(l->w, name, l->c.spec, l->wall0, &e)) {
        say(l, e.code, "%s", e.msg);
        return;
    }
    tui_set_recording(l->tui, name);
    say(l, HW_OK, "recording to %s", name);
}

static void on_key(struct live *l, enum ui_action a)
{
    struct sampler *p = &l->smp;
    switch (a) {
    case UI_QUIT:
        l->stop = true;
        break;
    case UI_PAUSE:
        p->paused = !p->paused;
        tui_set_paused(l->tui, p->paused);
        break;
    case UI_SAMPLE_NOW:
        p->one_sample = true;
        break; /* paused stays paused */
    case UI_GC:
        if (l->o->listen)
            say(l, HW_EARG, "--listen never writes to the board: no gc.collect()");
        else
            p->gc_pending = true;
        break;
    case UI_RECORD:
        toggle_record(l);
        break;
    default:
        tui_apply(l->tui, a);
        break;
    }
}

static void wait_io(struct live *l)
{
    int64_t now = now_ms();
    int64_t wake = next_wake(l, now);
    struct pollfd p[5] = {
        {.fd = sig_pipe[0], .events = POLLIN}, {.fd = -1}, {.fd = -1}, {.fd = -1}, {.fd = -1}};
    if (l->c.t) {
        p[1] = (struct pollfd){.fd = transport_fd(l->c.t), .events = POLLIN};
        p[3] = (struct pollfd){.fd = transport_err_fd(l->c.t), .events = POLLIN};
    }
    if (l->tui)
        p[2] = (struct pollfd){.fd = ui_input_fd(), .events = POLLIN};
    if (l->sh)
        p[4] =
            (struct pollfd){.fd = share_fd(l->sh),
                            .events = (short)(POLLIN | (share_wants_write(l->sh) ? POLLOUT : 0))};
    int rc = poll(p, 5, wake > now ? (int)(wake - now) : 0);
    if (l->tui) /* keys, and KEY_RESIZE after a SIGWINCH interrupted poll */
        for (enum ui_action a; (a = ui_read_key(false)) != UI_NONE;)
            on_key(l, a);
    if (rc < 0)
        return; /* EINTR: a signal byte is in the pipe */
    if (p[0].revents) {
        unsigned char b;
        if (read(sig_pipe[0], &b, 1) == 1)
            l->stop = true;
    }
    if (l->c.t && p[3].revents)
        pump_err(l);
    if (l->c.t && p[1].revents)
        pump_in(l);
    if (l->sh && (p[4].revents & POLLOUT))
        share_flush(l->sh);
    if (l->sh && (p[4].revents & POLLIN))
        pump_share(l);
}

static bool finished(const struct live *l, int64_t now)
{
    if (l->stop || l->st.failed)
        return true;
    if (l->o->count && l->smp.samples >= l->o->count)
        return true;
    return l->o->duration_s > 0 && now >= l->t0 + (int64_t)(l->o->duration_s * 1000);
}

static void listen_step(struct live *l, int64_t now)
{
    struct link *c = &l->c;
    if (c->last_rx && now - c->last_rx >= LISTEN_QUIET_MS) {
        memparse_end_dump(l->mp); /* the board went quiet: its dump is over */
        c->last_rx = 0;
    }
    if (!c->silent_said && now - c->last_heard >= (int64_t)(l->o->timeout_s * 1000)) {
        c->silent_said = true; /* once, until it speaks again */
        event(l, "silent", NULL);
        say(l, HW_ETIMEDOUT, "%s: nothing received for %gs; still listening", c->spec,
            l->o->timeout_s);
    }
}

/* A write to the record failed (the writer said so once, through the
 * stream: "record run.rec: No space left on device; recording stopped,
 * sampling goes on"). The JSON and the exit status must say it too: the
 * user asked for a record and has only part of it. */
static void note_record(struct live *l)
{
    int e = capture_writer_failed(l->w);
    if (!e || l->record_lost.code)
        return;
    hw_err_set(&l->record_lost, hw_from_errno(e), "record %s: %s; recording stopped",
               capture_writer_path(l->w), strerror(e));
    l->record_lost.said = true;
    char detail[sizeof(l->record_lost.msg)];
    snprintf(detail, sizeof(detail), "%s: %s", capture_writer_path(l->w), strerror(e));
    event(l, "record-incomplete", detail);
    if (l->tui)
        tui_set_recording(l->tui, NULL);
}

static void show_link(struct live *l)
{
    static const enum ui_link links[] = {
        [CONN_SYNCING] = UI_LINK_CONNECTING,  [CONN_CALIBRATING] = UI_LINK_CONNECTING,
        [CONN_READY] = UI_LINK_READY,         [CONN_SAMPLING] = UI_LINK_READY,
        [CONN_LISTENING] = UI_LINK_LISTENING, [CONN_LOST] = UI_LINK_RECONNECTING,
        [CONN_BUSY] = UI_LINK_BUSY,           [CONN_SHARED] = UI_LINK_SHARED,
    };
    enum conn st = conn_state(l);
    tui_set_link(l->tui, links[st],
                 st == CONN_LOST     ? "waiting for the board to come back"
                 : st == CONN_SHARED ? "another program has it; sampling paused"
                                     : "");
}

static void step(struct live *l)
{
    int64_t now = now_ms();
    if (l->c.repl && l->c.t) {
        repl_tick(l->c.repl, now);
        repl_events(l);
    }
    now = now_ms(); /* the events may have taken a while, and scheduled "now" */
    if (finished(l, now))
        return;
    share_step(l, now);
    switch (conn_state(l)) {
    case CONN_READY:
        if (l->fl.state == FLOOR_OURS && wants_exec(l, now))
            begin_sample(l, !l->smp.paused && now >= l->smp.next && l->smp.gc_step == GC_IDLE &&
                                !l->smp.gc_pending);
        break;
    case CONN_CALIBRATING:
        if (l->cal.retry_at && now >= l->cal.retry_at && repl_state(l->c.repl) == REPL_READY) {
            l->cal.retry_at = 0;
            exec(l, EX_CALIB, calib_code(l));
        }
        break;
    case CONN_LOST:
        if (now >= l->c.retry_at)
            retry(l);
        break;
    case CONN_BUSY:
        if (now >= l->c.busy_until) {
            l->c.busy_until = 0;
            repl_connect(l->c.repl, now);
        }
        break;
    case CONN_LISTENING:
        listen_step(l, now);
        break;
    default:
        break;
    }
    if (l->c.repl && l->c.t)
        pump_out(l);
    note_record(l);
    if (l->tui) {
        show_link(l);
        tui_frame(l->tui, now, elapsed(l));
    }
}

/* Give the board back at its ">>> " prompt: Ctrl-B leaves the raw REPL,
 * and is sent whenever anything was sent (a board busy in a program that
 * ignores Ctrl-C still holds our Ctrl-A in its input, and would enter the
 * raw REPL when the program ends). Wait for the prompt, not a fixed time;
 * what the board answers still goes to the capture. */
static void leave(struct live *l)
{
    if (!l->c.t || !l->c.repl || l->fl.state == FLOOR_THEIRS)
        return; /* theirs: the board is as the other program left it */
    repl_leave(l->c.repl, now_ms());
    const uint8_t *data;
    if (!repl_output(l->c.repl, &data))
        return; /* nothing was ever sent */
    pump_out(l);
    if (!l->heard)
        return; /* a board that never said a word will not answer this either */
    char tail[4] = {0};
    int64_t end = now_ms() + LEAVE_MS;
    for (int64_t left; l->c.t && (left = end - now_ms()) > 0;) {
        struct pollfd p = {.fd = transport_fd(l->c.t), .events = POLLIN};
        if (poll(&p, 1, (int)left) <= 0)
            break;
        char buf[4096];
        size_t n = 0;
        struct hw_err e = {0};
        if (transport_read(l->c.t, buf, sizeof(buf), &n, &e) || !n)
            break;
        received(l, buf, n);
        for (size_t i = 0; i < n; i++) {
            memmove(tail, tail + 1, 3);
            tail[3] = buf[i];
        }
        if (!memcmp(tail, ">>> ", 4))
            break;
    }
}

/* ---- setup and teardown ---- */

static int install_signals(void)
{
    if (sig_pipe[0] < 0) {
        if (pipe(sig_pipe) < 0)
            return HW_EIO;
        for (int i = 0; i < 2; i++) {
            fcntl(sig_pipe[i], F_SETFL, O_NONBLOCK);
            fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
        }
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN); /* a closed stdout is a write error, said once */
    return HW_OK;
}

/* The sinks: the capture first (a sample is on disk before it is shown),
 * the JSON, then the screen or the lines and the messages. */
static int wire(struct live *l, struct hw_err *err)
{
    const struct live_opts *o = l->o;
    int rc = capture_writer_open(o->record_path, l->c.spec, l->wall0, &l->w, err);
    if (rc)
        return rc;
    stream_add(&l->st, capture_writer_sink(l->w), false);
    stream_add(&l->st, judge_sink(o->judge), false);
    bool json_stdout = o->json_path && !strcmp(o->json_path, "-");
    if (o->json_path) {
        struct sink *json;
        rc = export_json_open(o->json_path, o->with_map, true, &json, err);
        if (rc)
            return rc;
        export_json_set_judge(json, o->judge);
        stream_add(&l->st, json, json_stdout);
    }
    if (o->tui) {
        l->tui = tui_open(&o->ui, l->c.spec, false);
        if (!l->tui)
            return hw_err_set(err, HW_EIO, "cannot use this terminal for the full-screen UI");
        if (o->record_path)
            tui_set_recording(l->tui, o->record_path);
        tui_set_judge(l->tui, o->judge);
        stream_add(&l->st, tui_sink(l->tui), false);
    } else if (!json_stdout) {
        struct text_opts t = {.out = stdout, .live = true, .listen = o->listen, .judge = o->judge};
        stream_add(&l->st, text_sink_new(&t), true);
    }
    return HW_OK;
}

/* A session without one sample has nothing to show for itself: that is a
 * failure (exit 1), whatever ended it; say where it got to. */
static void no_samples(struct live *l)
{
    char d[16];
    static const char *const where[] = {
        [CONN_SYNCING] = "it was still entering the raw REPL (is it a MicroPython board?)",
        [CONN_CALIBRATING] = "it was still measuring the probe",
        [CONN_READY] = "",
        [CONN_SAMPLING] = "the first sample was still on its way",
        [CONN_LISTENING] = "nothing it printed was a mem_info dump",
        [CONN_LOST] = "the port was gone",
        [CONN_BUSY] = "the board was busy",
        [CONN_SHARED] = "another program had it (--share)",
    };
    enum conn st = conn_state(l);
    hw_err_set(&l->fatal, HW_ETIMEDOUT, "no sample from %s in %s", l->c.spec,
               fmt_duration(d, sizeof(d), (double)(l->ended - l->t0) / 1000.0));
    if (st == CONN_LISTENING && l->c.last_heard == l->t0)
        hw_err_hint(&l->fatal, "it printed nothing at all");
    else if (where[st][0])
        hw_err_hint(&l->fatal, "%s", where[st]);
}

static void run(struct live *l)
{
    struct hw_item begin = {.kind = HW_ITEM_BEGIN, .name = l->c.spec};
    stream_emit(&l->st, &begin);
    if (l->o->listen) {
        struct hw_probe none = {0}; /* nothing is ever sent */
        struct hw_item it = {.kind = HW_ITEM_PROBE, .probe = &none};
        stream_emit(&l->st, &it);
    } else {
        struct hw_item it = {.kind = HW_ITEM_PROBE, .probe = &l->probe};
        stream_emit(&l->st, &it);
    }
    start_session(l);
    while (!finished(l, now_ms())) {
        step(l);
        if (!finished(l, now_ms()))
            wait_io(l);
    }
    l->ended = now_ms();
    leave(l);
    memparse_end_dump(l->mp);
    note_record(l);
    struct hw_item end = {.kind = HW_ITEM_END, .name = l->c.spec};
    stream_emit(&l->st, &end);
}

int live_run(const struct live_opts *o, struct sink *messages, struct hw_err *err)
{
    struct live l = {.o = o, .probe = {.allocated = -1}};
    l.smp.code = live_probe_code(o->gc, o->no_map);
    l.probe.code = l.smp.code;
    l.t0 = now_ms();
    l.wall0 = wall_seconds();
    stream_init(&l.st);
    if (o->tui)
        messages->ops->close(messages, NULL); /* the UI shows them, and repeats them at exit */
    else
        stream_add(&l.st, messages, false);
    int rc = install_signals();
    if (rc) {
        stream_close(&l.st, NULL);
        return hw_err_set(err, rc, "cannot create a pipe: %s", strerror(errno));
    }
    floor_init(&l.fl);
    rc = o->share_path ? share_open(o->share_path, &l.sh, err) : HW_OK;
    if (rc == HW_OK)
        rc = open_first(&l, err);
    if (rc == HW_OK)
        rc = wire(&l, err);
    if (rc) {
        stream_close(&l.st, NULL);
        tui_close(l.tui);
        transport_close(l.c.t);
        share_close(l.sh);
        return rc;
    }
    l.mp = memparse_new(on_sample, &l);
    if (o->listen)
        memparse_set_clock(l.mp, listen_clock, &l);
    l.cal_mp = memparse_new(calibrate_snapshot, &l);
    l.c.repl = o->listen ? NULL : new_repl(o);
    run(&l);
    transport_close(l.c.t);
    share_close(l.sh);
    free(l.held);
    if (!l.fatal.code && l.smp.samples == 0 && !l.st.failed)
        no_samples(&l);
    if (l.fatal.code)
        stream_message(&l.st, &l.fatal); /* the UI's log repeats it on stderr */
    struct hw_err e = {0};
    int crc = stream_close(&l.st, &e);
    tui_close(l.tui);
    memparse_free(l.mp);
    memparse_free(l.cal_mp);
    repl_free(l.c.repl);
    if (l.fatal.code) {
        *err = l.fatal;
        err->said = true;
        return l.fatal.code;
    }
    if (crc)
        *err = e;
    else if (l.record_lost.code)
        *err = l.record_lost; /* said when it happened */
    return crc ? crc : l.record_lost.code;
}
