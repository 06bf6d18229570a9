/*
 * cli_leak_rules.c - --app-modules, --toolkit-rules, --no-toolkit-rules and
 * --suppress for `bbx leaks` and `bbx report` (cli_leak_rules.h).
 */
#include "cli_leak_rules.h"

#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "leak_suppress.h"

#define TOOLKIT_RULES_NAME "toolkits.supp"

const cli_option cli_group_leak_rules[] = {
    { .kind = CLI_LIST, .name = "--app-modules", .arg = "GLOB",
      .slot = offsetof(cli_leak_rules, app_modules), .needs = "a pattern",
      .help = "the modules that are the program's own code (repeatable; a GLOB with '/' "
              "matches the path, else the base name).  Default: the executable and every "
              "module outside /lib*, /usr/lib* and their subdirectories.  Origins name "
              "the first frame in these modules first" },
    { .kind = CLI_TEXT, .name = "--toolkit-rules", .arg = "FILE",
      .slot = offsetof(cli_leak_rules, toolkit_rules), .needs = "a file",
      .help = "rules (suppression syntax) for what toolkits create once and keep, "
              "instead of the toolkits.supp shipped with bbx: a group they match is "
              "not a suspect for being open at exit; growth still is" },
    { .kind = CLI_FLAG, .name = "--no-toolkit-rules",
      .slot = offsetof(cli_leak_rules, no_toolkit_rules),
      .help = "no toolkit rules: everything still open at exit in the program's "
              "own stacks is a suspect" },
    { .kind = CLI_LIST, .name = "--suppress", .arg = "FILE",
      .slot = offsetof(cli_leak_rules, suppress), .needs = "a file",
      .help = "leave out the suspects these rules match, whatever made them one "
              "(repeatable; the syntax of `bbx diff --suppress`)" },
    CLI_OPTIONS_END,
};

/* dir + "/" + rel into buf when that file exists. */
static const char *try_path(char *buf, size_t len, const char *dir, const char *rel)
{
    int n = snprintf(buf, len, "%s/%s", dir, rel);
    if (n < 0 || (size_t)n >= len || access(buf, R_OK) != 0)
        return NULL;
    return buf;
}

const char *cli_toolkit_rules_path(char *buf, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            if (try_path(buf, len, exe, TOOLKIT_RULES_NAME) ||
                try_path(buf, len, exe, "../share/bbx/" TOOLKIT_RULES_NAME))
                return buf;
        }
    }
#ifdef BBX_DATADIR
    if (try_path(buf, len, BBX_DATADIR, TOOLKIT_RULES_NAME))
        return buf;
#endif
    return NULL;
}

static int load_into(const char *cmd, leak_suppressions **s, const char *path)
{
    char err[512];
    if (!*s && !(*s = leak_suppress_new())) {
        cli_error(cmd, "out of memory");
        return -1;
    }
    if (leak_suppress_load(*s, path, err, sizeof(err)) < 0) {
        cli_error(cmd, "%s", err);
        return -1;
    }
    return 0;
}

int cli_leak_rules_load(const char *cmd, const cli_leak_rules *r, leak_options *lo)
{
    char shipped[PATH_MAX + 32];
    lo->apps.globs = r->app_modules.v;
    lo->apps.n = r->app_modules.n;
    if (r->toolkit_rules && !r->no_toolkit_rules) {
        if (load_into(cmd, &lo->toolkit, r->toolkit_rules) < 0)
            return -1;
    } else if (!r->no_toolkit_rules) {
        const char *path = cli_toolkit_rules_path(shipped, sizeof(shipped));
        if (!path)
            cli_error(cmd, "warning: the toolkit rules (" TOOLKIT_RULES_NAME ") are not "
                      "installed beside bbx: what toolkits keep open at exit counts as "
                      "suspects (--toolkit-rules FILE names them)");
        else if (load_into(cmd, &lo->toolkit, path) < 0)
            return -1;
    }
    for (size_t i = 0; i < r->suppress.n; i++)
        if (load_into(cmd, &lo->suppress, r->suppress.v[i]) < 0)
            return -1;
    return 0;
}

void cli_leak_rules_release(leak_options *lo)
{
    leak_suppress_free(lo->toolkit);
    leak_suppress_free(lo->suppress);
    lo->toolkit = lo->suppress = NULL;
}
