/* SPDX-License-Identifier: MIT */
/* report_cmd.c - `heapwatch report`: a wiring of the capture reader to
 * the report sink; owns no parsing or formatting rules. */
#include "report_cmd.h"
#include "analyze.h"

int report_cmd_run(const struct report_cmd_opts *o, struct sink *messages, struct hw_err *err)
{
    struct stream st;
    stream_init(&st);
    stream_add(&st, messages, false);
    if (o->judge) /* before the report, which shows its results */
        stream_add(&st, judge_sink(o->judge), false);
    struct report_opts ro = o->report;
    ro.judge = o->judge;
    struct sink *report;
    int rc = report_open(&ro, &report, err);
    if (rc) {
        stream_close(&st, NULL);
        return rc;
    }
    /* essential: the report is what the run is for */
    stream_add(&st, report, true);
    return analyze_feed(o->files, o->n_files, &st, err);
}
