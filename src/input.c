/* SPDX-License-Identifier: MIT */
/* input.c - a capture, read in pieces; see input.h. */
#include "input.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { CHUNK = 1 << 20 };

const char *input_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "(stdin)" : path;
}

static int open_input(const char *path, int *fd, struct hw_err *err)
{
    struct stat st;
    if (strcmp(path, "-") == 0) {
        *fd = STDIN_FILENO;
        return HW_OK;
    }
    *fd = open(path, O_RDONLY | O_CLOEXEC);
    if (*fd < 0)
        return hw_err_set(err, hw_from_errno(errno), "cannot open %s: %s", path,
                          strerror(errno));
    if (fstat(*fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(*fd);
        *fd = -1;
        return hw_err_set(err, HW_EIO, "cannot read %s: Is a directory", path);
    }
    return HW_OK;
}

int input_read(const char *path, void (*chunk)(const char *buf, size_t n, void *ctx), void *ctx,
               struct hw_err *err)
{
    int fd;
    int rc = open_input(path, &fd, err);
    if (rc)
        return rc;
    char *buf = xmalloc(CHUNK);
    for (;;) {
        ssize_t n = read(fd, buf, CHUNK);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = hw_err_set(err, hw_from_errno(errno), "cannot read %s: %s", input_name(path),
                            strerror(errno));
        if (n <= 0)
            break;
        chunk(buf, (size_t)n, ctx);
    }
    free(buf);
    if (fd != STDIN_FILENO)
        close(fd);
    return rc;
}
