/* SPDX-License-Identifier: MIT */
/* config.c - the config file's lines; see config.h. */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

/* s without its leading and trailing blanks (s is modified). */
static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* One line: a section header, an entry, or nothing. 1 entry made, 0 none,
 * -1 an error in msg. */
static int one_line(char *s, int line, const char **section, struct config_entry *e, char *msg,
                    size_t cap)
{
    s = trim(s);
    if (!*s || *s == '#' || *s == ';')
        return 0;
    if (*s == '[') {
        char *end = strchr(s, ']');
        if (!end || end[1]) {
            snprintf(msg, cap, "line %d: a section is [NAME]", line);
            return -1;
        }
        *end = '\0';
        *section = trim(s + 1);
        if (!**section) {
            snprintf(msg, cap, "line %d: a section needs a name", line);
            return -1;
        }
        return 0;
    }
    char *eq = strchr(s, '=');
    if (!eq) {
        snprintf(msg, cap, "line %d: want KEY = VALUE, [NAME] or a # comment", line);
        return -1;
    }
    if (!**section) {
        snprintf(msg, cap, "line %d: an entry before any section ([default] or [NAME])", line);
        return -1;
    }
    *eq = '\0';
    *e = (struct config_entry){*section, trim(s), trim(eq + 1), line};
    if (!*e->key) {
        snprintf(msg, cap, "line %d: an entry needs a key", line);
        return -1;
    }
    return 1;
}

int config_parse(char *text, struct config_entry *out, size_t max, char *msg, size_t cap)
{
    const char *section = "";
    size_t n = 0;
    int line = 0;
    for (char *s = text, *next; s; s = next) {
        next = strchr(s, '\n');
        if (next)
            *next++ = '\0';
        line++;
        struct config_entry e;
        int got = one_line(s, line, &section, &e, msg, cap);
        if (got < 0)
            return -1;
        if (!got)
            continue;
        if (n == max) {
            snprintf(msg, cap, "line %d: more than %zu entries", line, max);
            return -1;
        }
        out[n++] = e;
    }
    return (int)n;
}
