/*
 * dbgd_main.c - the sample of the debuginfod tests (e2e_debuginfod.py):
 * main -> dbgd_walk, dbgd_step (libdbgd_lib.so) -> dbgd_crash_here, a null
 * store.  The tests strip the program and the library, run them, and serve
 * the unstripped copies only through debuginfod.
 */
#include <bbx.h>
#include <stdio.h>

#include "dbgd_lib.h"

#define NOINLINE __attribute__((noinline))

static int *volatile target;

static NOINLINE void dbgd_crash_here(int depth)
{
    *target = depth; /* the crash */
}

int main(void)
{
    int rc = bbx_init(NULL);
    if (rc != 0) {
        fprintf(stderr, "dbgd_prog: bbx_init: %s\n", bbx_strerror(rc));
        return 3;
    }
    dbgd_walk(dbgd_crash_here, 2);
    return 0;
}
