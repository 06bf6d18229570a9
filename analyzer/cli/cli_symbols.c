/*
 * cli_symbols.c - the symbol options the subcommands share: debuginfod's
 * time and its progress line on a terminal.
 */
#include "cli_symbols.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define MAX_SECONDS 86400

static int parse_seconds(const char *s, long *out)
{
    char *end;
    if (!*s || strspn(s, "0123456789") != strlen(s))
        return -1;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v > MAX_SECONDS)
        return -1;
    *out = v;
    return 0;
}

int cli_debuginfod_timeout(const char *cmd, const char *value, int *ms)
{
    const char *env = getenv("BBX_DEBUGINFOD_TIMEOUT");
    long sec;
    *ms = 0;
    if (value) {
        if (parse_seconds(value, &sec) < 0) {
            cli_error(cmd, "%s: '%s' is not whole seconds from 0 to %d (see 'bbx %s --help')",
                      CLI_DEBUGINFOD_TIMEOUT, value, MAX_SECONDS, cmd);
            return -1;
        }
    } else if (env && *env) {
        if (parse_seconds(env, &sec) < 0) {
            cli_error(cmd, "BBX_DEBUGINFOD_TIMEOUT: '%s' is not whole seconds from 0 to %d",
                      env, MAX_SECONDS);
            return -1;
        }
    } else {
        return 0;
    }
    *ms = sec ? (int)(sec * 1000) : -1;
    return 0;
}

/* The progress line: rewritten in place, erased when the request ends.
 * Only requests that have run for a second are shown. */
static void progress_line(void *arg, const sym_debuginfod_progress *p)
{
    int *shown = arg;
    if (p->done) {
        if (*shown)
            fputs("\r\033[K", stderr);
        *shown = 0;
        return;
    }
    if (p->seconds < 1.0)
        return;
    if (p->bytes >= 0 && p->total > 0)
        fprintf(stderr, "\rbbx: debuginfod: %s of %s from %s: %.1f of %.1f MiB, %.0f s\033[K",
                p->what, p->module, p->servers, (double)p->bytes / 1048576.0,
                (double)p->total / 1048576.0, p->seconds);
    else if (p->bytes >= 0)
        fprintf(stderr, "\rbbx: debuginfod: %s of %s from %s: %.1f MiB, %.0f s\033[K", p->what,
                p->module, p->servers, (double)p->bytes / 1048576.0, p->seconds);
    else
        fprintf(stderr, "\rbbx: debuginfod: waiting for %s (%s of %s), %.0f s\033[K",
                p->servers, p->what, p->module, p->seconds);
    fflush(stderr);
    *shown = 1;
}

sym_options cli_sym_options(const char *const *dirs, size_t n_dirs, int no_demangle,
                            int debuginfod_ms)
{
    static int shown;
    sym_options so = { .debug_dirs = dirs, .n_debug_dirs = n_dirs, .use_env = 1,
                       .no_demangle = no_demangle, .debuginfod_ms = debuginfod_ms };
    if (isatty(STDERR_FILENO)) {
        so.debuginfod_progress = progress_line;
        so.debuginfod_progress_arg = &shown;
    }
    return so;
}
