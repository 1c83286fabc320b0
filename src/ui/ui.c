/* SPDX-License-Identifier: MIT */
/* ui.c - the terminal's lifecycle for the full-screen UI: entering curses,
 * finding out what the terminal can show (colours, UTF-8), turning keys
 * into actions, and putting the terminal back on every way out (normal
 * close, die(), exit(), fatal signals). Drawing is ui_draw.c's. */
#include "ui.h"
#include "hw.h"
#include "util.h"

#include <curses.h>
#include <term.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Signals after which the terminal must still be usable: the handler
 * restores it and lets the signal do what it would have done. */
static const int fatal_signals[] = {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL};
enum { N_FATAL = sizeof(fatal_signals) / sizeof(fatal_signals[0]) };

/* Why module state: one terminal per process, and the restore paths (die
 * hook, atexit, signal handler) take no arguments. */
static struct {
    SCREEN *screen;
    FILE *in; /* where keys come from: stdin, or /dev/tty when stdin is a capture */
    volatile sig_atomic_t active;
    bool atexit_done;
    struct sigaction old[N_FATAL];
} ui;

/* A fatal signal: restore the terminal (endwin() is not async-signal-safe;
 * accepted, as htop does, since the process is dying anyway), then hand
 * the signal to whoever had it before (the default action, or a
 * sanitizer's report) by re-raising it. */
static void fatal_handler(int sig)
{
    if (ui.active) {
        ui.active = 0;
        endwin();
    }
    for (int i = 0; i < N_FATAL; i++)
        if (fatal_signals[i] == sig)
            sigaction(sig, &ui.old[i], NULL);
    raise(sig);
}

static void install_fatal_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = fatal_handler;
    sigemptyset(&sa.sa_mask);
    /* NODEFER: the re-raise inside the handler is delivered at once */
    sa.sa_flags = SA_NODEFER;
    for (int i = 0; i < N_FATAL; i++)
        sigaction(fatal_signals[i], &sa, &ui.old[i]);
}

static void restore_fatal_handlers(void)
{
    for (int i = 0; i < N_FATAL; i++)
        sigaction(fatal_signals[i], &ui.old[i], NULL);
}

static bool locale_is_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

/* 0 (no colour), 8 or 256. NO_COLOR (no-color.org) counts when non-empty. */
static int colour_mode(const struct ui_opts *o)
{
    const char *nc = getenv("NO_COLOR");
    if (o->no_color || (nc && nc[0]) || !has_colors() || start_color() != OK)
        return 0;
    return COLORS >= 256 ? 256 : 8;
}

static void set_modes(void)
{
    cbreak(); /* not raw(): ^C stays SIGINT, which the loop turns into a clean exit */
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
}

int ui_open(const struct ui_opts *o)
{
    static const struct ui_opts defaults = {0};
    if (ui.active)
        return HW_OK;
    if (!o)
        o = &defaults;
    /* LC_CTYPE only: LC_NUMERIC would make the record file write "+0,203" */
    setlocale(LC_CTYPE, "");
    if (!isatty(STDOUT_FILENO))
        return HW_EIO;
    if (!ui.in) {
        /* "replay -": standard input is the capture; keys come from the
         * controlling terminal, as less(1) does */
        ui.in = isatty(STDIN_FILENO) ? stdin : fopen("/dev/tty", "r");
        if (!ui.in)
            return HW_EIO;
    }
    if (!ui.screen) {
        /* newterm, not initscr: initscr exits the process on failure */
        ui.screen = newterm(NULL, stdout, ui.in);
        if (!ui.screen)
            return HW_EIO;
    }
    set_term(ui.screen);
    ui.active = 1;
    util_set_die_hook(ui_close);
    if (!ui.atexit_done)
        ui.atexit_done = atexit(ui_close) == 0;
    install_fatal_handlers();
    set_modes();
    ui_draw_setup(colour_mode(o), !o->ascii && locale_is_utf8());
    clearok(curscr, TRUE);
    return HW_OK;
}

void ui_close(void)
{
    if (!ui.active)
        return;
    ui.active = 0;
    restore_fatal_handlers();
    util_set_die_hook(NULL);
    curs_set(1);
    endwin();
    fflush(stdout);
}

bool ui_usable(char *why, size_t cap)
{
    const char *term = getenv("TERM");
    int err = 0;
    if (!term || !term[0]) {
        snprintf(why, cap, "TERM is not set");
        return false;
    }
    if (setupterm(NULL, STDOUT_FILENO, &err) != OK) {
        snprintf(why, cap, "TERM=%s is not a terminal type this system knows", term);
        return false;
    }
    /* "dumb" and printing terminals cannot move the cursor: a full screen
     * drawn on them is blank or scrolls away */
    char *cup = tigetstr("cup");
    bool ok = cup && cup != (char *)-1;
    del_curterm(cur_term);
    if (!ok)
        snprintf(why, cap, "TERM=%s cannot move the cursor", term);
    return ok;
}

int ui_input_fd(void)
{
    return ui.in ? fileno(ui.in) : STDIN_FILENO;
}

/* Every key, once: ui_read_key() maps through this table, and the help
 * overlay and the hint line (ui_draw.c) print it, so what a key does and
 * what the screen says it does cannot drift apart. In the help's order,
 * which is also the hint line's (cut from the right on narrow terminals). */
static const struct ui_key keys[] = {
    {"q", "quit", UI_IN_BOTH, NULL, {{'q', UI_QUIT}, {'Q', UI_QUIT}}},
    {"p  space",
     "pause / resume sampling",
     UI_IN_LIVE,
     NULL,
     {{'p', UI_PAUSE}, {'P', UI_PAUSE}, {' ', UI_PAUSE}}},
    {"space  p",
     "play / pause",
     UI_IN_REPLAY,
     NULL,
     {{' ', UI_PAUSE}, {'p', UI_PAUSE}, {'P', UI_PAUSE}}},
    {"v",
     "next view: type, fragmentation, changes, age",
     UI_IN_BOTH,
     "v view",
     {{'v', UI_VIEW}, {'V', UI_VIEW}}},
    {"Left Right",
     "step one sample back / forward",
     UI_IN_REPLAY,
     "Left/Right step",
     {{KEY_LEFT, UI_STEP_BACK}, {KEY_RIGHT, UI_STEP_FORWARD}}},
    {"[  ]", "slower / faster", UI_IN_REPLAY, "[ ] speed", {{'[', UI_SLOWER}, {']', UI_FASTER}}},
    {"Home End",
     "first / last sample",
     UI_IN_REPLAY,
     NULL,
     {{KEY_HOME, UI_HOME}, {KEY_END, UI_END}}},
    {"+  -",
     "zoom in / out (blocks per cell; 0 = fit)",
     UI_IN_BOTH,
     "+/- zoom",
     {{'+', UI_ZOOM_IN}, {'=', UI_ZOOM_IN}, {'-', UI_ZOOM_OUT}, {'_', UI_ZOOM_OUT}}},
    {"Up Down",
     "scroll one row",
     UI_IN_BOTH,
     "Up/Down scroll",
     {{KEY_UP, UI_SCROLL_UP},
      {'k', UI_SCROLL_UP},
      {KEY_DOWN, UI_SCROLL_DOWN},
      {'j', UI_SCROLL_DOWN}}},
    {"PgUp PgDn",
     "scroll one page",
     UI_IN_BOTH,
     NULL,
     {{KEY_PPAGE, UI_PAGE_UP}, {KEY_NPAGE, UI_PAGE_DOWN}}},
    {"g",
     "gc.collect() on the board; show what came back",
     UI_IN_LIVE,
     "g gc",
     {{'g', UI_GC}, {'G', UI_GC}}},
    {"s",
     "take a sample now",
     UI_IN_LIVE,
     "s sample",
     {{'s', UI_SAMPLE_NOW}, {'S', UI_SAMPLE_NOW}}},
    {"a",
     "next heap area (split heaps)",
     UI_IN_BOTH,
     "a area",
     {{'a', UI_NEXT_AREA}, {'A', UI_NEXT_AREA}}},
    {"r", "start / stop recording", UI_IN_LIVE, "r record", {{'r', UI_RECORD}, {'R', UI_RECORD}}},
    {"e",
     "export the current snapshot as JSON",
     UI_IN_BOTH,
     "e export",
     {{'e', UI_EXPORT}, {'E', UI_EXPORT}}},
    {"<  >",
     "trend window narrower / wider, then all",
     UI_IN_BOTH,
     "< > trend",
     {{'<', UI_TREND_NARROWER},
      {',', UI_TREND_NARROWER},
      {'>', UI_TREND_WIDER},
      {'.', UI_TREND_WIDER}}},
    {"?  h  F1",
     "show / hide this help",
     UI_IN_BOTH,
     "? help",
     {{'?', UI_HELP}, {'h', UI_HELP}, {KEY_F(1), UI_HELP}}},
};

const struct ui_key *ui_keys(size_t *n)
{
    *n = ARRAY_LEN(keys);
    return keys;
}

/* The action of key ch in this mode; UI_NONE for a key that does nothing. */
static enum ui_action key_action(int ch, bool replay)
{
    unsigned mode = replay ? UI_IN_REPLAY : UI_IN_LIVE;
    if (ch == KEY_RESIZE)
        return UI_RESIZE;
    for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
        if (!(keys[i].where & mode))
            continue;
        for (size_t j = 0; j < UI_KEY_BINDS && keys[i].bind[j].ch; j++)
            if (keys[i].bind[j].ch == ch)
                return keys[i].bind[j].action;
    }
    return UI_NONE;
}

/* An escape sequence curses did not decode (terminfo lists other bytes
 * than the terminal sends: "\e[1~" for Home under TERM=xterm-256color in
 * tmux, screen or PuTTY). Read it whole so its bytes are never taken as
 * keys ('[' is "slower" in replay), and map the common ones. */
static int escape_key(void)
{
    char seq[16];
    size_t n = 0;
    int ch = getch();
    if (ch != '[' && ch != 'O')
        return ch == ERR ? 27 : ERR; /* a lone ESC, or Alt+key: ignored */
    while (n < sizeof(seq) - 1 && (ch = getch()) != ERR) {
        seq[n++] = (char)ch;
        if (ch >= 0x40 && ch <= 0x7e)
            break; /* the final byte of a CSI/SS3 sequence */
    }
    seq[n] = '\0';
    static const struct {
        const char *seq;
        int key;
    } map[] = {
        {"1~", KEY_HOME}, {"7~", KEY_HOME}, {"H", KEY_HOME},   {"4~", KEY_END},
        {"8~", KEY_END},  {"F", KEY_END},   {"5~", KEY_PPAGE}, {"6~", KEY_NPAGE},
        {"A", KEY_UP},    {"B", KEY_DOWN},  {"C", KEY_RIGHT},  {"D", KEY_LEFT},
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(seq, map[i].seq) == 0)
            return map[i].key;
    return ERR;
}

enum ui_action ui_read_key(bool replay)
{
    if (!ui.active)
        return UI_NONE;
    /* skip keys that mean nothing, so one call drains them */
    for (int ch; (ch = getch()) != ERR;) {
        if (ch == 12) { /* ^L: repaint everything, as every curses program does */
            clearok(curscr, TRUE);
            return UI_RESIZE;
        }
        if (ch == 27 && (ch = escape_key()) == ERR)
            continue;
        enum ui_action a = key_action(ch, replay);
        if (a != UI_NONE)
            return a;
    }
    return UI_NONE;
}
