/*
 * err_text.c - the reason of a failure into the caller's buffer.
 */
#include "err_text.h"

#include <stdio.h>

void err_text_vset(char *err, size_t errlen, const char *fmt, va_list ap)
{
    if (err && errlen)
        vsnprintf(err, errlen, fmt, ap);
}

void err_text_set(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_text_vset(err, errlen, fmt, ap);
    va_end(ap);
}
