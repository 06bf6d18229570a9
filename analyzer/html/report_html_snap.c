/*
 * report_html_snap.c - the sections of the `bbx report` page that show one
 * snapshot: summary (process, trigger, capture), the trigger thread's stack
 * with source lines, every thread (collapsible), the fd table, breadcrumbs,
 * annotations, children, modules and capture statistics.  The same facts
 * as report_text.c, as HTML; every string from the file is escaped.
 */
#include <inttypes.h>
#include <string.h>

#include "frame_symbols.h"
#include "html_escape.h"
#include "leak_model.h"
#include "report.h"
#include "report_html_parts.h"
#include "snap_format.h"

#define SOURCE_CONTEXT 2      /* lines shown before and after a frame's line */
#define SOURCE_LINE_MAX 400   /* bytes of one source line shown */

/* ---- small pieces ---------------------------------------------------------- */

static void put_time(FILE *out, uint64_t ms)
{
    char when[64];
    report_fmt_time(when, sizeof(when), ms);
    fputs(when, out);
}

/* Arguments separated by NUL as one line, each escaped, quoted when empty
 * or holding a space. */
static void put_args(FILE *out, const char *args, size_t len)
{
    const char *a;
    size_t pos = 0, n;
    for (int first = 1; snap_args_next(args, len, &pos, &a, &n); first = 0) {
        int q = n == 0 || memchr(a, ' ', n) != NULL;
        if (!first)
            fputc(' ', out);
        if (q)
            fputs("&#39;", out);
        html_put_n(out, a, n, 0);
        if (q)
            fputs("&#39;", out);
    }
}

static void put_module_offset(FILE *out, const snap_module *m, uint64_t pc)
{
    if (m) {
        html_put(out, m->path ? leak_base_name(m->path) : NULL, "???");
        fprintf(out, "+0x%" PRIx64, pc - m->bias);
    } else {
        fprintf(out, "0x%" PRIx64, pc);
    }
}

/* "fn (file.c:88)" for the code at pc, else module+offset. */
static void put_site(FILE *out, const snap *s, uint64_t pc, int is_return, sym_session *ss)
{
    const sym_frame *sf;
    size_t n = frame_symbols_pc(ss, s, pc, is_return, &sf);
    if (n && sf[n - 1].function) {
        fputs("<code>", out);
        html_put(out, sf[n - 1].function, "??");
        fputs("</code>", out);
        if (sf[0].file) {
            fputs(" (", out);
            html_put(out, leak_base_name(sf[0].file), "??");
            fprintf(out, ":%u)", sf[0].line);
        }
        return;
    }
    put_module_offset(out, snap_module_for_pc(s, pc), pc);
}

/* "created by socket() in f (file:line), thread N, start routine g". */
static void origin_line(FILE *out, const snap *s, const snap_origin *o, sym_session *ss)
{
    fputs("<span class=\"origin\">", out);
    if (o->unknown) {
        fputs("origin unknown (open before tracking started)</span>", out);
        return;
    }
    fputs("created by <code>", out);
    html_put(out, o->call, "?");
    fputs("()</code>", out);
    if (o->n_frames) {
        fputs(" in ", out);
        put_site(out, s, o->frames[frame_origin_first(s, o)], 1, ss);
    }
    fprintf(out, ", thread %" PRIu64, o->tid);
    if (o->start) {
        fputs(", start routine ", out);
        put_site(out, s, o->start, 0, ss);
    }
    fputs("</span>", out);
}

/* ---- summary ------------------------------------------------------------------ */

static void trigger_text(FILE *out, const snap *s)
{
    const snap_trigger *t = &s->trigger;
    if (!t->present) {
        fputs("unknown (no trigger record)", out);
        return;
    }
    if (t->kind == SNAP_TRIGGER_REQUEST || t->kind == SNAP_TRIGGER_PERIODIC ||
        t->kind == SNAP_TRIGGER_EXIT) {
        fputs(t->kind == SNAP_TRIGGER_REQUEST    ? "requested: "
              : t->kind == SNAP_TRIGGER_PERIODIC ? "periodic: "
                                                 : "at exit: ", out);
        html_put(out, t->reason, "(no reason given)");
        fprintf(out, " (thread %" PRIu64 ")", t->tid);
        return;
    }
    if (t->kind == SNAP_TRIGGER_SIGNAL) {
        fprintf(out, "on demand: signal %" PRIu64 " (%s)", t->signal,
                snap_signal_name(t->signal));
        if (t->sender_pid)
            fprintf(out, " from pid %" PRIu64 " (uid %" PRIu64 ")", t->sender_pid,
                    t->sender_uid);
    } else {
        const char *code = snap_si_code_name(t->signal, t->code);
        fprintf(out, "<strong class=\"bad\">%s</strong> (signal %" PRIu64 "), code %" PRId64,
                snap_signal_name(t->signal), t->signal, t->code);
        if (code)
            fprintf(out, " (%s)", code);
        fprintf(out, ", fault address <code>0x%" PRIx64 "</code>", t->addr);
        if (t->sender_pid || (t->code <= 0 && t->code > -7))
            fprintf(out, ", sent by pid %" PRIu64 " (uid %" PRIu64 ")", t->sender_pid,
                    t->sender_uid);
    }
    fprintf(out, ", in thread %" PRIu64, t->tid);
    if (t->reason) {
        fputs("; reason: ", out);
        html_put(out, t->reason, "");
    }
}

static void row(FILE *out, const char *key)
{
    fprintf(out, "<tr><th>%s</th><td>", key);
}

void html_snap_summary(FILE *out, const snap *s, const char *name)
{
    const snap_process *p = &s->process;
    const snap_capture *c = &s->capture;
    fputs("<section id=\"summary\">\n", out);
    if (!s->complete) {
        fputs("<p class=\"warn\">Incomplete snapshot: ", out);
        html_put(out, s->incomplete_why, "unknown reason");
        fputs(". Everything written before the cut is shown.</p>\n", out);
    }
    fputs("<table class=\"kv\">\n", out);
    row(out, "trigger");
    trigger_text(out, s);
    fputs("</td></tr>\n", out);
    row(out, "app");
    html_put(out, p->app, "?");
    fprintf(out, " (pid %" PRIu64 ", ppid %" PRIu64 ", uid %" PRIu64 ")</td></tr>\n", p->pid,
            p->ppid, p->uid);
    row(out, "exe");
    fputs("<code>", out);
    html_put(out, p->exe, "?");
    fputs("</code></td></tr>\n", out);
    row(out, "command line");
    fputs("<code>", out);
    put_args(out, p->cmdline, p->cmdline_len);
    fputs("</code></td></tr>\n", out);
    row(out, "time");
    if (p->time_ms)
        put_time(out, p->time_ms);
    else
        fputs("?", out);
    if (p->start_ms && p->time_ms >= p->start_ms) {
        fputs(" (process started ", out);
        put_time(out, p->start_ms);
        fprintf(out, ", up %" PRIu64 ".%03u s)", (p->time_ms - p->start_ms) / 1000,
                (unsigned)((p->time_ms - p->start_ms) % 1000));
    }
    fputs("</td></tr>\n", out);
    row(out, "host");
    html_put(out, p->hostname, "?");
    fputs(", kernel ", out);
    html_put(out, p->kernel, "?");
    fputs(" (", out);
    html_put(out, p->arch, "?");
    fputs(")</td></tr>\n", out);
    row(out, "process");
    fprintf(out, "%" PRIu64 " threads, %zu fds", p->threads, s->n_fds);
    if (p->fd_limit)
        fprintf(out, " (limit %" PRIu64 ")", p->fd_limit);
    fprintf(out, ", rss %" PRIu64 " kB, vm %" PRIu64 " kB, peak rss %" PRIu64 " kB</td></tr>\n",
            p->vm_rss_kb, p->vm_size_kb, p->vm_hwm_kb);
    row(out, "capture");
    fprintf(out, "%" PRIu64 ".%03u ms, %" PRIu64 " threads (%" PRIu64 " unwound), %" PRIu64
            " fds, %" PRIu64 " modules; format %u.%u, collector ", c->duration_us / 1000,
            (unsigned)(c->duration_us % 1000), c->threads, c->unwound, c->fds, c->modules,
            s->version_major, s->version_minor);
    html_put(out, c->version, "?");
    if (c->tracking)
        fprintf(out, "; tracking%s%s", c->tracking & 1 ? " fds" : "",
                c->tracking & 2 ? " threads" : "");
    fputs("</td></tr>\n", out);
    char omitted[128];
    if (report_threads_omitted(omitted, sizeof(omitted), s)) {
        row(out, "left out");
        fputs("<span class=\"bad\">", out);
        html_put(out, omitted, "");
        fputs("</span></td></tr>\n", out);
    }
    if (name) {
        row(out, "file");
        fputs("<code>", out);
        html_put(out, name, "");
        fputs("</code></td></tr>\n", out);
    }
    fputs("</table>\n</section>\n", out);
}

/* ---- stacks ------------------------------------------------------------------- */

/* Lines line-SOURCE_CONTEXT .. line+SOURCE_CONTEXT of file, the frame's own
 * line marked; nothing when the file cannot be read here. */
static void source_excerpt(FILE *out, source_cache *src, const char *file, unsigned line)
{
    const char *text;
    size_t len;
    if (!src || !file || !line || !source_line(src, file, line, &text, &len))
        return;
    fputs("<pre class=\"src\">", out);
    unsigned from = line > SOURCE_CONTEXT ? line - SOURCE_CONTEXT : 1;
    for (unsigned l = from; l <= line + SOURCE_CONTEXT; l++) {
        if (!source_line(src, file, l, &text, &len))
            break;
        fprintf(out, "<span class=\"%s\">%6u  ", l == line ? "hit" : "ctx", l);
        html_put_n(out, text, len > SOURCE_LINE_MAX ? SOURCE_LINE_MAX : len, 1);
        /* Each line is a block: no newline between them (it would show). */
        fputs(len > SOURCE_LINE_MAX ? "...</span>" : "</span>", out);
    }
    fputs("</pre>", out);
}

/* One row per symbolized level of each frame (the innermost inlined call
 * first), with the source lines under each when src is given. */
static void frame_table(FILE *out, const snap *s, const snap_thread *t, sym_session *ss,
                        source_cache *src)
{
    if (!t->n_frames) {
        fputs("<p class=\"dim\">(no frames)</p>\n", out);
        return;
    }
    fputs("<table class=\"frames\"><thead><tr><th>#</th><th>pc</th><th>module</th>"
          "<th>function</th><th>source</th></tr></thead><tbody>\n", out);
    for (size_t i = 0; i < t->n_frames; i++) {
        const snap_module *m = snap_module_for_pc(s, t->frames[i]);
        const sym_frame *sf;
        size_t n = frame_symbols(ss, s, t, i, &sf);
        for (size_t k = 0; k < (n ? n : 1); k++) {
            const sym_frame *f = n ? &sf[k] : NULL;
            fprintf(out, "<tr%s><td>%s%02zu</td><td><code>0x%016" PRIx64 "</code></td><td>",
                    f && f->inlined ? " class=\"inl\"" : "", k ? "" : "#", i, t->frames[i]);
            put_module_offset(out, m, t->frames[i]);
            fputs("</td><td class=\"fn\">", out);
            if (f) {
                html_put(out, f->function, "??");
                if (f->has_offset)
                    fprintf(out, "+0x%" PRIx64, f->offset);
                if (f->inlined)
                    fputs(" <span class=\"tag\">inlined</span>", out);
            } else {
                fputs("<span class=\"dim\">?&#63;</span>", out);
            }
            fputs("</td><td>", out);
            if (f && f->file) {
                html_put(out, f->file, "");
                fprintf(out, ":%u", f->line);
                if (f->column)
                    fprintf(out, ":%u", f->column);
            }
            fputs("</td></tr>\n", out);
            if (f && f->file && src) {
                const char *text;
                size_t len;
                if (source_line(src, f->file, f->line, &text, &len)) {
                    fputs("<tr class=\"srcrow\"><td></td><td colspan=\"4\">", out);
                    source_excerpt(out, src, f->file, f->line);
                    fputs("</td></tr>\n", out);
                }
            }
        }
    }
    fputs("</tbody></table>\n", out);
    if (t->truncated)
        fprintf(out, "<p class=\"dim\">... (stack cut after %zu frames)</p>\n", t->n_frames);
}

static void registers(FILE *out, const snap *s, const snap_thread *t)
{
    const char *const *names;
    size_t n_names = snap_reg_names(s->process.arch, &names);
    if (!t->n_regs)
        return;
    fputs("<details class=\"regs\"><summary>registers</summary><pre>", out);
    for (size_t i = 0; i < t->n_regs; i++) {
        if (i < n_names)
            fprintf(out, "%-6s", names[i]);
        else
            fprintf(out, "r%-5zu", i);
        fprintf(out, " 0x%016" PRIx64 "%s", t->regs[i],
                i % 4 == 3 || i + 1 == t->n_regs ? "\n" : "   ");
    }
    fputs("</pre></details>\n", out);
}

/* "thread 42 "name" (crashed), state S, status, in signal 11 (SIGSEGV)" */
static void thread_title(FILE *out, const snap_thread *t)
{
    fprintf(out, "thread <span class=\"tid\">%" PRIu64 "</span> &quot;", t->tid);
    html_put(out, t->name, "");
    fputs("&quot;", out);
    if (t->crashed)
        fputs(" <strong class=\"bad\">(crashed)</strong>", out);
    if (t->state) {
        fputs(", state ", out);
        html_put_n(out, &t->state, 1, 0);
    }
    fprintf(out, ", %s", snap_thread_status_name(t->status));
    if (t->signal)
        fprintf(out, ", in signal %" PRIu64 " (%s)", t->signal, snap_signal_name(t->signal));
    fprintf(out, ", %zu frame%s", t->n_frames, t->n_frames == 1 ? "" : "s");
}

/* Kernel state and origin of a thread, when known. */
static void thread_facts(FILE *out, const snap *s, const snap_thread *t, sym_session *ss)
{
    char how[160];
    if (report_stack_method(how, sizeof(how), t)) {
        fputs("<p class=\"facts\">stack: ", out);
        html_put(out, how, "");
        fputs("</p>\n", out);
    }
    if (t->wchan || t->has_syscall || t->kernel_pc || t->status == SNAP_THREAD_BLOCKED ||
        t->status == SNAP_THREAD_TIMEOUT) {
        fputs("<p class=\"facts\">kernel: wchan ", out);
        html_put(out, t->wchan, "?");
        if (t->has_syscall && t->syscall >= 0)
            fprintf(out, ", syscall %" PRId64, t->syscall);
        else if (t->has_syscall)
            fputs(", running (no syscall)", out);
        if (t->kernel_pc)
            fprintf(out, ", pc 0x%" PRIx64, t->kernel_pc);
        fputs("</p>\n", out);
    }
    const snap_origin *o = snap_thread_origin(s, t->tid);
    if (o) {
        fputs("<p class=\"facts\">", out);
        origin_line(out, s, o, ss);
        fputs("</p>\n", out);
    }
}

void html_snap_trigger_thread(FILE *out, const snap *s, sym_session *ss, source_cache *src)
{
    const snap_thread *t = snap_trigger_thread(s);
    fputs("<section id=\"trigger-thread\">\n<h2>", out);
    if (!t) {
        fputs("Trigger thread</h2>\n<p class=\"dim\">The snapshot names no thread that "
              "triggered it.</p>\n</section>\n", out);
        return;
    }
    if (t->bbx_internal) { /* a periodic or signal snapshot: nothing to see there */
        fprintf(out, "Trigger thread</h2>\n<p class=\"dim\">Taken by bbx's collector thread "
                "(tid %" PRIu64 "); the program's threads are below.</p>\n</section>\n", t->tid);
        return;
    }
    fputs(t->crashed ? "Crashing thread: " : "Trigger thread: ", out);
    thread_title(out, t);
    fputs("</h2>\n", out);
    thread_facts(out, s, t, ss);
    registers(out, s, t);
    frame_table(out, s, t, ss, src);
    fputs("</section>\n", out);
}

static void thread_details(FILE *out, const snap *s, const snap_thread *t, sym_session *ss,
                           int open)
{
    fprintf(out, "<details class=\"thread\" id=\"thread-%" PRIu64 "\"%s><summary>", t->tid,
            open ? " open" : "");
    thread_title(out, t);
    fputs("</summary>\n", out);
    thread_facts(out, s, t, ss);
    frame_table(out, s, t, ss, NULL);
    fputs("</details>\n", out);
}

void html_snap_threads(FILE *out, const snap *s, sym_session *ss)
{
    const snap_thread *lead = snap_trigger_thread(s);
    fprintf(out, "<section id=\"threads\">\n<h2>All threads (%zu)</h2>\n", s->n_threads);
    if (lead)
        thread_details(out, s, lead, ss, 0);
    for (size_t i = 0; i < s->n_threads; i++)
        if (&s->threads[i] != lead)
            thread_details(out, s, &s->threads[i], ss, 0);
    if (!s->n_threads)
        fputs("<p class=\"dim\">(no threads recorded)</p>\n", out);
    fputs("</section>\n", out);
}

/* ---- fds and the rest ------------------------------------------------------------- */

static void fd_socket(FILE *out, const snap_fd *d)
{
    const char *family = snap_sock_family_name(d->sock_family);
    const char *type = snap_sock_type_name(d->sock_type);
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
        html_put(out, d->sock_local, "");
    }
    if (d->sock_peer) {
        fputs(" &rarr; ", out);
        html_put(out, d->sock_peer, "");
    }
}

void html_snap_fds(FILE *out, const snap *s, sym_session *ss)
{
    fprintf(out, "<section id=\"fds\">\n<h2>Open files (%zu", s->n_fds);
    if (s->process.fd_limit)
        fprintf(out, ", limit %" PRIu64, s->process.fd_limit);
    fputs(")</h2>\n", out);
    if (!s->n_fds) {
        fputs("</section>\n", out);
        return;
    }
    fputs("<table class=\"fds\"><thead><tr><th>fd</th><th>kind</th><th>flags</th>"
          "<th>offset</th><th>target and details</th></tr></thead><tbody>\n", out);
    for (size_t i = 0; i < s->n_fds; i++) {
        const snap_fd *d = &s->fds[i];
        char flags[256] = "-";
        if (d->has_flags)
            snap_open_flags_format(s->process.arch, d->flags, d->cloexec, flags,
                                   sizeof(flags));
        fprintf(out, "<tr id=\"fd-%" PRIu64 "\"><td class=\"num\">%" PRIu64 "</td>"
                "<td><span class=\"kind\">%s</span></td><td><code>%s</code></td><td>",
                d->fd, d->fd, snap_fd_kind_name(d->kind), flags);
        if (d->has_offset)
            fprintf(out, "%" PRIu64, d->offset);
        else
            fputs("-", out);
        fputs("</td><td><code>", out);
        html_put(out, d->target, "?");
        fputs("</code>", out);
        if (d->kind == SNAP_FD_SOCKET) {
            fputs("<div class=\"sub\">socket ", out);
            fd_socket(out, d);
            fputs("</div>", out);
        }
        if (d->details && *d->details) {
            fputs("<pre class=\"sub\">", out);
            html_put_n(out, d->details, strlen(d->details), 1);
            fputs("</pre>", out);
        }
        const snap_origin *o = snap_fd_origin(s, d->fd);
        if (o) {
            fputs("<div class=\"sub\">", out);
            origin_line(out, s, o, ss);
            fputs("</div>", out);
        }
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n</section>\n", out);
}

void html_snap_breadcrumbs(FILE *out, const snap *s)
{
    fprintf(out, "<section id=\"breadcrumbs\">\n<h2>Breadcrumbs (%zu)</h2>\n",
            s->n_breadcrumbs);
    if (s->n_breadcrumbs) {
        fputs("<table class=\"crumbs\"><thead><tr><th>time</th><th>thread</th><th>text</th>"
              "</tr></thead><tbody>\n", out);
        for (size_t i = 0; i < s->n_breadcrumbs; i++) {
            const snap_breadcrumb *c = &s->breadcrumbs[i];
            fputs("<tr><td class=\"nowrap\">", out);
            put_time(out, c->time_ms);
            fprintf(out, "</td><td class=\"num\">%" PRIu64 "</td><td>", c->tid);
            html_put(out, c->text, "");
            fputs("</td></tr>\n", out);
        }
        fputs("</tbody></table>\n", out);
    }
    fputs("</section>\n", out);
}

void html_snap_annotations(FILE *out, const snap *s)
{
    fprintf(out, "<section id=\"annotations\">\n<h2>Annotations (%zu)</h2>\n",
            s->n_annotations);
    if (s->n_annotations) {
        fputs("<table class=\"kv\">\n", out);
        for (size_t i = 0; i < s->n_annotations; i++) {
            fputs("<tr><th>", out);
            html_put(out, s->annotations[i].key, "?");
            fputs("</th><td>", out);
            html_put(out, s->annotations[i].value, "");
            fputs("</td></tr>\n", out);
        }
        fputs("</table>\n", out);
    }
    fputs("</section>\n", out);
}

void html_snap_children(FILE *out, const snap *s)
{
    size_t zombies = 0;
    if (!s->n_children)
        return;
    for (size_t i = 0; i < s->n_children; i++)
        zombies += s->children[i].zombie != 0;
    fprintf(out, "<section id=\"children\">\n<h2>Child processes (%zu, %zu zombie%s)</h2>\n"
            "<table><thead><tr><th>pid</th><th>state</th><th>zombie</th><th>command</th>"
            "</tr></thead><tbody>\n", s->n_children, zombies, zombies == 1 ? "" : "s");
    for (size_t i = 0; i < s->n_children; i++) {
        const snap_child *c = &s->children[i];
        fprintf(out, "<tr><td class=\"num\">%" PRIu64 "</td><td>", c->pid);
        if (c->state)
            html_put_n(out, &c->state, 1, 0);
        else
            fputs("?", out);
        fprintf(out, "</td><td>%s</td><td><code>", c->zombie ? "yes" : "no");
        if (c->cmdline_len) {
            put_args(out, c->cmdline, c->cmdline_len);
        } else {
            fputs("[", out);
            html_put(out, c->comm, "?");
            fputs("]", out);
        }
        fputs("</code></td></tr>\n", out);
    }
    fputs("</tbody></table>\n</section>\n", out);
}

void html_snap_modules(FILE *out, const snap *s)
{
    fprintf(out, "<section id=\"modules\">\n<details><summary><h2>Modules (%zu)</h2>"
            "</summary>\n<table><thead><tr><th>start</th><th>end</th><th>bias</th>"
            "<th>build-id</th><th>path</th></tr></thead><tbody>\n", s->n_modules);
    for (size_t i = 0; i < s->n_modules; i++) {
        const snap_module *m = &s->modules[i];
        fprintf(out, "<tr><td><code>0x%" PRIx64 "</code></td><td><code>0x%" PRIx64
                "</code></td><td><code>0x%" PRIx64 "</code></td><td><code>", m->start,
                m->end, m->bias);
        for (size_t k = 0; k < m->build_id_len; k++)
            fprintf(out, "%02x", m->build_id[k]);
        if (!m->build_id_len)
            fputc('-', out);
        fputs("</code></td><td><code>", out);
        html_put(out, m->path, "?");
        fputs("</code></td></tr>\n", out);
    }
    fputs("</tbody></table>\n</details>\n</section>\n", out);
}

void html_snap_capture(FILE *out, const snap *s)
{
    const snap_capture *c = &s->capture;
    fputs("<section id=\"capture\">\n<h2>Capture</h2>\n<table class=\"kv\">\n", out);
    row(out, "duration");
    fprintf(out, "%" PRIu64 ".%03u ms (threads %" PRIu64 ".%03u ms, fds %" PRIu64
            ".%03u ms)</td></tr>\n", c->duration_us / 1000, (unsigned)(c->duration_us % 1000),
            c->threads_us / 1000, (unsigned)(c->threads_us % 1000), c->fds_us / 1000,
            (unsigned)(c->fds_us % 1000));
    row(out, "records");
    fprintf(out, "%" PRIu64 " read, %" PRIu64 " of unknown type skipped, %" PRIu64
            " malformed, %" PRIu64 " items over the limit dropped</td></tr>\n", s->records,
            s->unknown_records, s->malformed_records, s->dropped_items);
    if (c->tracking || s->n_origins) {
        row(out, "tracking");
        fprintf(out, "%s%s, %" PRIu64 " origins, %" PRIu64 " creations not recorded, %" PRIu64
                " %s</td></tr>\n", c->tracking & 1 ? " fds" : "",
                c->tracking & 2 ? " threads" : "", c->origins, c->track_lost, c->children,
                c->children == 1 ? "child" : "children");
    }
    for (size_t i = 0; i < s->process.n_rlimits; i++) {
        const snap_rlimit *rl = &s->process.rlimits[i];
        const char *name = snap_rlimit_name(rl->resource);
        fputs("<tr><th>limit ", out);
        if (name)
            fputs(name, out);
        else
            fprintf(out, "%" PRIu64, rl->resource);
        fputs("</th><td>", out);
        if (rl->cur == UINT64_MAX)
            fputs("unlimited", out);
        else
            fprintf(out, "%" PRIu64, rl->cur);
        fputs(" / ", out);
        if (rl->max == UINT64_MAX)
            fputs("unlimited", out);
        else
            fprintf(out, "%" PRIu64, rl->max);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n</section>\n", out);
}
