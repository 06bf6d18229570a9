/*
 * err_text.h - the one-line reason a library call leaves in its caller's
 * err[errlen] buffer ("out of memory", "x.bbx: cannot open: ...").  The
 * analyzer's libraries never print: they fill this buffer and the command
 * prints it.
 *
 * Thread-safe for distinct buffers; allocates nothing.
 */
#ifndef BBX_ERR_TEXT_H
#define BBX_ERR_TEXT_H

#include <stdarg.h>
#include <stddef.h>

/* Format into err[errlen] (truncated to fit, always terminated).  A NULL
 * err or a zero errlen is allowed: nothing is written. */
void err_text_set(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The same with a va_list (for a caller's own printf-like wrapper). */
void err_text_vset(char *err, size_t errlen, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

#endif
