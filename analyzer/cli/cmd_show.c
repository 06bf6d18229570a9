/*
 * cmd_show.c - `bbx show [options] FILE`: read one snapshot and print it.
 * Exit 0 when the file was read (even an incomplete one, which the report
 * marks), 2 on bad usage or a file that is not a readable snapshot.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_symbols.h"
#include "report.h"
#include "leak_vanished.h"
#include "show_context.h"
#include "show_series.h"
#include "snap_reader.h"

typedef struct show_args {
    int json, all_threads, bbx_internals, context;
    cli_symbols sym;
    cli_list files;
} show_args;

static const cli_option show_options[] = {
    CLI_GROUP_AT(show_args, json, cli_group_json),
    CLI_GROUP_AT(show_args, all_threads, cli_group_all_threads),
    { .kind = CLI_FLAG, .name = "--bbx-internals", .slot = offsetof(show_args, bbx_internals),
      .help = "list bbx's own fds (its spare fds, libunwind's pipes, its X connection) and "
              "threads (its collector thread) too; without it they are left out of the "
              "tables and counted in one line" },
    { .kind = CLI_FLAG, .name = "--context", .slot = offsetof(show_args, context),
      .help = "print only the context the process ran in (session, display, ids, "
              "security, GPU nodes, allowed environment, kernel, drawing modules); with "
              "two FILEs, what differs between them (exit 1 when something does)" },
    CLI_GROUP_AT(show_args, sym, cli_group_symbols),
    CLI_OPTIONS_END,
};

static int cmd_show(int argc, char **argv);

const cli_command cli_cmd_show = {
    .name = "show",
    .summary = "print the crash report held in a snapshot",
    .operands = "FILE | --context FILE [FILE2]",
    .about =
        "Print the crash report held in a snapshot FILE: why the process stopped,\n"
        "the thread that triggered the snapshot first (for a hang, the thread the\n"
        "watchdog found stuck, marked \"(hung)\"), then every other thread,\n"
        "open files, modules, breadcrumbs, annotations and capture statistics.\n"
        "Frames are symbolized (function, file:line:column, one line more per\n"
        "inlined call) from each module's file when its build-id matches, or from\n"
        "debug files found by build-id, .gnu_debuglink or debuginfod; what cannot be\n"
        "found is said once per module at the end.\n"
        "Threads that read the same but for their id and name (the same frames,\n"
        "state, kernel wait and creation site; no registers) are folded into one\n"
        "entry, \"N threads with this stack\", listing their ids; the thread that\n"
        "triggered the snapshot always stands alone and first.  --json always has\n"
        "one object per thread.\n"
        "A thread blocked on a pthread mutex says which thread holds it and what\n"
        "that thread is doing (\"lock: blocked on mutex 0x... held by thread N\n"
        "\"loader\", which is blocked in read() at ...\"); threads that wait for\n"
        "each other in a cycle are named after the trigger as a \"deadlock:\".\n"
        "bbx's own fds and threads are not the program's: they are left out of\n"
        "the tables (one line counts them; --bbx-internals lists them).  --json\n"
        "has them apart: \"bbx_fds\", and threads with \"bbx_internal\": true.\n"
        "\n"
        "Launched programs (LAUNCH records, BBX_TRACK=exec) and children: the stories\n"
        "after the trigger (\"launched X from f (file.c:12): not found in PATH=...\",\n"
        "\"helper X exited with status 1, 3 times\", killed by a signal, blocked writing\n"
        "into a pipe this program holds and does not read, children left running at\n"
        "exit), every launch after the children; --json: \"launches\",\n"
        "\"launch_stories\".\n"
        "Memory (MEMORY record) and sampled heap (HEAP): RSS, PSS and swap by kind of\n"
        "mapping, the cgroup's usage, limit and OOM kills, malloc's totals, and the ten\n"
        "stacks holding the most live heap, the program's own frame first.  When FILE\n"
        "is a periodic (not exit, not crash) snapshot and the newest of its pid among\n"
        "the *.bbx files beside it named <app>-<pid>-..., those files (the newest 200)\n"
        "are read as bbx leaks reads a series, and a process that vanished is said so\n"
        "after the trigger, with the evidence (bbx leaks --help, \"Vanished\").\n"
        "\n"
        "Session (SESSION record): after the trigger, the kind of session (Wayland,\n"
        "X11, none) and display, notes worth reading at a glance (no display set, a\n"
        "GPU render node the process cannot open, software GL, set-id, seccomp, a\n"
        "sandbox, LD_PRELOAD), and the drawing modules (GL dispatch, GLX/EGL vendor,\n"
        "Mesa or NVIDIA driver, Vulkan); later the details: ids, groups, umask,\n"
        "parent, terminals, working directory, capabilities, no_new_privs, seccomp,\n"
        "sandbox, cgroup, security label, /dev/dri access, and the environment\n"
        "variables on the allow-list (README.md, \"The session\"; a secret-looking\n"
        "name's value is never written).  --context FILE prints only that context,\n"
        "one item a line; --context A B prints what differs between two snapshots\n"
        "(values that change with every start, such as INVOCATION_ID, are compared\n"
        "by presence).\n",
    .more =
        "Exit status: 0 the file was read (an incomplete snapshot says so in the\n"
        "report; --context A B: the contexts are the same), 1 --context A B: the\n"
        "contexts differ, 2 bad usage or a file that is not a readable snapshot (a FIFO,\n"
        "device, socket or directory is refused at once, never waited on).\n",
    .options = show_options,
    .operand_slot = offsetof(show_args, files),
    .run = cmd_show,
};

/* 1 when the options and FILE are good, else 0 with *rc the exit code. */
static int show_parse(int argc, char **argv, show_args *a, int *rc)
{
    int parsed = cli_parse(&cli_cmd_show, argc, argv, a);
    *rc = CLI_ERROR;
    if (parsed != CLI_PARSED)
        *rc = cli_parse_exit(parsed);
    else if (!a->files.n)
        cli_error("show", "no FILE given (usage: bbx show [--json] FILE)");
    else if (a->files.n > 2 || (a->files.n > 1 && !a->context))
        cli_usage_error(&cli_cmd_show, a->context ? "one or two FILEs with --context"
                                                  : "one FILE only (two with --context)");
    else
        return 1;
    return 0;
}

/* --context A [B]: read each, print the context or the differences. */
static int cmd_show_context(const show_args *a)
{
    snap *s[2] = { NULL, NULL };
    char err[256];
    int rc = CLI_ERROR;
    for (size_t i = 0; i < a->files.n; i++) {
        if (!(s[i] = snap_read_file(a->files.v[i], err, sizeof(err)))) {
            cli_error("show", "%s: %s", a->files.v[i], err);
            goto out;
        }
    }
    int d = show_context(stdout, a->files.v[0], s[0], a->files.n > 1 ? a->files.v[1] : NULL,
                         s[1], a->json);
    if (d < 0) {
        cli_error("show", "out of memory");
        goto out;
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("show", "cannot write the report: %s", strerror(errno));
        goto out;
    }
    rc = d ? CLI_FINDINGS : CLI_OK;
out:
    snap_free(s[0]);
    snap_free(s[1]);
    return rc;
}

static int cmd_show(int argc, char **argv)
{
    show_args a = { 0 };
    int rc, dbgd_ms;
    char err[256];
    if (!show_parse(argc, argv, &a, &rc) || cli_symbols_timeout("show", &a.sym, &dbgd_ms) < 0) {
        cli_release(&cli_cmd_show, &a);
        return rc;
    }
    if (a.context) {
        rc = cmd_show_context(&a);
        cli_release(&cli_cmd_show, &a);
        return rc;
    }
    const char *path = a.files.v[0];
    int json = a.json;
    snap *s = snap_read_file(path, err, sizeof(err));
    if (!s) {
        cli_error("show", "%s: %s", path, err);
        cli_release(&cli_cmd_show, &a);
        return CLI_ERROR;
    }
    leak_vanished *lv = show_series_vanished(path, s);
    report_vanished rv = { 0 };
    if (lv)
        leak_vanished_view(lv, &rv);
    report_options ro = { .symbols = cli_symbols_open(&a.sym, dbgd_ms),
                          .all_threads = a.all_threads,
                          .bbx_internals = a.bbx_internals,
                          .vanished = lv ? &rv : NULL };
    rc = json ? report_json(stdout, s, 1, &ro) : report_text(stdout, s, &ro);
    leak_vanished_free(lv);
    sym_session_free(ro.symbols);
    snap_free(s);
    cli_release(&cli_cmd_show, &a);
    if (rc < 0 || fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("show", "cannot write the report: %s", strerror(errno));
        return CLI_ERROR;
    }
    return CLI_OK;
}
