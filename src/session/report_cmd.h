/* SPDX-License-Identifier: MIT */
/* report_cmd.h - `heapwatch report FILE... -o report.html`: the captures
 * read as analyze reads them, into the HTML report sink. */
#ifndef HW_REPORT_CMD_H
#define HW_REPORT_CMD_H

#include "hw.h"
#include "report.h"
#include "stream.h"

struct report_cmd_opts {
    const char *const *files; /* "-" = standard input */
    int n_files;
    struct report_opts report;
    struct judge *judge; /* the checks and the leak, the caller's; may be NULL */
};

/* Write the report. Messages (a file that cannot be read, said as it
 * happens; the others still go in the report) go to the sink messages,
 * which the run owns from now on. Returns HW_OK or the first error (in
 * err, marked said when it was already shown). */
int report_cmd_run(const struct report_cmd_opts *o, struct sink *messages, struct hw_err *err);

#endif
