/* SPDX-License-Identifier: MIT */
/* verdict.h - the judge's results (judge.h) written for people and CI
 * systems: one line per check, JUnit XML, GitHub Actions annotations,
 * and the leak lines of a summary. Written once the stream is closed. */
#ifndef HW_VERDICT_H
#define HW_VERDICT_H

#include "hw.h"
#include "judge.h"

#include <stdbool.h>
#include <stdio.h>

/* How a JUnit file begins: what may be overwritten (paths.h). */
#define JUNIT_MAGIC "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"heapwatch\""

/* What to write once the run is over. */
struct verdict_opts {
    bool quiet;             /* only the failed checks' lines */
    const char *junit_path; /* NULL: no JUnit */
    FILE *annotations;      /* NULL: no GitHub annotations */
};
/* The lines on stderr, the JUnit file, the annotations: HW_OK, or the
 * JUnit file's error. Nothing when there are no checks. */
int verdict_finish(const struct judge *j, const struct verdict_opts *o, struct hw_err *err);

/* One line per check and source into f:
 *   check failed: min_free>20K: 12.3K at dump #5 (log.txt line 120, t=12.500)
 *   check passed: min_free>20K: 45.2K (log.txt)
 * passes only when !quiet. */
void verdict_lines(const struct judge *j, FILE *f, bool quiet);
/* "check failed: ..." for one result into buf[cap]. */
char *verdict_line(const struct judge *j, const struct check_result *r, char *buf, size_t cap);
/* One check's result as a CI system is told it, whoever judged it (the
 * judge over captures, or diff over two). */
struct verdict_case {
    const char *suite; /* the testsuite, and the classname after "heapwatch." */
    const char *name;  /* the check's expression */
    const char *text;  /* "check failed: ...": the failure's message */
    const char *file;  /* the annotation's file=, NULL for none */
    long line;         /* its line=, 0 for none */
    bool pass;
};
/* JUnit XML into path: a testsuite per run of cases with the same suite,
 * a testcase per case. HW_OK, or an error in err ("cannot create X: ..."). */
int verdict_junit_cases(const char *path, const struct verdict_case *c, size_t n,
                        struct hw_err *err);
/* A GitHub Actions ::error command per failed case into f; past 9, one
 * line lists the rest (GitHub shows 10 a step). */
void verdict_annotate_cases(FILE *f, const struct verdict_case *c, size_t n);

/* JUnit XML into path: a testsuite per source, a testcase per check.
 * HW_OK, or HW_EIO with err filled. */
int verdict_junit(const struct judge *j, const char *path, struct hw_err *err);
/* GitHub Actions workflow commands for the failed checks into f:
 * "::error file=log.txt,line=120,title=heapwatch check min_free>20K::...". */
void verdict_annotate(const struct judge *j, FILE *f);
/* The leak lines of source i's summary ("  leak: no leak (...)",
 * "  suspects: ...") into f, indented by two spaces. */
void verdict_leak_lines(const struct judge *j, int i, FILE *f);

#endif
