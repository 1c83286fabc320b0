/* SPDX-License-Identifier: MIT */
/* live_view.c - what live mode shows: one line per sample without the UI;
 * with it, the view's link state and figures, the keys, the gc.collect()
 * comparison and recording on demand. Owns no sampling or protocol. */
#include "fmt.h"
#include "live_impl.h"
#include "util.h"

#include <errno.h>
#include <string.h>
#include <time.h>

void live_out_failed(struct live *l)
{
    if (!l->fatal.code)
        hw_err_set(&l->fatal, HW_EIO, "cannot write standard output: %s",
                   strerror(errno ? errno : EIO));
    l->stop = true;
}

/* "# heapwatch 0.2.0 on PORT, 16-byte blocks; each sample leaves ...": at
 * the first sample, or at the start with --listen (nothing is sent, and
 * the board may be quiet for long), then the column heads. */
void live_print_header(struct live *l, const struct snapshot *s)
{
    if (l->header_done || !l->out)
        return;
    l->header_done = true;
    fprintf(l->out, "# heapwatch %s %s %s", HW_VERSION, l->o->listen ? "listening to" : "on",
            l->spec);
    if (s && s->block_size)
        fprintf(l->out, ", %u-byte blocks", s->block_size);
    if (l->o->listen)
        fprintf(l->out, " (never writes to it)");
    if (l->has_probe) {
        fprintf(l->out, "; each sample leaves %ld bytes on the heap", l->probe_bytes);
        if (l->probe_alloc >= 0)
            fprintf(l->out, " and allocates %ld", l->probe_alloc);
    }
    fprintf(l->out, "\n#   time     used     free  largest   frag  allocs  check\n");
    if (fflush(l->out) != 0 || ferror(l->out))
        live_out_failed(l);
}

static const char *check_word(const struct snapshot *s)
{
    if (!s->has_map)
        return "no-map";
    if (!s->complete)
        return "INCOMPLETE";
    return s->consistent == 0 ? "MISMATCH" : "ok";
}

/* One line per sample; a pipe that closed (| head) or a full disk ends the
 * session: samples nobody can read are not worth taking. */
static void print_sample(struct live *l, const struct snapshot *s)
{
    char u[16], f[16], lf[16], pct[16];
    live_print_header(l, s);
    char allocs[24] = "-";
    if (s->has_metrics)
        snprintf(allocs, sizeof(allocs), "%zu", s->metrics.allocations);
    fprintf(l->out, "%8.3f %8s %8s %8s %6s %7s  %s\n", s->time,
            fmt_bytes(u, sizeof(u), snapshot_used_bytes(s)),
            fmt_bytes(f, sizeof(f), snapshot_free_bytes(s)),
            fmt_bytes(lf, sizeof(lf), snapshot_largest_free_bytes(s)),
            fmt_pct(pct, sizeof(pct), s->has_metrics && s->complete ? s->metrics.fragmentation : -1),
            allocs, check_word(s));
    if (fflush(l->out) != 0 || ferror(l->out))
        live_out_failed(l);
}

static void gc_figures(const struct snapshot *s, uint64_t *used, uint64_t *largest, double *frag)
{
    *used = snapshot_used_bytes(s);
    *largest = s->complete ? snapshot_largest_free_bytes(s) : UINT64_MAX;
    *frag = s->has_metrics && s->complete ? s->metrics.fragmentation : -1;
}

void live_gc_before(struct live *l, const struct snapshot *s)
{
    struct ui_gc_compare *g = &l->gc_before;
    *g = (struct ui_gc_compare){0};
    gc_figures(s, &g->used_before, &g->largest_before, &g->frag_before);
}

/* `g`: what the collection gave back, between two samples taken just
 * before and just after it */
void live_gc_after(struct live *l, const struct snapshot *s)
{
    char a[16], b[16], c[16], d[16], back[16];
    struct ui_gc_compare *g = &l->tui.v.gc;
    *g = l->gc_before;
    gc_figures(s, &g->used_after, &g->largest_after, &g->frag_after);
    g->valid = true;
    uint64_t freed = g->used_before != UINT64_MAX && g->used_after < g->used_before
                         ? g->used_before - g->used_after : 0;
    char what[64] = "nothing";
    if (freed)
        snprintf(what, sizeof(what), "%s", fmt_bytes(back, sizeof(back), freed));
    live_say(l, HW_OK, "gc.collect() gave back %s: used %s -> %s, largest free run %s -> %s", what,
             fmt_bytes(a, sizeof(a), g->used_before), fmt_bytes(b, sizeof(b), g->used_after),
             fmt_bytes(c, sizeof(c), g->largest_before), fmt_bytes(d, sizeof(d), g->largest_after));
    live_event(l, "gc", l->last_msg);
}

/* The view the UI draws: the link state and the figures only live knows. */
void live_update_view(struct live *l)
{
    struct view *v = &l->tui.v;
    static const enum ui_link links[] = {
        [CONN_SYNCING] = UI_LINK_CONNECTING, [CONN_CALIBRATING] = UI_LINK_CONNECTING,
        [CONN_READY] = UI_LINK_READY, [CONN_SAMPLING] = UI_LINK_READY,
        [CONN_LISTENING] = UI_LINK_LISTENING, [CONN_LOST] = UI_LINK_RECONNECTING,
        [CONN_BUSY] = UI_LINK_BUSY,
    };
    v->link = links[l->state];
    v->link_detail = l->state == CONN_LOST ? "waiting for the board to come back" : "";
    v->now = live_elapsed(l);
    v->paused = l->paused;
    v->has_probe = l->has_probe;
    v->probe_bytes = l->probe_bytes;
    v->recording = l->rec != NULL;
    v->record_path = l->rec_name[0] ? l->rec_name : l->o->record_path;
    size_t n = history_len(l->tui.hist);
    const struct hist_point *last = n ? history_at(l->tui.hist, n - 1) : NULL;
    v->last_sample_age = last ? v->now - last->time : -1;
    size_t k = n < 10 ? n : 10; /* rate over the last ten samples */
    const struct hist_point *first = k >= 2 ? history_at(l->tui.hist, n - k) : NULL;
    v->sample_rate = first && last->time > first->time ? (double)(k - 1) / (last->time - first->time)
                                                       : 0;
}

/* `r`: start a recording named after the time, or stop the one running. */
static void toggle_record(struct live *l)
{
    struct hw_err e = {0};
    if (l->rec) {
        record_close(l->rec, &e);
        l->rec = NULL;
        live_say(l, HW_OK, "recording stopped");
        return;
    }
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(l->rec_name, sizeof(l->rec_name), "heapwatch-%Y%m%d-%H%M%S.rec", &tm);
    /* the session's start, so the offsets written from now on match it */
    if (record_open(l->rec_name, l->spec, l->wall0, &l->rec, &e))
        live_say(l, e.code, "%s", e.msg);
    else
        live_say(l, HW_OK, "recording to %s", l->rec_name);
}

void live_on_key(struct live *l, enum ui_action a)
{
    switch (a) {
    case UI_QUIT: l->stop = true; break;
    case UI_PAUSE: l->paused = !l->paused; break;
    case UI_SAMPLE_NOW: l->one_sample = true; break; /* paused stays paused */
    case UI_GC:
        if (l->o->listen)
            live_say(l, HW_EARG, "--listen never writes to the board: no gc.collect()");
        else
            l->gc_pending = true;
        break;
    case UI_RECORD: toggle_record(l); break;
    default: tui_apply(&l->tui, a); break;
    }
    l->tui.dirty = true;
}

void live_on_snapshot(const struct snapshot *s, void *ctx)
{
    struct live *l = ctx;
    if (l->o->count && l->samples >= l->o->count)
        return; /* --listen: a dump that ended after the last one asked for */
    l->samples++;
    summary_add(&l->sum, s);
    if (l->jw) {
        struct json_sample_extra x = {.has_probe = l->has_probe, .probe_bytes = l->probe_bytes};
        if (json_writer_snapshot(l->jw, s, &x) != HW_OK && !strcmp(l->o->json_path, "-"))
            live_out_failed(l);
    }
    if (l->gc_step == GC_BEFORE)
        live_gc_before(l, s);
    if (l->tui_on)
        tui_push(&l->tui, s);
    else if (l->out)
        print_sample(l, s);
    if (l->gc_step == GC_AFTER)
        live_gc_after(l, s);
}
