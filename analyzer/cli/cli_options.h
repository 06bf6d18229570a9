/*
 * cli_options.h - the one option parser of `bbx`: every subcommand describes
 * its options in a table, and the parser, the error messages, `CMD --help`,
 * `bbx help CMD` and docs/CLI.md (`bbx help --markdown`) all come from that
 * table, so what is parsed and what is documented cannot drift apart.
 *
 * A table is an array of cli_option ending with CLI_END.  Each option names
 * where its value goes as an offset into the command's own argument struct
 * (offsetof), so tables are static and constant.  Options used by several
 * commands are SHARED GROUPS (cli_group_*, below): a table includes one with
 * CLI_GROUP(offset of the group's struct), so every command that symbolizes
 * accepts the very same symbol options with the same help and errors.
 *
 * What the parser accepts, for every command alike:
 *   --name, --name VALUE, --name=VALUE, -x, -x VALUE, -xVALUE;
 *   -h and --help (the help, exit 0); "--" ends the options; "-" and any
 *   other word are operands, kept in the order given.
 * Every error is one line on stderr, worded here (cli_error() prints it):
 *   unknown option '--bogus' (see 'bbx CMD --help')
 *   --json takes no value (see 'bbx CMD --help')
 *   --debug-dir needs a directory (see 'bbx CMD --help')
 *   --pid: 'x' is not a process id (see 'bbx CMD --help')
 * How many operands a command wants, and options it cannot run without
 * (`report -o`, `symbolize -e`), are checked by the command after parsing.
 *
 * Not thread-safe (it prints); not async-signal-safe.
 */
#ifndef BBX_CLI_OPTIONS_H
#define BBX_CLI_OPTIONS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Repeated values or operands, in the order given.  The strings are argv's;
 * the array is the parser's (freed by cli_release()). */
typedef struct cli_list {
    char **v;
    size_t n;
    int given; /* the option was given at least once (CLI_OPERANDS: even with none after it) */
} cli_list;

typedef enum cli_kind {
    CLI_END = 0,  /* ends a table */
    CLI_FLAG,     /* no value: the int at slot becomes 1 */
    CLI_TEXT,     /* a value, kept as the const char * at slot (the last one given) */
    CLI_LIST,     /* a value, repeatable: appended to the cli_list at slot */
    CLI_UINT,     /* whole number min..max (digits only) into the unsigned at slot */
    CLI_CHOICE,   /* one of .choices: its index into the int at slot */
    CLI_CHECKED,  /* a value .parse accepts (it fills slot), else a bad value */
    CLI_OPERANDS, /* no value: the operands after it, up to the next option, go to
                     the cli_list at slot instead of the command's (flame --diff) */
    CLI_GROUP,    /* a shared group: .group's options, slot = offset of its struct */
} cli_kind;

/* A value of a CLI_CHOICE option and its line of help; arrays end with {0}. */
typedef struct cli_choice {
    const char *name;
    const char *help;
} cli_choice;

typedef struct cli_option {
    cli_kind kind;
    const char *name;   /* "--json"; NULL when there is only the letter */
    char letter;        /* 'o' for -o; 0 for none */
    size_t slot;        /* offsetof(the command's args, field) */
    const char *arg;    /* the value's placeholder in help: "DIR" */
    const char *needs;  /* what a missing value is said to need: "a directory" */
    const char *is_not; /* what a bad value is said not to be (NULL: .needs) */
    const char *help;   /* one paragraph; '\n' starts a new line.  In a CLI_GROUP
                           entry: replaces the help of a one-option group */
    int required;       /* shown without brackets in the usage line */
    unsigned min, max;  /* CLI_UINT */
    const cli_choice *choices;                   /* CLI_CHOICE */
    int (*parse)(const char *value, void *slot); /* CLI_CHECKED: 0, or -1 */
    const struct cli_option *group;              /* CLI_GROUP */
} cli_option;

#define CLI_OPTIONS_END { .kind = CLI_END }
#define CLI_GROUP_AT(type, field, grp) \
    { .kind = CLI_GROUP, .slot = offsetof(type, field), .group = (grp) }
/* A one-option group with the command's own help for it. */
#define CLI_GROUP_HELP(type, field, grp, text) \
    { .kind = CLI_GROUP, .slot = offsetof(type, field), .group = (grp), .help = (text) }

typedef struct cli_command {
    const char *name;     /* "show" */
    const char *summary;  /* one line for `bbx help` */
    const char *operands; /* the usage line's operands: "FILE...|DIR..." */
    const char *about;    /* prose between the usage line and the options */
    const char *more;     /* prose after the options (ends with the exit status) */
    const cli_option *options;
    size_t operand_slot;  /* offsetof the cli_list that receives the operands;
                             with operands "" the command takes none (an operand
                             is a usage error) and the slot is not used */
    int dash_digit_operands; /* "-1", "-0x12" are operands, not options (symbolize) */
    int (*run)(int argc, char **argv);
} cli_command;

enum { CLI_PARSED = 0, CLI_HELP_SHOWN = 1, CLI_BAD_USAGE = -1 };

/*
 * Parse argv (argv[0] is the command's name) into args, the command's
 * argument struct, which the caller has initialised with its defaults.
 * CLI_PARSED; CLI_HELP_SHOWN after printing the help on stdout; or
 * CLI_BAD_USAGE after one line on stderr.  Call cli_release() in every case.
 */
int cli_parse(const cli_command *cmd, int argc, char **argv, void *args);

/* Free the lists the parser allocated in args.  Idempotent. */
void cli_release(const cli_command *cmd, void *args);

/* The help of cmd, as `bbx CMD --help` prints it. */
void cli_help(const cli_command *cmd, FILE *out);

/* The section of docs/CLI.md about cmd (`bbx help --markdown`). */
void cli_help_markdown(const cli_command *cmd, FILE *out);

/* cli_error() with the parser's suffix: "... (see 'bbx CMD --help')"
 * (cli_error.c). */
void cli_usage_error(const cli_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ---- shared groups ------------------------------------------------------ */

/* --json: into an int. */
extern const cli_option cli_group_json[];
/* --all-threads: into an int (show and report: identical stacks not folded). */
extern const cli_option cli_group_all_threads[];
/* -o, --output OUT: into a const char *; the command gives the help. */
extern const cli_option cli_group_output[];
/* --pid N: into a uint64_t (0: every process). */
extern const cli_option cli_group_pid[];

/* What the symbol options set (cli_symbols.h turns it into a session). */
typedef struct cli_symbols {
    int no_symbols;         /* --no-symbols */
    int no_demangle;        /* --no-demangle */
    cli_list debug_dirs;    /* --debug-dir DIR... */
    const char *debuginfod; /* --debuginfod-timeout SECONDS (validated), or NULL */
} cli_symbols;

/* Where symbols come from: --no-demangle, --debug-dir, --debuginfod-timeout.
 * For commands whose output is symbols (symbolize). */
extern const cli_option cli_group_symbol_sources[];
/* --no-symbols and the symbol sources: every command that symbolizes the
 * frames of snapshots (show, leaks, diff, flame, report). */
extern const cli_option cli_group_symbols[];

#endif
