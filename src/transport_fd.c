/* SPDX-License-Identifier: MIT */
/* transport_fd.c - POSIX fd code: reads and writes on the port's fd for
 * every backend (with hangup detection), the termios fallback for ttys that
 * libserialport refuses (ptys, socat links; raw-repl.md section 4.1), the
 * "exec:" backend (a child process on a fresh raw pty), and the fd-level
 * helpers both tty backends share (exclusive lock, raw setup, DTR/RTS).
 * No libserialport here. */
#include "transport_impl.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* How long a hung-up exec: child gets to become reapable, so the error can
 * say "command exited with status 1" rather than just "disconnected". */
#define EXEC_STATUS_WAIT_MS 100

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
    { 300, B300 },         { 600, B600 },         { 2400, B2400 },       { 4800, B4800 },
    { 9600, B9600 },       { 19200, B19200 },     { 38400, B38400 },     { 57600, B57600 },
    { 115200, B115200 },   { 230400, B230400 },
#ifdef B460800
    { 460800, B460800 },   { 500000, B500000 },   { 576000, B576000 },   { 921600, B921600 },
    { 1000000, B1000000 }, { 1500000, B1500000 }, { 2000000, B2000000 }, { 3000000, B3000000 },
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

static int set_line(int fd, const char *path, int bit, int on, const char *name,
                    struct hw_err *err)
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

/* ---- exec: ---- */

/* In the forked child: become a session leader with the pty slave as
 * controlling terminal on stdin/stdout and the pipe errw as stderr, then run
 * cmd. stderr is kept apart so the command's diagnostics never land in the
 * byte stream the REPL parser reads, nor over the full-screen UI. */
static _Noreturn void exec_child(int master, int slave, int errw, const char *cmd)
{
    static const int sigs[] = { SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD };
    sigset_t none;

    /* ignored signals and the mask survive exec; give cmd a clean slate */
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (size_t i = 0; i < ARRAY_LEN(sigs); i++) {
        signal(sigs[i], SIG_DFL);
    }
    close(master);
    setsid(); /* own session and process group: close can kill the whole group */
    ioctl(slave, TIOCSCTTY, 0);
    if (dup2(slave, STDIN_FILENO) < 0 || dup2(slave, STDOUT_FILENO) < 0 ||
        dup2(errw, STDERR_FILENO) < 0) {
        _exit(127);
    }
    if (slave > STDERR_FILENO) {
        close(slave);
    }
    if (errw > STDERR_FILENO) {
        close(errw);
    }
    execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    _exit(127);
}

/* Raw mode on the slave, so bytes pass unchanged both ways. */
static int pty_raw(int slave)
{
    struct termios tio;

    if (tcgetattr(slave, &tio) != 0) {
        return -1;
    }
    cfmakeraw(&tio);
    tio.c_cc[VMIN] = 1;
    tio.c_cc[VTIME] = 0;
    return tcsetattr(slave, TCSANOW, &tio);
}

int transport_fd_open_exec(struct transport *t, const char *cmd, struct hw_err *err)
{
    int master, slave, errp[2], e;
    pid_t pid;

    if (openpty(&master, &slave, NULL, NULL, NULL) != 0) {
        e = errno;
        return hw_err_set(err, hw_from_errno(e), "cannot run %s: openpty: %s", t->path,
                          strerror(e));
    }
    if (pipe(errp) != 0) {
        e = errno;
        close(master);
        close(slave);
        return hw_err_set(err, hw_from_errno(e), "cannot run %s: pipe: %s", t->path,
                          strerror(e));
    }
    /* CLOEXEC: no end may leak into this or any later child */
    if (pty_raw(slave) != 0 || fcntl(master, F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(slave, F_SETFD, FD_CLOEXEC) != 0 || fcntl(errp[0], F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(errp[1], F_SETFD, FD_CLOEXEC) != 0 ||
        fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK) != 0 ||
        fcntl(errp[0], F_SETFL, fcntl(errp[0], F_GETFL) | O_NONBLOCK) != 0 || (pid = fork()) < 0) {
        e = errno;
        close(master);
        close(slave);
        close(errp[0]);
        close(errp[1]);
        return hw_err_set(err, hw_from_errno(e), "cannot run %s: %s", t->path, strerror(e));
    }
    if (pid == 0) {
        close(errp[0]);
        exec_child(master, slave, errp[1], cmd);
    }
    /* the child holds the only slave fd, so its exit hangs up the master */
    close(slave);
    close(errp[1]);
    t->kind = TRANSPORT_EXEC;
    t->fd = master;
    t->err_fd = errp[0];
    t->child = pid;
    return HW_OK;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* Reap the child if it exits within ms; 1 if it is reaped (now or before). */
static int reap_within(struct transport *t, long ms)
{
    int64_t deadline = now_ms() + ms;

    while (!t->reaped) {
        pid_t r = waitpid((pid_t)t->child, &t->child_status, WNOHANG);
        if (r == (pid_t)t->child || (r < 0 && errno == ECHILD)) {
            /* ECHILD: someone else reaped it (SIGCHLD set to SIG_IGN) */
            t->reaped = 1;
            t->child_status = r < 0 ? -1 : t->child_status;
        } else if (r < 0 && errno == EINTR) {
            continue;
        } else if (now_ms() >= deadline) {
            return 0;
        } else {
            sleep_ms(5);
        }
    }
    return 1;
}

/* Signal the child's process group; before the child's setsid() the group
 * does not exist yet, so fall back to the child itself. */
static void signal_child(const struct transport *t, int sig)
{
    if (kill(-(pid_t)t->child, sig) != 0 && errno == ESRCH) {
        kill((pid_t)t->child, sig);
    }
}

/* After the pty hung up, reap the child if it exits within a moment and say
 * how it ended ("command exited with status 1"); "" if unknown. */
static void child_status(struct transport *t, char *buf, size_t cap)
{
    int st;

    if (cap > 0) {
        buf[0] = '\0';
    }
    if (t->child <= 0 || !reap_within(t, EXEC_STATUS_WAIT_MS) || t->child_status < 0) {
        return;
    }
    st = t->child_status;
    if (WIFEXITED(st)) {
        snprintf(buf, cap, "command exited with status %d", WEXITSTATUS(st));
    } else if (WIFSIGNALED(st)) {
        snprintf(buf, cap, "command killed by signal %d", WTERMSIG(st));
    }
}

void transport_fd_close(struct transport *t)
{
    if (t->kind == TRANSPORT_TTY && t->fd >= 0) {
        ioctl(t->fd, TIOCNXCL); /* in case another holder keeps the tty alive */
    }
    if (t->kind == TRANSPORT_EXEC && t->child > 0 && !t->reaped) {
        signal_child(t, SIGTERM);
    }
    if (t->fd >= 0) {
        close(t->fd); /* for exec: also SIGHUP to the child's session */
        t->fd = -1;
    }
    if (t->err_fd >= 0) {
        close(t->err_fd); /* what it says while dying is our doing, not news */
        t->err_fd = -1;
    }
    if (t->kind == TRANSPORT_EXEC && t->child > 0 && !reap_within(t, TRANSPORT_EXEC_GRACE_MS)) {
        signal_child(t, SIGKILL);
        while (waitpid((pid_t)t->child, &t->child_status, 0) < 0 && errno == EINTR) {
        }
        t->reaped = 1;
    }
}

/* ---- I/O, shared by all three backends ---- */

/* "Gone" in the one shape every caller sees, with the errno (if any) or,
 * for exec:, how the command ended - the useful part when a simulator dies. */
static int disconnected(struct transport *t, const char *action, int e, struct hw_err *err)
{
    char how[96] = "";

    if (t->kind == TRANSPORT_EXEC) {
        child_status(t, how, sizeof how);
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
    struct pollfd p = { .fd = fd, .events = POLLIN };

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
static int wait_writable(struct transport *t, int64_t deadline, int timeout_ms,
                         struct hw_err *err)
{
    for (;;) {
        struct pollfd p = { .fd = t->fd, .events = POLLOUT };
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
