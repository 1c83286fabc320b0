/* SPDX-License-Identifier: MIT */
/* diff_text.c - the diff for people; see diff_text.h. Figures in the
 * units of every other output (fmt.h): bytes as 1.2K, fractions as
 * percent; deltas signed, a fraction's in percentage points (a "+1.0%"
 * would read as relative). */
#include "diff_text.h"
#include "fmt.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* The type letters' names, in SNAP_HEAD_LETTERS order (as the UI's legend). */
static const char *const head_names[SNAP_N_HEADS] = {"other", "tuple", "list", "dict",  "str",
                                                     "array", "float", "func", "module"};

static char *value(char *buf, size_t cap, enum diff_unit unit, bool known, double v)
{
    if (!known)
        return strcpy(buf, "-");
    switch (unit) {
    case DIFF_BYTES:
        return fmt_bytes(buf, cap, (uint64_t)v);
    case DIFF_RATIO:
        return fmt_pct(buf, cap, v);
    case DIFF_SECONDS:
        return fmt_duration(buf, cap, v);
    default:
        snprintf(buf, cap, "%.0f", v);
        return buf;
    }
}

char *diff_text_delta(char *buf, size_t cap, enum diff_unit unit, bool known, double delta)
{
    char mag[32];
    if (!known)
        return strcpy(buf, "-");
    double m = fabs(delta);
    /* what is shown as zero ("0.0pp", "0.0s") is "+", never "-0.0pp" */
    double shown_zero = unit == DIFF_RATIO ? 0.0005 : unit == DIFF_SECONDS ? 0.05 : 0.5;
    const char *sign = delta < 0 && m >= shown_zero ? "-" : "+";
    if (unit == DIFF_RATIO)
        snprintf(mag, sizeof(mag), "%.1fpp", m * 100.0);
    else
        value(mag, sizeof(mag), unit, true, m);
    snprintf(buf, cap, "%s%s", sign, mag);
    return buf;
}

static void header(FILE *out, const struct diff *d, const struct diff_source src[2])
{
    fprintf(out, "heapwatch diff: two %s\n", d->dumps ? "dumps" : "captures");
    for (int i = 0; i < 2; i++) {
        if (src[i].seq >= 0)
            fprintf(out, "  %c  %s: dump #%ld of %ld\n", "AB"[i], src[i].name, src[i].seq,
                    src[i].dumps);
        else
            fprintf(out, "  %c  %s: %ld dump%s\n", "AB"[i], src[i].name, src[i].dumps,
                    src[i].dumps == 1 ? "" : "s");
    }
}

static void row(FILE *out, const char *label, const char *a, const char *b, const char *delta)
{
    fprintf(out, "  %-26s %10s %10s %10s\n", label, a, b, delta);
}

static void metrics(FILE *out, const struct diff *d)
{
    char a[32], b[32], dl[32], label[40];
    fputc('\n', out);
    row(out, "", "A", "B", "delta");
    for (int i = 0; i < d->n_metrics; i++) {
        const struct diff_metric *m = &d->metrics[i];
        snprintf(label, sizeof(label), "%s%s", m->label, m->unit == DIFF_BLOCKS ? " (blocks)" : "");
        row(out, label, value(a, sizeof(a), m->unit, m->has_a, m->a),
            value(b, sizeof(b), m->unit, m->has_b, m->b),
            diff_text_delta(dl, sizeof(dl), m->unit, m->has_a && m->has_b, m->b - m->a));
    }
}

/* "of each capture's last complete dump (A #19, B #19)" */
static void detail_origin(FILE *out, const struct diff *d)
{
    if (d->dumps)
        fputs(":\n", out);
    else
        fputs(", of each capture's last complete dump", out);
    if (d->dumps)
        return;
    fputs(" (", out);
    for (int i = 0; i < 2; i++) {
        if (d->has_detail[i])
            fprintf(out, "%s%c #%ld", i ? ", " : "", "AB"[i], d -> detail_seq[i]);
        else
            fprintf(out, "%s%c none", i ? ", " : "", "AB"[i]);
    }
    fputs("):\n", out);
}

static void count_row(FILE *out, const char *label, const struct diff *d, size_t va, size_t vb)
{
    char a[24], b[24], dl[24];
    snprintf(a, sizeof(a), "%s", d->has_detail[0] ? "" : "-");
    snprintf(b, sizeof(b), "%s", d->has_detail[1] ? "" : "-");
    if (d->has_detail[0])
        snprintf(a, sizeof(a), "%zu", va);
    if (d->has_detail[1])
        snprintf(b, sizeof(b), "%zu", vb);
    diff_text_delta(dl, sizeof(dl), DIFF_COUNT, d->has_detail[0] && d->has_detail[1],
                    (double)vb - (double)va);
    row(out, label, a, b, dl);
}

/* Allocations per type letter: the letters either side has. */
static void heads(FILE *out, const struct diff *d)
{
    char label[32];
    fputs("\nallocations per type", out);
    detail_origin(out, d);
    if (!d->has_detail[0] && !d->has_detail[1]) {
        fputs("  (no complete block map on either side)\n", out);
        return;
    }
    row(out, "type", "A", "B", "delta");
    /* the UI's order: the named types first, 'h' (other) last */
    for (int k = 1; k <= SNAP_N_HEADS; k++) {
        int i = k % SNAP_N_HEADS;
        if (!d->heads[0][i] && !d->heads[1][i])
            continue;
        snprintf(label, sizeof(label), "%c %s", SNAP_HEAD_LETTERS[i], head_names[i]);
        count_row(out, label, d, d->heads[0][i], d->heads[1][i]);
    }
}

/* Free runs by length, log2 buckets: "1", "2-3", "4-7", ... */
static void free_hist(FILE *out, const struct diff *d)
{
    char label[48];
    if (!d->has_detail[0] && !d->has_detail[1])
        return;
    fputs("\nfree runs by length in blocks", out);
    fputs(d->dumps ? ":\n" : ", of the same dumps:\n", out);
    row(out, "blocks", "A", "B", "delta");
    for (int k = 0; k < SNAP_HIST_BUCKETS; k++) {
        if (!d->free_hist[0][k] && !d->free_hist[1][k])
            continue;
        unsigned long lo = 1ul << k, hi = (2ul << k) - 1;
        if (lo == hi)
            snprintf(label, sizeof(label), "%lu", lo);
        else
            snprintf(label, sizeof(label), "%lu-%lu", lo, hi);
        count_row(out, label, d, d->free_hist[0][k], d->free_hist[1][k]);
    }
}

static void totals(FILE *out, const struct diff_blocks *c)
{
    fprintf(out,
            "\nblocks: %zu allocated (+), %zu freed (-), %zu changed type (~); "
            "%zu unchanged used (=), %zu unchanged free (.)",
            c->allocated, c->freed, c->changed, c->used, c->free);
    if (c->unknown)
        fprintf(out, ", %zu unknown (?)", c->unknown);
    fputc('\n', out);
}

/* One line of the change map, as mem_info prints its map: the offset in
 * bytes, 64 symbols; then what changed on it. Only lines with changes. */
static void map_line(FILE *out, const struct diff *d, const struct diff_area *a, size_t base,
                     long *shown)
{
    size_t n = a->n_blocks - base < 64 ? a->n_blocks - base : 64;
    size_t plus = 0, minus = 0, tilde = 0;
    for (size_t k = 0; k < n; k++) {
        char c = a->map[base + k];
        plus += c == DIFF_SYM_ALLOCATED;
        minus += c == DIFF_SYM_FREED;
        tilde += c == DIFF_SYM_CHANGED;
    }
    if (!plus && !minus && !tilde)
        return;
    (*shown)++;
    unsigned long off = (unsigned long)base * (d->block_size ? d->block_size : 1);
    fprintf(out, "%08lx: %.*s%*s  +%zu -%zu ~%zu\n", off, (int)n, a->map + base, (int)(64 - n), "",
            plus, minus, tilde);
}

static void change_map(FILE *out, const struct diff *d)
{
    totals(out, &d->blocks);
    fputs("legend: + newly allocated  - freed  ~ changed type  = unchanged used  "
          ". unchanged free  ? unknown\n",
          out);
    for (size_t i = 0; i < d->n_areas; i++) {
        const struct diff_area *a = &d->areas[i];
        size_t lines = (a->n_blocks + 63) / 64;
        long shown = 0;
        fprintf(out, "area %zu from %s, %zu blocks:\n", i, a->base, a->n_blocks);
        for (size_t l = 0; l < lines; l++)
            map_line(out, d, a, l * 64, &shown);
        fprintf(out, "  %ld of %zu lines with changes\n", shown, lines);
    }
}

int diff_text_write(FILE *out, const struct diff *d, const struct diff_source src[2],
                    struct hw_err *err)
{
    header(out, d, src);
    metrics(out, d);
    heads(out, d);
    free_hist(out, d);
    if (d->dumps) {
        if (d->has_blocks)
            change_map(out, d);
        else
            fprintf(out, "\nblocks: %s\n", d->why);
    }
    if (fflush(out) != 0 || ferror(out))
        return hw_err_set(err, HW_EIO, "cannot write standard output: %s",
                          strerror(errno ? errno : EIO));
    return HW_OK;
}

bool diff_text_check(const struct diff *d, const struct check *c, char *buf, size_t cap)
{
    double a, b, delta;
    char va[32], vb[32], vd[32];
    if (!diff_check_metric(d, c, &a, &b, &delta)) {
        snprintf(buf, cap, "check failed: %s: unknown (a side lacks the figure)", c->expr);
        return false;
    }
    bool pass = check_holds(c, delta);
    check_format(c, delta, vd, sizeof(vd));
    snprintf(buf, cap, "check %s: %s: %s%s (A %s, B %s)", pass ? "passed" : "failed", c->expr,
             delta > 0 ? "+" : "", vd, check_format(c, a, va, sizeof(va)),
             check_format(c, b, vb, sizeof(vb)));
    return pass;
}

size_t diff_text_checks(FILE *f, const struct diff *d, const struct check *c, size_t n, bool quiet)
{
    size_t failed = 0;
    for (size_t i = 0; i < n; i++) {
        char line[512];
        bool pass = diff_text_check(d, &c[i], line, sizeof(line));
        failed += !pass;
        if (!pass || !quiet)
            fprintf(f, "heapwatch: %s\n", line);
    }
    fflush(f);
    return failed;
}
