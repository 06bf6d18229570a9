/*
 * dbgd_lib.h - the shared library of the debuginfod tests' sample: it walks
 * down a few calls and then calls back into the program.
 */
#ifndef DBGD_LIB_H
#define DBGD_LIB_H

void dbgd_walk(void (*visit)(int depth), int depth);

#endif
