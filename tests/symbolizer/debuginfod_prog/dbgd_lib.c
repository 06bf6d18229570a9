/*
 * dbgd_lib.c - the shared library of the debuginfod tests' sample.
 * dbgd_step is local (no dynamic symbol), so once stripped its frame can
 * only be named from debug information.
 */
#include "dbgd_lib.h"

#define NOINLINE __attribute__((noinline))

static volatile int steps;

static NOINLINE void dbgd_step(void (*visit)(int), int depth)
{
    if (depth > 1)
        dbgd_step(visit, depth - 1);
    else
        visit(depth);
    steps++; /* no tail call: this frame stays on the stack */
}

void dbgd_walk(void (*visit)(int), int depth)
{
    dbgd_step(visit, depth);
    steps++;
}
