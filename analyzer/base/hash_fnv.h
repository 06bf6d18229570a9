/*
 * hash_fnv.h - 64-bit FNV-1a, the analyzer's one definition of it: the
 * hash of frame names in flame sets, of pprof's string table, of thread
 * stacks folded in reports, of the flame graph's element id.
 *
 * The values are part of behaviour where they order or name output (the
 * SVG id), so the constants never change (tests/unit/test_base.c checks
 * them against the published test vectors).  Pure functions.
 */
#ifndef BBX_HASH_FNV_H
#define BBX_HASH_FNV_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A_OFFSET 0xcbf29ce484222325ull /* the empty input's hash */
#define FNV1A_PRIME 0x100000001b3ull

/* One step: v folded into h (a byte for true FNV-1a; some callers fold a
 * whole 64-bit word per step, a cheaper hash of the same family). */
static inline uint64_t fnv1a_step(uint64_t h, uint64_t v)
{
    return (h ^ v) * FNV1A_PRIME;
}

/* p[n] folded into h byte by byte (h = FNV1A_OFFSET to start). */
static inline uint64_t fnv1a_bytes(uint64_t h, const void *p, size_t n)
{
    const unsigned char *s = p;
    for (size_t i = 0; i < n; i++)
        h = fnv1a_step(h, s[i]);
    return h;
}

/* The bytes of the string s (without its terminator) folded into h. */
static inline uint64_t fnv1a_str(uint64_t h, const char *s)
{
    for (; *s; s++)
        h = fnv1a_step(h, (unsigned char)*s);
    return h;
}

/* The 8 bytes of v, least significant first, folded into h (the same on
 * every host, whatever its byte order). */
static inline uint64_t fnv1a_u64(uint64_t h, uint64_t v)
{
    for (int b = 0; b < 64; b += 8)
        h = fnv1a_step(h, (v >> b) & 0xff);
    return h;
}

#endif
