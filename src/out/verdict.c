/* SPDX-License-Identifier: MIT */
/* verdict.c - check results for people and CI; see verdict.h. */
#include "verdict.h"
#include "fmt.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* " at dump #5 (log.txt line 120, t=12.500)" or " (log.txt)". */
static void where(const struct judge *j, const struct check_result *r, char *buf, size_t cap)
{
    const char *name = judge_source_name(j, r->source);
    if (!r->has_dump) {
        snprintf(buf, cap, " (%s)", name);
        return;
    }
    char t[32] = "";
    if (r->dump.has_time)
        snprintf(t, sizeof(t), ", t=%.3f", r->dump.time);
    snprintf(buf, cap, " at dump #%ld (%s line %ld%s)", r->dump.seq, name, r->dump.line, t);
}

char *verdict_line(const struct judge *j, const struct check_result *r, char *buf, size_t cap)
{
    char w[320];
    where(j, r, w, sizeof(w));
    snprintf(buf, cap, "check %s: %s: %s%s", r->pass ? "passed" : "failed", r->check->expr,
             r->value_text, w);
    return buf;
}

void verdict_lines(const struct judge *j, FILE *f, bool quiet)
{
    char line[512], safe[2048];
    for (int s = 0; s < judge_sources(j); s++) {
        for (size_t i = 0; i < judge_checks(j); i++) {
            struct check_result r;
            judge_result(j, s, i, &r);
            if (r.pass && quiet)
                continue;
            verdict_line(j, &r, line, sizeof(line));
            fprintf(f, "heapwatch: %s\n", fmt_terminal_safe(line, safe, sizeof(safe)));
        }
    }
    fflush(f);
}

/* XML text: the five entities, and no control bytes (XML 1.0 forbids
 * them even escaped). */
static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&':
            fputs("&amp;", f);
            break;
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&apos;", f);
            break;
        default:
            if (c < 0x20 && c != '\t' && c != '\n')
                fprintf(f, "\\x%02x", c);
            else
                fputc(c, f);
        }
    }
}

/* A testsuite per run of cases with the same suite. */
static size_t junit_suite(FILE *f, const struct verdict_case *c, size_t n)
{
    size_t k = 0, failures = 0;
    while (k < n && !strcmp(c[k].suite, c[0].suite))
        failures += !c[k++].pass;
    fputs("  <testsuite name=\"", f);
    xml_text(f, c[0].suite);
    fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\" time=\"0\">\n", k,
            failures);
    for (size_t i = 0; i < k; i++) {
        fputs("    <testcase classname=\"heapwatch.", f);
        xml_text(f, c[i].suite);
        fputs("\" name=\"", f);
        xml_text(f, c[i].name);
        fputs("\" time=\"0\">\n", f);
        if (!c[i].pass) {
            fputs("      <failure type=\"check\" message=\"", f);
            xml_text(f, c[i].text);
            fputs("\"/>\n", f);
        }
        fputs("      <system-out>", f);
        xml_text(f, c[i].text);
        fputs("</system-out>\n    </testcase>\n", f);
    }
    fputs("  </testsuite>\n", f);
    return k;
}

int verdict_junit_cases(const char *path, const struct verdict_case *c, size_t n,
                        struct hw_err *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return hw_err_set(err, hw_from_errno(errno), "cannot create %s: %s", path, strerror(errno));
    size_t failures = 0;
    for (size_t i = 0; i < n; i++)
        failures += !c[i].pass;
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"heapwatch\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n",
            n, failures);
    for (size_t i = 0; i < n;)
        i += junit_suite(f, c + i, n - i);
    fputs("</testsuites>\n", f);
    bool failed = ferror(f) != 0;
    failed = fclose(f) != 0 || failed;
    return failed ? hw_err_set(err, HW_EIO, "cannot write %s: %s", path, strerror(errno)) : HW_OK;
}

/* Workflow command data: '%', CR and LF are escaped (GitHub's rule);
 * property values also escape ':' and ','. */
static void gh_text(FILE *f, const char *s, bool property)
{
    for (; *s; s++) {
        if (*s == '%')
            fputs("%25", f);
        else if (*s == '\r')
            fputs("%0D", f);
        else if (*s == '\n')
            fputs("%0A", f);
        else if (property && *s == ':')
            fputs("%3A", f);
        else if (property && *s == ',')
            fputs("%2C", f);
        else
            fputc(*s, f);
    }
}

/* GitHub shows at most 10 error annotations of a step and drops the
 * rest: past 9, one more line says what the others are. */
enum { GH_MAX_ANNOTATIONS = 10 };

static void annotate_one(FILE *f, const struct verdict_case *c)
{
    fputs("::error", f);
    if (c->file) {
        fputs(" file=", f);
        gh_text(f, c->file, true);
        if (c->line > 0)
            fprintf(f, ",line=%ld", c->line);
        fputc(',', f);
    } else {
        fputc(' ', f);
    }
    fputs("title=", f);
    gh_text(f, "heapwatch check ", true);
    gh_text(f, c->name, true);
    fputs("::", f);
    gh_text(f, c->text, false);
    fputc('\n', f);
}

void verdict_annotate_cases(FILE *f, const struct verdict_case *c, size_t n)
{
    size_t failed = 0, shown = 0;
    for (size_t i = 0; i < n; i++)
        failed += !c[i].pass;
    size_t own = failed > GH_MAX_ANNOTATIONS ? GH_MAX_ANNOTATIONS - 1 : failed;
    for (size_t i = 0; i < n; i++) {
        if (c[i].pass)
            continue;
        if (shown < own) {
            annotate_one(f, &c[i]);
        } else {
            if (shown == own)
                fprintf(f, "::error title=heapwatch checks::%zu more checks failed:", failed - own);
            fputc(' ', f);
            gh_text(f, c[i].name, false);
            fputs(" (", f);
            gh_text(f, c[i].file ? c[i].file : c[i].suite, false);
            fputc(')', f);
        }
        shown++;
    }
    if (shown > own)
        fputc('\n', f);
    fflush(f);
}

/* The judge's results as cases, source by source: suite the source's
 * label, file its name, line the failing dump's. Their texts are in
 * *store, TEXT bytes each; the caller frees both. */
enum { TEXT = 512 };

static struct verdict_case *judged_cases(const struct judge *j, size_t *n, char **store)
{
    size_t checks = judge_checks(j);
    *n = checks * (size_t)judge_sources(j);
    struct verdict_case *c = xcalloc(*n ? *n : 1, sizeof(*c));
    *store = xcalloc(*n ? *n : 1, 2 * TEXT);
    for (size_t k = 0; k < *n; k++) {
        struct check_result r;
        char *text = *store + 2 * TEXT * k, *label = text + TEXT;
        judge_result(j, (int)(k / checks), k % checks, &r);
        c[k] = (struct verdict_case){
            .suite = judge_source_label(j, r.source, label, TEXT),
            .name = r.check->expr,
            .text = verdict_line(j, &r, text, TEXT),
            .file = judge_source_name(j, r.source),
            .line = r.has_dump ? r.dump.line : 0,
            .pass = r.pass,
        };
    }
    return c;
}

int verdict_junit(const struct judge *j, const char *path, struct hw_err *err)
{
    size_t n;
    char *store;
    struct verdict_case *c = judged_cases(j, &n, &store);
    int rc = verdict_junit_cases(path, c, n, err);
    free(c);
    free(store);
    return rc;
}

void verdict_annotate(const struct judge *j, FILE *f)
{
    size_t n;
    char *store;
    struct verdict_case *c = judged_cases(j, &n, &store);
    verdict_annotate_cases(f, c, n);
    free(c);
    free(store);
}

void verdict_leak_lines(const struct judge *j, int i, FILE *f)
{
    struct leak_verdict v;
    char buf[160], a[16], b[16];
    judge_leak(j, i, &v);
    fprintf(f, "  leak: %s\n", leak_describe(&v, false, buf, sizeof(buf)));
    if (v.state != LEAK_GROWS || !judge_tracks_suspects(j))
        return; /* long-lived allocations are no news in a heap that does not grow */
    struct leak_suspect top[3];
    uint64_t total;
    size_t n = judge_suspects(j, i, top, 3, &total);
    if (n == 0)
        return;
    fprintf(f, "  suspects: %zu allocation%s (%s) appeared after the first dump and stayed\n", n,
            n == 1 ? "" : "s", fmt_bytes(a, sizeof(a), total));
    for (size_t k = 0; k < n && k < 3; k++) {
        const struct leak_suspect *s = &top[k];
        char age[24] = "";
        if (s->age_s >= 0)
            snprintf(age, sizeof(age), ", %s", fmt_duration(b, sizeof(b), s->age_s));
        fprintf(f, "    0x%llx %c %s (%zu block%s), since dump #%ld: %ld dumps%s\n",
                (unsigned long long)s->address, s->type, fmt_bytes(a, sizeof(a), s->bytes),
                s->blocks, s->blocks == 1 ? "" : "s", s->born_seq, s->samples, age);
    }
}

int verdict_finish(const struct judge *j, const struct verdict_opts *o, struct hw_err *err)
{
    if (!judge_checks(j))
        return HW_OK;
    verdict_lines(j, stderr, o->quiet);
    if (o->annotations)
        verdict_annotate(j, o->annotations);
    return o->junit_path ? verdict_junit(j, o->junit_path, err) : HW_OK;
}
