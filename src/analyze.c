/* SPDX-License-Identifier: MIT */
/* analyze.c - glue for `heapwatch analyze`: files -> memparse -> summary,
 * text report and streamed JSON. Owns no parsing or formatting rules. */
#include "analyze.h"
#include "export.h"
#include "fmt.h"
#include "input.h"
#include "memparse.h"
#include "summary.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct run {
    const struct analyze_opts *o;
    FILE *out;
    struct json_writer *jw;
    struct summary file_sum;
    struct summary all_sum;
    long file_dumps;
};

static void dump_line(FILE *out, const struct snapshot *s)
{
    char used[16], fr[16], lf[16], pct[16];
    fprintf(out, "  #%-4ld line %-6ld", s->seq, s->line);
    if (s->has_time)
        fprintf(out, " t=%-10.3f", s->time);
    fprintf(out, " used %7s  free %7s  largest %7s  frag %6s",
            fmt_bytes(used, sizeof(used), snapshot_used_bytes(s)),
            fmt_bytes(fr, sizeof(fr), snapshot_free_bytes(s)),
            fmt_bytes(lf, sizeof(lf), snapshot_largest_free_bytes(s)),
            fmt_pct(pct, sizeof(pct), s->has_metrics && s->complete ? s->metrics.fragmentation : -1));
    fputs(!s->has_map ? "  no map" : !s->complete ? "  INCOMPLETE"
          : s->consistent == 0 ? "  INCONSISTENT" : "", out);
    for (int i = 0; i < SNAP_N_PROBLEMS; i++)
        if (s->problems & (1u << i))
            fprintf(out, " %s", snapshot_problem_name(1u << i));
    for (int i = 0; i < SNAP_N_CHECKS; i++)
        if (s->mismatches & (1u << i))
            fprintf(out, " %s!=", snapshot_check_name(1u << i));
    if (s->label[0])
        fprintf(out, "  [%s]", s->label);
    fputc('\n', out);
}

static void on_snapshot(const struct snapshot *s, void *ctx)
{
    struct run *r = ctx;
    summary_add(&r->file_sum, s);
    summary_add(&r->all_sum, s);
    r->file_dumps++;
    if (r->jw)
        json_writer_snapshot(r->jw, s, NULL);
    if (r->o->per_dump && !r->o->quiet)
        dump_line(r->out, s);
}

static void file_report(FILE *out, const char *name, const struct summary *s)
{
    char a[16], b[16], c[16];
    fprintf(out, "%s: %ld dump%s", name, s->snapshots, s->snapshots == 1 ? "" : "s");
    if (s->snapshots == 0) {
        fputs(" (no mem_info output found)\n", out);
        return;
    }
    if (s->has_time && s->last_time > s->first_time)
        fprintf(out, " over %s", fmt_duration(a, sizeof(a), s->last_time - s->first_time));
    fprintf(out, ", %ld with a block map\n", s->with_map);
    fprintf(out, "  min free %s, peak used %s\n", fmt_bytes(a, sizeof(a), s->min_free),
            fmt_bytes(b, sizeof(b), s->snapshots && s->min_free != UINT64_MAX ? s->peak_used
                                                                              : UINT64_MAX));
    if (s->min_largest_free_bytes != UINT64_MAX)
        fprintf(out, "  smallest largest-free-run %s", fmt_bytes(a, sizeof(a),
                                                                s->min_largest_free_bytes));
    else if (s->min_largest_free_blocks != UINT64_MAX)
        fprintf(out, "  smallest largest-free-run %llu blocks",
                (unsigned long long)s->min_largest_free_blocks);
    if (s->max_fragmentation >= 0)
        fprintf(out, ", worst fragmentation %s (dump #%ld)",
                fmt_pct(c, sizeof(c), s->max_fragmentation), s->worst_seq);
    if (s->min_largest_free_bytes != UINT64_MAX || s->min_largest_free_blocks != UINT64_MAX ||
        s->max_fragmentation >= 0)
        fputc('\n', out);
    if (s->incomplete || s->inconsistent)
        fprintf(out, "  %ld incomplete (cut or corrupted), %ld inconsistent with the device's "
                     "own numbers\n", s->incomplete, s->inconsistent);
}

struct feeding {
    struct memparse *mp;
    size_t bytes;
};

static void feed(const char *buf, size_t n, void *ctx)
{
    struct feeding *f = ctx;
    f->bytes += n;
    memparse_feed(f->mp, buf, n);
}

static int analyze_file(struct run *r, struct memparse *mp, int idx, struct hw_err *err)
{
    const char *path = r->o->files[idx];
    const char *name = input_name(path);
    summary_init(&r->file_sum);
    r->file_dumps = 0;
    memparse_begin_source(mp, idx);
    struct feeding f = {.mp = mp};
    int rc = input_read(path, feed, &f, err);
    if (rc && f.bytes == 0)
        return rc; /* nothing read: the error says it all */
    memparse_flush(mp); /* what was read before an error still counts */
    if (!r->o->quiet)
        file_report(r->out, name, &r->file_sum);
    return rc;
}

int analyze_run(const struct analyze_opts *o, FILE *out, void (*report)(const struct hw_err *e),
                struct hw_err *err)
{
    struct run r = {.o = o, .out = out};
    int first = HW_OK;
    if (o->json_path) {
        int rc = json_writer_open(o->json_path, o->with_map, false, &r.jw, err);
        if (rc) {
            report(err);
            return rc;
        }
    }
    summary_init(&r.all_sum);
    struct json_source *src = xcalloc((size_t)o->n_files, sizeof(*src));
    struct memparse *mp = memparse_new(on_snapshot, &r);
    for (int i = 0; i < o->n_files; i++) {
        struct hw_err e = {0};
        int rc = analyze_file(&r, mp, i, &e);
        src[i].name = input_name(o->files[i]);
        src[i].dumps = r.file_dumps;
        if (rc) {
            report(&e);
            if (first == HW_OK) {
                first = rc;
                *err = e;
            }
        }
    }
    memparse_free(mp);
    if (r.jw) {
        struct hw_err e = {0};
        int rc = json_writer_finish(r.jw, src, (size_t)o->n_files, &r.all_sum, &e);
        if (rc) {
            report(&e);
            if (first == HW_OK) {
                first = rc;
                *err = e;
            }
        }
    }
    free(src);
    if ((fflush(out) != 0 || ferror(out)) && first == HW_OK) {
        /* "heapwatch analyze f.log > /dev/full" must not look like success */
        struct hw_err e = {0};
        hw_err_set(&e, HW_EIO, "cannot write standard output: %s", strerror(errno));
        report(&e);
        first = HW_EIO;
        *err = e;
    }
    return first;
}
