/* SPDX-License-Identifier: MIT */
/* floor.c - who talks to a shared board; see floor.h. */
#include "floor.h"

#include <string.h>

void floor_init(struct floor *f)
{
    memset(f, 0, sizeof(*f));
    f->state = FLOOR_OURS;
}

void floor_their_input(struct floor *f, int64_t now)
{
    if (f->state == FLOOR_OURS)
        f->state = FLOOR_HANDING;
    else if (f->state == FLOOR_THEIRS)
        f->last_activity = now;
}

void floor_handed(struct floor *f, int64_t now)
{
    if (f->state != FLOOR_HANDING)
        return;
    f->state = FLOOR_THEIRS;
    f->last_activity = now;
    f->tail_len = 0;
    f->handovers++;
}

void floor_board_output(struct floor *f, const char *buf, size_t n, int64_t now)
{
    if (f->state != FLOOR_THEIRS || !n)
        return;
    f->last_activity = now;
    size_t cap = sizeof(f->tail);
    if (n >= cap) {
        memcpy(f->tail, buf + n - cap, cap);
        f->tail_len = cap;
        return;
    }
    if (f->tail_len + n > cap) {
        size_t drop = f->tail_len + n - cap;
        memmove(f->tail, f->tail + drop, f->tail_len - drop);
        f->tail_len -= drop;
    }
    memcpy(f->tail + f->tail_len, buf, n);
    f->tail_len += n;
}

static bool ends_with(const struct floor *f, const char *s)
{
    size_t n = strlen(s);
    return f->tail_len >= n && !memcmp(f->tail + f->tail_len - n, s, n);
}

/* An idle board: the friendly prompt ">>> ", or the raw REPL's after an
 * exec ("OK...\x04\x04>") or after entering it ("CTRL-B to exit\r\n>").
 * A program that runs and prints nothing is not at a prompt: it keeps
 * the floor however long it is quiet. */
static bool at_raw_prompt(const struct floor *f)
{
    return ends_with(f, "\x04>") || ends_with(f, "to exit\r\n>");
}

bool floor_take_back(struct floor *f, int64_t now)
{
    if (f->state != FLOOR_THEIRS || now - f->last_activity < FLOOR_QUIET_MS)
        return false;
    bool raw = at_raw_prompt(f);
    if (!raw && !ends_with(f, ">>> "))
        return false;
    f->their_raw = raw;
    f->state = FLOOR_OURS;
    return true;
}

int64_t floor_deadline(const struct floor *f)
{
    return f->state == FLOOR_THEIRS ? f->last_activity + FLOOR_QUIET_MS : -1;
}

const char *floor_state_name(enum floor_state s)
{
    static const char *const names[] = {"ours", "handing", "theirs"};
    return s <= FLOOR_THEIRS ? names[s] : "?";
}
