/* SPDX-License-Identifier: MIT */
/* fmt.h - curses-free text formatting shared by the text reports and the UI:
 * byte counts ("12.3K"), percentages, durations. Each writes a NUL-terminated
 * string into the caller's buffer and returns it. */
#ifndef HW_FMT_H
#define HW_FMT_H

#include <stddef.h>
#include <stdint.h>

/* 1023 -> "1023", 1536 -> "1.5K", 3145728 -> "3.0M"; UINT64_MAX -> "-" */
char *fmt_bytes(char *buf, size_t cap, uint64_t n);
/* 0.4567 -> "45.7%"; negative -> "-" */
char *fmt_pct(char *buf, size_t cap, double fraction);
/* 59.5 -> "59.5s", 125 -> "2m05s", 7322 -> "2h02m" */
char *fmt_duration(char *buf, size_t cap, double seconds);

#endif
