/* SPDX-License-Identifier: MIT */
/* transport_tty.c - what both tty backends share on an open fd (exclusive
 * lock, raw 8N1 setup, DTR/RTS, open errors in one shape) and the termios
 * backend itself, for the ttys libserialport refuses (ptys, socat links;
 * raw-repl.md section 4.1). No libserialport here. */
#include "transport_impl.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

/* ---- open errors, one shape for every backend ---- */

int transport_open_error(struct hw_err *err, const char *path, int e)
{
    int code;

    switch (e) {
    case EACCES:
    case EPERM:
        code = hw_err_set(err, HW_EPERM, "cannot open %s: %s", path, strerror(e));
        hw_err_hint(err, "add yourself to the 'dialout' group (sudo usermod -aG dialout $USER), "
                         "then log in again");
        return code;
    case EBUSY:
    case EWOULDBLOCK: /* flock() lost to another holder */
        code = hw_err_set(err, HW_EBUSY, "cannot open %s: port is busy", path);
        hw_err_hint(err, "another program (a terminal, mpremote, ModemManager) has it open");
        return code;
    case ENOENT:
    case ENODEV:
    case ENXIO:
        code = hw_err_set(err, HW_ENOENT, "cannot open %s: %s", path, strerror(e));
        hw_err_hint(err, "heapwatch list shows the ports");
        return code;
    case ENOTTY:
    case EISDIR:
        code = hw_err_set(err, HW_EARG, "cannot open %s: not a serial port", path);
        hw_err_hint(err, "heapwatch list shows the ports");
        return code;
    default:
        return hw_err_set(err, hw_from_errno(e), "cannot open %s: %s", path, strerror(e));
    }
}

/* ---- shared fd helpers ---- */

int transport_fd_lock(int fd, const char *path, struct hw_err *err)
{
    /* TIOCEXCL makes further open()s fail with EBUSY (except for root);
     * ENOTTY/EINVAL mean the driver does not support it, as upstream
     * libserialport ignores. flock() is what picocom, tio and pyserial's
     * exclusive=True take, and it holds against root too. Other flock()
     * errors (ENOLCK, a filesystem without locks) are no reason to refuse. */
    if (ioctl(fd, TIOCEXCL) != 0 && errno != ENOTTY && errno != EINVAL) {
        return transport_open_error(err, path, EBUSY);
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
        return transport_open_error(err, path, EBUSY);
    }
    return HW_OK;
}

static const struct {
    int baud;
    speed_t speed;
} speeds[] = {
    {300, B300},         {600, B600},         {2400, B2400},       {4800, B4800},
    {9600, B9600},       {19200, B19200},     {38400, B38400},     {57600, B57600},
    {115200, B115200},   {230400, B230400},
#ifdef B460800
    {460800, B460800},   {500000, B500000},   {576000, B576000},   {921600, B921600},
    {1000000, B1000000}, {1500000, B1500000}, {2000000, B2000000}, {3000000, B3000000},
#endif
};

int transport_fd_setup(int fd, const char *path, int baud, struct hw_err *err)
{
    struct termios tio;
    size_t i;

    if (tcgetattr(fd, &tio) != 0) {
        return hw_err_set(err, HW_EIO, "cannot configure %s: %s", path, strerror(errno));
    }
    cfmakeraw(&tio); /* 8 bits, no parity, no echo, no CR/LF mangling */
    tio.c_cflag |= CLOCAL | CREAD;
    /* HUPCL would drop DTR/RTS on close and reset ESP boards; Debian's
     * libserialport 0.1.1 sets it in sp_open (raw-repl.md section 2, row 2). */
    tio.c_cflag &= ~(tcflag_t)(HUPCL | CSTOPB | CRTSCTS);
    tio.c_iflag &= ~(tcflag_t)(IXON | IXOFF | IXANY);
    /* VMIN=1: a non-blocking read() then gives EAGAIN for "no data" and 0
     * only at hangup (n_tty returns 0 at once when VMIN=VTIME=0). */
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    if (baud > 0) {
        for (i = 0; i < ARRAY_LEN(speeds) && speeds[i].baud != baud; i++) {
        }
        if (i == ARRAY_LEN(speeds)) {
            return hw_err_set(err, HW_EARG, "cannot open %s: unsupported baud rate %d", path, baud);
        }
        cfsetispeed(&tio, speeds[i].speed);
        cfsetospeed(&tio, speeds[i].speed);
    }
    if (tcsetattr(fd, TCSANOW, &tio) != 0) {
        return hw_err_set(err, HW_EIO, "cannot configure %s: %s", path, strerror(errno));
    }
    return HW_OK;
}

static int set_line(int fd, const char *path, int bit, int on, const char *name, struct hw_err *err)
{
    int bits = bit;

    if (ioctl(fd, on ? TIOCMBIS : TIOCMBIC, &bits) == 0 || errno == ENOTTY || errno == EINVAL) {
        return HW_OK; /* ptys have no modem lines; mpremote ignores ENOTTY too */
    }
    return hw_err_set(err, HW_EIO, "cannot set %s on %s: %s", name, path, strerror(errno));
}

int transport_fd_lines(int fd, const char *path, int dtr, int rts, struct hw_err *err)
{
    int rc = HW_OK;

    /* RTS first: the ESP auto-reset circuit resets on DTR=0 && RTS=1, so
     * from the kernel's DTR=RTS=1 clearing DTR first would reset the board. */
    if (rts >= 0) {
        rc = set_line(fd, path, TIOCM_RTS, rts, "RTS", err);
    }
    if (rc == HW_OK && dtr >= 0) {
        rc = set_line(fd, path, TIOCM_DTR, dtr, "DTR", err);
    }
    return rc;
}

/* ---- termios fallback ---- */

int transport_fd_open_tty(struct transport *t, const char *path, const struct transport_opts *o,
                          struct hw_err *err)
{
    struct stat st;
    int fd, rc;

    /* stat first so a regular file or directory is "not a serial port"
     * rather than whatever open() happens to say about it */
    if (stat(path, &st) != 0) {
        return transport_open_error(err, path, errno);
    }
    if (!S_ISCHR(st.st_mode)) {
        return transport_open_error(err, path, ENOTTY);
    }
    fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        return transport_open_error(err, path, errno);
    }
    if (!isatty(fd)) { /* /dev/null and other character devices */
        close(fd);
        return transport_open_error(err, path, ENOTTY);
    }
    rc = transport_fd_lock(fd, path, err);
    if (rc == HW_OK) {
        rc = transport_fd_setup(fd, path, o->baud, err);
    }
    if (rc != HW_OK) {
        close(fd);
        return rc;
    }
    t->kind = TRANSPORT_TTY;
    t->fd = fd;
    return HW_OK;
}

void transport_tty_close(struct transport *t)
{
    if (t->fd >= 0) {
        ioctl(t->fd, TIOCNXCL); /* in case another holder keeps the tty alive */
        close(t->fd);
        t->fd = -1;
    }
}
