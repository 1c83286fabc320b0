/* SPDX-License-Identifier: MIT */
/* hw.h - status codes and the error record shared by every heapwatch module.
 *
 * Modules never print and never exit: they return one of these codes and,
 * when the caller passed a struct hw_err, leave a one-line reason in it.
 * Only main.c turns them into messages and exit statuses. */
#ifndef HW_H
#define HW_H

#include <stdbool.h>
#include <stddef.h>

#define HW_VERSION "0.2.0"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

enum hw_status {
    HW_OK = 0,
    HW_EIO = -1,           /* read/write/open failed (errno in msg) */
    HW_ETIMEDOUT = -2,     /* the device did not answer in time */
    HW_EPROTO = -3,        /* the device answered something we cannot follow */
    HW_EPARSE = -4,        /* malformed input file */
    HW_EDISCONNECTED = -5, /* the device went away (hangup, EOF) */
    HW_EBUSY = -6,         /* the port is in use / the board is running a program */
    HW_EARG = -7,          /* bad argument from the user */
    HW_ENOMEM = -8,
    HW_EPERM = -9,   /* permission denied */
    HW_ENOENT = -10, /* no such port or file */
};

/* Process exit statuses, documented in heapwatch(1) EXIT STATUS. */
enum hw_exit { HW_EXIT_OK = 0, HW_EXIT_RUNTIME = 1, HW_EXIT_USAGE = 2, HW_EXIT_CHECK = 3 };

/* Context for the last failure: "<action> <object>: <cause>" and an
 * optional hint line ("add yourself to the 'dialout' group"). */
struct hw_err {
    int code;
    char msg[256];
    char hint[160];
    bool said; /* already shown to the user when it happened: only the exit status is left */
};

/* Fill err (which may be NULL) and return code, so callers can write
 * `return hw_err_set(err, HW_EIO, "cannot open %s: %s", p, strerror(e));` */
int hw_err_set(struct hw_err *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Set the hint line of err (NULL-safe). */
void hw_err_hint(struct hw_err *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Short text for a status code; never NULL. */
const char *hw_strerror(int code);
/* Map an errno value to a status code. */
int hw_from_errno(int e);

#endif
