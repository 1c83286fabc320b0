/* SPDX-License-Identifier: MIT */
/* track.c - figures for dashboards; see track.h. */
#include "track.h"
#include "json_text.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* The figures a dashboard tracks, in the order both renderings list them. */
enum fig { F_MIN_FREE, F_PEAK_USED, F_MIN_LARGEST, F_MAX_FRAG, F_N };

static const struct figure {
    const char *family; /* OpenMetrics metric family */
    const char *unit;   /* its OpenMetrics unit (the family's suffix) */
    const char *help;
    const char *bench;      /* benchmark name, after the source */
    const char *bench_unit; /* benchmark unit */
    bool bigger;            /* bigger is better */
    bool per_area;          /* known for each area of a heap of several */
} figures[F_N] = {
    [F_MIN_FREE] = {"heapwatch_min_free_bytes", "bytes", "Lowest free heap over the run.",
                    "min free", "bytes", true, true},
    [F_PEAK_USED] = {"heapwatch_peak_used_bytes", "bytes", "Highest used heap over the run.",
                     "peak used", "bytes", false, false},
    [F_MIN_LARGEST] = {"heapwatch_min_largest_free_bytes", "bytes",
                       "Smallest largest free run: the biggest allocation sure to succeed.",
                       "min largest free", "bytes", true, true},
    [F_MAX_FRAG] = {"heapwatch_max_fragmentation_ratio", "ratio",
                    "Worst fragmentation: 1 - largest free run / free.", "max fragmentation",
                    "percent", false, false},
};

/* Figure f of a source's whole heap; false when no dump had it. */
static bool heap_value(const struct summary *sum, enum fig f, double *v)
{
    uint64_t u = UINT64_MAX;
    switch (f) {
    case F_MIN_FREE:
        u = sum->min_free;
        break;
    case F_PEAK_USED:
        u = sum->peak_used;
        break;
    case F_MIN_LARGEST:
        u = sum->min_largest_free_bytes;
        break;
    case F_MAX_FRAG:
        *v = sum->max_fragmentation;
        return sum->max_fragmentation >= 0;
    case F_N:
        break;
    }
    *v = (double)u;
    return u != UINT64_MAX;
}

/* ... and of one area. */
static bool area_value(const struct judge_area *a, enum fig f, double *v)
{
    uint64_t u = f == F_MIN_FREE      ? a->min_free
                 : f == F_MIN_LARGEST ? a->min_largest_free
                                      : UINT64_MAX;
    *v = (double)u;
    return u != UINT64_MAX;
}

/* The leak rate a check would judge (leak.h: 0 unless the heap grows),
 * per minute when the samples had times; false while there is too
 * little data. */
static bool leak_value(const struct judge *j, int i, double *v, bool *per_min)
{
    struct leak_verdict lv;
    judge_leak(j, i, &lv);
    if (lv.state == LEAK_UNKNOWN)
        return false;
    *per_min = lv.has_per_min;
    *v = leak_rate(&lv, !lv.has_per_min);
    return true;
}

/* A label value: '\\', '"' and newlines escaped (OpenMetrics' rule). */
static void om_label(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            fputc('\\', f);
        if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
}

static void om_family(FILE *f, const char *family, const char *unit, const char *help)
{
    fprintf(f, "# TYPE %s gauge\n", family);
    if (unit)
        fprintf(f, "# UNIT %s %s\n", family, unit);
    fprintf(f, "# HELP %s %s\n", family, help);
}

static void om_sample(FILE *f, const char *family, const char *source, const char *key,
                      const char *value_label, double v)
{
    char num[32];
    num[json_text_number(num, v)] = '\0';
    fprintf(f, "%s{source=\"", family);
    om_label(f, source);
    if (key) {
        fprintf(f, "\",%s=\"", key);
        om_label(f, value_label);
    }
    fprintf(f, "\"} %s\n", num);
}

static void om_figure(FILE *f, const struct judge *j, enum fig g)
{
    const struct figure *fg = &figures[g];
    char label[512];
    om_family(f, fg->family, fg->unit, fg->help);
    for (int i = 0; i < judge_sources(j); i++) {
        const char *src = judge_source_label(j, i, label, sizeof(label));
        double v;
        if (heap_value(judge_summary(j, i), g, &v))
            om_sample(f, fg->family, src, "area", "heap", v);
        const struct judge_area *a;
        size_t n = fg->per_area ? judge_areas(j, i, &a) : 0;
        for (size_t k = 0; k < n; k++) {
            char base[32];
            snprintf(base, sizeof(base), "0x%s", a[k].base);
            if (area_value(&a[k], g, &v))
                om_sample(f, fg->family, src, "area", base, v);
        }
    }
}

static void om_leak(FILE *f, const struct judge *j, bool want_per_min)
{
    const char *family =
        want_per_min ? "heapwatch_leak_bytes_per_minute" : "heapwatch_leak_bytes_per_sample";
    bool header = false;
    char label[512];
    for (int i = 0; i < judge_sources(j); i++) {
        double v;
        bool per_min;
        if (!leak_value(j, i, &v, &per_min) || per_min != want_per_min)
            continue;
        if (!header)
            om_family(f, family, NULL,
                      want_per_min ? "Heap growth after collections, bytes a minute (0: no leak)."
                                   : "Heap growth after collections, bytes a sample (0: no leak).");
        header = true;
        om_sample(f, family, judge_source_label(j, i, label, sizeof(label)), NULL, NULL, v);
    }
}

static void om_checks(FILE *f, const struct judge *j)
{
    if (!judge_checks(j))
        return;
    char label[512];
    om_family(f, "heapwatch_check_passed", NULL, "1 if the --check holds, 0 if it failed.");
    for (int i = 0; i < judge_sources(j); i++)
        for (size_t k = 0; k < judge_checks(j); k++) {
            struct check_result r;
            judge_result(j, i, k, &r);
            om_sample(f, "heapwatch_check_passed", judge_source_label(j, i, label, sizeof(label)),
                      "check", r.check->expr, r.pass);
        }
}

static int finish(FILE *f, const char *path, struct hw_err *err)
{
    bool failed = ferror(f) != 0;
    failed = fclose(f) != 0 || failed;
    return failed ? hw_err_set(err, HW_EIO, "cannot write %s: %s", path, strerror(errno)) : HW_OK;
}

int track_openmetrics(const struct judge *j, const char *path, struct hw_err *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return hw_err_set(err, hw_from_errno(errno), "cannot create %s: %s", path, strerror(errno));
    char label[512];
    om_family(f, "heapwatch_dumps", NULL, "Dumps read.");
    for (int i = 0; i < judge_sources(j); i++)
        om_sample(f, "heapwatch_dumps", judge_source_label(j, i, label, sizeof(label)), NULL, NULL,
                  (double)judge_summary(j, i)->snapshots);
    om_family(f, "heapwatch_incomplete_dumps", NULL, "Dumps cut short or damaged.");
    for (int i = 0; i < judge_sources(j); i++)
        om_sample(f, "heapwatch_incomplete_dumps", judge_source_label(j, i, label, sizeof(label)),
                  NULL, NULL, (double)judge_summary(j, i)->incomplete);
    for (int g = 0; g < F_N; g++)
        om_figure(f, j, (enum fig)g);
    om_leak(f, j, true);
    om_leak(f, j, false);
    om_checks(f, j);
    fputs("# EOF\n", f);
    return finish(f, path, err);
}

/* One benchmark entry: {"name":"SOURCE: WHAT","unit":...,"value":...,"extra":...}. */
static void bench_entry(struct json_text *b, bool *first, const char *source, const char *what,
                        const char *unit, double v, const char *extra)
{
    char name[512], num[32];
    snprintf(name, sizeof(name), "%s: %s", source, what);
    json_text_append(b, *first ? "\n  {\"name\":" : ",\n  {\"name\":", *first ? 11 : 12);
    *first = false;
    json_text_string(b, name);
    json_text_append(b, ",\"unit\":", 8);
    json_text_string(b, unit);
    json_text_append(b, ",\"value\":", 9);
    json_text_append(b, num, json_text_number(num, v));
    json_text_append(b, ",\"extra\":", 9);
    json_text_string(b, extra);
    json_text_append(b, "}", 1);
}

static void bench_source(struct json_text *b, bool *first, const struct judge *j, int i,
                         bool bigger)
{
    const struct summary *sum = judge_summary(j, i);
    char label[512];
    const char *src = judge_source_label(j, i, label, sizeof(label));
    char extra[96];
    snprintf(extra, sizeof(extra), "%ld dumps, %ld incomplete", sum->snapshots, sum->incomplete);
    for (int g = 0; g < F_N; g++) {
        const struct figure *fg = &figures[g];
        double v;
        if (fg->bigger != bigger || !heap_value(sum, (enum fig)g, &v))
            continue;
        bench_entry(b, first, src, fg->bench, fg->bench_unit, g == F_MAX_FRAG ? 100 * v : v, extra);
    }
    double v;
    bool per_min;
    if (!bigger && leak_value(j, i, &v, &per_min))
        bench_entry(b, first, src, "leak", per_min ? "bytes/min" : "bytes/sample", v, extra);
}

int track_bench(const struct judge *j, const char *path, bool bigger, struct hw_err *err)
{
    struct json_text b = {0};
    bool first = true;
    json_text_append(&b, "[", 1);
    for (int i = 0; i < judge_sources(j); i++)
        bench_source(&b, &first, j, i, bigger);
    json_text_append(&b, first ? "]\n" : "\n]\n", first ? 2 : 3);
    FILE *f = fopen(path, "w");
    if (!f) {
        json_text_fini(&b);
        return hw_err_set(err, hw_from_errno(errno), "cannot create %s: %s", path, strerror(errno));
    }
    fwrite(b.p, 1, b.n, f);
    json_text_fini(&b);
    return finish(f, path, err);
}
