/* SPDX-License-Identifier: MIT */
/* check.h - one pass/fail check on a capture's figures, as a CI job
 * writes it: `--check 'min_free>20K'`, `--check 'leak<100/min'`,
 * `--check 'fragmentation<=50%'`, `--check 'delta.peak_used<=2K'` (diff).
 *
 *   EXPR   := [delta.]METRIC OP NUMBER [UNIT]
 *   OP     := < <= > >= ==
 *   UNIT   := K | M            (bytes, 1024-based as mem_info prints)
 *           | %                (fragmentation)
 *           | [K|M]/min | [K|M]/sample   (leak: bytes per minute or per sample)
 *
 * Spaces are allowed between the parts. Pure: no I/O. */
#ifndef HW_CHECK_H
#define HW_CHECK_H

#include <stdbool.h>
#include <stddef.h>

enum check_metric {
    CM_MIN_FREE,      /* bytes: the smallest free */
    CM_PEAK_USED,     /* bytes: the largest used */
    CM_LARGEST_FREE,  /* bytes: the smallest largest-free-run */
    CM_FRAGMENTATION, /* 0..1: the worst */
    CM_LEAK,          /* bytes per minute or per sample: the leak slope */
    CM_INCONSISTENT,  /* dumps */
    CM_INCOMPLETE,    /* dumps */
    CM_SAMPLES,       /* dumps */
    CM_N
};

enum check_op { CO_LT, CO_LE, CO_GT, CO_GE, CO_EQ };
enum check_rate { CR_NONE, CR_MIN, CR_SAMPLE };

struct check {
    char expr[64]; /* as the user wrote it, spaces dropped */
    enum check_metric metric;
    enum check_op op;
    double bound; /* in the metric's unit: bytes, 0..1, bytes per rate */
    enum check_rate rate;
    bool delta; /* diff: on B - A */
};

/* Parse text into c. HW_OK, or HW_EARG with a one-line reason in
 * msg[cap] naming what is wrong and what is valid. */
int check_parse(const char *text, struct check *c, char *msg, size_t cap);
/* Whether value meets the check's bound. */
bool check_holds(const struct check *c, double value);
/* The measured value as a person reads it, in the check's units
 * ("12.3K", "7.8%", "312B/min", "3"). Into buf[cap]; returns buf. */
char *check_format(const struct check *c, double value, char *buf, size_t cap);

#endif
