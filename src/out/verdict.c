/* SPDX-License-Identifier: MIT */
/* verdict.c - check results for people and CI; see verdict.h. */
#include "verdict.h"
#include "fmt.h"

#include <errno.h>
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

static void junit_case(FILE *f, const struct judge *j, int s, size_t i, size_t *failures)
{
    struct check_result r;
    char line[512];
    judge_result(j, s, i, &r);
    char label[512];
    fputs("    <testcase classname=\"heapwatch.", f);
    xml_text(f, judge_source_label(j, s, label, sizeof(label)));
    fputs("\" name=\"", f);
    xml_text(f, r.check->expr);
    fputs("\" time=\"0\">\n", f);
    if (!r.pass) {
        ++*failures;
        fputs("      <failure type=\"check\" message=\"", f);
        xml_text(f, verdict_line(j, &r, line, sizeof(line)));
        fputs("\"/>\n", f);
    }
    fputs("      <system-out>", f);
    xml_text(f, verdict_line(j, &r, line, sizeof(line)));
    fputs("</system-out>\n    </testcase>\n", f);
}

int verdict_junit(const struct judge *j, const char *path, struct hw_err *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return hw_err_set(err, hw_from_errno(errno), "cannot create %s: %s", path, strerror(errno));
    size_t tests = judge_checks(j) * (size_t)judge_sources(j), failures = judge_failures(j);
    fprintf(f,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<testsuites name=\"heapwatch\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n",
            tests, failures);
    for (int s = 0; s < judge_sources(j); s++) {
        char label[512];
        fputs("  <testsuite name=\"", f);
        xml_text(f, judge_source_label(j, s, label, sizeof(label)));
        fprintf(f, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\" time=\"0\">\n",
                judge_checks(j), judge_source_failures(j, s));
        size_t n = 0;
        for (size_t i = 0; i < judge_checks(j); i++)
            junit_case(f, j, s, i, &n);
        fputs("  </testsuite>\n", f);
    }
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

static void annotate_one(FILE *f, const struct judge *j, const struct check_result *r)
{
    char line[512];
    fputs("::error file=", f);
    gh_text(f, judge_source_name(j, r->source), true);
    if (r->has_dump)
        fprintf(f, ",line=%ld", r->dump.line);
    fputs(",title=", f);
    gh_text(f, "heapwatch check ", true);
    gh_text(f, r->check->expr, true);
    fputs("::", f);
    gh_text(f, verdict_line(j, r, line, sizeof(line)), false);
    fputc('\n', f);
}

void verdict_annotate(const struct judge *j, FILE *f)
{
    size_t failed = judge_failures(j), shown = 0;
    size_t own = failed > GH_MAX_ANNOTATIONS ? GH_MAX_ANNOTATIONS - 1 : failed;
    for (int s = 0; s < judge_sources(j); s++) {
        for (size_t i = 0; i < judge_checks(j); i++) {
            struct check_result r;
            judge_result(j, s, i, &r);
            if (r.pass)
                continue;
            if (shown < own) {
                annotate_one(f, j, &r);
            } else {
                if (shown == own)
                    fprintf(
                        f, "::error title=heapwatch checks::%zu more checks failed:", failed - own);
                fputc(' ', f);
                gh_text(f, r.check->expr, false);
                fputs(" (", f);
                gh_text(f, judge_source_name(j, s), false);
                fputc(')', f);
            }
            shown++;
        }
    }
    if (shown > own)
        fputc('\n', f);
    fflush(f);
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
