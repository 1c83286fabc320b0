/* SPDX-License-Identifier: MIT */
/* check.c - check expressions; see check.h. */
#include "check.h"
#include "fmt.h"
#include "hw.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { K_BYTES, K_FRACTION, K_RATE, K_COUNT };

static const struct {
    const char *name;
    enum kind kind;
} metrics[CM_N] = {
    [CM_MIN_FREE] = {"min_free", K_BYTES},
    [CM_PEAK_USED] = {"peak_used", K_BYTES},
    [CM_LARGEST_FREE] = {"largest_free", K_BYTES},
    [CM_FRAGMENTATION] = {"fragmentation", K_FRACTION},
    [CM_LEAK] = {"leak", K_RATE},
    [CM_INCONSISTENT] = {"inconsistent", K_COUNT},
    [CM_INCOMPLETE] = {"incomplete", K_COUNT},
    [CM_SAMPLES] = {"samples", K_COUNT},
};

#define METRIC_LIST                                                                                \
    "min_free, peak_used, largest_free, fragmentation, leak, inconsistent, incomplete, samples"

__attribute__((format(printf, 3, 4))) static int bad(char *msg, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
    return HW_EARG;
}

/* The metric name at the start of s (letters, digits, '_', '.'). */
static size_t name_len(const char *s)
{
    size_t n = 0;
    while (isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '.')
        n++;
    return n;
}

static int parse_metric(const char **p, struct check *c, char *msg, size_t cap)
{
    char name[32];
    size_t n = name_len(*p);
    if (n == 0 || n >= sizeof(name))
        return bad(msg, cap, "check '%s': no metric (one of: %s)", c->expr, METRIC_LIST);
    memcpy(name, *p, n);
    name[n] = 0;
    *p += n;
    const char *m = name;
    if (strncmp(m, "delta.", 6) == 0) {
        c->delta = true;
        m += 6;
    }
    for (int i = 0; i < CM_N; i++) {
        if (strcmp(m, metrics[i].name) == 0) {
            c->metric = (enum check_metric)i;
            return HW_OK;
        }
    }
    if (c->delta)
        return bad(msg, cap, "check: unknown metric '%s' (delta. then one of: " METRIC_LIST ")",
                   name);
    return bad(msg, cap, "check: unknown metric '%s' (one of: " METRIC_LIST ")", name);
}

static int parse_op(const char **p, struct check *c, char *msg, size_t cap)
{
    const char *s = *p;
    if (s[0] == '<' || s[0] == '>') {
        bool eq = s[1] == '=';
        c->op = s[0] == '<' ? (eq ? CO_LE : CO_LT) : (eq ? CO_GE : CO_GT);
        *p += 1 + eq;
        return HW_OK;
    }
    if (s[0] == '=' && s[1] == '=') {
        c->op = CO_EQ;
        *p += 2;
        return HW_OK;
    }
    return bad(msg, cap, "check '%s': no comparison after the metric (one of: < <= > >= ==)",
               c->expr);
}

/* The unit after the number: a multiplier and, for leak, a rate. */
static int parse_unit(const char *u, struct check *c, double *mul, char *msg, size_t cap)
{
    enum kind k = metrics[c->metric].kind;
    *mul = 1;
    if (k == K_BYTES || k == K_RATE) {
        if (*u == 'K' || *u == 'k')
            *mul = 1024, u++;
        else if (*u == 'M')
            *mul = 1024.0 * 1024, u++;
        if (*u == 'B')
            u++;
    }
    if (k == K_RATE) {
        if (!strcmp(u, "/min"))
            c->rate = CR_MIN;
        else if (!strcmp(u, "/sample"))
            c->rate = CR_SAMPLE;
        else
            return bad(msg, cap,
                       "check '%s': leak needs a rate: /min or /sample (as in leak<100/min)",
                       c->expr);
        return HW_OK;
    }
    if (k == K_FRACTION && !strcmp(u, "%")) {
        *mul = 0.01;
        return HW_OK;
    }
    if (*u == 0)
        return HW_OK;
    static const char *const valid[] = {
        [K_BYTES] = "K or M (1024-based), or none for bytes",
        [K_FRACTION] = "% or none for a fraction 0..1",
        [K_COUNT] = "none: it is a count",
    };
    char what[160];
    snprintf(what, sizeof(what), "unknown unit '%s' for %s", u, metrics[c->metric].name);
    return bad(msg, cap, "check: %s (valid: %s)", what, valid[k]);
}

int check_parse(const char *text, struct check *c, char *msg, size_t cap)
{
    memset(c, 0, sizeof(*c));
    size_t n = 0;
    for (const char *s = text; *s; s++) {
        if (isspace((unsigned char)*s))
            continue;
        if (n + 1 >= sizeof(c->expr))
            return bad(msg, cap, "check '%.40s...': too long", text);
        c->expr[n++] = *s;
    }
    c->expr[n] = 0;
    const char *p = c->expr;
    if (parse_metric(&p, c, msg, cap) || parse_op(&p, c, msg, cap))
        return HW_EARG;
    char *end;
    double v = strtod(p, &end);
    if (end == p || !isfinite(v))
        return bad(msg, cap, "check '%s': no number after the comparison", c->expr);
    double mul;
    if (parse_unit(end, c, &mul, msg, cap))
        return HW_EARG;
    c->bound = v * mul;
    if (!isfinite(c->bound)) /* "largest_free>1e305M": finite, until the unit */
        return bad(msg, cap, "check '%s': the number is too large", c->expr);
    return HW_OK;
}

bool check_holds(const struct check *c, double v)
{
    switch (c->op) {
    case CO_LT:
        return v < c->bound;
    case CO_LE:
        return v <= c->bound;
    case CO_GT:
        return v > c->bound;
    case CO_GE:
        return v >= c->bound;
    case CO_EQ:
        return fabs(v - c->bound) <= 1e-9 * (fabs(c->bound) + 1);
    }
    return false;
}

/* Signed bytes as fmt_bytes writes them ("-1.20K"). */
static char *signed_bytes(char *buf, size_t cap, double v)
{
    char b[24];
    fmt_bytes(b, sizeof(b), (uint64_t)llround(fabs(v)));
    snprintf(buf, cap, "%s%s", v < 0 ? "-" : "", b);
    return buf;
}

char *check_format(const struct check *c, double v, char *buf, size_t cap)
{
    char b[32];
    switch (metrics[c->metric].kind) {
    case K_BYTES:
        return signed_bytes(buf, cap, v);
    case K_FRACTION:
        snprintf(buf, cap, "%.1f%%", v * 100.0);
        return buf;
    case K_RATE:
        snprintf(buf, cap, "%sB/%s",
                 fabs(v) < 1024 ? (snprintf(b, sizeof(b), "%.0f", v), b)
                                : signed_bytes(b, sizeof(b), v),
                 c->rate == CR_SAMPLE ? "sample" : "min");
        return buf;
    case K_COUNT:
        snprintf(buf, cap, "%.0f", v);
        return buf;
    }
    return buf;
}
