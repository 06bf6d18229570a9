/*
 * fuzz_promise.h - FUZZ_PROMISE(cond): a promise the fuzz targets check;
 * a broken one prints where and aborts, so libFuzzer and the replay program
 * under ctest both report it.
 */
#ifndef BBX_FUZZ_PROMISE_H
#define BBX_FUZZ_PROMISE_H

#include <stdio.h>
#include <stdlib.h>

#define FUZZ_PROMISE(cond)                                                         \
    do {                                                                           \
        if (!(cond)) {                                                             \
            fprintf(stderr, "%s:%d: broken promise: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                               \
        }                                                                          \
    } while (0)

#endif
