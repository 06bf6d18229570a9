/*
 * cmd_leaks.c - `bbx leaks [options] FILE...|DIR...`: leak suspects in a
 * series of snapshots, one report per process (leak_analyze.h does the
 * work).
 * Exit 0 no suspects, 1 suspects found, 2 bad usage or unreadable input.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_leak_rules.h"
#include "cli_symbols.h"
#include "leak_analyze.h"

typedef struct leaks_args {
    int json, all;
    uint64_t pid;
    cli_symbols sym;
    cli_leak_rules rules;
    cli_list paths;
} leaks_args;

static const cli_option leaks_options[] = {
    CLI_GROUP_AT(leaks_args, json, cli_group_json),
    { .kind = CLI_FLAG, .name = "--all", .slot = offsetof(leaks_args, all),
      .help = "also list the groups that are not suspects (\"none\")" },
    CLI_GROUP_AT(leaks_args, pid, cli_group_pid),
    CLI_GROUP_AT(leaks_args, sym, cli_group_symbols),
    CLI_GROUP_AT(leaks_args, rules, cli_group_leak_rules),
    CLI_OPTIONS_END,
};

static int cmd_leaks(int argc, char **argv);

const cli_command cli_cmd_leaks = {
    .name = "leaks",
    .summary = "fd, thread, child-process and memory leak suspects in a snapshot series",
    .operands = "FILE...|DIR...",
    .about =
        "Find leaked fds, threads and child processes in a series of snapshots of a\n"
        "process (periodic ones, BBX_INTERVAL_MS), or in one snapshot taken at exit\n"
        "(BBX_AT_EXIT).  Snapshots of several processes (a launcher and the program it\n"
        "starts) give one report per process, one after the other, the process seen\n"
        "first first; a process is its pid, start time and executable, so a reused\n"
        "pid is another process.  A DIR stands for the *.bbx files in it; each must be a\n"
        "regular file (a FIFO, device or directory among them is refused before any\n"
        "is read, never waited on).  Snapshots are put in the order they were taken;\n"
        "an incomplete one is used with a warning.\n"
        "\n"
        "Like resources form a group: fds by kind and creation stack (tracking mode),\n"
        "else by kind and target (digits of socket/pipe inodes dropped, peer kept);\n"
        "threads by creation stack, start routine and name without digits; children\n"
        "by command and whether they are zombies.  With n snapshots, c[i] a group's\n"
        "count in snapshot i and q = max(1, n/4), a group is a suspect when:\n"
        "  - it grows: least-squares slope > 0, the counts rise above the largest\n"
        "    of the first q by the last q and, once above, never come back down to\n"
        "    it (to where it started), and c[n-1] - c[0] >= 2 (balanced short-lived\n"
        "    noise and fixed-size pools do not pass);\n"
        "  - the last snapshot was taken at exit and the group is still open there\n"
        "    with a creation stack in the program's own code (not fds 0-2, never\n"
        "    fds open before tracking started), or is a zombie child; but not what\n"
        "    the toolkit rules match (toolkits.supp, shipped with bbx: what GLib,\n"
        "    GTK, Qt, D-Bus, Mesa, Xlib and xcb create once, e.g. under gtk_init),\n"
        "    which is counted as \"not counted\" and listed by --all;\n"
        "  - it is a zombie child group present in the last two snapshots.\n"
        "Confidence: high = creation stack known, never shrank, >= 5 snapshots;\n"
        "medium = stack known and >= 3 snapshots, or no stack but never shrank over\n"
        ">= 5; low = the rest (no stack, few snapshots, at exit only).  Suspects are\n"
        "listed most important first: confidence, then growth per minute, then count.\n"
        "\n"
        "Each suspect's \"created at\" names the first frame in the program's own code\n"
        "(the executable and modules outside /lib* and /usr/lib*, or --app-modules),\n"
        "then the library call it went through (\"on_tick (app.c:43) via g_socket_new\n"
        "[libgio-2.0.so.0]\"); the whole creation stack follows.\n"
        "\n"
        "Launches (BBX_TRACK=exec): the stories of the newest snapshot that has any\n"
        "come before the suspects, one \"launch:\" line each, as bbx show tells them\n"
        "(a helper not found in PATH, exiting non-zero N times, killed by a signal,\n"
        "blocked writing into a pipe the program does not read, children left running\n"
        "at exit); --json: \"launches\".\n"
        "\n"
        "Freezes: the snapshots of the hang watchdog (BBX_HANG_MS) are listed before\n"
        "the suspects, one line per freeze of a watched thread: when it left its event\n"
        "loop, for how long, busy or blocked, and whether it came back (its \"recovered\"\n"
        "snapshot gives the whole length) or was still frozen at its last snapshot (at\n"
        "least as long as its hang snapshot said).\n"
        "\n"
        "Memory (snapshots with a MEMORY record): the RSS of each kind of mapping (heap,\n"
        "anon, stack, code, file, shm, gpu, other), the cgroup's usage and malloc's bytes\n"
        "in use are groups counted in KiB, judged by the same rules over the snapshots\n"
        "that have them, with a net growth of at least 1 MiB and 5% of where it started\n"
        "(RSS moves by pages all the time).  A growing one says when it reaches the\n"
        "limit at that rate: the cgroup's memory.max, else the RLIMIT_AS soft limit\n"
        "against the address space, else physical memory (\"reaches the cgroup limit of\n"
        "1.00 GiB in about 12 min at this rate\").  Sampled heap tracking (BBX_TRACK=heap):\n"
        "each allocating stack is a group of its estimated live KiB, a suspect when it\n"
        "grows by at least 64 KiB, named by the program's own frame like fds; stacks\n"
        "whose memory is allocated and freed stay steady and are not named.\n"
        "\n"
        "Vanished: a series with MEMORY records that ends with neither an exit nor a\n"
        "crash snapshot, of a process that no longer runs on this host (its pid gone,\n"
        "or running another process), is said to have vanished, with the evidence: the\n"
        "cgroup's oom_kill count rising, memory at 90% or more of its limit in the last\n"
        "snapshot, a memory watermark snapshot, the memory trend.  Snapshots from\n"
        "another host: whether it still runs cannot be told, and the evidence follows.\n",
    .more =
        "With --json and several processes, the document has processes[] and each\n"
        "leak and freeze the pid of its process (docs/JSON.md).\n"
        "\n"
        "Exit status: 0 no leak suspects, 1 leak suspects found (in any process: growing\n"
        "memory and heap stacks too), 2 bad\n"
        "usage, a file that is not a readable snapshot (or not a regular file), an\n"
        "empty directory, or no snapshot of --pid N.  Freezes alone do not make it 1:\n"
        "the status answers \"does it leak\" for CI gates.\n",
    .options = leaks_options,
    .operand_slot = offsetof(leaks_args, paths),
    .run = cmd_leaks,
};

static void warn_stderr(void *ctx, const char *message)
{
    (void)ctx;
    cli_error("leaks", "warning: %s", message);
}

static int cmd_leaks(int argc, char **argv)
{
    int rc = CLI_ERROR, dbgd_ms;
    leaks_args a = { 0 };
    leak_options lo = { 0 };
    char err[512];
    leak_report_set *r = NULL;
    int parsed = cli_parse(&cli_cmd_leaks, argc, argv, &a);
    if (parsed != CLI_PARSED) {
        rc = cli_parse_exit(parsed);
        goto out;
    }
    if (!a.paths.n) {
        cli_error("leaks", "no FILE or DIR given (usage: bbx leaks [--json] FILE...|DIR)");
        goto out;
    }
    if (cli_symbols_timeout("leaks", &a.sym, &dbgd_ms) < 0)
        goto out;
    if (cli_leak_rules_load("leaks", &a.rules, &lo) < 0)
        goto out;
    lo.all_groups = a.all;
    lo.pid = a.pid;
    lo.symbols = cli_symbols_open(&a.sym, dbgd_ms);
    r = leaks_by_process(a.paths.v, a.paths.n, &lo, warn_stderr, NULL, err, sizeof(err));
    if (!r) {
        cli_error("leaks", "%s", err);
        goto out;
    }
    if (a.json)
        leak_report_set_write_json(r, stdout);
    else
        leak_report_set_write_text(r, stdout);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("leaks", "cannot write the report: %s", strerror(errno));
        goto out;
    }
    rc = leak_report_set_suspects(r) ? CLI_FINDINGS : CLI_OK;
out:
    leak_report_set_free(r);
    sym_session_free(lo.symbols);
    cli_leak_rules_release(&lo);
    cli_release(&cli_cmd_leaks, &a);
    return rc;
}
