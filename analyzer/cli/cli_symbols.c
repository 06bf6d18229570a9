/*
 * cli_symbols.c - the symbol options the subcommands share: their table,
 * debuginfod's time and its progress line on a terminal, the session.
 */
#include "cli_symbols.h"

#include <errno.h>
#include <stddef.h>
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

/* --debuginfod-timeout's value: checked as the parser reads it. */
static int parse_timeout(const char *value, void *slot)
{
    long sec = 0;
    if (parse_seconds(value, &sec) < 0)
        return -1;
    *(const char **)slot = value;
    return 0;
}

int cli_symbols_timeout(const char *cmd, const cli_symbols *s, int *ms)
{
    const char *env = getenv("BBX_DEBUGINFOD_TIMEOUT");
    long sec = 0;
    *ms = 0;
    if (s->debuginfod) {
        parse_seconds(s->debuginfod, &sec);
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

sym_session *cli_symbols_open(const cli_symbols *s, int debuginfod_ms)
{
    static int shown;
    if (s->no_symbols)
        return NULL;
    sym_options so = { .debug_dirs = (const char *const *)s->debug_dirs.v,
                       .n_debug_dirs = s->debug_dirs.n, .use_env = 1,
                       .no_demangle = s->no_demangle, .debuginfod_ms = debuginfod_ms };
    if (isatty(STDERR_FILENO)) {
        so.debuginfod_progress = progress_line;
        so.debuginfod_progress_arg = &shown;
    }
    return sym_session_new(&so);
}

/* ---- the options ---------------------------------------------------------- */

const cli_option cli_group_symbol_sources[] = {
    { .kind = CLI_FLAG, .name = "--no-demangle", .slot = offsetof(cli_symbols, no_demangle),
      .help = "keep C++ names as they are in the binary" },
    { .kind = CLI_LIST, .name = "--debug-dir", .slot = offsetof(cli_symbols, debug_dirs),
      .arg = "DIR", .needs = "a directory",
      .help = "also look for binaries and debug files under DIR (repeatable; then "
              "$BBX_DEBUG_PATH, colon-separated, then /usr/lib/debug)" },
    { .kind = CLI_CHECKED, .name = "--debuginfod-timeout",
      .slot = offsetof(cli_symbols, debuginfod), .arg = "SECONDS", .needs = "seconds",
      .is_not = "whole seconds from 0 to 86400", .parse = parse_timeout,
      .help = "most time spent on debuginfod servers (DEBUGINFOD_URLS) in the whole run "
              "(default $BBX_DEBUGINFOD_TIMEOUT, else 5; 0: not asked); a server that "
              "timed out is not asked again, and the module's note says so" },
    CLI_OPTIONS_END,
};

const cli_option cli_group_symbols[] = {
    { .kind = CLI_FLAG, .name = "--no-symbols", .slot = offsetof(cli_symbols, no_symbols),
      .help = "frames as module+offset only, not symbolized" },
    { .kind = CLI_GROUP, .group = cli_group_symbol_sources },
    CLI_OPTIONS_END,
};
