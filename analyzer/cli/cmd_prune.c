/*
 * cmd_prune.c - `bbx prune`: fewer stored snapshots, the counts unchanged.
 */
#include <stddef.h>
#include <stdio.h>

#include "cli.h"
#include "cli_store.h"

typedef struct prune_args {
    const char *db;
    unsigned keep;
    int64_t older_ms;
} prune_args;

static const cli_option prune_options[] = {
    CLI_GROUP_AT(prune_args, db, cli_group_db),
    { .kind = CLI_UINT, .name = "--keep", .slot = offsetof(prune_args, keep), .arg = "K",
      .needs = "a number", .min = 1, .max = 100000000,
      .help = "keep at most K snapshots per group: its representative and the newest" },
    { .kind = CLI_CHECKED, .name = "--older-than", .slot = offsetof(prune_args, older_ms),
      .arg = "AGE", .needs = "an age", .is_not = "an age such as 90d, 12w",
      .parse = cli_parse_age,
      .help = "drop the snapshots captured more than AGE (s, m, h, d or w) ago, except each "
              "group's representative" },
    CLI_OPTIONS_END,
};

static int cmd_prune(int argc, char **argv);

const cli_command cli_cmd_prune = {
    .name = "prune",
    .summary = "drop stored snapshots, keeping the crash store's counts",
    .operands = "",
    .about =
        "Drop snapshots from the crash store: their rows, annotations and copies.\n"
        "The counts of every group (per day, version, build and host), first and\n"
        "last seen stay as they were, each group keeps its representative, and a\n"
        "dropped snapshot ingested again is still known (its key, stack, time, host,\n"
        "version and build stay in the table pruned, so bbx regroup counts it too).\n"
        "The file is compacted afterwards (SQLite VACUUM).  Give --keep, --older-than\n"
        "or both.\n" CLI_STORE_WHERE,
    .more = "Exit status: 0 done, 2 bad usage or a store that cannot be written.\n",
    .options = prune_options,
    .run = cmd_prune,
};

static int cmd_prune(int argc, char **argv)
{
    prune_args a = { 0 };
    char err[1024];
    int rc = CLI_ERROR;
    crash_store *st = NULL;
    int parsed = cli_parse(&cli_cmd_prune, argc, argv, &a);
    if (parsed != CLI_PARSED) {
        rc = cli_parse_exit(parsed);
        goto out;
    }
    if (!a.keep && !a.older_ms) {
        cli_usage_error(&cli_cmd_prune, "give --keep K, --older-than AGE or both");
        goto out;
    }
    if (!(st = cli_store_open("prune", a.db, 0)))
        goto out;
    uint64_t dropped;
    if (store_prune(st, a.keep, a.older_ms ? store_now_ms() - a.older_ms : 0, &dropped, err,
                    sizeof(err)) < 0) {
        cli_error("prune", "%s", err);
        goto out;
    }
    printf("pruned %llu snapshots from %s\n", (unsigned long long)dropped, store_path(st));
    rc = fflush(stdout) == 0 ? CLI_OK : CLI_ERROR;
out:
    store_close(st);
    cli_release(&cli_cmd_prune, &a);
    return rc;
}
