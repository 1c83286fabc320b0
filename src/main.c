/* SPDX-License-Identifier: MIT */
/* main.c - picks the command, and is the only place that turns status
 * codes into messages on stderr and exit statuses. */
#include "analyze.h"
#include "hw.h"
#include "options.h"

#include <stdio.h>
#include <string.h>

static void report(const struct hw_err *e)
{
    fprintf(stderr, "heapwatch: %s\n", e->msg[0] ? e->msg : hw_strerror(e->code));
    if (e->hint[0])
        fprintf(stderr, "heapwatch: hint: %s\n", e->hint);
}

static int run_analyze(const struct hw_options *o)
{
    struct analyze_opts a = {
        .files = o->files,
        .n_files = o->n_files,
        .json_path = o->json_path,
        .with_map = o->with_map,
        .per_dump = o->per_dump,
        .quiet = o->quiet || (o->json_path && !strcmp(o->json_path, "-")),
    };
    struct hw_err err = {0};
    /* per-file failures are reported as they happen */
    return analyze_run(&a, stdout, report, &err) ? HW_EXIT_RUNTIME : HW_EXIT_OK;
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
    switch (o.cmd) {
    case CMD_ANALYZE:
        return run_analyze(&o);
    case CMD_LIST:
    case CMD_LIVE:
    case CMD_REPLAY:
        break;
    }
    fprintf(stderr, "heapwatch: live mode is not built yet\n");
    return HW_EXIT_RUNTIME;
}
