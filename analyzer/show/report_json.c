/*
 * report_json.c - the `bbx show --json` document (schema: docs/JSON.md).
 *
 * Conventions: addresses are "0x..." strings (JavaScript numbers cannot hold
 * 64 bits); counts and ids are numbers; a string the file did not carry is
 * null; fds and breadcrumbs keep file order, and threads too but for the
 * thread the trigger is about (crashed, hung, requesting), which comes first.
 */
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "json_writer.h"
#include "app_frames.h"
#include "frame_symbols.h"
#include "report.h"
#include "session_context.h"
#include "launch_facts.h"
#include "report_facts.h"
#include "snap_format.h"

static void trigger(json_writer *w, const snap *s)
{
    const snap_trigger *t = &s->trigger;
    const char *code_name = snap_si_code_name(t->signal, t->code);
    json_key(w, "trigger");
    if (!t->present) {
        json_null(w);
        return;
    }
    json_object_begin(w);
    json_kv_string(w, "kind", snap_trigger_kind_name(t->kind));
    json_kv_u64(w, "signal", t->signal);
    json_kv_string(w, "signal_name", t->signal ? snap_signal_name(t->signal) : NULL);
    json_key(w, "code");
    json_i64(w, t->code);
    json_kv_string(w, "code_name", t->signal ? code_name : NULL);
    json_kv_hex(w, "fault_address", t->addr);
    json_kv_u64(w, "sender_pid", t->sender_pid);
    json_kv_u64(w, "sender_uid", t->sender_uid);
    json_kv_string(w, "reason", t->reason);
    json_kv_u64(w, "tid", t->tid);
    json_kv_u64(w, "seq", t->seq);
    json_key(w, "hang");
    if (!t->hung_tid) {
        json_null(w);
    } else {
        json_object_begin(w);
        json_kv_u64(w, "tid", t->hung_tid);
        json_kv_string(w, "thread_name", t->hung_name);
        json_kv_u64(w, "stuck_ms", t->hung_ms);
        json_kv_u64(w, "cpu_ms", t->hung_cpu_ms);
        json_kv_u64(w, "limit_ms", t->hung_limit_ms);
        json_kv_string(w, "state", facts_hung_state_name(t->hung_state));
        json_kv_bool(w, "over", t->kind == SNAP_TRIGGER_HANG_END);
        json_object_end(w);
    }
    json_object_end(w);
}

static void limit_value(json_writer *w, const char *key, uint64_t v)
{
    if (facts_unlimited(v))
        json_kv_string(w, key, "unlimited");
    else
        json_kv_u64(w, key, v);
}

static void process(json_writer *w, const snap *s)
{
    const snap_process *p = &s->process;
    const char *arg;
    size_t pos = 0, len;
    json_key(w, "process");
    json_object_begin(w);
    json_kv_u64(w, "pid", p->pid);
    json_kv_u64(w, "ppid", p->ppid);
    json_kv_string(w, "exe", p->exe);
    json_key(w, "cmdline");
    json_array_begin(w);
    while (snap_cmdline_next(s, &pos, &arg, &len))
        json_string_n(w, arg, len);
    json_array_end(w);
    json_kv_string(w, "app", p->app);
    json_kv_u64(w, "start_time_ms", p->start_ms);
    json_kv_u64(w, "time_ms", p->time_ms);
    json_kv_u64(w, "uid", p->uid);
    json_kv_string(w, "hostname", p->hostname);
    json_kv_string(w, "kernel", p->kernel);
    json_kv_string(w, "arch", p->arch);
    json_kv_u64(w, "threads", p->threads);
    json_kv_u64(w, "fd_limit", p->fd_limit);
    json_key(w, "memory");
    json_object_begin(w);
    json_kv_u64(w, "rss_kb", p->vm_rss_kb);
    json_kv_u64(w, "vm_kb", p->vm_size_kb);
    json_kv_u64(w, "peak_rss_kb", p->vm_hwm_kb);
    json_object_end(w);
    json_key(w, "rlimits");
    json_array_begin(w);
    for (size_t i = 0; i < p->n_rlimits; i++) {
        const snap_rlimit *rl = &p->rlimits[i];
        json_object_begin(w);
        json_kv_u64(w, "resource", rl->resource);
        json_kv_string(w, "name", snap_rlimit_name(rl->resource));
        limit_value(w, "cur", rl->cur);
        limit_value(w, "max", rl->max);
        json_object_end(w);
    }
    json_array_end(w);
    json_object_end(w);
}

static void registers(json_writer *w, const snap *s, const snap_thread *t)
{
    char gen[24];
    json_key(w, "registers");
    json_object_begin(w);
    for (size_t i = 0; i < t->n_regs; i++)
        json_kv_hex(w, facts_reg_name(s, i, gen), t->regs[i]);
    json_object_end(w);
}

static void kv_u64_or_null(json_writer *w, const char *key, uint64_t v, int known)
{
    json_key(w, key);
    if (known)
        json_u64(w, v);
    else
        json_null(w);
}

static void kv_u32_or_null(json_writer *w, const char *key, unsigned v, int known)
{
    kv_u64_or_null(w, key, v, known);
}

/* The objects of code address pc: one per inlined call in it (innermost
 * first, the same pc, module and offset); symbol fields null when unknown.
 * `is_return`: pc follows a call (looked up at pc - 1). */
static void frame_objects(json_writer *w, const snap *s, uint64_t pc, int is_return,
                          sym_session *ss)
{
    const snap_module *m = snap_module_for_pc(s, pc);
    const sym_frame *sf;
    size_t n = frame_symbols_pc(ss, s, pc, is_return, &sf);
    for (size_t k = 0; k < (n ? n : 1); k++) {
        const sym_frame *f = n ? &sf[k] : NULL;
        json_object_begin(w);
        json_kv_hex(w, "pc", pc);
        json_kv_string(w, "module", m ? m->path : NULL);
        json_key(w, "offset");
        if (m)
            json_hex(w, pc - m->bias);
        else
            json_null(w);
        json_kv_string(w, "function", f ? f->function : NULL);
        json_key(w, "function_offset");
        if (f && f->has_offset)
            json_hex(w, f->offset);
        else
            json_null(w);
        json_kv_string(w, "file", f ? f->file : NULL);
        kv_u32_or_null(w, "line", f ? f->line : 0, f && f->file);
        kv_u32_or_null(w, "column", f ? f->column : 0, f && f->file && f->column);
        json_kv_bool(w, "inlined", f && f->inlined);
        json_object_end(w);
    }
}

/* "frames": a stack, innermost first; the first entry is a return address
 * too when `all_return` (origin stacks), else the pc where it stopped. */
static void frames(json_writer *w, const snap *s, const uint64_t *pcs, size_t n_pcs,
                   int all_return, sym_session *ss)
{
    json_key(w, "frames");
    json_array_begin(w);
    for (size_t i = 0; i < n_pcs; i++)
        frame_objects(w, s, pcs[i], all_return || i > 0, ss);
    json_array_end(w);
}

/* "origin": where a tracked fd or thread was created, or null. */
static void origin(json_writer *w, const snap *s, const snap_origin *o, sym_session *ss)
{
    json_key(w, "origin");
    if (!o) {
        json_null(w);
        return;
    }
    json_object_begin(w);
    json_kv_bool(w, "unknown", o->unknown);
    json_kv_string(w, "call", o->call);
    json_kv_u64(w, "time_ms", o->time_ms);
    json_kv_u64(w, "tid", o->tid);
    json_kv_bool(w, "truncated", o->truncated);
    if (o->resource == SNAP_ORIGIN_THREAD) {
        json_key(w, "start_routine");
        if (o->start) {
            json_array_begin(w);
            frame_objects(w, s, o->start, 0, ss);
            json_array_end(w);
        } else {
            json_null(w);
        }
    }
    frames(w, s, o->frames, o->n_frames, 1, ss);
    json_object_end(w);
}

static void thread(json_writer *w, const snap *s, const snap_thread *t, sym_session *ss);
/* "lock": the mutex a thread is blocked on and its owner, or null. */
static void lock(json_writer *w, const snap *s, const snap_thread *t, sym_session *ss)
{
    facts_owner o;
    json_key(w, "lock");
    if (!facts_lock_owner(s, t, &o)) {
        json_null(w);
        return;
    }
    json_object_begin(w);
    json_kv_string(w, "kind", t->lock_kind == SNAP_LOCK_MUTEX_PI ? "pi_mutex" : "mutex");
    json_kv_hex(w, "address", t->lock_addr);
    json_kv_u64(w, "owner", t->lock_owner);
    json_kv_string(w, "owner_name", o.thread ? o.thread->name : NULL);
    json_kv_string(w, "owner_state", facts_owner_state_name(o.state));
    json_kv_string(w, "owner_call", o.call);
    json_key(w, "owner_site");
    if (o.thread && o.frame < o.thread->n_frames) {
        json_array_begin(w);
        frame_objects(w, s, o.thread->frames[o.frame], o.frame > 0, ss);
        json_array_end(w);
    } else {
        json_null(w);
    }
    json_object_end(w);
}

/* "deadlocks": the cycles of the wait-for graph. */
static void deadlocks(json_writer *w, const snap *s)
{
    lock_edge *e;
    lock_cycles cs = { 0 };
    size_t n = lock_edges_of(s, &e);
    json_key(w, "deadlocks");
    json_array_begin(w);
    if (n && n != (size_t)-1 && lock_cycles_find(&cs, e, n) == 0) {
        for (size_t c = 0; c < cs.n; c++) {
            json_object_begin(w);
            json_key(w, "threads");
            json_array_begin(w);
            for (size_t i = 0; i < cs.cycles[c].n; i++) {
                const lock_edge *x = &e[cs.edges[cs.cycles[c].first + i]];
                const snap_thread *t = NULL;
                for (size_t j = 0; j < s->n_threads && !t; j++)
                    t = s->threads[j].tid == x->waiter ? &s->threads[j] : NULL;
                json_object_begin(w);
                json_kv_u64(w, "tid", x->waiter);
                json_kv_string(w, "name", t ? t->name : NULL);
                json_kv_hex(w, "waits_for", x->lock);
                json_kv_u64(w, "held_by", x->owner);
                json_object_end(w);
            }
            json_array_end(w);
            json_object_end(w);
        }
        lock_cycles_release(&cs);
    }
    json_array_end(w);
    if (n != (size_t)-1)
        free(e);
}

static void threads(json_writer *w, const snap *s, sym_session *ss)
{
    const snap_thread *lead = snap_trigger_thread(s);
    json_key(w, "threads");
    json_array_begin(w);
    if (lead)
        thread(w, s, lead, ss);
    for (size_t i = 0; i < s->n_threads; i++)
        if (&s->threads[i] != lead)
            thread(w, s, &s->threads[i], ss);
    json_array_end(w);
}

static void thread(json_writer *w, const snap *s, const snap_thread *t, sym_session *ss)
{
    char state[2] = { t->state, 0 };
    json_object_begin(w);
    json_kv_u64(w, "tid", t->tid);
    json_kv_string(w, "name", t->name);
    json_kv_string(w, "state", t->state ? state : NULL);
    json_kv_string(w, "status", snap_thread_status_name(t->status));
    json_kv_bool(w, "crashed", t->crashed);
    json_kv_bool(w, "hung", t->hung);
    json_kv_bool(w, "bbx_internal", t->bbx_internal);
    json_kv_string(w, "stack_method", snap_thread_stack_name(t));
    json_kv_bool(w, "reused", t->reused);
    kv_u64_or_null(w, "signal", t->signal, t->signal != 0);
    json_kv_bool(w, "truncated", t->truncated);
    if (t->n_regs)
        registers(w, s, t);
    frames(w, s, t->frames, t->n_frames, 0, ss);
    json_kv_string(w, "wchan", t->wchan);
    json_key(w, "syscall");
    if (t->has_syscall)
        json_i64(w, t->syscall);
    else
        json_null(w);
    json_key(w, "kernel_pc");
    if (t->kernel_pc)
        json_hex(w, t->kernel_pc);
    else
        json_null(w);
    lock(w, s, t, ss);
    origin(w, s, snap_thread_origin(s, t->tid), ss);
    json_object_end(w);
}

static void socket_info(json_writer *w, const snap_fd *d)
{
    const char *family = snap_sock_family_name(d->sock_family);
    const char *type = snap_sock_type_name(d->sock_type);
    json_key(w, "socket");
    json_object_begin(w);
    json_kv_u64(w, "family", d->sock_family);
    json_kv_string(w, "family_name", family);
    json_kv_u64(w, "type", d->sock_type);
    json_kv_string(w, "type_name", type);
    json_kv_u64(w, "protocol", d->sock_proto);
    json_kv_string(w, "local", d->sock_local);
    json_kv_string(w, "peer", d->sock_peer);
    json_object_end(w);
}

static void fd_array(json_writer *w, const snap *s, const char *key, const snap_fd *fds,
                     size_t n, sym_session *ss)
{
    json_key(w, key);
    json_array_begin(w);
    for (size_t i = 0; i < n; i++) {
        const snap_fd *d = &fds[i];
        char flags[256];
        json_object_begin(w);
        json_kv_u64(w, "fd", d->fd);
        json_kv_string(w, "kind", snap_fd_kind_name(d->kind));
        json_kv_string(w, "target", d->target);
        json_key(w, "flags");
        if (d->has_flags) {
            snap_open_flags_format(s->process.arch, d->flags, d->cloexec, flags,
                                   sizeof(flags));
            json_string(w, flags);
        } else {
            json_null(w);
        }
        kv_u64_or_null(w, "flags_raw", d->flags, d->has_flags);
        json_kv_bool(w, "cloexec", d->cloexec);
        kv_u64_or_null(w, "offset", d->offset, d->has_offset);
        json_kv_u64(w, "inode", d->inode);
        json_kv_u64(w, "size", d->size);
        if (d->kind == SNAP_FD_SOCKET)
            socket_info(w, d);
        json_kv_string(w, "details", d->details);
        json_kv_bool(w, "closed_by_bbx", d->closed_by_bbx);
        if (d->bbx)
            json_kv_string(w, "bbx", d->bbx == SNAP_FD_BBX_SPARE ? "spare" : "own");
        origin(w, s, d->bbx ? NULL : snap_fd_origin(s, d->fd), ss);
        json_object_end(w);
    }
    json_array_end(w);
}

/* The program's fds, and bbx's own apart ("bbx_fds"). */
static void fds(json_writer *w, const snap *s, sym_session *ss)
{
    fd_array(w, s, "fds", s->fds, s->n_fds, ss);
    fd_array(w, s, "bbx_fds", s->bbx_fds, s->n_bbx_fds, ss);
}

/* "children": child processes in file order. */
static void children(json_writer *w, const snap *s)
{
    json_key(w, "children");
    json_array_begin(w);
    for (size_t i = 0; i < s->n_children; i++) {
        const snap_child *c = &s->children[i];
        char state[2] = { c->state, 0 };
        const char *arg;
        size_t pos = 0, len;
        json_object_begin(w);
        json_kv_u64(w, "pid", c->pid);
        json_kv_string(w, "state", c->state ? state : NULL);
        json_kv_bool(w, "zombie", c->zombie);
        json_kv_string(w, "comm", c->comm);
        json_key(w, "cmdline");
        json_array_begin(w);
        while (snap_args_next(c->cmdline, c->cmdline_len, &pos, &arg, &len))
            json_string_n(w, arg, len);
        json_array_end(w);
        json_kv_u64(w, "start_time_ms", c->start_ms);
        json_kv_string(w, "wchan", c->wchan);
        json_kv_string(w, "stdin", c->std_fds[0]);
        json_kv_string(w, "stdout", c->std_fds[1]);
        json_kv_string(w, "stderr", c->std_fds[2]);
        json_object_end(w);
    }
    json_array_end(w);
}

/* "site": the launching function of the program's own code and its source
 * line, as bbx show names it; null without frames. */
static void launch_site(json_writer *w, const snap *s, const snap_launch *l, sym_session *ss)
{
    size_t i = l ? launch_site_frame(s, l) : SIZE_MAX;
    const sym_frame *sf;
    json_key(w, "site");
    if (i == SIZE_MAX) {
        json_null(w);
        return;
    }
    size_t n = frame_symbols_pc(ss, s, l->frames[i], 1, &sf);
    json_object_begin(w);
    json_kv_hex(w, "pc", l->frames[i]);
    json_kv_string(w, "function", n ? sf[n - 1].function : NULL);
    json_kv_string(w, "file", n ? sf[0].file : NULL);
    kv_u32_or_null(w, "line", n ? sf[0].line : 0, n && sf[0].file);
    json_object_end(w);
}

/* The outcome fields of a wait status. */
static void wait_status(json_writer *w, uint64_t status)
{
    int st = (int)(status & 0xffff);
    json_kv_u64(w, "status", status);
    kv_u64_or_null(w, "exit_code", (uint64_t)WEXITSTATUS(st), WIFEXITED(st));
    kv_u64_or_null(w, "signal", (uint64_t)WTERMSIG(st), WIFSIGNALED(st));
    json_kv_string(w, "signal_name", WIFSIGNALED(st) ? snap_signal_name((uint64_t)WTERMSIG(st))
                                                     : NULL);
}

/* "launches": every LAUNCH record, oldest first (tracking mode exec). */
static void launches(json_writer *w, const snap *s, sym_session *ss)
{
    json_key(w, "launches");
    json_array_begin(w);
    for (size_t i = 0; i < s->n_launches; i++) {
        const snap_launch *l = &s->launches[i];
        const char *arg;
        size_t pos = 0, len;
        json_object_begin(w);
        json_kv_u64(w, "seq", l->seq);
        json_kv_string(w, "call", l->call);
        json_kv_string(w, "file", l->file);
        json_key(w, "args");
        json_array_begin(w);
        while (snap_args_next(l->args, l->args_len, &pos, &arg, &len))
            json_string_n(w, arg, len);
        json_array_end(w);
        kv_u64_or_null(w, "pid", l->pid, l->pid != 0);
        json_kv_u64(w, "launcher", l->launcher);
        json_kv_u64(w, "tid", l->tid);
        json_kv_u64(w, "time_ms", l->time_ms);
        json_kv_bool(w, "in_child", l->in_child);
        json_kv_bool(w, "failed", l->failed);
        kv_u64_or_null(w, "errno", l->err, l->failed);
        json_kv_string(w, "errno_name", l->failed ? launch_errno_name(l->err) : NULL);
        json_kv_string(w, "path_searched", l->path);
        json_kv_bool(w, "ended", l->ended);
        if (l->ended) {
            wait_status(w, l->status);
            json_kv_u64(w, "end_ms", l->end_ms);
        }
        kv_u64_or_null(w, "fd", l->fd, l->has_fd);
        json_kv_bool(w, "truncated", l->truncated);
        launch_site(w, s, l, ss);
        frames(w, s, l->frames, l->n_frames, 1, ss);
        json_object_end(w);
    }
    json_array_end(w);
}

/* "launch_stories": what the launches and children say, each with its
 * sentence as bbx show writes it. */
static void launch_story_list(json_writer *w, const snap *s, sym_session *ss)
{
    launch_story *v;
    size_t n = launch_stories(s, &v);
    char text[2048];
    json_key(w, "launch_stories");
    json_array_begin(w);
    for (size_t i = 0; n != (size_t)-1 && i < n; i++) {
        const launch_story *st = &v[i];
        json_object_begin(w);
        json_kv_string(w, "kind", launch_story_kind_name(st->kind));
        launch_story_text(text, sizeof(text), s, st, ss);
        json_kv_string(w, "text", text);
        json_kv_u64(w, "count", st->count);
        kv_u64_or_null(w, "launch_seq", st->launch ? st->launch->seq : 0, st->launch != NULL);
        json_kv_string(w, "call", st->launch ? st->launch->call : NULL);
        launch_site(w, s, st->launch, ss);
        kv_u64_or_null(w, "child_pid", st->child ? st->child->pid : 0, st->child != NULL);
        kv_u64_or_null(w, "fd", st->fd ? st->fd->fd : 0, st->fd != NULL);
        json_kv_string(w, "pipe", st->fd ? st->fd->target : NULL);
        json_kv_u64(w, "first_ms", st->first_ms);
        json_kv_u64(w, "last_ms", st->last_ms);
        json_object_end(w);
    }
    json_array_end(w);
    if (n != (size_t)-1)
        free(v);
}

/* "x11": the X resources of the process's clients, or null. */
static void x11(json_writer *w, const snap *s)
{
    const snap_x11 *x = &s->x11;
    json_key(w, "x11");
    if (!x->present) {
        json_null(w);
        return;
    }
    json_object_begin(w);
    json_kv_string(w, "display", x->display);
    json_kv_u64(w, "age_ms", x->age_ms);
    json_kv_u64(w, "clients", x->clients);
    json_kv_u64(w, "pixmap_bytes", x->pixmap_bytes);
    json_kv_u64(w, "query_us", x->query_us);
    json_kv_string(w, "stale", x->stale == SNAP_X11_STALE_TIMEOUT ? "timeout"
                               : x->stale ? "connection lost" : NULL);
    json_key(w, "types");
    json_array_begin(w);
    for (size_t i = 0; i < x->n_types; i++) {
        json_object_begin(w);
        json_kv_string(w, "name", x->types[i].name);
        json_kv_u64(w, "count", x->types[i].count);
        json_object_end(w);
    }
    json_array_end(w);
    json_object_end(w);
}

static void modules(json_writer *w, const snap *s)
{
    json_key(w, "modules");
    json_array_begin(w);
    for (size_t i = 0; i < s->n_modules; i++) {
        const snap_module *m = &s->modules[i];
        json_object_begin(w);
        json_kv_string(w, "path", m->path);
        json_kv_hex(w, "base", m->bias);
        json_kv_hex(w, "start", m->start);
        json_kv_hex(w, "end", m->end);
        json_key(w, "build_id");
        if (m->build_id_len)
            json_hex_bytes(w, m->build_id, m->build_id_len);
        else
            json_null(w);
        json_key(w, "image_bytes");
        json_u64(w, m->image_len);
        json_object_end(w);
    }
    json_array_end(w);
}

static void breadcrumbs(json_writer *w, const snap *s)
{
    json_key(w, "breadcrumbs");
    json_array_begin(w);
    for (size_t i = 0; i < s->n_breadcrumbs; i++) {
        const snap_breadcrumb *c = &s->breadcrumbs[i];
        json_object_begin(w);
        json_kv_u64(w, "time_ms", c->time_ms);
        json_kv_u64(w, "tid", c->tid);
        json_kv_string(w, "text", c->text);
        json_object_end(w);
    }
    json_array_end(w);
}

/* Annotations as an object; a member without a key gets "". */
static void annotations(json_writer *w, const snap *s)
{
    json_key(w, "annotations");
    json_object_begin(w);
    for (size_t i = 0; i < s->n_annotations; i++) {
        const snap_annotation *a = &s->annotations[i];
        json_key(w, a->key ? a->key : "");
        json_string(w, a->value ? a->value : "");
    }
    json_object_end(w);
}

static void capture(json_writer *w, const snap *s)
{
    const snap_capture *c = &s->capture;
    json_key(w, "capture_ms");
    json_millis(w, c->duration_us);
    json_key(w, "capture");
    json_object_begin(w);
    json_kv_u64(w, "duration_us", c->duration_us);
    json_kv_u64(w, "threads", c->threads);
    json_kv_u64(w, "threads_omitted", c->threads_omitted);
    json_kv_u64(w, "unwound", c->unwound);
    json_kv_u64(w, "fds", c->fds);
    json_kv_u64(w, "modules", c->modules);
    json_kv_u64(w, "threads_us", c->threads_us);
    json_kv_u64(w, "fds_us", c->fds_us);
    json_kv_string(w, "collector_version", c->version);
    json_kv_u64(w, "tracking", c->tracking);
    json_kv_u64(w, "origins", c->origins);
    json_kv_u64(w, "track_lost", c->track_lost);
    json_kv_u64(w, "children", c->children);
    json_kv_u64(w, "bbx_mapped", c->bbx_mapped);
    json_object_end(w);
    json_key(w, "redacted");
    json_array_begin(w);
    for (unsigned bit = 0; bit < 64; bit++) {
        char gen[16];
        if (c->redacted >> bit & 1)
            json_string(w, facts_redacted_part(bit, gen));
    }
    json_array_end(w);
}

/* "memory": the MEMORY record, or null; sizes in KiB as the kernel gives
 * them, cgroup and malloc figures in bytes, a figure not taken null. */
static void memory(json_writer *w, const snap *s)
{
    const snap_memory *m = &s->memory;
    json_key(w, "memory");
    if (!m->present) {
        json_null(w);
        return;
    }
    json_object_begin(w);
    json_kv_u64(w, "age_ms", m->age_ms);
    json_kv_u64(w, "rss_kb", m->rss_kb);
    json_kv_u64(w, "pss_kb", m->pss_kb);
    json_kv_u64(w, "swap_kb", m->swap_kb);
    kv_u64_or_null(w, "vm_size_kb", m->vm_size_kb, m->vm_size_kb != 0);
    json_key(w, "kinds");
    json_array_begin(w);
    for (uint64_t kind = 1; kind < SNAP_MEM_KINDS; kind++) {
        const snap_mem_kind_use *u = &m->kinds[kind];
        if (!u->present)
            continue;
        json_object_begin(w);
        json_kv_string(w, "kind", snap_mem_kind_name(kind));
        json_kv_u64(w, "rss_kb", u->rss_kb);
        json_kv_u64(w, "pss_kb", u->pss_kb);
        json_kv_u64(w, "swap_kb", u->swap_kb);
        json_kv_u64(w, "size_kb", u->size_kb);
        json_kv_u64(w, "mappings", u->mappings);
        json_object_end(w);
    }
    json_array_end(w);
    json_key(w, "cgroup");
    if (!m->cgroup && !m->has_cg_current) {
        json_null(w);
    } else {
        json_object_begin(w);
        json_kv_string(w, "path", m->cgroup);
        kv_u64_or_null(w, "current", m->cg_current, m->has_cg_current);
        kv_u64_or_null(w, "max", m->cg_max, m->has_cg_max);
        kv_u64_or_null(w, "high", m->cg_high, m->has_cg_high);
        kv_u64_or_null(w, "oom_kills", m->cg_oom_kills, m->has_cg_oom);
        kv_u64_or_null(w, "oom", m->cg_oom, m->has_cg_oom);
        kv_u64_or_null(w, "swap", m->cg_swap, m->has_cg_swap);
        json_object_end(w);
    }
    kv_u64_or_null(w, "phys_kb", m->phys_kb, m->phys_kb != 0);
    kv_u64_or_null(w, "avail_kb", m->avail_kb, m->phys_kb != 0);
    json_key(w, "malloc");
    if (!m->has_malloc) {
        json_null(w);
    } else {
        json_object_begin(w);
        json_kv_u64(w, "in_use", m->malloc_inuse);
        json_kv_u64(w, "free", m->malloc_free);
        json_kv_u64(w, "arena", m->malloc_arena);
        json_kv_u64(w, "mmap", m->malloc_mmap);
        json_object_end(w);
    }
    kv_u64_or_null(w, "watermark_permille", m->watermark_permille, m->watermark_permille != 0);
    json_kv_u64(w, "read_us", m->read_us);
    json_object_end(w);
}

/* "heap": sampled heap tracking (HEAP and its HEAP_STACKs), or null. */
static void heap(json_writer *w, const snap *s, sym_session *ss)
{
    const snap_heap *h = &s->heap;
    json_key(w, "heap");
    if (!h->present) {
        json_null(w);
        return;
    }
    json_object_begin(w);
    json_kv_u64(w, "interval", h->interval);
    kv_u64_or_null(w, "start_ms", h->start_ms, h->start_ms != 0);
    json_kv_u64(w, "live_bytes", h->live_bytes);
    json_kv_u64(w, "live_objects", h->live_objects);
    json_kv_u64(w, "alloc_bytes", h->alloc_bytes);
    json_kv_u64(w, "alloc_objects", h->alloc_objects);
    json_kv_u64(w, "samples", h->samples);
    json_kv_u64(w, "live_samples", h->live_samples);
    json_kv_u64(w, "lost", h->lost);
    json_key(w, "stacks");
    json_array_begin(w);
    for (size_t i = 0; i < h->n_stacks; i++) {
        const snap_heap_stack *k = &h->stacks[i];
        snap_origin o = { .frames = k->frames, .n_frames = k->n_frames };
        size_t first = frame_origin_first(s, &o), own = app_origin_frame(NULL, s, &o, first);
        json_object_begin(w);
        json_kv_u64(w, "id", k->id);
        json_kv_string(w, "call", k->mmap ? "mmap" : "malloc");
        json_kv_u64(w, "live_bytes", k->live_bytes);
        json_kv_u64(w, "live_objects", k->live_objects);
        json_kv_u64(w, "alloc_bytes", k->alloc_bytes);
        json_kv_u64(w, "alloc_objects", k->alloc_objects);
        json_kv_u64(w, "live_samples", k->live_samples);
        json_kv_u64(w, "samples", k->samples);
        json_kv_bool(w, "truncated", k->truncated);
        kv_u64_or_null(w, "app_frame", own, own != SIZE_MAX);
        frames(w, s, k->frames, k->n_frames, 1, ss);
        json_object_end(w);
    }
    json_array_end(w);
    json_object_end(w);
}

void report_vanished_json(json_writer *w, const report_vanished *v)
{
    json_key(w, "vanished");
    if (!v) {
        json_null(w);
        return;
    }
    json_object_begin(w);
    json_kv_string(w, "verdict", v->verdict);
    json_kv_string(w, "cause", v->cause);
    json_kv_u64(w, "last_ms", v->last_ms);
    json_kv_string(w, "text", v->text);
    json_key(w, "evidence");
    json_array_begin(w);
    for (size_t i = 0; i < v->n_evidence; i++)
        json_string(w, v->evidence[i]);
    json_array_end(w);
    json_object_end(w);
}

static void put_note(void *ctx, const char *note)
{
    json_string(ctx, note);
}

int report_json(FILE *out, const snap *s, int pretty, const report_options *opt)
{
    sym_session *ss = opt ? opt->symbols : NULL;
    json_writer w;
    char version[32];
    json_init(&w, out, pretty);
    json_object_begin(&w);
    snprintf(version, sizeof(version), "%u.%u", s->version_major, s->version_minor);
    json_kv_string(&w, "format_version", version);
    json_kv_bool(&w, "complete", s->complete);
    json_kv_string(&w, "incomplete_reason", s->complete ? NULL : s->incomplete_why);
    json_kv_u64(&w, "records", s->records);
    trigger(&w, s);
    process(&w, s);
    session_json(&w, s);
    threads(&w, s, ss);
    deadlocks(&w, s);
    fds(&w, s, ss);
    children(&w, s);
    launches(&w, s, ss);
    launch_story_list(&w, s, ss);
    x11(&w, s);
    modules(&w, s);
    breadcrumbs(&w, s);
    annotations(&w, s);
    memory(&w, s);
    heap(&w, s, ss);
    report_vanished_json(&w, opt ? opt->vanished : NULL);
    capture(&w, s);
    json_key(&w, "symbol_notes");
    json_array_begin(&w);
    frame_symbol_notes(ss, put_note, &w);
    json_array_end(&w);
    json_key(&w, "reader");
    json_object_begin(&w);
    json_kv_u64(&w, "unknown_records", s->unknown_records);
    json_kv_u64(&w, "malformed_records", s->malformed_records);
    json_kv_u64(&w, "dropped_items", s->dropped_items);
    json_object_end(&w);
    json_object_end(&w);
    return json_finish(&w) ? 0 : -1;
}
