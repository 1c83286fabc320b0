/* SPDX-License-Identifier: MIT */
/* stream.c - items to sinks, in order; see stream.h. */
#include "stream.h"

#include <string.h>

void stream_init(struct stream *st)
{
    memset(st, 0, sizeof(*st));
}

void stream_add(struct stream *st, struct sink *s, bool essential)
{
    if (!s || st->n == STREAM_MAX_SINKS)
        return;
    st->essential[st->n] = essential;
    st->said[st->n] = false;
    st->sinks[st->n++] = s;
}

/* Sink i failed. An essential failure stops the source, and is said once
 * when the run ends; any other failure is said now, once (the others hear
 * of it as a message), and the run goes on. A message about a message goes
 * nowhere, so a failing message sink cannot loop. */
static void failed(struct stream *st, int i, const struct hw_err *e)
{
    if (st->essential[i]) {
        if (!st->failed) {
            st->failed = true;
            st->err = *e;
        }
        return;
    }
    if (st->said[i])
        return;
    st->said[i] = true;
    struct hw_item m = {.kind = HW_ITEM_MESSAGE, .msg = e};
    for (int j = 0; j < st->n; j++) {
        struct hw_err ignored = {0};
        if (j != i)
            st->sinks[j]->ops->item(st->sinks[j], &m, &ignored);
    }
}

/* No error yet. Only what hw_err_set() fills is cleared: the whole
 * struct is 420 bytes, and it is cleared for every sink and every dump. */
static void no_error(struct hw_err *e)
{
    e->code = HW_OK;
    e->msg[0] = e->hint[0] = '\0';
    e->said = false;
}

/* An item of kind with every field empty, set one by one: clearing the
 * struct whole costs a rep stos for every dump (util.h). */
static struct hw_item empty_item(enum hw_item_kind kind)
{
    struct hw_item it;
    it.kind = kind;
    it.time = 0;
    it.source = 0;
    it.name = it.event = it.detail = it.data = NULL;
    it.snap = NULL;
    it.msg = NULL;
    it.len = 0;
    it.probe = NULL;
    return it;
}

void stream_emit(struct stream *st, const struct hw_item *it)
{
    for (int i = 0; i < st->n; i++) {
        struct hw_err e;
        no_error(&e);
        if (st->sinks[i]->ops->item(st->sinks[i], it, &e) != HW_OK && it->kind != HW_ITEM_MESSAGE)
            failed(st, i, &e);
    }
}

void stream_snapshot(struct stream *st, const struct snapshot *s)
{
    struct hw_item it = empty_item(HW_ITEM_SNAPSHOT);
    it.snap = s;
    it.time = s->time;
    stream_emit(st, &it);
}

void stream_event(struct stream *st, double time, const char *kind, const char *detail)
{
    struct hw_item it = empty_item(HW_ITEM_EVENT);
    it.time = time;
    it.event = kind;
    it.detail = detail;
    stream_emit(st, &it);
}

void stream_message(struct stream *st, const struct hw_err *e)
{
    struct hw_item it = {.kind = HW_ITEM_MESSAGE, .msg = e};
    stream_emit(st, &it);
}

int stream_close(struct stream *st, struct hw_err *err)
{
    int rc = st->failed ? st->err.code : HW_OK;
    if (st->failed && err)
        *err = st->err;
    for (int i = 0; i < st->n; i++) {
        struct hw_err e = {0};
        int c = st->sinks[i]->ops->close(st->sinks[i], &e);
        if (c != HW_OK && rc == HW_OK) {
            rc = c;
            e.said = st->said[i]; /* the exit status tells; the words were said */
            if (err)
                *err = e;
        }
        st->sinks[i] = NULL;
    }
    st->n = 0;
    return rc;
}
