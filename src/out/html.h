/* SPDX-License-Identifier: MIT */
/* html.h - a growable text buffer for the HTML report, and the one place
 * text from the inputs (file names, frame labels, event details, error
 * messages) is made safe for HTML. Pure: no I/O. */
#ifndef HW_HTML_H
#define HW_HTML_H

#include <stdbool.h>
#include <stddef.h>

struct html_buf {
    char *p; /* n bytes, NUL-terminated when cap > 0; owned */
    size_t n, cap;
};

/* An empty buffer; html_fini frees it (then it is empty again). */
void html_init(struct html_buf *b);
void html_fini(struct html_buf *b);
/* Append len bytes / a NUL-terminated string / printf text, as they are:
 * for markup the report writes itself. */
void html_raw(struct html_buf *b, const char *s, size_t len);
void html_puts(struct html_buf *b, const char *s);
void html_printf(struct html_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append text escaped for an element or a quoted attribute: & < > " '
 * as entities, control bytes (but tab and newline) and bytes that are not
 * UTF-8 as U+FFFD, so nothing from a file can open a tag, end an attribute
 * or smuggle an invalid byte into the document. */
void html_text(struct html_buf *b, const char *s);
/* The same for len bytes (no NUL needed). */
void html_text_n(struct html_buf *b, const char *s, size_t len);

#endif
