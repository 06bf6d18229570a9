/*
 * bbx_main.c - the `bbx` command: global options and the table that sends
 * each subcommand to its cmd_*.c file.
 */
#include <malloc.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef BBX_VERSION
#define BBX_VERSION "unknown"
#endif

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    { "show", cmd_show, "print the crash report held in a snapshot" },
    { "symbolize", cmd_symbolize, "addresses of a binary to functions and source lines" },
    { "leaks", cmd_leaks, "fd, thread and child-process leak suspects in a snapshot series" },
    { "diff", cmd_diff, "compare two leak reports; exit 1 on a new or grown leak" },
    { "flame", cmd_flame, "flame graphs of thread stacks or fd/thread creation stacks" },
    { "report", cmd_report, "one self-contained HTML page of a snapshot or a series" },
    { "scrub", cmd_scrub, "copy a snapshot without private parts, before sharing it" },
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
    fputs("usage: bbx <command> [options] [args]\n"
          "       bbx help [command] | bbx --help | bbx --version\n"
          "\n"
          "commands:\n", out);
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "Exit status: 0 done, 1 findings (leaks, regressions), 2 bad usage or\n"
          "unreadable input.  'bbx help <command>' tells more about one command.\n", out);
}

static const command *find(const char *name)
{
    for (size_t i = 0; i < N_COMMANDS; i++)
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    return NULL;
}

int main(int argc, char **argv)
{
    const command *c;
    /* Commands read snapshot after snapshot, each freed before the next:
     * without this, glibc gives the heap back and grows it again for every
     * file (two brk calls a snapshot, a quarter of `bbx flame`'s time over
     * 1,000 snapshots).  A short-lived batch tool can keep it. */
    mallopt(M_TRIM_THRESHOLD, 64 << 20);
    mallopt(M_TOP_PAD, 4 << 20);
    if (argc < 2) {
        usage(stderr);
        return CLI_ERROR;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 ||
        (strcmp(name, "help") == 0 && argc == 2)) {
        usage(stdout);
        return CLI_OK;
    }
    if (strcmp(name, "--version") == 0) {
        printf("bbx %s\n", BBX_VERSION);
        return CLI_OK;
    }
    if (strcmp(name, "help") == 0) {
        char *help_argv[] = { argv[2], "--help", NULL };
        if (!(c = find(argv[2]))) {
            cli_error(NULL, "'%s' is not a bbx command (see 'bbx help')", argv[2]);
            return CLI_ERROR;
        }
        return c->run(2, help_argv);
    }
    if (!(c = find(name))) {
        if (name[0] == '-')
            cli_error(NULL, "unknown option '%s' (see 'bbx help')", name);
        else
            cli_error(NULL, "'%s' is not a bbx command (see 'bbx help')", name);
        return CLI_ERROR;
    }
    return c->run(argc - 1, argv + 1);
}
