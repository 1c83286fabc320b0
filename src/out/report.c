/* SPDX-License-Identifier: MIT */
/* report.c - the report sink: what it keeps of each source as the stream
 * goes by, and the file it writes at the end; see report.h. The markup is
 * report_html.c's. Kept dumps are copies (snapshot_copy): the stream's
 * snapshots are borrowed for one delivery, and the worst one is only
 * known at the end, so the current candidate is kept until a worse one
 * comes. */
#include "report.h"
#include "report_html.h"
#include "summary.h"
#include "trend.h"
#include "util.h"
#include "verdict.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct report_sink {
    struct sink sink;
    FILE *f;
    bool to_stdout; /* f is stdout: flushed, never closed */
    char *path;
    long *at; /* n_at seqs, and whether any input had each */
    bool *at_found;
    size_t n_at;
    /* the source being read */
    struct summary sum;
    struct trend trend;
    long gaps, resets;
    struct snapshot first, worst, last;
    bool has_first, has_worst;
    struct snapshot *at_snap; /* n_at: the --at dumps of this source */
    bool *at_here;
    /* what is done */
    struct summary all;
    int n_sources;
    struct html_buf rows, sections;
    const struct judge *judge; /* borrowed, may be NULL */
};

static void begin_source(struct report_sink *r)
{
    summary_init(&r->sum);
    trend_init(&r->trend, TREND_MAX_BUCKETS);
    r->gaps = r->resets = 0;
    r->has_first = r->has_worst = false;
    memset(r->at_here, 0, r->n_at * sizeof(*r->at_here));
}

/* The figures of one dump as a trend sample, known where the accessors
 * know them. */
static void trend_sample(struct trend *t, const struct snapshot *s)
{
    double v[TREND_N];
    unsigned known = 0;
    uint64_t b[3] = {snapshot_used_bytes(s), snapshot_free_bytes(s),
                     snapshot_largest_free_bytes(s)};
    for (int f = 0; f < 3; f++) {
        v[f] = (double)b[f];
        known |= b[f] != UINT64_MAX ? 1u << f : 0;
    }
    v[TREND_FRAG] = snapshot_fragmentation(s);
    known |= v[TREND_FRAG] >= 0 ? 1u << TREND_FRAG : 0;
    trend_add(t, v, known, s->has_time, s->time);
}

static void take_snapshot(struct report_sink *r, const struct snapshot *s)
{
    long worst_before = r->sum.worst_seq;
    summary_add(&r->sum, s);
    summary_add(&r->all, s);
    if (!r->has_first) {
        snapshot_copy(&r->first, s);
        r->has_first = true;
    }
    if (r->sum.worst_seq != worst_before) {
        snapshot_copy(&r->worst, s);
        r->has_worst = true;
    }
    snapshot_copy(&r->last, s);
    for (size_t i = 0; i < r->n_at; i++) {
        if (r->at[i] == s->seq) {
            snapshot_copy(&r->at_snap[i], s);
            r->at_here[i] = r->at_found[i] = true;
        }
    }
    trend_sample(&r->trend, s);
}

/* Add s with role to the dumps to draw: once per seq, in seq order. */
static void add_dump(struct report_dump *d, size_t *n, const struct snapshot *s, unsigned role)
{
    size_t i = 0;
    while (i < *n && d[i].s->seq < s->seq)
        i++;
    if (i < *n && d[i].s->seq == s->seq) {
        d[i].roles |= role;
        return;
    }
    memmove(&d[i + 1], &d[i], (*n - i) * sizeof(*d));
    d[i] = (struct report_dump){s, role};
    (*n)++;
}

enum { REPORT_SUSPECTS = 5 };

/* What the judge says of the source it has just seen end: the leak
 * verdict and the oldest suspects; every check. Texts into txt[]. */
struct findings {
    struct report_finding leak[1 + REPORT_SUSPECTS], checks[64];
    char txt[1 + REPORT_SUSPECTS + 64][320];
    size_t n_leak, n_checks;
};

static void judge_findings(const struct judge *j, struct findings *f)
{
    static const char *const word[] = {"unknown", "ok", "leak"};
    int src = judge_sources(j) - 1;
    size_t t = 0;
    struct leak_verdict v;
    judge_leak(j, src, &v);
    leak_describe(&v, false, f->txt[t], sizeof(f->txt[t]));
    f->leak[f->n_leak++] = (struct report_finding){word[v.state], f->txt[t++]};
    struct leak_suspect sus[REPORT_SUSPECTS];
    uint64_t total;
    size_t n = judge_suspects(j, src, sus, REPORT_SUSPECTS, &total);
    for (size_t i = 0; v.state == LEAK_GROWS && i < n && i < REPORT_SUSPECTS; i++, t++) {
        snprintf(f->txt[t], sizeof(f->txt[t]), "0x%llx %c, %llu bytes, since dump #%ld (%ld dumps)",
                 (unsigned long long)sus[i].address, sus[i].type, (unsigned long long)sus[i].bytes,
                 sus[i].born_seq, sus[i].samples);
        f->leak[f->n_leak++] = (struct report_finding){"suspect", f->txt[t]};
    }
    for (size_t i = 0; i < judge_checks(j) && f->n_checks < ARRAY_LEN(f->checks); i++, t++) {
        struct check_result r;
        judge_result(j, src, i, &r);
        verdict_line(j, &r, f->txt[t], sizeof(f->txt[t]));
        f->checks[f->n_checks++] = (struct report_finding){r.pass ? "ok" : "fail", f->txt[t]};
    }
}

static void end_source(struct report_sink *r, const struct hw_item *it)
{
    struct report_dump *dumps = xcalloc(3 + r->n_at, sizeof(*dumps));
    size_t n = 0;
    if (r->has_first) {
        add_dump(dumps, &n, &r->first, REPORT_FIRST);
        add_dump(dumps, &n, &r->last, REPORT_LAST);
    }
    if (r->has_worst)
        add_dump(dumps, &n, &r->worst, REPORT_WORST);
    for (size_t i = 0; i < r->n_at; i++)
        if (r->at_here[i])
            add_dump(dumps, &n, &r->at_snap[i], REPORT_AT);
    static struct findings f; /* large; one report at a time */
    memset(&f, 0, sizeof(f));
    if (r->judge)
        judge_findings(r->judge, &f);
    struct report_section sec = {
        .source = it->source,
        .name = it->name,
        .read_error = it->msg ? it->msg->msg : NULL,
        .sum = &r->sum,
        .trend = &r->trend,
        .gaps = r->gaps,
        .resets = r->resets,
        .dumps = dumps,
        .n_dumps = n,
        .leak = f.n_leak ? f.leak : NULL,
        .n_leak = f.n_leak,
        .checks = f.n_checks ? f.checks : NULL,
        .n_checks = f.n_checks,
    };
    report_html_section(&r->sections, &sec);
    report_html_row(&r->rows, it->source, it->name, &r->sum);
    r->n_sources++;
    free(dumps);
}

static int report_item(struct sink *sk, const struct hw_item *it, struct hw_err *err)
{
    struct report_sink *r = (struct report_sink *)sk;
    switch (it->kind) {
    case HW_ITEM_BEGIN:
        begin_source(r);
        break;
    case HW_ITEM_SNAPSHOT:
        take_snapshot(r, it->snap);
        break;
    case HW_ITEM_EVENT:
        /* what breaks a trend: the link went away, or the board restarted */
        if (!strcmp(it->event, "gap")) {
            r->gaps++;
            trend_mark(&r->trend, TREND_MARK_GAP);
        } else if (!strcmp(it->event, "reset")) {
            r->resets++;
            trend_mark(&r->trend, TREND_MARK_RESET);
        }
        break;
    case HW_ITEM_END:
        end_source(r, it);
        break;
    default:
        break;
    }
    return HW_OK;
}

static void report_free(struct report_sink *r)
{
    if (r->f && !r->to_stdout)
        fclose(r->f);
    snapshot_fini(&r->first);
    snapshot_fini(&r->worst);
    snapshot_fini(&r->last);
    for (size_t i = 0; i < r->n_at; i++)
        snapshot_fini(&r->at_snap[i]);
    free(r->at_snap);
    free(r->at_here);
    free(r->at_found);
    free(r->at);
    html_fini(&r->rows);
    html_fini(&r->sections);
    free(r->path);
    free(r);
}

/* The --at dumps no input had. */
static size_t missing_at(const struct report_sink *r, long *out)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n_at; i++)
        if (!r->at_found[i])
            out[n++] = r->at[i];
    return n;
}

static void write_buf(FILE *f, const struct html_buf *b)
{
    if (b->n)
        fwrite(b->p, 1, b->n, f);
}

static int report_close(struct sink *sk, struct hw_err *err)
{
    struct report_sink *r = (struct report_sink *)sk;
    struct html_buf top;
    html_init(&top);
    report_html_head(&top);
    report_html_table_start(&top);
    if (r->n_sources > 1)
        report_html_row(&r->rows, -1, NULL, &r->all);
    report_html_table_end(&r->rows);
    long *missing = xcalloc(r->n_at + 1, sizeof(*missing));
    size_t n_missing = missing_at(r, missing);
    report_html_missing(&r->rows, missing, n_missing);
    write_buf(r->f, &top);
    write_buf(r->f, &r->rows);
    write_buf(r->f, &r->sections);
    html_fini(&top);
    html_init(&top);
    report_html_tail(&top);
    write_buf(r->f, &top);
    html_fini(&top);
    bool failed = fflush(r->f) != 0 || ferror(r->f);
    int e = errno;
    if (!r->to_stdout)
        failed = fclose(r->f) != 0 || failed;
    r->f = NULL;
    int rc = HW_OK;
    if (failed)
        rc = hw_err_set(err, HW_EIO, "cannot write %s: %s", r->path, strerror(e ? e : EIO));
    else if (n_missing)
        rc = hw_err_set(err, HW_EARG, "no dump #%ld in the inputs (--at); %s says so too",
                        missing[0], r->path);
    free(missing);
    report_free(r);
    return rc;
}

static const struct sink_ops report_ops = {report_item, report_close};

int report_open(const struct report_opts *o, struct sink **out, struct hw_err *err)
{
    *out = NULL;
    bool to_stdout = strcmp(o->path, "-") == 0;
    FILE *f = to_stdout ? stdout : fopen(o->path, "w");
    if (!f)
        return hw_err_set(err, hw_from_errno(errno), "cannot create %s: %s", o->path,
                          strerror(errno));
    struct report_sink *r = xcalloc(1, sizeof(*r));
    r->sink.ops = &report_ops;
    r->f = f;
    r->path = xstrdup(to_stdout ? "standard output" : o->path);
    r->to_stdout = to_stdout;
    r->n_at = o->n_at;
    r->judge = o->judge;
    r->at = xcalloc(o->n_at + 1, sizeof(*r->at));
    if (o->n_at)
        memcpy(r->at, o->at, o->n_at * sizeof(*r->at));
    r->at_found = xcalloc(o->n_at + 1, sizeof(*r->at_found));
    r->at_here = xcalloc(o->n_at + 1, sizeof(*r->at_here));
    r->at_snap = xcalloc(o->n_at + 1, sizeof(*r->at_snap));
    summary_init(&r->all);
    begin_source(r);
    html_init(&r->rows);
    html_init(&r->sections);
    *out = &r->sink;
    return HW_OK;
}
