/*
 * cmd_diff.c - `bbx diff`.  STUB: to be written (issue 4).
 */
#include "cli.h"

int cmd_diff(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("diff", "not implemented yet");
    return CLI_ERROR;
}
