/* SPDX-License-Identifier: MIT */
/* lines.c - cutting text into lines; see lines.h. */
#include "lines.h"
#include "memline.h"

#include <string.h>

void lines_init(struct lines *ls, lines_cb cb, void *ctx)
{
    ls->cb = cb;
    ls->ctx = ctx;
    ls->n_lf = ls->n_cr = 0;
    ls->offset = ls->start = 0;
    ls->len = 0;
    ls->marks = 0;
    ls->marks = 0;
    ls->overflow = false;
}

static void deliver(struct lines *ls, const char *p, size_t n, bool too_long)
{
    struct line l = {
        .p = too_long ? "" : p,
        .n = too_long ? 0 : n,
        .number = (ls->n_lf ? ls->n_lf : ls->n_cr) + 1,
        .offset = ls->start,
        .too_long = too_long,
        .marks = ls->marks,
    };
    ls->marks = 0;
    ls->cb(&l, ls->ctx);
}

/* Keep the start of a line that continues in the next piece. */
static void keep(struct lines *ls, const char *p, size_t n)
{
    if (ls->overflow)
        return;
    if (n > sizeof(ls->buf) - ls->len) {
        ls->overflow = true; /* a 2 GB line of garbage costs a scan, not memory */
        ls->len = 0;
        return;
    }
    memcpy(ls->buf + ls->len, p, n);
    ls->len += n;
}

/* A line ended at p + n: with whatever was kept of it, or straight from
 * the piece (the common case: no copy). */
static void line_end(struct lines *ls, const char *p, size_t n)
{
    if (!ls->len && !ls->overflow) {
        deliver(ls, p, n, n > LINES_MAX);
    } else {
        keep(ls, p, n);
        deliver(ls, ls->buf, ls->len, ls->overflow);
    }
    ls->len = 0;
    ls->overflow = false;
}

void lines_feed(struct lines *ls, const char *p, size_t n)
{
    const char *end = p + n;
    while (p < end) {
        const char *t = memline_eol(p, end, &ls->marks);
        if (!t) {
            keep(ls, p, (size_t)(end - p));
            ls->offset += (uint64_t)(end - p);
            return;
        }
        line_end(ls, p, (size_t)(t - p));
        if (*t == '\n')
            ls->n_lf++;
        else
            ls->n_cr++;
        ls->offset += (uint64_t)(t - p) + 1;
        ls->start = ls->offset;
        p = t + 1;
    }
}

void lines_flush(struct lines *ls)
{
    if (ls->len || ls->overflow)
        deliver(ls, ls->buf, ls->len, ls->overflow);
    ls->len = 0;
    ls->overflow = false;
    ls->start = ls->offset;
}
