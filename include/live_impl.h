/* SPDX-License-Identifier: MIT */
/* live_impl.h - internal to live.c and live_view.c: the state of a live
 * session. live.c owns the loop, the connection and the raw REPL;
 * live_view.c what each snapshot becomes (sample lines, the full-screen
 * view, the gc comparison) and the keys. No other module includes this. */
#ifndef HW_LIVE_IMPL_H
#define HW_LIVE_IMPL_H

#include "export.h"
#include "live.h"
#include "memparse.h"
#include "record.h"
#include "repl.h"
#include "summary.h"
#include "tui.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum conn {
    CONN_SYNCING,     /* entering the raw REPL */
    CONN_CALIBRATING, /* two back-to-back probes to measure the observer */
    CONN_READY,       /* at the raw prompt, waiting for the next sample time */
    CONN_SAMPLING,    /* a sample is in flight */
    CONN_LISTENING,   /* --listen: reading what the board prints */
    CONN_LOST,        /* the port went away; retrying */
    CONN_BUSY,        /* the board did not answer; trying again later */
};

enum {
    RETRY_MS = 500,      /* reopen attempts while the board is gone */
    BUSY_RETRY_MS = 3000, /* a busy board is not interrupted more often than this */
    LISTEN_QUIET_MS = 300, /* silence that ends a dump in --listen mode */
    LEAVE_MS = 500,      /* time given to "\r\x02" on the way out */
    CALIB_TRIES = 3,     /* probes without a dump before giving up */
    CALIB_RETRY_MS = 500, /* after the first failed probe; doubles */
    FAIL_BACKOFF_MS = 250, /* a sample without a dump delays the next; doubles */
    FAIL_BACKOFF_MAX_MS = 5000,
};

struct calib {
    int n;           /* results seen in this attempt */
    int tries;
    int failures;    /* probes that brought back no dump */
    int64_t retry_at; /* the next probe after a failure; 0 = none pending */
    char answer[160]; /* what the board said instead of a dump, escaped */
    uint64_t used[2];
    uint64_t alloc[2]; /* mem: total= (MEM_STATS ports) */
    bool has_alloc;
    uint64_t heap_total; /* GC: total:, to size the exec deadline */
};

/* `g`: a sample, gc.collect() in an exec of its own (some ports collect
 * only once a command has returned), then a sample: before and after are
 * both fresh. */
enum gc_step { GC_IDLE, GC_BEFORE, GC_COLLECT, GC_AFTER };

struct live {
    const struct live_opts *o;
    FILE *out;
    void (*msg)(const struct hw_err *e);
    struct transport *t;
    struct repl *repl;
    struct memparse *mp;     /* samples */
    struct memparse *cal_mp; /* calibration probes */
    struct record *rec;
    struct json_writer *jw;
    struct summary sum;
    enum conn state;
    int64_t t0, next_sample, retry_at, last_rx;
    double wall0;         /* wall clock at t0: the record's start= */
    long samples;
    int failures;         /* samples in a row that brought back no dump */
    int64_t last_heard;   /* --listen: last byte received */
    bool silent_said;     /* --listen: the silence was reported */
    bool in_schedule;     /* the sample in flight is a scheduled one (not g, s) */
    bool ever_ready, header_done, stop;
    char err_line[256];   /* a partial line of the exec: child's stderr */
    size_t err_len;
    char spec[1024];      /* what to reopen: the resolved path or exec: spec */
    char usb_serial[128];
    char last_msg[256];   /* messages only when they change */
    struct calib cal;
    bool has_probe;
    long probe_bytes, probe_alloc;
    const char *code;
    struct hw_err fatal;
    /* the full-screen UI, when on */
    bool tui_on, paused, gc_pending, one_sample;
    enum gc_step gc_step;
    struct tui tui;
    struct ui_gc_compare gc_before; /* numbers before the user's `g` */
    char rec_name[64];              /* a recording started with `r` */
};

/* live.c: seconds since the session started */
double live_elapsed(const struct live *l);
/* live.c: a message, shown once until it changes (UI message line or msg()) */
void live_say(struct live *l, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* live.c: an event for the record file and the JSON "events" */
void live_event(struct live *l, const char *kind, const char *detail);

/* live_view.c: the reader's callback for samples: summary, JSON, view or line */
void live_on_snapshot(const struct snapshot *s, void *ctx);
/* live_view.c: the header of the sample lines (once) */
void live_print_header(struct live *l, const struct snapshot *s);
/* live_view.c: the samples before and after `g`'s collection */
void live_gc_before(struct live *l, const struct snapshot *s);
void live_gc_after(struct live *l, const struct snapshot *s);
/* live_view.c: a write to standard output failed: end the session */
void live_out_failed(struct live *l);
/* live_view.c: refresh the view's link state, rate and probe figures */
void live_update_view(struct live *l);
/* live_view.c: apply a key */
void live_on_key(struct live *l, enum ui_action a);

#endif
