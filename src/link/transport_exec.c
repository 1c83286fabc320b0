/* SPDX-License-Identifier: MIT */
/* transport_exec.c - the "exec:" backend: a command run by /bin/sh in its
 * own session, its stdin and stdout on a fresh raw pty, its stderr on a
 * pipe; stopping it (TERM, then KILL after a grace) and saying how it
 * ended. */
#include "transport_impl.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* How long a hung-up exec: child gets to become reapable, so the error can
 * say "command exited with status 1" rather than just "disconnected". */
#define EXEC_STATUS_WAIT_MS 100

/* In the forked child: become a session leader with the pty slave as
 * controlling terminal on stdin/stdout and the pipe errw as stderr, then run
 * cmd. stderr is kept apart so the command's diagnostics never land in the
 * byte stream the REPL parser reads, nor over the full-screen UI. */
static _Noreturn void exec_child(int master, int slave, int errw, const char *cmd)
{
    static const int sigs[] = {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD};
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

int transport_exec_open(struct transport *t, const char *cmd, struct hw_err *err)
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
        return hw_err_set(err, hw_from_errno(e), "cannot run %s: pipe: %s", t->path, strerror(e));
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
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

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

void transport_exec_status(struct transport *t, char *buf, size_t cap)
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

void transport_exec_close(struct transport *t)
{
    if (t->child > 0 && !t->reaped) {
        signal_child(t, SIGTERM);
    }
    if (t->fd >= 0) {
        close(t->fd); /* also SIGHUP to the child's session */
        t->fd = -1;
    }
    if (t->err_fd >= 0) {
        close(t->err_fd); /* what it says while dying is our doing, not news */
        t->err_fd = -1;
    }
    if (t->child > 0 && !reap_within(t, TRANSPORT_EXEC_GRACE_MS)) {
        signal_child(t, SIGKILL);
        while (waitpid((pid_t)t->child, &t->child_status, 0) < 0 && errno == EINTR) {
        }
        t->reaped = 1;
    }
}
