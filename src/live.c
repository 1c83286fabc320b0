/* SPDX-License-Identifier: MIT */
/* live.c - the poll() loop of live mode: transport bytes go to the record
 * file and to the raw-REPL machine (or, with --listen, straight to the
 * reader); REPL results go to the reader; snapshots go to the sample line,
 * the JSON and the summary. Owns the connection states and the timers;
 * owns no protocol, parsing or formatting rules. */
#include "live.h"
#include "live_impl.h"
#include "fmt.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

const char *live_probe_code(bool gc, bool no_map)
{
    if (gc)
        return no_map ? "import gc,micropython;gc.collect();micropython.mem_info()"
                      : "import gc,micropython;gc.collect();micropython.mem_info(1)";
    return no_map ? "import micropython;micropython.mem_info()"
                  : "import micropython;micropython.mem_info(1)";
}

double live_elapsed(const struct live *l)
{
    return (double)(now_ms() - l->t0) / 1000.0;
}

/* Say something once; the same message again (a retry failing the same
 * way) stays quiet, as tio does with its last errno. */
void live_say(struct live *l, int code, const char *fmt, ...)
{
    struct hw_err e = {.code = code};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e.msg, sizeof(e.msg), fmt, ap);
    va_end(ap);
    if (strcmp(e.msg, l->last_msg) == 0)
        return;
    snprintf(l->last_msg, sizeof(l->last_msg), "%s", e.msg);
    if (l->tui_on)
        tui_say(&l->tui, &e);
    else
        l->msg(&e);
}

void live_event(struct live *l, const char *kind, const char *detail)
{
    /* a disconnect or a reset breaks the trends and the block ages */
    if (l->tui_on && (!strcmp(kind, "gap") || !strcmp(kind, "reset")))
        tui_gap(&l->tui);
    double t = live_elapsed(l);
    record_event(l->rec, t, kind, detail);
    if (l->jw) {
        struct json_event ev = {.time = t, .kind = kind, .detail = detail};
        json_writer_event(l->jw, &ev);
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

/* A sample's deadline grows with the heap: a map prints about 75 bytes per
 * 64 blocks of 16 bytes, so an 8 MiB PSRAM heap is ~600 KB, almost a
 * minute at 115200 baud. Allow twice the wire time of a map with no
 * "(N lines all free)" abbreviation, and never less than the default. */
static void size_exec_deadline(struct live *l, uint64_t heap_total)
{
    int baud = l->o->topts.baud > 0 ? l->o->topts.baud : 115200;
    double map_bytes = (double)heap_total / 16.0 / 64.0 * 75.0;
    double ms = 2.0 * map_bytes * 10.0 / baud * 1000.0;
    if (ms > 30000)
        repl_set_exec_timeout(l->repl, ms > 3600000 ? 3600000 : (int)ms);
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
    l->last_rx = l->last_heard = now_ms();
    if (l->o->listen) {
        l->state = CONN_LISTENING;
        if (!l->tui_on)
            live_print_header(l, NULL); /* it may be quiet for long: say what runs */
        return;
    }
    l->state = CONN_SYNCING;
    repl_connect(l->repl, now_ms());
}

/* First open: failures here end the run (wrong port, permission, busy). */
static int open_first(struct live *l, struct hw_err *err)
{
    int rc = transport_open(l->o->port, &l->o->topts, &l->t, err);
    if (rc)
        return rc;
    snprintf(l->spec, sizeof(l->spec), "%s", transport_path(l->t));
    const char *sn = transport_usb_serial(l->t);
    snprintf(l->usb_serial, sizeof(l->usb_serial), "%s", sn ? sn : "");
    return HW_OK;
}

static void pump_err(struct live *l);

static void lost(struct live *l, const struct hw_err *why)
{
    pump_err(l); /* an exec: command's last words say why it went */
    transport_close(l->t);
    l->t = NULL;
    if (!l->ever_ready && !l->o->listen) {
        /* it never answered: a wrong port or a dead command, not an unplug */
        l->fatal = *why;
        hw_err_hint(&l->fatal, "is a MicroPython board on %s?", l->spec);
        l->stop = true;
        return;
    }
    l->gc_step = GC_IDLE;
    memparse_flush(l->mp); /* a dump cut by the unplug is kept, marked cut */
    record_sync(l->rec, live_elapsed(l), NULL);
    live_event(l, "gap", why->msg);
    live_say(l, why->code, "%s; waiting for the board to come back", why->msg);
    l->state = CONN_LOST;
    l->retry_at = now_ms() + RETRY_MS;
}

/* Reopen the same board: its USB serial number first (it may come back as
 * another ttyACM after re-enumerating), then the same path. */
static void retry(struct live *l)
{
    char path[1024];
    struct hw_err e = {0};
    l->retry_at = now_ms() + RETRY_MS;
    if (!l->usb_serial[0] || transport_find_serial(l->usb_serial, path, sizeof(path), NULL))
        snprintf(path, sizeof(path), "%s", l->spec);
    if (transport_open(path, &l->o->topts, &l->t, &e)) {
        live_say(l, e.code, "%s; still waiting", e.msg);
        return;
    }
    snprintf(l->spec, sizeof(l->spec), "%s", transport_path(l->t));
    live_event(l, "resume", l->spec);
    live_say(l, HW_OK, "reconnected to %s", l->spec);
    start_session(l);
}

/* ---- the raw REPL's events ---- */

static void schedule_next(struct live *l)
{
    int64_t now = now_ms(), step = (int64_t)(l->o->interval_s * 1000);
    l->next_sample = l->next_sample + step > now ? l->next_sample + step : now;
}

/* The last line of a traceback ("MemoryError: memory allocation failed"),
 * or with last false the first non-empty line of output. */
static void traceback_line(const char *text, size_t n, char *out, size_t cap, bool last)
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

/* The next exec: a scheduled sample, or one of `g`'s (a sample, the
 * collection, a sample) or `s`'s, which leave the rhythm as it is. */
static void begin_sample(struct live *l, bool scheduled)
{
    if (!scheduled && l->gc_step == GC_IDLE && l->gc_pending)
        l->gc_step = GC_BEFORE;
    const char *code = l->gc_step == GC_COLLECT ? "import gc;gc.collect()" : l->code;
    memparse_set_time(l->mp, live_elapsed(l));
    if (repl_exec(l->repl, code, now_ms()) == HW_OK) {
        l->state = CONN_SAMPLING;
        l->in_schedule = scheduled;
        l->gc_pending = false;
        if (l->gc_step == GC_IDLE)
            l->one_sample = false;
    }
}

/* What the board printed instead of a dump, for people: the last line of
 * its traceback ("MemoryError: memory allocation failed"), else the first
 * line of its output, escaped; "nothing" when it printed nothing. */
static void board_answer(const struct repl_event *ev, char *out, size_t cap)
{
    char line[200];
    const char *p = ev->err_len ? ev->err : ev->out;
    size_t n = ev->err_len ? ev->err_len : ev->out_len;
    traceback_line(p, n, line, sizeof(line), ev->err_len > 0);
    if (line[0])
        fmt_escape(line, strlen(line), out, cap);
    else
        snprintf(out, cap, "nothing");
}

/* Three probes without a dump: say what the board answered, once, and
 * stop (the loop then leaves the board at its >>> prompt). */
static void calibration_failed(struct live *l)
{
    const char *a = l->cal.answer;
    hw_err_set(&l->fatal, HW_EPROTO, "%s does not answer micropython.mem_info(): the board "
               "answered: %s", l->spec, a);
    if (strstr(a, "MemoryError"))
        hw_err_hint(&l->fatal, "its heap is too full to run even the probe; sample it while "
                               "the program still runs (--listen with its own mem_info calls)");
    else if (strstr(a, "Error"))
        hw_err_hint(&l->fatal, "this firmware may be built without micropython.mem_info "
                               "(MICROPY_PY_MICROPYTHON_MEM_INFO)");
    live_event(l, "error", l->fatal.msg);
    l->stop = true;
}

/* Two back-to-back probes of the map-less code: the growth of "used"
 * between them is what one sample leaves on the heap (code object, line
 * buffer, garbage until the next collection). A collection in between
 * shows as shrinking; then try again. A probe that brings back no dump
 * (no mem_info on this firmware, a MemoryError, something else printed) is
 * tried again after a pause, at most CALIB_TRIES times. */
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
        repl_exec(l->repl, live_probe_code(false, true), now_ms());
        return;
    }
    if (c->used[1] < c->used[0] && ++c->tries < CALIB_TRIES) {
        c->n = 0;
        repl_exec(l->repl, live_probe_code(false, true), now_ms());
        return;
    }
    if (c->used[1] >= c->used[0]) {
        l->has_probe = true;
        l->probe_bytes = (long)(c->used[1] - c->used[0]);
        l->probe_alloc = c->has_alloc ? (long)(c->alloc[1] - c->alloc[0]) : -1;
    }
    size_exec_deadline(l, c->heap_total);
    record_event(l->rec, live_elapsed(l), "calibrated", NULL);
    l->state = CONN_READY;
    l->next_sample = now_ms();
}

static void on_ready(struct live *l)
{
    bool first = !l->ever_ready;
    l->ever_ready = true;
    if (first && !l->o->listen) {
        live_say(l, HW_OK, "sampling %s through the raw REPL", l->spec);
        l->state = CONN_CALIBRATING;
        l->cal = (struct calib){0};
        record_event(l->rec, live_elapsed(l), "calibrate", live_probe_code(false, true));
        repl_exec(l->repl, live_probe_code(false, true), now_ms());
        return;
    }
    l->state = CONN_READY;
    l->next_sample = now_ms();
}

/* After a sample: the next one at its time; after one that brought back
 * no dump, not before a pause that doubles while it lasts (-i 0 on a board
 * that answers every command with MemoryError must not spin). */
static void after_sample(struct live *l, bool got)
{
    l->failures = got ? 0 : l->failures + 1;
    if (l->in_schedule)
        schedule_next(l);
    if (l->failures) {
        int shift = l->failures - 1 < 5 ? l->failures - 1 : 5;
        int64_t pause = (int64_t)FAIL_BACKOFF_MS << shift;
        int64_t at = now_ms() + (pause < FAIL_BACKOFF_MAX_MS ? pause : FAIL_BACKOFF_MAX_MS);
        if (l->next_sample < at)
            l->next_sample = at;
    }
}

/* `g` goes on: the sample before, the collection, the sample after. A
 * sample that failed ends it (its error was said). */
static void gc_next(struct live *l, bool got)
{
    if (l->gc_step == GC_COLLECT)
        l->gc_step = GC_AFTER;
    else if (l->gc_step == GC_BEFORE && got)
        l->gc_step = GC_COLLECT;
    else
        l->gc_step = GC_IDLE;
}

static void on_result(struct live *l, const struct repl_event *ev)
{
    /* the transcript reaches the kernel before the sample is shown, so a
     * kill -9 never loses a sample the user has seen */
    struct hw_err e = {0};
    if (record_sync(l->rec, live_elapsed(l), &e))
        live_say(l, e.code, "%s", e.msg);
    /* calibration probes are not samples: a reader of their own */
    bool calibrating = l->state == CONN_CALIBRATING;
    struct memparse *mp = calibrating ? l->cal_mp : l->mp;
    long before = calibrating ? l->cal.n : l->samples;
    memparse_feed(mp, ev->out, ev->out_len);
    memparse_flush(mp);
    bool got = (calibrating ? l->cal.n : l->samples) > before;
    if (ev->err_len) {
        char answer[200];
        board_answer(ev, answer, sizeof(answer));
        live_event(l, "error", answer);
        live_say(l, HW_EPROTO, "the board answered: %s", answer);
    }
    if (calibrating) {
        calibrate_result(l, ev, got);
        return;
    }
    l->state = CONN_READY;
    if (l->gc_step == GC_COLLECT)
        got = true; /* the collection prints nothing */
    else
        after_sample(l, got);
    if (l->gc_step != GC_IDLE)
        gc_next(l, got);
}

static void on_timeout(struct live *l, const struct repl_event *ev)
{
    if (!l->ever_ready && ev->code == HW_EBUSY) {
        hw_err_set(&l->fatal, HW_ETIMEDOUT, "%s does not answer: %s", l->spec, ev->msg);
        hw_err_hint(&l->fatal, "%s", l->o->interrupt
                                         ? "is it a MicroPython board at this baud rate (--baud)?"
                                         : "a program is running; allow Ctrl-C (drop --no-interrupt)");
        l->stop = true;
        return;
    }
    live_event(l, "timeout", ev->msg);
    live_say(l, ev->code, "%s: %s", l->spec, ev->msg);
    l->state = CONN_SYNCING;
    l->gc_step = GC_IDLE;
    if (repl_state(l->repl) == REPL_IDLE) {
        l->state = CONN_BUSY;
        l->retry_at = now_ms() + BUSY_RETRY_MS;
    }
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
    record_escape(ev->out, n, line, sizeof(line));
    live_say(l, HW_OK, "board: %s", line);
}

static void repl_events(struct live *l)
{
    struct repl_event ev;
    while (repl_poll_event(l->repl, &ev)) {
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
            live_event(l, "reset", ev.msg);
            live_say(l, HW_OK, "the board reset (%s); its heap starts afresh", ev.msg);
            l->state = CONN_SYNCING;
            l->gc_step = GC_IDLE;
            break;
        case REPL_EV_ERROR:
            live_event(l, "error", ev.msg);
            live_say(l, ev.code, "%s: %s", l->spec, ev.msg);
            l->state = repl_state(l->repl) == REPL_READY ? CONN_READY : CONN_SYNCING;
            break;
        case REPL_EV_NOISE:
            if (l->o->verbose)
                show_noise(l, &ev);
            break;
        case REPL_EV_LEFT:
            break;
        }
    }
}

/* ---- bytes in and out ---- */

static void pump_in(struct live *l)
{
    char buf[16384];
    for (int rounds = 0; l->t && rounds < 64; rounds++) {
        size_t n = 0;
        struct hw_err e = {0};
        if (transport_read(l->t, buf, sizeof(buf), &n, &e)) {
            lost(l, &e);
            return;
        }
        if (!n)
            return;
        l->last_rx = l->last_heard = now_ms();
        l->silent_said = false;
        /* calibration probes stay out of the transcript: a reader of the
         * record must not count them as samples */
        if (l->state != CONN_CALIBRATING)
            record_rx(l->rec, live_elapsed(l), buf, n);
        if (l->o->listen) {
            memparse_set_time(l->mp, live_elapsed(l));
            memparse_feed(l->mp, buf, n);
        } else {
            repl_feed(l->repl, buf, n, now_ms());
        }
    }
}

static void pump_out(struct live *l)
{
    const uint8_t *data;
    size_t n = repl_output(l->repl, &data);
    if (!n || !l->t)
        return;
    struct hw_err e = {0};
    if (transport_write(l->t, data, n, (int)(l->o->timeout_s * 1000), &e)) {
        lost(l, &e);
        return;
    }
    repl_output_done(l->repl, n);
}

/* One line of the exec: command's stderr: a message and an event, never
 * raw bytes on the terminal (nor over the full-screen UI). */
static void err_line(struct live *l)
{
    char raw[sizeof(l->err_line) + 1], esc[sizeof(l->err_line) * 4];
    memcpy(raw, l->err_line, l->err_len);
    raw[l->err_len] = '\0';
    fmt_escape(l->err_line, l->err_len, esc, sizeof(esc));
    l->err_len = 0;
    if (!esc[0])
        return;
    live_event(l, "stderr", raw); /* the record and the JSON escape it their way */
    live_say(l, HW_OK, "exec: %s", esc);
}

static void pump_err(struct live *l)
{
    char buf[4096];
    size_t n;
    while (l->t && transport_read_err(l->t, buf, sizeof(buf), &n) == HW_OK && n) {
        for (size_t i = 0; i < n; i++) {
            if (buf[i] == '\n' || l->err_len == sizeof(l->err_line)) {
                err_line(l);
                if (buf[i] == '\n')
                    continue;
            }
            if (buf[i] != '\r')
                l->err_line[l->err_len++] = buf[i];
        }
    }
    if (l->err_len && (!l->t || transport_err_fd(l->t) < 0))
        err_line(l); /* its last line, without a newline */
}

static int64_t next_wake(const struct live *l, int64_t now)
{
    int64_t w = now + 1000;
#define SOONER(x) do { if ((x) >= 0 && (x) < w) w = (x); } while (0)
    if (l->repl && l->t)
        SOONER(repl_deadline(l->repl));
    if (l->state == CONN_READY)
        SOONER(l->next_sample);
    if (l->state == CONN_LOST || l->state == CONN_BUSY)
        SOONER(l->retry_at);
    if (l->state == CONN_LISTENING && l->last_rx)
        SOONER(l->last_rx + LISTEN_QUIET_MS);
    if (l->state == CONN_LISTENING && !l->silent_said)
        SOONER(l->last_heard + (int64_t)(l->o->timeout_s * 1000));
    if (l->state == CONN_CALIBRATING && l->cal.retry_at)
        SOONER(l->cal.retry_at);
    if (l->state == CONN_READY && (l->gc_pending || l->gc_step != GC_IDLE || l->one_sample))
        SOONER(now);
    if (l->o->duration_s > 0)
        SOONER(l->t0 + (int64_t)(l->o->duration_s * 1000));
#undef SOONER
    return w;
}


static void wait_io(struct live *l)
{
    int64_t now = now_ms();
    int64_t wake = next_wake(l, now);
    if (l->tui_on) {
        int64_t f = tui_next_frame(&l->tui, now);
        if (f >= 0 && now + f < wake)
            wake = now + f;
    }
    struct pollfd p[4] = {{.fd = sig_pipe[0], .events = POLLIN}, {.fd = -1}, {.fd = -1},
                          {.fd = -1}};
    if (l->t)
        p[1] = (struct pollfd){.fd = transport_fd(l->t), .events = POLLIN};
    if (l->tui_on)
        p[2] = (struct pollfd){.fd = ui_input_fd(), .events = POLLIN};
    if (l->t)
        p[3] = (struct pollfd){.fd = transport_err_fd(l->t), .events = POLLIN};
    int timeout = wake > now ? (int)(wake - now) : 0;
    int rc = poll(p, 4, timeout);
    if (l->tui_on) /* keys, and KEY_RESIZE after a SIGWINCH interrupted poll */
        for (enum ui_action a; (a = ui_read_key(false)) != UI_NONE;)
            live_on_key(l, a);
    if (rc < 0)
        return; /* EINTR: a signal byte is in the pipe */
    if (p[0].revents) {
        unsigned char b;
        if (read(sig_pipe[0], &b, 1) == 1)
            l->stop = true;
    }
    if (l->t && p[3].revents)
        pump_err(l);
    if (l->t && p[1].revents)
        pump_in(l);
}

static bool finished(const struct live *l, int64_t now)
{
    if (l->stop)
        return true;
    if (l->o->count && l->samples >= l->o->count)
        return true;
    return l->o->duration_s > 0 && now >= l->t0 + (int64_t)(l->o->duration_s * 1000);
}

static void step(struct live *l)
{
    int64_t now = now_ms();
    if (l->repl && l->t) {
        repl_tick(l->repl, now);
        repl_events(l);
    }
    now = now_ms(); /* the events may have taken a while, and scheduled "now" */
    if (finished(l, now))
        return;
    if (l->state == CONN_READY) {
        bool due = !l->paused && now >= l->next_sample;
        if (due || l->gc_pending || l->gc_step != GC_IDLE || l->one_sample)
            begin_sample(l, due && l->gc_step == GC_IDLE && !l->gc_pending);
    }
    if (l->state == CONN_CALIBRATING && l->cal.retry_at && now >= l->cal.retry_at &&
        repl_state(l->repl) == REPL_READY) {
        l->cal.retry_at = 0;
        repl_exec(l->repl, live_probe_code(false, true), now);
    }
    if (l->state == CONN_LISTENING && !l->silent_said &&
        now - l->last_heard >= (int64_t)(l->o->timeout_s * 1000)) {
        l->silent_said = true; /* once, until it speaks again */
        live_event(l, "silent", NULL);
        live_say(l, HW_ETIMEDOUT, "%s: nothing received for %gs; still listening", l->spec,
                 l->o->timeout_s);
    }
    if (l->state == CONN_LOST && now >= l->retry_at)
        retry(l);
    if (l->state == CONN_BUSY && now >= l->retry_at) {
        l->state = CONN_SYNCING;
        repl_connect(l->repl, now);
    }
    if (l->repl && l->t)
        pump_out(l);
    if (l->state == CONN_LISTENING && l->last_rx && now - l->last_rx >= LISTEN_QUIET_MS) {
        memparse_flush(l->mp); /* the board went quiet: its dump is over */
        l->last_rx = 0;
    }
    if (l->tui_on) {
        live_update_view(l);
        /* the age of the last sample ticks on: redraw once a second at least */
        tui_frame(&l->tui, now, now - l->tui.last_draw_ms >= 1000);
    }
}

/* Give the board back at its ">>> " prompt: Ctrl-B leaves the raw REPL.
 * What it answers (its banner) still goes to the record file. */
static void leave(struct live *l)
{
    if (!l->t || l->o->listen || !l->ever_ready)
        return;
    repl_leave(l->repl, now_ms());
    pump_out(l);
    int64_t end = now_ms() + LEAVE_MS;
    for (int64_t left; l->t && (left = end - now_ms()) > 0;) {
        struct pollfd p = {.fd = transport_fd(l->t), .events = POLLIN};
        if (poll(&p, 1, (int)left) <= 0)
            break;
        pump_in(l);
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
    signal(SIGPIPE, SIG_IGN);
    return HW_OK;
}

static int open_outputs(struct live *l, struct hw_err *err)
{
    const struct live_opts *o = l->o;
    if (o->record_path) {
        int rc = record_open(o->record_path, l->spec, l->wall0, &l->rec, err);
        if (rc)
            return rc;
    }
    if (o->json_path)
        return json_writer_open(o->json_path, o->with_map, true, &l->jw, err);
    return HW_OK;
}

static int close_outputs(struct live *l, struct hw_err *err)
{
    int rc = record_close(l->rec, err);
    if (l->jw) {
        struct json_source src = {.name = l->spec, .dumps = l->samples};
        struct json_probe pr = {.has_probe = l->has_probe, .code = l->code,
                                .bytes = l->probe_bytes, .allocated = l->probe_alloc};
        json_writer_probe(l->jw, &pr);
        int jrc = json_writer_finish(l->jw, &src, 1, &l->sum, err);
        rc = rc ? rc : jrc;
    }
    return rc;
}

/* A session without one sample has nothing to show for itself: that is a
 * failure (exit 1), whatever ended it; say where it got to. */
static void no_samples(struct live *l)
{
    char d[16];
    static const char *const where[] = {
        [CONN_SYNCING] = "it was still entering the raw REPL (is it a MicroPython board?)",
        [CONN_CALIBRATING] = "it was still measuring the probe",
        [CONN_READY] = "", [CONN_SAMPLING] = "the first sample was still on its way",
        [CONN_LISTENING] = "nothing it printed was a mem_info dump",
        [CONN_LOST] = "the port was gone", [CONN_BUSY] = "the board was busy",
    };
    hw_err_set(&l->fatal, HW_ETIMEDOUT, "no sample from %s in %s", l->spec,
               fmt_duration(d, sizeof(d), live_elapsed(l)));
    if (l->state == CONN_LISTENING && l->last_heard == l->t0)
        hw_err_hint(&l->fatal, "it printed nothing at all");
    else if (where[l->state][0])
        hw_err_hint(&l->fatal, "%s", where[l->state]);
}

int live_run(const struct live_opts *o, FILE *out, void (*msg)(const struct hw_err *e),
             struct hw_err *err)
{
    struct live l = {.o = o, .out = out, .msg = msg, .probe_alloc = -1};
    l.code = live_probe_code(o->gc, o->no_map);
    summary_init(&l.sum);
    l.t0 = now_ms();
    l.wall0 = wall_seconds();
    int rc = install_signals();
    if (rc)
        return hw_err_set(err, rc, "cannot create a pipe: %s", strerror(errno));
    rc = open_first(&l, err);
    if (rc)
        return rc;
    rc = open_outputs(&l, err);
    if (rc) {
        record_close(l.rec, NULL);
        transport_close(l.t);
        return rc;
    }
    if (o->tui) {
        if (tui_open(&l.tui, &o->ui, l.spec, false) != HW_OK) {
            transport_close(l.t);
            close_outputs(&l, err);
            return hw_err_set(err, HW_EIO, "cannot use this terminal for the full-screen UI");
        }
        l.tui_on = true;
    }
    l.mp = memparse_new(live_on_snapshot, &l);
    l.cal_mp = memparse_new(calibrate_snapshot, &l);
    l.repl = o->listen ? NULL : new_repl(o);
    start_session(&l);
    while (!finished(&l, now_ms())) {
        step(&l);
        if (!finished(&l, now_ms()))
            wait_io(&l);
    }
    leave(&l);
    memparse_flush(l.mp);
    if (l.tui_on) {
        tui_close(&l.tui);
        l.tui_on = false;
    }
    transport_close(l.t);
    struct hw_err e = {0};
    int crc = close_outputs(&l, &e);
    memparse_free(l.mp);
    memparse_free(l.cal_mp);
    repl_free(l.repl);
    if (!l.fatal.code && l.samples == 0)
        no_samples(&l);
    if (l.fatal.code) {
        *err = l.fatal;
        return l.fatal.code;
    }
    if (crc)
        *err = e;
    return crc;
}
