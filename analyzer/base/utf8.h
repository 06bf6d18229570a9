/*
 * utf8.h - strict UTF-8 decoding, for the renderers that must never pass
 * invalid bytes through (JSON) or raw control bytes to a terminal (text).
 * Pure function: thread-safe, allocates nothing.
 */
#ifndef BBX_UTF8_H
#define BBX_UTF8_H

#include <stddef.h>
#include <stdint.h>

/*
 * Decode the sequence at p[n] (n >= 1).  Returns its length (1 to 4) and
 * stores the code point in *cp (out), or returns 0 when the bytes are not
 * valid UTF-8: a stray continuation byte, an overlong form, a surrogate, a
 * value over U+10FFFF, or a sequence cut by the end of the buffer.
 */
size_t utf8_decode(const uint8_t *p, size_t n, uint32_t *cp);

#endif
