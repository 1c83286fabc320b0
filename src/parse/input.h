/* SPDX-License-Identifier: MIT */
/* input.h - reading a capture: a file or standard input ("-"), in 1 MiB
 * pieces handed to a callback, so readers of any size stay flat. Shared by
 * analyze and replay; the reader itself never does I/O. */
#ifndef HW_INPUT_H
#define HW_INPUT_H

#include "hw.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Read path to its end, calling chunk(buf, n, ctx) for each piece (buf is
 * valid during the call only); *bytes (may be NULL) is what was read.
 * Regular files are mapped rather than copied; UTF-16 text (a BOM, or
 * ASCII with every other byte 0) is handed on as UTF-8. Errors, in err: "cannot open X: ..."
 * (HW_ENOENT, HW_EPERM, ...), "cannot read X: Is a directory" (HW_EIO),
 * "cannot read X: ..." for a failure part way, after the pieces read so
 * far were delivered. */
int input_read(const char *path, void (*chunk)(const char *buf, size_t n, void *ctx), void *ctx,
               uint64_t *bytes, struct hw_err *err);

/* Whether text starting with these bytes is read as UTF-16. */
bool input_is_utf16(const unsigned char *head, size_t n);

/* The name to show for path: "(stdin)" for "-". */
const char *input_name(const char *path);

#endif
