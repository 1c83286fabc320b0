/* SPDX-License-Identifier: MIT */
/* html.c - the report's text buffer and HTML escaping; see html.h. */
#include "html.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void html_init(struct html_buf *b)
{
    memset(b, 0, sizeof(*b));
}

void html_fini(struct html_buf *b)
{
    free(b->p);
    html_init(b);
}

/* Room for n more bytes and a NUL, doubling so appends stay amortised O(1). */
static void reserve(struct html_buf *b, size_t n)
{
    if (b->n + n + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->n + n + 1)
        cap *= 2;
    b->p = xrealloc(b->p, cap);
    b->cap = cap;
}

void html_raw(struct html_buf *b, const char *s, size_t len)
{
    reserve(b, len);
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

void html_puts(struct html_buf *b, const char *s)
{
    html_raw(b, s, strlen(s));
}

void html_printf(struct html_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0)
        return;
    reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->p + b->n, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->n += (size_t)n;
}

/* Length of the valid UTF-8 sequence at s (at most len bytes), 0 if none:
 * overlong forms, surrogates and code points past U+10FFFF are refused. */
static size_t utf8_len(const unsigned char *s, size_t len)
{
    unsigned c = s[0];
    size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
    if (c < 0xc2 || c > 0xf4 || len < n)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80)
            return 0;
    if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) || (c == 0xf0 && s[1] < 0x90) ||
        (c == 0xf4 && s[1] > 0x8f))
        return 0;
    return n;
}

void html_text_n(struct html_buf *b, const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < len;) {
        unsigned c = u[i];
        const char *ent = c == '&'    ? "&amp;"
                          : c == '<'  ? "&lt;"
                          : c == '>'  ? "&gt;"
                          : c == '"'  ? "&quot;"
                          : c == '\'' ? "&#39;"
                                      : NULL;
        if (ent) {
            html_puts(b, ent);
            i++;
        } else if (c >= 0x20 && c < 0x7f) {
            html_raw(b, s + i, 1);
            i++;
        } else if (c == '\t' || c == '\n') {
            html_raw(b, s + i, 1);
            i++;
        } else if (c >= 0x80 && utf8_len(u + i, len - i)) {
            size_t n = utf8_len(u + i, len - i);
            html_raw(b, s + i, n);
            i += n;
        } else {
            html_puts(b, "\xef\xbf\xbd"); /* U+FFFD: a control byte or broken UTF-8 */
            i++;
        }
    }
}

void html_text(struct html_buf *b, const char *s)
{
    html_text_n(b, s, strlen(s));
}
