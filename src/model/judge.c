/* SPDX-License-Identifier: MIT */
/* judge.c - summaries, leaks and checks per source; see judge.h. */
#include "judge.h"
#include "util.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A check's running state on one source. */
struct check_state {
    bool failing; /* the running value fails now */
    struct dump_ref since;
};

struct source {
    char *name;
    struct summary sum;
    struct leak leak;
    struct suspects *sus; /* NULL unless tracked */
    struct check_state *cs;
    struct judge_area areas[JUDGE_MAX_AREAS];
    size_t n_areas;
};

struct judge {
    struct sink sink;
    struct check *checks;
    size_t n_checks;
    bool track;
    bool gc_samples; /* the probe runs gc.collect() first */
    struct source *src;
    int n_src, cap_src;
};

static const struct sink_ops judge_ops;

struct judge *judge_new(const struct check *c, size_t n, bool suspects)
{
    struct judge *j = xcalloc(1, sizeof(*j));
    j->sink.ops = &judge_ops;
    j->checks = xcalloc(n ? n : 1, sizeof(*j->checks));
    for (size_t i = 0; i < n; i++)
        if (!c[i].delta)
            j->checks[j->n_checks++] = c[i];
    j->track = suspects;
    return j;
}

void judge_free(struct judge *j)
{
    if (!j)
        return;
    for (int i = 0; i < j->n_src; i++) {
        free(j->src[i].name);
        suspects_free(j->src[i].sus);
        free(j->src[i].cs);
    }
    free(j->src);
    free(j->checks);
    free(j);
}

struct sink *judge_sink(struct judge *j)
{
    return &j->sink;
}

static struct source *begin(struct judge *j, const char *name)
{
    if (j->n_src == j->cap_src) {
        j->cap_src = j->cap_src ? 2 * j->cap_src : 4;
        j->src = xrealloc(j->src, (size_t)j->cap_src * sizeof(*j->src));
    }
    struct source *s = &j->src[j->n_src++];
    memset(s, 0, sizeof(*s));
    s->name = xstrdup(name ? name : "");
    summary_init(&s->sum);
    leak_init(&s->leak);
    leak_set_gc_samples(&s->leak, j->gc_samples);
    s->sus = j->track ? suspects_new() : NULL;
    s->cs = xcalloc(j->n_checks ? j->n_checks : 1, sizeof(*s->cs));
    return s;
}

/* The source items belong to (every source begins with BEGIN; one made
 * up if not, so a stray item cannot crash the judge). */
static struct source *current(struct judge *j)
{
    return j->n_src ? &j->src[j->n_src - 1] : begin(j, "");
}

/* The value of a summary figure in the check's unit; false if unknown. */
static bool figure(const struct summary *sum, enum check_metric m, double *v)
{
    switch (m) {
    case CM_MIN_FREE:
        *v = (double)sum->min_free;
        return sum->min_free != UINT64_MAX;
    case CM_PEAK_USED:
        *v = (double)sum->peak_used;
        return sum->peak_used != UINT64_MAX;
    case CM_LARGEST_FREE:
        *v = (double)sum->min_largest_free_bytes;
        return sum->min_largest_free_bytes != UINT64_MAX;
    case CM_FRAGMENTATION:
        *v = sum->max_fragmentation;
        return sum->max_fragmentation >= 0;
    case CM_INCONSISTENT:
        *v = (double)sum->inconsistent;
        return true;
    case CM_INCOMPLETE:
        *v = (double)sum->incomplete;
        return true;
    case CM_SAMPLES:
        *v = (double)sum->snapshots;
        return true;
    case CM_LEAK:
    case CM_N:
        break;
    }
    return false;
}

/* The leak rate a check judges, so far; false while there is too little
 * data to say (that is no failure yet). */
static bool running_leak(const struct source *src, const struct check *c, double *v)
{
    struct leak_verdict lv;
    leak_result(&src->leak, &lv);
    if (lv.state == LEAK_UNKNOWN || (c->rate == CR_MIN && !lv.has_per_min))
        return false;
    *v = leak_rate(&lv, c->rate == CR_SAMPLE);
    return true;
}

static void track_checks(struct judge *j, struct source *src, const struct snapshot *s)
{
    for (size_t i = 0; i < j->n_checks; i++) {
        double v;
        bool known = j->checks[i].metric == CM_LEAK ? running_leak(src, &j->checks[i], &v)
                                                    : figure(&src->sum, j->checks[i].metric, &v);
        if (!known)
            continue;
        struct check_state *cs = &src->cs[i];
        bool fails = !check_holds(&j->checks[i], v);
        if (fails && !cs->failing)
            cs->since = (struct dump_ref){s->seq, s->line, s->source, s->has_time, s->time};
        cs->failing = fails;
    }
}

/* Areas are told apart by their base address: the same heap prints the
 * same bases dump after dump. */
static struct judge_area *area_of(struct source *src, const char *base)
{
    for (size_t k = 0; k < src->n_areas; k++)
        if (!strcmp(src->areas[k].base, base))
            return &src->areas[k];
    if (src->n_areas == JUDGE_MAX_AREAS)
        return NULL;
    struct judge_area *a = &src->areas[src->n_areas++];
    snprintf(a->base, sizeof(a->base), "%s", base);
    a->min_free = a->min_largest_free = UINT64_MAX;
    return a;
}

static void fold_areas(struct source *src, const struct snapshot *s)
{
    if (s->n_areas < 2)
        return;
    for (size_t i = 0; i < s->n_areas; i++) {
        struct judge_area *a = area_of(src, s->areas[i].base);
        if (!a)
            continue;
        uint64_t f = snapshot_area_free_bytes(s, i), l = snapshot_area_largest_free_bytes(s, i);
        if (f < a->min_free)
            a->min_free = f;
        if (l < a->min_largest_free)
            a->min_largest_free = l;
    }
}

static void on_snapshot(struct judge *j, const struct snapshot *s)
{
    struct source *src = current(j);
    summary_add(&src->sum, s);
    fold_areas(src, s);
    leak_add(&src->leak, s);
    if (src->sus)
        suspects_add(src->sus, s);
    track_checks(j, src, s);
}

/* The probe that is sent says whether every sample follows a collection:
 * live mode's PROBE item, a record's "#calibrate" line. */
static void probe_code(struct judge *j, const char *code)
{
    j->gc_samples = code && strstr(code, "gc.collect()");
    if (j->n_src)
        leak_set_gc_samples(&current(j)->leak, j->gc_samples);
}

static void on_event(struct judge *j, const struct hw_item *it)
{
    if (!strcmp(it->event, "reset")) {
        struct source *src = current(j);
        leak_reset(&src->leak);
        if (src->sus)
            suspects_reset(src->sus);
    } else if (!strcmp(it->event, "calibrate")) {
        probe_code(j, it->detail);
    }
}

static int judge_item(struct sink *sk, const struct hw_item *it, struct hw_err *err)
{
    struct judge *j = (struct judge *)sk;
    (void)err;
    switch (it->kind) {
    case HW_ITEM_BEGIN:
        j->gc_samples = false; /* until this source's probe says otherwise */
        begin(j, it->name);
        break;
    case HW_ITEM_SNAPSHOT:
        on_snapshot(j, it->snap);
        break;
    case HW_ITEM_EVENT:
        on_event(j, it);
        break;
    case HW_ITEM_PROBE:
        probe_code(j, it->probe->code);
        break;
    default:
        break;
    }
    return HW_OK;
}

/* The wiring frees the judge: the sinks after it read it at their close. */
static int judge_close(struct sink *sk, struct hw_err *err)
{
    (void)sk;
    (void)err;
    return HW_OK;
}

static const struct sink_ops judge_ops = {judge_item, judge_close};

int judge_sources(const struct judge *j)
{
    return j->n_src;
}

const char *judge_source_name(const struct judge *j, int i)
{
    return i >= 0 && i < j->n_src ? j->src[i].name : "";
}

void judge_leak(const struct judge *j, int i, struct leak_verdict *v)
{
    struct leak empty;
    leak_init(&empty);
    leak_result(i >= 0 && i < j->n_src ? &j->src[i].leak : &empty, v);
}

bool judge_tracks_suspects(const struct judge *j)
{
    return j->track;
}

size_t judge_suspects(const struct judge *j, int i, struct leak_suspect *out, size_t max,
                      uint64_t *total)
{
    *total = 0;
    if (i < 0 || i >= j->n_src || !j->src[i].sus)
        return 0;
    return suspects_list(j->src[i].sus, out, max, total);
}

size_t judge_checks(const struct judge *j)
{
    return j->n_checks;
}

static void leak_value(const struct judge *j, int source, struct check_result *r)
{
    struct leak_verdict v;
    judge_leak(j, source, &v);
    bool per_min = r->check->rate == CR_MIN;
    if (v.state == LEAK_UNKNOWN || (per_min && !v.has_per_min)) {
        snprintf(r->why, sizeof(r->why), "%s",
                 v.state == LEAK_UNKNOWN ? v.why : "the dumps have no times: use /sample");
        return;
    }
    r->known = true;
    r->value = leak_rate(&v, !per_min);
    leak_describe(&v, !per_min, r->value_text, sizeof(r->value_text));
}

void judge_result(const struct judge *j, int source, size_t i, struct check_result *r)
{
    memset(r, 0, sizeof(*r));
    r->check = &j->checks[i];
    r->source = source;
    const struct source *src = &j->src[source];
    if (r->check->metric == CM_LEAK) {
        leak_value(j, source, r);
    } else if (figure(&src->sum, r->check->metric, &r->value)) {
        r->known = true;
        check_format(r->check, r->value, r->value_text, sizeof(r->value_text));
    } else {
        snprintf(r->why, sizeof(r->why), "%s",
                 src->sum.snapshots ? "no dump had this figure" : "no dumps");
    }
    r->pass = r->known && check_holds(r->check, r->value);
    if (!r->known)
        snprintf(r->value_text, sizeof(r->value_text), "unknown: %s", r->why);
    /* a count that is too small fails nowhere in particular */
    if (!r->pass && r->known && src->cs[i].failing && r->check->metric != CM_SAMPLES) {
        r->has_dump = true;
        r->dump = src->cs[i].since;
    }
}

const char *judge_source_label(const struct judge *j, int i, char *buf, size_t cap)
{
    int seen = 0;
    for (int k = 0; k < i; k++)
        seen += !strcmp(j->src[k].name, j->src[i].name);
    if (seen)
        snprintf(buf, cap, "%s #%d", j->src[i].name, seen + 1);
    else
        snprintf(buf, cap, "%s", j->src[i].name);
    return buf;
}

const struct summary *judge_summary(const struct judge *j, int i)
{
    return &j->src[i].sum;
}

size_t judge_areas(const struct judge *j, int i, const struct judge_area **out)
{
    *out = j->src[i].areas;
    return j->src[i].n_areas;
}

size_t judge_source_failures(const struct judge *j, int s)
{
    size_t n = 0;
    for (size_t i = 0; i < j->n_checks; i++) {
        struct check_result r;
        judge_result(j, s, i, &r);
        n += !r.pass;
    }
    return n;
}

size_t judge_failures(const struct judge *j)
{
    size_t n = 0;
    for (int s = 0; s < j->n_src; s++)
        n += judge_source_failures(j, s);
    return n;
}

/* Whether a failure is final: the running value only moves one way
 * (min_free and largest_free fall, the others rise), and the check
 * wants it on the side it has left. */
static bool final(const struct check *c)
{
    bool falls = c->metric == CM_MIN_FREE || c->metric == CM_LARGEST_FREE;
    if (c->metric == CM_LEAK || c->metric == CM_SAMPLES || c->op == CO_EQ)
        return false;
    bool wants_above = c->op == CO_GT || c->op == CO_GE;
    return falls == wants_above;
}

bool judge_failed_early(const struct judge *j, struct check_result *r)
{
    for (int s = 0; s < j->n_src; s++) {
        for (size_t i = 0; i < j->n_checks; i++) {
            if (j->src[s].cs[i].failing && final(&j->checks[i])) {
                judge_result(j, s, i, r);
                return true;
            }
        }
    }
    return false;
}
