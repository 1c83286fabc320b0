/* SPDX-License-Identifier: MIT */
/* fmt.c - number formatting for people; see fmt.h. */
#include "fmt.h"

#include <stdio.h>

char *fmt_bytes(char *buf, size_t cap, uint64_t n)
{
    static const char units[] = "KMGT";
    if (n == UINT64_MAX) {
        snprintf(buf, cap, "-");
        return buf;
    }
    if (n < 1024) {
        snprintf(buf, cap, "%llu", (unsigned long long)n);
        return buf;
    }
    double v = (double)n / 1024.0;
    int u = 0;
    while (v >= 1023.95 && u < 3) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, cap, v < 9.995 ? "%.2f%c" : v < 99.95 ? "%.1f%c" : "%.0f%c", v, units[u]);
    return buf;
}

char *fmt_pct(char *buf, size_t cap, double fraction)
{
    if (fraction < 0)
        snprintf(buf, cap, "-");
    else
        snprintf(buf, cap, "%.1f%%", fraction * 100.0);
    return buf;
}

char *fmt_duration(char *buf, size_t cap, double s)
{
    if (!(s >= 0))
        s = 0;
    if (s >= 3600.0 * 1e6) /* beyond what an int of hours holds safely */
        snprintf(buf, cap, "%.3gh", s / 3600);
    else if (s < 60)
        snprintf(buf, cap, "%.1fs", s);
    else if (s < 3600)
        snprintf(buf, cap, "%dm%02ds", (int)(s / 60), (int)s % 60);
    else
        snprintf(buf, cap, "%dh%02dm", (int)(s / 3600), (int)(s / 60) % 60);
    return buf;
}
