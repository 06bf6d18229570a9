/*
 * inl_main.c - drives every part of the inline-heavy test program.  The
 * program is built with -O2 -g to be symbolized, not to be run; running it
 * prints one checksum.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inl_common.h"

static const char sample_text[] =
    "The quick brown fox jumps over 13 lazy dogs; 42 times.\n"
    "\xce\x93\xce\xb5\xce\xb9\xce\xac \xcf\x83\xce\xbf\xcf\x85 (hello) - "
    "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82!\n"
    "aaaa bbbb cccc 1234567 x_y_z ???\n";

/* The hash of 1 + 2 + ... + arg, for the stack machine: memory 0 holds
 * the sum, memory 1 the count down from arg. */
static const uint8_t sum_program[] = {
    1, 0, 0, 0, 0,       /* PUSH 0 */
    23, 0, 0, 0, 0,      /* STORE 0 */
    2,                   /* ARG */
    23, 1, 0, 0, 0,      /* STORE 1 */
    22, 1, 0, 0, 0,      /* loop (16): LOAD 1 */
    21, 63, 0, 0, 0,     /* JZ end */
    22, 0, 0, 0, 0,      /* LOAD 0 */
    22, 1, 0, 0, 0,      /* LOAD 1 */
    6,                   /* ADD */
    23, 0, 0, 0, 0,      /* STORE 0 */
    22, 1, 0, 0, 0,      /* LOAD 1 */
    1, 1, 0, 0, 0,       /* PUSH 1 */
    7,                   /* SUB */
    23, 1, 0, 0, 0,      /* STORE 1 */
    20, 16, 0, 0, 0,     /* JMP loop */
    22, 0, 0, 0, 0,      /* end (63): LOAD 0 */
    17,                  /* HASH */
    0                    /* HALT */
};

static inline unsigned parse_count(const char *s, unsigned dflt)
{
    if (!s)
        return dflt;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    return *end || v > 100000 ? dflt : (unsigned)v;
}

static inline uint64_t mix_result(uint64_t acc, uint64_t v)
{
    return acc ^ (inl_avalanche((uint32_t)v) + inl_avalanche((uint32_t)(v >> 32)) +
                  (acc << 6) + (acc >> 2));
}

/* Every part of variant v, each result mixed into acc. */
#define RUN_PARTS(v)                                                                       \
    do {                                                                                   \
        acc = mix_result(acc, inl_math_run_v##v(rounds, seed));                            \
        acc = mix_result(acc, inl_text_run_v##v(sample_text, rounds));                     \
        acc = mix_result(acc, inl_table_run_v##v(rounds * 1000, seed));                    \
        acc = mix_result(acc, inl_vm_run_v##v(sum_program, sizeof(sum_program),            \
                                              (int64_t)rounds * 10));                      \
        acc = mix_result(acc, inl_image_run_v##v(seed, rounds * 4));                       \
        acc = mix_result(acc, inl_calendar_run_v##v(-800000 + (int)rounds, 50000));        \
        acc = mix_result(acc, inl_parse_run_v##v(rounds));                                 \
    } while (0)

int main(int argc, char **argv)
{
    unsigned rounds = parse_count(argc > 1 ? argv[1] : NULL, 3);
    uint32_t seed = inl_hash_bytes(sample_text, strlen(sample_text), 7);
    uint64_t acc = 0;
    RUN_PARTS(0);
    RUN_PARTS(1);
    RUN_PARTS(2);
    printf("%016llx\n", (unsigned long long)acc);
    return 0;
}
