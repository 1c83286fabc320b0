/* SPDX-License-Identifier: MIT */
/* analyze.h - offline mode: read captured logs, find every dump, print a
 * summary for people and/or a JSON document. */
#ifndef HW_ANALYZE_H
#define HW_ANALYZE_H

#include "hw.h"
#include "judge.h"
#include "stream.h"

#include <stdbool.h>
#include <stdio.h>

struct analyze_opts {
    const char *const *files; /* "-" = standard input */
    int n_files;
    const char *json_path; /* NULL: no JSON; "-": stdout */
    bool json_stdout;      /* the JSON is what the run is for: its failure stops it */
    bool with_map;         /* block maps in the JSON */
    bool per_dump;         /* one text line per dump */
    bool quiet;            /* no text summary */
    struct judge *judge;   /* the checks and leaks: its sink goes first; the caller's */
};

/* Run the analysis: text to out, messages (a file that cannot be read, as
 * it happens; the others are still read) to the sink messages, which the
 * run owns from now on. Returns HW_OK or the first error (in err, marked
 * said when it was already shown). */
int analyze_run(const struct analyze_opts *o, FILE *out, struct sink *messages, struct hw_err *err);

/* Read files in order into st (seq numbers running on across them), then
 * close it: what every offline command does once its sinks are wired.
 * Returns HW_OK or the first error, as analyze_run. */
int analyze_feed(const char *const *files, int n_files, struct stream *st, struct hw_err *err);

#endif
