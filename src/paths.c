/* SPDX-License-Identifier: MIT */
/* paths.c - command-line files checked against each other; see paths.h. */
#include "paths.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Two names for one file: the same inode when both exist, else the same
 * absolute name (the directory resolved, so "./x" and "x" agree). */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
    char ra[PATH_MAX], rb[PATH_MAX];
    const char *fa = realpath(a, ra) ? ra : a, *fb = realpath(b, rb) ? rb : b;
    if (strcmp(fa, fb) == 0)
        return true;
    /* neither exists yet: compare what they will be */
    char da[PATH_MAX], db[PATH_MAX];
    const char *sla = strrchr(a, '/'), *slb = strrchr(b, '/');
    const char *na = sla ? sla + 1 : a, *nb = slb ? slb + 1 : b;
    if (strcmp(na, nb) != 0)
        return false;
    snprintf(da, sizeof(da), "%.*s", sla ? (int)(sla - a) + 1 : 1, sla ? a : ".");
    snprintf(db, sizeof(db), "%.*s", slb ? (int)(slb - b) + 1 : 1, slb ? b : ".");
    if (!realpath(da, ra) || !realpath(db, rb))
        return false;
    return strcmp(ra, rb) == 0;
}

/* An existing regular file with content that heapwatch did not write:
 * it does not start with magic ({"heapwatch": for JSON). */
static bool foreign_file(const char *path, const char *magic)
{
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0)
        return false;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    size_t len = strlen(magic);
    char head[64];
    if (len > sizeof(head))
        len = sizeof(head);
    ssize_t n = read(fd, head, len);
    close(fd);
    return n != (ssize_t)len || memcmp(head, magic, len) != 0;
}

static int clash(const struct path_use *out, const struct path_use *other, struct hw_err *err)
{
    if (!other->option) {
        hw_err_set(err, HW_EARG, "%s %s is also an input: it would be overwritten", out->option,
                   out->path);
        hw_err_hint(err, "%s takes the next word as its file; for standard output use %s -",
                    out->option, out->option);
        return HW_EARG;
    }
    return hw_err_set(err, HW_EARG, "%s and %s name the same file, %s", other->option, out->option,
                      out->path);
}

int paths_check(const struct path_use *uses, size_t n, struct hw_err *err)
{
    for (size_t i = 0; i < n; i++) {
        const struct path_use *o = &uses[i];
        if (!o->option || !o->path || !strcmp(o->path, "-"))
            continue;
        for (size_t j = 0; j < n; j++) {
            const struct path_use *u = &uses[j];
            if (j != i && u->path && strcmp(u->path, "-") && same_file(o->path, u->path) &&
                (!u->option || j < i))
                return clash(o, u, err);
        }
        if (o->magic && foreign_file(o->path, o->magic)) {
            hw_err_set(err, HW_EARG,
                       "refusing to replace %s with %s: it is not a heapwatch "
                       "%s file",
                       o->path, o->kind, strncmp(o->kind, "an ", 3) ? o->kind : o->kind + 3);
            hw_err_hint(err, "%s takes the next word as its file; for standard output use %s -",
                        o->option, o->option);
            return HW_EARG;
        }
    }
    return HW_OK;
}
