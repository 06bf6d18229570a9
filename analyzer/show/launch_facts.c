/*
 * launch_facts.c - the launches and children of a snapshot, told as
 * stories (launch_facts.h).
 *
 * Launches are grouped by what they launched (argv[0] or the command),
 * where from (the program's own frame of the launching stack) and how it
 * went (the errno, the exit status, the signal): a helper that exits 1
 * every time it is started is one story with a count, not a list.  A
 * child blocked writing into a pipe is found by joining the child's
 * stdout or stderr ("pipe:[N]" in CHILD) to the fd of this process that
 * reads the same pipe (FD target), and that fd to where it was created
 * (ORIGIN: popen() in export_png).  The table of launches holds only the
 * last 128 (the collector's ring); counts are of those.
 */
#include "launch_facts.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "app_frames.h"
#include "facts_put.h"
#include "frame_symbols.h"
#include "path_name.h"
#include "snap_format.h"

const char *launch_errno_name(uint64_t err)
{
    return err > 0 && err < 4096 ? strerrorname_np((int)err) : NULL;
}

const char *launch_story_kind_name(launch_story_kind kind)
{
    switch (kind) {
    case LAUNCH_STORY_NOT_FOUND: return "not_found";
    case LAUNCH_STORY_FAILED: return "failed";
    case LAUNCH_STORY_EXIT_STATUS: return "exit_status";
    case LAUNCH_STORY_SIGNALED: return "signaled";
    case LAUNCH_STORY_BLOCKED_PIPE: return "blocked_pipe";
    case LAUNCH_STORY_LEFT_RUNNING: return "left_running";
    }
    return "?";
}

/* ---- one launch --------------------------------------------------------- */

/* The i-th NUL-separated argument of args[len], its length in *n; NULL
 * when there are fewer. */
static const char *nth_arg(const char *args, size_t len, size_t i, size_t *n)
{
    size_t at = 0;
    if (!args)
        return NULL;
    for (size_t k = 0; at < len; k++) {
        const char *a = args + at;
        size_t m = strnlen(a, len - at);
        if (k == i) {
            *n = m;
            return a;
        }
        at += m + 1;
    }
    return NULL;
}

static int is_shell_call(const snap_launch *l)
{
    return l->call && (strcmp(l->call, "system") == 0 || strcmp(l->call, "popen") == 0);
}

/* The program's name as a string of the record: argv[0]'s base name, or
 * the shell command; NULL when there is none.  *n: its length. */
static const char *program_name(const snap_launch *l, size_t *n)
{
    const char *a = nth_arg(l->args, l->args_len, is_shell_call(l) ? 2 : 0, n);
    if (!a || !*n) {
        if (!l->file)
            return NULL;
        a = l->file;
        *n = strlen(a);
    }
    if (!is_shell_call(l)) {
        const char *slash = memrchr(a, '/', *n);
        if (slash && (size_t)(slash - a) + 1 < *n) {
            *n -= (size_t)(slash + 1 - a);
            a = slash + 1;
        }
    }
    return a;
}

void facts_launch_program(const facts_sink *k, const snap_launch *l)
{
    size_t n;
    const char *a = program_name(l, &n);
    if (a)
        put_n(k, FACTS_DATA, a, n);
    else
        put(k, FACTS_WORDS, "?");
}

/* The launch's stack as an ORIGIN's, for the shared site rules. */
static snap_origin as_origin(const snap_launch *l)
{
    snap_origin o = { 0 };
    o.frames = l->frames;
    o.n_frames = l->n_frames;
    o.call = l->call;
    o.tid = l->tid;
    o.time_ms = l->time_ms;
    return o;
}

size_t launch_site_frame(const snap *s, const snap_launch *l)
{
    snap_origin o = as_origin(l);
    if (!l->n_frames)
        return SIZE_MAX;
    size_t first = frame_origin_first(s, &o), own = app_origin_frame(NULL, s, &o, first);
    return own == SIZE_MAX ? first : own;
}

void facts_launch_site(const facts_sink *k, const snap *s, const snap_launch *l,
                       sym_session *ss)
{
    snap_origin o = as_origin(l);
    facts_origin_site(k, s, &o, ss);
}

static void put_errno(const facts_sink *k, uint64_t err)
{
    const char *name = launch_errno_name(err);
    if (name)
        putf(k, FACTS_ALARM, "%s (%s)", name, strerror((int)err));
    else
        putf(k, FACTS_ALARM, "errno %" PRIu64, err);
}

static void put_signal(const facts_sink *k, unsigned sig)
{
    const char *name = snap_signal_name(sig);
    if (name)
        put(k, FACTS_ALARM, name);
    else
        putf(k, FACTS_ALARM, "signal %u", sig);
}

/* "exited with status 1", "was killed by SIGSEGV (core dumped)". */
static void put_status(const facts_sink *k, uint64_t status)
{
    int st = (int)(status & 0xffff);
    if (WIFEXITED(st)) {
        putf(k, WEXITSTATUS(st) ? FACTS_ALARM : FACTS_WORDS, "exited with status %d",
             WEXITSTATUS(st));
    } else if (WIFSIGNALED(st)) {
        put(k, FACTS_WORDS, "was killed by ");
        put_signal(k, (unsigned)WTERMSIG(st));
        if (WCOREDUMP(st))
            put(k, FACTS_WORDS, " (core dumped)");
    } else {
        putf(k, FACTS_WORDS, "ended (wait status 0x%x)", st);
    }
}

void facts_launch_outcome(const facts_sink *k, const snap_launch *l)
{
    if (l->failed) {
        put(k, FACTS_WORDS, l->in_child ? "exec failed in the child: " : "failed: ");
        put_errno(k, l->err);
        if (l->path && l->err == ENOENT) {
            put(k, FACTS_WORDS, ", not found in PATH=");
            put(k, FACTS_DATA, l->path);
        }
        if (l->ended) {
            put(k, FACTS_WORDS, "; the child then ");
            put_status(k, l->status);
        }
        return;
    }
    if (l->ended) {
        put_status(k, l->status);
        if (l->end_ms >= l->time_ms && l->time_ms)
            putf(k, FACTS_WORDS, " after %.1f s", (double)(l->end_ms - l->time_ms) / 1000);
        return;
    }
    put(k, FACTS_WORDS, l->in_child ? "exec'd, not reaped yet" : "running or not reaped yet");
}

void facts_launch(const facts_sink *k, const snap *s, const snap_launch *l, sym_session *ss)
{
    putf(k, FACTS_WORDS, "#%" PRIu64 " ", l->seq);
    put_data(k, FACTS_CODE, l->call, "?");
    put(k, FACTS_CODE, "()");
    put(k, FACTS_WORDS, " ");
    facts_launch_program(k, l);
    if (l->pid)
        putf(k, FACTS_WORDS, " (pid %" PRIu64 ")", l->pid);
    if (l->has_fd)
        putf(k, FACTS_WORDS, " (fd %" PRIu64 ")", l->fd);
    put(k, FACTS_WORDS, " from ");
    facts_launch_site(k, s, l, ss);
    put(k, FACTS_WORDS, ": ");
    facts_launch_outcome(k, l);
}

/* ---- stories ------------------------------------------------------------ */

static launch_story_kind kind_of(const snap_launch *l, int *has)
{
    *has = 1;
    if (l->failed)
        return l->err == ENOENT ? LAUNCH_STORY_NOT_FOUND : LAUNCH_STORY_FAILED;
    if (l->ended && WIFEXITED((int)l->status) && WEXITSTATUS((int)l->status) != 0)
        return LAUNCH_STORY_EXIT_STATUS;
    if (l->ended && WIFSIGNALED((int)l->status))
        return LAUNCH_STORY_SIGNALED;
    *has = 0;
    return LAUNCH_STORY_FAILED;
}

/* Two launches tell the same story: same kind, program, site and outcome. */
static int same_story(const snap *s, const snap_launch *a, const snap_launch *b)
{
    size_t na, nb;
    const char *pa = program_name(a, &na), *pb = program_name(b, &nb);
    size_t fa = launch_site_frame(s, a), fb = launch_site_frame(s, b);
    if ((pa == NULL) != (pb == NULL) || (pa && (na != nb || memcmp(pa, pb, na) != 0)))
        return 0;
    if ((fa == SIZE_MAX) != (fb == SIZE_MAX) ||
        (fa != SIZE_MAX && a->frames[fa] != b->frames[fb]))
        return 0;
    if (a->failed != b->failed || (a->failed && a->err != b->err))
        return 0;
    return a->failed || a->status == b->status;
}

static int grow(launch_story **v, size_t n, size_t *cap)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 8;
    launch_story *p = realloc(*v, c * sizeof(**v));
    if (!p)
        return -1;
    *v = p;
    *cap = c;
    return 0;
}

/* The popen() launch whose stream is still open at fd. */
static const snap_launch *popen_of_fd(const snap *s, uint64_t fd)
{
    for (size_t i = s->n_launches; i-- > 0;) {
        const snap_launch *l = &s->launches[i];
        if (l->has_fd && l->fd == fd && !l->ended && !l->failed)
            return l;
    }
    return NULL;
}

static const snap_launch *launch_of_pid(const snap *s, uint64_t pid)
{
    for (size_t i = s->n_launches; i-- > 0;)
        if (s->launches[i].pid == pid)
            return &s->launches[i];
    return NULL;
}

/* Is the kernel's wait channel a writer waiting for room in a pipe? */
static int waits_to_write_pipe(const char *wchan)
{
    return wchan && (strstr(wchan, "pipe_write") || strstr(wchan, "pipe_wait_writable"));
}

static const snap_fd *fd_with_target(const snap *s, const char *target)
{
    for (size_t i = 0; i < s->n_fds; i++)
        if (s->fds[i].target && strcmp(s->fds[i].target, target) == 0)
            return &s->fds[i];
    return NULL;
}

static int add_launch_stories(const snap *s, launch_story **v, size_t *n, size_t *cap)
{
    for (size_t i = 0; i < s->n_launches; i++) {
        const snap_launch *l = &s->launches[i];
        int has, found = 0;
        launch_story_kind kind = kind_of(l, &has);
        if (!has)
            continue;
        for (size_t j = 0; j < *n && !found; j++) {
            launch_story *st = &(*v)[j];
            if (st->launch && st->kind == kind && same_story(s, st->launch, l)) {
                st->count++;
                uint64_t end = l->end_ms ? l->end_ms : l->time_ms;
                if (end > st->last_ms)
                    st->last_ms = end;
                found = 1;
            }
        }
        if (found)
            continue;
        if (grow(v, *n, cap) != 0)
            return -1;
        (*v)[(*n)++] = (launch_story){ .kind = kind, .launch = l, .count = 1,
                                       .first_ms = l->time_ms,
                                       .last_ms = l->end_ms ? l->end_ms : l->time_ms };
    }
    return 0;
}

static int add_child_stories(const snap *s, launch_story **v, size_t *n, size_t *cap)
{
    size_t running = 0;
    const snap_child *first_running = NULL;
    for (size_t i = 0; i < s->n_children; i++) {
        const snap_child *c = &s->children[i];
        if (c->zombie)
            continue;
        running++;
        if (!first_running)
            first_running = c;
        if (!waits_to_write_pipe(c->wchan))
            continue;
        for (int fd = 1; fd <= 2; fd++) {
            const char *t = c->std_fds[fd];
            const snap_fd *ours = t && strncmp(t, "pipe:", 5) == 0 ? fd_with_target(s, t) : NULL;
            if (!ours)
                continue;
            if (grow(v, *n, cap) != 0)
                return -1;
            const snap_launch *l = launch_of_pid(s, c->pid);
            (*v)[(*n)++] = (launch_story){ .kind = LAUNCH_STORY_BLOCKED_PIPE,
                                           .launch = l ? l : popen_of_fd(s, ours->fd), .count = 1,
                                           .child = c, .fd = ours, .child_fd = fd,
                                           .first_ms = c->start_ms };
            break;
        }
    }
    if (running && s->trigger.kind == SNAP_TRIGGER_EXIT) {
        if (grow(v, *n, cap) != 0)
            return -1;
        (*v)[(*n)++] = (launch_story){ .kind = LAUNCH_STORY_LEFT_RUNNING, .count = running,
                                       .child = first_running };
    }
    return 0;
}

size_t launch_stories(const snap *s, launch_story **out)
{
    launch_story *v = NULL;
    size_t n = 0, cap = 0;
    *out = NULL;
    if (add_launch_stories(s, &v, &n, &cap) != 0 || add_child_stories(s, &v, &n, &cap) != 0) {
        free(v);
        return (size_t)-1;
    }
    *out = v;
    return n;
}

/* A child as "`NAME` (pid N)": its command line's first word's base name,
 * or the kernel's name. */
static void put_child(const facts_sink *k, const snap_child *c)
{
    size_t n = 0;
    const char *a = nth_arg(c->cmdline, c->cmdline_len, 0, &n);
    if (a && n) {
        const char *slash = memrchr(a, '/', n);
        if (slash && (size_t)(slash - a) + 1 < n) {
            n -= (size_t)(slash + 1 - a);
            a = slash + 1;
        }
        put_n(k, FACTS_DATA, a, n);
    } else {
        put_data(k, FACTS_DATA, c->comm, "?");
    }
    putf(k, FACTS_WORDS, " (pid %" PRIu64 ")", c->pid);
}

static void story_launched(const facts_sink *k, const snap *s, const launch_story *st,
                           sym_session *ss)
{
    const snap_launch *l = st->launch;
    put(k, FACTS_WORDS, "launched ");
    facts_launch_program(k, l);
    put(k, FACTS_WORDS, " from ");
    facts_launch_site(k, s, l, ss);
    put(k, FACTS_WORDS, " with ");
    put_data(k, FACTS_CODE, l->call, "?");
    put(k, FACTS_CODE, "()");
    if (l->in_child)
        put(k, FACTS_WORDS, " in a forked child");
    put(k, FACTS_WORDS, ": ");
    if (st->kind == LAUNCH_STORY_NOT_FOUND && l->path) {
        put(k, FACTS_ALARM, "not found");
        put(k, FACTS_WORDS, " in PATH=");
        put(k, FACTS_DATA, l->path);
    } else if (st->kind == LAUNCH_STORY_NOT_FOUND) {
        put(k, FACTS_ALARM, "not found");
        if (l->file) {
            put(k, FACTS_WORDS, ": ");
            put(k, FACTS_DATA, l->file);
        }
    } else {
        put(k, FACTS_WORDS, "failed with ");
        put_errno(k, l->err);
    }
    if (st->count > 1)
        putf(k, FACTS_WORDS, ", %zu times", st->count);
    if (l->ended) {
        put(k, FACTS_WORDS, "; the child then ");
        put_status(k, l->status);
    }
}

static void story_ended(const facts_sink *k, const snap *s, const launch_story *st,
                        sym_session *ss)
{
    const snap_launch *l = st->launch;
    put(k, FACTS_WORDS, "helper ");
    facts_launch_program(k, l);
    if (l->pid && st->count == 1)
        putf(k, FACTS_WORDS, " (pid %" PRIu64 ")", l->pid);
    put(k, FACTS_WORDS, " ");
    put_status(k, l->status);
    if (st->count > 1) {
        putf(k, FACTS_WORDS, ", %zu times in ", st->count);
        facts_seconds(k, FACTS_WORDS, st->last_ms >= st->first_ms ? st->last_ms - st->first_ms : 0);
    }
    put(k, FACTS_WORDS, " (launched by ");
    put_data(k, FACTS_CODE, l->call, "?");
    put(k, FACTS_CODE, "()");
    put(k, FACTS_WORDS, " in ");
    facts_launch_site(k, s, l, ss);
    put(k, FACTS_WORDS, ")");
}

static void story_blocked(const facts_sink *k, const snap *s, const launch_story *st,
                          sym_session *ss)
{
    const snap_child *c = st->child;
    const snap_origin *o = snap_fd_origin(s, st->fd->fd);
    put(k, FACTS_WORDS, "helper ");
    put_child(k, c);
    put(k, FACTS_ALARM, " is blocked writing");
    put(k, FACTS_WORDS, " to ");
    put(k, FACTS_DATA, st->fd->target);
    put(k, FACTS_WORDS, st->child_fd == 1 ? " (its stdout)" : " (its stderr)");
    putf(k, FACTS_WORDS, ", which this program holds open at fd %" PRIu64 " and does not read",
         st->fd->fd);
    const snap_launch *opener = popen_of_fd(s, st->fd->fd);
    if (o && !o->unknown) {
        put(k, FACTS_WORDS, " (");
        facts_origin(k, s, o, ss);
        put(k, FACTS_WORDS, ")");
    } else if (opener) {
        put(k, FACTS_WORDS, " (opened by popen() in ");
        facts_launch_site(k, s, opener, ss);
        put(k, FACTS_WORDS, ")");
    }
    if (c->start_ms && s->process.time_ms > c->start_ms) {
        put(k, FACTS_WORDS, "; running for ");
        facts_seconds(k, FACTS_WORDS, s->process.time_ms - c->start_ms);
    }
}

static void story_left_running(const facts_sink *k, const snap *s, const launch_story *st,
                               sym_session *ss)
{
    putf(k, FACTS_ALARM, "%zu %s left running at exit", st->count,
         st->count == 1 ? "child" : "children");
    put(k, FACTS_WORDS, " (orphaned: init adopts them)");
    for (size_t i = 0; i < s->n_children; i++) {
        const snap_child *c = &s->children[i];
        if (c->zombie)
            continue;
        put(k, FACTS_NEXT, "");
        put_child(k, c);
        const snap_launch *l = launch_of_pid(s, c->pid);
        if (l) {
            put(k, FACTS_WORDS, ", launched by ");
            put_data(k, FACTS_CODE, l->call, "?");
            put(k, FACTS_CODE, "()");
            put(k, FACTS_WORDS, " in ");
            facts_launch_site(k, s, l, ss);
        }
    }
}

void facts_launch_story(const facts_sink *k, const snap *s, const launch_story *st,
                        sym_session *ss)
{
    switch (st->kind) {
    case LAUNCH_STORY_NOT_FOUND:
    case LAUNCH_STORY_FAILED: story_launched(k, s, st, ss); break;
    case LAUNCH_STORY_EXIT_STATUS:
    case LAUNCH_STORY_SIGNALED: story_ended(k, s, st, ss); break;
    case LAUNCH_STORY_BLOCKED_PIPE: story_blocked(k, s, st, ss); break;
    case LAUNCH_STORY_LEFT_RUNNING: story_left_running(k, s, st, ss); break;
    }
}

/* ---- as plain text ------------------------------------------------------ */

typedef struct text_buf {
    char *buf;
    size_t cap, len;
} text_buf;

static void buf_put(void *ctx, facts_piece kind, const char *s, size_t n)
{
    text_buf *t = ctx;
    if (kind == FACTS_NEXT) {
        s = "; ";
        n = 2;
    }
    if (t->len + 1 >= t->cap)
        return;
    if (n > t->cap - 1 - t->len)
        n = t->cap - 1 - t->len;
    memcpy(t->buf + t->len, s, n);
    t->len += n;
    t->buf[t->len] = 0;
}

size_t launch_story_text(char *buf, size_t cap, const snap *s, const launch_story *st,
                         sym_session *ss)
{
    text_buf t = { buf, cap, 0 };
    facts_sink k = { buf_put, &t };
    if (!cap)
        return 0;
    buf[0] = 0;
    facts_launch_story(&k, s, st, ss);
    return t.len;
}
