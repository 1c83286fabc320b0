/* SPDX-License-Identifier: MIT */
/* diff_cmd.c - `heapwatch diff`: each side through the capture reader
 * into a small sink that keeps what the comparison needs (a summary and
 * the last complete dump, or the one dump asked for), then diff.h, then
 * the text and JSON outputs. A wiring; owns no figures or formats. */
#include "diff_cmd.h"
#include "capture.h"
#include "diff.h"
#include "diff_json.h"
#include "diff_text.h"
#include "summary.h"
#include "util.h"
#include "verdict.h"

#include <stdlib.h>
#include <string.h>

/* What one side keeps while its file is read. The sink lives in
 * read_side()'s caller: its close frees nothing. */
struct side_sink {
    struct sink sink;
    long want;            /* DIFF_SEQ_ALL, DIFF_SEQ_LAST or a seq */
    struct summary sum;   /* every dump */
    struct snapshot keep; /* the dump asked for, or the last complete one */
    bool have;
};

static bool wanted(const struct side_sink *s, const struct snapshot *snap)
{
    if (s->want == DIFF_SEQ_ALL) /* the heads and histogram of a capture */
        return snap->complete && snap->has_metrics;
    return s->want == DIFF_SEQ_LAST || snap->seq == s->want;
}

static int side_item(struct sink *sk, const struct hw_item *it, struct hw_err *err)
{
    struct side_sink *s = (struct side_sink *)sk;
    if (it->kind != HW_ITEM_SNAPSHOT)
        return HW_OK;
    summary_add(&s->sum, it->snap);
    if (wanted(s, it->snap)) {
        snapshot_clear(&s->keep);
        snapshot_copy(&s->keep, it->snap);
        s->have = true;
    }
    return HW_OK;
}

static int side_close(struct sink *sk, struct hw_err *err)
{
    return HW_OK;
}

static const struct sink_ops side_ops = {side_item, side_close};

/* Read one side into s. A seq the file does not have is an error of its
 * own, named with what the file does have. */
static int read_side(const char *path, long want, struct side_sink *s, struct hw_err *err)
{
    memset(s, 0, sizeof(*s));
    s->sink.ops = &side_ops;
    s->want = want;
    summary_init(&s->sum);
    struct stream st;
    stream_init(&st);
    stream_add(&st, &s->sink, true);
    struct hw_err e = {0};
    int rc = capture_read(path, 0, NULL, &st, &e);
    stream_close(&st, NULL);
    if (rc) {
        e.said = false; /* the stream had no one to tell: main says it */
        *err = e;
        return rc;
    }
    if (want == DIFF_SEQ_ALL || s->have)
        return HW_OK;
    const char *name = strcmp(path, "-") ? path : "standard input";
    if (s->sum.snapshots == 0)
        return hw_err_set(err, HW_ENOENT, "%s has no dump (no mem_info output found)", name);
    return hw_err_set(err, HW_ENOENT, "%s has no dump #%ld (it has %ld: #0 to #%ld)", name, want,
                      s->sum.snapshots, s->sum.snapshots - 1);
}

static void source_of(struct diff_source *src, const char *path, const struct side_sink *s)
{
    src->name = strcmp(path, "-") ? path : "(stdin)";
    src->seq = s->want == DIFF_SEQ_ALL ? -1 : s->keep.seq;
    src->dumps = s->sum.snapshots;
}

static int write_out(const struct diff_opts *o, const struct diff *d, const struct diff_source *src,
                     FILE *out, struct hw_err *err)
{
    bool json_stdout = o->json_path && !strcmp(o->json_path, "-");
    if (o->json_path) {
        int rc = diff_json_write(o->json_path, d, src, o->checks, o->n_checks, err);
        if (rc)
            return rc;
    }
    if (json_stdout || o->quiet)
        return HW_OK;
    return diff_text_write(out, d, src, err);
}

/* The delta checks for a CI system, as analyze's are told: one suite,
 * "diff", a case per check; an annotation points at B, the side under
 * test. */
static int ci_outputs(const struct diff_opts *o, const struct diff *d,
                      const struct diff_source src[2], struct hw_err *err)
{
    enum { TEXT = 512 };
    size_t n = o->n_checks;
    if (!n || (!o->junit_path && !o->annotations))
        return HW_OK;
    struct verdict_case *c = xcalloc(n, sizeof(*c));
    char *text = xcalloc(n, TEXT);
    for (size_t i = 0; i < n; i++) {
        c[i] = (struct verdict_case){.suite = "diff",
                                     .name = o->checks[i].expr,
                                     .text = text + i * TEXT,
                                     .file = strcmp(o->path[1], "-") ? src[1].name : NULL};
        c[i].pass = diff_text_check(d, &o->checks[i], text + i * TEXT, TEXT);
    }
    if (o->annotations)
        verdict_annotate_cases(o->annotations, c, n);
    int rc = o->junit_path ? verdict_junit_cases(o->junit_path, c, n, err) : HW_OK;
    free(c);
    free(text);
    return rc;
}

int diff_run(struct diff_opts *o, FILE *out, struct hw_err *err)
{
    struct side_sink side[2];
    int rc = read_side(o->path[0], o->seq[0], &side[0], err);
    if (rc == HW_OK)
        rc = read_side(o->path[1], o->seq[1], &side[1], err);
    else
        memset(&side[1], 0, sizeof(side[1]));
    if (rc == HW_OK) {
        struct diff d;
        struct diff_source src[2];
        source_of(&src[0], o->path[0], &side[0]);
        source_of(&src[1], o->path[1], &side[1]);
        if (o->seq[0] == DIFF_SEQ_ALL)
            diff_summaries(&d, &side[0].sum, side[0].have ? &side[0].keep : NULL, &side[1].sum,
                           side[1].have ? &side[1].keep : NULL);
        else
            diff_snapshots(&d, &side[0].keep, &side[1].keep);
        rc = write_out(o, &d, src, out, err);
        if (rc == HW_OK) {
            o->failures = diff_text_checks(stderr, &d, o->checks, o->n_checks, o->quiet);
            rc = ci_outputs(o, &d, src, err);
        }
        diff_fini(&d);
    }
    snapshot_fini(&side[0].keep);
    snapshot_fini(&side[1].keep);
    return rc;
}
