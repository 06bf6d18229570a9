/*
 * cmd_report.c - `bbx report [options] FILE...|DIR -o OUT.html`: one
 * snapshot, or a series of snapshots of one process, as one self-contained
 * HTML page (report_html.h does the page).  The page is written to a
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
#include "leak_timeline.h"
#include "report_html.h"
#include "snap_reader.h"

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
    "one snapshot then show the last one.\n"
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
    "once, never waited on), an empty directory, snapshots of several processes\n"
    "without --pid, or OUT naming an input or not writable.\n";

typedef struct inputs {
    char **files;     /* from leak_expand_paths() */
    size_t n_files;
    snap **snaps;     /* snaps[i] read from files[i] */
    size_t *order;    /* indexes in time order */
} inputs;

static void inputs_release(inputs *in)
{
    for (size_t i = 0; in->snaps && i < in->n_files; i++)
        snap_free(in->snaps[i]);
    for (size_t i = 0; in->files && i < in->n_files; i++)
        free(in->files[i]);
    free(in->files);
    free(in->snaps);
    free(in->order);
}

static const inputs *sort_inputs;

/* Capture time, then the order the files were named in. */
static int time_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    uint64_t tx = sort_inputs->snaps[x]->process.time_ms;
    uint64_t ty = sort_inputs->snaps[y]->process.time_ms;
    if (tx != ty)
        return tx < ty ? -1 : 1;
    return x < y ? -1 : x > y;
}

/* 1 when `out` is the same file as one of the inputs. */
static int output_is_input(const char *out, const inputs *in)
{
    struct stat so, si;
    if (stat(out, &so) < 0)
        return 0;
    for (size_t i = 0; i < in->n_files; i++)
        if (stat(in->files[i], &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
            return 1;
    return 0;
}

/* Read every file; 0, or -1 after saying why. */
static int read_inputs(inputs *in)
{
    char why[256];
    in->snaps = calloc(in->n_files, sizeof(*in->snaps));
    in->order = calloc(in->n_files, sizeof(*in->order));
    if (!in->snaps || !in->order) {
        cli_error("report", "out of memory");
        return -1;
    }
    for (size_t i = 0; i < in->n_files; i++) {
        if (!(in->snaps[i] = snap_read_file(in->files[i], why, sizeof(why)))) {
            cli_error("report", "%s: %s", in->files[i], why);
            return -1;
        }
        in->order[i] = i;
    }
    sort_inputs = in;
    qsort(in->order, in->n_files, sizeof(*in->order), time_cmp);
    return 0;
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
    inputs in = { 0 };
    char err[512];
    const char **dirs = calloc((size_t)argc, sizeof(*dirs));
    char **paths = calloc((size_t)argc, sizeof(*paths));
    snap **used = NULL;
    const char **names = NULL;
    size_t n_dirs = 0, n_paths = 0, n_used = 0;
    leak_report *r = NULL;
    leak_timeline *tl = NULL;
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
    if (leak_expand_paths(paths, n_paths, &in.files, &in.n_files, err, sizeof(err)) < 0) {
        cli_error("report", "%s", err);
        goto out;
    }
    if (strcmp(out_path, "-") != 0 && output_is_input(out_path, &in)) {
        cli_error("report", "%s: is one of the input snapshots; choose another -o", out_path);
        goto out;
    }
    if (read_inputs(&in) < 0)
        goto out;
    used = calloc(in.n_files, sizeof(*used));
    names = calloc(in.n_files, sizeof(*names));
    if (!used || !names) {
        cli_error("report", "out of memory");
        goto out;
    }
    for (size_t k = 0; k < in.n_files; k++) {
        used[k] = in.snaps[in.order[k]];
        names[k] = in.files[in.order[k]];
    }
    sym_options so = cli_sym_options(dirs, n_dirs, no_demangle, dbgd_ms);
    lo.symbols = symbols ? sym_session_new(&so) : NULL;
    /* The one-process rule (and --pid) of bbx leaks, and its suspects. */
    r = leaks_from_snapshots((const snap *const *)used, names, in.n_files, &lo, err,
                             sizeof(err));
    if (!r) {
        cli_error("report", "%s", err);
        goto out;
    }
    for (size_t k = 0; k < in.n_files; k++) {
        if (used[k]->process.pid != r->pid)
            continue;
        if (!used[k]->complete)
            cli_error("report", "warning: %s: incomplete snapshot (%s), used as far as it goes",
                      names[k], used[k]->incomplete_why ? used[k]->incomplete_why : "cut short");
        used[n_used] = used[k];
        names[n_used++] = names[k];
    }
    if (n_used > 1 &&
        !(tl = leak_timeline_from_snapshots((const snap *const *)used, n_used, lo.symbols, err,
                                            sizeof(err)))) {
        cli_error("report", "%s", err);
        goto out;
    }
    report_html_input hi = { used, names, n_used, r, tl, lo.symbols };
    if (write_page(out_path, &hi) == 0)
        rc = CLI_OK;
out:
    leak_timeline_free(tl);
    leak_report_free(r);
    sym_session_free(lo.symbols);
    inputs_release(&in);
    free(used);
    free(names);
    free(dirs);
    free(paths);
    return rc;
}
