/* SPDX-License-Identifier: MIT */
/* paths.h - the files one run reads and writes, checked before anything is
 * opened, so that no mistake on the command line loses data: an output is
 * never one of the inputs, two outputs never share a file, and an output
 * that replaces its file (the JSON, the HTML report) never replaces a file
 * heapwatch did not write. "heapwatch analyze --json *.log" would otherwise write
 * over the first log. Reads the file system (stat, the first bytes of an
 * existing JSON target); writes nothing. */
#ifndef HW_PATHS_H
#define HW_PATHS_H

#include "hw.h"

#include <stdbool.h>
#include <stddef.h>

struct path_use {
    const char *path;   /* as the user gave it; NULL = not used; "-" = a standard stream */
    const char *option; /* how it was named, for messages: "--json", "--record", NULL = input */
    /* An output that truncates its file (JSON, the HTML report) may only
     * replace an empty file or one that starts with magic (one heapwatch
     * wrote); kind names what it writes, for messages ("JSON", "an HTML
     * report"). NULL magic: the output appends (record) or is an input. */
    const char *magic;
    const char *kind;
};

/* Check every output of uses[0..n) against every other use. HW_EARG (a usage
 * error) with err filled: "--json b.log is also an input" ("-j takes the next
 * word as its file"), "--json and --record name the same file x", "refusing
 * to replace a.log with JSON: it is not a heapwatch JSON file" (hint: "-j -"
 * for standard output; for the report, "refusing to replace a.log with an
 * HTML report: it is not a heapwatch HTML report file"). HW_OK otherwise; a file that cannot be
 * looked at is left to the open that follows, which reports it. */
int paths_check(const struct path_use *uses, size_t n, struct hw_err *err);

#endif
