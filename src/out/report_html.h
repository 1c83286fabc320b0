/* SPDX-License-Identifier: MIT */
/* report_html.h - the HTML of heapwatch's report, from plain values: the
 * document around it, the overview row of a source, and one section per
 * source. The report sink (report.c) gathers these values as the stream
 * goes by; here they only become markup, so the sections can be tested
 * from hand-built snapshots. Every text from the inputs goes through
 * html.h's escaping. No I/O.
 *
 * Checks and leak detection (check.[ch], leak.[ch]) add their results to
 * a section as findings: fill report_section.checks / .leak; with none,
 * their places in the section say that nothing was run. */
#ifndef HW_REPORT_HTML_H
#define HW_REPORT_HTML_H

#include "html.h"
#include "snapshot.h"
#include "summary.h"
#include "trend.h"

#include <stddef.h>

/* Why a dump is drawn: the roles one kept dump can have at once. */
enum {
    REPORT_FIRST = 1u << 0,
    REPORT_WORST = 1u << 1, /* worst fragmentation */
    REPORT_LAST = 1u << 2,
    REPORT_AT = 1u << 3, /* asked for with --at */
};

struct report_dump {
    const struct snapshot *s; /* a copy (snapshot_copy): its maps are whole */
    unsigned roles;
};

/* One line of the Checks or Leak part of a section. */
struct report_finding {
    const char *status; /* a short word shown as a badge: "ok", "fail", "suspect", ... */
    const char *text;   /* plain text, escaped when written */
};

struct report_section {
    int source;
    const char *name;       /* as the user named the input */
    const char *read_error; /* the input could not be read (whole or in part), or NULL */
    const struct summary *sum;
    const struct trend *trend;
    long gaps, resets;               /* events of the source */
    const struct report_dump *dumps; /* by seq; first, worst, last and --at ones */
    size_t n_dumps;
    const struct report_finding *checks; /* NULL: no checks were run */
    size_t n_checks;
    const struct report_finding *leak; /* NULL: no leak analysis was run */
    size_t n_leak;
};

/* The document's start (REPORT_MAGIC first): doctype, head with the
 * inline CSS, and the title. */
void report_html_head(struct html_buf *b);
/* The overview table: report_html_table_start, a row per source (source
 * -1: every source together, the figures of analyze --json's summary),
 * report_html_table_end. Each figure is a <td data-metric="KEY"
 * data-value="V">, KEY as in the JSON summary, V as a JSON number or null. */
void report_html_table_start(struct html_buf *b);
void report_html_row(struct html_buf *b, int source, const char *name, const struct summary *sum);
void report_html_table_end(struct html_buf *b);
/* One source's section. */
void report_html_section(struct html_buf *b, const struct report_section *sec);
/* A note that dumps asked for with --at were in no input. */
void report_html_missing(struct html_buf *b, const long *seqs, size_t n);
/* The document's end. */
void report_html_tail(struct html_buf *b);

#endif
