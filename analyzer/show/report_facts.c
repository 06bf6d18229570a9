/*
 * report_facts.c - the words of a one-snapshot report, once for the text,
 * HTML and JSON renderers (report_facts.h), and the folding of threads with
 * identical stacks into one entry.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "app_frames.h"
#include "facts_put.h"
#include "frame_symbols.h"
#include "hash_fnv.h"
#include "path_name.h"
#include "report.h"
#include "report_facts.h"
#include "size_text.h"
#include "snap_format.h"
#include "snap_redact.h"

#define RLIM_UNLIMITED UINT64_MAX

/* ---- pieces ------------------------------------------------------------- */

/* Microseconds as "M.mmm ms". */
static void put_ms(const facts_sink *k, uint64_t us)
{
    putf(k, FACTS_WORDS, "%" PRIu64 ".%03u ms", us / 1000, (unsigned)(us % 1000));
}

/* The base name of path, or the whole path when it ends in '/'. */
static const char *base_name(const char *path)
{
    const char *base = path_base_name(path);
    return *base ? base : path;
}

/* ---- process ------------------------------------------------------------ */

/* Whether an argument needs quotes to be read back as one word. */
static int needs_quotes(const char *a, size_t n)
{
    if (n == 0)
        return 1;
    for (size_t i = 0; i < n; i++)
        if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789-_./=:,+@%", a[i]) || a[i] == 0)
            return 1;
    return 0;
}

void facts_args(const facts_sink *k, const char *args, size_t len)
{
    const char *arg;
    size_t pos = 0, n;
    for (int first = 1; snap_args_next(args, len, &pos, &arg, &n); first = 0) {
        const char *q = needs_quotes(arg, n) ? "'" : "";
        if (!first)
            put(k, FACTS_WORDS, " ");
        put(k, FACTS_WORDS, q);
        put_n(k, FACTS_DATA, arg, n);
        put(k, FACTS_WORDS, q);
    }
}

void facts_app(const facts_sink *k, const snap_process *p)
{
    put_data(k, FACTS_DATA, p->app, "?");
    putf(k, FACTS_WORDS, " (pid %" PRIu64 ", ppid %" PRIu64 ", uid %" PRIu64 ")", p->pid,
         p->ppid, p->uid);
}

void facts_time(const facts_sink *k, const snap_process *p)
{
    char when[64];
    report_fmt_time(when, sizeof(when), p->time_ms);
    put(k, FACTS_WORDS, p->time_ms ? when : "?");
    if (p->start_ms && p->time_ms >= p->start_ms) {
        report_fmt_time(when, sizeof(when), p->start_ms);
        putf(k, FACTS_WORDS, " (process started %s, up %" PRIu64 ".%03u s)", when,
             (p->time_ms - p->start_ms) / 1000, (unsigned)((p->time_ms - p->start_ms) % 1000));
    }
}

void facts_host(const facts_sink *k, const snap_process *p)
{
    put_data(k, FACTS_DATA, p->hostname, "?");
    put(k, FACTS_WORDS, ", kernel ");
    put_data(k, FACTS_DATA, p->kernel, "?");
    put(k, FACTS_WORDS, " (");
    put_data(k, FACTS_DATA, p->arch, "?");
    put(k, FACTS_WORDS, ")");
}

void facts_format(const facts_sink *k, const snap *s)
{
    putf(k, FACTS_WORDS, "%u.%u, collector ", s->version_major, s->version_minor);
    put_data(k, FACTS_DATA, s->capture.version, "?");
}

void facts_memory(const facts_sink *k, const snap_process *p)
{
    putf(k, FACTS_WORDS, "rss %" PRIu64 " kB, vm %" PRIu64 " kB, peak rss %" PRIu64 " kB",
         p->vm_rss_kb, p->vm_size_kb, p->vm_hwm_kb);
}

int facts_threads_omitted(const facts_sink *k, const snap *s)
{
    uint64_t n = s->capture.threads_omitted;
    if (!n)
        return 0;
    putf(k, FACTS_ALARM, "%" PRIu64 " thread%s not captured (over BBX_MAX_THREADS; %zu written)",
         n, n == 1 ? "" : "s", s->n_threads);
    return 1;
}

const char *facts_redacted_part(unsigned bit, char gen[16])
{
    const char *name = bit < 32 ? snap_redact_part_name(1u << bit) : NULL;
    if (name)
        return name;
    snprintf(gen, 16, "bit %u", bit);
    return gen;
}

const char *facts_rlimit_name(const snap_rlimit *rl, char gen[24])
{
    const char *name = snap_rlimit_name(rl->resource);
    if (name)
        return name;
    snprintf(gen, 24, "%" PRIu64, rl->resource);
    return gen;
}

int facts_unlimited(uint64_t v)
{
    return v == RLIM_UNLIMITED;
}

static void put_limit(const facts_sink *k, uint64_t v)
{
    if (facts_unlimited(v))
        put(k, FACTS_WORDS, "unlimited");
    else
        putf(k, FACTS_WORDS, "%" PRIu64, v);
}

void facts_rlimit_values(const facts_sink *k, const snap_rlimit *rl)
{
    put_limit(k, rl->cur);
    put(k, FACTS_WORDS, " / ");
    put_limit(k, rl->max);
}

/* ---- trigger ------------------------------------------------------------ */

static void put_reason(const facts_sink *k, const char *reason)
{
    if (!reason)
        return;
    put(k, FACTS_NEXT, "");
    put(k, FACTS_WORDS, "reason: ");
    put(k, FACTS_DATA, reason);
}

static void trigger_fault(const facts_sink *k, const snap *s)
{
    const snap_trigger *t = &s->trigger;
    const char *code = snap_si_code_name(t->signal, t->code);
    const snap_thread *th = snap_trigger_thread(s);
    if (t->kind != SNAP_TRIGGER_CRASH)
        putf(k, FACTS_WORDS, "trigger kind %" PRIu64 ": ", t->kind);
    putf(k, FACTS_WORDS, "signal %" PRIu64 " (", t->signal);
    put(k, FACTS_ALARM, snap_signal_name(t->signal));
    putf(k, FACTS_WORDS, "), code %" PRId64, t->code);
    if (code)
        putf(k, FACTS_WORDS, " (%s)", code);
    put(k, FACTS_WORDS, ", fault addr ");
    putf(k, FACTS_CODE, "0x%" PRIx64, t->addr);
    put(k, FACTS_NEXT, "");
    putf(k, FACTS_WORDS, "in thread %" PRIu64, t->tid);
    if (th && th->name) {
        put(k, FACTS_WORDS, " \"");
        put(k, FACTS_DATA, th->name);
        put(k, FACTS_WORDS, "\"");
    }
    /* Codes <= 0 come from kill(), sigqueue(), tgkill(): name the sender. */
    if (t->sender_pid || (t->code <= 0 && t->code > -7)) {
        put(k, FACTS_NEXT, "");
        putf(k, FACTS_WORDS, "sent by pid %" PRIu64 " (uid %" PRIu64 ")", t->sender_pid,
             t->sender_uid);
    }
    put_reason(k, t->reason);
}

const char *facts_hung_state_name(uint64_t state)
{
    return state == SNAP_HUNG_BUSY ? "busy" : state == SNAP_HUNG_BLOCKED ? "blocked" : NULL;
}

void facts_seconds(const facts_sink *k, facts_piece kind, uint64_t ms)
{
    putf(k, kind, "%.1f s", (double)ms / 1000);
}

/* "hang: thread 7 "ui" has not returned to its event loop for 5.2 s (limit
 * 5.0 s): busy, 5.1 s of CPU" or "hang over: ... came back after 8.0 s". */
static void trigger_hang(const facts_sink *k, const snap_trigger *t)
{
    int over = t->kind == SNAP_TRIGGER_HANG_END;
    put(k, FACTS_ALARM, over ? "hang over" : "hang");
    putf(k, FACTS_WORDS, ": thread %" PRIu64 " \"", t->hung_tid);
    put_data(k, FACTS_DATA, t->hung_name, "");
    put(k, FACTS_WORDS, over ? "\" came back to its event loop after "
                             : "\" has not returned to its event loop for ");
    facts_seconds(k, FACTS_ALARM, t->hung_ms);
    if (t->hung_limit_ms) {
        put(k, FACTS_WORDS, " (limit ");
        facts_seconds(k, FACTS_WORDS, t->hung_limit_ms);
        put(k, FACTS_WORDS, ")");
    }
    const char *state = facts_hung_state_name(t->hung_state);
    if (state) {
        putf(k, FACTS_WORDS, "%s %s, ", over ? "; it was" : ":", state);
        facts_seconds(k, FACTS_WORDS, t->hung_cpu_ms);
        put(k, FACTS_WORDS, " of CPU");
    }
    put(k, FACTS_NEXT, "");
    putf(k, FACTS_WORDS, "seen by bbx's watchdog (thread %" PRIu64 ")", t->tid);
}

void facts_trigger(const facts_sink *k, const snap *s)
{
    const snap_trigger *t = &s->trigger;
    if (!t->present) {
        put(k, FACTS_WORDS, "unknown (no trigger record)");
    } else if ((t->kind == SNAP_TRIGGER_HANG || t->kind == SNAP_TRIGGER_HANG_END) &&
               t->hung_tid) {
        trigger_hang(k, t);
    } else if (t->kind == SNAP_TRIGGER_REQUEST || t->kind == SNAP_TRIGGER_PERIODIC ||
               t->kind == SNAP_TRIGGER_EXIT || t->kind == SNAP_TRIGGER_MEMORY) {
        put(k, t->kind == SNAP_TRIGGER_MEMORY ? FACTS_ALARM : FACTS_WORDS,
            t->kind == SNAP_TRIGGER_REQUEST    ? "requested: "
            : t->kind == SNAP_TRIGGER_PERIODIC ? "periodic: "
            : t->kind == SNAP_TRIGGER_MEMORY   ? "memory watermark crossed: "
                                               : "at exit: ");
        put_data(k, FACTS_DATA, t->reason, "(no reason given)");
        putf(k, FACTS_WORDS, " (thread %" PRIu64 ")", t->tid);
    } else if (t->kind == SNAP_TRIGGER_SIGNAL) {
        putf(k, FACTS_WORDS, "on demand: signal %" PRIu64 " (%s)", t->signal,
             snap_signal_name(t->signal));
        if (t->sender_pid)
            putf(k, FACTS_WORDS, " from pid %" PRIu64 " (uid %" PRIu64 ")", t->sender_pid,
                 t->sender_uid);
        putf(k, FACTS_WORDS, " (thread %" PRIu64 ")", t->tid);
        put_reason(k, t->reason);
    } else {
        trigger_fault(k, s);
    }
}

/* ---- threads ------------------------------------------------------------ */

void facts_thread_who(const facts_sink *k, const snap_thread *t)
{
    putf(k, FACTS_WORDS, "thread %" PRIu64 " \"", t->tid);
    put_data(k, FACTS_DATA, t->name, "");
    put(k, FACTS_WORDS, "\"");
    if (t->crashed) {
        put(k, FACTS_WORDS, " ");
        put(k, FACTS_ALARM, "(crashed)");
    }
    if (t->hung) {
        put(k, FACTS_WORDS, " ");
        put(k, FACTS_ALARM, "(hung)");
    }
    if (t->bbx_internal)
        put(k, FACTS_WORDS, " (bbx's collector thread)");
}

void facts_thread_how(const facts_sink *k, const snap_thread *t)
{
    if (t->state) {
        put(k, FACTS_WORDS, ", state ");
        put_n(k, FACTS_DATA, &t->state, 1);
    }
    putf(k, FACTS_WORDS, ", %s", snap_thread_status_name(t->status));
    if (t->signal)
        putf(k, FACTS_WORDS, ", in signal %" PRIu64 " (%s)", t->signal,
             snap_signal_name(t->signal));
}

int facts_stack_method(const facts_sink *k, const snap_thread *t)
{
    const char *how = snap_thread_stack_text(t);
    if (t->reused)
        putf(k, FACTS_WORDS, "%s (%s)", how, snap_thread_reused_text);
    else
        put(k, FACTS_WORDS, how);
    return 1;
}

int facts_kernel(const facts_sink *k, const snap_thread *t)
{
    if (!t->wchan && !t->has_syscall && !t->kernel_pc && t->status != SNAP_THREAD_BLOCKED &&
        t->status != SNAP_THREAD_TIMEOUT)
        return 0;
    put(k, FACTS_WORDS, "wchan ");
    put_data(k, FACTS_DATA, t->wchan, "?");
    if (t->has_syscall && t->syscall >= 0)
        putf(k, FACTS_WORDS, ", syscall %" PRId64, t->syscall);
    else if (t->has_syscall)
        put(k, FACTS_WORDS, ", running (no syscall)");
    if (t->kernel_pc)
        putf(k, FACTS_WORDS, ", pc 0x%" PRIx64, t->kernel_pc);
    return 1;
}

const char *facts_reg_name(const snap *s, size_t i, char gen[24])
{
    const char *const *names;
    size_t n_names = snap_reg_names(s->process.arch, &names);
    if (i < n_names)
        return names[i];
    snprintf(gen, 24, "r%zu", i);
    return gen;
}

/* ---- locks ---------------------------------------------------------------- */

static const snap_thread *thread_by_tid(const snap *s, uint64_t tid)
{
    for (size_t i = 0; i < s->n_threads; i++)
        if (s->threads[i].tid == tid)
            return &s->threads[i];
    return NULL;
}

/* Frames in these modules are not where a program is stuck, only how. */
static int system_module(const snap_module *m)
{
    static const char *const prefixes[] = { "libc.so", "libc-", "libpthread", "ld-linux",
                                            "ld-", "libstdc++", "libgcc_s", "libasan", "libubsan",
                                            "libtsan", "liblsan" };
    const char *base = m && m->path ? base_name(m->path) : NULL;
    if (!base || frame_module_is_collector(m->path))
        return 1;
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
        if (strncmp(base, prefixes[i], strlen(prefixes[i])) == 0)
            return 1;
    return 0;
}

/* The innermost frame of t in the program's own code, or n_frames. */
static size_t own_frame(const snap *s, const snap_thread *t)
{
    for (size_t i = 0; i < t->n_frames; i++)
        if (!system_module(snap_module_for_pc(s, t->frames[i])))
            return i;
    return t->n_frames;
}

int facts_lock_owner(const snap *s, const snap_thread *t, facts_owner *o)
{
    const snap_thread *h;
    memset(o, 0, sizeof(*o));
    if (!t->lock_owner)
        return 0;
    h = o->thread = thread_by_tid(s, t->lock_owner);
    if (!h) {
        o->state = FACTS_OWNER_MISSING;
        return 1;
    }
    o->frame = own_frame(s, h);
    if (h->lock_owner)
        o->state = FACTS_OWNER_ON_MUTEX;
    else if (h->state && strchr("TtZX", h->state))
        o->state = FACTS_OWNER_STOPPED;
    else if (h->has_syscall && h->syscall >= 0 && h->state != 'R')
        o->state = FACTS_OWNER_BLOCKED;
    else
        o->state = FACTS_OWNER_RUNNING;
    if (o->state == FACTS_OWNER_BLOCKED)
        o->call = snap_syscall_name(s->process.arch, h->syscall);
    return 1;
}

const char *facts_owner_state_name(facts_owner_state st)
{
    static const char *const names[] = { "missing", "mutex", "blocked", "stopped", "running" };
    return (size_t)st < sizeof(names) / sizeof(names[0]) ? names[st] : "running";
}

static void put_mutex(const facts_sink *k, uint64_t addr)
{
    put(k, FACTS_WORDS, "mutex ");
    putf(k, FACTS_CODE, "0x%" PRIx64, addr);
}

/* "thread N "NAME"" */
static void put_thread(const facts_sink *k, uint64_t tid, const snap_thread *t)
{
    putf(k, FACTS_WORDS, "thread %" PRIu64, tid);
    if (t && t->name) {
        put(k, FACTS_WORDS, " \"");
        put(k, FACTS_DATA, t->name);
        put(k, FACTS_WORDS, "\"");
    }
}

/* ", which is blocked in read() at fn (file.c:23)" */
static void put_owner_state(const facts_sink *k, const snap *s, const facts_owner *o,
                            sym_session *ss)
{
    const snap_thread *h = o->thread;
    switch (o->state) {
    case FACTS_OWNER_MISSING: put(k, FACTS_WORDS, " (not in the snapshot)"); return;
    case FACTS_OWNER_ON_MUTEX:
        put(k, FACTS_WORDS, ", which is blocked on ");
        put_mutex(k, h->lock_addr);
        break;
    case FACTS_OWNER_BLOCKED:
        put(k, FACTS_WORDS, ", which is blocked in ");
        if (o->call)
            putf(k, FACTS_CODE, "%s()", o->call);
        else
            putf(k, FACTS_WORDS, "syscall %" PRId64, h->syscall);
        break;
    case FACTS_OWNER_STOPPED: put(k, FACTS_WORDS, ", which is stopped"); break;
    case FACTS_OWNER_RUNNING:
        put(k, FACTS_WORDS, h->has_syscall && h->syscall < 0 ? ", which is busy (running)"
                                                              : ", which is running");
        break;
    }
    if (o->frame < h->n_frames) {
        put(k, FACTS_WORDS, " at ");
        facts_site(k, s, h->frames[o->frame], o->frame > 0, ss);
    }
}

int facts_thread_lock(const facts_sink *k, const snap *s, const snap_thread *t,
                      sym_session *ss)
{
    facts_owner o;
    if (!facts_lock_owner(s, t, &o))
        return 0;
    put(k, FACTS_WORDS, "blocked on ");
    put(k, FACTS_WORDS, t->lock_kind == SNAP_LOCK_MUTEX_PI ? "priority-inheritance " : "");
    put_mutex(k, t->lock_addr);
    put(k, FACTS_WORDS, " held by ");
    put_thread(k, t->lock_owner, o.thread);
    put_owner_state(k, s, &o, ss);
    return 1;
}

void facts_deadlock(const facts_sink *k, const snap *s, const lock_edge *e,
                    const lock_cycles *cs, const lock_cycle *c)
{
    const size_t *ed = cs->edges + c->first;
    const lock_edge *first = &e[ed[0]], *last = &e[ed[c->n - 1]];
    put(k, FACTS_ALARM, "deadlock");
    put(k, FACTS_WORDS, ": ");
    put_thread(k, first->waiter, thread_by_tid(s, first->waiter));
    put(k, FACTS_WORDS, " holds ");
    put_mutex(k, last->lock);
    put(k, FACTS_WORDS, " and waits for ");
    for (size_t i = 0; i < c->n; i++) {
        const lock_edge *x = &e[ed[i]];
        if (i)
            put(k, FACTS_WORDS, ", which waits for ");
        put_mutex(k, x->lock);
        put(k, FACTS_WORDS, " held by ");
        if (i + 1 < c->n)
            put_thread(k, x->owner, thread_by_tid(s, x->owner));
        else
            putf(k, FACTS_WORDS, "thread %" PRIu64, x->owner);
    }
}

int facts_deadlocks(const facts_sink *k, const snap *s)
{
    lock_edge *e;
    lock_cycles cs;
    size_t n = lock_edges_of(s, &e);
    if (n == 0 || n == (size_t)-1 || lock_cycles_find(&cs, e, n) != 0) {
        free(e);
        return 0;
    }
    for (size_t i = 0; i < cs.n; i++) {
        if (i)
            put(k, FACTS_NEXT, "");
        facts_deadlock(k, s, e, &cs, &cs.cycles[i]);
    }
    n = cs.n;
    lock_cycles_release(&cs);
    free(e);
    return n != 0;
}

/* ---- code sites ------------------------------------------------------------ */

void facts_module_offset(const facts_sink *k, const snap_module *m, uint64_t pc)
{
    if (m) {
        put_data(k, FACTS_DATA, m->path ? base_name(m->path) : NULL, "???");
        putf(k, FACTS_WORDS, "+0x%" PRIx64, pc - m->bias);
    } else {
        putf(k, FACTS_WORDS, "0x%" PRIx64, pc);
    }
}

void facts_site(const facts_sink *k, const snap *s, uint64_t pc, int is_return,
                sym_session *ss)
{
    const sym_frame *sf;
    size_t n = frame_symbols_pc(ss, s, pc, is_return, &sf);
    if (n && sf[0].function) {
        /* The outermost frame is the real function; inner ones were inlined. */
        put_data(k, FACTS_CODE, sf[n - 1].function, "??");
        if (sf[0].file) {
            put(k, FACTS_WORDS, " (");
            put(k, FACTS_DATA, base_name(sf[0].file));
            putf(k, FACTS_WORDS, ":%u)", sf[0].line);
        }
        return;
    }
    facts_module_offset(k, snap_module_for_pc(s, pc), pc);
}

void facts_origin_site(const facts_sink *k, const snap *s, const snap_origin *o,
                       sym_session *ss)
{
    /* The program's own frame first, then the library call it made. */
    size_t first = frame_origin_first(s, o), own = app_origin_frame(NULL, s, o, first);
    if (!o->n_frames) {
        put(k, FACTS_WORDS, "?");
        return;
    }
    facts_site(k, s, o->frames[own == SIZE_MAX ? first : own], 1, ss);
    if (own != SIZE_MAX && own > first) {
        put(k, FACTS_WORDS, " via ");
        facts_site(k, s, o->frames[own - 1], 1, ss);
    }
}

void facts_origin(const facts_sink *k, const snap *s, const snap_origin *o, sym_session *ss)
{
    if (o->unknown) {
        put(k, FACTS_WORDS, "origin unknown (open before tracking started)");
        return;
    }
    put(k, FACTS_WORDS, "created by ");
    put_data(k, FACTS_CODE, o->call, "?");
    put(k, FACTS_CODE, "()");
    if (o->n_frames) {
        put(k, FACTS_WORDS, " in ");
        facts_origin_site(k, s, o, ss);
    }
    putf(k, FACTS_WORDS, ", thread %" PRIu64, o->tid);
    if (o->start) {
        put(k, FACTS_WORDS, ", start routine ");
        facts_site(k, s, o->start, 0, ss);
    }
}

void facts_each_frame(const snap *s, const snap_thread *t, sym_session *ss,
                      void (*fn)(void *ctx, const facts_frame *f), void *ctx)
{
    for (size_t i = 0; i < t->n_frames; i++) {
        facts_frame f = { .index = i, .pc = t->frames[i] };
        const sym_frame *sf;
        size_t n = frame_symbols(ss, s, t, i, &sf);
        f.module = snap_module_for_pc(s, t->frames[i]);
        f.n_levels = n ? n : 1;
        for (f.level = 0; f.level < f.n_levels; f.level++) {
            f.sym = n ? &sf[f.level] : NULL;
            fn(ctx, &f);
        }
    }
}

void facts_frame_function(const facts_sink *k, const sym_frame *f)
{
    put_data(k, FACTS_CODE, f->function, "??");
    if (f->has_offset)
        putf(k, FACTS_WORDS, "+0x%" PRIx64, f->offset);
}

int facts_frame_source(const facts_sink *k, const sym_frame *f)
{
    if (!f || !f->file)
        return 0;
    put(k, FACTS_DATA, f->file);
    putf(k, FACTS_WORDS, ":%u", f->line);
    if (f->column)
        putf(k, FACTS_WORDS, ":%u", f->column);
    return 1;
}

/* ---- fds, children, modules, capture ------------------------------------------ */

void facts_socket(const facts_sink *k, const snap_fd *d)
{
    const char *family = snap_sock_family_name(d->sock_family);
    const char *type = snap_sock_type_name(d->sock_type);
    if (family)
        put(k, FACTS_WORDS, family);
    else
        putf(k, FACTS_WORDS, "family %" PRIu64, d->sock_family);
    if (type)
        putf(k, FACTS_WORDS, " %s", type);
    else
        putf(k, FACTS_WORDS, " type %" PRIu64, d->sock_type);
    if (d->sock_proto)
        putf(k, FACTS_WORDS, " proto %" PRIu64, d->sock_proto);
    if (d->sock_local) {
        put(k, FACTS_WORDS, " ");
        put(k, FACTS_DATA, d->sock_local);
    }
    if (d->sock_peer) {
        put(k, FACTS_WORDS, " -> ");
        put(k, FACTS_DATA, d->sock_peer);
    }
}

int facts_children(const facts_sink *k, const snap *s)
{
    size_t zombies = 0;
    if (!s->n_children)
        return 0;
    for (size_t i = 0; i < s->n_children; i++)
        zombies += s->children[i].zombie != 0;
    putf(k, FACTS_WORDS, "%zu (%zu zombie%s, exited but not reaped)", s->n_children, zombies,
         zombies == 1 ? "" : "s");
    return 1;
}

void facts_child_command(const facts_sink *k, const snap_child *c)
{
    if (c->cmdline_len) {
        facts_args(k, c->cmdline, c->cmdline_len);
        return;
    }
    put(k, FACTS_WORDS, "[");
    put_data(k, FACTS_DATA, c->comm, "?");
    put(k, FACTS_WORDS, "]");
}

void facts_build_id(const facts_sink *k, const snap_module *m)
{
    char hex[3];
    for (size_t i = 0; i < m->build_id_len; i++) {
        snprintf(hex, sizeof(hex), "%02x", m->build_id[i]);
        put(k, FACTS_WORDS, hex);
    }
    if (!m->build_id_len)
        put(k, FACTS_WORDS, "-");
}

void facts_capture(const facts_sink *k, const snap *s)
{
    const snap_capture *c = &s->capture;
    put_ms(k, c->duration_us);
    putf(k, FACTS_WORDS, ", %" PRIu64 " threads (%" PRIu64 " unwound), %" PRIu64
         " fds, %" PRIu64 " modules", c->threads, c->unwound, c->fds, c->modules);
}

void facts_phases(const facts_sink *k, const snap_capture *c)
{
    put(k, FACTS_WORDS, "threads ");
    put_ms(k, c->threads_us);
    put(k, FACTS_WORDS, ", fds ");
    put_ms(k, c->fds_us);
}

void facts_tracked(const facts_sink *k, const snap_capture *c)
{
    if (c->tracking & 1)
        put(k, FACTS_WORDS, " fds");
    if (c->tracking & 2)
        put(k, FACTS_WORDS, " threads");
    if (c->tracking & 4)
        put(k, FACTS_WORDS, " heap");
}

int facts_tracking(const facts_sink *k, const snap *s)
{
    const snap_capture *c = &s->capture;
    if (!c->tracking && !s->n_origins)
        return 0;
    facts_tracked(k, c);
    putf(k, FACTS_WORDS, ", %" PRIu64 " origins, %" PRIu64 " creations not recorded, %" PRIu64
         " %s", c->origins, c->track_lost, c->children, c->children == 1 ? "child" : "children");
    return 1;
}

int facts_reader(const facts_sink *k, const snap *s)
{
    putf(k, FACTS_WORDS, "%" PRIu64 " unknown records skipped, %" PRIu64 " malformed, %" PRIu64
         " items over the limit dropped", s->unknown_records, s->malformed_records,
         s->dropped_items);
    return s->unknown_records || s->malformed_records || s->dropped_items;
}

/* ---- symbols ------------------------------------------------------------ */

typedef struct notes_ctx {
    const facts_sink *k;
    size_t n;
} notes_ctx;

static void put_note(void *ctx, const char *note)
{
    notes_ctx *c = ctx;
    if (c->n++)
        put(c->k, FACTS_NEXT, "");
    put(c->k, FACTS_DATA, note);
}

int facts_symbol_notes(const facts_sink *k, sym_session *ss)
{
    notes_ctx c = { k, 0 };
    return frame_symbol_notes(ss, k ? put_note : NULL, &c) != 0;
}

/* ---- folded stacks ---------------------------------------------------------------- */

static int str_eq(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

/* Whether two threads' creation lines read the same. */
static int origin_eq(const snap *s, const snap_origin *a, const snap_origin *b)
{
    if (!a || !b)
        return a == b;
    if (a->unknown || b->unknown)
        return a->unknown == b->unknown;
    if (!str_eq(a->call, b->call) || a->tid != b->tid || a->start != b->start ||
        !a->n_frames != !b->n_frames)
        return 0;
    return !a->n_frames ||
           a->frames[frame_origin_first(s, a)] == b->frames[frame_origin_first(s, b)];
}

/* Whether threads a and b read the same but for their id and name. */
static int thread_eq(const snap *s, const snap_thread *a, const snap_thread *b)
{
    return a->n_frames == b->n_frames && a->truncated == b->truncated &&
           (!a->n_frames || memcmp(a->frames, b->frames, a->n_frames * sizeof(*a->frames)) == 0) &&
           a->state == b->state && a->status == b->status && a->signal == b->signal &&
           a->crashed == b->crashed && a->bbx_internal == b->bbx_internal &&
           a->method == b->method && a->reused == b->reused && !a->n_regs && !b->n_regs &&
           str_eq(a->wchan, b->wchan) && a->has_syscall == b->has_syscall &&
           a->syscall == b->syscall && a->kernel_pc == b->kernel_pc &&
           a->lock_addr == b->lock_addr && a->lock_owner == b->lock_owner &&
           origin_eq(s, snap_thread_origin(s, a->tid), snap_thread_origin(s, b->tid));
}

/* A hash of the frames, to compare only threads that may be alike. */
static uint64_t thread_hash(const snap_thread *t)
{
    uint64_t h = FNV1A_OFFSET ^ t->n_frames;
    for (size_t i = 0; i < t->n_frames; i++)
        h = fnv1a_step(h, t->frames[i]); /* a word a step */
    return h;
}

/* The entry of every thread (gid[i]) and the number of entries: the lead
 * first, then in file order. */
static size_t assign_groups(const snap *s, int all_threads, size_t lead, size_t *gid,
                            uint64_t *hash, size_t *first)
{
    size_t n_groups = 0;
    for (size_t step = 0; step <= s->n_threads; step++) {
        size_t i = step == 0 ? lead : step - 1;
        if (i >= s->n_threads || (step > 0 && i == lead))
            continue;
        const snap_thread *t = &s->threads[i];
        hash[i] = thread_hash(t);
        gid[i] = n_groups;
        /* The lead's entry (0, when there is a lead) takes no other thread. */
        for (size_t g = lead < s->n_threads; !all_threads && g < n_groups; g++) {
            if (hash[first[g]] == hash[i] && thread_eq(s, &s->threads[first[g]], t)) {
                gid[i] = g;
                break;
            }
        }
        if (gid[i] == n_groups)
            first[n_groups++] = i;
    }
    return n_groups;
}

int facts_thread_groups(facts_groups *g, const snap *s, int all_threads)
{
    size_t n = s->n_threads;
    const snap_thread *lt = snap_trigger_thread(s);
    size_t lead = lt ? (size_t)(lt - s->threads) : n; /* n: no lead */
    size_t *gid = calloc(n + 1, sizeof(*gid)), *first = calloc(n + 1, sizeof(*first));
    uint64_t *hash = calloc(n + 1, sizeof(*hash));
    memset(g, 0, sizeof(*g));
    g->groups = calloc(n + 1, sizeof(*g->groups));
    g->index_ = calloc(n + 1, sizeof(*g->index_));
    if (!gid || !first || !hash || !g->groups || !g->index_) {
        free(gid);
        free(first);
        free(hash);
        facts_groups_release(g);
        return -1;
    }
    g->n = assign_groups(s, all_threads, lead, gid, hash, first);
    /* Members one entry after the other, each entry's in file order:
     * count them (first[] is free again), then place them. */
    memset(first, 0, (n + 1) * sizeof(*first));
    for (size_t i = 0; i < n; i++)
        first[gid[i]]++;
    for (size_t e = 0, at = 0; e < g->n; e++) {
        g->groups[e].members = g->index_ + at;
        at += first[e];
    }
    for (size_t i = 0; i < n; i++) {
        facts_group *e = &g->groups[gid[i]];
        g->index_[(size_t)(e->members - g->index_) + e->n++] = i;
    }
    free(gid);
    free(first);
    free(hash);
    return 0;
}

void facts_groups_release(facts_groups *g)
{
    free(g->groups);
    free(g->index_);
    memset(g, 0, sizeof(*g));
}

void facts_group_title(const facts_sink *k, const facts_group *g)
{
    putf(k, FACTS_WORDS, "%zu threads with this stack", g->n);
}

void facts_group_members(const facts_sink *k, const snap *s, const facts_group *g)
{
    const char *name = s->threads[g->members[0]].name;
    int same = 1;
    for (size_t i = 1; i < g->n; i++)
        same &= str_eq(name, s->threads[g->members[i]].name);
    put(k, FACTS_WORDS, "tids ");
    for (size_t i = 0; i < g->n; i++) {
        const snap_thread *t = &s->threads[g->members[i]];
        if (i)
            put(k, FACTS_WORDS, ", ");
        putf(k, FACTS_TID, "%" PRIu64, t->tid);
        if (!same && t->name) {
            put(k, FACTS_WORDS, " \"");
            put(k, FACTS_DATA, t->name);
            put(k, FACTS_WORDS, "\"");
        }
    }
    if (same && name) {
        put(k, FACTS_WORDS, " (all named \"");
        put(k, FACTS_DATA, name);
        put(k, FACTS_WORDS, "\")");
    }
}

/* ---- memory and sampled heap ------------------------------------------- */

static void put_kib(const facts_sink *k, double kib)
{
    char b[32];
    size_text_kib(b, sizeof(b), kib);
    put(k, FACTS_WORDS, b);
}

int facts_mem_totals(const facts_sink *k, const snap *s)
{
    const snap_memory *m = &s->memory;
    if (!m->present)
        return 0;
    put(k, FACTS_WORDS, "rss ");
    put_kib(k, (double)m->rss_kb);
    put(k, FACTS_WORDS, ", pss ");
    put_kib(k, (double)m->pss_kb);
    put(k, FACTS_WORDS, ", swap ");
    put_kib(k, (double)m->swap_kb);
    if (m->vm_size_kb) {
        put(k, FACTS_WORDS, ", address space ");
        put_kib(k, (double)m->vm_size_kb);
    }
    if (m->phys_kb) {
        put(k, FACTS_WORDS, "; host ");
        put_kib(k, (double)m->phys_kb);
        put(k, FACTS_WORDS, " physical, ");
        put_kib(k, (double)m->avail_kb);
        put(k, FACTS_WORDS, " available");
    }
    putf(k, FACTS_WORDS, " (figures %" PRIu64 " ms old at the capture)", m->age_ms);
    return 1;
}

int facts_mem_cgroup(const facts_sink *k, const snap *s)
{
    const snap_memory *m = &s->memory;
    if (!m->present || (!m->cgroup && !m->has_cg_current))
        return 0;
    put(k, FACTS_WORDS, "cgroup ");
    put_data(k, FACTS_DATA, m->cgroup, "?");
    if (m->has_cg_current) {
        put(k, FACTS_WORDS, ": ");
        put_kib(k, (double)m->cg_current / 1024.0);
        put(k, FACTS_WORDS, " used");
    }
    if (m->has_cg_max && m->cg_max) {
        put(k, FACTS_WORDS, " of ");
        put_kib(k, (double)m->cg_max / 1024.0);
        if (m->has_cg_current)
            putf(k, m->cg_current * 10 >= m->cg_max * 9 ? FACTS_ALARM : FACTS_WORDS,
                 " (%.0f%%)", 100.0 * (double)m->cg_current / (double)m->cg_max);
    } else {
        put(k, FACTS_WORDS, ", no limit");
    }
    if (m->has_cg_high && m->cg_high) {
        put(k, FACTS_WORDS, ", high ");
        put_kib(k, (double)m->cg_high / 1024.0);
    }
    if (m->has_cg_oom)
        putf(k, m->cg_oom_kills ? FACTS_ALARM : FACTS_WORDS,
             ", %" PRIu64 " OOM kill%s, limit hit %" PRIu64 " time%s", m->cg_oom_kills,
             m->cg_oom_kills == 1 ? "" : "s", m->cg_oom, m->cg_oom == 1 ? "" : "s");
    if (m->has_cg_swap) {
        put(k, FACTS_WORDS, ", swap ");
        put_kib(k, (double)m->cg_swap / 1024.0);
    }
    return 1;
}

int facts_mem_malloc(const facts_sink *k, const snap *s)
{
    const snap_memory *m = &s->memory;
    if (!m->present || !m->has_malloc)
        return 0;
    put_kib(k, (double)m->malloc_inuse / 1024.0);
    put(k, FACTS_WORDS, " in use, ");
    put_kib(k, (double)m->malloc_free / 1024.0);
    put(k, FACTS_WORDS, " free; arena ");
    put_kib(k, (double)m->malloc_arena / 1024.0);
    put(k, FACTS_WORDS, ", mmapped ");
    put_kib(k, (double)m->malloc_mmap / 1024.0);
    return 1;
}

int facts_heap(const facts_sink *k, const snap *s)
{
    const snap_heap *h = &s->heap;
    if (!h->present)
        return 0;
    put(k, FACTS_WORDS, "sampled every ");
    put_kib(k, (double)h->interval / 1024.0);
    put(k, FACTS_WORDS, " allocated: about ");
    put_kib(k, (double)h->live_bytes / 1024.0);
    putf(k, FACTS_WORDS, " live in %" PRIu64 " allocations, ", h->live_objects);
    put_kib(k, (double)h->alloc_bytes / 1024.0);
    putf(k, FACTS_WORDS, " allocated in %" PRIu64 " since tracking started", h->alloc_objects);
    if (h->start_ms) {
        char when[64];
        report_fmt_time(when, sizeof(when), h->start_ms);
        putf(k, FACTS_WORDS, " (%s)", when);
    }
    putf(k, FACTS_WORDS, "; %" PRIu64 " of %" PRIu64 " samples live, %zu stacks", h->live_samples,
         h->samples, h->n_stacks);
    if (h->lost)
        putf(k, FACTS_ALARM, ", %" PRIu64 " samples lost (tables full)", h->lost);
    return 1;
}

void facts_heap_site(const facts_sink *k, const snap *s, const snap_heap_stack *h,
                     sym_session *ss)
{
    snap_origin o = { .frames = h->frames, .n_frames = h->n_frames };
    facts_origin_site(k, s, &o, ss);
    if (h->mmap)
        put(k, FACTS_WORDS, " (anonymous mmap)");
}
