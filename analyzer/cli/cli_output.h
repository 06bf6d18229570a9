/*
 * cli_output.h - where a subcommand writes a file it produces (-o OUT).
 *
 * A regular file (new or existing) is written under a temporary name in
 * the same directory and renamed over OUT only when complete, so OUT is
 * never half written.  "-" is standard output.  An existing OUT that is not
 * a regular file (/dev/null, a FIFO, a terminal) is opened and written in
 * place: renaming over it would replace the device.
 *
 * Errors are printed with cli_error() as one line naming OUT.
 * Not thread-safe; not async-signal-safe.
 */
#ifndef BBX_CLI_OUTPUT_H
#define BBX_CLI_OUTPUT_H

#include <stdio.h>

typedef struct cli_output {
    FILE *f;          /* write here */
    const char *path; /* OUT as given */
    char *tmp;        /* the temporary name, NULL when writing in place */
    int is_stdout;
} cli_output;

/* Open OUT for command `cmd`.  0, or -1 after printing why. */
int cli_output_open(cli_output *o, const char *cmd, const char *path);

/* Finish: with ok, flush, close and rename into place (0, or -1 after
 * printing why); without ok, discard the temporary file (returns -1). */
int cli_output_close(cli_output *o, const char *cmd, int ok);

#endif
