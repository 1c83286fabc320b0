/* SPDX-License-Identifier: MIT */
/* fuzz_telnet.c - libFuzzer target for the rfc2217:// telnet layer: any
 * bytes from a server, in two pieces cut where the first byte says, never
 * crash; the data never outgrows the input, and the reply queue stays
 * whole commands within its size; a stream without IAC passes unchanged;
 * escaping then decoding gives the input back. */
#include "telnet.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void feed_split(const uint8_t *data, size_t size)
{
    const struct telnet_cfg cfg = {.baud = 115200, .dtr = 1, .rts = 0};
    struct telnet *tn = telnet_new(&cfg);
    uint8_t *buf = malloc(size + 1);
    size_t cut = size ? data[0] % (size + 1) : 0, n;
    const uint8_t *out;

    if (!buf)
        abort();
    telnet_start(tn);
    memcpy(buf, data, size);
    n = telnet_feed(tn, buf, cut, buf);
    n += telnet_feed(tn, buf + cut, size - cut, buf + cut);
    if (n > size || telnet_output(tn, &out) > TELNET_OUT_CAP)
        abort();
    if (!memchr(data, 0xff, size) && (n != size || memcmp(buf, data, size) != 0))
        abort(); /* n is the sum of two pieces here; without IAC each piece is whole */
    telnet_lines_off(tn);
    free(buf);
    telnet_free(tn);
}

static void round_trip(const uint8_t *data, size_t size)
{
    const struct telnet_cfg cfg = {.baud = 9600, .dtr = -1, .rts = -1};
    struct telnet *tn = telnet_new(&cfg);
    uint8_t *wire = malloc(2 * size + 2), *back = malloc(2 * size + 2);
    size_t used, w, n;

    if (!wire || !back)
        abort();
    w = telnet_escape(data, size, wire, 2 * size + 2, &used);
    n = telnet_feed(tn, wire, w, back);
    if (used != size || n != size || memcmp(back, data, size) != 0)
        abort();
    free(wire);
    free(back);
    telnet_free(tn);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    feed_split(data, size);
    round_trip(data, size);
    return 0;
}
