/*
 * env_config.c - BBX_* environment variables for the fields a bbx_config
 * leaves unset (0 or NULL).  BBX_DIR and BBX_APP are resolved by
 * bbx_init.c; everything else is read here.  A set but unparsable variable
 * fails bbx_init() with BBX_EINVAL, and config_env_error() says which one
 * and why (libbbx-preload.so prints it).  An empty variable counts as unset.
 * Runs at init only: not on the crash path.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/auxv.h>

#include "collector.h"
#include "snap_redact.h"

#define MIN_INTERVAL_MS 10u
#define MAX_TRACK_FRAMES 64u

static char env_error[320];

const char *config_env_error(void)
{
    return env_error[0] ? env_error : NULL;
}

/* The message shows at most 64 bytes of the value, control characters as
 * '?', so that it stays one line. */
static int bad(const char *name, const char *value, const char *why)
{
    char shown[65];
    size_t n = 0;
    for (; value[n] && n < sizeof(shown) - 1; n++)
        shown[n] = (unsigned char)value[n] < 0x20 || value[n] == 0x7f ? '?' : value[n];
    shown[n] = '\0';
    snprintf(env_error, sizeof(env_error), "%s=\"%s\" is invalid: %s", name, shown, why);
    return -1;
}

int config_privileged(void)
{
    return getauxval(AT_SECURE) != 0;
}

const char *config_getenv(const char *name)
{
    const char *v = secure_getenv(name); /* NULL when AT_SECURE */
    return v && *v ? v : NULL;
}

static const char *env(const char *name)
{
    return config_getenv(name);
}

/* A whole decimal number, no sign, no trailing junk. */
static int parse_ull(const char *s, unsigned long long *out, const char **end)
{
    char *e;
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    *out = strtoull(s, &e, 10);
    if (errno != 0)
        return -1;
    *end = e;
    return 0;
}

static int env_uint(const char *name, unsigned lo, unsigned hi, unsigned *field)
{
    const char *v = env(name), *end;
    unsigned long long n;
    char why[64];
    if (*field || !v)
        return 0;
    if (parse_ull(v, &n, &end) != 0 || *end)
        return bad(name, v, "expected a whole number");
    if (n < lo || n > hi) {
        snprintf(why, sizeof(why), "expected %u to %u", lo, hi);
        return bad(name, v, why);
    }
    *field = (unsigned)n;
    return 0;
}

static int env_bool(const char *name, int *field)
{
    static const char *const yes[] = { "1", "yes", "true", "on" };
    static const char *const no[] = { "0", "no", "false", "off" };
    const char *v = env(name);
    if (*field || !v)
        return 0;
    for (unsigned i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *field = 1;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0)
            return 0;
    }
    return bad(name, v, "expected 0 or 1");
}

/* A byte count: digits with an optional K, M or G (powers of 1024),
 * optionally followed by "B" or "iB". */
static int env_bytes(const char *name, unsigned long long *field)
{
    const char *v = env(name), *end;
    unsigned long long n;
    unsigned shift = 0;
    if (*field || !v)
        return 0;
    if (parse_ull(v, &n, &end) != 0)
        return bad(name, v, "expected a size such as 500M");
    switch (*end) {
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: break;
    }
    if (shift && *end == 'i')
        end++;
    if (*end == 'B' || *end == 'b')
        end++;
    if (*end || (shift && n > (~0ull >> shift)))
        return bad(name, v, "expected a size such as 500M");
    *field = n << shift;
    return 0;
}

/* BBX_HEAP_SAMPLE: a size (env_bytes) from 1 byte to 64G. */
static int env_heap_sample(const char *name, unsigned long long *field)
{
    if (*field)
        return 0;
    if (env_bytes(name, field) != 0)
        return -1;
    if (*field == 0 && env(name))
        return bad(name, env(name), "expected a size from 1 to 64G");
    if (*field > (64ull << 30))
        return bad(name, env(name), "expected a size from 1 to 64G");
    return 0;
}

static const struct {
    const char *name;
    int sig;
} signal_names[] = {
    { "HUP", SIGHUP },       { "INT", SIGINT },     { "QUIT", SIGQUIT },
    { "USR1", SIGUSR1 },     { "USR2", SIGUSR2 },   { "PIPE", SIGPIPE },
    { "ALRM", SIGALRM },     { "TERM", SIGTERM },   { "CHLD", SIGCHLD },
    { "CONT", SIGCONT },     { "TSTP", SIGTSTP },   { "TTIN", SIGTTIN },
    { "TTOU", SIGTTOU },     { "URG", SIGURG },     { "XCPU", SIGXCPU },
    { "XFSZ", SIGXFSZ },     { "VTALRM", SIGVTALRM }, { "PROF", SIGPROF },
    { "WINCH", SIGWINCH },   { "IO", SIGIO },       { "POLL", SIGPOLL },
    { "PWR", SIGPWR },       { "KILL", SIGKILL },   { "STOP", SIGSTOP },
    { "SEGV", SIGSEGV },     { "BUS", SIGBUS },     { "ILL", SIGILL },
    { "FPE", SIGFPE },       { "ABRT", SIGABRT },   { "TRAP", SIGTRAP },
    { "SYS", SIGSYS },
};

/* "USR2", "SIGUSR2", "12", "RTMIN+2", "SIGRTMAX-1"; 0 when unknown. */
static int parse_signal(const char *s)
{
    const char *end;
    unsigned long long n;
    if (parse_ull(s, &n, &end) == 0)
        return *end || n == 0 || n > (unsigned long long)SIGRTMAX ? 0 : (int)n;
    if (strncasecmp(s, "SIG", 3) == 0)
        s += 3;
    for (size_t i = 0; i < sizeof(signal_names) / sizeof(signal_names[0]); i++)
        if (strcasecmp(s, signal_names[i].name) == 0)
            return signal_names[i].sig;
    int base = strncasecmp(s, "RTMIN", 5) == 0 ? SIGRTMIN
             : strncasecmp(s, "RTMAX", 5) == 0 ? SIGRTMAX : 0;
    if (!base)
        return 0;
    s += 5;
    if (!*s)
        return base;
    int sign = *s == '+' ? 1 : *s == '-' ? -1 : 0;
    if (!sign || parse_ull(s + 1, &n, &end) != 0 || *end || n > 64)
        return 0;
    int sig = base + sign * (int)n;
    return sig >= SIGRTMIN && sig <= SIGRTMAX ? sig : 0;
}

int config_snapshot_signal_ok(int sig, int thread_signal)
{
    static const int refused[] = { SIGKILL, SIGSTOP, SIGSEGV, SIGBUS, SIGILL,
                                   SIGFPE,  SIGABRT, SIGTRAP, SIGSYS };
    if (sig <= 0 || sig > SIGRTMAX || (sig > SIGSYS && sig < SIGRTMIN))
        return 0; /* glibc keeps 32 and 33 for itself */
    for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
        if (sig == refused[i])
            return 0;
    return thread_signal == 0 || sig != thread_signal; /* 0: picked to avoid it */
}

static int env_signal(const char *name, int thread_signal, int *field)
{
    const char *v = env(name);
    if (*field || !v)
        return 0;
    int sig = parse_signal(v);
    if (!sig)
        return bad(name, v, "not a signal name or number");
    if (!config_snapshot_signal_ok(sig, thread_signal))
        return bad(name, v, "signal reserved (KILL, STOP, the crash signals, bbx's thread signal)");
    *field = sig;
    return 0;
}

static int env_thread_signal(const char *name, int *field)
{
    const char *v = env(name);
    if (*field || !v)
        return 0;
    int sig = parse_signal(v);
    if (sig < SIGRTMIN || sig > SIGRTMAX)
        return bad(name, v, "expected a real-time signal such as RTMAX-3");
    *field = sig;
    return 0;
}

/* "fd", "thread", "exec", "heap" or a comma list of them; "all" or "1"
 * (fd, thread and exec: heap tracking changes the allocator's path, so it is asked for
 * by name); "none" or "0" turn it off. */
static int env_track(const char *name, unsigned *field)
{
    const char *v = env(name);
    unsigned flags = 0;
    if (*field || !v)
        return 0;
    if (strcasecmp(v, "none") == 0 || strcmp(v, "0") == 0)
        return 0;
    if (strcasecmp(v, "all") == 0 || strcmp(v, "1") == 0) {
        *field = BBX_TRACK_FD | BBX_TRACK_THREAD | BBX_TRACK_EXEC;
        return 0;
    }
    for (const char *p = v; *p;) {
        size_t n = strcspn(p, ",");
        if (n == 2 && strncasecmp(p, "fd", 2) == 0)
            flags |= BBX_TRACK_FD;
        else if (n == 6 && strncasecmp(p, "thread", 6) == 0)
            flags |= BBX_TRACK_THREAD;
        else if (n == 4 && strncasecmp(p, "heap", 4) == 0)
            flags |= BBX_TRACK_HEAP;
        else if (n == 4 && strncasecmp(p, "exec", 4) == 0)
            flags |= BBX_TRACK_EXEC;
        else
            return bad(name, v, "expected fd, thread, exec, heap (comma-separated), all or none");
        p += n;
        if (*p == ',')
            p++;
    }
    *field = flags;
    return 0;
}

/* BBX_REDACT: snap_redact_parse()'s list; "none" and "-secrets" set
 * BBX_REDACT_KEEP_SECRETS, so that 0 still means "unset". */
static int env_redact(const char *name, unsigned *field)
{
    const char *v = env(name);
    unsigned parts;
    if (*field || !v)
        return 0;
    if (snap_redact_parse(v, &parts) != 0)
        return bad(name, v, "expected parts such as paths,peers (README: BBX_REDACT)");
    *field = parts | (parts & BBX_REDACT_SECRETS ? 0 : BBX_REDACT_KEEP_SECRETS);
    return 0;
}

/* BBX_HANG_THREADS: thread names, comma-separated, each 1 to 15 bytes. */
static int env_names(const char *name, const char **field)
{
    const char *v = env(name);
    if (*field || !v)
        return 0;
    if (strlen(v) > 255)
        return bad(name, v, "longer than 255 bytes");
    for (const char *p = v; *p;) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len > 15)
            return bad(name, v, "expected thread names of 1 to 15 bytes, comma-separated");
        p += len + (p[len] == ',');
    }
    *field = v;
    return 0;
}

int config_env_keys_valid(const char *list)
{
    if (strlen(list) > 512)
        return -1;
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ","), i = 0;
        if (len == 0 || len > 64)
            return -1;
        for (; i < len; i++) {
            char c = p[i];
            int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                     (c >= '0' && c <= '9') || c == '_' || (c == '*' && i == len - 1 && i);
            if (!ok)
                return -1;
        }
        p += len + (p[len] == ',');
    }
    return 0;
}

/* BBX_ENV_KEYS: more environment variables for the SESSION record
 * (session_read.c reads it again when it copies them). */
static int env_keys(const char *name)
{
    const char *v = env(name);
    if (v && config_env_keys_valid(v) != 0)
        return bad(name, v, "expected variable names ([A-Za-z0-9_], 1 to 64 bytes, a "
                            "trailing * for a prefix), comma-separated, at most 512 bytes");
    return 0;
}

/* BBX_APP_VERSION: the program's version, as bbx_config.app_version (the
 * annotation app.version): 1 to 128 printable bytes. */
static int env_version(const char *name, const char **field)
{
    const char *v = env(name);
    if (*field || !v)
        return 0;
    if (strlen(v) > 128)
        return bad(name, v, "longer than 128 bytes");
    for (const char *p = v; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return bad(name, v, "expected printable text");
    *field = v;
    return 0;
}

/* A fraction above 0 and at most 1 ("0.9", "1", ".85"), read by hand
 * (strtod follows the program's locale): at most 3 decimals count. */
static int env_fraction(const char *name, double *field)
{
    const char *v = env(name), *p;
    unsigned permille = 0, scale = 100;
    if (*field != 0 || !v)
        return 0;
    for (p = v; *p >= '0' && *p <= '9'; p++)
        permille = permille > 1000 ? permille : permille * 10 + (unsigned)(*p - '0') * 1000;
    int digits = p > v;
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++, scale /= 10, digits = 1)
            permille += (unsigned)(*p - '0') * scale;
    if (!digits || *p || permille == 0 || permille > 1000)
        return bad(name, v, "expected a fraction above 0, at most 1, such as 0.9");
    *field = permille / 1000.0;
    return 0;
}

/* BBX_CHILDREN: "inherit" or "none" (libbbx-preload.so acts on it,
 * preload_children.c; a linked libbbx only checks it). */
static int env_children(const char *name)
{
    const char *v = env(name);
    if (!v || strcasecmp(v, "inherit") == 0 || strcasecmp(v, "none") == 0)
        return 0;
    return bad(name, v, "expected inherit or none");
}

int config_children_none(void)
{
    const char *v = env("BBX_CHILDREN");
    return v && strcasecmp(v, "none") == 0;
}

int config_from_env(bbx_config *c)
{
    env_error[0] = '\0';
    if (env_thread_signal("BBX_THREAD_SIGNAL", &c->thread_signal) != 0 ||
        env_signal("BBX_SIGNAL", c->thread_signal, &c->snapshot_signal) != 0 ||
        env_uint("BBX_INTERVAL_MS", MIN_INTERVAL_MS, 86400000u, &c->interval_ms) != 0 ||
        env_bool("BBX_AT_EXIT", &c->at_exit) != 0 ||
        env_uint("BBX_MAX_FILES", 0, 1000000u, &c->max_files) != 0 ||
        env_bytes("BBX_MAX_BYTES", &c->max_bytes) != 0 ||
        env_track("BBX_TRACK", &c->track) != 0 ||
        env_uint("BBX_TRACK_FRAMES", 1, MAX_TRACK_FRAMES, &c->track_frames) != 0 ||
        env_uint("BBX_MAX_FRAMES", 8, 1024, &c->max_frames) != 0 ||
        env_uint("BBX_MAX_THREADS", 1, 8192, &c->max_threads) != 0 ||
        env_uint("BBX_BREADCRUMBS", 1, 4096, &c->breadcrumbs) != 0 ||
        env_bool("BBX_NO_CRASH_HANDLERS", &c->no_crash_handlers) != 0 ||
        env_redact("BBX_REDACT", &c->redact) != 0 ||
        env_uint("BBX_HANG_MS", 100, 86400000u, &c->hang_ms) != 0 ||
        env_names("BBX_HANG_THREADS", &c->hang_threads) != 0 ||
        env_fraction("BBX_MEM_WATERMARK", &c->mem_watermark) != 0 ||
        env_children("BBX_CHILDREN") != 0 ||
        env_keys("BBX_ENV_KEYS") != 0 ||
        env_version("BBX_APP_VERSION", &c->app_version) != 0 ||
        env_heap_sample("BBX_HEAP_SAMPLE", &c->heap_sample) != 0)
        return BBX_EINVAL;
    return 0;
}
