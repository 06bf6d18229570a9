/*
 * cmd_report.c - `bbx report [options] FILE...|DIR -o OUT.html`: one
 * snapshot, or a series of snapshots of one process, as one self-contained
 * HTML page (report_html.h does the page).  The page is written to a
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
#include "cli_symbols.h"
#include "cli_output.h"
#include "flame_collect.h"
#include "leak_analyze.h"
#include "leak_timeline.h"
#include "report_html.h"
#include "snap_prefetch.h"
#include "snap_reader.h"

typedef struct report_args {
    const char *out_path;
    uint64_t pid;
    int all_threads;
    cli_symbols sym;
    cli_list paths;
} report_args;

static const cli_option report_options[] = {
    { .kind = CLI_GROUP, .slot = offsetof(report_args, out_path), .group = cli_group_output,
      .required = 1, .arg = "OUT.html",
      .help = "the page to write ('-': standard output); written to a temporary file "
              "and renamed, never over an input" },
    CLI_GROUP_AT(report_args, pid, cli_group_pid),
    CLI_GROUP_AT(report_args, all_threads, cli_group_all_threads),
    CLI_GROUP_AT(report_args, sym, cli_group_symbols),
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
        "series it adds charts of fd and thread counts over time by group and the\n"
        "leak suspects of bbx leaks with their creation stacks; the sections about\n"
        "one snapshot then show the last one.  A series is read one snapshot at a\n"
        "time and only the last is kept, so its length does not bound the memory;\n"
        "charts draw at most 1,000 of its snapshots, evenly spaced.\n",
    .more =
        "Exit status: 0 the page was written (an incomplete snapshot is used and\n"
        "marked), 2 bad usage, a file that is not a readable snapshot (a FIFO,\n"
        "device, socket or directory, named or among a DIR's *.bbx, is refused at\n"
        "once, never waited on), an empty directory, snapshots of several processes\n"
        "without --pid, or OUT naming an input or not writable.\n",
    .options = report_options,
    .operand_slot = offsetof(report_args, paths),
    .run = cmd_report,
};

/* The series as it is read: every snapshot is folded into the leak groups
 * and the flame graph and dropped, but for the last one (in capture order),
 * which the page shows whole.  Memory grows with the groups and the
 * distinct stacks, not with the number of snapshots. */
typedef struct series_in {
    char **files;           /* from leak_expand_paths() */
    size_t n_files;
    leak_stream *leaks;
    flame_stream *stacks;
    snap *last;             /* the latest so far; ties: the later file */
    const char *last_name;
    size_t n_used;          /* snapshots of the process shown */
    uint64_t first_ms;      /* the earliest capture time */
} series_in;

static void series_release(series_in *in)
{
    for (size_t i = 0; in->files && i < in->n_files; i++)
        free(in->files[i]);
    free(in->files);
    leak_stream_free(in->leaks);
    flame_stream_free(in->stacks);
    snap_free(in->last);
}

/* 1 when `out` is the same file as one of the inputs. */
static int output_is_input(const char *out, const series_in *in)
{
    struct stat so, si;
    if (stat(out, &so) < 0)
        return 0;
    for (size_t i = 0; i < in->n_files; i++)
        if (stat(in->files[i], &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
            return 1;
    return 0;
}

/* Fold snapshot s (from `name`) into the series, keeping it when it is the
 * latest so far.  0, or -1 after saying why. */
static int fold(series_in *in, snap *s, const char *name)
{
    char err[512];
    int use = leak_stream_add(in->leaks, s, name, err, sizeof(err));
    if (use <= 0) {
        if (use < 0)
            cli_error("report", "%s", err);
        snap_free(s);
        return use;
    }
    if (!s->complete)
        cli_error("report", "warning: %s: incomplete snapshot (%s), used as far as it goes",
                  name, s->incomplete_why ? s->incomplete_why : "cut short");
    flame_stream_add(in->stacks, s, leak_base_name(name));
    if (!in->n_used++ || s->process.time_ms < in->first_ms)
        in->first_ms = s->process.time_ms;
    if (!in->last || s->process.time_ms >= in->last->process.time_ms) {
        snap_free(in->last);
        in->last = s;
        in->last_name = name;
    } else {
        snap_free(s);
    }
    return 0;
}

/* Read every file in list order (the next ones read ahead on the other
 * CPUs) and fold it in.  0, or -1 after saying why. */
static int read_series(series_in *in, const leak_options *lo, const flame_options *fo)
{
    char why[256];
    snap_prefetch *pf = NULL;
    int rc = 0;
    if (!(in->leaks = leak_stream_new(lo)) || !(in->stacks = flame_stream_new(fo)) ||
        !(pf = snap_prefetch_start(in->files, in->n_files, 0, 2, 0))) {
        cli_error("report", "out of memory");
        return -1;
    }
    for (size_t i = 0; i < in->n_files && rc == 0; i++) {
        snap *s = snap_prefetch_next(pf, why, sizeof(why));
        if (!s) {
            cli_error("report", "%s: %s", in->files[i], why);
            rc = -1;
        } else {
            rc = fold(in, s, in->files[i]);
        }
    }
    snap_prefetch_stop(pf);
    return rc;
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

static int cmd_report(int argc, char **argv)
{
    int rc = CLI_ERROR, dbgd_ms;
    report_args a = { 0 };
    const char *out_path;
    leak_options lo = { NULL, 0, 0 };
    series_in in = { 0 };
    char err[512];
    leak_report *r = NULL;
    leak_timeline *tl = NULL;
    flame_set *stacks = NULL;
    int parsed = cli_parse(&cli_cmd_report, argc, argv, &a);
    if (parsed != CLI_PARSED) {
        rc = cli_parse_exit(parsed);
        goto out;
    }
    if (cli_symbols_timeout("report", &a.sym, &dbgd_ms) < 0)
        goto out;
    if (!a.paths.n) {
        cli_error("report", "no FILE or DIR given (usage: bbx report -o OUT.html FILE...|DIR)");
        goto out;
    }
    if (!(out_path = a.out_path)) {
        cli_error("report", "no output given: -o OUT.html (or -o - for standard output)");
        goto out;
    }
    lo.pid = a.pid;
    if (leak_expand_paths(a.paths.v, a.paths.n, &in.files, &in.n_files, err,
                          sizeof(err)) < 0) {
        cli_error("report", "%s", err);
        goto out;
    }
    if (strcmp(out_path, "-") != 0 && output_is_input(out_path, &in)) {
        cli_error("report", "%s: is one of the input snapshots; choose another -o", out_path);
        goto out;
    }
    lo.symbols = cli_symbols_open(&a.sym, dbgd_ms);
    flame_options fo = { FLAME_STACKS, 0, 1, lo.symbols, 0 };
    /* The one-process rule (and --pid) of bbx leaks, and its suspects. */
    if (read_series(&in, &lo, &fo) < 0)
        goto out;
    r = leak_stream_report(in.leaks, err, sizeof(err));
    if (r && in.n_used > 1)
        tl = leak_timeline_from_series(leak_stream_series(in.leaks), LEAK_TIMELINE_MAX_POINTS,
                                       lo.symbols, err, sizeof(err));
    if (r && (in.n_used == 1 || tl)) {
        stacks = flame_stream_finish(in.stacks, err, sizeof(err));
        in.stacks = NULL; /* freed by finishing */
    }
    if (!stacks) {
        cli_error("report", "%s", err);
        goto out;
    }
    report_html_input hi = { .last = in.last, .last_name = in.last_name, .n = in.n_used,
                             .first_ms = in.first_ms, .leaks = r, .timeline = tl,
                             .stacks = stacks, .symbols = lo.symbols,
                             .all_threads = a.all_threads };
    if (write_page(out_path, &hi) == 0)
        rc = CLI_OK;
out:
    flame_set_free(stacks);
    leak_timeline_free(tl);
    leak_report_free(r);
    series_release(&in);
    sym_session_free(lo.symbols);
    cli_release(&cli_cmd_report, &a);
    return rc;
}
