/*
 * cmd_report.c - `bbx report [options] FILE...|DIR -o OUT.html`: one
 * snapshot, or a series of snapshots, as one self-contained HTML page
 * (report_series.h folds them per process, report_html.h writes the page);
 * `bbx report --db PATH -o OUT.html`: the crash store's page
 * (report_html_db.h).  The page is written to a
 * temporary file next to OUT and renamed over it, so OUT is never half
 * written; an input is never overwritten.
 * Exit 0 when the page was written, 2 on bad usage or unreadable input.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_leak_rules.h"
#include "cli_symbols.h"
#include "cli_output.h"
#include "cli_store.h"
#include "leak_analyze.h"
#include "report_html.h"
#include "report_html_db.h"
#include "report_series.h"
#include "snap_set.h"

typedef struct report_args {
    const char *out_path, *db;
    unsigned top;
    uint64_t pid;
    int all_threads;
    cli_symbols sym;
    cli_leak_rules rules;
    cli_list paths;
} report_args;

static const cli_option report_options[] = {
    { .kind = CLI_GROUP, .slot = offsetof(report_args, out_path), .group = cli_group_output,
      .required = 1, .arg = "OUT.html",
      .help = "the page to write ('-': standard output); written to a temporary file "
              "and renamed, never over an input" },
    CLI_GROUP_HELP(report_args, db, cli_group_db,
                   "a page of this crash store (bbx ingest fills it) instead of snapshots: "
                   "its largest groups with their counts per day and per version and each "
                   "one's representative crash; no FILE or DIR then"),
    { .kind = CLI_UINT, .name = "--top", .slot = offsetof(report_args, top), .arg = "N",
      .needs = "a number", .min = 1, .max = 100000,
      .help = "with --db: the N largest groups (default 20)" },
    CLI_GROUP_AT(report_args, pid, cli_group_pid),
    CLI_GROUP_AT(report_args, all_threads, cli_group_all_threads),
    CLI_GROUP_AT(report_args, sym, cli_group_symbols),
    CLI_GROUP_AT(report_args, rules, cli_group_leak_rules),
    CLI_OPTIONS_END,
};

static int cmd_report(int argc, char **argv);

const cli_command cli_cmd_report = {
    .name = "report",
    .summary = "one self-contained HTML page of a snapshot or a series",
    .operands = "FILE...|DIR...",
    .about =
        "Write one self-contained HTML page (no network, nothing loaded from\n"
        "elsewhere) about a snapshot FILE, or about a series of snapshots of one\n"
        "process (several FILEs, or a DIR standing for the *.bbx files in it, put in\n"
        "the order they were taken, as bbx leaks does).  The page shows why the\n"
        "process stopped or was captured, the stack of the thread that triggered the\n"
        "snapshot with the source lines of its frames (when the source files are on\n"
        "this machine), every thread (collapsible; threads with identical stacks\n"
        "folded into one entry, as bbx show does), the open fds with their kinds,\n"
        "breadcrumbs, annotations, children and modules, and the flame graph of the\n"
        "threads' stacks (of the fds' creation stacks too, in tracking mode).  For a\n"
        "series it adds, near the top, the freezes of watched threads that the hang\n"
        "watchdog's snapshots tell of (as bbx leaks lists them), charts of fd and\n"
        "thread counts over time by group and the leak suspects of bbx leaks with\n"
        "their creation stacks; the sections about one snapshot then show the last\n"
        "one.  A series is read one snapshot at a time and only the last is kept, so\n"
        "its length does not bound the memory; charts draw at most 1,000 of its\n"
        "snapshots, evenly spaced.\n"
        "\n"
        "Snapshots of several processes (a launcher and the program it starts): the\n"
        "page is about the main one (a crash first, then most leak suspects, then\n"
        "most snapshots, then the one seen first), and a \"processes\" section lists\n"
        "every process with its snapshots and leak suspects; --pid N picks another.\n"
        "\n"
        "bbx report --db PATH -o OUT.html writes the page of the crash store PATH\n"
        "instead: its totals, a table of its largest groups (--top N, default 20)\n"
        "by count with id, signature, kind, hosts, first and last seen, versions\n"
        "and two small bar charts, the counts per day (the days of the data, the\n"
        "last 30 at most) and per app version; then a section per group with those\n"
        "charts drawn large, its counts per version and build, per day and per\n"
        "host, its stack variants, its newest snapshots and, folded, the report of\n"
        "its representative crash from the copy the store keeps (as bbx crash ID\n"
        "shows it), symbolized with the symbol options.\n",
    .more =
        "Exit status: 0 the page was written (an incomplete snapshot is used and\n"
        "marked), 2 bad usage, a file that is not a readable snapshot (a FIFO,\n"
        "device, socket or directory, named or among a DIR's *.bbx, is refused at\n"
        "once, never waited on), an empty directory, no snapshot of --pid N, or OUT\n"
        "naming an input or not writable.  With --db: 2 also when the store cannot\n"
        "be opened or read, or with FILE operands or the options about snapshots\n"
        "(--pid, --all-threads, the leak rules); --top without --db is bad usage.\n",
    .options = report_options,
    .operand_slot = offsetof(report_args, paths),
    .run = cmd_report,
};

/* 1 when `out` is the same file as one of files[n]. */
static int output_is_input(const char *out, char *const *files, size_t n)
{
    struct stat so, si;
    if (stat(out, &so) < 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (stat(files[i], &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
            return 1;
    return 0;
}

static void warn_stderr(void *ctx, const char *message)
{
    (void)ctx;
    cli_error("report", "warning: %s", message);
}

/* Write the page to out_path (cli_output.h: whole or not at all; "-" is
 * stdout).  0, or -1 after saying why. */
static int write_page(const char *out_path, const report_html_input *hi)
{
    cli_output o;
    if (cli_output_open(&o, "report", out_path) < 0)
        return -1;
    int ok = report_html(o.f, hi) == 0;
    if (!ok)
        cli_error("report", "%s: cannot write the page: %s", out_path, strerror(errno));
    return cli_output_close(&o, "report", ok);
}

/* bbx report --db: the store's page. */
static int store_page(const report_args *a, int dbgd_ms)
{
    const cli_leak_rules *r = &a->rules;
    if (a->paths.n || a->pid || a->all_threads || r->app_modules.n || r->toolkit_rules ||
        r->no_toolkit_rules || r->suppress.n) {
        cli_error("report", "--db writes the page of a crash store: it takes no FILE or DIR, "
                  "--pid, --all-threads or leak rules");
        return CLI_ERROR;
    }
    if (!a->out_path) {
        cli_error("report", "no output given: -o OUT.html (or -o - for standard output)");
        return CLI_ERROR;
    }
    char *db = (char *)a->db;
    if (strcmp(a->out_path, "-") != 0 && output_is_input(a->out_path, &db, 1)) {
        cli_error("report", "%s: is the crash store; choose another -o", a->out_path);
        return CLI_ERROR;
    }
    crash_store *st = cli_store_open("report", a->db, STORE_READONLY);
    if (!st)
        return CLI_ERROR;
    report_html_store_options o = { .top = a->top, .symbols = NULL };
    cli_output out;
    char err[1024];
    int rc = CLI_ERROR;
    if (cli_output_open(&out, "report", a->out_path) == 0) {
        o.symbols = cli_symbols_open(&a->sym, dbgd_ms);
        int got = report_html_store(out.f, st, &o, err, sizeof(err));
        if (got == -1)
            cli_error("report", "%s", err);
        else if (got < 0)
            cli_error("report", "%s: cannot write the page: %s", a->out_path, strerror(errno));
        if (cli_output_close(&out, "report", got == 0) == 0 && got == 0)
            rc = CLI_OK;
        sym_session_free(o.symbols);
    }
    store_close(st);
    return rc;
}

static int cmd_report(int argc, char **argv)
{
    int rc = CLI_ERROR, dbgd_ms;
    report_args a = { 0 };
    const char *out_path;
    leak_options lo = { 0 };
    char **files = NULL;
    size_t n_files = 0;
    report_series *rs = NULL;
    report_html_input hi;
    char err[512];
    int parsed = cli_parse(&cli_cmd_report, argc, argv, &a);
    if (parsed != CLI_PARSED) {
        rc = cli_parse_exit(parsed);
        goto out;
    }
    if (cli_symbols_timeout("report", &a.sym, &dbgd_ms) < 0)
        goto out;
    if (a.db) {
        rc = store_page(&a, dbgd_ms);
        goto out;
    }
    if (a.top) {
        cli_error("report", "--top counts the groups of a crash store: give --db PATH");
        goto out;
    }
    if (!a.paths.n) {
        cli_error("report", "no FILE or DIR given (usage: bbx report -o OUT.html FILE...|DIR, "
                  "or bbx report --db PATH -o OUT.html)");
        goto out;
    }
    if (!(out_path = a.out_path)) {
        cli_error("report", "no output given: -o OUT.html (or -o - for standard output)");
        goto out;
    }
    lo.pid = a.pid;
    if (cli_leak_rules_load("report", &a.rules, &lo) < 0)
        goto out;
    if (snapset_expand_paths(a.paths.v, a.paths.n, &files, &n_files, err, sizeof(err)) < 0) {
        cli_error("report", "%s", err);
        goto out;
    }
    if (strcmp(out_path, "-") != 0 && output_is_input(out_path, files, n_files)) {
        cli_error("report", "%s: is one of the input snapshots; choose another -o", out_path);
        goto out;
    }
    lo.symbols = cli_symbols_open(&a.sym, dbgd_ms);
    /* Folded per process; the page shows the main one, lists the others. */
    if (!(rs = report_series_read(files, n_files, &lo, warn_stderr, NULL, err, sizeof(err))) ||
        report_series_input(rs, &hi, err, sizeof(err)) < 0) {
        cli_error("report", "%s", err);
        goto out;
    }
    hi.all_threads = a.all_threads;
    if (write_page(out_path, &hi) == 0)
        rc = CLI_OK;
out:
    report_series_free(rs);
    snapset_files_free(files, n_files);
    sym_session_free(lo.symbols);
    cli_leak_rules_release(&lo);
    cli_release(&cli_cmd_report, &a);
    return rc;
}
