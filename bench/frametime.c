/* SPDX-License-Identifier: MIT */
/* bench/frametime.c - an LD_PRELOAD shim that times every frame the real
 * heapwatch draws, with no change to heapwatch: ui_draw() (src/ui/ui_draw.c)
 * begins each frame with erase() and ends it with doupdate(), so a frame is
 * the time from ncurses' werase() to the return of its doupdate() (drawing
 * and writing the terminal's update). Each frame appends one line
 * "<ms since start> <frame us> <frame CPU us>" to the file $FRAMETIME_LOG:
 * the CPU time is the thread's own, which on a shared, loaded machine
 * says what the frame costs when the wall time also counts the waits.
 *
 * Build: cc -O2 -shared -fPIC -o build/frametime.so bench/frametime.c -ldl
 * Use:   FRAMETIME_LOG=f.log LD_PRELOAD=build/frametime.so heapwatch ...
 */
#define _GNU_SOURCE
#include <curses.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double t_begin = -1, t0 = -1, cpu_begin;
static int log_fd = -2;

static double clock_s(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int werase(WINDOW *w)
{
    static int (*real)(WINDOW *);
    if (!real)
        real = (int (*)(WINDOW *))dlsym(RTLD_NEXT, "werase");
    t_begin = clock_s(CLOCK_MONOTONIC);
    cpu_begin = clock_s(CLOCK_THREAD_CPUTIME_ID);
    if (t0 < 0)
        t0 = t_begin;
    return real(w);
}

int doupdate(void)
{
    static int (*real)(void);
    if (!real)
        real = (int (*)(void))dlsym(RTLD_NEXT, "doupdate");
    int rc = real();
    if (t_begin < 0)
        return rc;
    double end = clock_s(CLOCK_MONOTONIC), cpu_end = clock_s(CLOCK_THREAD_CPUTIME_ID);
    if (log_fd == -2) {
        const char *p = getenv("FRAMETIME_LOG");
        log_fd = p ? open(p, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644) : -1;
    }
    if (log_fd >= 0) {
        char line[64];
        int n = snprintf(line, sizeof(line), "%.0f %.0f %.0f\n", (t_begin - t0) * 1e3,
                         (end - t_begin) * 1e6, (cpu_end - cpu_begin) * 1e6);
        if (n > 0 && write(log_fd, line, (size_t)n) < 0) {
            /* a bench aid: a lost line is a lost figure, nothing more */
        }
    }
    t_begin = -1;
    return rc;
}
