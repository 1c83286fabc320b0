/* SPDX-License-Identifier: MIT */
/* repl.c - raw-REPL framing as a pure state machine: sync into raw mode
 * ("\r\x01" probes, at most one "\r\x03"), exec ("OK" stdout \x04 stderr \x04
 * '>'), leave ("\r\x02"), and a deadline for every wait. Bytes and time come
 * in, events and bytes to send go out. It must never do I/O, sleep, read a
 * clock, or send \x04 without code before it (raw-repl.md 1.5). */
#include "repl.h"

#include "hw.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sync timing. After opening, boards may still print a boot log (ESP32 ROM
 * log, MicroPython banner, main.py output): wait until the line has been
 * quiet for QUIET_MS, at most DRAIN_MAX_MS (raw-repl.md 2, row 1). After a
 * Ctrl-C, TinyUSB flushes its stdin ring, so the next Ctrl-A must come after a
 * pause (row 5). SETTLE_MS lets a late second banner (from a probe that sat in
 * a busy program's stdin) arrive before READY, so it is not mistaken for an
 * answer to the first exec. */
#define QUIET_MS 200
#define DRAIN_MAX_MS 2000
#define INTR_QUIET_MS 100
#define INTR_MAX_MS 1000
#define SETTLE_MS 50
#define MAX_PROBES 3
static const int probe_wait_ms[MAX_PROBES] = {500, 1000, 1500};

/* Noise is delivered a line at a time; a line longer than NOISE_BUF is cut,
 * keeping NOISE_KEEP bytes back in case they start a delimiter that must be
 * taken back out of the noise. At most MAX_NOISE_EVENTS wait to be polled. */
#define NOISE_BUF 1024
#define NOISE_KEEP 32
#define MAX_NOISE_EVENTS 64
#define TAIL_LEN 64 /* recent received bytes, for delimiter matching; > longest delimiter */
#define FRAME_MIN 4096

/* pyexec.c l.559: mp_hal_stdout_tx_str("raw REPL; CTRL-B to exit\r\n"), then ">".
 * Matched without the line ending: the unix port sends "\r\r\n", a raw pty "\n". */
#define BANNER "raw REPL; CTRL-B to exit"
/* "MPY: soft reboot\r\n" (rp2, unix, qemu), "PYB: soft reboot" (older stm32). */
#define SOFT_REBOOT_CR "soft reboot\r"
#define SOFT_REBOOT_LF "soft reboot\n"
/* Friendly-REPL banner after a (hard) reset:
 * "MicroPython v1.23.0 on 2024-06-02; Generic ESP32 module with ESP32\r\n" */
#define BOOT_BANNER "MicroPython v"
#define LIT(s) (s), (sizeof(s) - 1)

enum phase {
    PH_NONE,
    PH_DRAIN,  /* SYNCING: discarding input until the line is quiet */
    PH_PROBE,  /* SYNCING: sent "\r\x01", waiting for the banner */
    PH_INTR,   /* SYNCING: sent "\r\x03", discarding input until quiet */
    PH_OK,     /* RUNNING: sent code + \x04, searching for "OK" */
    PH_STDOUT, /* RUNNING: collecting stdout until \x04 */
    PH_STDERR, /* RUNNING: collecting stderr until \x04 */
    PH_PROMPT, /* RUNNING: waiting for the '>' that ends the frame */
};

struct qev {
    struct qev *next;
    struct repl_event ev;
    char *buf; /* owned: NOISE bytes or the RESULT frame */
    char msg[192];
};

struct repl {
    struct repl_config cfg;
    int default_exec_timeout_ms;
    enum repl_state state;
    enum phase phase;
    bool touched;    /* this session sent something, so leaving must send "\r\x02" */
    bool line_dirty; /* the last byte written was not a control byte: the board's raw
                      * line may hold part of an abandoned exec's code */

    /* time */
    int64_t phase_at;      /* when the current phase began */
    int64_t last_activity; /* last byte received, or the phase start */
    int64_t sync_deadline;
    int64_t drain_cap;
    int64_t probe_deadline;
    int64_t exec_deadline;
    int exec_timeout_ms; /* of the exec in flight */
    int64_t prompt_at;

    /* sync progress */
    int probes;
    bool interrupted;
    bool banner_seen; /* banner matched, '>' not yet */
    bool prompt_seen; /* banner and '>' matched: settling */
    size_t sync_rx;

    /* delimiter matching: the last TAIL_LEN bytes of the stream; a match must
     * lie within the current segment (bytes since the last protocol step), so
     * the result does not depend on what came before it */
    uint8_t tail[TAIL_LEN];
    uint64_t rx_count;
    size_t seg_len;
    uint64_t feed_start; /* rx_count when the current repl_feed() began */
    long answer_off;     /* where in that feed an exec's answer began, or -1 */

    uint8_t *tx;
    size_t tx_len, tx_cap;

    /* the exec frame: stdout, NUL, stderr, NUL */
    char *frame;
    size_t frame_len, frame_cap;
    size_t data_len;  /* stdout + stderr bytes stored, against cfg.max_output */
    size_t data_seen; /* stdout + stderr bytes received, stored or not */
    size_t out_len;
    size_t exec_rx;
    bool overflow;

    char noise[NOISE_BUF];
    size_t noise_len;
    size_t noise_dropped;
    unsigned noise_queued;

    struct qev *q_head, *q_tail;
    struct qev *handed; /* polled last; its data lives until the next poll */
};

static int64_t add_ms(int64_t t, int ms)
{
    return t > INT64_MAX - ms ? INT64_MAX : t + ms;
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* "2 s" for whole seconds, else "1500 ms". */
static void fmt_dur(char *buf, size_t n, int ms)
{
    if (ms % 1000 == 0) {
        snprintf(buf, n, "%d s", ms / 1000);
    } else {
        snprintf(buf, n, "%d ms", ms);
    }
}

/* ---- events ---- */

static struct qev *ev_push(struct repl *r, enum repl_event_type type, int code)
{
    struct qev *q = xcalloc(1, sizeof(*q));
    q->ev.type = type;
    q->ev.code = code;
    q->ev.msg = q->msg;
    if (r->q_tail) {
        r->q_tail->next = q;
    } else {
        r->q_head = q;
    }
    r->q_tail = q;
    return q;
}

__attribute__((format(printf, 2, 3))) static void ev_msg(struct qev *q, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(q->msg, sizeof(q->msg), fmt, ap);
    va_end(ap);
}

static void qev_free(struct qev *q)
{
    if (q) {
        free(q->buf);
        free(q);
    }
}

/* ---- noise: bytes outside any frame, delivered line by line ---- */

static void noise_emit(struct repl *r, size_t n)
{
    if (r->noise_queued >= MAX_NOISE_EVENTS) {
        r->noise_dropped += n;
    } else {
        struct qev *q = ev_push(r, REPL_EV_NOISE, HW_OK);
        q->buf = xmalloc(n + 1);
        memcpy(q->buf, r->noise, n);
        q->buf[n] = '\0';
        q->ev.out = q->buf;
        q->ev.out_len = n;
        q->ev.dropped = r->noise_dropped;
        r->noise_dropped = 0;
        r->noise_queued++;
    }
    memmove(r->noise, r->noise + n, r->noise_len - n);
    r->noise_len -= n;
}

static void noise_add(struct repl *r, uint8_t c)
{
    r->noise[r->noise_len++] = (char)c;
    if (c == '\n') {
        noise_emit(r, r->noise_len);
    } else if (r->noise_len == NOISE_BUF) {
        noise_emit(r, NOISE_BUF - NOISE_KEEP);
    }
}

/* Take a just-matched delimiter back out of the noise. Delimiters hold no
 * '\n' and are shorter than NOISE_KEEP, so they are still in the buffer. */
static void noise_unadd(struct repl *r, size_t n)
{
    r->noise_len = n <= r->noise_len ? r->noise_len - n : 0;
}

/* ---- output to the board ---- */

static void tx_push(struct repl *r, const void *p, size_t n)
{
    if (r->tx_len + n > r->tx_cap) {
        size_t cap = r->tx_cap ? r->tx_cap : 64;
        while (cap < r->tx_len + n) {
            cap *= 2;
        }
        r->tx = xrealloc(r->tx, cap);
        r->tx_cap = cap;
    }
    memcpy(r->tx + r->tx_len, p, n);
    r->tx_len += n;
    r->touched = true;
}

/* ---- delimiter matching ---- */

static bool ends_with(const struct repl *r, const char *pat, size_t n)
{
    if (n > r->seg_len) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        if (r->tail[(r->rx_count - 1 - i) % TAIL_LEN] != (uint8_t)pat[n - 1 - i]) {
            return false;
        }
    }
    return true;
}

/* Did the board just print a reset marker? Inside an exec's stdout the boot
 * banner must start a line, so that printing sys.version
 * ("3.4.0; MicroPython v1.23.0 ...") is not taken for a reset. */
static const char *reset_marker(const struct repl *r, bool in_frame)
{
    if (ends_with(r, LIT(SOFT_REBOOT_CR)) || ends_with(r, LIT(SOFT_REBOOT_LF))) {
        return "board reset: soft reboot";
    }
    if (!ends_with(r, LIT(BOOT_BANNER))) {
        return NULL;
    }
    size_t n = sizeof(BOOT_BANNER) - 1;
    if (in_frame && r->seg_len > n) {
        uint8_t prev = r->tail[(r->rx_count - 1 - n) % TAIL_LEN];
        if (prev != '\n' && prev != '\r') {
            return NULL;
        }
    }
    return "board reset: boot banner";
}

/* ---- state changes ---- */

static void set_phase(struct repl *r, enum phase ph, int64_t now)
{
    r->phase = ph;
    r->phase_at = now;
    r->seg_len = 0;
}

static void frame_reset(struct repl *r)
{
    free(r->frame);
    r->frame = NULL;
    r->frame_len = r->frame_cap = 0;
    r->data_len = r->data_seen = r->out_len = r->exec_rx = 0;
    r->overflow = false;
}

static void enter_ready(struct repl *r, int64_t now)
{
    r->state = REPL_READY;
    set_phase(r, PH_NONE, now);
}

/* Start (or restart) syncing: drain first, send nothing yet. A soft reboot in
 * raw mode prints the banner and '>' by itself, which ends the sync with no
 * byte sent. */
static void start_sync(struct repl *r, int64_t now)
{
    int cap = r->cfg.sync_timeout_ms / 5 * 2;
    /* Drop the unwritten rest of an abandoned exec: written later, it would
     * run and answer with a frame that a later exec could take for its own. */
    r->tx_len = 0;
    frame_reset(r);
    r->state = REPL_SYNCING;
    set_phase(r, PH_DRAIN, now);
    r->last_activity = now;
    r->sync_deadline = add_ms(now, r->cfg.sync_timeout_ms);
    r->drain_cap = add_ms(now, cap < DRAIN_MAX_MS ? cap : DRAIN_MAX_MS);
    r->probes = 0;
    r->interrupted = false;
    r->banner_seen = r->prompt_seen = false;
    r->sync_rx = 0;
}

static void send_probe(struct repl *r, int64_t now)
{
    /* "\r" first: readline only returns Ctrl-A on an empty line (readline.c l.159) */
    tx_push(r, "\r\x01", 2);
    r->phase = PH_PROBE;
    r->phase_at = now;
    r->probe_deadline =
        add_ms(now, probe_wait_ms[r->probes < MAX_PROBES ? r->probes : MAX_PROBES - 1]);
    r->probes++;
}

/* A board that sent nothing at all is silent, not busy: "busy" is for one
 * that keeps talking (a program printing) without ever showing a prompt. */
static void sync_fail(struct repl *r, int64_t now)
{
    char d[32];
    struct qev *q = ev_push(r, REPL_EV_TIMEOUT, HW_EBUSY);
    fmt_dur(d, sizeof(d), r->cfg.sync_timeout_ms);
    q->ev.received = r->sync_rx;
    if (r->sync_rx == 0) {
        ev_msg(q, "no answer: nothing received in %s", d);
    } else if (r->interrupted) {
        ev_msg(q, "board busy: no prompt after Ctrl-C (%zu bytes of other output)", r->sync_rx);
    } else if (!r->cfg.interrupt) {
        ev_msg(q,
               "board busy: no prompt, and interrupting is not allowed (%zu bytes of other "
               "output)",
               r->sync_rx);
    } else {
        ev_msg(q, "no raw REPL prompt within %s (%zu bytes of other output)", d, r->sync_rx);
    }
    r->state = REPL_IDLE;
    set_phase(r, PH_NONE, now);
}

static void sync_fire(struct repl *r, int64_t now)
{
    if (r->prompt_seen && r->line_dirty) {
        /* A prompt, but part of an abandoned exec's code may sit in the raw
         * line and would prefix the next code. A pending byte ends with a
         * control byte that clears the line; else a Ctrl-A probe does. */
        r->prompt_seen = false;
        if (r->tx_len == 0) {
            send_probe(r, now);
        } else {
            r->phase = PH_PROBE;
            r->probe_deadline = add_ms(now, probe_wait_ms[0]);
        }
        return;
    }
    if (r->prompt_seen) {
        /* Pending probes or Ctrl-C are no longer needed; a Ctrl-A sent now
         * would print a banner where the first exec expects "OK". */
        r->tx_len = 0;
        enter_ready(r, now);
        ev_push(r, REPL_EV_READY, HW_OK);
        return;
    }
    if (now >= r->sync_deadline) {
        sync_fail(r, now);
        return;
    }
    switch (r->phase) {
    case PH_PROBE:
        if (r->cfg.interrupt && !r->interrupted) {
            /* Not at a prompt: stop the program (or clear a typed line). */
            tx_push(r, "\r\x03", 2);
            r->interrupted = true;
            r->phase = PH_INTR;
            r->phase_at = r->last_activity = now;
        } else {
            /* keep asking until sync_deadline (--timeout): a board may be
             * booting for longer than the first probes wait */
            send_probe(r, now);
        }
        break;
    default: /* PH_DRAIN, PH_INTR: the line is quiet (or we stopped waiting) */
        send_probe(r, now);
        break;
    }
}

static void frame_put(struct repl *r, char c);

/* Hand the stdout an exec in flight has sent so far (a dump cut by the
 * timeout) to its TIMEOUT event, NUL-terminated. */
static void give_partial(struct repl *r, struct qev *q)
{
    const char *data;
    size_t n = repl_partial_output(r, &data);
    if (!n) {
        return;
    }
    if (r->phase == PH_STDOUT) {
        frame_put(r, '\0');
    }
    q->buf = r->frame;
    q->ev.out = r->frame;
    q->ev.out_len = n;
    r->frame = NULL;
}

static void exec_fire(struct repl *r, int64_t now)
{
    char d[32];
    int64_t char_deadline = add_ms(r->last_activity, r->cfg.char_timeout_ms);
    struct qev *q = ev_push(r, REPL_EV_TIMEOUT, HW_ETIMEDOUT);
    if (char_deadline <= r->exec_deadline) {
        fmt_dur(d, sizeof(d), r->cfg.char_timeout_ms);
        switch (r->phase) {
        case PH_OK:
            ev_msg(q, "no answer for %s after sending the code (waiting for OK)", d);
            break;
        case PH_STDOUT:
            ev_msg(q, "no answer for %s while reading the output (%zu bytes so far)", d,
                   r->data_seen);
            break;
        case PH_STDERR:
            ev_msg(q, "no answer for %s while reading the error output", d);
            break;
        default:
            ev_msg(q, "no '>' prompt for %s after the output", d);
            break;
        }
    } else {
        fmt_dur(d, sizeof(d), r->exec_timeout_ms);
        ev_msg(q, "exec not finished after %s (%zu bytes received)", d, r->exec_rx);
    }
    give_partial(r, q);
    start_sync(r, now);
}

static bool check_reset(struct repl *r, bool in_frame, int64_t now)
{
    const char *why = reset_marker(r, in_frame);
    if (!why) {
        return false;
    }
    ev_msg(ev_push(r, REPL_EV_RESET, HW_OK), "%s", why);
    start_sync(r, now);
    return true;
}

/* ---- the exec frame ---- */

static void frame_put(struct repl *r, char c)
{
    if (r->frame_len == r->frame_cap) {
        size_t lim = r->cfg.max_output + 2; /* data plus two NULs */
        size_t cap = r->frame_cap ? r->frame_cap * 2 : FRAME_MIN;
        if (cap > lim) {
            cap = lim;
        }
        if (cap <= r->frame_len) {
            cap = r->frame_len + 1;
        }
        r->frame = xrealloc(r->frame, cap);
        r->frame_cap = cap;
    }
    r->frame[r->frame_len++] = c;
}

static void frame_add(struct repl *r, uint8_t c)
{
    r->data_seen++;
    if (r->overflow) {
        return;
    }
    if (r->data_len >= r->cfg.max_output) {
        /* Keep reading to the end of the frame, but store nothing more. */
        r->overflow = true;
        free(r->frame);
        r->frame = NULL;
        r->frame_len = r->frame_cap = 0;
        return;
    }
    frame_put(r, (char)c);
    r->data_len++;
}

static void finish_exec(struct repl *r, int64_t now)
{
    if (r->overflow) {
        ev_msg(ev_push(r, REPL_EV_ERROR, HW_EPROTO),
               "output larger than the %zu-byte cap (%zu bytes); dropped", r->cfg.max_output,
               r->data_seen);
    } else {
        struct qev *q = ev_push(r, REPL_EV_RESULT, HW_OK);
        q->buf = r->frame;
        q->ev.out = r->frame;
        q->ev.out_len = r->out_len;
        q->ev.err = r->frame + r->out_len + 1;
        q->ev.err_len = r->data_len - r->out_len;
        r->frame = NULL;
    }
    frame_reset(r);
    enter_ready(r, now);
}

/* One byte of an exec's answer: "OK" <stdout> \x04 <stderr> \x04 '>'. */
static void exec_byte(struct repl *r, uint8_t c, int64_t now)
{
    r->exec_rx++;
    switch (r->phase) {
    case PH_OK:
        /* Search, don't expect: program prints and "AT+GCAP" may come first. */
        noise_add(r, c);
        if (ends_with(r, LIT("OK"))) {
            noise_unadd(r, 2);
            r->answer_off = (long)(r->rx_count - r->feed_start);
            set_phase(r, PH_STDOUT, now);
        } else if (ends_with(r, LIT(BANNER))) {
            /* Raw mode was re-entered: our code is gone. Resync on its '>'. */
            noise_unadd(r, sizeof(BANNER) - 1);
            ev_msg(ev_push(r, REPL_EV_ERROR, HW_EPROTO),
                   "board re-entered the raw REPL instead of answering OK; exec dropped");
            start_sync(r, now);
            r->banner_seen = true;
        } else {
            check_reset(r, false, now);
        }
        break;
    case PH_STDOUT:
    case PH_STDERR:
        if (c == 0x04) {
            if (!r->overflow) {
                frame_put(r, '\0');
            }
            if (r->phase == PH_STDOUT) {
                r->out_len = r->data_len;
                set_phase(r, PH_STDERR, now);
            } else {
                set_phase(r, PH_PROMPT, now);
            }
            break;
        }
        frame_add(r, c);
        check_reset(r, true, now);
        break;
    default: /* PH_PROMPT */
        if (c == '>') {
            finish_exec(r, now);
            break;
        }
        noise_add(r, c);
        check_reset(r, false, now);
        break;
    }
}

/* One byte while syncing: everything is noise except the banner and the '>'
 * after it. Line endings between them are swallowed ("\r\n", "\r\r\n", "\n"). */
static void sync_byte(struct repl *r, uint8_t c, int64_t now)
{
    r->sync_rx++;
    if (r->banner_seen) {
        if (c == '>') {
            r->banner_seen = false;
            r->prompt_seen = true;
            r->prompt_at = now;
            return;
        }
        if (c == '\r' || c == '\n') {
            return;
        }
    }
    noise_add(r, c);
    if (ends_with(r, LIT(BANNER))) {
        noise_unadd(r, sizeof(BANNER) - 1);
        r->banner_seen = true;
        r->prompt_seen = false;
    }
}

static void rx_byte(struct repl *r, uint8_t c, int64_t now)
{
    r->tail[r->rx_count % TAIL_LEN] = c;
    r->rx_count++;
    r->seg_len++;
    r->last_activity = now;
    switch (r->state) {
    case REPL_IDLE:
        noise_add(r, c);
        break;
    case REPL_SYNCING:
        sync_byte(r, c, now);
        break;
    case REPL_READY:
        noise_add(r, c);
        check_reset(r, false, now);
        break;
    case REPL_RUNNING:
        exec_byte(r, c, now);
        break;
    }
}

/* ---- public API ---- */

void repl_config_default(struct repl_config *cfg)
{
    cfg->char_timeout_ms = 2000;
    cfg->sync_timeout_ms = 5000;
    cfg->exec_timeout_ms = 30000;
    cfg->interrupt = true;
    cfg->max_output = (size_t)32 << 20;
}

struct repl *repl_new(const struct repl_config *cfg)
{
    struct repl_config d;
    struct repl *r = xcalloc(1, sizeof(*r));
    r->answer_off = -1;
    repl_config_default(&d);
    r->cfg = cfg ? *cfg : d;
    if (r->cfg.char_timeout_ms <= 0) {
        r->cfg.char_timeout_ms = d.char_timeout_ms;
    }
    if (r->cfg.sync_timeout_ms <= 0) {
        r->cfg.sync_timeout_ms = d.sync_timeout_ms;
    }
    if (r->cfg.exec_timeout_ms <= 0) {
        r->cfg.exec_timeout_ms = d.exec_timeout_ms;
    }
    if (r->cfg.max_output == 0) {
        r->cfg.max_output = d.max_output;
    }
    if (r->cfg.max_output > SIZE_MAX / 4) {
        r->cfg.max_output = SIZE_MAX / 4;
    }
    r->default_exec_timeout_ms = r->cfg.exec_timeout_ms;
    r->state = REPL_IDLE;
    return r;
}

void repl_free(struct repl *r)
{
    if (!r) {
        return;
    }
    qev_free(r->handed);
    while (r->q_head) {
        struct qev *q = r->q_head;
        r->q_head = q->next;
        qev_free(q);
    }
    free(r->frame);
    free(r->tx);
    free(r);
}

void repl_connect(struct repl *r, int64_t now_ms)
{
    start_sync(r, now_ms);
}

int repl_exec(struct repl *r, const char *code, int64_t now_ms)
{
    size_t n = 0;
    if (!code) {
        return HW_EARG;
    }
    while (n <= REPL_MAX_CODE && code[n]) {
        if (code[n] >= 0x01 && code[n] <= 0x04) {
            return HW_EARG;
        }
        n++;
    }
    if (n == 0 || n > REPL_MAX_CODE) {
        return HW_EARG;
    }
    if (r->state != REPL_READY || r->tx_len > 0) {
        return HW_EBUSY;
    }
    /* Code and Ctrl-D go out together: the raw line is never empty at \x04. */
    tx_push(r, code, n);
    tx_push(r, "\x04", 1);
    frame_reset(r);
    r->state = REPL_RUNNING;
    set_phase(r, PH_OK, now_ms);
    r->last_activity = now_ms;
    r->exec_timeout_ms = r->cfg.exec_timeout_ms;
    r->exec_deadline = add_ms(now_ms, r->exec_timeout_ms);
    return HW_OK;
}

void repl_set_exec_timeout(struct repl *r, int timeout_ms)
{
    r->cfg.exec_timeout_ms = timeout_ms > 0 ? timeout_ms : r->default_exec_timeout_ms;
}

void repl_leave(struct repl *r, int64_t now_ms)
{
    frame_reset(r);
    r->tx_len = 0;
    if (r->touched) {
        tx_push(r, "\r\x02", 2);
    }
    r->touched = false;
    r->state = REPL_IDLE;
    set_phase(r, PH_NONE, now_ms);
    ev_push(r, REPL_EV_LEFT, HW_OK);
}

void repl_feed(struct repl *r, const void *buf, size_t n, int64_t now_ms)
{
    const uint8_t *p = buf;
    r->feed_start = r->rx_count;
    r->answer_off = -1;
    for (size_t i = 0; i < n; i++) {
        rx_byte(r, p[i], now_ms);
    }
}

long repl_answer_began(const struct repl *r)
{
    return r->answer_off;
}

void repl_tick(struct repl *r, int64_t now_ms)
{
    /* Each firing moves to a later deadline or to none; the bound is a guard. */
    for (int guard = 0; guard < 32; guard++) {
        int64_t d = repl_deadline(r);
        if (d < 0 || now_ms < d) {
            return;
        }
        if (r->state == REPL_SYNCING) {
            sync_fire(r, now_ms);
        } else {
            exec_fire(r, now_ms);
        }
    }
}

int64_t repl_deadline(const struct repl *r)
{
    int64_t d;
    switch (r->state) {
    case REPL_SYNCING:
        if (r->prompt_seen) {
            return add_ms(r->prompt_at, SETTLE_MS);
        }
        if (r->phase == PH_DRAIN) {
            d = min64(add_ms(r->last_activity, QUIET_MS), r->drain_cap);
        } else if (r->phase == PH_INTR) {
            d = min64(add_ms(r->last_activity, INTR_QUIET_MS), add_ms(r->phase_at, INTR_MAX_MS));
        } else {
            d = r->probe_deadline;
        }
        return min64(d, r->sync_deadline);
    case REPL_RUNNING:
        return min64(add_ms(r->last_activity, r->cfg.char_timeout_ms), r->exec_deadline);
    default:
        return -1;
    }
}

size_t repl_output(const struct repl *r, const uint8_t **data)
{
    *data = r->tx_len ? r->tx : NULL;
    return r->tx_len;
}

void repl_output_done(struct repl *r, size_t n)
{
    if (n > r->tx_len) {
        n = r->tx_len;
    }
    if (n > 0) {
        /* \x01-\x03 clear the raw line, \x04 ends the code; anything else
         * (code, the "\r" of a probe) is left in it. */
        r->line_dirty = r->tx[n - 1] < 0x01 || r->tx[n - 1] > 0x04;
    }
    if (n == r->tx_len) {
        r->tx_len = 0;
        return;
    }
    memmove(r->tx, r->tx + n, r->tx_len - n);
    r->tx_len -= n;
}

bool repl_poll_event(struct repl *r, struct repl_event *ev)
{
    struct qev *q = r->q_head;
    qev_free(r->handed);
    r->handed = NULL;
    if (!q) {
        memset(ev, 0, sizeof(*ev));
        ev->msg = "";
        return false;
    }
    r->q_head = q->next;
    if (!r->q_head) {
        r->q_tail = NULL;
    }
    if (q->ev.type == REPL_EV_NOISE) {
        r->noise_queued--;
    }
    *ev = q->ev;
    r->handed = q;
    return true;
}

size_t repl_partial_output(const struct repl *r, const char **data)
{
    size_t n = 0;
    if (r->state == REPL_RUNNING && !r->overflow && r->frame) {
        if (r->phase == PH_STDOUT) {
            n = r->data_len;
        } else if (r->phase == PH_STDERR || r->phase == PH_PROMPT) {
            n = r->out_len;
        }
    }
    *data = n ? r->frame : NULL;
    return n;
}

enum repl_state repl_state(const struct repl *r)
{
    return r->state;
}

const char *repl_state_name(enum repl_state s)
{
    switch (s) {
    case REPL_IDLE:
        return "idle";
    case REPL_SYNCING:
        return "syncing";
    case REPL_READY:
        return "ready";
    case REPL_RUNNING:
        return "running";
    }
    return "?";
}

const char *repl_event_name(enum repl_event_type t)
{
    switch (t) {
    case REPL_EV_READY:
        return "READY";
    case REPL_EV_RESULT:
        return "RESULT";
    case REPL_EV_ERROR:
        return "ERROR";
    case REPL_EV_TIMEOUT:
        return "TIMEOUT";
    case REPL_EV_RESET:
        return "RESET";
    case REPL_EV_NOISE:
        return "NOISE";
    case REPL_EV_LEFT:
        return "LEFT";
    }
    return "?";
}
