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
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "frame_symbols.h"
#include "report.h"
#include "launch_facts.h"
#include "report_facts.h"
#include "session_facts.h"
#include "size_text.h"
#include "snap_format.h"
#include "utf8.h"

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

/* The text renderer of report_facts.h: bbx's words as they are, all else
 * through report_put_safe(), a fact's next line indented by `indent`. */
typedef struct text_sink {
    FILE *out;
    const char *indent;
} text_sink;

static void text_put(void *ctx, facts_piece kind, const char *s, size_t n)
{
    text_sink *t = ctx;
    if (kind == FACTS_NEXT)
        fprintf(t->out, "\n%s", t->indent);
    else if (kind == FACTS_WORDS)
        fwrite(s, 1, n, t->out);
    else
        report_put_safe(t->out, s, n);
}

/* Write one fact: fn(&sink, arg...) through a sink over out. */
#define FACT(out, indent, fn, ...)                                                         \
    do {                                                                                   \
        text_sink ts_ = { (out), (indent) };                                               \
        facts_sink k_ = { text_put, &ts_ };                                                \
        fn(&k_, __VA_ARGS__);                                                              \
    } while (0)

/* "LABEL FACT\n", or nothing when the fact has nothing to say. */
#define FACT_LINE(out, label, fn, ...)                                                     \
    do {                                                                                   \
        if (fn(NULL, __VA_ARGS__)) {                                                       \
            fputs(label, out);                                                             \
            FACT(out, "", fn, __VA_ARGS__);                                                \
            fputc('\n', out);                                                              \
        }                                                                                  \
    } while (0)

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

static void header(FILE *out, const snap *s)
{
    const snap_process *p = &s->process;

    fputs("*** bbx snapshot ***\n", out);
    if (!s->complete) {
        fputs("INCOMPLETE snapshot: ", out);
        put_str(out, s->incomplete_why, "unknown reason");
        fputc('\n', out);
    }
    fputs("app:      ", out);
    FACT(out, "", facts_app, p);
    fputs("\nexe:      ", out);
    put_str(out, p->exe, "?");
    fputs("\ncmdline:  ", out);
    FACT(out, "", facts_args, p->cmdline, p->cmdline_len);
    if (s->capture.redacted) {
        fputs("\nredacted:", out);
        for (unsigned bit = 0; bit < 64; bit++) {
            char gen[16];
            if (s->capture.redacted >> bit & 1)
                fprintf(out, " %s", facts_redacted_part(bit, gen));
        }
        fputs(" (held back by the collector or bbx scrub)", out);
    }
    fputs("\ntime:     ", out);
    FACT(out, "", facts_time, p);
    fputs("\nhost:     ", out);
    FACT(out, "", facts_host, p);
    fputs("\nformat:   ", out);
    FACT(out, "", facts_format, s);
    fputc('\n', out);
    FACT_LINE(out, "threads:  ", facts_threads_omitted, s);
}

static void why(FILE *out, const snap *s, const report_options *opt)
{
    fputs(s->trigger.present ? "\n" : "\ntrigger:  ", out);
    FACT(out, "  ", facts_trigger, s);
    fputc('\n', out);
    if (opt && opt->vanished && opt->vanished->text) {
        fputs("vanished: ", out);
        put_str(out, opt->vanished->text, "");
        fputc('\n', out);
    }
    if (facts_deadlocks(NULL, s)) {
        fputc('\n', out);
        FACT(out, "", facts_deadlocks, s);
        fputc('\n', out);
    }
}

static void registers(FILE *out, const snap *s, const snap_thread *t)
{
    fputs("  registers:\n", out);
    for (size_t i = 0; i < t->n_regs; i++) {
        char gen[24];
        fprintf(out, "%s%-6s 0x%016" PRIx64, i % REGS_PER_ROW ? "  " : "    ",
                facts_reg_name(s, i, gen), t->regs[i]);
        if (i % REGS_PER_ROW == REGS_PER_ROW - 1 || i + 1 == t->n_regs)
            fputc('\n', out);
    }
}

/* One backtrace line: "#NN pc 0x...  module+0xoff  fn+0xoff (file:line:col)". */
static void backtrace_row(void *ctx, const facts_frame *f)
{
    FILE *out = ctx;
    fprintf(out, "    #%02zu pc 0x%016" PRIx64 "  ", f->index, f->pc);
    if (f->module)
        FACT(out, "", facts_module_offset, f->module, f->pc);
    else
        fputs("???", out);
    if (f->sym) {
        fputs("  ", out);
        FACT(out, "", facts_frame_function, f->sym);
        if (facts_frame_source(NULL, f->sym)) {
            fputs(" (", out);
            FACT(out, "", facts_frame_source, f->sym);
            fputc(')', out);
        }
        if (f->sym->inlined)
            fputs(" [inlined]", out);
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
    facts_each_frame(s, t, ss, backtrace_row, out);
    if (t->truncated)
        fprintf(out, "    ... (stack cut after %zu frames)\n", t->n_frames);
}

/* One entry of the thread list: a thread, or the threads of a folded
 * entry (all alike but for id and name: g->members[0] stands for them). */
static void thread(FILE *out, const snap *s, const facts_group *g, sym_session *ss)
{
    const snap_thread *t = &s->threads[g->members[0]];
    fputs("\n--- ", out);
    if (g->n == 1)
        FACT(out, "", facts_thread_who, t);
    else
        FACT(out, "", facts_group_title, g);
    FACT(out, "", facts_thread_how, t);
    fputs(" ---\n", out);
    if (g->n > 1) {
        fputs("  ", out);
        FACT(out, "", facts_group_members, s, g);
        fputc('\n', out);
    }
    FACT_LINE(out, "  stack: ", facts_stack_method, t);
    FACT_LINE(out, "  kernel: ", facts_kernel, t);
    FACT_LINE(out, "  lock: ", facts_thread_lock, s, t, ss);
    const snap_origin *o = snap_thread_origin(s, t->tid);
    if (o) {
        fputs("  ", out);
        FACT(out, "", facts_origin, s, o, ss);
        fputc('\n', out);
    }
    if (t->n_regs)
        registers(out, s, t);
    backtrace(out, s, t, ss);
}

static void threads(FILE *out, const snap *s, const report_options *opt)
{
    facts_groups g;
    /* Out of memory: every thread on its own, as --all-threads. */
    facts_group one[1];
    int ok = facts_thread_groups(&g, s, opt && opt->all_threads) == 0;
    int internals = opt && opt->bbx_internals;
    for (size_t i = 0; ok && i < g.n; i++)
        if (internals || !s->threads[g.groups[i].members[0]].bbx_internal)
            thread(out, s, &g.groups[i], opt ? opt->symbols : NULL);
    for (size_t i = 0; !ok && i < s->n_threads; i++) {
        if (!internals && s->threads[i].bbx_internal)
            continue;
        one[0] = (facts_group){ &i, 1 };
        thread(out, s, one, opt ? opt->symbols : NULL);
    }
    facts_groups_release(&g);
    if (!s->n_threads)
        fputs("\n(no threads recorded)\n", out);
}

/* The rows of an fd table (the program's, or bbx's own). */
static void fd_rows(FILE *out, const snap *s, const snap_fd *fds, size_t n_fds,
                    sym_session *ss)
{
    if (!n_fds)
        return;
    /* The flags column is as wide as its widest entry. */
    int width = 5;
    for (size_t i = 0; i < n_fds; i++) {
        const snap_fd *d = &fds[i];
        if (d->has_flags) {
            size_t n = snap_open_flags_format(s->process.arch, d->flags, d->cloexec, NULL, 0);
            if (n > (size_t)width)
                width = n < 255 ? (int)n : 255;
        }
    }
    fprintf(out, "  %5s  %-8s  %-*s  %10s  %s\n", "fd", "kind", width, "flags", "offset",
            "target");
    for (size_t i = 0; i < n_fds; i++) {
        const snap_fd *d = &fds[i];
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
        if (d->bbx == SNAP_FD_BBX_SPARE)
            fputs("  (spare: room for a crash capture in a full table)", out);
        fputc('\n', out);
        const snap_origin *o = snap_fd_origin(s, d->fd);
        if (o) {
            fputs("      ", out);
            FACT(out, "", facts_origin, s, o, ss);
            fputc('\n', out);
        }
        if (d->kind == SNAP_FD_SOCKET) {
            fputs("      socket ", out);
            FACT(out, "", facts_socket, d);
            fputc('\n', out);
        }
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

static void fd_table(FILE *out, const snap *s, sym_session *ss)
{
    fprintf(out, "\nopen files: %zu", s->n_fds);
    if (s->process.fd_limit)
        fprintf(out, " (limit %" PRIu64 ")", s->process.fd_limit);
    fputc('\n', out);
    fd_rows(out, s, s->fds, s->n_fds, ss);
}

static size_t bbx_threads(const snap *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_threads; i++)
        n += s->threads[i].bbx_internal != 0;
    return n;
}

/* bbx's own fds and threads: listed with --bbx-internals, else counted. */
static void bbx_internals(FILE *out, const snap *s, const report_options *opt)
{
    size_t nt = bbx_threads(s);
    uint64_t kib = (s->capture.bbx_mapped + 1023) / 1024;
    if (!s->n_bbx_fds && !nt && !kib)
        return;
    fputs("\nbbx's own: ", out);
    const char *sep = "";
    if (s->n_bbx_fds) {
        fprintf(out, "%zu fd%s", s->n_bbx_fds, s->n_bbx_fds == 1 ? "" : "s");
        sep = ", ";
    }
    if (nt) {
        fprintf(out, "%s%zu thread%s", sep, nt, nt == 1 ? "" : "s");
        sep = ", ";
    }
    if (kib)
        fprintf(out, "%s%" PRIu64 " kB of memory mapped", sep, kib);
    if (!opt || !opt->bbx_internals) {
        fputs(" (not the program's: --bbx-internals lists them)\n", out);
        return;
    }
    fprintf(out, "\nbbx's own fds: %zu\n", s->n_bbx_fds);
    fd_rows(out, s, s->bbx_fds, s->n_bbx_fds, opt->symbols);
}

static void child_list(FILE *out, const snap *s)
{
    if (!facts_children(NULL, s))
        return;
    fputs("\nchildren: ", out);
    FACT(out, "", facts_children, s);
    fprintf(out, "\n  %7s  %-5s  %-6s  %s\n", "pid", "state", "zombie", "command");
    for (size_t i = 0; i < s->n_children; i++) {
        const snap_child *c = &s->children[i];
        fprintf(out, "  %7" PRIu64 "  %-5c  %-6s  ", c->pid, c->state ? c->state : '?',
                c->zombie ? "yes" : "no");
        FACT(out, "", facts_child_command, c);
        if (c->wchan) {
            fputs("  (waiting in ", out);
            report_put_safe(out, c->wchan, strlen(c->wchan));
            fputc(')', out);
        }
        fputc('\n', out);
    }
}

/* What the launches and children say at a glance (launch_facts.h). */
static void launch_story_list(FILE *out, const snap *s, sym_session *ss)
{
    launch_story *v;
    size_t n = launch_stories(s, &v);
    if (n == 0 || n == (size_t)-1)
        return;
    fprintf(out, "\nlaunches: %zu %s\n", n, n == 1 ? "story" : "stories");
    for (size_t i = 0; i < n; i++) {
        fputs("  ! ", out);
        FACT(out, "      ", facts_launch_story, s, &v[i], ss);
        fputc('\n', out);
    }
    free(v);
}

/* Every launch in the snapshot (tracking mode exec), oldest first. */
static void launch_list(FILE *out, const snap *s, sym_session *ss)
{
    if (!s->n_launches)
        return;
    fprintf(out, "\nlaunched programs: %zu (tracking keeps the last 128)\n", s->n_launches);
    for (size_t i = 0; i < s->n_launches; i++) {
        fputs("  ", out);
        FACT(out, "    ", facts_launch, s, &s->launches[i], ss);
        fputc('\n', out);
    }
}

/* What the process's X clients held in the X server (X11_RESOURCES). */
static void x11_list(FILE *out, const snap *s)
{
    const snap_x11 *x = &s->x11;
    if (!x->present)
        return;
    fputs("\nx11 resources: display ", out);
    report_put_safe(out, x->display ? x->display : "?", x->display ? strlen(x->display) : 1);
    fprintf(out, ", %" PRIu64 " client%s, %" PRIu64 " bytes of pixmaps, %" PRIu64
            " ms old%s\n", x->clients, x->clients == 1 ? "" : "s", x->pixmap_bytes, x->age_ms,
            x->stale == SNAP_X11_STALE_TIMEOUT ? " (the X server did not answer since)"
            : x->stale ? " (the connection to the X server was lost since)" : "");
    for (size_t i = 0; i < x->n_types; i++) {
        const char *n = x->types[i].name ? x->types[i].name : "?";
        fprintf(out, "  %7" PRIu64 "  ", x->types[i].count);
        report_put_safe(out, n, strlen(n));
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
        FACT(out, "", facts_build_id, m);
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

static void process_state(FILE *out, const snap *s)
{
    const snap_process *p = &s->process;
    fprintf(out, "\nprocess: %" PRIu64 " threads, ", p->threads);
    FACT(out, "", facts_memory, p);
    fputc('\n', out);
    for (size_t i = 0; i < p->n_rlimits; i++) {
        char gen[24];
        fprintf(out, "  limit %-10s ", facts_rlimit_name(&p->rlimits[i], gen));
        FACT(out, "", facts_rlimit_values, &p->rlimits[i]);
        fputc('\n', out);
    }
}

#define HEAP_TOP_STACKS 10

/* The heap stacks of s by estimated live bytes, largest first (indexes
 * into s->heap.stacks, malloc'd; NULL when there are none or no memory). */
static const snap *heap_sort_snap;
static int heap_live_cmp(const void *a, const void *b)
{
    const snap_heap_stack *x = &heap_sort_snap->heap.stacks[*(const size_t *)a];
    const snap_heap_stack *y = &heap_sort_snap->heap.stacks[*(const size_t *)b];
    if (x->live_bytes != y->live_bytes)
        return x->live_bytes > y->live_bytes ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* MEMORY: totals, by kind, the cgroup, malloc; HEAP: totals and the
 * stacks holding the most live memory, the program's own frame first. */
static void memory_section(FILE *out, const snap *s, sym_session *ss)
{
    const snap_memory *m = &s->memory;
    if (m->present) {
        fputs("\nmemory: ", out);
        FACT(out, "", facts_mem_totals, s);
        fprintf(out, "\n  %-6s %10s %10s %10s %10s %8s\n", "kind", "rss KiB", "pss KiB",
                "swap KiB", "size KiB", "mappings");
        for (uint64_t kind = 1; kind < SNAP_MEM_KINDS; kind++) {
            const snap_mem_kind_use *u = &m->kinds[kind];
            if (u->present)
                fprintf(out, "  %-6s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64
                        " %8" PRIu64 "\n", snap_mem_kind_name(kind), u->rss_kb, u->pss_kb,
                        u->swap_kb, u->size_kb, u->mappings);
        }
        FACT_LINE(out, "  ", facts_mem_cgroup, s);
        FACT_LINE(out, "  malloc: ", facts_mem_malloc, s);
        if (m->watermark_permille)
            fprintf(out, "  watermark: %" PRIu64 ".%" PRIu64 " of the limit (BBX_MEM_WATERMARK)\n",
                    m->watermark_permille / 1000, m->watermark_permille % 1000);
    }
    if (!s->heap.present)
        return;
    fputs("\nheap: ", out);
    FACT(out, "", facts_heap, s);
    fputc('\n', out);
    size_t n = s->heap.n_stacks, *order = n ? malloc(n * sizeof(*order)) : NULL;
    if (!order)
        return;
    for (size_t i = 0; i < n; i++)
        order[i] = i;
    heap_sort_snap = s;
    qsort(order, n, sizeof(*order), heap_live_cmp);
    size_t shown = 0, idle = 0;
    for (size_t i = 0; i < n; i++)
        idle += s->heap.stacks[i].live_bytes == 0;
    for (size_t i = 0; i < n && shown < HEAP_TOP_STACKS; i++) {
        const snap_heap_stack *h = &s->heap.stacks[order[i]];
        char live[32];
        if (!h->live_bytes)
            break; /* sorted: only stacks with nothing live follow */
        shown++;
        size_text_kib(live, sizeof(live), (double)h->live_bytes / 1024.0);
        fprintf(out, "  %10s live in %6" PRIu64 "  ", live, h->live_objects);
        FACT(out, "", facts_heap_site, s, h, ss);
        fputc('\n', out);
    }
    if (n - idle > shown)
        fprintf(out, "  (%zu more stacks with live memory; bbx flame --what heap shows them)\n",
                n - idle - shown);
    if (idle)
        fprintf(out, "  (%zu %s with nothing live: allocated and freed; bbx flame --what "
                     "heap-alloc shows them)\n", idle, idle == 1 ? "stack" : "stacks");
    free(order);
}

/* The session at a glance: its kind and display, the notes, the drawing
 * modules.  The details (ids, security, environment) come later. */
static void session_section(FILE *out, const snap *s)
{
    char notes[SESSION_NOTES_MAX][SESSION_NOTE_MAX];
    if (!s->session.present)
        return;
    fputs("\nsession: ", out);
    FACT(out, "", facts_session_summary, s);
    fputc('\n', out);
    size_t n = session_notes(s, notes, SESSION_NOTES_MAX);
    for (size_t i = 0; i < n; i++) {
        fputs("  note: ", out);
        report_put_safe(out, notes[i], strlen(notes[i]));
        fputc('\n', out);
    }
    FACT_LINE(out, "  gl: ", facts_session_gl, s);
}

static void session_details(FILE *out, const snap *s)
{
    const snap_session *ses = &s->session;
    if (!ses->present)
        return;
    fputs("\nsession details:\n", out);
    FACT_LINE(out, "  process: ", facts_session_identity, s);
    FACT_LINE(out, "  security: ", facts_session_security, s);
    FACT_LINE(out, "  gpu nodes: ", facts_session_dri, s);
    fprintf(out, "  environment (%zu allowed variables%s):\n", ses->n_env,
            ses->env_omitted ? ", more left out for room" : "");
    for (size_t i = 0; i < ses->n_env; i++) {
        fputs("    ", out);
        report_put_safe(out, ses->env[i], strlen(ses->env[i]));
        fputc('\n', out);
    }
    if (!ses->n_env && (s->capture.redacted & SNAP_REDACT_ENV))
        fputs("    (held back: redacted env)\n", out);
}

static void capture_stats(FILE *out, const snap *s)
{
    const snap_capture *c = &s->capture;
    fputs("\ncapture: ", out);
    FACT(out, "", facts_capture, s);
    fprintf(out, ", %" PRIu64 " records\n", s->records);
    if (c->threads_us || c->fds_us) {
        fputs("  phases: ", out);
        FACT(out, "", facts_phases, c);
        fputc('\n', out);
    }
    FACT_LINE(out, "  tracking:", facts_tracking, s);
    FACT_LINE(out, "reader: ", facts_reader, s);
}

/* The symbolizer's notes, one a line. */
static void symbol_notes(FILE *out, sym_session *ss)
{
    if (!facts_symbol_notes(NULL, ss))
        return;
    fputs("\nsymbols:\n  ", out);
    FACT(out, "  ", facts_symbol_notes, ss);
    fputc('\n', out);
}

int report_text(FILE *out, const snap *s, const report_options *opt)
{
    sym_session *ss = opt ? opt->symbols : NULL;
    header(out, s);
    why(out, s, opt);
    session_section(out, s);
    launch_story_list(out, s, ss);
    threads(out, s, opt);
    fd_table(out, s, ss);
    bbx_internals(out, s, opt);
    child_list(out, s);
    launch_list(out, s, ss);
    x11_list(out, s);
    module_table(out, s);
    breadcrumb_list(out, s);
    annotation_list(out, s);
    process_state(out, s);
    session_details(out, s);
    memory_section(out, s, ss);
    capture_stats(out, s);
    symbol_notes(out, ss);
    return ferror(out) ? -1 : 0;
}
