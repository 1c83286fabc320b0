/* SPDX-License-Identifier: MIT */
/* fuzz_memparse.c - libFuzzer target: any bytes, fed whole or in pieces
 * whose sizes come from the input itself, must never crash the reader, and every
 * snapshot it delivers must hold together. */
#include "memparse.h"

#include <stdint.h>
#include <stdlib.h>

static void check(const struct snapshot *s, void *ctx)
{
    (void)ctx;
    size_t blocks = 0;
    for (size_t i = 0; i < s->n_areas; i++)
        blocks += s->areas[i].n_blocks;
    if (s->has_metrics && s->metrics.blocks != blocks)
        abort();
    if (s->complete && s->problems)
        abort();
    if (s->has_metrics &&
        s->metrics.free_blocks + s->metrics.used_blocks + s->metrics.unknown_blocks != blocks)
        abort();
    if (s->has_metrics && (s->metrics.fragmentation < 0 || s->metrics.fragmentation > 1))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct memparse *mp = memparse_new(check, NULL);
    /* small pieces reach the line buffer; one whole piece (every fifth
     * input) reaches the in-place path that analyze's 1 MiB reads take */
    size_t step = !size ? 1 : data[0] % 5 == 0 ? size : (size_t)data[0] % 97 + 1;
    for (size_t off = 0; off < size; off += step)
        memparse_feed(mp, (const char *)data + off, size - off < step ? size - off : step);
    memparse_flush(mp);
    memparse_free(mp);
    return 0;
}
