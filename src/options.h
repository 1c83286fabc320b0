/* SPDX-License-Identifier: MIT */
/* options.h - the command line, parsed into one struct. Never prints
 * anything but --help/--version text, never exits. */
#ifndef HW_OPTIONS_H
#define HW_OPTIONS_H

#include "check.h"
#include "config.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

enum { HW_MAX_CHECKS = 32 };

enum hw_command { CMD_LIVE, CMD_ANALYZE, CMD_LIST, CMD_REPLAY, CMD_DIFF, CMD_REPORT };

/* --at may be given this many times. */
enum { OPT_MAX_AT = 64 };

enum cli_status {
    CLI_OK,         /* run the command */
    CLI_EXIT_OK,    /* --help or --version was printed */
    CLI_EXIT_USAGE, /* a usage error; message in msg */
};

struct hw_options {
    enum hw_command cmd;
    const char *port;         /* live: PORT or NULL (auto) */
    const char *const *files; /* analyze/replay/report/diff: FILE... (diff: the files of A and B) */
    int n_files;
    /* diff: A and B, each a capture or one dump of one ("FILE@SEQ") */
    char diff_path[2][PATH_MAX]; /* the file of each; diff_files points to them */
    const char *diff_files[2];
    long diff_seq[2]; /* DIFF_SEQ_ALL, DIFF_SEQ_LAST or a dump's seq (diff_cmd.h) */

    double interval_s;                  /* -i; 1 */
    long count;                         /* -n; 0 = unlimited */
    double duration_s;                  /* --duration; 0 = unlimited */
    int baud;                           /* -b; 115200 */
    int dtr, rts;                       /* -1 leave, 0 off, 1 on */
    bool gc;                            /* --gc */
    bool no_map;                        /* --no-map */
    bool listen;                        /* --listen */
    bool interrupt;                     /* !--no-interrupt */
    double timeout_s;                   /* --timeout; 5 */
    const char *share_path;             /* --share */
    const char *record_path;            /* -r */
    const char *json_path;              /* -j */
    bool with_map;                      /* --map */
    bool no_tui;                        /* --no-tui */
    bool no_color;                      /* --no-color or NO_COLOR */
    bool per_dump;                      /* analyze -d */
    bool quiet;                         /* -q */
    int verbose;                        /* -v */
    struct check checks[HW_MAX_CHECKS]; /* --check, in order */
    int n_checks;
    bool fail_fast;                 /* --fail-fast */
    const char *junit_path;         /* --junit */
    bool annotate;                  /* --annotate or GITHUB_ACTIONS=true */
    const char *metrics_path;       /* --metrics */
    const char *bench_smaller_path; /* --bench-smaller */
    const char *bench_bigger_path;  /* --bench-bigger */
    const char *output_path;        /* report -o */
    long at[OPT_MAX_AT];            /* report --at SEQ, in the order given, no repeats */
    int n_at;
    unsigned long long given; /* a bit per option set (command line or config) */
    char msg[256];            /* usage error text */
};

/* Parse argv into o (defaults first). */
enum cli_status options_parse(int argc, char **argv, struct hw_options *o);
/* Live mode only: the config file's entries e[n] (from file, for
 * messages; they must outlive o): [default], then the profile that o's
 * port names, if a section has that name (its port then replaces the
 * name). An option the command line gave is kept (--check adds). */
enum cli_status options_configure(struct hw_options *o, const struct config_entry *e, size_t n,
                                  const char *file);

#endif
