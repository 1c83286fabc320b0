/* SPDX-License-Identifier: MIT */
/* fuzz_repl.c - libFuzzer target for the raw-REPL state machine.
 *
 * The input is a script: the first byte picks the config, then each byte is
 * an operation (feed raw bytes, feed a protocol token, advance time and tick,
 * exec, write some output, connect, leave). After every operation the
 * invariants are checked: no RESULT or ERROR without an exec in flight, no
 * RESULT without "OK" received after the exec, one ending per exec, deadlines
 * in the future after a tick, bounded output, Ctrl-D only right after code,
 * no Ctrl-C when interrupting is not allowed, and an answer that begins
 * only right after an "OK" of an exec. */
#include "repl.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CODE "import micropython;micropython.mem_info(1)"
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            __builtin_trap();                                                                      \
        }                                                                                          \
    } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const tokens[] = {
    "OK",
    "\x04",
    ">",
    "raw REPL; CTRL-B to exit",
    "raw REPL; CTRL-B to exit\r\n>",
    "\r\n",
    "\r\r\n",
    "MPY: soft reboot\r\n",
    "\r\nMicroPython v1.23.0 on 2024-06-02; ESP32\r\n",
    ">>> ",
    "Traceback (most recent call last):\r\n",
    "stack: 516 out of 7936\r\n",
};

struct fz {
    struct repl *r;
    struct repl_config cfg;
    int64_t now;
    bool in_flight;               /* an accepted exec has not ended yet */
    bool saw_ok;                  /* "OK" arrived since that exec was accepted */
    uint8_t prev;                 /* last byte fed since the exec, for the "OK" check */
    char line[REPL_MAX_CODE + 8]; /* the board's raw line, as the bytes written build it */
    size_t line_len;
};

static void feed(struct fz *f, const void *p, size_t n)
{
    const uint8_t *b = p;
    uint8_t before = f->prev;
    bool flying = f->in_flight;
    for (size_t i = 0; i < n; i++) {
        if (f->in_flight && f->prev == 'O' && b[i] == 'K') {
            f->saw_ok = true;
        }
        f->prev = b[i];
    }
    repl_feed(f->r, p, n, f->now);
    /* an answer begins only in an exec, right after an "OK" of this feed */
    long off = repl_answer_began(f->r);
    CHECK(off >= -1 && off <= (long)n);
    if (off >= 0) {
        CHECK(flying && off >= 1 && b[off - 1] == 'K');
        CHECK((off >= 2 ? b[off - 2] : before) == 'O');
    }
}

static void drain_events(struct fz *f)
{
    struct repl_event ev;
    while (repl_poll_event(f->r, &ev)) {
        CHECK(ev.msg != NULL);
        switch (ev.type) {
        case REPL_EV_RESULT:
            CHECK(f->in_flight && f->saw_ok);
            CHECK(ev.out && ev.err && ev.out[ev.out_len] == '\0' && ev.err[ev.err_len] == '\0');
            CHECK(ev.out_len + ev.err_len <= f->cfg.max_output);
            f->in_flight = false;
            break;
        case REPL_EV_ERROR:
            CHECK(f->in_flight);
            f->in_flight = false;
            break;
        case REPL_EV_TIMEOUT:
        case REPL_EV_RESET:
            f->in_flight = false;
            break;
        case REPL_EV_NOISE:
            CHECK(ev.out && ev.out_len > 0 && ev.out[ev.out_len] == '\0');
            break;
        default:
            break;
        }
    }
}

/* Write up to n pending bytes, checking what goes out. */
static void write_out(struct fz *f, size_t n)
{
    const uint8_t *d;
    size_t len = repl_output(f->r, &d);
    CHECK(len <= REPL_MAX_CODE + 16);
    CHECK((len == 0) == (d == NULL));
    if (n > len) {
        n = len;
    }
    for (size_t i = 0; i < n; i++) {
        switch (d[i]) {
        case 0x03:
            CHECK(f->cfg.interrupt);
            f->line_len = 0;
            break;
        case 0x01:
        case 0x02:
            f->line_len = 0;
            break;
        case 0x04:
            /* never an empty line (soft reset), never code with a stale prefix */
            CHECK(f->line_len == sizeof(CODE) - 1 && memcmp(f->line, CODE, f->line_len) == 0);
            f->line_len = 0;
            break;
        default:
            if (f->line_len < sizeof(f->line)) {
                f->line[f->line_len] = (char)d[i];
            }
            f->line_len++;
            break;
        }
    }
    repl_output_done(f->r, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fz f;
    size_t i = 0;
    memset(&f, 0, sizeof(f));
    if (size == 0) {
        return 0;
    }
    repl_config_default(&f.cfg);
    f.cfg.interrupt = data[0] & 1;
    f.cfg.max_output = (data[0] & 2) ? 64 : f.cfg.max_output;
    f.cfg.char_timeout_ms = (data[0] & 4) ? 300 : 2000;
    f.cfg.sync_timeout_ms = (data[0] & 8) ? 700 : 5000;
    f.r = repl_new(&f.cfg);
    i = 1;
    if (!(data[0] & 16)) {
        repl_connect(f.r, f.now);
    }
    while (i < size) {
        uint8_t op = data[i++];
        uint8_t arg = i < size ? data[i] : 0;
        switch (op % 10) {
        case 0:
        case 1: { /* raw bytes */
            size_t n = arg % 64;
            if (i < size) {
                i++;
            }
            if (n > size - i) {
                n = size - i;
            }
            feed(&f, data + i, n);
            i += n;
            break;
        }
        case 2:
        case 3: { /* a protocol token */
            const char *t = tokens[arg % (sizeof(tokens) / sizeof(tokens[0]))];
            i++;
            feed(&f, t, strlen(t));
            break;
        }
        case 4: { /* time passes */
            i++;
            f.now += (int64_t)arg * (op & 0x80 ? 50 : 3);
            repl_tick(f.r, f.now);
            int64_t d = repl_deadline(f.r);
            CHECK(d == -1 || d > f.now);
            break;
        }
        case 5: /* sample */
            if (repl_exec(f.r, CODE, f.now) == 0) {
                CHECK(!f.in_flight);
                f.in_flight = true;
                f.saw_ok = false;
                f.prev = 0;
            }
            break;
        case 6: /* the transport wrote some bytes */
            i++;
            write_out(&f, arg == 255 ? SIZE_MAX : arg % 8);
            break;
        case 7:
            repl_connect(f.r, f.now);
            f.in_flight = false;
            break;
        case 8:
            repl_leave(f.r, f.now);
            f.in_flight = false;
            break;
        default:
            i++;
            repl_set_exec_timeout(f.r, arg * 40);
            break;
        }
        drain_events(&f);
        if (repl_state(f.r) == REPL_READY || repl_state(f.r) == REPL_IDLE) {
            CHECK(repl_deadline(f.r) == -1);
        }
        /* the partial answer exists only while an exec runs, and is readable */
        const char *part;
        size_t plen = repl_partial_output(f.r, &part);
        CHECK((plen == 0) == (part == NULL));
        CHECK(plen == 0 || repl_state(f.r) == REPL_RUNNING);
        if (plen) {
            volatile char last = part[plen - 1];
            (void)last;
        }
    }
    write_out(&f, SIZE_MAX);
    repl_free(f.r);
    return 0;
}
