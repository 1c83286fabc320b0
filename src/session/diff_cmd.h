/* SPDX-License-Identifier: MIT */
/* diff_cmd.h - `heapwatch diff A B`: two captures, or one dump of each
 * (FILE@SEQ), read through the capture reader and compared (diff.h);
 * the comparison as text for people and/or one JSON document. */
#ifndef HW_DIFF_CMD_H
#define HW_DIFF_CMD_H

#include "check.h"
#include "hw.h"

#include <stdbool.h>
#include <stdio.h>

/* A side is the whole capture, its last dump, or the dump numbered seq
 * (0-based, as `analyze -d FILE` prints it). */
enum { DIFF_SEQ_ALL = -1, DIFF_SEQ_LAST = -2 };

struct diff_opts {
    const char *path[2];        /* A and B ("-" = standard input, one side at most) */
    long seq[2];                /* DIFF_SEQ_ALL (both) or a dump each: DIFF_SEQ_LAST or a seq */
    const char *json_path;      /* NULL: no JSON; "-": stdout, instead of the text */
    const struct check *checks; /* delta checks, judged after the output */
    size_t n_checks;
    const char *junit_path; /* the checks as JUnit XML; NULL: none */
    FILE *annotations;      /* GitHub ::error lines for failed checks; NULL: none */
    bool quiet;             /* -q: no text, and only the failed checks' lines */
    size_t failures;        /* out: checks that failed */
};

/* Read both sides and write the comparison: text to out unless the JSON
 * goes to standard output, then the checks' lines on stderr, their JUnit
 * and annotations. HW_OK, or the first error with err filled ("cannot
 * open X: ...", "X has no dump #7 (...)", "cannot create J: ..."), to be
 * said once. */
int diff_run(struct diff_opts *o, FILE *out, struct hw_err *err);

#endif
