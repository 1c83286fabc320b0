/* SPDX-License-Identifier: MIT */
/* export_json.c - snapshots and summaries as JSON through cJSON.
 * Each snapshot object is built, printed unformatted and freed at once;
 * nothing of a capture accumulates here except the (small) event list. */
#include "export.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct json_writer {
    FILE *f;           /* owned unless it is stdout */
    const char *name;  /* for messages; borrowed from the caller's path */
    bool with_map;
    bool stream;       /* flush each snapshot */
    long n;
    cJSON *events; /* owned array */
    cJSON *probe;  /* owned object or NULL */
};

/* Text from a device or a file name may be any bytes; JSON must be UTF-8.
 * Valid sequences are kept, every other byte becomes '?'. Returns a string
 * the caller frees. */
static char *utf8_clean(const char *in)
{
    size_t n = strlen(in);
    char *out = xmalloc(n + 1);
    const unsigned char *p = (const unsigned char *)in;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t len = p[i] < 0x80 ? 1 : (p[i] & 0xe0) == 0xc0 ? 2 : (p[i] & 0xf0) == 0xe0 ? 3
                   : (p[i] & 0xf8) == 0xf0 ? 4 : 0;
        bool ok = len && i + len <= n && !(len == 2 && p[i] < 0xc2);
        for (size_t k = 1; ok && k < len; k++)
            ok = (p[i + k] & 0xc0) == 0x80;
        if (!ok) {
            out[o++] = '?';
            i++;
            continue;
        }
        memcpy(out + o, p + i, len);
        o += len;
        i += len;
    }
    out[o] = '\0';
    return out;
}

static void add_text(cJSON *o, const char *k, const char *v)
{
    char *clean = utf8_clean(v);
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
            memcpy(m, a->map, a->n_blocks);
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

static cJSON *snapshot_json(const struct snapshot *s, bool with_map,
                            const struct json_sample_extra *x)
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
    if (x && x->has_probe)
        cJSON_AddNumberToObject(o, "probe_bytes", (double)x->probe_bytes);
    if (x && x->error)
        add_text(o, "error", x->error);
    return o;
}

int json_writer_open(const char *path, bool with_map, bool stream, struct json_writer **out,
                     struct hw_err *err)
{
    *out = NULL;
    bool to_stdout = strcmp(path, "-") == 0;
    FILE *f = to_stdout ? stdout : fopen(path, "w");
    if (!f)
        return hw_err_set(err, hw_from_errno(errno), "cannot create %s: %s", path,
                          strerror(errno));
    struct json_writer *jw = xcalloc(1, sizeof(*jw));
    jw->f = f;
    jw->name = to_stdout ? "standard output" : path;
    jw->with_map = with_map;
    jw->stream = stream;
    jw->events = cJSON_CreateArray();
    fprintf(f, "{\"heapwatch\":{\"version\":\"%s\",\"schema\":%d},\n\"snapshots\":[", HW_VERSION,
            HW_JSON_SCHEMA);
    *out = jw;
    return HW_OK;
}

int json_writer_snapshot(struct json_writer *jw, const struct snapshot *s,
                         const struct json_sample_extra *extra)
{
    cJSON *o = snapshot_json(s, jw->with_map, extra);
    char *text = cJSON_PrintUnformatted(o); /* freed with cJSON_free below */
    if (text) {
        fputs(jw->n++ ? ",\n" : "\n", jw->f);
        fputs(text, jw->f);
        cJSON_free(text);
    }
    cJSON_Delete(o);
    if (jw->stream)
        fflush(jw->f);
    return ferror(jw->f) ? HW_EIO : HW_OK;
}

void json_writer_event(struct json_writer *jw, const struct json_event *ev)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToArray(jw->events, o);
    cJSON_AddNumberToObject(o, "time", round(ev->time * 1000.0) / 1000.0);
    cJSON_AddStringToObject(o, "kind", ev->kind);
    if (ev->detail)
        add_text(o, "detail", ev->detail);
    else
        cJSON_AddNullToObject(o, "detail");
}

void json_writer_probe(struct json_writer *jw, const struct json_probe *p)
{
    cJSON_Delete(jw->probe);
    jw->probe = cJSON_CreateObject();
    add_text(jw->probe, "code", p->code ? p->code : "");
    if (p->has_probe)
        cJSON_AddNumberToObject(jw->probe, "bytes_per_sample", (double)p->bytes);
    else
        cJSON_AddNullToObject(jw->probe, "bytes_per_sample");
    if (p->has_probe && p->allocated >= 0)
        cJSON_AddNumberToObject(jw->probe, "allocated_per_sample", (double)p->allocated);
    else
        cJSON_AddNullToObject(jw->probe, "allocated_per_sample");
}

static void add_or_null(cJSON *o, const char *k, uint64_t v)
{
    if (v == UINT64_MAX)
        cJSON_AddNullToObject(o, k);
    else
        add_u64(o, k, v);
}

static cJSON *summary_json(const struct summary *sum)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "snapshots", (double)sum->snapshots);
    add_or_null(o, "min_free", sum->min_free);
    add_or_null(o, "peak_used", sum->snapshots && sum->min_free != UINT64_MAX
                                    ? sum->peak_used : UINT64_MAX);
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

int json_writer_finish(struct json_writer *jw, const struct json_source *src, size_t n_src,
                       const struct summary *sum, struct hw_err *err)
{
    cJSON *tail = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(tail, "sources");
    for (size_t i = 0; i < n_src; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(arr, o);
        add_text(o, "name", src[i].name);
        cJSON_AddNumberToObject(o, "dumps", (double)src[i].dumps);
    }
    cJSON_AddItemToObject(tail, "summary", summary_json(sum));
    cJSON_AddItemToObject(tail, "events", jw->events);
    jw->events = NULL;
    if (jw->probe)
        cJSON_AddItemToObject(tail, "probe", jw->probe);
    jw->probe = NULL;
    char *text = cJSON_PrintUnformatted(tail); /* "{...}": its braces are dropped below */
    fputs(jw->n ? "\n],\n" : "],\n", jw->f);
    if (text) {
        size_t len = strlen(text);
        fwrite(text + 1, 1, len - 1, jw->f); /* skip "{", keep the closing "}" */
        cJSON_free(text);
    }
    fputc('\n', jw->f);
    cJSON_Delete(tail);
    bool failed = fflush(jw->f) != 0 || ferror(jw->f);
    if (jw->f != stdout && fclose(jw->f) != 0)
        failed = true;
    int rc = failed ? hw_err_set(err, HW_EIO, "cannot write %s: %s", jw->name, strerror(errno))
                    : HW_OK;
    free(jw);
    return rc;
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
