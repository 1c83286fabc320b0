/* SPDX-License-Identifier: MIT */
/* transport_io.c - reads and writes on the port's fd for every backend,
 * with hangup detection, and the exec: child's stderr. */
#include "transport_impl.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* "Gone" in the one shape every caller sees, with the errno (if any) or,
 * for exec:, how the command ended - the useful part when a simulator dies. */
static int disconnected(struct transport *t, const char *action, int e, struct hw_err *err)
{
    char how[96] = "";

    if (t->kind == TRANSPORT_EXEC) {
        transport_exec_status(t, how, sizeof how);
    }
    if (how[0]) {
        return hw_err_set(err, HW_EDISCONNECTED, "cannot %s %s: %s", action, t->path, how);
    }
    if (e) {
        return hw_err_set(err, HW_EDISCONNECTED, "cannot %s %s: device disconnected (%s)", action,
                          t->path, strerror(e));
    }
    return hw_err_set(err, HW_EDISCONNECTED, "cannot %s %s: device disconnected", action, t->path);
}

static int is_gone_errno(int e)
{
    /* EIO: USB unplug, or a pty whose other side closed; ENXIO/ENODEV: the
     * device node outlived the device; EPIPE: some drivers on write. */
    return e == EIO || e == ENXIO || e == ENODEV || e == EPIPE;
}

/* read() returned 0. With our VMIN=1 that is EOF (hangup), but if something
 * reset VMIN to 0 it can also mean "no data yet". POLLHUP/POLLERR settle it;
 * readable-but-empty is retried once by the caller, since a byte may have
 * arrived between read() and poll(). 0 = no data, 1 = retry, 2 = gone. */
static int zero_read_kind(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};

    if (poll(&p, 1, 0) <= 0) {
        return 0;
    }
    if (p.revents & (POLLHUP | POLLERR | POLLNVAL)) {
        return 2;
    }
    return (p.revents & POLLIN) ? 1 : 0;
}

int transport_read(struct transport *t, void *buf, size_t cap, size_t *n, struct hw_err *err)
{
    int zeros = 0;

    *n = 0;
    if (cap == 0) {
        return HW_OK;
    }
    if (t->kind == TRANSPORT_NET) {
        return transport_net_read(t, buf, cap, n, err);
    }
    for (;;) {
        ssize_t r = read(t->fd, buf, cap);
        if (r > 0) {
            *n = (size_t)r;
            return HW_OK;
        }
        if (r == 0) {
            int kind = zero_read_kind(t->fd);
            if (kind == 2 || (kind == 1 && zeros++ > 0)) {
                return disconnected(t, "read", 0, err);
            }
            if (kind == 1) {
                continue;
            }
            return HW_OK;
        }
        if (errno == EINTR) {
            continue;
        }
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return HW_OK;
        }
        if (is_gone_errno(errno)) {
            return disconnected(t, "read", errno, err);
        }
        return hw_err_set(err, HW_EIO, "cannot read %s: %s", t->path, strerror(errno));
    }
}

/* Wait until the fd takes more bytes or the deadline (-1 = none) passes. */
static int wait_writable(struct transport *t, int64_t deadline, int timeout_ms, struct hw_err *err)
{
    for (;;) {
        struct pollfd p = {.fd = t->fd, .events = POLLOUT};
        int64_t left = deadline < 0 ? -1 : deadline - now_ms();
        int r;

        if (deadline >= 0 && left <= 0) {
            return hw_err_set(err, HW_ETIMEDOUT,
                              "cannot write %s: timed out after %d ms (the device is not reading)",
                              t->path, timeout_ms);
        }
        r = poll(&p, 1, left > INT32_MAX ? INT32_MAX : (int)left);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return hw_err_set(err, HW_EIO, "cannot write %s: poll: %s", t->path, strerror(errno));
        }
        if (r > 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL))) {
            return disconnected(t, "write", 0, err);
        }
        if (r > 0 && (p.revents & POLLOUT)) {
            return HW_OK;
        }
    }
}

int transport_write(struct transport *t, const void *buf, size_t len, int timeout_ms,
                    struct hw_err *err)
{
    const unsigned char *p = buf;
    int64_t deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    int rc;

    if (t->kind == TRANSPORT_NET) {
        return transport_net_write(t, buf, len, timeout_ms, err);
    }
    while (len > 0) {
        ssize_t w = write(t->fd, p, len);
        if (w > 0) {
            p += w;
            len -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
            if (is_gone_errno(errno)) {
                return disconnected(t, "write", errno, err);
            }
            return hw_err_set(err, HW_EIO, "cannot write %s: %s", t->path, strerror(errno));
        }
        rc = wait_writable(t, deadline, timeout_ms, err);
        if (rc != HW_OK) {
            return rc;
        }
    }
    return HW_OK;
}

int transport_read_err(struct transport *t, void *buf, size_t cap, size_t *n)
{
    *n = 0;
    while (t->err_fd >= 0 && cap > 0) {
        ssize_t r = read(t->err_fd, buf, cap);
        if (r > 0) {
            *n = (size_t)r;
            return HW_OK;
        }
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return HW_OK;
        }
        /* EOF: every writer is gone; a closed pipe would poll() readable forever */
        close(t->err_fd);
        t->err_fd = -1;
    }
    return HW_OK;
}
