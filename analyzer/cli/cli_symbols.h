/*
 * cli_symbols.h - the symbol options the subcommands that symbolize share:
 * how long debuginfod may take (--debuginfod-timeout SECONDS, else
 * BBX_DEBUGINFOD_TIMEOUT, else the symbolizer's default), and the progress
 * line shown on stderr while a debuginfod download runs, when stderr is a
 * terminal.
 */
#ifndef BBX_CLI_SYMBOLS_H
#define BBX_CLI_SYMBOLS_H

#include <stddef.h>

#include "symbolizer.h"

/* The option's spelling, for the subcommands' parsers and help. */
#define CLI_DEBUGINFOD_TIMEOUT "--debuginfod-timeout"

/*
 * The milliseconds for sym_options.debuginfod_ms from the option's value
 * (NULL when the option was not given: then BBX_DEBUGINFOD_TIMEOUT, empty
 * counts as unset).  Whole seconds from 0 to 86400; 0 means debuginfod is not
 * asked (*ms = -1).  Neither: *ms = 0 (the default).  Returns 0, or -1 after
 * one line on stderr naming cmd and the bad value.
 */
int cli_debuginfod_timeout(const char *cmd, const char *value, int *ms);

/* sym_options with the environment used and, when stderr is a terminal,
 * the debuginfod progress line. */
sym_options cli_sym_options(const char *const *dirs, size_t n_dirs, int no_demangle,
                            int debuginfod_ms);

#endif
