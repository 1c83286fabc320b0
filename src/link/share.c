/* SPDX-License-Identifier: MIT */
/* share.c - the --share pty; see share.h. */
#include "share.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

enum { SHARE_QUEUE_MAX = 1 << 20 };

struct share {
    int master, slave;
    char *link;
    char *q; /* bytes the pty did not take yet */
    size_t qn, qcap;
    size_t dropped;
};

/* The other program sees the board's bytes as they are: no echo, no
 * line discipline, no CR/LF mapping (what it sets itself wins anyway). */
static void raw_slave(int fd)
{
    struct termios t;
    if (tcgetattr(fd, &t) == 0) {
        cfmakeraw(&t);
        tcsetattr(fd, TCSANOW, &t);
    }
}

/* link may be replaced only when it is a symlink (or nothing). */
static int free_link(const char *link, struct hw_err *err)
{
    struct stat st;
    if (lstat(link, &st) != 0)
        return errno == ENOENT
                   ? HW_OK
                   : hw_err_set(err, hw_from_errno(errno), "--share %s: %s", link, strerror(errno));
    if (!S_ISLNK(st.st_mode))
        return hw_err_set(err, HW_EARG, "--share %s: exists and is not a symlink; not replaced",
                          link);
    if (unlink(link) != 0)
        return hw_err_set(err, hw_from_errno(errno), "--share %s: %s", link, strerror(errno));
    return HW_OK;
}

int share_open(const char *link, struct share **out, struct hw_err *err)
{
    *out = NULL;
    int rc = free_link(link, err);
    if (rc != HW_OK)
        return rc;
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    const char *name = NULL;
    if (m < 0 || grantpt(m) != 0 || unlockpt(m) != 0 || !(name = ptsname(m))) {
        int e = errno;
        if (m >= 0)
            close(m);
        return hw_err_set(err, hw_from_errno(e), "--share: cannot make a pty: %s", strerror(e));
    }
    int sl = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (sl < 0 || symlink(name, link) != 0) {
        int e = errno;
        if (sl >= 0)
            close(sl);
        close(m);
        return hw_err_set(err, hw_from_errno(e), "--share %s: %s", link, strerror(e));
    }
    raw_slave(sl);
    struct share *s = xcalloc(1, sizeof(*s));
    s->master = m;
    s->slave = sl;
    s->link = xstrdup(link);
    *out = s;
    return HW_OK;
}

void share_close(struct share *s)
{
    if (!s)
        return;
    unlink(s->link);
    close(s->master);
    close(s->slave);
    free(s->link);
    free(s->q);
    free(s);
}

int share_fd(const struct share *s)
{
    return s->master;
}

bool share_wants_write(const struct share *s)
{
    return s->qn > 0;
}

const char *share_link(const struct share *s)
{
    return s->link;
}

size_t share_dropped(const struct share *s)
{
    return s->dropped;
}

int share_read(struct share *s, char *buf, size_t cap, size_t *n, struct hw_err *err)
{
    *n = 0;
    ssize_t r = read(s->master, buf, cap);
    if (r > 0) {
        *n = (size_t)r;
        return HW_OK;
    }
    /* EIO: nobody has the slave open but us, which cannot happen while we
     * hold it; EAGAIN: nothing yet */
    if (r == 0 || errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == EIO)
        return HW_OK;
    return hw_err_set(err, hw_from_errno(errno), "--share %s: %s", s->link, strerror(errno));
}

/* As much of buf as the pty takes now. */
static size_t put(struct share *s, const char *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(s->master, buf + done, n - done);
        if (w <= 0)
            break; /* EAGAIN: the pty is full until the other side reads */
        done += (size_t)w;
    }
    return done;
}

static void enqueue(struct share *s, const char *buf, size_t n)
{
    if (n > SHARE_QUEUE_MAX) {
        s->dropped += n - SHARE_QUEUE_MAX;
        buf += n - SHARE_QUEUE_MAX;
        n = SHARE_QUEUE_MAX;
    }
    if (s->qn + n > SHARE_QUEUE_MAX) {
        size_t drop = s->qn + n - SHARE_QUEUE_MAX;
        memmove(s->q, s->q + drop, s->qn - drop);
        s->qn -= drop;
        s->dropped += drop;
    }
    if (s->qn + n > s->qcap) {
        s->qcap = s->qn + n > 2 * s->qcap ? s->qn + n : 2 * s->qcap;
        s->q = xrealloc(s->q, s->qcap);
    }
    memcpy(s->q + s->qn, buf, n);
    s->qn += n;
}

void share_flush(struct share *s)
{
    size_t done = put(s, s->q, s->qn);
    memmove(s->q, s->q + done, s->qn - done);
    s->qn -= done;
}

void share_write(struct share *s, const char *buf, size_t n)
{
    if (s->qn)
        share_flush(s);
    size_t done = s->qn ? 0 : put(s, buf, n); /* order: the queue first */
    if (done < n)
        enqueue(s, buf + done, n - done);
}
