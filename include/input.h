/* SPDX-License-Identifier: MIT */
/* input.h - reading a capture: a file or standard input ("-"), in 1 MiB
 * pieces handed to a callback, so readers of any size stay flat. Shared by
 * analyze and replay; the reader itself never does I/O. */
#ifndef HW_INPUT_H
#define HW_INPUT_H

#include "hw.h"

#include <stddef.h>

/* Read path to its end, calling chunk(buf, n, ctx) for each piece (buf is
 * valid during the call only). Errors, in err: "cannot open X: ..."
 * (HW_ENOENT, HW_EPERM, ...), "cannot read X: Is a directory" (HW_EIO),
 * "cannot read X: ..." for a failure part way, after the pieces read so
 * far were delivered. */
int input_read(const char *path, void (*chunk)(const char *buf, size_t n, void *ctx), void *ctx,
               struct hw_err *err);

/* The name to show for path: "(stdin)" for "-". */
const char *input_name(const char *path);

#endif
