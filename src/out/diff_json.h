/* SPDX-License-Identifier: MIT */
/* diff_json.h - a diff (diff.h) as one JSON document, schema in
 * heapwatch(1) JSON OUTPUT ("The diff document"). Sees cJSON, as
 * export_json.c does; nothing else of src/out/ is shared with it. */
#ifndef HW_DIFF_JSON_H
#define HW_DIFF_JSON_H

#include "check.h"
#include "diff.h"
#include "hw.h"

/* Write d to path ("-" = standard output), replacing it; src[0] and
 * src[1] name sides A and B; the delta checks, judged on d, as "checks"
 * when n_checks > 0. HW_OK, or the error with err filled ("cannot create
 * X: ...", "cannot write X: ..."). */
int diff_json_write(const char *path, const struct diff *d, const struct diff_source src[2],
                    const struct check *checks, size_t n_checks, struct hw_err *err);

#endif
