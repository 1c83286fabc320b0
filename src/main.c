/* SPDX-License-Identifier: MIT */
/* main.c - picks the command, and is the only place that turns status
 * codes into messages on stderr and exit statuses. */
#include "analyze.h"
#include "config.h"
#include "diff_cmd.h"
#include "fmt.h"
#include "hw.h"
#include "judge.h"
#include "list_cmd.h"
#include "live.h"
#include "transport.h"
#include "options.h"
#include "paths.h"
#include "replay.h"
#include "report.h"
#include "report_cmd.h"
#include "stream.h"
#include "util.h"
#include "track.h"
#include "verdict.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Messages quote boards and files: never let their bytes drive the terminal. */
static void report(const struct hw_err *e)
{
    char safe[sizeof(e->msg) * 4];
    if (e->said)
        return;
    fprintf(stderr, "heapwatch: %s\n",
            fmt_terminal_safe(e->msg[0] ? e->msg : hw_strerror(e->code), safe, sizeof(safe)));
    if (e->hint[0])
        fprintf(stderr, "heapwatch: hint: %s\n", fmt_terminal_safe(e->hint, safe, sizeof(safe)));
}

/* No output may overwrite an input or share a file with another output
 * (a usage error: the command line is what is wrong). */
static int check_paths(const struct hw_options *o)
{
    struct path_use uses[7 + 64];
    size_t n = 0;
    uses[n++] = (struct path_use){o->json_path, "--json", "{\"heapwatch\":", "JSON"};
    uses[n++] = (struct path_use){o->output_path, "--output", REPORT_MAGIC, "an HTML report"};
    uses[n++] = (struct path_use){o->record_path, "--record", NULL, NULL};
    uses[n++] = (struct path_use){o->junit_path, "--junit", JUNIT_MAGIC, "JUnit XML"};
    uses[n++] = (struct path_use){o->metrics_path, "--metrics", TRACK_OPENMETRICS_MAGIC,
                                  "OpenMetrics text"};
    uses[n++] = (struct path_use){o->bench_smaller_path, "--bench-smaller", TRACK_BENCH_MAGIC,
                                  "benchmark JSON"};
    uses[n++] = (struct path_use){o->bench_bigger_path, "--bench-bigger", TRACK_BENCH_MAGIC,
                                  "benchmark JSON"};
    for (int i = 0; i < o->n_files && n < ARRAY_LEN(uses); i++)
        uses[n++] = (struct path_use){o->files[i], NULL, NULL, NULL};
    struct hw_err err = {0};
    if (paths_check(uses, n, &err) == HW_OK)
        return HW_OK;
    report(&err);
    return HW_EARG;
}

/* Messages from a stream (a file that cannot be read, what live mode has
 * to say without the full-screen UI) go to stderr, as they happen. */
static int messages_item(struct sink *s, const struct hw_item *it, struct hw_err *err)
{
    if (it->kind == HW_ITEM_MESSAGE)
        report(it->msg);
    return HW_OK;
}

static int messages_close(struct sink *s, struct hw_err *err)
{
    free(s);
    return HW_OK;
}

static struct sink *messages_sink(void)
{
    static const struct sink_ops ops = {messages_item, messages_close};
    struct sink *s = xcalloc(1, sizeof(*s));
    s->ops = &ops;
    return s;
}

/* The figures for dashboards, when asked for. */
static int tracked(const struct hw_options *o, const struct judge *j, struct hw_err *err)
{
    if (o->metrics_path && track_openmetrics(j, o->metrics_path, err) != HW_OK)
        return err->code;
    if (o->bench_smaller_path && track_bench(j, o->bench_smaller_path, false, err) != HW_OK)
        return err->code;
    if (o->bench_bigger_path && track_bench(j, o->bench_bigger_path, true, err) != HW_OK)
        return err->code;
    return HW_OK;
}

/* The run is over: say what the checks found, and whether they passed.
 * rc is the run's own exit status; checks only matter when it is 0. */
/* Workflow commands go where the run's own output is not. */
static FILE *annotations(const struct hw_options *o)
{
    bool json_stdout = o->json_path && !strcmp(o->json_path, "-");
    return o->annotate ? (json_stdout ? stderr : stdout) : NULL;
}

static int judged(const struct hw_options *o, struct judge *j, int rc)
{
    struct verdict_opts v = {
        .quiet = o->quiet,
        .junit_path = o->junit_path,
        .annotations = annotations(o),
    };
    struct hw_err err = {0};
    if (rc == HW_EXIT_OK &&
        (verdict_finish(j, &v, &err) != HW_OK || tracked(o, j, &err) != HW_OK)) {
        report(&err);
        rc = HW_EXIT_RUNTIME;
    }
    if (rc == HW_EXIT_OK && judge_failures(j))
        rc = HW_EXIT_CHECK;
    judge_free(j);
    return rc;
}

/* Block ages cost a pass over every map's runs, which would halve
 * analyze --json's speed: live mode and the report always track the
 * suspects, analyze when a leak is checked. */
static struct judge *new_judge(const struct hw_options *o)
{
    bool leak_check = false;
    for (int i = 0; i < o->n_checks; i++)
        leak_check = leak_check || o->checks[i].metric == CM_LEAK;
    bool suspects = o->cmd == CMD_LIVE || o->cmd == CMD_REPORT || leak_check;
    return judge_new(o->checks, (size_t)o->n_checks, suspects);
}

static int run_analyze(const struct hw_options *o)
{
    bool json_stdout = o->json_path && !strcmp(o->json_path, "-");
    struct analyze_opts a = {
        .files = o->files,
        .n_files = o->n_files,
        .json_path = o->json_path,
        .json_stdout = json_stdout,
        .with_map = o->with_map,
        .per_dump = o->per_dump,
        .quiet = o->quiet || json_stdout,
        .judge = new_judge(o),
    };
    struct hw_err err = {0};
    int rc = HW_EXIT_OK;
    if (analyze_run(&a, stdout, messages_sink(), &err) != HW_OK) {
        report(&err);
        rc = HW_EXIT_RUNTIME;
    }
    return judged(o, a.judge, rc);
}

static int run_report(const struct hw_options *o)
{
    struct report_cmd_opts r = {
        .files = o->files,
        .n_files = o->n_files,
        .report = {.path = o->output_path, .at = o->at, .n_at = (size_t)o->n_at},
    };
    struct judge *j = new_judge(o);
    r.judge = j;
    struct hw_err err = {0};
    int rc = HW_EXIT_OK;
    if (report_cmd_run(&r, messages_sink(), &err) != HW_OK) {
        report(&err);
        rc = HW_EXIT_RUNTIME;
    }
    return judged(o, j, rc);
}

static int run_list(const char *json_path)
{
    struct hw_err err = {0};
    if (list_run(json_path, stdout, &err) == HW_OK)
        return HW_EXIT_OK;
    report(&err);
    return HW_EXIT_RUNTIME;
}

static bool is_auto(const char *port)
{
    return !port || !strcmp(port, "auto");
}

static int run_live(const struct hw_options *o)
{
    struct live_opts l = {
        .port = is_auto(o->port) ? NULL : o->port, /* NULL: the transport picks the board */
        .topts = {.baud = o->baud, .dtr = o->dtr, .rts = o->rts},
        .interval_s = o->interval_s,
        .count = o->count,
        .duration_s = o->duration_s,
        .gc = o->gc,
        .share_path = o->share_path,
        .no_map = o->no_map,
        .listen = o->listen,
        .interrupt = o->interrupt,
        .timeout_s = o->timeout_s,
        .record_path = o->record_path,
        .json_path = o->json_path,
        .with_map = o->with_map,
        .verbose = o->verbose,
        .judge = new_judge(o),
        .fail_fast = o->fail_fast,
    };
    bool json_stdout = o->json_path && !strcmp(o->json_path, "-");
    l.tui = !o->no_tui && !json_stdout && isatty(STDOUT_FILENO) && isatty(STDIN_FILENO);
    char why[128];
    if (l.tui && !ui_usable(why, sizeof(why))) {
        /* lines are what such a terminal can show: say so once and go on */
        fprintf(stderr,
                "heapwatch: %s: one line per sample instead of the full-screen UI "
                "(--no-tui)\n",
                why);
        l.tui = false;
    }
    l.ui.no_color = o->no_color;
    struct hw_err err = {0};
    int rc = live_run(&l, messages_sink(), &err);
    if (rc == HW_OK)
        return judged(o, l.judge, HW_EXIT_OK);
    judge_free(l.judge);
    report(&err);
    if (!l.port && (rc == HW_ENOENT || rc == HW_EARG)) {
        /* no board, or several: show the candidates; several is for the
         * user to settle (name one), none is nothing to watch */
        run_list(NULL);
        return rc == HW_EARG ? HW_EXIT_USAGE : HW_EXIT_RUNTIME;
    }
    return HW_EXIT_RUNTIME;
}

static int run_replay(const struct hw_options *o)
{
    struct replay_opts r = {.file = o->files[0], .ui = {.no_color = o->no_color}};
    struct hw_err err = {0};
    int rc = replay_run(&r, &err);
    if (rc == HW_OK)
        return HW_EXIT_OK;
    report(&err);
    return rc == HW_EARG ? HW_EXIT_USAGE : HW_EXIT_RUNTIME;
}

static int run_diff(const struct hw_options *o)
{
    struct diff_opts d = {
        .path = {o->diff_files[0], o->diff_files[1]},
        .seq = {o->diff_seq[0], o->diff_seq[1]},
        .json_path = o->json_path,
        .checks = o->checks,
        .n_checks = (size_t)o->n_checks,
        .junit_path = o->junit_path,
        .annotations = annotations(o),
        .quiet = o->quiet,
    };
    struct hw_err err = {0};
    if (diff_run(&d, stdout, &err) == HW_OK)
        return d.failures ? HW_EXIT_CHECK : HW_EXIT_OK;
    report(&err);
    return HW_EXIT_RUNTIME;
}

/* The config file: $HEAPWATCH_CONFIG (which must exist), else
 * $XDG_CONFIG_HOME/heapwatch/config, else ~/.config/heapwatch/config
 * (either may be missing). Its text and entries live as long as the
 * options that point into them: the whole run. */
enum { CONFIG_MAX = 64 * 1024, CONFIG_ENTRIES = 256 };
static char config_path[PATH_MAX], config_text[CONFIG_MAX + 1];
static struct config_entry config_entries[CONFIG_ENTRIES];

static int load_config(struct hw_options *o)
{
    const char *env = getenv("HEAPWATCH_CONFIG"), *xdg = getenv("XDG_CONFIG_HOME"),
               *home = getenv("HOME");
    if (env && *env)
        snprintf(config_path, sizeof(config_path), "%s", env);
    else if (xdg && *xdg)
        snprintf(config_path, sizeof(config_path), "%s/heapwatch/config", xdg);
    else if (home && *home)
        snprintf(config_path, sizeof(config_path), "%s/.config/heapwatch/config", home);
    else
        return HW_EXIT_OK;
    FILE *f = fopen(config_path, "r");
    struct stat st;
    /* the default place may be missing, or out of reach (sudo -u nobody
     * with HOME=/root): no config. A file that is there must be read. */
    if (!f && !(env && *env) && stat(config_path, &st) != 0)
        return HW_EXIT_OK;
    if (!f) {
        fprintf(stderr, "heapwatch: cannot read config %s: %s\n", config_path, strerror(errno));
        return HW_EXIT_RUNTIME;
    }
    size_t n = fread(config_text, 1, CONFIG_MAX + 1, f);
    bool bad = ferror(f) != 0;
    int e = errno;
    fclose(f);
    if (bad || n > CONFIG_MAX) {
        fprintf(stderr, "heapwatch: cannot read config %s: %s\n", config_path,
                bad ? strerror(e) : "larger than 64 KB");
        return HW_EXIT_RUNTIME;
    }
    config_text[n] = '\0';
    char msg[200];
    int got = config_parse(config_text, config_entries, CONFIG_ENTRIES, msg, sizeof(msg));
    if (got < 0) {
        fprintf(stderr, "heapwatch: config %s: %s\n", config_path, msg);
        return HW_EXIT_USAGE;
    }
    if (options_configure(o, config_entries, (size_t)got, config_path) != CLI_OK) {
        fprintf(stderr, "heapwatch: config %s\n", o->msg);
        return HW_EXIT_USAGE;
    }
    return HW_EXIT_OK;
}

int main(int argc, char **argv)
{
    struct hw_options o;
    switch (options_parse(argc, argv, &o)) {
    case CLI_EXIT_OK:
        return HW_EXIT_OK;
    case CLI_EXIT_USAGE:
        fprintf(stderr, "heapwatch: %s\nTry 'heapwatch --help'.\n", o.msg);
        return HW_EXIT_USAGE;
    case CLI_OK:
        break;
    }
    int rc = o.cmd == CMD_LIVE ? load_config(&o) : HW_EXIT_OK;
    if (rc != HW_EXIT_OK)
        return rc;
    if (check_paths(&o) != HW_OK)
        return HW_EXIT_USAGE;
    switch (o.cmd) {
    case CMD_ANALYZE:
        return run_analyze(&o);
    case CMD_LIST:
        return run_list(o.json_path);
    case CMD_LIVE:
        return run_live(&o);
    case CMD_REPLAY:
        return run_replay(&o);
    case CMD_DIFF:
        return run_diff(&o);
    case CMD_REPORT:
        return run_report(&o);
    }
    return HW_EXIT_USAGE;
}
