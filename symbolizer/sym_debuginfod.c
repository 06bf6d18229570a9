/*
 * sym_debuginfod.c - the session's own debuginfod client: one time budget
 * for all its requests, servers that timed out given up on, progress told
 * to the caller, and a note per module that says what happened.
 *
 * libdebuginfod takes its servers and its time limit from the environment
 * only (DEBUGINFOD_URLS, DEBUGINFOD_MAXTIME), read at each request; so a
 * request sets both for its duration and puts the user's values back.  Its
 * limit is checked once a second against whole seconds, hence "about".  A
 * progress callback could stop a request closer to the budget, but
 * libdebuginfod records a stopped request as "not found" in its cache for
 * ten minutes, which would hide the file from the next run; a request ended
 * by DEBUGINFOD_MAXTIME leaves the cache alone.
 */
#include <elfutils/debuginfod.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sym_internal.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *dup_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? strdup(v) : NULL;
}

int sym_dbgd_init(sym_session *s)
{
    s->dbgd_urls = dup_env("DEBUGINFOD_URLS");
    s->dbgd_maxtime = dup_env("DEBUGINFOD_MAXTIME");
    if (!s->dbgd_urls)
        return 0;
    size_t n = 1;
    for (const char *p = s->dbgd_urls; *p; p++)
        n += *p == ' ';
    s->servers = calloc(n, sizeof(*s->servers));
    s->server_gone = calloc(n, 1);
    if (!s->servers || !s->server_gone)
        return -1;
    /* split as libdebuginfod does: on spaces */
    for (const char *p = s->dbgd_urls; *p;) {
        size_t len = strcspn(p, " ");
        if (len && !(s->servers[s->n_servers++] = strndup(p, len)))
            return -1;
        p += len;
        p += *p == ' ';
    }
    return 0;
}

void sym_dbgd_free(sym_session *s)
{
    if (s->dbgd)
        debuginfod_end(s->dbgd);
    if (s->dbgd_null_fd > 0)
        close(s->dbgd_null_fd);
    for (size_t i = 0; i < s->n_servers; i++)
        free(s->servers[i]);
    free(s->servers);
    free(s->server_gone);
    free(s->dbgd_urls);
    free(s->dbgd_maxtime);
}

const char *sym_dbgd_urls(const sym_session *s)
{
    return s->n_servers ? s->dbgd_urls : NULL;
}

static void env_put(const char *name, const char *value)
{
    if (value)
        setenv(name, value, 1);
    else
        unsetenv(name);
}

void sym_dbgd_env_off(sym_session *s)
{
    if (s->dbgd_urls)
        unsetenv("DEBUGINFOD_URLS");
}

void sym_dbgd_env_back(sym_session *s)
{
    if (s->dbgd_urls)
        setenv("DEBUGINFOD_URLS", s->dbgd_urls, 1);
}

static int budget_ms(const sym_session *s)
{
    return s->opt.debuginfod_ms ? s->opt.debuginfod_ms : SYM_DEBUGINFOD_DEFAULT_MS;
}

static void tell(sym_session *s, long bytes, long total, int done)
{
    if (!s->opt.debuginfod_progress)
        return;
    sym_debuginfod_progress p = { s->dbgd_module, s->dbgd_what, s->dbgd_asking,
                                  now() - s->dbgd_t0, bytes, total, done };
    s->opt.debuginfod_progress(s->opt.debuginfod_progress_arg, &p);
    s->dbgd_shown = 1;
}

/* libdebuginfod calls this about once a second, more often while data
 * arrives: a is the bytes received once a server answers (then its URL is
 * known), a count of calls before; b the size when known. */
static int progress(debuginfod_client *c, long a, long b)
{
    sym_session *s = debuginfod_get_user_data(c);
    if (s) {
        int answering = debuginfod_get_url(c) != NULL;
        tell(s, answering ? a : -1, answering && b > 0 ? b : -1, 0);
    }
    return 0; /* never stop it here: see the top of the file */
}

/* The servers not given up on, space-separated, in buf; how many. */
static size_t servers_left(const sym_session *s, char *buf, size_t cap, int gone)
{
    size_t n = 0, len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < s->n_servers; i++) {
        if ((s->server_gone[i] != 0) != gone)
            continue;
        int w = snprintf(buf + len, cap - len, "%s%s", n ? " " : "", s->servers[i]);
        if (w < 0 || (size_t)w >= cap - len)
            break;
        len += (size_t)w;
        n++;
    }
    return n;
}

__attribute__((format(printf, 2, 3))) static void note(sym_module *m, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    if (m->dbgd_note)
        return; /* the first reason is the one to say */
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    m->dbgd_note = sym_strdup(m->s, buf);
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The servers of this request are given up on (after a timeout or a
 * network error): all of them, as they were asked together (the others
 * were given up on before). */
static void give_up(sym_session *s)
{
    for (size_t i = 0; i < s->n_servers; i++)
        s->server_gone[i] = 1;
}

/* The client.  libdebuginfod 0.188 writes "Timeout with max time" to its
 * verbose fd even when there is none (-1), and glibc's dprintf() then loses
 * a stdio buffer each time; so without DEBUGINFOD_VERBOSE its verbose
 * output goes to /dev/null. */
static int client_begin(sym_session *s)
{
    if (!(s->dbgd = debuginfod_begin()))
        return -1;
    if (!getenv("DEBUGINFOD_VERBOSE")) { /* as debuginfod_begin() reads it */
        s->dbgd_null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
        if (s->dbgd_null_fd >= 0)
            debuginfod_set_verbose_fd(s->dbgd, s->dbgd_null_fd);
    }
    return 0;
}

static int request(sym_module *m, int debuginfo, const unsigned char *id, int id_len,
                   const char *urls, long maxtime, char **path)
{
    sym_session *s = m->s;
    char max[32];
    snprintf(max, sizeof(max), "%ld", maxtime);
    debuginfod_set_progressfn(s->dbgd, progress);
    debuginfod_set_user_data(s->dbgd, s);
    s->dbgd_module = base_name(m->path);
    s->dbgd_what = debuginfo ? "debuginfo" : "executable";
    s->dbgd_asking = urls;
    s->dbgd_shown = 0;
    env_put("DEBUGINFOD_URLS", urls);
    env_put("DEBUGINFOD_MAXTIME", max);
    s->dbgd_t0 = now();
    int fd = debuginfo
                 ? debuginfod_find_debuginfo(s->dbgd, id, id_len, path)
                 : debuginfod_find_executable(s->dbgd, id, id_len, path);
    env_put("DEBUGINFOD_URLS", s->dbgd_urls);
    env_put("DEBUGINFOD_MAXTIME", s->dbgd_maxtime);
    s->dbgd_spent += now() - s->dbgd_t0;
    if (s->dbgd_shown)
        tell(s, -1, -1, 1);
    debuginfod_set_user_data(s->dbgd, NULL);
    return fd;
}

int sym_dbgd_find(sym_module *m, int debuginfo, const uint8_t *id, size_t id_len, char **path)
{
    sym_session *s = m->s;
    int *asked = debuginfo ? &m->dbgd_asked_debug : &m->dbgd_asked_exe;
    char urls[4096], gone[4096];
    if (!s->n_servers || !id_len || id_len > SYM_BUILD_ID_MAX || *asked)
        return -1;
    *asked = 1;
    if (s->opt.debuginfod_ms < 0) {
        note(m, "debuginfod: not asked (its time is set to 0)");
        return -1;
    }
    if (!servers_left(s, urls, sizeof(urls), 0)) {
        servers_left(s, gone, sizeof(gone), 1);
        note(m, "debuginfod: not asked (server %s timed out or could not be reached "
                "earlier in this run)", gone);
        return -1;
    }
    double left = budget_ms(s) / 1000.0 - s->dbgd_spent;
    if (left <= 0) {
        note(m, "debuginfod: not asked (the %g s this run gives it were used up; "
                "--debuginfod-timeout SECONDS gives more)", budget_ms(s) / 1000.0);
        return -1;
    }
    /* DEBUGINFOD_MAXTIME: whole seconds, at least 1 (0 is "no limit") */
    long maxtime = (long)left, user = s->dbgd_maxtime ? atol(s->dbgd_maxtime) : 0;
    if ((double)maxtime < left)
        maxtime++;
    if (user > 0 && user < maxtime)
        maxtime = user;
    if (!s->dbgd && client_begin(s) < 0) {
        note(m, "debuginfod: cannot start its client (%s)", strerror(errno));
        return -1;
    }
    double t0 = now();
    int fd = request(m, debuginfo, id, (int)id_len, urls, maxtime, path);
    if (fd >= 0)
        return fd;
    switch (-fd) {
    case ENOENT:  /* no server has it */
    case ENOSYS:  /* no server at all */
        break;
    case ETIME:
        give_up(s);
        note(m, "debuginfod: timed out after %.0f s (server %s); not asked again in this run",
             now() - t0, urls);
        break;
    case ECONNREFUSED: case EHOSTUNREACH: case ENETUNREACH: case ECONNRESET:
        give_up(s);
        note(m, "debuginfod: %s (server %s); not asked again in this run", strerror(-fd), urls);
        break;
    default:
        note(m, "debuginfod: %s (server %s)", strerror(-fd), urls);
        break;
    }
    free(*path);
    *path = NULL;
    return -1;
}
