/* SPDX-License-Identifier: MIT */
/* fuzz_check.c - libFuzzer target for check expressions (--check): any
 * text parses or is refused with a message, never crashes; what parses
 * has a known metric and operator, a finite bound, an expression that
 * parses again to the same check, and formats any value. */
#include "check.h"
#include "hw.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char text[256];
    if (size >= sizeof(text))
        size = sizeof(text) - 1;
    memcpy(text, data, size);
    text[size] = 0;
    struct check c, again;
    char msg[256];
    msg[0] = 0;
    if (check_parse(text, &c, msg, sizeof(msg)) != HW_OK) {
        if (!msg[0] || !memchr(msg, 0, sizeof(msg)))
            abort(); /* a refusal always says why */
        return 0;
    }
    if (c.metric >= CM_N || c.op > CO_EQ || !isfinite(c.bound))
        abort();
    if (check_parse(c.expr, &again, msg, sizeof(msg)) != HW_OK ||
        memcmp(&c, &again, sizeof(c)) != 0)
        abort(); /* the expression as kept means the same check */
    char buf[64];
    check_format(&c, c.bound, buf, sizeof(buf));
    check_format(&c, -1e300, buf, sizeof(buf));
    check_format(&c, 1e300, buf, sizeof(buf));
    check_format(&c, NAN, buf, sizeof(buf));
    (void)check_holds(&c, c.bound);
    return 0;
}
