/* SPDX-License-Identifier: MIT */
/* ui.h - the full-screen terminal UI. It renders a read-only struct view
 * that live.c (or replay.c) builds, and translates keys into actions that
 * the loop applies; it never touches the model, the board or the files.
 * The only modules that see <curses.h> are ui.c, ui_draw.c and ui_trends.c
 * (through ui_paint.h). */
#ifndef HW_UI_H
#define HW_UI_H

#include "leak.h"
#include "heatmap.h"
#include "history.h"
#include "snapshot.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ui_link {
    UI_LINK_CONNECTING,   /* opening / entering the raw REPL */
    UI_LINK_READY,        /* sampling */
    UI_LINK_BUSY,         /* the board does not answer */
    UI_LINK_RECONNECTING, /* the port went away */
    UI_LINK_LISTENING,    /* --listen */
    UI_LINK_REPLAY,       /* heapwatch replay */
    UI_LINK_SHARED,       /* --share: the other program has the board; sampling paused */
};

/* The result of the last `g`: a gc.collect() and what it gave back. */
struct ui_gc_compare {
    bool valid;
    uint64_t used_before, used_after;       /* bytes */
    uint64_t largest_before, largest_after; /* bytes; UINT64_MAX unknown */
    double frag_before, frag_after;         /* -1 unknown */
};

/* Everything one frame shows. Borrowed pointers, valid for the ui_draw call. */
struct view {
    const char *source; /* "/dev/ttyACM0", "exec:…", or the replayed file */
    enum ui_link link;
    const char *link_detail;    /* "" or e.g. "retrying /dev/ttyACM0" */
    const struct history *hist; /* trends, current/previous snapshot, ages */
    double now;                 /* seconds since start (replay: time of the position) */
    double sample_rate;         /* samples per second over the last few, 0 unknown */
    double last_sample_age;     /* seconds since the last sample, -1 none */
    bool has_probe;
    long probe_bytes; /* what one sample leaves on the heap */
    bool has_leak;
    struct leak_verdict leak; /* the session's leak verdict so far (leak.h) */
    size_t n_suspects;        /* while it leaks: how many, and the oldest */
    uint64_t suspect_bytes;
    struct leak_suspect suspect;
    bool paused;
    bool recording;
    const char *record_path; /* when recording */
    struct ui_gc_compare gc;
    const char *message; /* the message line: last event or error, "" none */

    /* display state, owned by the loop, changed through ui actions */
    enum hm_view mode;
    int zoom;         /* 0 = fit the area; n > 0 = 2^(n-1) blocks per cell */
    long scroll;      /* first heatmap row shown */
    size_t area;      /* which area of a split heap */
    int trend_window; /* samples shown in the trends panel; UI_TREND_ALL: every one */
    bool show_help;

    /* replay only */
    bool replay;
    long pos, count; /* position and number of snapshots */
    double speed;    /* 1 = real time */
    bool playing;
};

/* trend_window: the whole session, from the history's overview */
enum { UI_TREND_ALL = -1 };

enum ui_action {
    UI_NONE,
    UI_QUIT,
    UI_PAUSE,
    UI_SAMPLE_NOW,
    UI_GC,
    UI_VIEW,
    UI_ZOOM_IN,
    UI_ZOOM_OUT,
    UI_SCROLL_UP,
    UI_SCROLL_DOWN,
    UI_PAGE_UP,
    UI_PAGE_DOWN,
    UI_NEXT_AREA,
    UI_RECORD,
    UI_EXPORT,
    UI_HELP,
    UI_TREND_WIDER,
    UI_TREND_NARROWER,
    UI_RESIZE,
    UI_STEP_BACK,
    UI_STEP_FORWARD,
    UI_SLOWER,
    UI_FASTER,
    UI_HOME,
    UI_END,
};

/* Where a key works (bits): sampling a board, replaying a capture. */
enum ui_where { UI_IN_LIVE = 1, UI_IN_REPLAY = 2, UI_IN_BOTH = 3 };
enum { UI_KEY_BINDS = 6 };

/* One line of the help overlay: the keys it names and the actions they
 * map to. ui.c holds the one table of these; ui_read_key() reads keys
 * through it, and the help overlay and hint line print it. */
struct ui_key {
    const char *keys; /* as the help names them: "p  space" */
    const char *help; /* what they do: "pause / resume sampling" */
    unsigned where;   /* enum ui_where bits: where the keys work and are listed */
    const char *hint; /* "+/- zoom" on the hint line (keys, a space, a word), or NULL */
    struct {
        int ch; /* a curses key code ('q', KEY_F(1)); 0 ends the list */
        enum ui_action action;
    } bind[UI_KEY_BINDS];
};

/* The key table in the help's order: *n entries, static, never freed. */
const struct ui_key *ui_keys(size_t *n);

struct ui_opts {
    bool no_color; /* --no-color or NO_COLOR: the views stay readable through characters */
    bool ascii;    /* force ASCII even in a UTF-8 locale */
};

/* Enter full-screen mode on the terminal (stdin/stdout). Registers the
 * restore with die() and atexit(). HW_EIO if the terminal cannot be used. */
int ui_open(const struct ui_opts *o);
/* Whether the terminal named by TERM can show the full screen (known to
 * terminfo, cursor addressing). When not, why[cap] says why ("TERM=dumb
 * cannot move the cursor"). Call before ui_open; it opens nothing. */
bool ui_usable(char *why, size_t cap);
/* Restore the terminal; idempotent, safe from any exit path. */
void ui_close(void);
/* The descriptor keys arrive on, to poll: standard input, or the
 * controlling terminal when standard input is not one. */
int ui_input_fd(void);
/* Draw one frame of v. */
void ui_draw(const struct view *v);
/* Read one pending key without blocking; UI_NONE if there is none. In
 * replay, arrows step instead of scrolling. */
enum ui_action ui_read_key(bool replay);
/* The size ui_draw lays a frame out for: the terminal's, its width capped
 * at what a row buffer holds. Owners lay out from it (fmt_ui_layout) to
 * know the geometry a key acts on, the same the next frame draws. */
void ui_size(int *lines, int *cols);

/* Between ui.c and ui_draw.c (and bench/frame.c, which draws into its own
 * newterm()): after start_color(), tell the drawing code how many colours
 * the terminal has (0 = none: characters and attributes only, 8, 256) and
 * whether it may draw UTF-8 block and shade characters. Sets up the colour
 * pairs. ui_open() calls it; nothing else needs to. */
void ui_draw_setup(int colors, bool utf8);

#endif
