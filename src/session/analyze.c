/* SPDX-License-Identifier: MIT */
/* analyze.c - `heapwatch analyze`: each file through the capture reader
 * into the sinks the options ask for (JSON, text, messages). A wiring;
 * owns no parsing or formatting rules. */
#include "analyze.h"
#include "capture.h"
#include "export_json.h"
#include "text.h"

int analyze_run(const struct analyze_opts *o, FILE *out, struct sink *messages, struct hw_err *err)
{
    struct stream st;
    stream_init(&st);
    stream_add(&st, messages, false);
    stream_add(&st, judge_sink(o->judge), false);
    if (o->json_path) {
        struct sink *json;
        int rc = export_json_open(o->json_path, o->with_map, false, &json, err);
        if (rc) {
            stream_close(&st, NULL);
            return rc;
        }
        export_json_set_judge(json, o->judge);
        stream_add(&st, json, !!o->json_stdout);
    }
    struct text_opts t = {
        .out = out, .per_dump = o->per_dump, .quiet = o->quiet, .judge = o->judge};
    stream_add(&st, text_sink_new(&t), true);
    return analyze_feed(o->files, o->n_files, &st, err);
}

int analyze_feed(const char *const *files, int n_files, struct stream *st, struct hw_err *err)
{
    int first = HW_OK;
    long seq = 0;
    for (int i = 0; i < n_files && !st->failed; i++) {
        struct hw_err e = {0};
        int rc = capture_read(files[i], i, &seq, st, &e);
        if (rc && first == HW_OK) {
            first = rc;
            *err = e; /* said as it happened: only the exit status is left */
        }
    }
    struct hw_err e = {0};
    int rc = stream_close(st, &e);
    if (rc && (first == HW_OK || st->failed)) {
        first = rc;
        *err = e;
    }
    return first;
}
