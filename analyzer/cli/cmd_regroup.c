/*
 * cmd_regroup.c - `bbx regroup [--rules FILE]`: the crash store's stacks
 * signed again under (new) rules, every count moved with them.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "cli_store.h"

typedef struct regroup_args {
    const char *db, *rules;
} regroup_args;

static const cli_option regroup_options[] = {
    CLI_GROUP_AT(regroup_args, db, cli_group_db),
    { .kind = CLI_TEXT, .name = "--rules", .slot = offsetof(regroup_args, rules),
      .arg = "FILE", .needs = "a file name",
      .help = "the rules to group by (signature.rules syntax; default: the shipped "
              "signature.rules)" },
    CLI_OPTIONS_END,
};

static int cmd_regroup(int argc, char **argv);

const cli_command cli_cmd_regroup = {
    .name = "regroup",
    .summary = "group the crash store again under changed signature rules",
    .operands = "",
    .about =
        "Compute the signature of every stack stored in the crash store again under\n"
        "the rules of --rules FILE (or the shipped signature.rules), move each stack\n"
        "and its snapshots, pruned ones included, to its new group, and rebuild\n"
        "every count from them.  The store records the rules: later bbx ingest runs\n"
        "group with them.  Nothing is symbolized again: the stored frames are used.\n"
        CLI_STORE_WHERE,
    .more = "Exit status: 0 done, 2 bad usage, rules that do not parse, or a store that\n"
            "cannot be written.\n",
    .options = regroup_options,
    .run = cmd_regroup,
};

static int cmd_regroup(int argc, char **argv)
{
    regroup_args a = { 0 };
    char err[1024], *text = NULL;
    int rc = CLI_ERROR;
    crash_store *st = NULL;
    int parsed = cli_parse(&cli_cmd_regroup, argc, argv, &a);
    if (parsed != CLI_PARSED) {
        rc = cli_parse_exit(parsed);
        goto out;
    }
    if (a.rules && !(text = store_rules_file(a.rules, err, sizeof(err)))) {
        cli_error("regroup", "%s", err);
        goto out;
    }
    if (!(st = cli_store_open("regroup", a.db, 0)))
        goto out;
    uint64_t moved, groups;
    if (store_regroup(st, text, &moved, &groups, err, sizeof(err)) < 0) {
        cli_error("regroup", "%s", err);
        goto out;
    }
    printf("regrouped %s: %llu stacks moved; %llu groups\n", store_path(st),
           (unsigned long long)moved, (unsigned long long)groups);
    rc = fflush(stdout) == 0 ? CLI_OK : CLI_ERROR;
out:
    free(text);
    store_close(st);
    cli_release(&cli_cmd_regroup, &a);
    return rc;
}
