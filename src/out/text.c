/* SPDX-License-Identifier: MIT */
/* text.c - the text sink; see text.h. */
#include "text.h"
#include "verdict.h"
#include "fmt.h"
#include "summary.h"
#include "util.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct text_sink {
    struct sink sink;
    struct text_opts o;
    char source[256]; /* live: the port, from BEGIN */
    bool header_done;
    bool has_probe;
    struct hw_probe probe; /* probe.code is not kept */
};

const char *text_state(const struct snapshot *s)
{
    if (!s->has_map)
        return "no-map";
    if (!s->complete)
        return "INCOMPLETE";
    return s->consistent == 0 ? "INCONSISTENT" : "ok";
}

/* " cut line_length used!=": what is wrong, by name */
static size_t problem_names(char *buf, size_t cap, const struct snapshot *s)
{
    size_t n = 0;
    for (int i = 0; i < SNAP_N_PROBLEMS && n < cap; i++)
        if (s->problems & (1u << i))
            n += (size_t)snprintf(buf + n, cap - n, " %s", snapshot_problem_name(1u << i));
    for (int i = 0; i < SNAP_N_CHECKS && n < cap; i++)
        if (s->mismatches & (1u << i))
            n += (size_t)snprintf(buf + n, cap - n, " %s!=", snapshot_check_name(1u << i));
    return n < cap ? n : cap - 1;
}

char *text_columns(char *buf, size_t cap, const struct snapshot *s)
{
    char u[16], f[16], lf[16], pct[16], allocs[24] = "-", names[160] = "";
    if (s->has_metrics)
        snprintf(allocs, sizeof(allocs), "%zu", s->metrics.allocations);
    problem_names(names, sizeof(names), s);
    snprintf(buf, cap, "%8s %8s %8s %6s %7s  %s%s%s%s%s",
             fmt_bytes(u, sizeof(u), snapshot_used_bytes(s)),
             fmt_bytes(f, sizeof(f), snapshot_free_bytes(s)),
             fmt_bytes(lf, sizeof(lf), snapshot_largest_free_bytes(s)),
             fmt_pct(pct, sizeof(pct), snapshot_fragmentation(s)), allocs, text_state(s), names,
             s->label[0] ? "  [" : "", s->label, s->label[0] ? "]" : "");
    return buf;
}

static void time_text(char *buf, size_t cap, const struct snapshot *s)
{
    if (s->has_time)
        snprintf(buf, cap, "%8.3f", s->time);
    else
        snprintf(buf, cap, "%8s", "-");
}

/* "# heapwatch 0.2.0 on PORT, 16-byte blocks; each sample leaves ...":
 * before the first sample, or at once when listening (nothing is sent,
 * and the board may be quiet for long), then the column heads. */
static void live_header(struct text_sink *t, const struct snapshot *s)
{
    FILE *out = t->o.out;
    t->header_done = true;
    fprintf(out, "# heapwatch %s %s %s", HW_VERSION, t->o.listen ? "listening to" : "on",
            t->source);
    if (s && s->block_size)
        fprintf(out, ", %u-byte blocks", s->block_size);
    if (t->o.listen)
        fprintf(out, " (never writes to it)");
    if (t->has_probe && t->probe.measured) {
        fprintf(out, "; each sample leaves %ld bytes on the heap", t->probe.bytes);
        if (t->probe.allocated >= 0)
            fprintf(out, " and allocates %ld", t->probe.allocated);
    }
    fputs("\n#   time     used     free  largest   frag  allocs  check\n", out);
}

static void snapshot_line(struct text_sink *t, const struct snapshot *s)
{
    char tm[24], cols[320];
    time_text(tm, sizeof(tm), s);
    text_columns(cols, sizeof(cols), s);
    if (t->o.live) {
        if (!t->header_done)
            live_header(t, s);
        fprintf(t->o.out, "%s %s\n", tm, cols);
        fflush(t->o.out); /* a line per sample is read as it comes */
        return;
    }
    if (!t->header_done) {
        fputs("# dump   line      time     used     free  largest   frag  allocs  check\n",
              t->o.out);
        t->header_done = true;
    }
    fprintf(t->o.out, "  #%-4ld %6ld %s %s\n", s->seq, s->line, tm, cols);
}

/* analyze: what one file held */
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
            fmt_bytes(b, sizeof(b), s->peak_used));
    bool any = true;
    if (s->min_largest_free_bytes != UINT64_MAX)
        fprintf(out, "  smallest largest-free-run %s",
                fmt_bytes(a, sizeof(a), s->min_largest_free_bytes));
    else if (s->min_largest_free_blocks != UINT64_MAX)
        fprintf(out, "  smallest largest-free-run %llu blocks",
                (unsigned long long)s->min_largest_free_blocks);
    else
        any = false;
    if (s->max_fragmentation >= 0)
        fprintf(out, "%sworst fragmentation %s (dump #%ld)", any ? ", " : "  ",
                fmt_pct(c, sizeof(c), s->max_fragmentation), s->worst_seq);
    if (any || s->max_fragmentation >= 0)
        fputc('\n', out);
    if (s->incomplete || s->inconsistent)
        fprintf(out,
                "  %ld incomplete (cut or corrupted), %ld inconsistent with the device's "
                "own numbers\n",
                s->incomplete, s->inconsistent);
}

static void item(struct text_sink *t, const struct hw_item *it)
{
    switch (it->kind) {
    case HW_ITEM_BEGIN:
        snprintf(t->source, sizeof(t->source), "%s", it->name);
        t->header_done = t->o.live && t->header_done;
        if (t->o.live && t->o.listen && !t->header_done)
            live_header(t, NULL);
        break;
    case HW_ITEM_SNAPSHOT:
        if (t->o.live || (t->o.per_dump && !t->o.quiet))
            snapshot_line(t, it->snap);
        break;
    case HW_ITEM_END: {
        /* a file that could not be read at all has only its error to say;
         * the judge, ahead in the stream, has summed the file up already */
        int src = t->o.judge ? judge_sources(t->o.judge) - 1 : -1;
        if (!t->o.live && !t->o.quiet && src >= 0 && !(it->msg && it->len == 0)) {
            const struct summary *sum = judge_summary(t->o.judge, src);
            file_report(t->o.out, it->name, sum);
            if (sum->snapshots > 1)
                verdict_leak_lines(t->o.judge, src, t->o.out);
        }
        break;
    }
    case HW_ITEM_PROBE:
        t->has_probe = true;
        t->probe = *it->probe;
        t->probe.code = NULL;
        break;
    default:
        break;
    }
}

static int text_item(struct sink *s, const struct hw_item *it, struct hw_err *err)
{
    struct text_sink *t = (struct text_sink *)s;
    item(t, it);
    if (ferror(t->o.out))
        return hw_err_set(err, HW_EIO, "cannot write standard output: %s",
                          strerror(errno ? errno : EIO));
    return HW_OK;
}

static int text_close(struct sink *s, struct hw_err *err)
{
    struct text_sink *t = (struct text_sink *)s;
    /* "heapwatch analyze f.log > /dev/full" must not look like success */
    bool failed = fflush(t->o.out) != 0 || ferror(t->o.out);
    int e = errno;
    free(t);
    return failed
               ? hw_err_set(err, HW_EIO, "cannot write standard output: %s", strerror(e ? e : EIO))
               : HW_OK;
}

static const struct sink_ops text_ops = {text_item, text_close};

struct sink *text_sink_new(const struct text_opts *o)
{
    struct text_sink *t = xcalloc(1, sizeof(*t));
    t->sink.ops = &text_ops;
    t->o = *o;
    return &t->sink;
}
