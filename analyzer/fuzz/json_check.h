/*
 * json_check.h - a strict JSON validator (RFC 8259, UTF-8 text), used by the
 * fuzzer and the tests to prove that `bbx show --json` output always parses.
 * It checks; it builds nothing.  Thread-safe; allocates nothing.
 */
#ifndef BBX_JSON_CHECK_H
#define BBX_JSON_CHECK_H

#include <stddef.h>

/* Nesting deeper than this counts as invalid (bounds the recursion). */
#define JSON_CHECK_MAX_DEPTH 64

/*
 * 1 when p[n] is exactly one JSON value with optional surrounding white
 * space; else 0, with the byte offset of the first problem in *where (out,
 * may be NULL).
 */
int json_check(const char *p, size_t n, size_t *where);

#endif
