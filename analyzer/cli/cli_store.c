/*
 * cli_store.c - the --db option and opening the crash store (cli_store.h).
 */
#include "cli_store.h"

#include <stdio.h>
#include <time.h>

#include "cli.h"

const cli_option cli_group_db[] = {
    { .kind = CLI_TEXT, .name = "--db", .arg = "PATH", .needs = "a file name",
      .help = "the crash store (default: $BBX_DB, else ~/.local/share/bbx/crashes.db)" },
    CLI_OPTIONS_END,
};

crash_store *cli_store_open(const char *cmd, const char *db, int flags)
{
    char path[4096], err[1024];
    if (!db) {
        if (store_default_path(path, sizeof(path)) < 0) {
            cli_error(cmd, "no crash store named: give --db PATH or set BBX_DB (HOME is not set)");
            return NULL;
        }
        db = path;
    }
    crash_store *st = store_open(db, flags, err, sizeof(err));
    if (!st)
        cli_error(cmd, "%s", err);
    return st;
}

int cli_parse_age(const char *value, void *slot)
{
    static const struct { char unit; int64_t ms; } units[] = {
        { 's', 1000 }, { 'm', 60000 }, { 'h', 3600000 }, { 'd', 86400000 }, { 'w', 604800000 },
    };
    int64_t n = 0;
    const char *p = value;
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p >= '0' && *p <= '9'; p++) {
        n = n * 10 + (*p - '0');
        if (n > 1000000)
            return -1;
    }
    for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++)
        if (p[0] == units[i].unit && !p[1] && n > 0) {
            *(int64_t *)slot = n * units[i].ms;
            return 0;
        }
    return -1;
}

void cli_store_time(int64_t ms, int seconds, char *out, size_t len)
{
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (ms <= 0 || !gmtime_r(&t, &tm) ||
        !strftime(out, len, seconds ? "%Y-%m-%d %H:%M:%S" : "%Y-%m-%d %H:%M", &tm))
        snprintf(out, len, "-");
}
