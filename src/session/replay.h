/* SPDX-License-Identifier: MIT */
/* replay.h - `heapwatch replay FILE`: the live UI over a recorded capture
 * or any log `analyze` reads, with stepping, speed and a position bar. */
#ifndef HW_REPLAY_H
#define HW_REPLAY_H

#include "hw.h"
#include "ui.h"

struct replay_opts {
    const char *file; /* "-" = standard input */
    struct ui_opts ui;
};

/* Load the file, then run the UI until q. Needs a terminal. Returns HW_OK,
 * or an error in err (file unreadable, no dumps in it, no terminal). */
int replay_run(const struct replay_opts *o, struct hw_err *err);

#endif
