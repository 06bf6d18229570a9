/*
 * show_context.h - `bbx show --context A [B]`: the context a process ran
 * in (the session, ids, security, GPU nodes, environment allow-list,
 * kernel, drawing modules) of one snapshot, or what differs between two:
 * a run that crashed and one that did not.
 */
#ifndef BBX_SHOW_CONTEXT_H
#define BBX_SHOW_CONTEXT_H

#include <stdio.h>

#include "snap_reader.h"

/* Print the context of a (b NULL), or the differences between a and b.
 * Returns 0 (the same, or one snapshot), 1 (they differ), -1 (memory). */
int show_context(FILE *out, const char *path_a, const snap *a, const char *path_b,
                 const snap *b, int json);

#endif
