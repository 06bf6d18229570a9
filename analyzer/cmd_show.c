/*
 * cmd_show.c - `bbx show [--json] FILE`: read one snapshot and print it.
 * Exit 0 when the file was read (even an incomplete one, which the report
 * marks), 2 on bad usage or a file that is not a readable snapshot.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "report.h"
#include "snap_reader.h"

static const char show_usage[] =
    "usage: bbx show [--json] FILE\n"
    "\n"
    "Print the crash report held in a snapshot FILE: why the process stopped,\n"
    "the thread that triggered the snapshot first, then every other thread,\n"
    "open files, modules, breadcrumbs, annotations and capture statistics.\n"
    "\n"
    "  --json      one JSON document instead (schema: docs/FORMAT.md)\n"
    "  -h, --help  this help\n"
    "\n"
    "Exit status: 0 the file was read (an incomplete snapshot says so in the\n"
    "report), 2 bad usage or a file that is not a readable snapshot.\n";

int cmd_show(int argc, char **argv)
{
    const char *path = NULL;
    int json = 0, opts = 1;
    char err[256];
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts && strcmp(a, "--") == 0) {
            opts = 0;
        } else if (opts && (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
            fputs(show_usage, stdout);
            return CLI_OK;
        } else if (opts && strcmp(a, "--json") == 0) {
            json = 1;
        } else if (opts && a[0] == '-' && a[1]) {
            cli_error("show", "unknown option '%s' (see 'bbx show --help')", a);
            return CLI_ERROR;
        } else if (path) {
            cli_error("show", "one FILE only (see 'bbx show --help')");
            return CLI_ERROR;
        } else {
            path = a;
        }
    }
    if (!path) {
        cli_error("show", "no FILE given (usage: bbx show [--json] FILE)");
        return CLI_ERROR;
    }
    snap *s = snap_read_file(path, err, sizeof(err));
    if (!s) {
        cli_error("show", "%s: %s", path, err);
        return CLI_ERROR;
    }
    int rc = json ? report_json(stdout, s, 1) : report_text(stdout, s);
    snap_free(s);
    if (rc < 0 || fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("show", "cannot write the report: %s", strerror(errno));
        return CLI_ERROR;
    }
    return CLI_OK;
}
