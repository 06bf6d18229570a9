/*
 * facts_put.h - the pieces every facts file writes through a facts_sink
 * (report_facts.h): words, strings from the file, formatted numbers.  A
 * NULL sink writes nothing (the "has it something to say" pass).
 */
#ifndef BBX_FACTS_PUT_H
#define BBX_FACTS_PUT_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "report_facts.h"

static inline void put_n(const facts_sink *k, facts_piece kind, const char *s, size_t n)
{
    if (k)
        k->put(k->ctx, kind, s, n);
}

static inline void put(const facts_sink *k, facts_piece kind, const char *s)
{
    put_n(k, kind, s, strlen(s));
}

/* A string from the file, or bbx's word `missing` when it was not there. */
static inline void put_data(const facts_sink *k, facts_piece kind, const char *s,
                            const char *missing)
{
    if (s)
        put(k, kind, s);
    else
        put(k, FACTS_WORDS, missing);
}

static inline void putf(const facts_sink *k, facts_piece kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline void putf(const facts_sink *k, facts_piece kind, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    if (!k)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n > 0)
        put_n(k, kind, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

#endif
