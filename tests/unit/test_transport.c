/* SPDX-License-Identifier: MIT */
/* test_transport.c - transport on real ptys and real child processes, no
 * mocks: name expansion, the auto-pick rules, the termios fallback both ways,
 * hangup detection, open errors (file, directory, missing, permission, busy),
 * exec: echo/exit/kill, and port listing order. */
#include "transport.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#define NOBODY 65534

/* ---- helpers ---- */

/* A pty pair: the test plays the device on the master; the transport opens
 * the slave by its path, as it would a socat link. */
struct pty {
    int master;
    char path[64];
};

static void pty_open(struct pty *p)
{
    struct termios tio;
    int slave;

    assert_int_equal(openpty(&p->master, &slave, NULL, NULL, NULL), 0);
    assert_int_equal(ttyname_r(slave, p->path, sizeof p->path), 0);
    /* start like a real port after libserialport 0.1.1's sp_open: HUPCL on
     * (ptys default to off), so the test sees whether the transport clears it */
    assert_int_equal(tcgetattr(slave, &tio), 0);
    tio.c_cflag |= HUPCL;
    assert_int_equal(tcsetattr(slave, TCSANOW, &tio), 0);
    close(slave);
    fcntl(p->master, F_SETFL, fcntl(p->master, F_GETFL) | O_NONBLOCK);
}

/* Read from the transport until want bytes arrived, an error, or timeout. */
static int read_n(struct transport *t, char *buf, size_t want, int timeout_ms, size_t *got)
{
    int64_t deadline = now_ms() + timeout_ms;
    struct hw_err err = {0};

    *got = 0;
    while (*got < want && now_ms() < deadline) {
        struct pollfd p = {.fd = transport_fd(t), .events = POLLIN};
        size_t n;
        int rc;

        poll(&p, 1, (int)(deadline - now_ms()));
        rc = transport_read(t, buf + *got, want - *got, &n, &err);
        if (rc != HW_OK) {
            return rc;
        }
        *got += n;
    }
    return HW_OK;
}

/* Read from the master side until want bytes or timeout. */
static size_t master_read(int fd, char *buf, size_t want, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    size_t got = 0;

    while (got < want && now_ms() < deadline) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        poll(&p, 1, (int)(deadline - now_ms()));
        ssize_t r = read(fd, buf + got, want - got);
        if (r > 0) {
            got += (size_t)r;
        }
    }
    return got;
}

/* Poll and read until the transport reports something other than HW_OK. */
static int read_until_error(struct transport *t, int timeout_ms, char *buf, size_t cap, size_t *got,
                            struct hw_err *err)
{
    int64_t deadline = now_ms() + timeout_ms;

    *got = 0;
    while (now_ms() < deadline) {
        struct pollfd p = {.fd = transport_fd(t), .events = POLLIN};
        size_t n;
        char scratch[64];
        int rc;

        poll(&p, 1, (int)(deadline - now_ms()));
        rc = transport_read(t, *got < cap ? buf + *got : scratch,
                            *got < cap ? cap - *got : sizeof scratch, &n, err);
        if (rc != HW_OK) {
            return rc;
        }
        *got += *got < cap ? n : 0;
    }
    return HW_OK;
}

/* Is pid running (a zombie counts as dead: only its parent can reap it)? */
static int alive(long pid)
{
    char path[64], line[256];
    FILE *f;
    char *rp;

    if (kill((pid_t)pid, 0) != 0) {
        return 0;
    }
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (!f) {
        return 1; /* no procfs: trust kill() */
    }
    rp = fgets(line, sizeof line, f) ? strrchr(line, ')') : NULL;
    fclose(f);
    return !(rp && rp[1] == ' ' && rp[2] == 'Z');
}

/* ---- names and auto-pick (pure) ---- */

static void test_expand(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"a0", "/dev/ttyACM0"},
        {"a9", "/dev/ttyACM9"},
        {"u1", "/dev/ttyUSB1"},
        {"c3", "COM3"},
        {"a10", "a10"},
        {"x0", "x0"},
        {"a", "a"},
        {"ab", "ab"},
        {"/dev/ttyS0", "/dev/ttyS0"},
        {"auto", "auto"},
        {"", ""},
    };
    char out[64];

    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        transport_expand(cases[i].in, out, sizeof out);
        assert_string_equal(out, cases[i].out);
    }
    transport_expand(NULL, out, sizeof out);
    assert_string_equal(out, "");
    transport_expand("a0", out, 5); /* truncated, still terminated */
    assert_string_equal(out, "/dev");
}

static void test_likely(void **state)
{
    static const struct {
        int vid, pid, want;
    } cases[] = {
        {0xF055, 0x9800, 2}, {0xF055, 0x9802, 2}, {0xF055, 0x980A, 2}, {0xF055, 0x1234, 0},
        {0x2E8A, 0x0005, 2}, {0x2E8A, 0x101F, 2}, {0x2E8A, 0x0003, 0}, {0x2E8A, 0x000A, 0},
        {0x303A, 0x4001, 2}, {0x303A, 0x1001, 2}, {0x303A, 0x8123, 2}, {0x303A, 0x0002, 0},
        {0x2341, 0x0043, 2}, {0x239A, 0x8029, 2}, {0x1B4F, 0x0001, 2}, {0x37C5, 0x1206, 2},
        {0x10C4, 0xEA60, 1}, {0x1A86, 0x7523, 1}, {0x1A86, 0x5523, 1}, {0x1A86, 0x55D4, 1},
        {0x0403, 0x6001, 1}, {0x0403, 0x6015, 1}, {0x0403, 0x601C, 1}, {0x0403, 0x6002, 0},
        {0x1234, 0x5678, 0}, {-1, -1, 0},
    };

    for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
        if (transport_likely(cases[i].vid, cases[i].pid) != cases[i].want) {
            fail_msg("%04X:%04X: want %d", (unsigned)cases[i].vid, (unsigned)cases[i].pid,
                     cases[i].want);
        }
    }
}

static struct port_info port(const char *path, int likely)
{
    return (struct port_info){
        .path = (char *)(uintptr_t)path, .vid = -1, .pid = -1, .likely = likely};
}

static void test_sort(void **state)
{
    struct port_info l[] = {
        port("/dev/ttyS0", 0),    port("/dev/ttyACM10", 2), port("/dev/ttyUSB0", 1),
        port("/dev/ttyACM2", 2),  port("/dev/ttyS10", 0),   port("/dev/ttyS9", 0),
        port("/dev/ttyACM02", 2),
    };
    static const char *want[] = {
        NULL, NULL, "/dev/ttyACM10", "/dev/ttyUSB0", "/dev/ttyS0", "/dev/ttyS9", "/dev/ttyS10",
    };

    transport_list_sort(l, ARRAY_LEN(l));
    /* ttyACM2 and ttyACM02 compare equal, so qsort may put either first */
    assert_true((!strcmp(l[0].path, "/dev/ttyACM2") && !strcmp(l[1].path, "/dev/ttyACM02")) ||
                (!strcmp(l[0].path, "/dev/ttyACM02") && !strcmp(l[1].path, "/dev/ttyACM2")));
    for (size_t i = 2; i < ARRAY_LEN(l); i++) {
        assert_string_equal(l[i].path, want[i]);
    }
}

static void test_pick(void **state)
{
    struct port_info none[] = {port("/dev/ttyS0", 0)};
    struct port_info one[] = {port("/dev/ttyUSB0", 1), port("/dev/ttyACM3", 2),
                              port("/dev/ttyS0", 0)};
    struct port_info two[] = {port("/dev/ttyACM0", 2), port("/dev/ttyACM1", 2),
                              port("/dev/ttyUSB0", 1)};
    struct port_info bridge[] = {port("/dev/ttyS0", 0), port("/dev/ttyUSB4", 1)};
    struct hw_err err = {0};
    char path[32];

    assert_int_equal(transport_pick(none, 1, path, sizeof path, &err), HW_ENOENT);
    assert_string_equal(err.msg, "no MicroPython board found");
    assert_non_null(strstr(err.hint, "heapwatch list"));
    assert_string_equal(path, "");
    assert_int_equal(transport_pick(NULL, 0, path, sizeof path, &err), HW_ENOENT);

    assert_int_equal(transport_pick(one, 3, path, sizeof path, &err), HW_OK);
    assert_string_equal(path, "/dev/ttyACM3"); /* native beats bridge */

    assert_int_equal(transport_pick(two, 3, path, sizeof path, &err), HW_EARG);
    assert_string_equal(err.msg, "several boards: /dev/ttyACM0, /dev/ttyACM1");
    assert_string_equal(err.hint, "name one: heapwatch /dev/ttyACM0");

    assert_int_equal(transport_pick(bridge, 2, path, sizeof path, &err), HW_OK);
    assert_string_equal(path, "/dev/ttyUSB4");
    assert_int_equal(transport_pick(bridge, 2, path, 5, &err), HW_EARG); /* does not fit */
    assert_string_equal(path, "");
}

/* ---- the termios fallback on a pty ---- */

static void test_pty_roundtrip(void **state)
{
    static const char to_host[] = "OK\x04hello\r\n\x00\xff>";
    static const char to_dev[] = "\r\x03\x03\x01import micropython\x04";
    struct pty p;
    struct transport *t = NULL;
    struct hw_err err = {0};
    char buf[64];
    size_t n;

    pty_open(&p);
    assert_int_equal(transport_open(p.path, NULL, &t, &err), HW_OK);
    assert_non_null(t);
    assert_string_equal(transport_path(t), p.path);
    assert_null(transport_usb_serial(t));
    assert_int_equal(transport_pid(t), -1);

    /* nothing sent yet: "no data", not a hangup */
    assert_int_equal(transport_read(t, buf, sizeof buf, &n, &err), HW_OK);
    assert_int_equal(n, 0);

    /* device -> host, binary-clean (raw mode: no CR/LF mapping, no ^C signal) */
    assert_int_equal(write(p.master, to_host, sizeof to_host - 1), (ssize_t)(sizeof to_host - 1));
    assert_int_equal(read_n(t, buf, sizeof to_host - 1, 2000, &n), HW_OK);
    assert_int_equal(n, sizeof to_host - 1);
    assert_memory_equal(buf, to_host, n);

    /* host -> device */
    assert_int_equal(transport_write(t, to_dev, sizeof to_dev - 1, 1000, &err), HW_OK);
    assert_int_equal(master_read(p.master, buf, sizeof to_dev - 1, 2000), sizeof to_dev - 1);
    assert_memory_equal(buf, to_dev, sizeof to_dev - 1);

    transport_close(t);
    close(p.master);
}

static void test_pty_hangup(void **state)
{
    struct pty p;
    struct transport *t = NULL;
    struct hw_err err = {0};
    struct pollfd pfd;
    char buf[16], want[128];
    size_t n;

    struct termios tio;

    pty_open(&p);
    assert_int_equal(transport_open(p.path, NULL, &t, &err), HW_OK);
    /* even if something sets VMIN=0 behind our back (read() then returns 0
     * for "no data"), an idle port must not look disconnected */
    assert_int_equal(tcgetattr(transport_fd(t), &tio), 0);
    tio.c_cc[VMIN] = 0;
    assert_int_equal(tcsetattr(transport_fd(t), TCSANOW, &tio), 0);
    assert_int_equal(transport_read(t, buf, sizeof buf, &n, &err), HW_OK);
    assert_int_equal(n, 0);
    assert_int_equal(write(p.master, "z", 1), 1);
    assert_int_equal(read_n(t, buf, 1, 2000, &n), HW_OK);
    assert_int_equal(n, 1);
    close(p.master); /* the "USB cable" goes */

    pfd = (struct pollfd){.fd = transport_fd(t), .events = POLLIN};
    assert_int_equal(poll(&pfd, 1, 2000), 1); /* hangup wakes poll, no hang */
    assert_int_equal(transport_read(t, buf, sizeof buf, &n, &err), HW_EDISCONNECTED);
    assert_int_equal(n, 0);
    snprintf(want, sizeof want, "cannot read %s: device disconnected", p.path);
    assert_memory_equal(err.msg, want, strlen(want));

    assert_int_equal(transport_write(t, "x", 1, 500, &err), HW_EDISCONNECTED);
    transport_close(t);
}

static void test_pty_busy(void **state)
{
    struct pty p;
    struct transport *t = NULL, *t2 = (struct transport *)&p; /* must become NULL */
    struct hw_err err = {0};
    char want[128];

    pty_open(&p);
    assert_int_equal(transport_open(p.path, NULL, &t, &err), HW_OK);
    /* TIOCEXCL does not stop root, the flock() does */
    assert_int_equal(transport_open(p.path, NULL, &t2, &err), HW_EBUSY);
    assert_null(t2);
    snprintf(want, sizeof want, "cannot open %s: port is busy", p.path);
    assert_string_equal(err.msg, want);
    assert_string_equal(err.hint,
                        "another program (a terminal, mpremote, ModemManager) has it open");

    transport_close(t); /* releases the lock */
    assert_int_equal(transport_open(p.path, NULL, &t2, &err), HW_OK);
    transport_close(t2);
    close(p.master);
}

static void test_pty_lines_and_opts(void **state)
{
    struct transport_opts set = {9600, 1, 1}, clear = {0, 0, 0};
    struct transport_opts bad_baud = {1200, -1, -1}, bad_line = {0, 2, -1};
    struct transport_opts odd_baud = {12345, -1, -1};
    struct transport *t = NULL;
    struct hw_err err = {0};
    struct termios tio;
    struct pty p;

    pty_open(&p);
    /* ptys have no modem lines: the ENOTTY is ignored, the open succeeds */
    assert_int_equal(transport_open(p.path, &set, &t, &err), HW_OK);
    assert_int_equal(tcgetattr(transport_fd(t), &tio), 0);
    assert_int_equal(cfgetospeed(&tio), B9600);
    assert_int_equal(tio.c_cflag & HUPCL, 0);
    assert_int_equal(tio.c_cc[VMIN], 1); /* read() == 0 then means hangup only */
    assert_int_equal(tio.c_lflag & (ICANON | ECHO | ISIG), 0);
    transport_close(t); /* clears RTS, DTR: ENOTTY again, no crash */
    assert_int_equal(transport_open(p.path, &clear, &t, &err), HW_OK);
    transport_close(t);
    transport_close(NULL);

    t = (struct transport *)&p;
    assert_int_equal(transport_open(p.path, &bad_baud, &t, &err), HW_EARG);
    assert_null(t);
    assert_non_null(strstr(err.msg, "1200"));
    assert_int_equal(transport_open(p.path, &bad_line, &t, &err), HW_EARG);
    assert_int_equal(transport_open(p.path, &odd_baud, &t, &err), HW_EARG);
    assert_non_null(strstr(err.msg, "unsupported baud rate 12345"));
    assert_int_equal(transport_open("", NULL, &t, &err), HW_EARG);
    assert_null(t);
    close(p.master);
}

static void test_write_timeout(void **state)
{
    enum { BIG = 1 << 20 };
    struct pty p;
    struct transport *t = NULL;
    struct hw_err err = {0};
    char *big = xcalloc(1, BIG);
    int64_t t0;

    pty_open(&p);
    assert_int_equal(transport_open(p.path, NULL, &t, &err), HW_OK);
    /* nobody reads the master: the pty buffer fills and the write must give
     * up near its deadline instead of blocking */
    t0 = now_ms();
    assert_int_equal(transport_write(t, big, BIG, 200, &err), HW_ETIMEDOUT);
    assert_in_range(now_ms() - t0, 150, 2000);
    assert_non_null(strstr(err.msg, "timed out after 200 ms"));
    transport_close(t);
    close(p.master);
    free(big);
}

static void test_write_waits_for_drain(void **state)
{
    enum { BIG = 1 << 20 };
    struct pty p;
    struct transport *t = NULL;
    struct hw_err err = {0};
    unsigned char *big = xmalloc(BIG);
    int st;
    pid_t pid;

    for (size_t i = 0; i < BIG; i++) {
        big[i] = (unsigned char)((i * 2654435761u) >> 13); /* no short period */
    }
    pty_open(&p);
    assert_int_equal(transport_open(p.path, NULL, &t, &err), HW_OK);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* a slow device: drains the master and checks every byte */
        transport_close(t);
        for (size_t got = 0; got < BIG;) {
            unsigned char buf[4096];
            size_t n = master_read(p.master, (char *)buf, sizeof buf, 5000);
            for (size_t i = 0; i < n; i++) {
                if (buf[i] != big[got + i]) {
                    _exit(2);
                }
            }
            got += n;
            if (n == 0) {
                _exit(3);
            }
        }
        _exit(0);
    }
    /* 1 MiB is far more than the pty buffer: the write must wait and resume */
    assert_int_equal(transport_write(t, big, BIG, 10000, &err), HW_OK);
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    transport_close(t);
    close(p.master);
    free(big);
}

/* ---- open errors ---- */

static void expect_open_error(const char *path, int code, const char *cause, const char *hint)
{
    struct transport *t = (struct transport *)&code; /* must become NULL */
    struct hw_err err = {0};
    char want[512];

    assert_int_equal(transport_open(path, NULL, &t, &err), code);
    assert_null(t);
    assert_int_equal(err.code, code);
    snprintf(want, sizeof want, "cannot open %s: %s", path, cause);
    assert_string_equal(err.msg, want);
    if (hint) {
        assert_string_equal(err.hint, hint);
    }
}

static void test_open_errors(void **state)
{
    char file[] = "/tmp/hw_transport_XXXXXX", dir[] = "/tmp/hw_transport_dir_XXXXXX";
    int fd = mkstemp(file);

    assert_true(fd >= 0);
    close(fd);
    assert_non_null(mkdtemp(dir));

    expect_open_error(file, HW_EARG, "not a serial port", NULL);
    expect_open_error(dir, HW_EARG, "not a serial port", NULL);
    expect_open_error("/dev/null", HW_EARG, "not a serial port", NULL);
    expect_open_error("/nonexistent/ttyACM0", HW_ENOENT, "No such file or directory",
                      "heapwatch list shows the ports");
    unlink(file);
    rmdir(dir);
}

static void test_shortcut_open(void **state)
{
    struct transport *t = NULL;
    struct hw_err err = {0};

    if (access("/dev/ttyACM9", F_OK) == 0) {
        skip(); /* a real board there: the error case cannot be exercised */
    }
    assert_int_equal(transport_open("a9", NULL, &t, &err), HW_ENOENT);
    assert_string_equal(err.msg, "cannot open /dev/ttyACM9: No such file or directory");
}

/* What a forked child saw, sent back through a pipe. */
struct child_result {
    int rc, out_null, dropped;
    char msg[256], hint[160];
};

/* In a child: drop root if we are root (root ignores mode 000), open each
 * path and report. */
static void open_as_nobody(const char *const paths[2], int wfd)
{
    struct child_result r[2] = {{0}};
    int dropped =
        geteuid() != 0 || (setgroups(0, NULL) == 0 && setgid(NOBODY) == 0 && setuid(NOBODY) == 0);

    for (int i = 0; i < 2 && dropped; i++) {
        struct transport *t = NULL;
        struct hw_err err = {0};

        r[i].dropped = 1;
        r[i].rc = transport_open(paths[i], NULL, &t, &err);
        r[i].out_null = t == NULL;
        memcpy(r[i].msg, err.msg, sizeof r[i].msg);
        memcpy(r[i].hint, err.hint, sizeof r[i].hint);
        transport_close(t);
    }
    _exit(write(wfd, r, sizeof r) == (ssize_t)sizeof r ? 0 : 1);
}

static void test_permission_denied(void **state)
{
    struct child_result r[2];
    char file[] = "/tmp/hw_transport_XXXXXX";
    const char *paths[2];
    struct pty p;
    char want[128];
    int fds[2], st, fd;
    pid_t pid;

    pty_open(&p);
    fd = mkstemp(file);
    assert_true(fd >= 0);
    close(fd);
    paths[0] = p.path;
    paths[1] = file;
    assert_int_equal(chmod(p.path, 0), 0);
    assert_int_equal(chmod(file, 0), 0);
    assert_int_equal(pipe(fds), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        open_as_nobody(paths, fds[1]);
    }
    close(fds[1]);
    assert_int_equal(read(fds[0], r, sizeof r), (ssize_t)sizeof r);
    assert_int_equal(waitpid(pid, &st, 0), pid);
    close(fds[0]);
    close(p.master);
    unlink(file);
    if (!r[0].dropped) {
        print_message("skipping: running as root and cannot setuid(nobody), so mode 000 "
                      "does not block the open\n");
        skip();
    }
    assert_int_equal(r[0].rc, HW_EPERM);
    assert_true(r[0].out_null);
    snprintf(want, sizeof want, "cannot open %s: Permission denied", p.path);
    assert_string_equal(r[0].msg, want);
    assert_string_equal(r[0].hint, "add yourself to the 'dialout' group (sudo usermod -aG "
                                   "dialout $USER), then log in again");
    /* an unreadable regular file is still "not a serial port", not a
     * misleading hint about the dialout group */
    assert_int_equal(r[1].rc, HW_EARG);
    snprintf(want, sizeof want, "cannot open %s: not a serial port", file);
    assert_string_equal(r[1].msg, want);
}

/* ---- exec: ---- */

static void test_exec_cat(void **state)
{
    static const char msg[] = "\x01print(1)\x04\r\n";
    struct transport *t = NULL;
    struct hw_err err = {0};
    char buf[64];
    size_t n;

    assert_int_equal(transport_open("exec:cat", NULL, &t, &err), HW_OK);
    assert_string_equal(transport_path(t), "exec:cat");
    assert_true(transport_pid(t) > 0);
    assert_int_equal(transport_write(t, msg, sizeof msg - 1, 1000, &err), HW_OK);
    assert_int_equal(read_n(t, buf, sizeof msg - 1, 3000, &n), HW_OK);
    assert_int_equal(n, sizeof msg - 1);
    assert_memory_equal(buf, msg, n); /* raw pty: no echo, no CR/LF mapping */
    transport_close(t);
}

static void test_exec_exits(void **state)
{
    struct transport *t = NULL;
    struct hw_err err = {0};
    char buf[16] = {0};
    size_t got;

    assert_int_equal(transport_open("exec:printf hi; exit 3", NULL, &t, &err), HW_OK);
    assert_int_equal(read_until_error(t, 3000, buf, sizeof buf - 1, &got, &err), HW_EDISCONNECTED);
    assert_string_equal(buf, "hi"); /* output written before exit is not lost */
    assert_string_equal(err.msg,
                        "cannot read exec:printf hi; exit 3: command exited with status 3");
    transport_close(t);

    assert_int_equal(transport_open("exec:", NULL, &t, &err), HW_EARG);
    assert_null(t);
}

static void test_exec_close_kills(void **state)
{
    struct transport *t = NULL;
    struct hw_err err = {0};
    long pid;

    assert_int_equal(transport_open("exec:sleep 100", NULL, &t, &err), HW_OK);
    pid = transport_pid(t);
    assert_true(pid > 0);
    assert_true(alive(pid));
    transport_close(t);
    assert_int_equal(kill((pid_t)pid, 0), -1); /* reaped: not even a zombie */
    assert_int_equal(errno, ESRCH);
}

static void test_exec_close_escalates(void **state)
{
    /* The shell and its background child ignore SIGTERM and SIGHUP, so only
     * the SIGKILL to the whole process group after the grace period ends them. */
    const char *spec = "exec:trap '' TERM HUP; sleep 100 & echo $!; wait; wait";
    struct transport *t = NULL;
    struct hw_err err = {0};
    char buf[32] = {0};
    size_t n = 0;
    long pid, grandchild;
    int64_t t0;

    assert_int_equal(transport_open(spec, NULL, &t, &err), HW_OK);
    pid = transport_pid(t);
    while (!strchr(buf, '\n') && n < sizeof buf - 1) {
        size_t got;
        assert_int_equal(read_n(t, buf + n, 1, 3000, &got), HW_OK);
        assert_int_equal(got, 1);
        n++;
    }
    grandchild = strtol(buf, NULL, 10);
    assert_true(grandchild > 0);
    assert_true(alive(grandchild));

    t0 = now_ms();
    transport_close(t);
    assert_in_range(now_ms() - t0, TRANSPORT_EXEC_GRACE_MS - 50, TRANSPORT_EXEC_GRACE_MS + 2000);
    assert_int_equal(kill((pid_t)pid, 0), -1);
    for (int i = 0; i < 100 && alive(grandchild); i++) {
        usleep(10000); /* SIGKILL delivery to the group is asynchronous */
    }
    assert_false(alive(grandchild));
}

/* ---- enumeration ---- */

static void test_list(void **state)
{
    struct port_info *list = (struct port_info *)&state;
    struct hw_err err = {0};
    size_t n = 99;
    char path[256];

    assert_int_equal(transport_list(&list, &n, &err), HW_OK);
    assert_true(n == 0 ? list == NULL : list != NULL);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(list[i].path);
        assert_int_equal(list[i].likely, transport_likely(list[i].vid, list[i].pid));
        if (i > 0) {
            assert_true(list[i - 1].likely >= list[i].likely);
        }
    }
    print_message("%zu port(s) listed\n", n);
    transport_list_free(list, n);

    assert_int_equal(transport_find_serial("no-such-serial-hw", path, sizeof path, &err),
                     HW_ENOENT);
    assert_string_equal(path, "");
    assert_int_equal(transport_find_serial("", path, sizeof path, &err), HW_EARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_expand),
        cmocka_unit_test(test_likely),
        cmocka_unit_test(test_sort),
        cmocka_unit_test(test_pick),
        cmocka_unit_test(test_pty_roundtrip),
        cmocka_unit_test(test_pty_hangup),
        cmocka_unit_test(test_pty_busy),
        cmocka_unit_test(test_pty_lines_and_opts),
        cmocka_unit_test(test_write_timeout),
        cmocka_unit_test(test_write_waits_for_drain),
        cmocka_unit_test(test_open_errors),
        cmocka_unit_test(test_shortcut_open),
        cmocka_unit_test(test_permission_denied),
        cmocka_unit_test(test_exec_cat),
        cmocka_unit_test(test_exec_exits),
        cmocka_unit_test(test_exec_close_kills),
        cmocka_unit_test(test_exec_close_escalates),
        cmocka_unit_test(test_list),
    };

    alarm(120); /* a hang is a failure, not a stuck CI job */
    return cmocka_run_group_tests(tests, NULL, NULL);
}
