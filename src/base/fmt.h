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

/* n bytes as one line of printable ASCII: tab and 0x20-0x7e as they are
 * (backslash doubled), every other byte as \xNN. Into out[cap], always
 * NUL-terminated, truncated at a whole escape; returns the length. The
 * record file's line bodies and what the board prints, shown to a person. */
size_t fmt_escape(const char *in, size_t n, char *out, size_t cap);
/* in (NUL-terminated) made safe for a terminal: control bytes and bytes
 * that are not UTF-8 text as \xNN, so a message quoting a board or a file
 * can never move the cursor, retitle the window or hide the cursor; UTF-8
 * text stays readable. Into out[cap]; returns out. */
char *fmt_terminal_safe(const char *in, char *out, size_t cap);

#endif
