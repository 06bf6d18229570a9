/*
 * cli_error.c - the single place where `bbx` words its error messages:
 * lower case, naming the command (and the file, from the caller), one line.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

void cli_error(const char *cmd, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    if (cmd)
        fprintf(stderr, "bbx %s: %s\n", cmd, msg);
    else
        fprintf(stderr, "bbx: %s\n", msg);
}
