/* SPDX-License-Identifier: MIT */
/* fmt.c - number formatting for people; see fmt.h. */
#include "fmt.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

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

size_t fmt_escape(const char *in, size_t n, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    if (!cap)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        bool plain = (c >= 0x20 && c < 0x7f && c != '\\') || c == '\t';
        size_t need = plain ? 1 : c == '\\' ? 2 : 4;
        if (o + need >= cap)
            break;
        if (plain) {
            out[o++] = (char)c;
        } else if (c == '\\') {
            out[o++] = '\\';
            out[o++] = '\\';
        } else {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
        }
    }
    out[o] = '\0';
    return o;
}

/* Length of the valid UTF-8 sequence at p (n bytes left) that a terminal
 * shows as text: not a C1 control (U+0080..U+009F, which some terminals
 * obey as ESC sequences); 0 if there is none. */
static size_t utf8_text(const unsigned char *p, size_t n)
{
    size_t len = p[0] >= 0xc2 && p[0] < 0xe0   ? 2
                 : p[0] >= 0xe0 && p[0] < 0xf0 ? 3
                 : p[0] >= 0xf0 && p[0] < 0xf5 ? 4
                                               : 0;
    if (!len || len > n)
        return 0;
    for (size_t k = 1; k < len; k++)
        if ((p[k] & 0xc0) != 0x80)
            return 0;
    if (p[0] == 0xc2 && p[1] < 0xa0)
        return 0;
    return len;
}

char *fmt_terminal_safe(const char *in, char *out, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)in;
    size_t n = strlen(in), o = 0;
    if (!cap)
        return out;
    for (size_t i = 0; i < n;) {
        size_t len = p[i] >= 0x20 && p[i] < 0x7f ? 1 : p[i] >= 0x80 ? utf8_text(p + i, n - i) : 0;
        if (len) {
            if (o + len >= cap)
                break;
            memcpy(out + o, p + i, len);
            o += len;
            i += len;
            continue;
        }
        if (o + 4 >= cap)
            break;
        out[o++] = '\\';
        out[o++] = 'x';
        out[o++] = hex[p[i] >> 4];
        out[o++] = hex[p[i] & 15];
        i++;
    }
    out[o] = '\0';
    return out;
}
