/*
 * cmd_leaks.c - `bbx leaks [options] FILE...|DIR...`: leak suspects in a
 * series of snapshots, one report per process (leak_analyze.h does the
 * work).
 * Exit 0 no suspects, 1 suspects found, 2 bad usage or unreadable input.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_symbols.h"
#include "leak_analyze.h"

static const char leaks_usage[] =
    "usage: bbx leaks [--json] [--all] [--pid N] [--no-symbols] [--debug-dir DIR]...\n"
    "                 [--debuginfod-timeout SECONDS] FILE...|DIR...\n"
    "\n"
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
    "  - it grows: least-squares slope > 0, every count after the first q is\n"
    "    above the largest of the first q (it never comes back down to where it\n"
    "    started), and c[n-1] - c[0] >= 2 (balanced short-lived noise and\n"
    "    fixed-size pools do not pass);\n"
    "  - the last snapshot was taken at exit and the group is still open there\n"
    "    with a creation stack in the program's own executable (not fds 0-2,\n"
    "    never fds open before tracking started), or is a zombie child;\n"
    "  - it is a zombie child group present in the last two snapshots.\n"
    "Confidence: high = creation stack known, never shrank, >= 5 snapshots;\n"
    "medium = stack known and >= 3 snapshots, or no stack but never shrank over\n"
    ">= 5; low = the rest (no stack, few snapshots, at exit only).  Suspects are\n"
    "listed most important first: confidence, then growth per minute, then count.\n"
    "\n"
    "  --json            one JSON document instead (schema: docs/FORMAT.md); with\n"
    "                    several processes, processes[] and the pid of each leak\n"
    "  --all             also list the groups that are not suspects (\"none\")\n"
    "  --pid N           report only process N\n"
    "  --no-symbols      creation stacks as module names only\n"
    "  --debug-dir DIR   also look for binaries and debug files under DIR\n"
    "                    (repeatable; as for bbx show)\n"
    "  --debuginfod-timeout SECONDS\n"
    "                    most time spent on debuginfod in the whole run (default\n"
    "                    $BBX_DEBUGINFOD_TIMEOUT, else 5; 0: not asked; as for\n"
    "                    bbx show)\n"
    "  -h, --help        this help\n"
    "\n"
    "Exit status: 0 no leak suspects, 1 leak suspects found (in any process), 2 bad\n"
    "usage, a file that is not a readable snapshot (or not a regular file), an\n"
    "empty directory, or no snapshot of --pid N.\n";

static void warn_stderr(void *ctx, const char *message)
{
    (void)ctx;
    cli_error("leaks", "warning: %s", message);
}

int cmd_leaks(int argc, char **argv)
{
    int json = 0, opts = 1, symbols = 1, rc = CLI_ERROR, dbgd_ms;
    const char *dbgd = NULL;
    leak_options lo = { NULL, 0, 0 };
    char err[512];
    const char **dirs = calloc((size_t)argc, sizeof(*dirs));
    char **paths = calloc((size_t)argc, sizeof(*paths));
    size_t n_dirs = 0, n_paths = 0;
    leak_report_set *r = NULL;
    if (!dirs || !paths) {
        cli_error("leaks", "out of memory");
        goto out;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts && strcmp(a, "--") == 0) {
            opts = 0;
        } else if (opts && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            fputs(leaks_usage, stdout);
            rc = CLI_OK;
            goto out;
        } else if (opts && strcmp(a, "--json") == 0) {
            json = 1;
        } else if (opts && strcmp(a, "--all") == 0) {
            lo.all_groups = 1;
        } else if (opts && strcmp(a, "--no-symbols") == 0) {
            symbols = 0;
        } else if (opts && strcmp(a, "--pid") == 0) {
            if (i + 1 >= argc || cli_parse_pid(argv[i + 1], &lo.pid) < 0) {
                cli_error("leaks", "--pid needs a process id (see 'bbx leaks --help')");
                goto out;
            }
            i++;
        } else if (opts && strcmp(a, "--debug-dir") == 0) {
            if (i + 1 >= argc) {
                cli_error("leaks", "--debug-dir needs a directory (see 'bbx leaks --help')");
                goto out;
            }
            dirs[n_dirs++] = argv[++i];
        } else if (opts && strcmp(a, CLI_DEBUGINFOD_TIMEOUT) == 0) {
            if (i + 1 >= argc) {
                cli_error("leaks", "%s needs seconds (see 'bbx leaks --help')", a);
                goto out;
            }
            dbgd = argv[++i];
        } else if (opts && a[0] == '-' && a[1]) {
            cli_error("leaks", "unknown option '%s' (see 'bbx leaks --help')", a);
            goto out;
        } else {
            paths[n_paths++] = argv[i];
        }
    }
    if (!n_paths) {
        cli_error("leaks", "no FILE or DIR given (usage: bbx leaks [--json] FILE...|DIR)");
        goto out;
    }
    if (cli_debuginfod_timeout("leaks", dbgd, &dbgd_ms) < 0)
        goto out;
    sym_options so = cli_sym_options(dirs, n_dirs, 0, dbgd_ms);
    lo.symbols = symbols ? sym_session_new(&so) : NULL;
    r = leaks_by_process(paths, n_paths, &lo, warn_stderr, NULL, err, sizeof(err));
    if (!r) {
        cli_error("leaks", "%s", err);
        goto out;
    }
    if (json)
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
    free(dirs);
    free(paths);
    return rc;
}
