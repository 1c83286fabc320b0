/* SPDX-License-Identifier: MIT */
/* config.h - the config file, as tio keeps one: sections of "key = value"
 * lines, [default] for every session and one [NAME] per board, chosen by
 * naming it where the port goes (`heapwatch pico`):
 *
 *   [default]
 *   interval = 0.5
 *   [pico]
 *   port = /dev/serial/by-id/usb-MicroPython_Board_in_FS_mode_e6614c311b7a-if00
 *   check = min_free>20K
 *
 * Keys are the long options of live mode (and "port"); what the command
 * line gives wins. This module only splits the text: options.c gives the
 * entries their meaning. Pure: no I/O. */
#ifndef HW_CONFIG_H
#define HW_CONFIG_H

#include <stddef.h>

struct config_entry {
    const char *section; /* "default", a profile name */
    const char *key, *value;
    int line; /* 1-based */
};

/* Split text (modified in place: the entries point into it) into at most
 * max entries. Blank lines and lines starting with '#' or ';' are
 * skipped; spaces around keys, values and section names are dropped.
 * Returns the number of entries, or -1 with msg ("line 3: ...") filled
 * for a line that is none of these or an entry before any section. */
int config_parse(char *text, struct config_entry *out, size_t max, char *msg, size_t cap);

#endif
