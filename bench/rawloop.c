/* SPDX-License-Identifier: MIT */
/* rawloop.c - the simplest raw-REPL sampling loop, the baseline `make bench`
 * compares heapwatch with on the same link: enter raw mode, then send the
 * probe and read to the end of its frame, N times. No parsing, no timeouts,
 * no recovery. Prints: samples per second and bytes per sample. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

static int fd;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Read until the received bytes end with `tail`; returns bytes read. */
static long read_until(const char *tail)
{
    char buf[4096];
    char last[64] = "";
    size_t tl = strlen(tail), have = 0;
    long total = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n <= 0) {
            perror("rawloop: read");
            exit(1);
        }
        total += n;
        for (ssize_t i = 0; i < n; i++) {
            if (have == sizeof(last) - 1) {
                memmove(last, last + 1, have - 1);
                have--;
            }
            last[have++] = buf[i];
        }
        if (have >= tl && memcmp(last + have - tl, tail, tl) == 0)
            return total;
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: rawloop TTY N\n");
        return 2;
    }
    int n = atoi(argv[2]);
    fd = open(argv[1], O_RDWR | O_NOCTTY);
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    struct termios tio;
    tcgetattr(fd, &tio);
    cfmakeraw(&tio);
    tcsetattr(fd, TCSANOW, &tio);
    const char code[] = "import micropython;micropython.mem_info(1)\x04";
    if (write(fd, "\r\x01", 2) != 2)
        return 1;
    read_until("raw REPL; CTRL-B to exit\r\n>");
    long bytes = 0;
    double t0 = 0;
    for (int i = 0; i <= n; i++) {
        if (i == 1)
            t0 = now(); /* time from the end of the first sample, as heapwatch's */
        if (write(fd, code, sizeof(code) - 1) != (ssize_t)sizeof(code) - 1)
            return 1;
        long b = read_until("\x04>");
        if (i >= 1)
            bytes += b;
    }
    double dt = now() - t0;
    if (write(fd, "\r\x02", 2) != 2)
        return 1;
    printf("%.2f %ld\n", n / dt, bytes / n);
    return 0;
}
