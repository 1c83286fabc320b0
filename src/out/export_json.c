/* SPDX-License-Identifier: MIT */
/* export_json.c - snapshots and summaries as JSON; the JSON sink. The
 * schema's objects are built as cJSON trees here; the one written for
 * every dump of a capture is written as text by json_text.c instead (the
 * same bytes, without a tree to build and print), and the tree is what
 * the pretty single-snapshot export prints. Nothing of a capture
 * accumulates here except the (small) event list. */
#include "export_json.h"
#include "json_text.h"
#include "summary.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static void add_text(cJSON *o, const char *k, const char *v)
{
    char *clean = xmalloc(strlen(v) + 1);
    json_text_clean(v, clean);
    cJSON_AddStringToObject(o, k, clean);
    free(clean);
}

static double round4(double x)
{
    return round(x * 10000.0) / 10000.0;
}

/* Integers go in as raw text: cJSON prints every number through "%1.15g"
 * and checks it with sscanf, which was most of the export's time. */
static cJSON *raw_u64(uint64_t v)
{
    char buf[24], *p = buf + sizeof(buf);
    *--p = '\0';
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return cJSON_CreateRaw(p);
}

static void add_u64(cJSON *o, const char *k, uint64_t v)
{
    cJSON_AddItemToObject(o, k, raw_u64(v));
}

static cJSON *mem_json(const struct snapshot *s)
{
    if (!s->has_mem)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    add_u64(o, "total", s->mem_total);
    add_u64(o, "current", s->mem_current);
    add_u64(o, "peak", s->mem_peak);
    return o;
}

static cJSON *stack_json(const struct snapshot *s)
{
    if (!s->has_stack)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    add_u64(o, "used", s->stack_used);
    if (s->has_stack_limit)
        add_u64(o, "limit", s->stack_limit);
    else
        cJSON_AddNullToObject(o, "limit");
    return o;
}

static cJSON *gc_json(const struct snapshot *s)
{
    if (!s->has_gc)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    add_u64(o, "total", s->gc_total);
    add_u64(o, "used", s->gc_used);
    add_u64(o, "free", s->gc_free);
    if (s->has_max_new_split)
        add_u64(o, "max_new_split", s->max_new_split);
    else
        cJSON_AddNullToObject(o, "max_new_split");
    return o;
}

static cJSON *reported_json(const struct snapshot *s)
{
    if (!s->has_reported)
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    add_u64(o, "one_block", s->rep_one_block);
    add_u64(o, "two_block", s->rep_two_block);
    add_u64(o, "max_block", s->rep_max_block);
    if (s->has_max_free)
        add_u64(o, "max_free", s->rep_max_free);
    else
        cJSON_AddNullToObject(o, "max_free");
    return o;
}

static cJSON *areas_json(const struct snapshot *s, bool with_map)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < s->n_areas; i++) {
        const struct area *a = &s->areas[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, o);
        cJSON_AddStringToObject(o, "base", a->base);
        add_u64(o, "blocks", a->n_blocks);
        add_u64(o, "free_blocks", a->free_blocks);
        add_u64(o, "largest_free_blocks", a->largest_free);
        if (with_map) {
            char *m = xmalloc(a->n_blocks + 1);
            area_symbols(a, m);
            m[a->n_blocks] = '\0';
            cJSON_AddStringToObject(o, "map", m);
            free(m);
        }
    }
    return arr;
}

/* Histogram as an array of counts, trailing empty buckets trimmed. */
static cJSON *hist_json(const size_t *h)
{
    int n = SNAP_HIST_BUCKETS;
    while (n > 0 && h[n - 1] == 0)
        n--;
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        cJSON_AddItemToArray(arr, raw_u64(h[i]));
    return arr;
}

static cJSON *metrics_json(const struct snapshot *s)
{
    if (!s->has_metrics)
        return cJSON_CreateNull();
    const struct metrics *m = &s->metrics;
    cJSON *o = cJSON_CreateObject();
    add_u64(o, "blocks", m->blocks);
    add_u64(o, "free_blocks", m->free_blocks);
    add_u64(o, "used_blocks", m->used_blocks);
    add_u64(o, "unknown_blocks", m->unknown_blocks);
    add_u64(o, "one_block", m->one_block);
    add_u64(o, "two_block", m->two_block);
    add_u64(o, "max_block", m->max_block);
    add_u64(o, "allocations", m->allocations);
    add_u64(o, "largest_free_blocks", m->largest_free_blocks);
    if (s->block_size)
        add_u64(o, "largest_free_bytes", m->largest_free_bytes);
    else
        cJSON_AddNullToObject(o, "largest_free_bytes");
    add_u64(o, "free_runs", m->free_runs);
    cJSON_AddNumberToObject(o, "fragmentation", round4(m->fragmentation));
    cJSON *heads = cJSON_AddObjectToObject(o, "heads");
    for (int i = 0; i < SNAP_N_HEADS; i++) {
        char k[2] = {SNAP_HEAD_LETTERS[i], '\0'};
        add_u64(heads, k, m->heads[i]);
    }
    cJSON_AddItemToObject(o, "free_run_hist", hist_json(m->free_hist));
    cJSON_AddItemToObject(o, "alloc_size_hist", hist_json(m->alloc_hist));
    return o;
}

static cJSON *bits_json(unsigned bits, int n, const char *(*name)(unsigned))
{
    cJSON *arr = cJSON_CreateArray();
    for (int i = 0; i < n; i++)
        if (bits & (1u << i))
            cJSON_AddItemToArray(arr, cJSON_CreateString(name(1u << i)));
    return arr;
}

static void add_or_null(cJSON *o, const char *k, uint64_t v)
{
    if (v == UINT64_MAX)
        cJSON_AddNullToObject(o, k);
    else
        add_u64(o, k, v);
}

/* The figures under snapshot.h's one rule: what every other output shows. */
static cJSON *figures_json(const struct snapshot *s)
{
    cJSON *o = cJSON_CreateObject();
    add_or_null(o, "total_bytes", snapshot_total_bytes(s));
    add_or_null(o, "used_bytes", snapshot_used_bytes(s));
    add_or_null(o, "free_bytes", snapshot_free_bytes(s));
    add_or_null(o, "largest_free_bytes", snapshot_largest_free_bytes(s));
    add_or_null(o, "largest_free_blocks", snapshot_largest_free_blocks(s));
    double f = snapshot_fragmentation(s);
    if (f < 0)
        cJSON_AddNullToObject(o, "fragmentation");
    else
        cJSON_AddNumberToObject(o, "fragmentation", round4(f));
    return o;
}

static cJSON *snapshot_json(const struct snapshot *s, bool with_map, const struct hw_probe *probe)
{
    cJSON *o = cJSON_CreateObject();
    add_u64(o, "seq", (uint64_t)s->seq);
    add_u64(o, "source", (uint64_t)s->source);
    add_u64(o, "line", (uint64_t)s->line);
    if (s->has_time)
        cJSON_AddNumberToObject(o, "time", round(s->time * 1000.0) / 1000.0);
    else
        cJSON_AddNullToObject(o, "time");
    if (s->label[0])
        add_text(o, "label", s->label);
    else
        cJSON_AddNullToObject(o, "label");
    cJSON_AddItemToObject(o, "mem", mem_json(s));
    cJSON_AddItemToObject(o, "stack", stack_json(s));
    cJSON_AddItemToObject(o, "gc", gc_json(s));
    cJSON_AddItemToObject(o, "reported", reported_json(s));
    if (s->block_size)
        add_u64(o, "block_size", s->block_size);
    else
        cJSON_AddNullToObject(o, "block_size");
    cJSON_AddItemToObject(o, "areas", areas_json(s, with_map));
    cJSON_AddItemToObject(o, "metrics", metrics_json(s));
    if (s->consistent < 0)
        cJSON_AddNullToObject(o, "consistent");
    else
        cJSON_AddBoolToObject(o, "consistent", s->consistent);
    cJSON_AddBoolToObject(o, "complete", s->complete);
    cJSON_AddItemToObject(o, "problems",
                          bits_json(s->problems, SNAP_N_PROBLEMS, snapshot_problem_name));
    cJSON_AddItemToObject(o, "mismatches",
                          bits_json(s->mismatches, SNAP_N_CHECKS, snapshot_check_name));
    cJSON_AddItemToObject(o, "figures", figures_json(s));
    if (probe && probe->measured)
        cJSON_AddNumberToObject(o, "probe_bytes", (double)probe->bytes);
    return o;
}

static cJSON *summary_json(const struct summary *sum)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "snapshots", (double)sum->snapshots);
    add_or_null(o, "min_free", sum->min_free);
    add_or_null(o, "peak_used", sum->peak_used);
    add_or_null(o, "min_largest_free_bytes", sum->min_largest_free_bytes);
    if (sum->max_fragmentation < 0)
        cJSON_AddNullToObject(o, "max_fragmentation");
    else
        cJSON_AddNumberToObject(o, "max_fragmentation", round4(sum->max_fragmentation));
    cJSON_AddNumberToObject(o, "incomplete", (double)sum->incomplete);
    cJSON_AddNumberToObject(o, "inconsistent", (double)sum->inconsistent);
    if (sum->has_time) {
        cJSON_AddNumberToObject(o, "first_time", sum->first_time);
        cJSON_AddNumberToObject(o, "last_time", sum->last_time);
    }
    return o;
}

/* ---- the judge's results ---- */

static const char *const leak_states[] = {"unknown", "none", "grows"};

/* "leak": the verdict, its slopes (bytes; ci the 95% half-width) and
 * the sentence the text output shows. */
static cJSON *leak_json(const struct judge *jd, int i)
{
    struct leak_verdict v;
    char text[160];
    judge_leak(jd, i, &v);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "verdict", leak_states[v.state]);
    cJSON_AddStringToObject(o, "text", leak_describe(&v, false, text, sizeof(text)));
    cJSON_AddNumberToObject(o, "points", (double)v.points);
    cJSON_AddNumberToObject(o, "series", (double)v.series);
    bool known = v.state != LEAK_UNKNOWN;
    const struct {
        const char *name;
        bool has;
        double v;
    } f[] = {
        {"bytes_per_min", known && v.has_per_min, v.per_min},
        {"bytes_per_min_ci", known && v.has_per_min, v.per_min_ci},
        {"bytes_per_sample", known, v.per_sample},
        {"bytes_per_sample_ci", known, v.per_sample_ci},
    };
    for (size_t k = 0; k < ARRAY_LEN(f); k++) {
        if (f[k].has)
            cJSON_AddNumberToObject(o, f[k].name, round(f[k].v * 10.0) / 10.0);
        else
            cJSON_AddNullToObject(o, f[k].name);
    }
    return o;
}

enum { JSON_SUSPECTS = 20 };

/* "suspects": how many, their bytes, the oldest JSON_SUSPECTS. */
static cJSON *suspects_json(const struct judge *jd, int i)
{
    struct leak_suspect top[JSON_SUSPECTS];
    uint64_t total;
    size_t n = judge_suspects(jd, i, top, JSON_SUSPECTS, &total);
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "count", (double)n);
    cJSON_AddNumberToObject(o, "bytes", (double)total);
    cJSON *list = cJSON_AddArrayToObject(o, "oldest");
    for (size_t k = 0; k < n && k < JSON_SUSPECTS; k++) {
        const struct leak_suspect *s = &top[k];
        cJSON *e = cJSON_CreateObject();
        char addr[24], type[2] = {s->type, 0};
        snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)s->address);
        cJSON_AddStringToObject(e, "address", addr);
        cJSON_AddNumberToObject(e, "area", (double)s->area);
        cJSON_AddNumberToObject(e, "block", (double)s->block);
        cJSON_AddStringToObject(e, "type", type);
        cJSON_AddNumberToObject(e, "blocks", (double)s->blocks);
        cJSON_AddNumberToObject(e, "bytes", (double)s->bytes);
        cJSON_AddNumberToObject(e, "since_seq", (double)s->born_seq);
        cJSON_AddNumberToObject(e, "dumps", (double)s->samples);
        if (s->age_s >= 0)
            cJSON_AddNumberToObject(e, "age_s", round(s->age_s * 1000.0) / 1000.0);
        else
            cJSON_AddNullToObject(e, "age_s");
        cJSON_AddItemToArray(list, e);
    }
    return o;
}

static cJSON *dump_json(const struct dump_ref *d)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "seq", (double)d->seq);
    cJSON_AddNumberToObject(o, "source", d->source);
    cJSON_AddNumberToObject(o, "line", (double)d->line);
    if (d->has_time)
        cJSON_AddNumberToObject(o, "time", d->time);
    else
        cJSON_AddNullToObject(o, "time");
    return o;
}

/* "checks": one entry per check and source. */
static cJSON *checks_json(const struct judge *jd)
{
    cJSON *a = cJSON_CreateArray();
    for (int s = 0; s < judge_sources(jd); s++) {
        for (size_t i = 0; i < judge_checks(jd); i++) {
            struct check_result r;
            judge_result(jd, s, i, &r);
            cJSON *o = cJSON_CreateObject();
            add_text(o, "expr", r.check->expr);
            cJSON_AddNumberToObject(o, "source", s);
            cJSON_AddStringToObject(o, "verdict", r.pass ? "pass" : "fail");
            if (r.known)
                cJSON_AddNumberToObject(o, "value", round4(r.value));
            else
                cJSON_AddNullToObject(o, "value");
            add_text(o, "text", r.value_text);
            if (r.has_dump)
                cJSON_AddItemToObject(o, "dump", dump_json(&r.dump));
            else
                cJSON_AddNullToObject(o, "dump");
            cJSON_AddItemToArray(a, o);
        }
    }
    return a;
}

/* ---- the JSON sink: snapshots streamed one per line as they come, the
 * rest (sources, summary, events, probe) kept small until the end ---- */

struct json_sink {
    struct sink sink;
    FILE *f;    /* owned unless it is stdout */
    char *name; /* for messages */
    bool with_map, stream;
    long n;            /* snapshots written */
    long source_dumps; /* of the source being read */
    struct summary sum;
    cJSON *sources; /* owned array */
    cJSON *events;  /* owned array */
    cJSON *probe;   /* owned object, or NULL before any PROBE item */
    bool has_probe;
    struct hw_probe pr;        /* pr.code is not kept: it is in probe */
    struct json_text text;     /* the snapshot being written */
    const struct judge *judge; /* borrowed; NULL: no leak or checks */
};

static void json_probe(struct json_sink *j, const struct hw_probe *p)
{
    cJSON_Delete(j->probe);
    j->pr = *p;
    j->pr.code = NULL;
    j->has_probe = true;
    if (!p->code) { /* --listen: nothing is ever sent */
        j->probe = cJSON_CreateNull();
        return;
    }
    j->probe = cJSON_CreateObject();
    add_text(j->probe, "code", p->code);
    if (p->measured)
        cJSON_AddNumberToObject(j->probe, "bytes_per_sample", (double)p->bytes);
    else
        cJSON_AddNullToObject(j->probe, "bytes_per_sample");
    if (p->measured && p->allocated >= 0)
        cJSON_AddNumberToObject(j->probe, "allocated_per_sample", (double)p->allocated);
    else
        cJSON_AddNullToObject(j->probe, "allocated_per_sample");
}

static void json_event(struct json_sink *j, const struct hw_item *it)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(j->events, o);
    cJSON_AddNumberToObject(o, "time", round(it->time * 1000.0) / 1000.0);
    add_text(o, "kind", it->event);
    if (it->detail)
        add_text(o, "detail", it->detail);
    else
        cJSON_AddNullToObject(o, "detail");
}

/* What json_snapshot() has written so far goes to the file. */
static void json_flush_text(struct json_sink *j)
{
    if (j->text.n)
        fwrite(j->text.p, 1, j->text.n, j->f);
    j->text.n = 0;
}

/* One line per snapshot, written by json_text.c: the same text as
 * cJSON_PrintUnformatted() of snapshot_json(), without building the tree.
 * Lines go to the file 64 KiB at a time (a copy into stdio's buffer for
 * every dump costs as much as writing it), or at once when streaming. */
static void json_snapshot(struct json_sink *j, const struct snapshot *s)
{
    const long *probe_bytes = j->has_probe && j->pr.measured ? &j->pr.bytes : NULL;
    json_text_append(&j->text, j->n ? ",\n" : "\n", j->n ? 2 : 1);
    j->n++;
    json_text_snapshot(&j->text, s, j->with_map, probe_bytes);
    if (j->stream || j->text.n >= 64 * 1024)
        json_flush_text(j);
    if (j->stream)
        fflush(j->f);
    summary_add(&j->sum, s);
    j->source_dumps++;
}

static int json_item(struct sink *sk, const struct hw_item *it, struct hw_err *err)
{
    struct json_sink *j = (struct json_sink *)sk;
    switch (it->kind) {
    case HW_ITEM_BEGIN:
        j->source_dumps = 0;
        break;
    case HW_ITEM_END: {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(j->sources, o);
        add_text(o, "name", it->name);
        cJSON_AddNumberToObject(o, "dumps", (double)j->source_dumps);
        if (j->judge) { /* it has seen this END: the source is its last */
            int i = judge_sources(j->judge) - 1;
            cJSON_AddItemToObject(o, "leak", leak_json(j->judge, i));
            if (judge_tracks_suspects(j->judge))
                cJSON_AddItemToObject(o, "suspects", suspects_json(j->judge, i));
        }
        break;
    }
    case HW_ITEM_SNAPSHOT:
        json_snapshot(j, it->snap);
        break;
    case HW_ITEM_EVENT:
        json_event(j, it);
        break;
    case HW_ITEM_PROBE:
        json_probe(j, it->probe);
        break;
    default:
        break;
    }
    if (ferror(j->f))
        return hw_err_set(err, HW_EIO, "cannot write %s: %s", j->name,
                          strerror(errno ? errno : EIO));
    return HW_OK;
}

static void json_free(struct json_sink *j)
{
    if (j->f != stdout)
        fclose(j->f);
    cJSON_Delete(j->sources);
    cJSON_Delete(j->events);
    cJSON_Delete(j->probe);
    json_text_fini(&j->text);
    free(j->name);
    free(j);
}

/* Close the document: "],", then the tail object without its "{". */
static int json_close(struct sink *sk, struct hw_err *err)
{
    struct json_sink *j = (struct json_sink *)sk;
    cJSON *tail = cJSON_CreateObject();
    cJSON_AddItemToObject(tail, "sources", j->sources);
    cJSON_AddItemToObject(tail, "summary", summary_json(&j->sum));
    cJSON_AddItemToObject(tail, "events", j->events);
    if (j->probe)
        cJSON_AddItemToObject(tail, "probe", j->probe);
    if (j->judge && judge_checks(j->judge))
        cJSON_AddItemToObject(tail, "checks", checks_json(j->judge));
    j->sources = j->events = j->probe = NULL;
    char *text = cJSON_PrintUnformatted(tail); /* freed with cJSON_free */
    json_flush_text(j);
    fputs(j->n ? "\n],\n" : "],\n", j->f);
    if (text) {
        fwrite(text + 1, 1, strlen(text) - 1, j->f); /* skip "{", keep the closing "}" */
        cJSON_free(text);
    }
    fputc('\n', j->f);
    cJSON_Delete(tail);
    bool failed = fflush(j->f) != 0 || ferror(j->f);
    int e = errno;
    if (j->f != stdout) {
        failed = fclose(j->f) != 0 || failed;
        j->f = stdout; /* closed: json_free must not close it again */
    }
    int rc = failed ? hw_err_set(err, HW_EIO, "cannot write %s: %s", j->name, strerror(e ? e : EIO))
                    : HW_OK;
    json_free(j);
    return rc;
}

static const struct sink_ops json_ops = {json_item, json_close};

int export_json_open(const char *path, bool with_map, bool stream, struct sink **out,
                     struct hw_err *err)
{
    *out = NULL;
    bool to_stdout = strcmp(path, "-") == 0;
    FILE *f = to_stdout ? stdout : fopen(path, "w");
    if (!f)
        return hw_err_set(err, hw_from_errno(errno), "cannot create %s: %s", path, strerror(errno));
    struct json_sink *j = xcalloc(1, sizeof(*j));
    j->sink.ops = &json_ops;
    j->f = f;
    j->name = xstrdup(to_stdout ? "standard output" : path);
    j->with_map = with_map;
    j->stream = stream;
    j->sources = cJSON_CreateArray();
    j->events = cJSON_CreateArray();
    summary_init(&j->sum);
    fprintf(f, "{\"heapwatch\":{\"version\":\"%s\",\"schema\":%d},\n\"snapshots\":[", HW_VERSION,
            HW_JSON_SCHEMA);
    *out = &j->sink;
    return HW_OK;
}

void export_json_set_judge(struct sink *json, const struct judge *jd)
{
    ((struct json_sink *)json)->judge = jd;
}

int export_snapshot_file(FILE *f, const struct snapshot *s, bool with_map)
{
    cJSON *o = snapshot_json(s, with_map, NULL);
    char *text = cJSON_Print(o); /* freed with cJSON_free */
    int rc = HW_EIO;
    if (text && fputs(text, f) >= 0 && fputc('\n', f) != EOF && fflush(f) == 0)
        rc = HW_OK;
    cJSON_free(text);
    cJSON_Delete(o);
    return rc;
}
