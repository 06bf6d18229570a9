/*
 * read_check.h - what every reader fuzz target checks on one input: read it
 * with snap_read_buffer(), hold the reader to its promises (a NULL comes
 * with a one-line reason; `complete` and `incomplete_why` agree), render it
 * as JSON (which must be valid) and as text, and free it.  A broken promise
 * aborts, so the fuzzer reports it as a crash.
 */
#ifndef BBX_READ_CHECK_H
#define BBX_READ_CHECK_H

#include <stddef.h>
#include <stdint.h>

void read_check(const uint8_t *data, size_t size);

#endif
