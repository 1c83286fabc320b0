/* SPDX-License-Identifier: MIT */
/* diff_json.c - the diff document; see diff_json.h. Built as one cJSON
 * tree (a diff is small: a few dozen figures and block counts; the
 * change map itself stays in the text) and printed unformatted, so the
 * file starts with {"heapwatch": like every heapwatch document, which
 * is what lets a later run replace it (paths.c). */
#include "diff_json.h"
#include "diff_text.h"
#include "export_json.h"
#include "json_text.h"
#include "util.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A figure as analyze's JSON writes it: fractions to 4 places, times to
 * milliseconds, counts and bytes whole. */
static double json_value(enum diff_unit unit, double v)
{
    if (unit == DIFF_RATIO)
        return round(v * 10000.0) / 10000.0;
    if (unit == DIFF_SECONDS)
        return round(v * 1000.0) / 1000.0;
    return v;
}

static void add_num_or_null(cJSON *o, const char *k, bool known, double v)
{
    if (known)
        cJSON_AddNumberToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

/* {"a":..,"b":..,"delta":..}, null where a side lacks the figure */
static cJSON *triple(enum diff_unit unit, bool has_a, double a, bool has_b, double b)
{
    cJSON *o = cJSON_CreateObject();
    double ja = json_value(unit, a), jb = json_value(unit, b);
    add_num_or_null(o, "a", has_a, ja);
    add_num_or_null(o, "b", has_b, jb);
    add_num_or_null(o, "delta", has_a && has_b, json_value(unit, jb - ja));
    return o;
}

/* A file name as text JSON can carry (json_text.h: bytes that are not
 * UTF-8 become '?'), like every name export_json.c writes. */
static void add_name(cJSON *o, const char *k, const char *v)
{
    char *clean = xmalloc(strlen(v) + 1);
    json_text_clean(v, clean);
    cJSON_AddStringToObject(o, k, clean);
    free(clean);
}

static cJSON *side_json(const struct diff *d, const struct diff_source *src, int side)
{
    cJSON *o = cJSON_CreateObject();
    add_name(o, "name", src->name);
    add_num_or_null(o, "seq", src->seq >= 0, (double)src->seq);
    cJSON_AddNumberToObject(o, "dumps", (double)src->dumps);
    add_num_or_null(o, "detail_seq", d->has_detail[side], (double)d->detail_seq[side]);
    return o;
}

static cJSON *metrics_json(const struct diff *d)
{
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; i < d->n_metrics; i++) {
        const struct diff_metric *m = &d->metrics[i];
        cJSON_AddItemToObject(o, m->name, triple(m->unit, m->has_a, m->a, m->has_b, m->b));
    }
    return o;
}

static cJSON *heads_json(const struct diff *d)
{
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; i < SNAP_N_HEADS; i++) {
        char k[2] = {SNAP_HEAD_LETTERS[i], '\0'};
        cJSON_AddItemToObject(o, k,
                              triple(DIFF_COUNT, d->has_detail[0], (double)d->heads[0][i],
                                     d->has_detail[1], (double)d->heads[1][i]));
    }
    return o;
}

/* Counts per log2 bucket, trailing buckets empty on both sides trimmed
 * (so the two arrays have one length); null for a side without them. */
static cJSON *hist_json(const struct diff *d)
{
    int n = SNAP_HIST_BUCKETS;
    while (n > 0 && !d->free_hist[0][n - 1] && !d->free_hist[1][n - 1])
        n--;
    cJSON *o = cJSON_CreateObject();
    for (int side = 0; side < 2; side++) {
        const char *k = side ? "b" : "a";
        if (!d->has_detail[side]) {
            cJSON_AddNullToObject(o, k);
            continue;
        }
        cJSON *arr = cJSON_AddArrayToObject(o, k);
        for (int i = 0; i < n; i++)
            cJSON_AddItemToArray(arr, cJSON_CreateNumber((double)d->free_hist[side][i]));
    }
    return o;
}

static cJSON *blocks_json(const struct diff *d)
{
    if (!d->has_blocks)
        return cJSON_CreateNull();
    const struct diff_blocks *c = &d->blocks;
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "allocated", (double)c->allocated);
    cJSON_AddNumberToObject(o, "freed", (double)c->freed);
    cJSON_AddNumberToObject(o, "changed", (double)c->changed);
    cJSON_AddNumberToObject(o, "unchanged_used", (double)c->used);
    cJSON_AddNumberToObject(o, "unchanged_free", (double)c->free);
    cJSON_AddNumberToObject(o, "unknown", (double)c->unknown);
    return o;
}

/* {expr, verdict, a, b, delta, text} per delta check: the figures in the
 * check's unit (bytes, a fraction, a count), null where a side lacks it,
 * and the check's line. */
static cJSON *checks_json(const struct diff *d, const struct check *c, size_t n)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        double a = 0, b = 0, delta = 0;
        bool known = diff_check_metric(d, &c[i], &a, &b, &delta);
        char line[512];
        bool pass = diff_text_check(d, &c[i], line, sizeof(line));
        cJSON *o = cJSON_CreateObject();
        add_name(o, "expr", c[i].expr);
        cJSON_AddStringToObject(o, "verdict", pass ? "pass" : "fail");
        add_num_or_null(o, "a", known, json_value(DIFF_RATIO, a));
        add_num_or_null(o, "b", known, json_value(DIFF_RATIO, b));
        add_num_or_null(o, "delta", known, json_value(DIFF_RATIO, delta));
        add_name(o, "text", line);
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

static cJSON *document(const struct diff *d, const struct diff_source src[2],
                       const struct check *checks, size_t n_checks)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *hw = cJSON_AddObjectToObject(doc, "heapwatch");
    cJSON_AddStringToObject(hw, "version", HW_VERSION);
    cJSON_AddNumberToObject(hw, "schema", HW_JSON_SCHEMA);
    cJSON_AddStringToObject(doc, "diff", d->dumps ? "dumps" : "captures");
    cJSON_AddItemToObject(doc, "a", side_json(d, &src[0], 0));
    cJSON_AddItemToObject(doc, "b", side_json(d, &src[1], 1));
    cJSON_AddItemToObject(doc, "metrics", metrics_json(d));
    cJSON_AddItemToObject(doc, "heads", heads_json(d));
    cJSON_AddItemToObject(doc, "free_run_hist", hist_json(d));
    cJSON_AddItemToObject(doc, "blocks", blocks_json(d));
    if (d->dumps)
        cJSON_AddBoolToObject(doc, "same_heap", d->same_heap);
    else
        cJSON_AddNullToObject(doc, "same_heap");
    if (d->dumps && !d->has_blocks)
        cJSON_AddStringToObject(doc, "blocks_skipped", d->why);
    else
        cJSON_AddNullToObject(doc, "blocks_skipped");
    if (n_checks)
        cJSON_AddItemToObject(doc, "checks", checks_json(d, checks, n_checks));
    return doc;
}

int diff_json_write(const char *path, const struct diff *d, const struct diff_source src[2],
                    const struct check *checks, size_t n_checks, struct hw_err *err)
{
    bool to_stdout = strcmp(path, "-") == 0;
    const char *name = to_stdout ? "standard output" : path;
    FILE *f = to_stdout ? stdout : fopen(path, "w");
    if (!f)
        return hw_err_set(err, hw_from_errno(errno), "cannot create %s: %s", path, strerror(errno));
    cJSON *doc = document(d, src, checks, n_checks);
    char *text = cJSON_PrintUnformatted(doc); /* freed with cJSON_free */
    bool failed = !text || fputs(text, f) < 0 || fputc('\n', f) == EOF || fflush(f) != 0;
    int e = errno;
    cJSON_free(text);
    cJSON_Delete(doc);
    if (!to_stdout)
        failed = fclose(f) != 0 || failed;
    if (failed)
        return hw_err_set(err, HW_EIO, "cannot write %s: %s", name, strerror(e ? e : EIO));
    return HW_OK;
}
