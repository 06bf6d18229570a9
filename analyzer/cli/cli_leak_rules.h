/*
 * cli_leak_rules.h - the options that say what a leak is, shared by `bbx
 * leaks` and `bbx report`: which modules are the program's own
 * (--app-modules GLOB), the toolkit rules (--toolkit-rules FILE, or the
 * file shipped with bbx; --no-toolkit-rules) and the user's suppressions
 * (--suppress FILE).  cli_group_leak_rules parses them into a
 * cli_leak_rules; cli_leak_rules_load() turns that into leak_options.
 *
 * The shipped rules (toolkits.supp) are looked for beside the `bbx`
 * executable (the build tree), then in ../share/bbx/ from it (an
 * installed tree), then in the data directory bbx was configured with.
 *
 * Not thread-safe (it prints); not async-signal-safe.
 */
#ifndef BBX_CLI_LEAK_RULES_H
#define BBX_CLI_LEAK_RULES_H

#include "cli_options.h"
#include "leak_analyze.h"

typedef struct cli_leak_rules {
    cli_list app_modules;      /* --app-modules GLOB... */
    const char *toolkit_rules; /* --toolkit-rules FILE, or NULL: the shipped file */
    int no_toolkit_rules;      /* --no-toolkit-rules */
    cli_list suppress;         /* --suppress FILE... */
} cli_leak_rules;

extern const cli_option cli_group_leak_rules[];

/* Fill lo->apps, lo->toolkit and lo->suppress from r.  0, or -1 after one
 * line on stderr naming cmd and the file (unreadable, a bad line).  A
 * missing shipped file is a warning, not an error. */
int cli_leak_rules_load(const char *cmd, const cli_leak_rules *r, leak_options *lo);

/* Free what cli_leak_rules_load() put in lo. */
void cli_leak_rules_release(leak_options *lo);

/* The path of the shipped toolkit rules, or NULL when none is found
 * (into buf[len]). */
const char *cli_toolkit_rules_path(char *buf, size_t len);

#endif
