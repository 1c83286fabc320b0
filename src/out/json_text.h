/* SPDX-License-Identifier: MIT */
/* json_text.h - one snapshot as compact JSON text (schema 1, heapwatch(1)
 * JSON OUTPUT), written straight into a buffer: what the streamed export
 * does for every dump of a capture. The text is byte for byte what
 * cJSON_PrintUnformatted() prints for the object export_json.c builds for
 * the pretty export (same keys, same order, cJSON's number and string
 * formatting); tests/unit/test_json_text.c holds the two together. Pure:
 * no I/O, no third-party header. */
#ifndef HW_JSON_TEXT_H
#define HW_JSON_TEXT_H

#include "snapshot.h"

#include <stdbool.h>
#include <stddef.h>

/* A growing text buffer; zero it to start. Owns p. */
struct json_text {
    char *p;
    size_t n, cap;
};

/* Free what b owns and zero it. NULL-safe. */
void json_text_fini(struct json_text *b);

/* Append n bytes of JSON text (a separator) as they are. */
void json_text_append(struct json_text *b, const char *text, size_t n);

/* Append snapshot s as one object (no newline). with_map adds each area's
 * "map"; probe_bytes (NULL: none) adds "probe_bytes". */
void json_text_snapshot(struct json_text *b, const struct snapshot *s, bool with_map,
                        const long *probe_bytes);

/* Append s as a JSON string: cleaned to UTF-8 (json_text_clean), quoted
 * and escaped as cJSON does. */
void json_text_string(struct json_text *b, const char *s);
/* Text from a device or a file name may be any bytes; JSON must be UTF-8:
 * in (NUL-terminated) into out (strlen(in) + 1 bytes), valid sequences
 * kept and every other byte as '?'. Returns the length. */
size_t json_text_clean(const char *in, char *out);

/* A number as cJSON prints it ("%1.15g", or "%1.17g" when that does not
 * read back, "null" for NaN and infinities) into out (at least 32 bytes);
 * returns its length. */
size_t json_text_number(char *out, double d);

#endif
