/*
 * report_html_snap.c - the sections of the `bbx report` page that show one
 * snapshot: summary (process, trigger, capture), the trigger thread's stack
 * with source lines, every thread (collapsible), the fd table, breadcrumbs,
 * annotations, children, modules and capture statistics.  The same facts
 * as report_text.c, as HTML; every string from the file is escaped.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "frame_symbols.h"
#include "html_escape.h"
#include "report.h"
#include "report_facts.h"
#include "launch_facts.h"
#include "session_facts.h"
#include "report_html_parts.h"
#include "snap_format.h"

#define SOURCE_CONTEXT 2      /* lines shown before and after a frame's line */
#define SOURCE_LINE_MAX 400   /* bytes of one source line shown */

/* ---- the HTML renderer of report_facts.h -------------------------------------- */

/* Everything escaped; code in <code>, alarms in <strong class="bad">, a
 * thread id of a folded entry as its anchor, a fact's next line after
 * `next` (a separator). */
typedef struct html_sink {
    FILE *out;
    const char *next;
    const char *idp; /* prefix of the ids written (NULL: none) */
} html_sink;

static void html_fact_put(void *ctx, facts_piece kind, const char *s, size_t n)
{
    html_sink *h = ctx;
    static const char *const open[] = { [FACTS_CODE] = "<code>",
                                        [FACTS_ALARM] = "<strong class=\"bad\">" };
    static const char *const close[] = { [FACTS_CODE] = "</code>", [FACTS_ALARM] = "</strong>" };
    if (kind == FACTS_NEXT) {
        fputs(h->next, h->out);
        return;
    }
    if (kind == FACTS_TID) {
        fprintf(h->out, "<span class=\"tid\" id=\"%sthread-", h->idp ? h->idp : "");
        html_put_n(h->out, s, n, 0);
        fputs("\">", h->out);
    } else if (open[kind]) {
        fputs(open[kind], h->out);
    }
    html_put_n(h->out, s, n, 0);
    if (kind == FACTS_TID)
        fputs("</span>", h->out);
    else if (close[kind])
        fputs(close[kind], h->out);
}

/* Write one fact: fn(&sink, arg...) through a sink over out. */
#define FACT(out, fn, ...)                                                                 \
    do {                                                                                   \
        html_sink hs_ = { (out), "; ", NULL };                                             \
        facts_sink k_ = { html_fact_put, &hs_ };                                           \
        fn(&k_, __VA_ARGS__);                                                              \
    } while (0)

static void put_time(FILE *out, uint64_t ms)
{
    char when[64];
    report_fmt_time(when, sizeof(when), ms);
    fputs(when, out);
}

/* A paragraph of facts, "<p class="facts">LABEL FACT</p>", or nothing when
 * the fact has nothing to say. */
#define FACT_PARA(out, label, fn, ...)                                                     \
    do {                                                                                   \
        if (fn(NULL, __VA_ARGS__)) {                                                       \
            fputs("<p class=\"facts\">" label, out);                                       \
            FACT(out, fn, __VA_ARGS__);                                                    \
            fputs("</p>\n", out);                                                          \
        }                                                                                  \
    } while (0)

/* ---- summary ------------------------------------------------------------------ */

static void row(FILE *out, const char *key)
{
    fprintf(out, "<tr><th>%s</th><td>", key);
}

void html_snap_summary(FILE *out, const snap *s, const char *name, const char *idp)
{
    const snap_process *p = &s->process;
    const snap_capture *c = &s->capture;
    fprintf(out, "<section id=\"%ssummary\">\n", idp);
    if (!s->complete) {
        fputs("<p class=\"warn\">Incomplete snapshot: ", out);
        html_put(out, s->incomplete_why, "unknown reason");
        fputs(". Everything written before the cut is shown.</p>\n", out);
    }
    fputs("<table class=\"kv\">\n", out);
    row(out, "trigger");
    FACT(out, facts_trigger, s);
    fputs("</td></tr>\n", out);
    if (facts_deadlocks(NULL, s)) {
        row(out, "deadlock");
        FACT(out, facts_deadlocks, s);
        fputs("</td></tr>\n", out);
    }
    row(out, "app");
    FACT(out, facts_app, p);
    fputs("</td></tr>\n", out);
    row(out, "exe");
    fputs("<code>", out);
    html_put(out, p->exe, "?");
    fputs("</code></td></tr>\n", out);
    row(out, "command line");
    fputs("<code>", out);
    FACT(out, facts_args, p->cmdline, p->cmdline_len);
    fputs("</code></td></tr>\n", out);
    row(out, "time");
    FACT(out, facts_time, p);
    fputs("</td></tr>\n", out);
    row(out, "host");
    FACT(out, facts_host, p);
    fputs("</td></tr>\n", out);
    row(out, "process");
    fprintf(out, "%" PRIu64 " threads, %zu fds", p->threads, s->n_fds);
    if (p->fd_limit)
        fprintf(out, " (limit %" PRIu64 ")", p->fd_limit);
    fputs(", ", out);
    FACT(out, facts_memory, p);
    fputs("</td></tr>\n", out);
    /* MEMORY and HEAP (format 1.4): the facts bbx show prints */
    static const struct {
        const char *key;
        int (*fn)(const facts_sink *, const snap *);
    } mem_rows[] = { { "memory", facts_mem_totals }, { "cgroup", facts_mem_cgroup },
                     { "malloc", facts_mem_malloc }, { "heap", facts_heap } };
    for (size_t i = 0; i < sizeof(mem_rows) / sizeof(mem_rows[0]); i++) {
        if (!mem_rows[i].fn(NULL, s))
            continue;
        row(out, mem_rows[i].key);
        FACT(out, mem_rows[i].fn, s);
        fputs("</td></tr>\n", out);
    }
    row(out, "capture");
    FACT(out, facts_capture, s);
    fputs("; format ", out);
    FACT(out, facts_format, s);
    if (c->tracking) {
        fputs("; tracking", out);
        FACT(out, facts_tracked, c);
    }
    fputs("</td></tr>\n", out);
    if (facts_threads_omitted(NULL, s)) {
        row(out, "left out");
        FACT(out, facts_threads_omitted, s);
        fputs("</td></tr>\n", out);
    }
    if (name) {
        row(out, "file");
        fputs("<code>", out);
        html_put(out, name, "");
        fputs("</code></td></tr>\n", out);
    }
    fputs("</table>\n</section>\n", out);
}

/* ---- session ------------------------------------------------------------------ */

void html_snap_session(FILE *out, const snap *s, const char *idp)
{
    static const struct {
        const char *key;
        int (*fn)(const facts_sink *, const snap *);
    } rows[] = { { "session", facts_session_summary }, { "drawing", facts_session_gl },
                 { "process", facts_session_identity }, { "security", facts_session_security },
                 { "GPU nodes", facts_session_dri } };
    char notes[SESSION_NOTES_MAX][SESSION_NOTE_MAX];
    const snap_session *ses = &s->session;
    if (!ses->present)
        return;
    fprintf(out, "<section id=\"%ssession\">\n<h2>Session</h2>\n", idp);
    size_t n = session_notes(s, notes, SESSION_NOTES_MAX);
    for (size_t i = 0; i < n; i++) {
        fputs("<p class=\"warn\">", out);
        html_put(out, notes[i], "");
        fputs("</p>\n", out);
    }
    fputs("<table class=\"kv\">\n", out);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        if (!rows[i].fn(NULL, s))
            continue;
        row(out, rows[i].key);
        FACT(out, rows[i].fn, s);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n", out);
    fprintf(out, "<details><summary>Environment (%zu allowed variables%s)</summary>\n"
                 "<table class=\"kv\">\n", ses->n_env,
            ses->env_omitted ? ", more left out for room" : "");
    for (size_t i = 0; i < ses->n_env; i++) {
        const char *e = ses->env[i], *eq = strchr(e, '=');
        fputs("<tr><th>", out);
        html_put_n(out, e, eq ? (size_t)(eq - e) : strlen(e), 0);
        fputs("</th><td><code>", out);
        html_put(out, eq ? eq + 1 : "", "");
        fputs("</code></td></tr>\n", out);
    }
    fputs("</table>\n</details>\n</section>\n", out);
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
typedef struct frame_rows {
    FILE *out;
    source_cache *src;
} frame_rows;

static void frame_row(void *ctx, const facts_frame *fr)
{
    const frame_rows *r = ctx;
    FILE *out = r->out;
    const sym_frame *f = fr->sym;
    fprintf(out, "<tr%s><td>%s%02zu</td><td><code>0x%016" PRIx64 "</code></td><td>",
            f && f->inlined ? " class=\"inl\"" : "", fr->level ? "" : "#", fr->index, fr->pc);
    FACT(out, facts_module_offset, fr->module, fr->pc);
    fputs("</td><td class=\"fn\">", out);
    if (f) {
        FACT(out, facts_frame_function, f);
        if (f->inlined)
            fputs(" <span class=\"tag\">inlined</span>", out);
    } else {
        fputs("<span class=\"dim\">?&#63;</span>", out);
    }
    fputs("</td><td>", out);
    FACT(out, facts_frame_source, f);
    fputs("</td></tr>\n", out);
    const char *text;
    size_t len;
    if (f && f->file && r->src && source_line(r->src, f->file, f->line, &text, &len)) {
        fputs("<tr class=\"srcrow\"><td></td><td colspan=\"4\">", out);
        source_excerpt(out, r->src, f->file, f->line);
        fputs("</td></tr>\n", out);
    }
}

static void frame_table(FILE *out, const snap *s, const snap_thread *t, sym_session *ss,
                        source_cache *src)
{
    frame_rows r = { out, src };
    if (!t->n_frames) {
        fputs("<p class=\"dim\">(no frames)</p>\n", out);
        return;
    }
    fputs("<table class=\"frames\"><thead><tr><th>#</th><th>pc</th><th>module</th>"
          "<th>function</th><th>source</th></tr></thead><tbody>\n", out);
    facts_each_frame(s, t, ss, frame_row, &r);
    fputs("</tbody></table>\n", out);
    if (t->truncated)
        fprintf(out, "<p class=\"dim\">... (stack cut after %zu frames)</p>\n", t->n_frames);
}

static void registers(FILE *out, const snap *s, const snap_thread *t)
{
    if (!t->n_regs)
        return;
    fputs("<details class=\"regs\"><summary>registers</summary><pre>", out);
    for (size_t i = 0; i < t->n_regs; i++) {
        char gen[24];
        fprintf(out, "%-6s 0x%016" PRIx64 "%s", facts_reg_name(s, i, gen), t->regs[i],
                i % 4 == 3 || i + 1 == t->n_regs ? "\n" : "   ");
    }
    fputs("</pre></details>\n", out);
}

/* "thread 42 "name" (crashed), state S, status, in signal 11 (SIGSEGV), N
 * frames", or for a folded entry "N threads with this stack, state S, ..." */
static void thread_title(FILE *out, const snap *s, const facts_group *g)
{
    const snap_thread *t = &s->threads[g->members[0]];
    if (g->n == 1)
        FACT(out, facts_thread_who, t);
    else
        FACT(out, facts_group_title, g);
    FACT(out, facts_thread_how, t);
    fprintf(out, ", %zu frame%s", t->n_frames, t->n_frames == 1 ? "" : "s");
}

/* How the stack was taken, kernel state and origin of a thread, when known. */
static void thread_facts(FILE *out, const snap *s, const snap_thread *t, sym_session *ss)
{
    const snap_origin *o = snap_thread_origin(s, t->tid);
    FACT_PARA(out, "stack: ", facts_stack_method, t);
    FACT_PARA(out, "kernel: ", facts_kernel, t);
    FACT_PARA(out, "lock: ", facts_thread_lock, s, t, ss);
    if (o) {
        fputs("<p class=\"facts\"><span class=\"origin\">", out);
        FACT(out, facts_origin, s, o, ss);
        fputs("</span></p>\n", out);
    }
}

void html_snap_trigger_thread(FILE *out, const snap *s, sym_session *ss, source_cache *src,
                              const char *idp)
{
    const snap_thread *t = snap_trigger_thread(s);
    fprintf(out, "<section id=\"%strigger-thread\">\n<h2>", idp);
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
    size_t self = (size_t)(t - s->threads);
    facts_group one = { &self, 1 };
    fputs(t->crashed ? "Crashing thread: " : "Trigger thread: ", out);
    thread_title(out, s, &one);
    fputs("</h2>\n", out);
    thread_facts(out, s, t, ss);
    registers(out, s, t);
    frame_table(out, s, t, ss, src);
    fputs("</section>\n", out);
}

/* One entry of the thread list: a thread (its <details> anchored as
 * thread-TID), or a folded entry (each of its thread ids anchored). */
static void thread_details(FILE *out, const snap *s, const facts_group *g, sym_session *ss,
                           const char *idp)
{
    const snap_thread *t = &s->threads[g->members[0]];
    if (g->n == 1)
        fprintf(out, "<details class=\"thread\" id=\"%sthread-%" PRIu64 "\"><summary>", idp,
                t->tid);
    else
        fputs("<details class=\"thread\"><summary>", out);
    thread_title(out, s, g);
    fputs("</summary>\n", out);
    if (g->n > 1) {
        html_sink hs = { out, "; ", idp };
        facts_sink k = { html_fact_put, &hs };
        fputs("<p class=\"facts\">", out);
        facts_group_members(&k, s, g);
        fputs("</p>\n", out);
    }
    thread_facts(out, s, t, ss);
    frame_table(out, s, t, ss, NULL);
    fputs("</details>\n", out);
}

/* The program's threads; bbx's own (its collector thread) and fds are
 * counted in one line. */
void html_snap_threads(FILE *out, const snap *s, sym_session *ss, int all_threads, const char *idp)
{
    facts_groups g;
    size_t n_bbx = 0;
    for (size_t i = 0; i < s->n_threads; i++)
        n_bbx += s->threads[i].bbx_internal != 0;
    int ok = facts_thread_groups(&g, s, all_threads) == 0;
    fprintf(out, "<section id=\"%sthreads\">\n<h2>All threads (%zu", idp, s->n_threads - n_bbx);
    if (ok && g.n - n_bbx < s->n_threads - n_bbx)
        fprintf(out, "; identical stacks folded into %zu entries", g.n - n_bbx);
    fputs(")</h2>\n", out);
    for (size_t i = 0; ok && i < g.n; i++)
        if (!s->threads[g.groups[i].members[0]].bbx_internal)
            thread_details(out, s, &g.groups[i], ss, idp);
    for (size_t i = 0; !ok && i < s->n_threads; i++) {
        facts_group one = { &i, 1 }; /* out of memory: every thread on its own */
        if (!s->threads[i].bbx_internal)
            thread_details(out, s, &one, ss, idp);
    }
    facts_groups_release(&g);
    if (s->n_threads == n_bbx)
        fputs("<p class=\"dim\">(no threads recorded)</p>\n", out);
    if (n_bbx || s->n_bbx_fds)
        fprintf(out, "<p class=\"dim\">Not shown: bbx's own %zu thread%s and %zu fd%s "
                "(<code>bbx show --bbx-internals</code> lists them).</p>\n", n_bbx,
                n_bbx == 1 ? "" : "s", s->n_bbx_fds, s->n_bbx_fds == 1 ? "" : "s");
    fputs("</section>\n", out);
}

/* ---- fds and the rest ------------------------------------------------------------- */

void html_snap_fds(FILE *out, const snap *s, sym_session *ss, const char *idp)
{
    fprintf(out, "<section id=\"%sfds\">\n<h2>Open files (%zu", idp, s->n_fds);
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
        fprintf(out, "<tr id=\"%sfd-%" PRIu64 "\"><td class=\"num\">%" PRIu64 "</td>"
                "<td><span class=\"kind\">%s</span></td><td><code>%s</code></td><td>",
                idp, d->fd, d->fd, snap_fd_kind_name(d->kind), flags);
        if (d->has_offset)
            fprintf(out, "%" PRIu64, d->offset);
        else
            fputs("-", out);
        fputs("</td><td><code>", out);
        html_put(out, d->target, "?");
        fputs("</code>", out);
        if (d->closed_by_bbx)
            fputs(" <span class=\"dim\">(closed by bbx to make room for this snapshot)</span>",
                  out);
        if (d->kind == SNAP_FD_SOCKET) {
            fputs("<div class=\"sub\">socket ", out);
            FACT(out, facts_socket, d);
            fputs("</div>", out);
        }
        if (d->details && *d->details) {
            fputs("<pre class=\"sub\">", out);
            html_put_n(out, d->details, strlen(d->details), 1);
            fputs("</pre>", out);
        }
        const snap_origin *o = snap_fd_origin(s, d->fd);
        if (o) {
            fputs("<div class=\"sub\"><span class=\"origin\">", out);
            FACT(out, facts_origin, s, o, ss);
            fputs("</span></div>", out);
        }
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody></table>\n</section>\n", out);
}

void html_snap_breadcrumbs(FILE *out, const snap *s, const char *idp)
{
    fprintf(out, "<section id=\"%sbreadcrumbs\">\n<h2>Breadcrumbs (%zu)</h2>\n", idp,
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

void html_snap_annotations(FILE *out, const snap *s, const char *idp)
{
    fprintf(out, "<section id=\"%sannotations\">\n<h2>Annotations (%zu)</h2>\n", idp,
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

void html_snap_children(FILE *out, const snap *s, const char *idp)
{
    if (!facts_children(NULL, s))
        return;
    fprintf(out, "<section id=\"%schildren\">\n<h2>Child processes: ", idp);
    FACT(out, facts_children, s);
    fputs("</h2>\n<table><thead><tr><th>pid</th><th>state</th><th>zombie</th><th>command</th>"
          "</tr></thead><tbody>\n", out);
    for (size_t i = 0; i < s->n_children; i++) {
        const snap_child *c = &s->children[i];
        fprintf(out, "<tr><td class=\"num\">%" PRIu64 "</td><td>", c->pid);
        if (c->state)
            html_put_n(out, &c->state, 1, 0);
        else
            fputs("?", out);
        fprintf(out, "</td><td>%s</td><td><code>", c->zombie ? "yes" : "no");
        FACT(out, facts_child_command, c);
        fputs("</code></td></tr>\n", out);
    }
    fputs("</tbody></table>\n</section>\n", out);
}

/* The launch stories (launch_facts.h) as warnings, then every launch. */
void html_snap_launches(FILE *out, const snap *s, sym_session *ss, const char *idp)
{
    launch_story *v;
    size_t n = launch_stories(s, &v);
    if (n == (size_t)-1)
        n = 0;
    if (!n && !s->n_launches) {
        free(v);
        return;
    }
    fprintf(out, "<section id=\"%slaunches\">\n<h2>Launched programs</h2>\n", idp);
    for (size_t i = 0; i < n; i++) {
        fputs("<p class=\"warn\">", out);
        FACT(out, facts_launch_story, s, &v[i], ss);
        fputs("</p>\n", out);
    }
    free(v);
    if (s->n_launches) {
        fputs("<table><thead><tr><th>#</th><th>call</th><th>program</th><th>pid</th>"
              "<th>from</th><th>what became of it</th></tr></thead><tbody>\n", out);
        for (size_t i = 0; i < s->n_launches; i++) {
            const snap_launch *l = &s->launches[i];
            fprintf(out, "<tr><td class=\"num\">%" PRIu64 "</td><td><code>", l->seq);
            html_put(out, l->call, "?");
            fputs("</code></td><td><code>", out);
            FACT(out, facts_launch_program, l);
            fputs("</code></td><td class=\"num\">", out);
            if (l->pid)
                fprintf(out, "%" PRIu64, l->pid);
            fputs("</td><td>", out);
            FACT(out, facts_launch_site, s, l, ss);
            fputs("</td><td>", out);
            FACT(out, facts_launch_outcome, l);
            fputs("</td></tr>\n", out);
        }
        fputs("</tbody></table>\n", out);
    }
    fputs("</section>\n", out);
}

void html_snap_modules(FILE *out, const snap *s, const char *idp)
{
    fprintf(out, "<section id=\"%smodules\">\n<details><summary><h2>Modules (%zu)</h2>"
            "</summary>\n<table><thead><tr><th>start</th><th>end</th><th>bias</th>"
            "<th>build-id</th><th>path</th></tr></thead><tbody>\n", idp, s->n_modules);
    for (size_t i = 0; i < s->n_modules; i++) {
        const snap_module *m = &s->modules[i];
        fprintf(out, "<tr><td><code>0x%" PRIx64 "</code></td><td><code>0x%" PRIx64
                "</code></td><td><code>0x%" PRIx64 "</code></td><td><code>", m->start,
                m->end, m->bias);
        FACT(out, facts_build_id, m);
        fputs("</code></td><td><code>", out);
        html_put(out, m->path, "?");
        fputs("</code></td></tr>\n", out);
    }
    fputs("</tbody></table>\n</details>\n</section>\n", out);
}

void html_snap_capture(FILE *out, const snap *s, const char *idp)
{
    const snap_capture *c = &s->capture;
    fprintf(out, "<section id=\"%scapture\">\n<h2>Capture</h2>\n<table class=\"kv\">\n", idp);
    row(out, "duration");
    FACT(out, facts_capture, s);
    fputs(" (", out);
    FACT(out, facts_phases, c);
    fputs(")</td></tr>\n", out);
    row(out, "records");
    fprintf(out, "%" PRIu64 " read, ", s->records);
    FACT(out, facts_reader, s);
    fputs("</td></tr>\n", out);
    if (facts_tracking(NULL, s)) {
        row(out, "tracking");
        FACT(out, facts_tracking, s);
        fputs("</td></tr>\n", out);
    }
    for (size_t i = 0; i < s->process.n_rlimits; i++) {
        char gen[24];
        fputs("<tr><th>limit ", out);
        fputs(facts_rlimit_name(&s->process.rlimits[i], gen), out);
        fputs("</th><td>", out);
        FACT(out, facts_rlimit_values, &s->process.rlimits[i]);
        fputs("</td></tr>\n", out);
    }
    fputs("</table>\n</section>\n", out);
}

void html_snap_symbol_notes(FILE *out, sym_session *ss, const char *idp)
{
    if (!facts_symbol_notes(NULL, ss))
        return;
    html_sink hs = { out, "</li>\n<li>", idp };
    facts_sink k = { html_fact_put, &hs };
    fprintf(out, "<section id=\"%ssymbols\">\n<h2>Symbols</h2>\n<ul>\n<li>", idp);
    facts_symbol_notes(&k, ss);
    fputs("</li>\n</ul>\n</section>\n", out);
}
