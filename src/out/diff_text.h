/* SPDX-License-Identifier: MIT */
/* diff_text.h - a diff (diff.h) as text for people: both sides' figures
 * and their deltas in heapwatch's units, allocations per type, free runs
 * by length, and for two dumps of one heap the change map. */
#ifndef HW_DIFF_TEXT_H
#define HW_DIFF_TEXT_H

#include "diff.h"
#include "hw.h"

#include <stdbool.h>
#include <stdio.h>

/* Write d to out; src[0] and src[1] name sides A and B. HW_OK, or HW_EIO
 * ("cannot write standard output: ...") when out failed. */
int diff_text_write(FILE *out, const struct diff *d, const struct diff_source src[2],
                    struct hw_err *err);

/* Delta check c judged on d: whether it holds (a figure a side lacks
 * fails), and its line into buf[cap]: "check failed: delta.peak_used<=2K:
 * +19.9K (A 7.11K, B 27.0K)". */
bool diff_text_check(const struct diff *d, const struct check *c, char *buf, size_t cap);
/* "heapwatch: " and that line for each check on stderr-like f, passes
 * unless quiet; returns how many failed. */
size_t diff_text_checks(FILE *f, const struct diff *d, const struct check *c, size_t n, bool quiet);

/* A delta for people, signed: +1.2K, -340, +0, +1.5pp (a fraction's
 * change in percentage points), +2.0s; "-" when unknown. Into buf[cap]. */
char *diff_text_delta(char *buf, size_t cap, enum diff_unit unit, bool known, double delta);

#endif
