/* SPDX-License-Identifier: MIT */
/* analyze.h - offline mode: read captured logs, find every dump, print a
 * summary for people and/or a JSON document. */
#ifndef HW_ANALYZE_H
#define HW_ANALYZE_H

#include "hw.h"

#include <stdbool.h>
#include <stdio.h>

struct analyze_opts {
    const char *const *files; /* "-" = standard input */
    int n_files;
    const char *json_path;    /* NULL: no JSON; "-": stdout */
    bool with_map;            /* block maps in the JSON */
    bool per_dump;            /* one text line per dump */
    bool quiet;               /* no text summary */
};

/* Run the analysis. Text goes to out. Every failure (a file that cannot
 * be read, a JSON file that cannot be written) is passed to report() as it
 * happens, and the other files are still analysed. Returns HW_OK or the
 * first error (also copied to err). */
int analyze_run(const struct analyze_opts *o, FILE *out,
                void (*report)(const struct hw_err *e), struct hw_err *err);

#endif
