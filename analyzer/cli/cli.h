/*
 * cli.h - what the subcommands of `bbx` share: their entry points, the exit
 * code contract, the helper that prints an error and the option parsing they
 * share (cli_args.c).
 *
 * A subcommand is `int cmd_NAME(int argc, char **argv)`, argv[0] being its
 * name; it returns an exit code.  To add one, write cmd_NAME.c and list it in
 * the table in bbx_main.c.
 */
#ifndef BBX_CLI_H
#define BBX_CLI_H

#include <stdint.h>

/* Exit codes of every subcommand (docs/FORMAT.md). */
enum cli_exit {
    CLI_OK = 0,       /* done; an incomplete snapshot still counts as read */
    CLI_FINDINGS = 1, /* the check found something (leaks, regressions) */
    CLI_ERROR = 2,    /* bad usage, or input that cannot be read */
};

int cmd_show(int argc, char **argv);
int cmd_symbolize(int argc, char **argv);
int cmd_leaks(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_flame(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_scrub(int argc, char **argv);

/* A process id given as an option value: decimal digits only, not 0.
 * Returns 0 with *out set, or -1. */
int cli_parse_pid(const char *s, uint64_t *out);

/*
 * Print "bbx CMD: MESSAGE" as one line on stderr (just "bbx: MESSAGE" when
 * cmd is NULL).  Newlines in the message are replaced so it stays one line.
 */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
