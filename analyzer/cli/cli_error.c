/*
 * cli_error.c - the single place where `bbx` words its error messages:
 * lower case, naming the command (and the file, from the caller), one line;
 * a usage error points at the command's help.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

/* "bbx CMD: MESSAGE[ (see 'bbx CMD --help')]" as one line on stderr. */
static void put_error(const char *cmd, int see_help, const char *fmt, va_list ap)
{
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    if (!cmd)
        fprintf(stderr, "bbx: %s\n", msg);
    else if (see_help)
        fprintf(stderr, "bbx %s: %s (see 'bbx %s --help')\n", cmd, msg, cmd);
    else
        fprintf(stderr, "bbx %s: %s\n", cmd, msg);
}

void cli_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    put_error(cmd, 0, fmt, ap);
    va_end(ap);
}

void cli_usage_error(const cli_command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    put_error(cmd->name, 1, fmt, ap);
    va_end(ap);
}
