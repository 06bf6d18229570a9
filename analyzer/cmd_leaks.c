/*
 * cmd_leaks.c - `bbx leaks`.  STUB: to be written (issue 4).
 */
#include "cli.h"

int cmd_leaks(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("leaks", "not implemented yet");
    return CLI_ERROR;
}
