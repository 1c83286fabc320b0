/* SPDX-License-Identifier: MIT */
/* repl.h - the raw-REPL protocol as a sans-I/O state machine.
 *
 * The caller feeds received bytes (repl_feed), fires deadlines (repl_tick at
 * repl_deadline()), writes what repl_output() hands out, and reads events
 * (repl_poll_event). The module never reads, writes, sleeps or looks at a
 * clock: every entry point that depends on time takes now_ms, a monotonic
 * millisecond count chosen by the caller.
 *
 * Invariants the module keeps, whatever the board sends:
 *  - it never sends Ctrl-D (\x04) except right after the non-empty code of an
 *    exec (an empty raw line + Ctrl-D soft-resets the board and wipes the heap
 *    heapwatch is watching);
 *  - it sends Ctrl-C at most once per sync, and never if cfg.interrupt is false;
 *  - every waiting state has a deadline, and every buffer has a cap. */
#ifndef HW_REPL_H
#define HW_REPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest code repl_exec() accepts. Plain raw mode has no flow control, and
 * some ports have 256-byte stdin buffers (mpremote writes 256-byte chunks with
 * pauses); the mem_info snippets are under 60 bytes. */
#define REPL_MAX_CODE 256

struct repl_config {
    int char_timeout_ms; /* max silence while a response is arriving (default 2000) */
    int sync_timeout_ms; /* overall deadline to reach the raw prompt (default 5000) */
    int exec_timeout_ms; /* overall deadline for one exec (default 30000) */
    bool interrupt;      /* may send one Ctrl-C when the board is not at a prompt (default true) */
    size_t max_output;   /* cap on buffered stdout+stderr of one exec (default 32 MiB) */
};

enum repl_state {
    REPL_IDLE,    /* no session: before repl_connect, after repl_leave or a failed sync */
    REPL_SYNCING, /* entering the raw REPL (draining, Ctrl-A probes, maybe one Ctrl-C) */
    REPL_READY,   /* at the raw prompt '>': repl_exec() is accepted */
    REPL_RUNNING, /* an exec is in flight */
};

enum repl_event_type {
    REPL_EV_READY,   /* reached the raw prompt after a sync */
    REPL_EV_RESULT,  /* an exec finished: out = stdout, err = stderr; state is READY */
    REPL_EV_ERROR,   /* an exec failed (output over the cap, or the board re-entered the
                      * raw REPL instead of answering OK); msg says which; see repl_state() */
    REPL_EV_TIMEOUT, /* a deadline fired; msg says what was awaited */
    REPL_EV_RESET,   /* the board reset mid-session ("soft reboot" or a boot banner);
                      * the module resyncs by itself (state SYNCING), never with Ctrl-D */
    REPL_EV_NOISE,   /* bytes outside any frame (program prints, boot log, prompts) */
    REPL_EV_LEFT,    /* repl_leave() was called; state is IDLE */
};

/* One event. All pointers are borrowed from the repl and stay valid until the
 * next repl_poll_event() or repl_free() on the same repl. */
struct repl_event {
    enum repl_event_type type;
    int code;        /* HW_OK; TIMEOUT: HW_ETIMEDOUT (exec) or HW_EBUSY (sync);
                      * ERROR: HW_EPROTO */
    const char *msg; /* never NULL; "" for READY, RESULT, NOISE and LEFT */
    const char *out; /* RESULT: stdout; NOISE: the bytes; TIMEOUT of an exec: the stdout
                      * it sent before it stalled (a cut dump; NULL if none); else
                      * NULL. NUL-terminated, but may contain NULs itself: out_len
                      * is authoritative */
    size_t out_len;
    const char *err; /* RESULT: stderr, NUL-terminated ("" when the code succeeded;
                      * a traceback such as MemoryError is a result, not a failure);
                      * else NULL */
    size_t err_len;
    size_t dropped;  /* NOISE: noise bytes dropped before this one because too many
                      * NOISE events were waiting to be polled */
    size_t received; /* TIMEOUT of a sync: bytes received while waiting (0: silent) */
};

/* Fill cfg with the defaults listed in struct repl_config. */
void repl_config_default(struct repl_config *cfg);

/* Create a repl in REPL_IDLE. cfg is copied; NULL means the defaults, and a
 * timeout <= 0 or a max_output of 0 takes that field's default. Never returns
 * NULL (aborts on OOM). Free with repl_free(). */
struct repl *repl_new(const struct repl_config *cfg);

/* Free r and everything it owns, including borrowed event data. NULL is a no-op. */
void repl_free(struct repl *r);

/* (Re)start syncing into raw mode, from any state: drop pending output and any
 * exec in flight, then drain the line until it is quiet, probe with "\r\x01",
 * send "\r\x03" once (only if cfg.interrupt) when the probe gets no banner, and
 * probe again with backoff (0.5, 1, then every 1.5 s) until sync_timeout_ms. Ends with
 * REPL_EV_READY or with REPL_EV_TIMEOUT (code HW_EBUSY) and REPL_IDLE. Queued,
 * unpolled events are kept. */
void repl_connect(struct repl *r, int64_t now_ms);

/* Send code (NUL-terminated, copied) then Ctrl-D, and expect
 * "OK" <stdout> \x04 <stderr> \x04 '>'. Returns 0, HW_EBUSY unless the state is
 * REPL_READY with no unwritten output, or HW_EARG if code is empty, longer than
 * REPL_MAX_CODE or contains a byte 0x01-0x04 (they would end or reset the raw
 * line). An accepted exec ends with exactly one of RESULT, ERROR, TIMEOUT or
 * RESET (or nothing, if repl_connect/repl_leave cancel it). After a TIMEOUT,
 * RESET or a "banner instead of OK" ERROR the module resyncs by itself (state
 * SYNCING): the unwritten rest of the code is dropped, and if part of it was
 * written, a Ctrl-A clears the board's raw line before the next READY. A
 * caller that prefers to reopen the port calls repl_connect() afterwards. */
int repl_exec(struct repl *r, const char *code, int64_t now_ms);

/* Set exec_timeout_ms for later execs (the caller scales it with the heap
 * size); <= 0 restores the default. */
void repl_set_exec_timeout(struct repl *r, int timeout_ms);

/* Leave the raw REPL: replace pending output with "\r\x02" (only if this
 * session sent anything), queue REPL_EV_LEFT and go REPL_IDLE. The board then
 * prints its banner and ">>> ", which arrive as NOISE. */
void repl_leave(struct repl *r, int64_t now_ms);

/* Process n received bytes (buf may be NULL when n is 0). Events are queued;
 * the result does not depend on how the stream is split into calls. Does not
 * fire deadlines: call repl_tick() when now_ms reaches repl_deadline(). */
void repl_feed(struct repl *r, const void *buf, size_t n, int64_t now_ms);

/* Fire every deadline that is due at now_ms. Afterwards repl_deadline(r) is
 * -1 or later than now_ms. */
void repl_tick(struct repl *r, int64_t now_ms);

/* The next time repl_tick() must be called, or -1 if none (IDLE, READY). */
int64_t repl_deadline(const struct repl *r);

/* Bytes to send now: stores a borrowed pointer in *data (NULL if none) and
 * returns their count. The pointer is valid until the next call on r other than
 * repl_output_done(): write, then report at once. Pending bytes may be dropped
 * when they become unnecessary (a Ctrl-A probe once the prompt is seen). */
size_t repl_output(const struct repl *r, const uint8_t **data);

/* n bytes from the front of repl_output() were written (clamped to the count).
 * Report every write: the module tracks what the board's raw line holds. */
void repl_output_done(struct repl *r, size_t n);

/* Move the oldest queued event into *ev and return true, or return false (and
 * clear *ev, msg "") if there is none. Frees the data of the previously polled
 * event. */
bool repl_poll_event(struct repl *r, struct repl_event *ev);

/* The stdout of the exec in flight received so far (its "OK" came, its
 * frame has not ended): stores a borrowed pointer in *data (NULL if none)
 * and returns the count; 0 when no exec is in flight, before its "OK", or
 * when its output went over the cap. Valid until the next call on r other
 * than this one. For a caller whose link broke mid-answer: what the board
 * did send of a dump cut by an unplug. */
size_t repl_partial_output(const struct repl *r, const char **data);

/* Where in the bytes of the last repl_feed() an exec's answer began: the
 * offset of the byte after its "OK" (n when "OK" ended the feed), or -1 if
 * no answer began there. Noise before "OK" (a program's prints) is not the
 * answer: a caller that numbers lines needs the line the answer starts on. */
long repl_answer_began(const struct repl *r);

/* Current state, for the status line. */
enum repl_state repl_state(const struct repl *r);

/* "idle", "syncing", "ready", "running"; never NULL. */
const char *repl_state_name(enum repl_state s);

/* "READY", "RESULT", ...; never NULL. */
const char *repl_event_name(enum repl_event_type t);

#endif
