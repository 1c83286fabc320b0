/* SPDX-License-Identifier: MIT */
/* floor.h - who may talk to the board when heapwatch shares it (--share):
 * heapwatch, which samples through its raw REPL, or the program on the
 * shared pty (a terminal, mpremote, Thonny). The other program asks for
 * the floor by writing; heapwatch hands it over only between its own
 * exchanges, and takes it back once the board sits at a prompt and both
 * sides have been quiet a while. A pure state machine: bytes and times
 * in, what to do out; live.c does the I/O.
 *
 *   OURS --their bytes--> HANDING --our exchange over, raw REPL left--> THEIRS
 *   THEIRS --quiet QUIET_MS at ">>> " or the raw ">"--> OURS (heapwatch syncs again)
 */
#ifndef HW_FLOOR_H
#define HW_FLOOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum floor_state {
    FLOOR_OURS,    /* heapwatch samples; the other side's bytes wait */
    FLOOR_HANDING, /* they asked: heapwatch finishes its exchange and leaves */
    FLOOR_THEIRS,  /* their bytes go to the board, the board's to them */
};

/* How long both sides stay quiet, the board at a prompt, before heapwatch
 * takes the floor back. mpremote's pauses between the steps of one
 * command are a few ms; a person at a terminal pauses longer, and a
 * keystroke after the floor went back simply asks for it again. */
enum { FLOOR_QUIET_MS = 1500 };

struct floor {
    enum floor_state state;
    int64_t last_activity; /* THEIRS: last byte either way */
    char tail[32];         /* the board's last bytes while THEIRS, for the prompt */
    size_t tail_len;
    long handovers; /* times the floor went to them */
    /* they left the board in the raw REPL: it goes back to them in it
     * (heapwatch's own raw REPL, at its '>'), not at ">>> ", so a tool
     * that runs several commands in one raw session finds it as it was */
    bool their_raw;
};

void floor_init(struct floor *f);
/* The other side wrote (the bytes are queued by the caller). */
void floor_their_input(struct floor *f, int64_t now);
/* HANDING: heapwatch's exchange is over and it has left its raw REPL;
 * the queued bytes may go. */
void floor_handed(struct floor *f, int64_t now);
/* THEIRS: the board sent n bytes (to them). */
void floor_board_output(struct floor *f, const char *buf, size_t n, int64_t now);
/* THEIRS: take the floor back now? (the board is at a prompt and all has
 * been quiet FLOOR_QUIET_MS); the state is OURS when it returns true. */
bool floor_take_back(struct floor *f, int64_t now);
/* When floor_take_back() may next say yes; -1 when not THEIRS. */
int64_t floor_deadline(const struct floor *f);
const char *floor_state_name(enum floor_state s);

#endif
