/*
 * err_text.c - the reason of a failure into the caller's buffer.
 */
#include "err_text.h"

#include <stdarg.h>
#include <stdio.h>

void err_text_set(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    if (!err || !errlen)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}
