/* SPDX-License-Identifier: MIT */
/* report.h - `heapwatch report`: one self-contained HTML file (inline CSS
 * and SVG, no script, nothing fetched) as a sink of the stream. Per
 * source it keeps the summary, bounded trends and copies of the few dumps
 * it draws (the first, the worst fragmentation so far, the last, and the
 * --at ones), and turns them into a section when the source ends; the
 * file is written when the sink closes, the overview table first. Memory
 * stays bounded by the dumps kept, whatever the length of the capture. */
#ifndef HW_REPORT_H
#define HW_REPORT_H

#include "hw.h"
#include "judge.h"
#include "stream.h"

#include <stddef.h>

/* How every report starts: paths.c replaces an existing file only if it
 * starts so (a report heapwatch wrote before). */
#define REPORT_MAGIC "<!DOCTYPE html>\n<!-- heapwatch report"

struct report_opts {
    const char *path; /* the HTML file; replaced */
    const long *at;   /* --at SEQ: dumps to draw besides the first, worst and last */
    size_t n_at;
    const struct judge *judge; /* the checks and the leak (judge.h), added to the stream
                                * before the report; NULL: no such parts */
};

/* A report sink writing o->path, created (empty) now so that a path that
 * cannot be written fails before any input is read: "cannot create X:
 * ...", *out NULL. Items: BEGIN/END (a section per input), SNAPSHOT,
 * EVENT (gap and reset mark the trends). Close writes the document:
 * HW_EIO if it cannot, HW_EARG ("no dump #N in the inputs (--at)") after
 * writing it when a --at dump was in no input. */
int report_open(const struct report_opts *o, struct sink **out, struct hw_err *err);

#endif
