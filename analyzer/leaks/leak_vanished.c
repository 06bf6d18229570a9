/*
 * leak_vanished.c - a process gone without an exit or crash snapshot, and
 * the evidence of why (leak_vanished.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include "leak_vanished.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "leak_memory.h"
#include "report.h"
#include "snap_format.h"

#define START_SLACK_MS 2000 /* start times computed from clock ticks */

/* The start time of pid from /proc (Unix ms), 0 when it has none. */
static uint64_t proc_start_ms(uint64_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%" PRIu64 "/stat", pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = 0;
    const char *s = strrchr(buf, ')');
    long tck = sysconf(_SC_CLK_TCK);
    if (!s || tck <= 0)
        return 1; /* running, start unknown */
    for (int field = 2; *s && field < 22; s++)
        if (*s == ' ')
            field++;
    uint64_t started = strtoull(s, NULL, 10) * 1000 / (uint64_t)tck;
    struct timespec boot, now;
    clock_gettime(CLOCK_BOOTTIME, &boot);
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t boot_ms = (uint64_t)boot.tv_sec * 1000 + (uint64_t)boot.tv_nsec / 1000000;
    uint64_t now_ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
    if (started > boot_ms || boot_ms - started > now_ms)
        return 1;
    return now_ms - (boot_ms - started);
}

int vanish_probe(uint64_t pid, uint64_t start_ms, const char *host)
{
    char here[256];
    if (host && gethostname(here, sizeof(here)) == 0) {
        here[sizeof(here) - 1] = 0;
        if (strcmp(here, host) != 0)
            return VANISH_OTHER_HOST;
    }
    uint64_t started = pid ? proc_start_ms(pid) : 0;
    if (!started)
        return VANISH_GONE;
    if (!start_ms || started == 1)
        return VANISH_ALIVE; /* nothing to compare: take it as the same */
    uint64_t d = started > start_ms ? started - start_ms : start_ms - started;
    return d <= START_SLACK_MS ? VANISH_ALIVE : VANISH_REUSED;
}

int vanish_kmsg_kills(const char *line, uint64_t pid)
{
    static const char key[] = "Killed process ";
    const char *k = line ? strstr(line, key) : NULL;
    if (!k)
        return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(k + sizeof(key) - 1, &end, 10);
    return errno == 0 && end != k + sizeof(key) - 1 && *end == ' ' && v == pid;
}

/* Unix ms of a /dev/kmsg record's timestamp (microseconds of the
 * monotonic clock): what the monotonic clock says now, subtracted. */
static uint64_t kmsg_unix_ms(uint64_t usec)
{
    struct timespec mono, now;
    clock_gettime(CLOCK_MONOTONIC, &mono);
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t mono_us = (uint64_t)mono.tv_sec * 1000000 + (uint64_t)mono.tv_nsec / 1000;
    uint64_t now_ms = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
    uint64_t ago_ms = usec < mono_us ? (mono_us - usec) / 1000 : 0;
    return now_ms > ago_ms ? now_ms - ago_ms : 0;
}

/* The kernel log, non-blocking: the last record that kills pid after
 * last_ms (less slack: the clocks are converted). */
static void kmsg_look(uint64_t pid, uint64_t last_ms, vanish_host *out)
{
    int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return;
    char rec[2048];
    for (int records = 0; records < 100000; records++) {
        ssize_t n = read(fd, rec, sizeof(rec) - 1);
        if (n < 0 && errno == EPIPE)
            continue; /* overwritten while read: go on */
        if (n <= 0)
            break;
        rec[n] = 0;
        /* "prio,seq,usec,flags;text\n..." */
        char *semi = strchr(rec, ';');
        if (!semi)
            continue;
        char *text = semi + 1, *nl = strchr(text, '\n');
        if (nl)
            *nl = 0;
        if (!vanish_kmsg_kills(text, pid))
            continue;
        unsigned long long prio, seq, usec;
        if (sscanf(rec, "%llu,%llu,%llu", &prio, &seq, &usec) != 3)
            continue;
        if (kmsg_unix_ms(usec) + START_SLACK_MS < last_ms)
            continue; /* an earlier process of that pid */
        char *cut = strstr(text, " total-vm");
        if (cut)
            *cut = 0;
        out->kernel_killed = 1;
        snprintf(out->kernel_line, sizeof(out->kernel_line), "%s", text);
    }
    close(fd);
}

/* The oom_kill line of a cgroup's memory.events (v2) or memory.oom_control
 * (v1) under the mounts this host has. */
static void cgroup_look(const char *cgroup, vanish_host *out)
{
    if (!cgroup || cgroup[0] != '/' || strstr(cgroup, "/../") || strstr(cgroup, "/.."))
        return;
    FILE *mi = fopen("/proc/self/mountinfo", "re");
    if (!mi)
        return;
    char line[1024];
    while (!out->has_cg_now && fgets(line, sizeof(line), mi)) {
        char *sep = strstr(line, " - ");
        char root[256], mnt[256], type[32], opts[256];
        if (!sep || sscanf(line, "%*s %*s %*s %255s %255s", root, mnt) != 2 ||
            sscanf(sep + 3, "%31s %*s %255s", type, opts) != 2)
            continue;
        const char *file;
        if (strcmp(type, "cgroup2") == 0)
            file = "memory.events";
        else if (strcmp(type, "cgroup") == 0 && strstr(opts, "memory"))
            file = "memory.oom_control";
        else
            continue;
        char path[1024];
        snprintf(path, sizeof(path), "%s%s/%s", mnt, strcmp(root, "/") == 0 ? cgroup : "", file);
        if (strcmp(root, "/") != 0)
            continue; /* a mount of part of the hierarchy: paths do not map */
        FILE *f = fopen(path, "re");
        if (!f)
            continue;
        char l[128];
        unsigned long long v;
        while (fgets(l, sizeof(l), f))
            if (sscanf(l, "oom_kill %llu", &v) == 1) {
                out->has_cg_now = 1;
                out->cg_oom_now = v;
            }
        fclose(f);
    }
    fclose(mi);
}

void vanish_host_probe(uint64_t pid, uint64_t last_ms, const char *cgroup, vanish_host *out)
{
    memset(out, 0, sizeof(*out));
    if (!pid)
        return;
    kmsg_look(pid, last_ms, out);
    cgroup_look(cgroup, out);
}

typedef struct clauses {
    char **v;
    size_t n;
    int oom;
} clauses;

static void add(clauses *c, char *s)
{
    char **nv;
    if (!s || !(nv = realloc(c->v, (c->n + 1) * sizeof(*nv)))) {
        free(s);
        c->oom = 1;
        return;
    }
    c->v = nv;
    c->v[c->n++] = s;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    char *s = NULL;
    va_start(ap, f);
    if (vasprintf(&s, f, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

/* "12:03:10 UTC" part of report_fmt_time(): the whole stamp. */
static void stamp(char *buf, size_t len, uint64_t ms)
{
    report_fmt_time(buf, len, ms);
}

leak_vanished *vanish_judge(const series_snap *const *snaps, size_t n, uint64_t pid,
                            int liveness, const char *host, const vanish_host *host_ev,
                            const char *trend, int *oom)
{
    const series_snap *last = snaps[n - 1];
    if (last->trigger_kind == SNAP_TRIGGER_EXIT || last->trigger_kind == SNAP_TRIGGER_CRASH ||
        liveness == VANISH_ALIVE)
        return NULL;
    clauses c = { 0 };
    int oom_rose = 0, near = 0, watermark = 0;
    /* the cgroup's oom_kill count, first and last known */
    const series_snap *a = NULL, *b = NULL;
    for (size_t i = 0; i < n; i++) {
        if (snaps[i]->mem.present && snaps[i]->mem.has_cg_oom) {
            if (!a)
                a = snaps[i];
            b = snaps[i];
        }
    }
    if (host_ev && host_ev->kernel_killed) {
        oom_rose = 1;
        add(&c, fmt("the kernel's log says \"%s\"", host_ev->kernel_line));
    }
    if (a && b && b->mem.cg_oom_kills > a->mem.cg_oom_kills) {
        oom_rose = 1;
        add(&c, fmt("the cgroup's oom_kill count rose from %" PRIu64 " to %" PRIu64,
                    a->mem.cg_oom_kills, b->mem.cg_oom_kills));
    }
    if (b && host_ev && host_ev->has_cg_now && host_ev->cg_oom_now > b->mem.cg_oom_kills) {
        oom_rose = 1;
        add(&c, fmt("the cgroup's oom_kill count is %" PRIu64 " now, %" PRIu64
                    " in the last snapshot", host_ev->cg_oom_now, b->mem.cg_oom_kills));
    }
    /* memory near its limit in the last snapshot with memory figures */
    for (size_t i = n; i > 0; i--) {
        mem_limit l;
        if (!snaps[i - 1]->mem.present)
            continue;
        if (mem_limit_of(&snaps[i - 1]->mem, &l) && mem_limit_percent(&l) >= VANISH_NEAR_PERCENT) {
            char lim[32];
            near = 1;
            mem_fmt_kib(lim, sizeof(lim), (double)l.limit / 1024.0);
            add(&c, fmt("memory was %.0f%% of the %s (%s)%s", mem_limit_percent(&l), l.name, lim,
                        i == n ? " in the last snapshot" : " in its last memory figures"));
        }
        break;
    }
    for (size_t i = 0; i < n; i++) {
        if (snaps[i]->trigger_kind == SNAP_TRIGGER_MEMORY) {
            char when[64];
            stamp(when, sizeof(when), snaps[i]->time_ms);
            watermark = 1;
            add(&c, fmt("a memory watermark snapshot was taken at %s", when));
            break;
        }
    }
    if (trend)
        add(&c, fmt("%s", trend));
    leak_vanished *v = calloc(1, sizeof(*v));
    if (!v || c.oom) {
        *oom = 1;
        free(v);
        for (size_t i = 0; i < c.n; i++)
            free(c.v[i]);
        free(c.v);
        return NULL;
    }
    v->evidence = c.v;
    v->n_evidence = c.n;
    v->last_ms = last->time_ms;
    v->verdict = strdup(liveness == VANISH_OTHER_HOST ? "unknown" : "gone");
    v->cause = oom_rose ? strdup("oom-kill") : near || watermark ? strdup("memory-limit") : NULL;
    /* the sentence */
    char when[64];
    stamp(when, sizeof(when), last->time_ms);
    size_t len = 0;
    for (size_t i = 0; i < c.n; i++)
        len += strlen(c.v[i]) + 2;
    char *ev = malloc(len + 1);
    if (ev) {
        ev[0] = 0;
        for (size_t i = 0; i < c.n; i++) {
            if (i)
                strcat(ev, ", ");
            strcat(ev, c.v[i]);
        }
    }
    const char *why = oom_rose ? ": likely killed by the OOM killer"
                      : near || watermark ? ": likely killed for its memory (near its limit)"
                                          : "";
    if (liveness == VANISH_OTHER_HOST)
        v->text = fmt("process %" PRIu64 " left no exit or crash snapshot after its last one "
                      "at %s; whether it still runs cannot be told here (its snapshots come "
                      "from host %s)%s%s%s", pid, when, host ? host : "?",
                      c.n ? "; evidence: " : "", ev ? ev : "", "");
    else
        v->text = fmt("process %" PRIu64 " vanished after its last snapshot at %s (no exit or "
                      "crash snapshot%s)%s%s%s%s", pid, when,
                      liveness == VANISH_REUSED ? "; its pid now runs another process" : "",
                      why, c.n ? (*why ? ": " : ": evidence: ") : "", ev ? ev : "",
                      c.n ? "" : ": no evidence of why in its snapshots");
    free(ev);
    if (!v->verdict || !v->text || (!v->cause && (oom_rose || near || watermark))) {
        *oom = 1;
        leak_vanished_free(v);
        return NULL;
    }
    return v;
}

void leak_vanished_view(const leak_vanished *v, report_vanished *out)
{
    *out = (report_vanished){ v->verdict, v->cause, v->text, (const char *const *)v->evidence,
                              v->n_evidence, v->last_ms };
}
