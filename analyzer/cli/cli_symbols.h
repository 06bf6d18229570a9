/*
 * cli_symbols.h - the symbol options the subcommands that symbolize share
 * (cli_group_symbols in cli_options.h parses them into a cli_symbols): the
 * session they make, how long debuginfod may take (--debuginfod-timeout
 * SECONDS, else BBX_DEBUGINFOD_TIMEOUT, else the symbolizer's default), and
 * the progress line shown on stderr while a debuginfod download runs, when
 * stderr is a terminal.
 */
#ifndef BBX_CLI_SYMBOLS_H
#define BBX_CLI_SYMBOLS_H

#include "cli_options.h"
#include "symbolizer.h"

/*
 * The milliseconds for sym_options.debuginfod_ms: from the option (already
 * checked by the parser), else from BBX_DEBUGINFOD_TIMEOUT (empty counts as
 * unset).  Whole seconds from 0 to 86400; 0 means debuginfod is not asked
 * (*ms = -1).  Neither: *ms = 0 (the default).  Returns 0, or -1 after one
 * line on stderr naming cmd and the bad value of the variable.
 */
int cli_symbols_timeout(const char *cmd, const cli_symbols *s, int *ms);

/* A symbol session as the options say, with the environment used and the
 * debuginfod progress line on a terminal; NULL with --no-symbols (or out of
 * memory: frames are then shown unsymbolized).  Free with sym_session_free(). */
sym_session *cli_symbols_open(const cli_symbols *s, int debuginfod_ms);

#endif
