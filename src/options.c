/* SPDX-License-Identifier: MIT */
/* options.c - getopt_long tables, defaults and validation; see options.h.
 * The help text here is checked against man/heapwatch.1 by the tests. */
#include "options.h"
#include "check.h"
#include "diff_cmd.h"
#include "hw.h"
#include "transport.h"

#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_DURATION = 256,
    OPT_DTR,
    OPT_RTS,
    OPT_GC,
    OPT_NO_MAP,
    OPT_LISTEN,
    OPT_NO_INTERRUPT,
    OPT_MAP,
    OPT_NO_TUI,
    OPT_NO_COLOR,
    OPT_TIMEOUT,
    OPT_CHECK,
    OPT_FAIL_FAST,
    OPT_JUNIT,
    OPT_ANNOTATE,
    OPT_AT,
    OPT_METRICS,
    OPT_BENCH_SMALLER,
    OPT_BENCH_BIGGER,
    OPT_SHARE,
};

/* Which commands take an option. An option of another command is a usage
 * error, not silently ignored: "analyze --gc" would promise what it cannot
 * do. NOT_LISTEN marks live options that need writing to the board. */
enum {
    LIVE = 1u << CMD_LIVE,
    ANALYZE = 1u << CMD_ANALYZE,
    LIST = 1u << CMD_LIST,
    REPLAY = 1u << CMD_REPLAY,
    DIFF = 1u << CMD_DIFF,
    REPORT = 1u << CMD_REPORT,
    ALL = LIVE | ANALYZE | LIST | REPLAY | DIFF | REPORT,
    NOT_LISTEN = 1u << 8,
};

static const struct spec {
    struct option o;
    unsigned modes;
} specs[] = {
    {{"help", no_argument, NULL, 'h'}, ALL},
    {{"version", no_argument, NULL, 'V'}, ALL},
    {{"interval", required_argument, NULL, 'i'}, LIVE | NOT_LISTEN},
    {{"count", required_argument, NULL, 'n'}, LIVE},
    {{"duration", required_argument, NULL, OPT_DURATION}, LIVE},
    {{"baud", required_argument, NULL, 'b'}, LIVE},
    {{"dtr", required_argument, NULL, OPT_DTR}, LIVE},
    {{"rts", required_argument, NULL, OPT_RTS}, LIVE},
    {{"gc", no_argument, NULL, OPT_GC}, LIVE | NOT_LISTEN},
    {{"no-map", no_argument, NULL, OPT_NO_MAP}, LIVE | NOT_LISTEN},
    {{"listen", no_argument, NULL, OPT_LISTEN}, LIVE},
    {{"no-interrupt", no_argument, NULL, OPT_NO_INTERRUPT}, LIVE | NOT_LISTEN},
    {{"timeout", required_argument, NULL, OPT_TIMEOUT}, LIVE},
    {{"share", required_argument, NULL, OPT_SHARE}, LIVE},
    {{"record", required_argument, NULL, 'r'}, LIVE},
    {{"json", required_argument, NULL, 'j'}, LIVE | ANALYZE | DIFF | LIST},
    {{"map", no_argument, NULL, OPT_MAP}, LIVE | ANALYZE},
    {{"no-tui", no_argument, NULL, OPT_NO_TUI}, LIVE},
    {{"no-color", no_argument, NULL, OPT_NO_COLOR}, LIVE | REPLAY},
    {{"dumps", no_argument, NULL, 'd'}, ANALYZE},
    {{"quiet", no_argument, NULL, 'q'}, ANALYZE | DIFF},
    {{"verbose", no_argument, NULL, 'v'}, LIVE},
    {{"check", required_argument, NULL, OPT_CHECK}, LIVE | ANALYZE | DIFF | REPORT},
    {{"fail-fast", no_argument, NULL, OPT_FAIL_FAST}, LIVE},
    {{"junit", required_argument, NULL, OPT_JUNIT}, LIVE | ANALYZE | DIFF},
    {{"annotate", no_argument, NULL, OPT_ANNOTATE}, LIVE | ANALYZE | DIFF},
    {{"metrics", required_argument, NULL, OPT_METRICS}, LIVE | ANALYZE},
    {{"bench-smaller", required_argument, NULL, OPT_BENCH_SMALLER}, LIVE | ANALYZE},
    {{"bench-bigger", required_argument, NULL, OPT_BENCH_BIGGER}, LIVE | ANALYZE},
    {{"output", required_argument, NULL, 'o'}, REPORT},
    {{"at", required_argument, NULL, OPT_AT}, REPORT},
};
enum { N_SPECS = sizeof(specs) / sizeof(specs[0]) };
_Static_assert(N_SPECS <= 64, "hw_options.given has a bit per option");

static const char *const cmd_names[] = {
    [CMD_LIVE] = "live mode", [CMD_ANALYZE] = "analyze", [CMD_LIST] = "list",
    [CMD_REPLAY] = "replay",  [CMD_DIFF] = "diff",       [CMD_REPORT] = "report",
};

static void options_usage(FILE *f)
{
    fputs("Usage: heapwatch [OPTIONS] [PORT]          watch a board's heap live\n"
          "       heapwatch analyze [OPTIONS] FILE...  summarise captured mem_info output\n"
          "       heapwatch replay FILE                the live UI over a capture\n"
          "       heapwatch diff [OPTIONS] A B         compare two captures, or two dumps\n"
          "       heapwatch report FILE... -o FILE     an HTML report of captured output\n"
          "       heapwatch list [--json FILE]         list serial ports, boards first\n"
          "\n"
          "PORT is a serial device (/dev/ttyACM0, COM3), a pty or socat link, exec:CMD\n"
          "(a command run on a fresh pty), a shortcut a0/u0/c0, id:SERIAL (the board with\n"
          "that USB serial number), port:PATH, rfc2217://HOST:PORT (an RFC 2217 server:\n"
          "Wokwi, ser2net), socket://HOST:PORT (raw TCP), or auto (the default).\n"
          "A profile of ~/.config/heapwatch/config ([NAME]) gives a port and its options.\n"
          "\n"
          "Live options:\n"
          "  -i, --interval SECONDS  time between samples (default: 1; 0 = back to back)\n"
          "  -n, --count N           stop after N samples (default: run until q or Ctrl-C)\n"
          "      --duration SECONDS  stop after this long\n"
          "  -b, --baud RATE         serial speed (default: 115200)\n"
          "      --dtr on|off        set DTR after opening (default: unchanged)\n"
          "      --rts on|off        set RTS after opening (default: unchanged)\n"
          "      --gc                run gc.collect() before each sample\n"
          "      --no-map            sample mem_info() without the block map (huge heaps)\n"
          "      --listen            never write to the board; read the dumps it prints\n"
          "      --no-interrupt      never send Ctrl-C; report a running program as busy\n"
          "      --timeout SECONDS   how long the board may stay silent (default: 5)\n"
          "      --share PATH        offer the board to another program on a pty at PATH\n"
          "  -r, --record FILE       append the raw transcript with timestamps to FILE\n"
          "  -j, --json FILE         write snapshots as JSON to FILE (- for stdout)\n"
          "      --map               include block maps in the JSON\n"
          "      --no-tui            one line per sample instead of the full-screen UI\n"
          "      --no-color          no colours (also when NO_COLOR is set)\n"
          "\n"
          "Analyze options:\n"
          "  -j, --json FILE         write every dump as JSON to FILE (- for stdout)\n"
          "      --map               include block maps in the JSON\n"
          "  -d, --dumps             one line per dump in the summary\n"
          "  -q, --quiet             no summary text\n"
          "\n"
          "Checks (live and analyze; diff takes delta. checks, -q quiets its text,\n"
          "and --junit and --annotate):\n"
          "      --check EXPR        fail (exit 3) unless EXPR holds, e.g. 'min_free>20K',\n"
          "                          'leak<100/min', 'fragmentation<=50%'; repeatable\n"
          "      --fail-fast         live: stop at the first check that has failed for good\n"
          "      --junit FILE        write the checks' results as JUnit XML to FILE\n"
          "      --annotate          GitHub Actions ::error lines for failed checks\n"
          "                          (also when GITHUB_ACTIONS=true)\n"
          "\n"
          "Figures to track across commits (live and analyze):\n"
          "      --metrics FILE      write them as OpenMetrics text to FILE\n"
          "      --bench-smaller FILE  github-action-benchmark JSON, customSmallerIsBetter\n"
          "      --bench-bigger FILE   ... and customBiggerIsBetter\n"
          "\n"
          "Diff options (A and B: a capture FILE, or one dump of it, FILE@SEQ or FILE@last,\n"
          "SEQ as analyze -d numbers it):\n"
          "  -j, --json FILE         write the comparison as JSON to FILE (- for stdout)\n"
          "\n"
          "Report options:\n"
          "  -o, --output FILE       write the HTML report to FILE (required; - for stdout)\n"
          "      --at SEQ            also draw dump number SEQ (repeatable)\n"
          "\n"
          "  -v, --verbose           live: also show what the board prints between samples\n"
          "  -h, --help              show this help and exit\n"
          "  -V, --version           show the version and exit\n"
          "\n"
          "Exit status: 0 ok, 1 runtime error, 2 usage error, 3 a check failed.\n"
          "See heapwatch(1) for keys, file formats, the JSON schema and examples.\n",
          f);
}

static enum cli_status usage_error(struct hw_options *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static enum cli_status usage_error(struct hw_options *o, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(o->msg, sizeof(o->msg), fmt, ap);
    va_end(ap);
    return CLI_EXIT_USAGE;
}

static bool parse_seconds(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !isfinite(v) || v < 0 || v > 1e7)
        return false;
    *out = v;
    return true;
}

static bool parse_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static int parse_onoff(const char *s)
{
    if (!strcmp(s, "on") || !strcmp(s, "1"))
        return 1;
    if (!strcmp(s, "off") || !strcmp(s, "0"))
        return 0;
    return -2;
}

/* --at SEQ: a dump's number as analyze -d and the JSON "seq" show it. */
static enum cli_status add_at(struct hw_options *o, const char *arg)
{
    long v;
    if (!parse_long(arg, 0, 1000000000000L, &v))
        return usage_error(o, "invalid dump number '%s' for --at (0, 1, 2...)", arg);
    for (int i = 0; i < o->n_at; i++)
        if (o->at[i] == v)
            return CLI_OK;
    if (o->n_at == OPT_MAX_AT)
        return usage_error(o, "--at may be given at most %d times", OPT_MAX_AT);
    o->at[o->n_at++] = v;
    return CLI_OK;
}

static enum cli_status apply(struct hw_options *o, int c, const char *arg, const char *name)
{
    long v;
    switch (c) {
    case 'i':
        if (!parse_seconds(arg, &o->interval_s))
            return usage_error(o, "invalid interval '%s' (seconds, e.g. 0.5)", arg);
        break;
    case 'n':
        if (!parse_long(arg, 1, 1000000000L, &o->count))
            return usage_error(o, "invalid count '%s' (a whole number of samples)", arg);
        break;
    case OPT_DURATION:
        if (!parse_seconds(arg, &o->duration_s) || o->duration_s <= 0)
            return usage_error(o, "invalid duration '%s' (seconds)", arg);
        break;
    case OPT_TIMEOUT:
        if (!parse_seconds(arg, &o->timeout_s) || o->timeout_s < 0.1 || o->timeout_s > 86400)
            return usage_error(o, "invalid timeout '%s' (seconds, 0.1 to 86400)", arg);
        break;
    case 'b':
        if (!parse_long(arg, 50, 12000000L, &v))
            return usage_error(o, "invalid baud rate '%s'", arg);
        o->baud = (int)v;
        break;
    case OPT_DTR:
    case OPT_RTS:
        if ((*(c == OPT_DTR ? &o->dtr : &o->rts) = parse_onoff(arg)) < -1)
            return usage_error(o, "--%s takes on or off, not '%s'", name, arg);
        break;
    case OPT_GC:
        o->gc = true;
        break;
    case OPT_NO_MAP:
        o->no_map = true;
        break;
    case OPT_LISTEN:
        o->listen = true;
        break;
    case OPT_NO_INTERRUPT:
        o->interrupt = false;
        break;
    case 'r':
        o->record_path = arg;
        break;
    case 'j':
        o->json_path = arg;
        break;
    case OPT_MAP:
        o->with_map = true;
        break;
    case OPT_NO_TUI:
        o->no_tui = true;
        break;
    case OPT_NO_COLOR:
        o->no_color = true;
        break;
    case 'd':
        o->per_dump = true;
        break;
    case 'q':
        o->quiet = true;
        break;
    case 'v':
        o->verbose++;
        break;
    case OPT_CHECK:
        if (o->n_checks == HW_MAX_CHECKS)
            return usage_error(o, "at most %d checks", HW_MAX_CHECKS);
        if (check_parse(arg, &o->checks[o->n_checks], o->msg, sizeof(o->msg)) != HW_OK)
            return CLI_EXIT_USAGE;
        if (o->checks[o->n_checks].delta != (o->cmd == CMD_DIFF))
            return usage_error(o,
                               o->cmd == CMD_DIFF
                                   ? "check '%s': diff checks a delta (delta.peak_used<=2K)"
                                   : "check '%s': delta. checks are for heapwatch diff",
                               arg);
        if (o->cmd == CMD_DIFF && o->checks[o->n_checks].metric == CM_LEAK)
            return usage_error(o,
                               "check '%s': diff does not fit leaks; check leak on each "
                               "capture with analyze",
                               arg);
        /* the same check twice is judged once: a CI system (GitLab) drops
         * JUnit test cases whose names repeat */
        for (int k = 0; k < o->n_checks; k++)
            if (!strcmp(o->checks[k].expr, o->checks[o->n_checks].expr))
                return CLI_OK;
        o->n_checks++;
        break;
    case OPT_FAIL_FAST:
        o->fail_fast = true;
        break;
    case OPT_JUNIT:
        o->junit_path = arg;
        break;
    case OPT_ANNOTATE:
        o->annotate = true;
        break;
    case OPT_SHARE:
        o->share_path = arg;
        break;
    case OPT_METRICS:
        o->metrics_path = arg;
        break;
    case OPT_BENCH_SMALLER:
        o->bench_smaller_path = arg;
        break;
    case OPT_BENCH_BIGGER:
        o->bench_bigger_path = arg;
        break;
    case 'o':
        o->output_path = arg;
        break;
    case OPT_AT:
        return add_at(o, arg);
    default:
        return usage_error(o, "unknown option");
    }
    return CLI_OK;
}

static void defaults(struct hw_options *o)
{
    memset(o, 0, sizeof(*o));
    o->interval_s = 1.0;
    o->baud = 115200;
    o->dtr = o->rts = -1;
    o->interrupt = true;
    o->timeout_s = 5.0;
    const char *nc = getenv("NO_COLOR");
    o->no_color = nc && *nc;
    const char *gh = getenv("GITHUB_ACTIONS");
    o->annotate = gh && !strcmp(gh, "true");
}

/* "FILE@SEQ" or "FILE@last": one dump of FILE; anything else is the
 * whole capture FILE. The last '@' counts, so a directory with '@' in
 * its name still works; a file whose own name ends in "@3" cannot be
 * named as a whole capture (a documented limit). */
static enum cli_status diff_operand(struct hw_options *o, int side, const char *arg)
{
    const char *at = strrchr(arg, '@');
    long seq = DIFF_SEQ_ALL;
    size_t len = strlen(arg);
    if (at && at > arg && at[1]) {
        if (!strcmp(at + 1, "last"))
            seq = DIFF_SEQ_LAST;
        else if (strspn(at + 1, "0123456789") == strlen(at + 1) &&
                 !parse_long(at + 1, 0, 1000000000L, &seq))
            return usage_error(o, "dump number too large in '%s'", arg);
        if (seq != DIFF_SEQ_ALL)
            len = (size_t)(at - arg);
    }
    if (len >= sizeof(o->diff_path[side]))
        return usage_error(o, "file name too long: '%.40s...'", arg);
    memcpy(o->diff_path[side], arg, len);
    o->diff_path[side][len] = '\0';
    o->diff_files[side] = o->diff_path[side];
    o->diff_seq[side] = seq;
    return CLI_OK;
}

/* diff A B: two captures, or two dumps; never one of each (a dump's
 * figures and a capture's summary are not the same figures). */
static enum cli_status diff_operands(struct hw_options *o, int n, char **args)
{
    if (n != 2)
        return usage_error(o, "diff takes two captures or two dumps, A and B (%d given)", n);
    for (int i = 0; i < 2; i++) {
        enum cli_status st = diff_operand(o, i, args[i]);
        if (st != CLI_OK)
            return st;
    }
    if ((o->diff_seq[0] == DIFF_SEQ_ALL) != (o->diff_seq[1] == DIFF_SEQ_ALL))
        return usage_error(o,
                           "diff compares two captures or two dumps, not one of each ('%s', '%s')",
                           args[0], args[1]);
    if (!strcmp(o->diff_path[0], "-") && !strcmp(o->diff_path[1], "-"))
        return usage_error(o, "standard input can be read once: A and B cannot both be -");
    o->files = o->diff_files;
    o->n_files = 2;
    return CLI_OK;
}

/* A port name that cannot be right (rfc2217://nohost, socket://:0, id:)
 * is the user's to fix, before anything is opened. */
static enum cli_status live_port(struct hw_options *o)
{
    struct hw_err e = {0};

    if (o->port && transport_check_spec(o->port, &e) != HW_OK)
        return usage_error(o, "%s", e.msg);
    return CLI_OK;
}

static enum cli_status positional(struct hw_options *o, int argc, char **argv, int first)
{
    int n = argc - first;
    switch (o->cmd) {
    case CMD_LIVE:
        if (n > 1)
            return usage_error(o, "one port at a time ('%s' and '%s')", argv[first],
                               argv[first + 1]);
        o->port = n ? argv[first] : NULL;
        return live_port(o);
    case CMD_ANALYZE:
        if (n < 1)
            return usage_error(o, "analyze needs at least one FILE (- for standard input)");
        o->files = (const char *const *)(argv + first);
        o->n_files = n;
        break;
    case CMD_LIST:
        if (n)
            return usage_error(o, "list takes no arguments");
        break;
    case CMD_REPLAY:
        if (n != 1)
            return usage_error(o, "replay takes one FILE");
        o->files = (const char *const *)(argv + first);
        o->n_files = 1;
        break;
    case CMD_DIFF:
        return diff_operands(o, n, argv + first);
    case CMD_REPORT:
        if (n < 1)
            return usage_error(o, "report needs at least one FILE (- for standard input)");
        if (!o->output_path)
            return usage_error(o, "report needs -o FILE, the HTML file to write");
        o->files = (const char *const *)(argv + first);
        o->n_files = n;
        break;
    }
    return CLI_OK;
}

/* The spec of option value c (a short letter or an OPT_* code). */
static size_t spec_of(int c)
{
    for (size_t i = 0; i < N_SPECS; i++)
        if (specs[i].o.val == c)
            return i;
    return 0;
}

/* "--gc" for a long option, "-i (--interval)" for one with a letter. */
static const char *opt_label(char *buf, size_t cap, size_t i)
{
    int v = specs[i].o.val;
    if (v < 256)
        snprintf(buf, cap, "-%c (--%s)", v, specs[i].o.name);
    else
        snprintf(buf, cap, "--%s", specs[i].o.name);
    return buf;
}

/* Every option given must belong to the command, and --listen, which never
 * writes to the board, takes none of the options that do. */
static enum cli_status check_modes(struct hw_options *o)
{
    char name[48];
    for (size_t i = 0; i < N_SPECS; i++) {
        if (!(o->given & (1ull << i)))
            continue;
        if (!(specs[i].modes & (1u << o->cmd)))
            return usage_error(o, "%s does not take %s", cmd_names[o->cmd],
                               opt_label(name, sizeof(name), i));
        if (o->listen && (specs[i].modes & NOT_LISTEN))
            return usage_error(o, "--listen never writes to the board, so %s does not apply",
                               opt_label(name, sizeof(name), i));
    }
    return CLI_OK;
}

/* The subcommand, if argv[1] is one: "heapwatch analyze -j - f.log".
 * "analyse" is the man page's British spelling; "help" is --help. Returns
 * the index of the first argument after it. */
static int subcommand(int argc, char **argv, struct hw_options *o, bool *help)
{
    static const struct {
        const char *name;
        enum hw_command cmd;
    } cmds[] = {{"analyze", CMD_ANALYZE}, {"analyse", CMD_ANALYZE}, {"list", CMD_LIST},
                {"replay", CMD_REPLAY},   {"diff", CMD_DIFF},       {"report", CMD_REPORT},
                {"help", CMD_LIVE}};
    *help = false;
    for (size_t i = 0; argc > 1 && i < ARRAY_LEN(cmds); i++) {
        if (!strcmp(argv[1], cmds[i].name)) {
            o->cmd = cmds[i].cmd;
            *help = !strcmp(cmds[i].name, "help");
            return 2;
        }
    }
    return 1;
}

enum cli_status options_parse(int argc, char **argv, struct hw_options *o)
{
    defaults(o);
    bool help;
    int start = subcommand(argc, argv, o, &help);
    if (help) {
        options_usage(stdout);
        return CLI_EXIT_OK;
    }
    struct option long_opts[N_SPECS + 1];
    for (size_t i = 0; i < N_SPECS; i++)
        long_opts[i] = specs[i].o;
    long_opts[N_SPECS] = (struct option){NULL, 0, NULL, 0};
    /* getopt sees the arguments after the subcommand as a whole argv;
     * options are accepted anywhere after it (GNU permutation) */
    char **av = argv + start - 1;
    int ac = argc - start + 1;
    /* `heapwatch list --json`, as scripts write it: list has no file to
     * name, so a last --json without one means standard output */
    static char *list_av[64], dash[] = "-";
    if (o->cmd == CMD_LIST && ac > 1 && ac < 63 &&
        (!strcmp(av[ac - 1], "--json") || !strcmp(av[ac - 1], "-j"))) {
        memcpy(list_av, av, (size_t)ac * sizeof(*av));
        list_av[ac++] = dash;
        list_av[ac] = NULL;
        av = list_av;
    }
    int c, idx = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(ac, av, "hVi:n:b:r:j:dqvo:", long_opts, &idx)) != -1) {
        if (c == 'h') {
            options_usage(stdout);
            return CLI_EXIT_OK;
        }
        if (c == 'V') {
            printf("heapwatch %s\n", HW_VERSION);
            return CLI_EXIT_OK;
        }
        if (c == '?' || c == ':') {
            if (optopt && optopt < 256 && (optopt != '?'))
                return usage_error(o, "option -%c %s", optopt,
                                   strchr("inbrjo", optopt) ? "needs an argument" : "is not known");
            return usage_error(o, "unknown or incomplete option '%s'", av[optind - 1]);
        }
        size_t i = spec_of(c);
        o->given |= 1ull << i;
        enum cli_status st = apply(o, c, optarg, specs[i].o.name);
        if (st != CLI_OK)
            return st;
    }
    enum cli_status st = positional(o, ac, av, optind);
    if (st == CLI_OK)
        st = check_modes(o);
    if (st == CLI_OK && !o->n_checks && (o->fail_fast || o->junit_path))
        return usage_error(o, "%s judges checks: give at least one --check",
                           o->fail_fast ? "--fail-fast" : "--junit");
    return st;
}

/* ---- the config file (config.h): its entries are options too */

static size_t spec_named(const char *name)
{
    for (size_t i = 0; i < N_SPECS; i++)
        if (!strcmp(specs[i].o.name, name))
            return i;
    return N_SPECS;
}

static int parse_bool(const char *s)
{
    if (!strcmp(s, "true") || !strcmp(s, "yes") || !strcmp(s, "on") || !strcmp(s, "1"))
        return 1;
    if (!strcmp(s, "false") || !strcmp(s, "no") || !strcmp(s, "off") || !strcmp(s, "0"))
        return 0;
    return -1;
}

/* One entry of the config file, as the option of its key. */
static enum cli_status config_entry(struct hw_options *o, const struct config_entry *e,
                                    bool profile, const char *file)
{
    char where[320];
    snprintf(where, sizeof(where), "%s line %d", file, e->line);
    if (!strcmp(e->key, "port")) {
        if (profile || !o->port)
            o->port = e->value; /* a profile's port takes the place of its name */
        return CLI_OK;
    }
    size_t i = spec_named(e->key);
    if (i == N_SPECS || !strcmp(e->key, "help") || !strcmp(e->key, "version"))
        return usage_error(o,
                           "%s: unknown key '%s' (the keys are port and live mode's long options)",
                           where, e->key);
    if (!(specs[i].modes & LIVE))
        return usage_error(o, "%s: '%s' is not an option of live mode", where, e->key);
    bool repeats = specs[i].o.val == OPT_CHECK;
    if ((o->given & (1ull << i)) && !repeats)
        return CLI_OK; /* the command line wins */
    const char *arg = e->value;
    if (specs[i].o.has_arg == no_argument) {
        int b = parse_bool(e->value);
        if (b < 0)
            return usage_error(o, "%s: %s is true or false, not '%s'", where, e->key, e->value);
        if (!b)
            return CLI_OK;
        arg = NULL;
    }
    enum cli_status st = apply(o, specs[i].o.val, arg, specs[i].o.name);
    if (st != CLI_OK) {
        char msg[sizeof(o->msg)];
        snprintf(msg, sizeof(msg), "%s", o->msg);
        snprintf(o->msg, sizeof(o->msg), "%.96s: %.150s", where, msg);
        return st;
    }
    o->given |= 1ull << i;
    return CLI_OK;
}

enum cli_status options_configure(struct hw_options *o, const struct config_entry *e, size_t n,
                                  const char *file)
{
    if (o->cmd != CMD_LIVE)
        return CLI_OK;
    const char *profile = NULL;
    for (size_t k = 0; o->port && k < n; k++)
        if (strcmp(e[k].section, "default") && !strcmp(e[k].section, o->port))
            profile = o->port;
    for (int pass = 0; pass < 2; pass++) {
        const char *want = pass ? profile : "default";
        for (size_t k = 0; want && k < n; k++) {
            if (strcmp(e[k].section, want))
                continue;
            enum cli_status st = config_entry(o, &e[k], pass == 1, file);
            if (st != CLI_OK)
                return st;
        }
    }
    struct hw_err pe = {0}; /* a profile's port is checked as the command line's */
    if (o->port && transport_check_spec(o->port, &pe) != HW_OK)
        return usage_error(o, "%.96s: %.150s", file, pe.msg);
    return check_modes(o);
}
