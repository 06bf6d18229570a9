/*
 * report_text.c - the `bbx show` report for people, tombstone-style: who
 * died and why, the thread that triggered the snapshot first (registers,
 * backtrace), then every other thread, the fd table, child processes,
 * modules, breadcrumbs, annotations, limits and memory, and how the capture
 * went.  In tracking mode each fd and thread also says where it was created.
 *
 * Every string from the file goes through report_put_safe(): control bytes and
 * invalid UTF-8 come out as \xNN, so a hostile file cannot drive the
 * terminal.
 */
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "frame_symbols.h"
#include "report.h"
#include "snap_format.h"
#include "snap_redact.h"
#include "utf8.h"

#define RLIM_UNLIMITED UINT64_MAX
#define REGS_PER_ROW 4

void report_put_safe(FILE *out, const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s, *end = p + n;
    while (p < end) {
        uint32_t cp;
        size_t len = utf8_decode(p, (size_t)(end - p), &cp);
        if (len == 0 || (cp < 0x20 && cp != '\t') || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
            if (len == 0)
                len = 1;
            for (size_t i = 0; i < len; i++)
                fprintf(out, "\\x%02x", p[i]);
        } else if (cp == '\\') {
            fputs("\\\\", out);
        } else {
            fwrite(p, 1, len, out);
        }
        p += len;
    }
}

/* A string from the file, or `missing` when it was not there. */
static void put_str(FILE *out, const char *s, const char *missing)
{
    if (s)
        report_put_safe(out, s, strlen(s));
    else
        fputs(missing, out);
}

/* The basename of a path (the whole string when it has no slash). */
static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash && slash[1] ? slash + 1 : path;
}

void report_fmt_time(char *buf, size_t len, uint64_t ms)
{
    struct tm tm;
    time_t t = (time_t)(ms / 1000);
    if (ms / 1000 > (uint64_t)INT32_MAX * 64 || !gmtime_r(&t, &tm) ||
        tm.tm_year > 9999 - 1900) {
        snprintf(buf, len, "@%" PRIu64 " ms", ms);
        return;
    }
    snprintf(buf, len, "%04d-%02d-%02d %02d:%02d:%02d.%03u UTC", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
             (unsigned)(ms % 1000));
}

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

/* Arguments separated by NUL (a missing last NUL tolerated) as one line,
 * quoted where needed. */
static void put_args(FILE *out, const char *cmd, size_t cmd_len)
{
    const char *arg;
    size_t pos = 0, len;
    for (int first = 1; snap_args_next(cmd, cmd_len, &pos, &arg, &len); first = 0) {
        int q = needs_quotes(arg, len);
        if (!first)
            fputc(' ', out);
        if (q)
            fputc('\'', out);
        report_put_safe(out, arg, len);
        if (q)
            fputc('\'', out);
    }
}

static void header(FILE *out, const snap *s)
{
    const snap_process *p = &s->process;
    char when[64], started[64];

    fputs("*** bbx snapshot ***\n", out);
    if (!s->complete) {
        fputs("INCOMPLETE snapshot: ", out);
        put_str(out, s->incomplete_why, "unknown reason");
        fputc('\n', out);
    }
    fputs("app:      ", out);
    put_str(out, p->app, "?");
    fprintf(out, " (pid %" PRIu64 ", ppid %" PRIu64 ", uid %" PRIu64 ")\n", p->pid,
            p->ppid, p->uid);
    fputs("exe:      ", out);
    put_str(out, p->exe, "?");
    fputs("\ncmdline:  ", out);
    put_args(out, p->cmdline, p->cmdline_len);
    if (s->capture.redacted) {
        fputs("\nredacted:", out);
        for (unsigned bit = 0; bit < 64; bit++) {
            const char *name = bit < 32 ? snap_redact_part_name(1u << bit) : NULL;
            if (!(s->capture.redacted >> bit & 1))
                continue;
            if (name)
                fprintf(out, " %s", name);
            else
                fprintf(out, " bit%u", bit);
        }
        fputs(" (held back by the collector or bbx scrub)", out);
    }
    report_fmt_time(when, sizeof(when), p->time_ms);
    report_fmt_time(started, sizeof(started), p->start_ms);
    fprintf(out, "\ntime:     %s", p->time_ms ? when : "?");
    if (p->start_ms && p->time_ms >= p->start_ms)
        fprintf(out, " (process started %s, up %" PRIu64 ".%03u s)", started,
                (p->time_ms - p->start_ms) / 1000,
                (unsigned)((p->time_ms - p->start_ms) % 1000));
    fputs("\nhost:     ", out);
    put_str(out, p->hostname, "?");
    fputs(", kernel ", out);
    put_str(out, p->kernel, "?");
    fputs(" (", out);
    put_str(out, p->arch, "?");
    fprintf(out, ")\nformat:   %u.%u, collector ", s->version_major, s->version_minor);
    put_str(out, s->capture.version, "?");
    fputc('\n', out);
    char omitted[128];
    if (report_threads_omitted(omitted, sizeof(omitted), s))
        fprintf(out, "threads:  %s\n", omitted);
}

static void why(FILE *out, const snap *s)
{
    const snap_trigger *t = &s->trigger;
    fputc('\n', out);
    if (!t->present) {
        fputs("trigger:  unknown (no trigger record)\n", out);
        return;
    }
    if (t->kind == SNAP_TRIGGER_REQUEST || t->kind == SNAP_TRIGGER_PERIODIC ||
        t->kind == SNAP_TRIGGER_EXIT) {
        fputs(t->kind == SNAP_TRIGGER_REQUEST    ? "requested: "
              : t->kind == SNAP_TRIGGER_PERIODIC ? "periodic: "
                                                 : "at exit: ", out);
        put_str(out, t->reason, "(no reason given)");
        fprintf(out, " (thread %" PRIu64 ")\n", t->tid);
        return;
    }
    if (t->kind == SNAP_TRIGGER_SIGNAL) {
        fprintf(out, "on demand: signal %" PRIu64 " (%s)", t->signal,
                snap_signal_name(t->signal));
        if (t->sender_pid)
            fprintf(out, " from pid %" PRIu64 " (uid %" PRIu64 ")", t->sender_pid,
                    t->sender_uid);
        fprintf(out, " (thread %" PRIu64 ")\n", t->tid);
        if (t->reason) {
            fputs("  reason: ", out);
            put_str(out, t->reason, "");
            fputc('\n', out);
        }
        return;
    }
    if (t->kind != SNAP_TRIGGER_CRASH)
        fprintf(out, "trigger kind %" PRIu64 ": ", t->kind);
    const char *code = snap_si_code_name(t->signal, t->code);
    fprintf(out, "signal %" PRIu64 " (%s), code %" PRId64, t->signal,
            snap_signal_name(t->signal), t->code);
    if (code)
        fprintf(out, " (%s)", code);
    fprintf(out, ", fault addr 0x%" PRIx64 "\n", t->addr);
    const snap_thread *th = snap_trigger_thread(s);
    fprintf(out, "  in thread %" PRIu64, t->tid);
    if (th && th->name) {
        fputs(" \"", out);
        put_str(out, th->name, "");
        fputc('"', out);
    }
    fputc('\n', out);
    /* Codes <= 0 come from kill(), sigqueue(), tgkill(): name the sender. */
    if (t->sender_pid || (t->code <= 0 && t->code > -7))
        fprintf(out, "  sent by pid %" PRIu64 " (uid %" PRIu64 ")\n", t->sender_pid,
                t->sender_uid);
    if (t->reason) {
        fputs("  reason: ", out);
        put_str(out, t->reason, "");
        fputc('\n', out);
    }
}

static void registers(FILE *out, const snap *s, const snap_thread *t)
{
    const char *const *names;
    size_t n_names = snap_reg_names(s->process.arch, &names);
    fputs("  registers:\n", out);
    for (size_t i = 0; i < t->n_regs; i++) {
        char gen[24];
        const char *name = gen;
        if (i < n_names)
            name = names[i];
        else
            snprintf(gen, sizeof(gen), "r%zu", i);
        fprintf(out, "%s%-6s 0x%016" PRIx64, i % REGS_PER_ROW ? "  " : "    ", name,
                t->regs[i]);
        if (i % REGS_PER_ROW == REGS_PER_ROW - 1 || i + 1 == t->n_regs)
            fputc('\n', out);
    }
}

/* "  function+0xoff (file:line:col)" after module+offset, when known. */
static void put_symbol(FILE *out, const sym_frame *f)
{
    fputs("  ", out);
    put_str(out, f->function, "??");
    if (f->has_offset)
        fprintf(out, "+0x%" PRIx64, f->offset);
    if (f->file) {
        fputs(" (", out);
        put_str(out, f->file, "??");
        fprintf(out, ":%u", f->line);
        if (f->column)
            fprintf(out, ":%u", f->column);
        fputc(')', out);
    }
    if (f->inlined)
        fputs(" [inlined]", out);
}

/* "fn (file.c:88)" for the code at pc, or "module+0xoff" without symbols. */
static void put_site(FILE *out, const snap *s, uint64_t pc, int is_return, sym_session *ss)
{
    const sym_frame *sf;
    size_t n = frame_symbols_pc(ss, s, pc, is_return, &sf);
    if (n && sf[0].function) {
        /* The outermost frame is the real function; inner ones were inlined. */
        put_str(out, sf[n - 1].function, "??");
        if (sf[0].file) {
            fputs(" (", out);
            put_str(out, base_name(sf[0].file), "??");
            fprintf(out, ":%u)", sf[0].line);
        }
        return;
    }
    const snap_module *m = snap_module_for_pc(s, pc);
    if (m) {
        put_str(out, m->path ? base_name(m->path) : NULL, "???");
        fprintf(out, "+0x%" PRIx64, pc - m->bias);
    } else {
        fprintf(out, "0x%" PRIx64, pc);
    }
}

/* One line: where a tracked fd or thread was created. */
static void origin_line(FILE *out, const snap *s, const snap_origin *o, sym_session *ss,
                        const char *indent)
{
    fputs(indent, out);
    if (o->unknown) {
        fputs("origin unknown (open before tracking started)\n", out);
        return;
    }
    fputs("created by ", out);
    put_str(out, o->call, "?");
    fputs("()", out);
    if (o->n_frames) {
        fputs(" in ", out);
        put_site(out, s, o->frames[frame_origin_first(s, o)], 1, ss);
    }
    fprintf(out, ", thread %" PRIu64, o->tid);
    if (o->start) {
        fputs(", start routine ", out);
        put_site(out, s, o->start, 0, ss);
    }
    fputc('\n', out);
}

static void backtrace(FILE *out, const snap *s, const snap_thread *t, sym_session *ss)
{
    if (!t->n_frames) {
        fputs("  (no frames)\n", out);
        return;
    }
    fputs("  backtrace:\n", out);
    for (size_t i = 0; i < t->n_frames; i++) {
        const snap_module *m = snap_module_for_pc(s, t->frames[i]);
        const sym_frame *sf;
        size_t n = frame_symbols(ss, s, t, i, &sf);
        for (size_t k = 0; k < (n ? n : 1); k++) {
            fprintf(out, "    #%02zu pc 0x%016" PRIx64 "  ", i, t->frames[i]);
            if (m) {
                put_str(out, m->path ? base_name(m->path) : NULL, "???");
                fprintf(out, "+0x%" PRIx64, t->frames[i] - m->bias);
            } else {
                fputs("???", out);
            }
            if (n)
                put_symbol(out, &sf[k]);
            fputc('\n', out);
        }
    }
    if (t->truncated)
        fprintf(out, "    ... (stack cut after %zu frames)\n", t->n_frames);
}

int report_stack_method(char *buf, size_t len, const snap_thread *t)
{
    const char *how = snap_thread_method_text(t->method);
    if (!how && !t->reused)
        return 0;
    if (how && t->reused)
        snprintf(buf, len, "%s (%s)", how, snap_thread_reused_text);
    else
        snprintf(buf, len, "%s", how ? how : snap_thread_reused_text);
    return 1;
}

int report_threads_omitted(char *buf, size_t len, const snap *s)
{
    uint64_t n = s->capture.threads_omitted;
    if (!n)
        return 0;
    snprintf(buf, len, "%" PRIu64 " thread%s not captured (over BBX_MAX_THREADS; %zu written)",
             n, n == 1 ? "" : "s", s->n_threads);
    return 1;
}

static void thread(FILE *out, const snap *s, const snap_thread *t, sym_session *ss)
{
    char how[160];
    fprintf(out, "\n--- thread %" PRIu64 " \"", t->tid);
    put_str(out, t->name, "");
    fputc('"', out);
    if (t->crashed)
        fputs(" (crashed)", out);
    if (t->bbx_internal)
        fputs(" (bbx's collector thread)", out);
    if (t->state)
        fprintf(out, ", state %c", t->state);
    fprintf(out, ", %s", snap_thread_status_name(t->status));
    if (t->signal)
        fprintf(out, ", in signal %" PRIu64 " (%s)", t->signal, snap_signal_name(t->signal));
    fputs(" ---\n", out);
    if (report_stack_method(how, sizeof(how), t))
        fprintf(out, "  stack: %s\n", how);
    if (t->wchan || t->has_syscall || t->kernel_pc ||
        t->status == SNAP_THREAD_BLOCKED || t->status == SNAP_THREAD_TIMEOUT) {
        fputs("  kernel: wchan ", out);
        put_str(out, t->wchan, "?");
        if (t->has_syscall && t->syscall >= 0)
            fprintf(out, ", syscall %" PRId64, t->syscall);
        else if (t->has_syscall)
            fputs(", running (no syscall)", out);
        if (t->kernel_pc)
            fprintf(out, ", pc 0x%" PRIx64, t->kernel_pc);
        fputc('\n', out);
    }
    const snap_origin *o = snap_thread_origin(s, t->tid);
    if (o)
        origin_line(out, s, o, ss, "  ");
    if (t->n_regs)
        registers(out, s, t);
    backtrace(out, s, t, ss);
}

static void threads(FILE *out, const snap *s, sym_session *ss)
{
    const snap_thread *lead = snap_trigger_thread(s);
    if (lead)
        thread(out, s, lead, ss);
    for (size_t i = 0; i < s->n_threads; i++)
        if (&s->threads[i] != lead)
            thread(out, s, &s->threads[i], ss);
    if (!s->n_threads)
        fputs("\n(no threads recorded)\n", out);
}

static void fd_socket(FILE *out, const snap_fd *d)
{
    const char *family = snap_sock_family_name(d->sock_family);
    const char *type = snap_sock_type_name(d->sock_type);
    fputs("      socket ", out);
    if (family)
        fputs(family, out);
    else
        fprintf(out, "family %" PRIu64, d->sock_family);
    if (type)
        fprintf(out, " %s", type);
    else
        fprintf(out, " type %" PRIu64, d->sock_type);
    if (d->sock_proto)
        fprintf(out, " proto %" PRIu64, d->sock_proto);
    if (d->sock_local) {
        fputc(' ', out);
        put_str(out, d->sock_local, "");
    }
    if (d->sock_peer) {
        fputs(" -> ", out);
        put_str(out, d->sock_peer, "");
    }
    fputc('\n', out);
}

static void fd_table(FILE *out, const snap *s, sym_session *ss)
{
    fprintf(out, "\nopen files: %zu", s->n_fds);
    if (s->process.fd_limit)
        fprintf(out, " (limit %" PRIu64 ")", s->process.fd_limit);
    fputc('\n', out);
    if (!s->n_fds)
        return;
    /* The flags column is as wide as its widest entry. */
    int width = 5;
    for (size_t i = 0; i < s->n_fds; i++) {
        const snap_fd *d = &s->fds[i];
        if (d->has_flags) {
            size_t n = snap_open_flags_format(s->process.arch, d->flags, d->cloexec, NULL, 0);
            if (n > (size_t)width)
                width = n < 255 ? (int)n : 255;
        }
    }
    fprintf(out, "  %5s  %-8s  %-*s  %10s  %s\n", "fd", "kind", width, "flags", "offset",
            "target");
    for (size_t i = 0; i < s->n_fds; i++) {
        const snap_fd *d = &s->fds[i];
        char flags[256] = "-", offset[24] = "-";
        if (d->has_flags)
            snap_open_flags_format(s->process.arch, d->flags, d->cloexec, flags,
                                   sizeof(flags));
        if (d->has_offset)
            snprintf(offset, sizeof(offset), "%" PRIu64, d->offset);
        fprintf(out, "  %5" PRIu64 "  %-8s  %-*s  %10s  ", d->fd,
                snap_fd_kind_name(d->kind), width, flags, offset);
        put_str(out, d->target, "?");
        if (d->closed_by_bbx)
            fputs("  (closed by bbx to make room for this snapshot)", out);
        fputc('\n', out);
        const snap_origin *o = snap_fd_origin(s, d->fd);
        if (o)
            origin_line(out, s, o, ss, "      ");
        if (d->kind == SNAP_FD_SOCKET)
            fd_socket(out, d);
        if (d->details) {
            /* Kind-specific fdinfo lines, one per line, indented. */
            const char *p = d->details;
            while (*p) {
                const char *nl = strchr(p, '\n');
                size_t n = nl ? (size_t)(nl - p) : strlen(p);
                if (n) {
                    fputs("      ", out);
                    report_put_safe(out, p, n);
                    fputc('\n', out);
                }
                p += n + (nl != NULL);
            }
        }
    }
}

static void child_list(FILE *out, const snap *s)
{
    size_t zombies = 0;
    if (!s->n_children)
        return;
    for (size_t i = 0; i < s->n_children; i++)
        zombies += s->children[i].zombie != 0;
    fprintf(out, "\nchildren: %zu (%zu zombie%s, exited but not reaped)\n", s->n_children,
            zombies, zombies == 1 ? "" : "s");
    fprintf(out, "  %7s  %-5s  %-6s  %s\n", "pid", "state", "zombie", "command");
    for (size_t i = 0; i < s->n_children; i++) {
        const snap_child *c = &s->children[i];
        fprintf(out, "  %7" PRIu64 "  %-5c  %-6s  ", c->pid, c->state ? c->state : '?',
                c->zombie ? "yes" : "no");
        if (c->cmdline_len) {
            put_args(out, c->cmdline, c->cmdline_len);
        } else {
            fputc('[', out);
            put_str(out, c->comm, "?");
            fputc(']', out);
        }
        fputc('\n', out);
    }
}

static void module_table(FILE *out, const snap *s)
{
    fprintf(out, "\nmodules: %zu\n", s->n_modules);
    for (size_t i = 0; i < s->n_modules; i++) {
        const snap_module *m = &s->modules[i];
        fprintf(out, "  0x%016" PRIx64 "-0x%016" PRIx64 "  bias 0x%" PRIx64 "  build-id ",
                m->start, m->end, m->bias);
        for (size_t k = 0; k < m->build_id_len; k++)
            fprintf(out, "%02x", m->build_id[k]);
        if (!m->build_id_len)
            fputc('-', out);
        fputs("  ", out);
        put_str(out, m->path, "?");
        fputc('\n', out);
    }
}

static void breadcrumb_list(FILE *out, const snap *s)
{
    fprintf(out, "\nbreadcrumbs: %zu\n", s->n_breadcrumbs);
    for (size_t i = 0; i < s->n_breadcrumbs; i++) {
        const snap_breadcrumb *c = &s->breadcrumbs[i];
        char when[64];
        report_fmt_time(when, sizeof(when), c->time_ms);
        fprintf(out, "  %s  %7" PRIu64 "  ", when, c->tid);
        put_str(out, c->text, "");
        fputc('\n', out);
    }
}

static void annotation_list(FILE *out, const snap *s)
{
    fprintf(out, "\nannotations: %zu\n", s->n_annotations);
    for (size_t i = 0; i < s->n_annotations; i++) {
        fputs("  ", out);
        put_str(out, s->annotations[i].key, "?");
        fputs(" = ", out);
        put_str(out, s->annotations[i].value, "");
        fputc('\n', out);
    }
}

static void put_limit(FILE *out, uint64_t v)
{
    if (v == RLIM_UNLIMITED)
        fputs("unlimited", out);
    else
        fprintf(out, "%" PRIu64, v);
}

static void process_state(FILE *out, const snap *s)
{
    const snap_process *p = &s->process;
    fprintf(out, "\nprocess: %" PRIu64 " threads, rss %" PRIu64 " kB, vm %" PRIu64
            " kB, peak rss %" PRIu64 " kB\n", p->threads, p->vm_rss_kb, p->vm_size_kb,
            p->vm_hwm_kb);
    for (size_t i = 0; i < p->n_rlimits; i++) {
        const snap_rlimit *rl = &p->rlimits[i];
        const char *name = snap_rlimit_name(rl->resource);
        if (name)
            fprintf(out, "  limit %-10s ", name);
        else
            fprintf(out, "  limit %-10" PRIu64 " ", rl->resource);
        put_limit(out, rl->cur);
        fputs(" / ", out);
        put_limit(out, rl->max);
        fputc('\n', out);
    }
}

static void capture_stats(FILE *out, const snap *s)
{
    const snap_capture *c = &s->capture;
    fprintf(out, "\ncapture: %" PRIu64 ".%03u ms, %" PRIu64 " threads (%" PRIu64
            " unwound), %" PRIu64 " fds, %" PRIu64 " modules, %" PRIu64 " records\n",
            c->duration_us / 1000, (unsigned)(c->duration_us % 1000), c->threads,
            c->unwound, c->fds, c->modules, s->records);
    if (c->threads_us || c->fds_us)
        fprintf(out, "  phases: threads %" PRIu64 ".%03u ms, fds %" PRIu64 ".%03u ms\n",
                c->threads_us / 1000, (unsigned)(c->threads_us % 1000), c->fds_us / 1000,
                (unsigned)(c->fds_us % 1000));
    if (c->tracking || s->n_origins)
        fprintf(out, "  tracking:%s%s, %" PRIu64 " origins, %" PRIu64
                " creations not recorded, %" PRIu64 " %s\n",
                c->tracking & 1 ? " fds" : "", c->tracking & 2 ? " threads" : "",
                c->origins, c->track_lost, c->children,
                c->children == 1 ? "child" : "children");
    if (s->unknown_records || s->malformed_records || s->dropped_items)
        fprintf(out, "reader: %" PRIu64 " unknown records skipped, %" PRIu64
                " malformed, %" PRIu64 " items over the limit dropped\n",
                s->unknown_records, s->malformed_records, s->dropped_items);
}

static void put_note(void *ctx, const char *note)
{
    FILE *out = ctx;
    fputs("  ", out);
    put_str(out, note, "");
    fputc('\n', out);
}

static void symbol_notes(FILE *out, sym_session *ss)
{
    if (!frame_symbol_notes(ss, NULL, NULL))
        return;
    fputs("\nsymbols:\n", out);
    frame_symbol_notes(ss, put_note, out);
}

int report_text(FILE *out, const snap *s, const report_options *opt)
{
    sym_session *ss = opt ? opt->symbols : NULL;
    header(out, s);
    why(out, s);
    threads(out, s, ss);
    fd_table(out, s, ss);
    child_list(out, s);
    module_table(out, s);
    breadcrumb_list(out, s);
    annotation_list(out, s);
    process_state(out, s);
    capture_stats(out, s);
    symbol_notes(out, ss);
    return ferror(out) ? -1 : 0;
}
