/* SPDX-License-Identifier: MIT */
/* live.h - heapwatch's main job: sample a board through the raw REPL (or
 * listen to what it prints) for as long as the user watches, surviving
 * unplugging, and hand every snapshot to the outputs. */
#ifndef HW_LIVE_H
#define HW_LIVE_H

#include "hw.h"
#include "transport.h"
#include "ui.h"

#include <stdbool.h>
#include <stdio.h>

struct live_opts {
    const char *port;              /* what the user named; NULL = auto */
    struct transport_opts topts;
    double interval_s;             /* between sample starts; 0 = back to back */
    long count;                    /* stop after this many samples; 0 = no limit */
    double duration_s;             /* stop after this long; 0 = no limit */
    bool gc;                       /* gc.collect() before each sample */
    bool no_map;                   /* mem_info() without the block map */
    bool listen;                   /* never write; parse what the board prints */
    bool interrupt;                /* may send one Ctrl-C to reach a prompt */
    double timeout_s;              /* how long the board may stay silent */
    const char *record_path;       /* NULL = none */
    const char *json_path;         /* NULL = none, "-" = stdout */
    bool with_map;                 /* block maps in the JSON */
    bool tui;                      /* the full-screen UI instead of sample lines */
    struct ui_opts ui;
    int verbose;
};

/* Run until count/duration is reached or SIGINT/SIGTERM/SIGHUP arrives.
 * One line per sample goes to out; messages go through msg() (one call per
 * message, without "heapwatch: "). Returns HW_OK when the session ended as
 * asked (gaps included), or the error that ended it (err filled): the port
 * could not be opened, or the board never answered. */
int live_run(const struct live_opts *o, FILE *out, void (*msg)(const struct hw_err *e),
             struct hw_err *err);

/* The code one sample runs on the board. */
const char *live_probe_code(bool gc, bool no_map);

#endif
