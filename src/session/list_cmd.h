/* SPDX-License-Identifier: MIT */
/* list_cmd.h - `heapwatch list`: the serial ports the OS knows, likely
 * boards first, as a table for people or one JSON document for scripts
 * (editor plugins, CI runners picking a board by USB serial number). */
#ifndef HW_LIST_CMD_H
#define HW_LIST_CMD_H

#include "hw.h"

#include <stdio.h>

/* The table into out ("no serial ports found" on stderr when there are
 * none), or with json_path the JSON document into that file ("-":
 * out). HW_OK, or the error with err filled. */
int list_run(const char *json_path, FILE *out, struct hw_err *err);

#endif
