/* SPDX-License-Identifier: MIT */
/* report_html.c - the report's markup; see report_html.h. The figures are
 * the summary's and the snapshot.h accessors' (never recomputed here), and
 * each carries its exact value in a data-* attribute, so a test (or a
 * script) reads the same numbers as analyze --json without parsing text. */
#include "report_html.h"
#include "advice.h"
#include "fmt.h"
#include "report.h"
#include "svg.h"
#include "text.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Inline on purpose: the file must open from a CI artifact store, offline,
 * with nothing else beside it. Print keeps the colours and never cuts a
 * chart or a heatmap in two. */
static const char css[] =
    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:1100px;color:#222;"
    "padding:0 1em}"
    "h1{font-size:1.5em;margin:0 0 .2em}h2{border-bottom:2px solid #444;margin-top:2em}"
    "h3{margin:1.2em 0 .4em}table{border-collapse:collapse;margin:.4em 0}"
    "th,td{border:1px solid #ccc;padding:2px 8px;text-align:right}"
    "th:first-child,td:first-child,td.t{text-align:left}th{background:#f3f3f3}"
    ".muted,.none{color:#777}.err{color:#b00020;font-weight:bold}"
    ".trend{width:100%;max-width:720px;height:auto;display:block}"
    ".trend .band{fill:#4a90d9;fill-opacity:.35;stroke:#1f5fa8;stroke-width:1.2;"
    "stroke-linejoin:round;stroke-linecap:round}"
    ".trend .axis{stroke:#999}.trend text{font-size:10px;fill:#555}.trend .yl{text-anchor:end}"
    ".trend .mark{stroke-width:1.5;stroke-dasharray:3 2}.trend .gap{stroke:#e08000}"
    ".trend .reset{stroke:#c00000}"
    ".charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:4px 16px}"
    ".charts h4,.dump h4{margin:.6em 0 .2em;font-size:1em}"
    ".map{border:1px solid #bbb;shape-rendering:crispEdges;margin:2px 8px 2px 0;"
    "vertical-align:top}"
    ".map rect{height:1px}.map rect:not([width]){width:1px}"
    ".maps{display:flex;flex-wrap:wrap;gap:8px}.maps figure{margin:0}"
    ".maps figcaption{font-size:12px;color:#555}"
    ".legend{font-size:12px;margin:.2em 0}.key{margin-right:.8em;white-space:nowrap}"
    ".sw{display:inline-block;width:.9em;height:.9em;border:1px solid #999;margin-right:3px;"
    "vertical-align:-2px}"
    ".bar{display:inline-block;height:.7em;background:#4a90d9;margin-left:4px}"
    ".badge{display:inline-block;padding:0 6px;border-radius:3px;background:#eee;"
    "font-weight:bold;margin-right:6px}"
    ".advice li{margin:.3em 0}"
    "@media print{body{max-width:none;margin:0;font-size:11px}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    "section.source{break-before:page}.dump,.charts svg,table{break-inside:avoid}"
    "a{color:inherit;text-decoration:none}}\n";

void report_html_head(struct html_buf *b)
{
    html_puts(b, REPORT_MAGIC " " HW_VERSION " -->\n");
    /* the policy makes "no network" a property of the file, not a promise */
    html_puts(b, "<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
                 "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                 "style-src 'unsafe-inline'\">\n"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                 "<meta name=\"generator\" content=\"heapwatch " HW_VERSION "\">\n"
                 "<title>heapwatch report</title>\n<style>");
    html_puts(b, css);
    svg_css(b);
    html_puts(b, "</style></head><body>\n<h1>heapwatch report</h1>\n"
                 "<p class=\"muted\">MicroPython heap dumps (<code>micropython.mem_info(1)"
                 "</code>) read by heapwatch " HW_VERSION ". Figures follow one rule: totals "
                 "from the device's <code>GC:</code> line, the largest free run and "
                 "fragmentation from a complete map.</p>\n");
}

/* ---- the overview table ---- */

static void td_u64(struct html_buf *b, const char *key, uint64_t v, const char *shown)
{
    if (v == UINT64_MAX)
        html_printf(b, "<td data-metric=\"%s\" data-value=\"null\">-</td>", key);
    else
        html_printf(b, "<td data-metric=\"%s\" data-value=\"%llu\">%s</td>", key,
                    (unsigned long long)v, shown);
}

static void td_long(struct html_buf *b, const char *key, long v)
{
    html_printf(b, "<td data-metric=\"%s\" data-value=\"%ld\">%ld</td>", key, v, v);
}

static void td_bytes(struct html_buf *b, const char *key, uint64_t v)
{
    char s[16];
    td_u64(b, key, v, fmt_bytes(s, sizeof(s), v));
}

void report_html_table_start(struct html_buf *b)
{
    html_puts(b, "<table class=\"overview\"><thead><tr><th>source</th><th>dumps</th>"
                 "<th>time span</th><th>min free</th><th>peak used</th>"
                 "<th>smallest largest free run</th><th>worst fragmentation</th>"
                 "<th>incomplete</th><th>inconsistent</th></tr></thead><tbody>\n");
}

/* A double as the JSON writes it, so a reader parses the same text in
 * both: cJSON prints 15 digits, and 17 only when the 15 read back further
 * than an epsilon away (its compare_double). */
static const char *json_double(char *buf, size_t cap, double v)
{
    snprintf(buf, cap, "%1.15g", v);
    double back = strtod(buf, NULL), big = fabs(back) > fabs(v) ? fabs(back) : fabs(v);
    if (fabs(back - v) > big * DBL_EPSILON)
        snprintf(buf, cap, "%1.17g", v);
    return buf;
}

static void td_span(struct html_buf *b, const struct summary *s)
{
    char d[24], t0[32], t1[32];
    if (!s->has_time) {
        html_puts(b, "<td data-metric=\"first_time\" data-value=\"null\">-</td>");
        return;
    }
    html_printf(b,
                "<td data-metric=\"first_time\" data-value=\"%s\" data-last-metric="
                "\"last_time\" data-last-value=\"%s\">%s</td>",
                json_double(t0, sizeof(t0), s->first_time),
                json_double(t1, sizeof(t1), s->last_time),
                fmt_duration(d, sizeof(d), s->last_time - s->first_time));
}

static void td_frag(struct html_buf *b, const struct summary *s)
{
    char p[16];
    if (s->max_fragmentation < 0) {
        html_puts(b, "<td data-metric=\"max_fragmentation\" data-value=\"null\">-</td>");
        return;
    }
    /* rounded as the JSON rounds it, so both read the same number */
    double f = round(s->max_fragmentation * 10000.0) / 10000.0;
    html_printf(b,
                "<td data-metric=\"max_fragmentation\" data-value=\"%.4f\" data-seq=\"%ld\">"
                "%s (dump #%ld)</td>",
                f, s->worst_seq, fmt_pct(p, sizeof(p), s->max_fragmentation), s->worst_seq);
}

void report_html_row(struct html_buf *b, int source, const char *name, const struct summary *sum)
{
    if (source < 0) {
        html_puts(b, "<tr class=\"all\" data-source=\"all\"><td class=\"t\"><b>all sources"
                     "</b></td>");
    } else {
        html_printf(b, "<tr data-source=\"%d\"><td class=\"t\"><a href=\"#source-%d\">", source,
                    source);
        html_text(b, name);
        html_puts(b, "</a></td>");
    }
    td_long(b, "snapshots", sum->snapshots);
    td_span(b, sum);
    td_bytes(b, "min_free", sum->min_free);
    td_bytes(b, "peak_used", sum->peak_used);
    td_bytes(b, "min_largest_free_bytes", sum->min_largest_free_bytes);
    td_frag(b, sum);
    td_long(b, "incomplete", sum->incomplete);
    td_long(b, "inconsistent", sum->inconsistent);
    html_puts(b, "</tr>\n");
}

void report_html_table_end(struct html_buf *b)
{
    html_puts(b, "</tbody></table>\n");
}

/* ---- one source ---- */

static void trends(struct html_buf *b, const struct report_section *sec)
{
    static const char *const titles[TREND_N] = {"Used", "Free", "Largest free run",
                                                "Fragmentation"};
    const struct trend *t = sec->trend;
    html_puts(b, "<h3>Trends</h3>");
    if (t->samples < 2) {
        html_puts(b, "<p class=\"none\">One dump: no trend to draw.</p>\n");
        return;
    }
    if (t->per > 1)
        html_printf(b,
                    "<p class=\"muted\">%ld dumps, %ld a point: each point spans the lowest "
                    "and highest value of its dumps.</p>",
                    t->samples, t->per);
    html_puts(b, "<div class=\"charts\">");
    for (int f = 0; f < TREND_N; f++) {
        html_printf(b, "<div><h4>%s</h4>", titles[f]);
        svg_trend(b, t, (enum trend_figure)f);
        html_puts(b, "</div>");
    }
    html_puts(b, "</div>");
    if (sec->gaps || sec->resets)
        html_printf(b,
                    "<p class=\"legend\"><span class=\"key\"><i class=\"sw\" "
                    "style=\"background:#e08000\"></i>gap (%ld)</span><span class=\"key\">"
                    "<i class=\"sw\" style=\"background:#c00000\"></i>reset (%ld)</span></p>",
                    sec->gaps, sec->resets);
    html_puts(b, "\n");
}

static void roles_text(struct html_buf *b, unsigned roles, const char *sep)
{
    static const char *const names[] = {"first", "worst fragmentation", "last", "asked for"};
    const char *s = "";
    for (unsigned i = 0; i < 4; i++) {
        if (roles & (1u << i)) {
            html_printf(b, "%s%s", s, names[i]);
            s = sep;
        }
    }
}

static void dump_caption(struct html_buf *b, const struct report_dump *d)
{
    const struct snapshot *s = d->s;
    char u[16], f[16], l[16], p[16];
    html_printf(b, "<h4>dump #%ld (", s->seq);
    roles_text(b, d->roles, ", ");
    html_printf(b, ") <span class=\"muted\">line %ld", s->line);
    if (s->has_time)
        html_printf(b, ", time %.3f s", s->time);
    if (s->label[0]) {
        html_puts(b, ", ");
        html_text(b, s->label);
    }
    html_printf(b,
                "</span></h4><p class=\"figs\">used %s, free %s, largest free run %s, "
                "fragmentation %s, state %s</p>",
                fmt_bytes(u, sizeof(u), snapshot_used_bytes(s)),
                fmt_bytes(f, sizeof(f), snapshot_free_bytes(s)),
                fmt_bytes(l, sizeof(l), snapshot_largest_free_bytes(s)),
                fmt_pct(p, sizeof(p), snapshot_fragmentation(s)), text_state(s));
}

static void dump_maps(struct html_buf *b, const struct report_dump *d)
{
    const struct snapshot *s = d->s;
    html_printf(b, "<div class=\"dump\" data-seq=\"%ld\" data-roles=\"", s->seq);
    roles_text(b, d->roles, " ");
    html_puts(b, "\">");
    dump_caption(b, d);
    if (!s->has_map || s->n_areas == 0) {
        html_puts(b, "<p class=\"none\">This dump printed no block map.</p></div>\n");
        return;
    }
    size_t total = 0;
    for (size_t i = 0; i < s->n_areas; i++)
        total += s->areas[i].n_blocks;
    size_t k = svg_blocks_per_cell(total);
    html_puts(b, "<div class=\"maps\">");
    for (size_t i = 0; i < s->n_areas; i++) {
        for (int v = HM_VIEW_TYPE; v <= HM_VIEW_FRAG; v++) {
            html_puts(b, "<figure>");
            svg_heatmap(b, &s->areas[i], (enum hm_view)v, k);
            html_printf(b, "<figcaption>%s, area 0x", heatmap_view_name((enum hm_view)v));
            html_text(b, s->areas[i].base);
            html_printf(b, ", 1 cell = %zu block%s</figcaption></figure>", k, k == 1 ? "" : "s");
        }
    }
    html_puts(b, "</div>");
    if (!s->complete)
        html_puts(b, "<p class=\"err\">This map is incomplete: blocks the text did not show "
                     "are black, and its figures come from the device's own numbers.</p>");
    html_puts(b, "</div>\n");
}

static void dump_heads(struct html_buf *b, const struct report_section *sec)
{
    html_puts(b, "<tr><th>dump</th>");
    for (size_t d = 0; d < sec->n_dumps; d++)
        html_printf(b, "<th>#%ld</th>", sec->dumps[d].s->seq);
    html_puts(b, "</tr>");
}

static void types_table(struct html_buf *b, const struct report_section *sec)
{
    html_puts(b, "<h3>Allocations by type</h3><table class=\"types\">");
    html_puts(b, "<tr><th>type</th><th>meaning</th>");
    for (size_t d = 0; d < sec->n_dumps; d++)
        html_printf(b, "<th>#%ld</th>", sec->dumps[d].s->seq);
    html_puts(b, "</tr>");
    for (int i = 0; i < SNAP_N_HEADS; i++) {
        char c = SNAP_HEAD_LETTERS[i];
        html_printf(b,
                    "<tr data-letter=\"%c\"><td class=\"t\"><code>%c</code></td>"
                    "<td class=\"t\">%s</td>",
                    c, c, advice_type_name(c));
        for (size_t d = 0; d < sec->n_dumps; d++) {
            const struct snapshot *s = sec->dumps[d].s;
            if (s->has_metrics)
                html_printf(b, "<td>%zu</td>", s->metrics.heads[i]);
            else
                html_puts(b, "<td>-</td>");
        }
        html_puts(b, "</tr>");
    }
    html_puts(b, "</table>\n");
}

static int hist_rows(const struct report_section *sec)
{
    int n = 0;
    for (size_t d = 0; d < sec->n_dumps; d++)
        for (int k = 0; k < SNAP_HIST_BUCKETS; k++)
            if (sec->dumps[d].s->has_metrics && sec->dumps[d].s->metrics.free_hist[k] && k >= n)
                n = k + 1;
    return n;
}

static void hist_cell(struct html_buf *b, const struct snapshot *s, int k)
{
    if (!s->has_metrics) {
        html_puts(b, "<td>-</td>");
        return;
    }
    size_t most = 1;
    for (int j = 0; j < SNAP_HIST_BUCKETS; j++)
        if (s->metrics.free_hist[j] > most)
            most = s->metrics.free_hist[j];
    size_t v = s->metrics.free_hist[k];
    html_printf(b, "<td>%zu<span class=\"bar\" style=\"width:%upx\"></span></td>", v,
                (unsigned)(v * 60 / most));
}

static void hist_table(struct html_buf *b, const struct report_section *sec)
{
    int rows = hist_rows(sec);
    html_puts(b, "<h3>Free runs by length</h3>");
    if (rows == 0) {
        html_puts(b, "<p class=\"none\">No complete map with a free run.</p>\n");
        return;
    }
    html_puts(b, "<table class=\"hist\">");
    dump_heads(b, sec);
    for (int k = 0; k < rows; k++) {
        size_t lo = (size_t)1 << k, hi = ((size_t)1 << (k + 1)) - 1;
        if (lo == hi)
            html_printf(b, "<tr><td class=\"t\">%zu block</td>", lo);
        else
            html_printf(b, "<tr><td class=\"t\">%zu-%zu blocks</td>", lo, hi);
        for (size_t d = 0; d < sec->n_dumps; d++)
            hist_cell(b, sec->dumps[d].s, k);
        html_puts(b, "</tr>");
    }
    html_puts(b, "</table>\n");
}

static const struct snapshot *with_role(const struct report_section *sec, unsigned role)
{
    for (size_t d = 0; d < sec->n_dumps; d++)
        if (sec->dumps[d].roles & role)
            return sec->dumps[d].s;
    return NULL;
}

static void advice_list(struct html_buf *b, const struct report_section *sec)
{
    struct advice_facts f = {.sum = sec->sum,
                             .worst = with_role(sec, REPORT_WORST),
                             .last = with_role(sec, REPORT_LAST),
                             .gaps = sec->gaps,
                             .resets = sec->resets};
    struct advice adv[ADVICE_MAX];
    size_t n = advice_collect(&f, adv, ADVICE_MAX);
    html_puts(b, "<h3>Advice</h3>");
    if (n == 0) {
        html_puts(b, "<p class=\"none\" data-rule=\"none\">Nothing in these measurements "
                     "crosses an advice threshold.</p>\n");
        return;
    }
    html_puts(b, "<ul class=\"advice\">");
    for (size_t i = 0; i < n; i++) {
        html_printf(b, "<li data-rule=\"%s\" title=\"fires when: ", adv[i].rule);
        html_text(b, adv[i].threshold);
        html_puts(b, "\">");
        html_text(b, adv[i].text);
        html_puts(b, "</li>");
    }
    html_puts(b, "</ul>\n");
}

/* The places the checks and the leak detection fill: always there, so a
 * reader (and a script) finds them in every report. */
static void findings(struct html_buf *b, const char *part, const char *title,
                     const struct report_finding *fs, size_t n, const char *none)
{
    html_printf(b, "<div class=\"%s\" data-part=\"%s\" data-count=\"%zu\"><h3>%s</h3>", part, part,
                fs ? n : 0, title);
    if (!fs) {
        html_printf(b, "<p class=\"none\">%s</p></div>\n", none);
        return;
    }
    html_puts(b, "<ul>");
    for (size_t i = 0; i < n; i++) {
        html_puts(b, "<li><span class=\"badge\">");
        html_text(b, fs[i].status);
        html_puts(b, "</span>");
        html_text(b, fs[i].text);
        html_puts(b, "</li>");
    }
    html_puts(b, "</ul></div>\n");
}

void report_html_section(struct html_buf *b, const struct report_section *sec)
{
    html_printf(b, "<section class=\"source\" id=\"source-%d\" data-source=\"%d\"><h2>",
                sec->source, sec->source);
    html_text(b, sec->name);
    html_puts(b, "</h2>\n");
    if (sec->read_error) {
        html_puts(b, "<p class=\"err\">");
        html_text(b, sec->read_error);
        html_puts(b, "</p>\n");
    }
    if (sec->sum->snapshots == 0) {
        html_puts(b, "<p class=\"none\">No mem_info output found.</p>\n");
    } else {
        trends(b, sec);
        html_puts(b, "<h3>Heatmaps</h3>");
        svg_legend(b, HM_VIEW_TYPE, "type view");
        svg_legend(b, HM_VIEW_FRAG, "fragmentation view");
        for (size_t d = 0; d < sec->n_dumps; d++)
            dump_maps(b, &sec->dumps[d]);
        types_table(b, sec);
        hist_table(b, sec);
        advice_list(b, sec);
    }
    findings(b, "checks", "Checks", sec->checks, sec->n_checks, "No checks were run.");
    findings(b, "leak", "Leak", sec->leak, sec->n_leak, "No leak analysis was run.");
    html_puts(b, "</section>\n");
}

void report_html_missing(struct html_buf *b, const long *seqs, size_t n)
{
    if (n == 0)
        return;
    html_puts(b, "<p class=\"err\" data-missing=\"at\">Asked for with --at but in no input:");
    for (size_t i = 0; i < n; i++)
        html_printf(b, " #%ld", seqs[i]);
    html_puts(b, "</p>\n");
}

void report_html_tail(struct html_buf *b)
{
    html_puts(b, "</body></html>\n");
}
