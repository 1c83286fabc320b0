/* SPDX-License-Identifier: MIT */
/* live.h - heapwatch's main job: sample a board through the raw REPL (or
 * listen to what it prints) for as long as the user watches, surviving
 * unplugging, and hand every snapshot to the outputs. */
#ifndef HW_LIVE_H
#define HW_LIVE_H

#include "hw.h"
#include "judge.h"
#include "stream.h"
#include "transport.h"
#include "ui.h"

#include <stdbool.h>
#include <stdio.h>

struct live_opts {
    const char *port; /* what the user named; NULL = auto */
    struct transport_opts topts;
    double interval_s;       /* between sample starts; 0 = back to back */
    long count;              /* stop after this many samples; 0 = no limit */
    double duration_s;       /* stop after this long; 0 = no limit */
    bool gc;                 /* gc.collect() before each sample */
    bool no_map;             /* mem_info() without the block map */
    bool listen;             /* never write; parse what the board prints */
    bool interrupt;          /* may send one Ctrl-C to reach a prompt */
    double timeout_s;        /* how long the board may stay silent */
    const char *record_path; /* NULL = none */
    const char *json_path;   /* NULL = none, "-" = stdout */
    bool with_map;           /* block maps in the JSON */
    bool tui;                /* the full-screen UI instead of sample lines */
    struct ui_opts ui;
    int verbose;
    struct judge *judge;    /* the checks and leaks: its sink goes first; the caller's */
    bool fail_fast;         /* stop when a check has failed for good */
    const char *share_path; /* --share: the pty link for another program; NULL = none */
};

/* Run until count/duration is reached, q, or SIGINT/SIGTERM/SIGHUP, or
 * until standard output fails. Sample lines go to stdout (unless the JSON
 * does or the full-screen UI is on); messages to the sink messages, which
 * the run owns from now on (closed at once when the UI shows them).
 * Returns HW_OK when the session ended as asked (gaps included), or the
 * error that ended it (err filled, marked said when it was shown): the
 * port could not be opened, the board never answered, no sample came. */
int live_run(const struct live_opts *o, struct sink *messages, struct hw_err *err);

#endif
