/*
 * cmd_report.c - `bbx report [options] FILE...|DIR -o OUT.html`: one
 * snapshot, or a series of snapshots, as one self-contained HTML page
 * (report_series.h folds them per process, report_html.h writes the page).  The page is written to a
 * temporary file next to OUT and renamed over it, so OUT is never half
 * written; an input is never overwritten.
 * Exit 0 when the page was written, 2 on bad usage or unreadable input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_symbols.h"
#include "cli_output.h"
#include "leak_analyze.h"
#include "report_html.h"
#include "report_series.h"
#include "snap_set.h"

static const char report_usage[] =
    "usage: bbx report [--pid N] [--no-symbols] [--no-demangle] [--debug-dir DIR]...\n"
    "                  [--debuginfod-timeout SECONDS] -o OUT.html FILE...|DIR...\n"
    "\n"
    "Write one self-contained HTML page (no network, nothing loaded from\n"
    "elsewhere) about a snapshot FILE, or about a series of snapshots of one\n"
    "process (several FILEs, or a DIR standing for the *.bbx files in it, put in\n"
    "the order they were taken, as bbx leaks does).  The page shows why the\n"
    "process stopped or was captured, the stack of the thread that triggered the\n"
    "snapshot with the source lines of its frames (when the source files are on\n"
    "this machine), every thread (collapsible), the open fds with their kinds,\n"
    "breadcrumbs, annotations, children and modules, and the flame graph of the\n"
    "threads' stacks (of the fds' creation stacks too, in tracking mode).  For a\n"
    "series it adds charts of fd and thread counts over time by group and the\n"
    "leak suspects of bbx leaks with their creation stacks; the sections about\n"
    "one snapshot then show the last one.  A series is read one snapshot at a\n"
    "time and only the last is kept, so its length does not bound the memory;\n"
    "charts draw at most 1,000 of its snapshots, evenly spaced.\n"
    "\n"
    "Snapshots of several processes (a launcher and the program it starts): the\n"
    "page is about the main one (a crash first, then most leak suspects, then\n"
    "most snapshots, then the one seen first), and a \"processes\" section lists\n"
    "every process with its snapshots and leak suspects; --pid N picks another.\n"
    "\n"
    "  -o, --output OUT  the page to write ('-': standard output); written to a\n"
    "                    temporary file and renamed, never over an input\n"
    "  --pid N           use only the snapshots of process N\n"
    "  --no-symbols      frames as module+offset only\n"
    "  --no-demangle     keep C++ names as they are in the binary\n"
    "  --debug-dir DIR   also look for binaries and debug files under DIR\n"
    "                    (repeatable; as for bbx show)\n"
    "  --debuginfod-timeout SECONDS\n"
    "                    most time spent on debuginfod in the whole run (default\n"
    "                    $BBX_DEBUGINFOD_TIMEOUT, else 5; 0: not asked; as for\n"
    "                    bbx show)\n"
    "  -h, --help        this help\n"
    "\n"
    "Exit status: 0 the page was written (an incomplete snapshot is used and\n"
    "marked), 2 bad usage, a file that is not a readable snapshot (a FIFO,\n"
    "device, socket or directory, named or among a DIR's *.bbx, is refused at\n"
    "once, never waited on), an empty directory, no snapshot of --pid N, or OUT\n"
    "naming an input or not writable.\n";

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

int cmd_report(int argc, char **argv)
{
    int opts = 1, symbols = 1, no_demangle = 0, rc = CLI_ERROR, dbgd_ms;
    const char *out_path = NULL, *dbgd = NULL;
    leak_options lo = { NULL, 0, 0 };
    char **files = NULL;
    size_t n_files = 0;
    report_series *rs = NULL;
    report_html_input hi;
    char err[512];
    const char **dirs = calloc((size_t)argc, sizeof(*dirs));
    char **paths = calloc((size_t)argc, sizeof(*paths));
    size_t n_dirs = 0, n_paths = 0;
    if (!dirs || !paths) {
        cli_error("report", "out of memory");
        goto out;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts && strcmp(a, "--") == 0) {
            opts = 0;
        } else if (opts && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            fputs(report_usage, stdout);
            rc = CLI_OK;
            goto out;
        } else if (opts && (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0)) {
            if (i + 1 >= argc || !argv[i + 1][0]) {
                cli_error("report", "%s needs a file name (see 'bbx report --help')", a);
                goto out;
            }
            out_path = argv[++i];
        } else if (opts && strcmp(a, "--no-symbols") == 0) {
            symbols = 0;
        } else if (opts && strcmp(a, "--no-demangle") == 0) {
            no_demangle = 1;
        } else if (opts && strcmp(a, "--pid") == 0) {
            if (i + 1 >= argc || cli_parse_pid(argv[i + 1], &lo.pid) < 0) {
                cli_error("report", "--pid needs a process id (see 'bbx report --help')");
                goto out;
            }
            i++;
        } else if (opts && strcmp(a, "--debug-dir") == 0) {
            if (i + 1 >= argc) {
                cli_error("report", "--debug-dir needs a directory (see 'bbx report --help')");
                goto out;
            }
            dirs[n_dirs++] = argv[++i];
        } else if (opts && strcmp(a, CLI_DEBUGINFOD_TIMEOUT) == 0) {
            if (i + 1 >= argc) {
                cli_error("report", "%s needs seconds (see 'bbx report --help')", a);
                goto out;
            }
            dbgd = argv[++i];
        } else if (opts && a[0] == '-' && a[1]) {
            cli_error("report", "unknown option '%s' (see 'bbx report --help')", a);
            goto out;
        } else {
            paths[n_paths++] = argv[i];
        }
    }
    if (cli_debuginfod_timeout("report", dbgd, &dbgd_ms) < 0)
        goto out;
    if (!n_paths) {
        cli_error("report", "no FILE or DIR given (usage: bbx report -o OUT.html FILE...|DIR)");
        goto out;
    }
    if (!out_path) {
        cli_error("report", "no output given: -o OUT.html (or -o - for standard output)");
        goto out;
    }
    if (snapset_expand_paths(paths, n_paths, &files, &n_files, err, sizeof(err)) < 0) {
        cli_error("report", "%s", err);
        goto out;
    }
    if (strcmp(out_path, "-") != 0 && output_is_input(out_path, files, n_files)) {
        cli_error("report", "%s: is one of the input snapshots; choose another -o", out_path);
        goto out;
    }
    sym_options so = cli_sym_options(dirs, n_dirs, no_demangle, dbgd_ms);
    lo.symbols = symbols ? sym_session_new(&so) : NULL;
    /* Folded per process; the page shows the main one, lists the others. */
    if (!(rs = report_series_read(files, n_files, lo.pid, lo.symbols, warn_stderr, NULL, err,
                                  sizeof(err))) ||
        report_series_input(rs, &hi, err, sizeof(err)) < 0) {
        cli_error("report", "%s", err);
        goto out;
    }
    if (write_page(out_path, &hi) == 0)
        rc = CLI_OK;
out:
    report_series_free(rs);
    snapset_files_free(files, n_files);
    sym_session_free(lo.symbols);
    free(dirs);
    free(paths);
    return rc;
}
