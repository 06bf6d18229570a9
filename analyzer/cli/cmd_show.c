/*
 * cmd_show.c - `bbx show [--json] FILE`: read one snapshot and print it.
 * Exit 0 when the file was read (even an incomplete one, which the report
 * marks), 2 on bad usage or a file that is not a readable snapshot.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cli_symbols.h"
#include "report.h"
#include "snap_reader.h"

static const char show_usage[] =
    "usage: bbx show [--json] [--all-threads] [--no-symbols] [--no-demangle]\n"
    "                [--debug-dir DIR]... [--debuginfod-timeout SECONDS] FILE\n"
    "\n"
    "Print the crash report held in a snapshot FILE: why the process stopped,\n"
    "the thread that triggered the snapshot first, then every other thread,\n"
    "open files, modules, breadcrumbs, annotations and capture statistics.\n"
    "Threads that read the same but for their id and name (the same frames,\n"
    "state, kernel wait and creation site; no registers) are folded into one\n"
    "entry, \"N threads with this stack\", listing their ids; the thread that\n"
    "triggered the snapshot always stands alone and first.\n"
    "Frames are symbolized (function, file:line:column, one line more per\n"
    "inlined call) from each module's file when its build-id matches, or from\n"
    "debug files found by build-id, .gnu_debuglink or debuginfod; what cannot be\n"
    "found is said once per module at the end.\n"
    "\n"
    "  --json            one JSON document instead (schema: docs/FORMAT.md;\n"
    "                    always one object per thread)\n"
    "  --all-threads     every thread's stack on its own, none folded\n"
    "  --no-symbols      frames as module+offset only\n"
    "  --no-demangle     keep C++ names as they are in the binary\n"
    "  --debug-dir DIR   also look for binaries and debug files under DIR\n"
    "                    (repeatable; then $BBX_DEBUG_PATH, colon-separated,\n"
    "                    then /usr/lib/debug)\n"
    "  --debuginfod-timeout SECONDS\n"
    "                    most time spent on debuginfod servers (DEBUGINFOD_URLS)\n"
    "                    in the whole run (default $BBX_DEBUGINFOD_TIMEOUT, else\n"
    "                    5; 0: not asked); a server that timed out is not asked\n"
    "                    again, and the module's note says so\n"
    "  -h, --help        this help\n"
    "\n"
    "Exit status: 0 the file was read (an incomplete snapshot says so in the\n"
    "report), 2 bad usage or a file that is not a readable snapshot (a FIFO,\n"
    "device, socket or directory is refused at once, never waited on).\n";

int cmd_show(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0, opts = 1, symbols = 1, no_demangle = 0, all_threads = 0, rc, dbgd_ms;
    const char *dbgd = NULL;
    char err[256];
    const char **dirs = calloc((size_t)argc, sizeof(*dirs));
    size_t n_dirs = 0;
    if (!dirs) {
        cli_error("show", "out of memory");
        return CLI_ERROR;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts && strcmp(a, "--") == 0) {
            opts = 0;
        } else if (opts && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            fputs(show_usage, stdout);
            free(dirs);
            return CLI_OK;
        } else if (opts && strcmp(a, "--json") == 0) {
            json = 1;
        } else if (opts && strcmp(a, "--all-threads") == 0) {
            all_threads = 1;
        } else if (opts && strcmp(a, "--no-symbols") == 0) {
            symbols = 0;
        } else if (opts && strcmp(a, "--no-demangle") == 0) {
            no_demangle = 1;
        } else if (opts && strcmp(a, "--debug-dir") == 0) {
            if (i + 1 >= argc) {
                cli_error("show", "--debug-dir needs a directory (see 'bbx show --help')");
                free(dirs);
                return CLI_ERROR;
            }
            dirs[n_dirs++] = argv[++i];
        } else if (opts && strcmp(a, CLI_DEBUGINFOD_TIMEOUT) == 0) {
            if (i + 1 >= argc) {
                cli_error("show", "%s needs seconds (see 'bbx show --help')", a);
                free(dirs);
                return CLI_ERROR;
            }
            dbgd = argv[++i];
        } else if (opts && a[0] == '-' && a[1]) {
            cli_error("show", "unknown option '%s' (see 'bbx show --help')", a);
            free(dirs);
            return CLI_ERROR;
        } else if (path) {
            cli_error("show", "one FILE only (see 'bbx show --help')");
            free(dirs);
            return CLI_ERROR;
        } else {
            path = a;
        }
    }
    if (!path) {
        cli_error("show", "no FILE given (usage: bbx show [--json] FILE)");
        free(dirs);
        return CLI_ERROR;
    }
    if (cli_debuginfod_timeout("show", dbgd, &dbgd_ms) < 0) {
        free(dirs);
        return CLI_ERROR;
    }
    snap *s = snap_read_file(path, err, sizeof(err));
    if (!s) {
        cli_error("show", "%s: %s", path, err);
        free(dirs);
        return CLI_ERROR;
    }
    sym_options so = cli_sym_options(dirs, n_dirs, no_demangle, dbgd_ms);
    report_options ro = { .symbols = symbols ? sym_session_new(&so) : NULL,
                          .all_threads = all_threads };
    rc = json ? report_json(stdout, s, 1, &ro) : report_text(stdout, s, &ro);
    sym_session_free(ro.symbols);
    snap_free(s);
    free(dirs);
    if (rc < 0 || fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("show", "cannot write the report: %s", strerror(errno));
        return CLI_ERROR;
    }
    return CLI_OK;
}
