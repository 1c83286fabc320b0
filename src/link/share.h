/* SPDX-License-Identifier: MIT */
/* share.h - the pty heapwatch offers with --share PATH: PATH is a symlink
 * to the pty's slave side (like socat's link=), which a terminal,
 * mpremote or Thonny opens as if it were the board. This module is the
 * pty and its bytes only; who may talk when is floor.h's, and live.c
 * moves the bytes. The slave stays open here too, so the other program
 * may come and go without the master side seeing a hangup.
 * Ownership: share_open() gives a share that share_close() frees; the
 * symlink is removed then. */
#ifndef HW_SHARE_H
#define HW_SHARE_H

#include "hw.h"

#include <stdbool.h>
#include <stddef.h>

struct share;

/* Make the pty and the symlink link -> its slave. An existing symlink
 * (left by a heapwatch that was killed) is replaced; anything else at
 * link is an error (HW_EARG), as is a pty that cannot be made. */
int share_open(const char *link, struct share **out, struct hw_err *err);
void share_close(struct share *s);
/* The fd to poll: readable when the other program wrote; writable when
 * queued bytes may go (share_wants_write). */
int share_fd(const struct share *s);
bool share_wants_write(const struct share *s);
/* Up to cap bytes the other program wrote into buf; *n = 0 when none. */
int share_read(struct share *s, char *buf, size_t cap, size_t *n, struct hw_err *err);
/* Bytes for the other program: written now as far as the pty takes them,
 * the rest queued (up to 1 MiB; beyond that the oldest are dropped and
 * counted: nobody is reading). */
void share_write(struct share *s, const char *buf, size_t n);
/* Write what is queued, as far as the pty takes it. */
void share_flush(struct share *s);
/* Bytes dropped so far because nobody read them. */
size_t share_dropped(const struct share *s);
const char *share_link(const struct share *s);

#endif
