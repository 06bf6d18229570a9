/*
 * cli_store.h - what the crash store's commands (ingest, crashes, crash,
 * prune, regroup, report --db) share: the --db option and opening the
 * store it names, or the default one (store_default_path).
 */
#ifndef BBX_CLI_STORE_H
#define BBX_CLI_STORE_H

#include "cli_options.h"
#include "store.h"

/* --db PATH: into a const char *. */
extern const cli_option cli_group_db[];

/* The help paragraph every store command prints: where the store is. */
#define CLI_STORE_WHERE                                                              \
    "The store is --db PATH, else $BBX_DB, else $XDG_DATA_HOME/bbx/crashes.db,\n"   \
    "else ~/.local/share/bbx/crashes.db.\n"

/* An age: digits and a unit, s m h d or w ("7d", "36h"), not 0; into the
 * int64_t at slot as milliseconds.  0, or -1 (CLI_CHECKED). */
int cli_parse_age(const char *value, void *slot);

/* A capture time as "YYYY-MM-DD HH:MM[:SS]" (UTC) into out[len]; "-" for
 * none. */
void cli_store_time(int64_t ms, int seconds, char *out, size_t len);

/* Open the store db names (NULL: the default) with flags (store.h); NULL
 * after printing "bbx CMD: why" on stderr. */
crash_store *cli_store_open(const char *cmd, const char *db, int flags);

#endif
