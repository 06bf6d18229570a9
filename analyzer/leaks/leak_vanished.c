/*
 * leak_vanished.c - a process gone without an exit or crash snapshot, and
 * the evidence of why (leak_vanished.h).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include "leak_vanished.h"

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
                            int liveness, const char *host, const char *trend, int *oom)
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
    if (a && b && b->mem.cg_oom_kills > a->mem.cg_oom_kills) {
        oom_rose = 1;
        add(&c, fmt("the cgroup's oom_kill count rose from %" PRIu64 " to %" PRIu64,
                    a->mem.cg_oom_kills, b->mem.cg_oom_kills));
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
