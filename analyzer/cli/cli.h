/*
 * cli.h - what the subcommands of `bbx` share: their descriptions, the exit
 * code contract and the helper that prints an error.
 *
 * A subcommand is a cli_command (cli_options.h): its option table, help
 * prose and `int run(int argc, char **argv)`, argv[0] being its name, which
 * returns an exit code.  To add one, write cmd_NAME.c with its cli_cmd_NAME
 * and list it in the table in bbx_main.c.
 */
#ifndef BBX_CLI_H
#define BBX_CLI_H

#include "cli_options.h"

/* Exit codes of every subcommand (docs/CLI.md). */
enum cli_exit {
    CLI_OK = 0,       /* done; an incomplete snapshot still counts as read */
    CLI_FINDINGS = 1, /* the check found something (leaks, regressions) */
    CLI_ERROR = 2,    /* bad usage, or input that cannot be read */
};

/* The exit code of a command whose cli_parse() said p (not CLI_PARSED). */
static inline int cli_parse_exit(int p)
{
    return p == CLI_HELP_SHOWN ? CLI_OK : CLI_ERROR;
}

extern const cli_command cli_cmd_show;
extern const cli_command cli_cmd_symbolize;
extern const cli_command cli_cmd_leaks;
extern const cli_command cli_cmd_diff;
extern const cli_command cli_cmd_flame;
extern const cli_command cli_cmd_report;
extern const cli_command cli_cmd_scrub;
extern const cli_command cli_cmd_ingest;
extern const cli_command cli_cmd_crashes;
extern const cli_command cli_cmd_crash;
extern const cli_command cli_cmd_prune;
extern const cli_command cli_cmd_regroup;

/*
 * Print "bbx CMD: MESSAGE" as one line on stderr (just "bbx: MESSAGE" when
 * cmd is NULL).  Newlines in the message are replaced so it stays one line.
 */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
