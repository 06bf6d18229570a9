/*
 * gen_stacks.c - writes a synthetic periodic snapshot series whose THREAD
 * records hold a million call stacks, for the `bbx flame` benchmark
 * (bench/run_flame.py), and the same stacks as text for the text
 * baselines (sort | uniq -c, awk).
 *
 * The stacks are made of return addresses inside this program: a few
 * hundred distinct functions with real symbols and lines (thread entry
 * points, a verb x noun grid of mid-level functions, a few dozen blocking
 * leaves), so `bbx flame` symbolizes them against a real binary with DWARF.
 * The module table and the snapshot frame are series_writer.c's.
 *
 * The shape is that of a busy server's threads: a table of DISTINCT
 * different stacks (default 2,000), each a walk through a fixed call graph
 * from the entry of one thread role (main loop, workers, io, db, timers,
 * logger: shared prefixes), DEPTH frames deep, ending in a blocking leaf.
 * Every thread of every snapshot takes one of them with a Zipf-like
 * frequency (exponent 1.1: with 2,000 of them the commonest is a sixth of all).
 *
 * Text: one line per thread, in snapshot order: its name (the group
 * `bbx flame` puts at the root), then its frames' function names root
 * first, joined by ';' - the lines `bbx flame --format folded` counts.
 *
 * usage: gen_stacks [-n SNAPSHOTS] [-t THREADS] [-d DEPTH] [-s DISTINCT] DIR TEXT
 *        (defaults 1000 snapshots x 1000 threads, depth 30, 2000 distinct)
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "series_writer.h"

#define PID 4242
#define PERIOD_MS 60000
#define ZIPF_EXPONENT 1.1
#define CHILDREN 3        /* callees of each mid-level function */
#define MAX_DEPTH SERIES_MAX_FRAMES

/* Code for the stacks to point into.  Each function has a static counter
 * of its own, so no two bodies are identical (no identical-code folding)
 * and each is a distinct symbol with its own line. */
#define FRAME_FN(name)                                                 \
    __attribute__((noinline)) int name(int x);                         \
    __attribute__((noinline)) int name(int x)                          \
    {                                                                  \
        static volatile int calls;                                     \
        calls += x;                                                    \
        return calls * 3 + x;                                          \
    }
#define FRAME_ENTRY(name) { name, #name },

typedef struct code_fn {
    int (*fn)(int);
    const char *name;
} code_fn;

/* Thread entry points, outermost first per role (see roles[] below). */
#define ENTRY_FNS(X)                                                                     \
    X(app_main) X(app_run) X(event_loop_run) X(event_loop_iterate) X(thread_start)           \
    X(worker_main) X(worker_loop) X(task_run) X(io_thread_main) X(io_loop)               \
    X(timer_thread_main) X(timer_loop) X(db_thread_main) X(db_loop) X(db_statement_run)  \
    X(logger_main) X(logger_loop)
ENTRY_FNS(FRAME_FN)
enum {
    E_app_main, E_app_run, E_event_loop_run, E_event_loop_iterate, E_thread_start,
    E_worker_main, E_worker_loop, E_task_run, E_io_thread_main, E_io_loop,
    E_timer_thread_main, E_timer_loop, E_db_thread_main, E_db_loop, E_db_statement_run,
    E_logger_main, E_logger_loop
};
static const code_fn entry_fns[] = { ENTRY_FNS(FRAME_ENTRY) };

/* Mid-level functions: every verb with every noun (verb_noun). */
#define VERBS(X, noun)                                                                   \
    X(dispatch, noun) X(handle, noun) X(process, noun) X(parse, noun) X(validate, noun)  \
    X(apply, noun) X(render, noun) X(update, noun) X(load, noun) X(store, noun)          \
    X(encode, noun) X(decode, noun)
#define NOUNS(X)                                                                         \
    X(request) X(response) X(session) X(message) X(header) X(record) X(query) X(frame)   \
    X(event) X(packet) X(buffer) X(config) X(table) X(index) X(cache) X(widget)
#define MID_FN(verb, noun) FRAME_FN(verb##_##noun)
#define MID_ENTRY(verb, noun) FRAME_ENTRY(verb##_##noun)
#define MID_FNS_OF(noun) VERBS(MID_FN, noun)
#define MID_ENTRIES_OF(noun) VERBS(MID_ENTRY, noun)
NOUNS(MID_FNS_OF)
static const code_fn mid_fns[] = { NOUNS(MID_ENTRIES_OF) };

/* Where threads wait. */
#define LEAF_FNS(X)                                                                      \
    X(wait_readable) X(wait_writable) X(poll_events) X(epoll_wait_events) X(futex_wait)  \
    X(cond_wait_timed) X(mutex_lock_slow) X(rwlock_read_wait) X(sem_wait_ticket)         \
    X(sleep_until) X(nanosleep_backoff) X(read_socket) X(recv_message) X(send_message)   \
    X(write_file) X(fsync_journal) X(accept_connection) X(select_ready) X(queue_pop_wait) \
    X(channel_recv) X(barrier_wait) X(join_worker) X(waitpid_child) X(flock_wait)        \
    X(pipe_read) X(timerfd_read) X(eventfd_read) X(signalfd_read) X(inotify_read)        \
    X(spin_backoff) X(io_uring_wait) X(page_fault_in)
LEAF_FNS(FRAME_FN)
static const code_fn leaf_fns[] = { LEAF_FNS(FRAME_ENTRY) };

#define N_OF(a) (sizeof(a) / sizeof(*(a)))
#define N_MID N_OF(mid_fns)
#define N_LEAF N_OF(leaf_fns)

/* Thread roles: name, share of the distinct stacks (per mille), entry chain. */
typedef struct role {
    const char *thread_name;
    unsigned per_mille;
    unsigned n_entry;
    unsigned entry[4];
} role;

static const role roles[] = {
    { "worker", 550, 4, { E_thread_start, E_worker_main, E_worker_loop, E_task_run } },
    { "io", 150, 3, { E_thread_start, E_io_thread_main, E_io_loop } },
    { "db", 120, 4, { E_thread_start, E_db_thread_main, E_db_loop, E_db_statement_run } },
    { "main", 80, 4, { E_app_main, E_app_run, E_event_loop_run, E_event_loop_iterate } },
    { "timer", 60, 3, { E_thread_start, E_timer_thread_main, E_timer_loop } },
    { "logger", 40, 3, { E_thread_start, E_logger_main, E_logger_loop } },
};

/* One frame of a distinct stack: which function, and which call site in it
 * (0..3, a few bytes apart: different return addresses, one name). */
typedef struct frame_ref {
    const code_fn *code;
    unsigned site;
} frame_ref;

typedef struct stack_def {
    unsigned role;
    frame_ref frames[MAX_DEPTH]; /* root first */
    uint64_t pcs[MAX_DEPTH];     /* innermost first, as a snapshot holds them */
    char *text;                  /* names root first, ';'-joined, '\n' */
    size_t text_len;
} stack_def;

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rnd64(void)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return rng_state;
}

static unsigned rnd(unsigned n)
{
    return (unsigned)((rnd64() >> 33) % n);
}

static double rnd_unit(void)
{
    return (double)(rnd64() >> 11) / 9007199254740992.0;
}

/* Callee j of mid-level function m: a fixed call graph. */
static unsigned mid_callee(unsigned m, unsigned j)
{
    return (m * 37u + j * 53u + 11u) % N_MID;
}

/* A skewed pick of 0..CHILDREN-1 (60%, 30%, 10%). */
static unsigned skewed_child(void)
{
    unsigned r = rnd(10);
    return r < 6 ? 0 : r < 9 ? 1 : 2;
}

static unsigned pick_role(void)
{
    unsigned r = rnd(1000), acc = 0;
    for (unsigned i = 0; i < N_OF(roles); i++) {
        acc += roles[i].per_mille;
        if (r < acc)
            return i;
    }
    return 0;
}

/* A walk: the role's entry chain, then mid-level functions down the call
 * graph (the first one from the role's own corner of it), then a leaf the
 * last mid-level function is likely to block in. */
static void walk(stack_def *s, unsigned depth)
{
    const role *r;
    unsigned k = 0, m;
    s->role = pick_role();
    r = &roles[s->role];
    for (; k < r->n_entry && k < depth - 1; k++)
        s->frames[k] = (frame_ref){ &entry_fns[r->entry[k]], 0 };
    m = (s->role * 31u + rnd(4)) % N_MID;
    for (; k < depth - 1; k++) {
        unsigned j = skewed_child();
        s->frames[k] = (frame_ref){ &mid_fns[m], j };
        m = mid_callee(m, j);
    }
    unsigned last = (unsigned)(s->frames[k - 1].code - mid_fns);
    unsigned leaf = (last * 7u + skewed_child() * 13u) % N_LEAF;
    s->frames[k] = (frame_ref){ &leaf_fns[leaf], 0 };
}

static uint64_t stack_hash(const stack_def *s, unsigned depth)
{
    uint64_t h = 1469598103934665603ull;
    for (unsigned k = 0; k < depth; k++) {
        h ^= (uint64_t)(uintptr_t)s->frames[k].code->name;
        h *= 1099511628211ull;
    }
    return h;
}

/* The frame's pc: the function's address plus a few bytes per call site
 * (return addresses, one byte past the call; the leaf's own pc too). */
static void stack_finish(stack_def *s, unsigned depth)
{
    const char *thread_name = roles[s->role].thread_name;
    size_t len = strlen(thread_name) + 1;
    for (unsigned k = 0; k < depth; k++) {
        s->pcs[depth - 1 - k] = (uint64_t)(uintptr_t)s->frames[k].code->fn + 4 + 2 * s->frames[k].site;
        len += strlen(s->frames[k].code->name) + 1;
    }
    s->text = malloc(len + 1);
    if (!s->text) {
        fprintf(stderr, "gen_stacks: out of memory\n");
        exit(1);
    }
    s->text_len = strlen(thread_name);
    memcpy(s->text, thread_name, s->text_len);
    s->text[s->text_len++] = ';';
    for (unsigned k = 0; k < depth; k++) {
        size_t n = strlen(s->frames[k].code->name);
        memcpy(s->text + s->text_len, s->frames[k].code->name, n);
        s->text_len += n;
        s->text[s->text_len++] = k + 1 < depth ? ';' : '\n';
    }
    s->text[s->text_len] = 0;
}

/* `distinct` different stacks: walks, the repeated ones drawn again. */
static stack_def *make_stacks(unsigned distinct, unsigned depth)
{
    stack_def *defs = calloc(distinct, sizeof(*defs));
    size_t cap = 1;
    while (cap < 2 * (size_t)distinct)
        cap <<= 1;
    uint64_t *seen = calloc(cap, sizeof(*seen));
    if (!defs || !seen) {
        fprintf(stderr, "gen_stacks: out of memory\n");
        exit(1);
    }
    for (unsigned i = 0, tries = 0; i < distinct; tries++) {
        if (tries > 1000u * distinct) {
            fprintf(stderr, "gen_stacks: cannot find %u different stacks\n", distinct);
            exit(1);
        }
        walk(&defs[i], depth);
        uint64_t h = stack_hash(&defs[i], depth) | 1;
        size_t at = (size_t)h & (cap - 1);
        while (seen[at] && seen[at] != h)
            at = (at + 1) & (cap - 1);
        if (seen[at])
            continue;
        seen[at] = h;
        stack_finish(&defs[i], depth);
        i++;
    }
    free(seen);
    return defs;
}

/* Cumulative Zipf weights: stack i has weight 1 / (i + 1)^s. */
static double *zipf_table(unsigned n)
{
    double *cum = malloc(n * sizeof(*cum)), acc = 0;
    if (!cum) {
        fprintf(stderr, "gen_stacks: out of memory\n");
        exit(1);
    }
    for (unsigned i = 0; i < n; i++) {
        acc += 1.0 / pow((double)i + 1, ZIPF_EXPONENT);
        cum[i] = acc;
    }
    for (unsigned i = 0; i < n; i++)
        cum[i] /= acc;
    return cum;
}

static unsigned zipf_pick(const double *cum, unsigned n)
{
    double u = rnd_unit();
    unsigned lo = 0, hi = n - 1;
    while (lo < hi) {
        unsigned mid = lo + (hi - lo) / 2;
        if (cum[mid] < u)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int write_snapshot(const char *dir, unsigned i, unsigned threads, unsigned depth,
                          const stack_def *defs, const double *cum, unsigned distinct,
                          FILE *text)
{
    series_snap s;
    uint64_t time_ms = SERIES_START_MS + (uint64_t)i * PERIOD_MS;
    if (series_snap_open(&s, dir, i) != 0)
        return -1;
    snap_writer *w = &s.w;
    series_put_head(&s, PID, "gen-stacks", time_ms, PERIOD_MS);
    for (unsigned t = 0; t < threads; t++) {
        const stack_def *d = &defs[zipf_pick(cum, distinct)];
        snap_rec_begin(w, SNAP_REC_THREAD);
        snap_put_u64(w, SNAP_THR_TID, PID + t);
        snap_put_str(w, SNAP_THR_NAME, roles[d->role].thread_name);
        snap_put_u64(w, SNAP_THR_STATE, 'S');
        snap_put_u64(w, SNAP_THR_STATUS, SNAP_THREAD_UNWOUND);
        series_put_frames(&s, SNAP_THR_FRAMES, d->pcs, depth);
        snap_rec_end(w);
        if (fwrite(d->text, 1, d->text_len, text) != d->text_len)
            return -1;
    }
    series_put_modules(&s);
    snap_rec_begin(w, SNAP_REC_CAPTURE);
    snap_put_u64(w, SNAP_CAP_THREADS, threads);
    snap_put_u64(w, SNAP_CAP_UNWOUND, threads);
    snap_put_u64(w, SNAP_CAP_MODULES, series_module_count());
    snap_put_str(w, SNAP_CAP_VERSION, "gen-stacks");
    snap_rec_end(w);
    return series_snap_close(&s);
}

static int usage(void)
{
    fprintf(stderr, "usage: gen_stacks [-n SNAPSHOTS] [-t THREADS] [-d DEPTH] "
                    "[-s DISTINCT] DIR TEXT\n");
    return 2;
}

int main(int argc, char **argv)
{
    unsigned n = 1000, threads = 1000, depth = 30, distinct = 2000;
    int a = 1;
    for (; a + 1 < argc && argv[a][0] == '-' && argv[a][1] && !argv[a][2]; a += 2) {
        unsigned v = (unsigned)strtoul(argv[a + 1], NULL, 10);
        switch (argv[a][1]) {
        case 'n': n = v; break;
        case 't': threads = v; break;
        case 'd': depth = v; break;
        case 's': distinct = v; break;
        default: return usage();
        }
    }
    if (argc - a != 2)
        return usage();
    if (!n || !threads || !distinct || depth < 8 || depth > MAX_DEPTH) {
        fprintf(stderr, "gen_stacks: need snapshots, threads and distinct stacks > 0, "
                        "depth 8..%d\n", MAX_DEPTH);
        return 2;
    }
    if (!series_modules_load("gen_stacks"))
        return 1;
    FILE *text = fopen(argv[a + 1], "w");
    if (!text) {
        perror(argv[a + 1]);
        return 1;
    }
    stack_def *defs = make_stacks(distinct, depth);
    double *cum = zipf_table(distinct);
    int rc = 0;
    for (unsigned i = 0; i < n && rc == 0; i++)
        rc = write_snapshot(argv[a], i, threads, depth, defs, cum, distinct, text);
    if (fclose(text) != 0 || rc != 0) {
        fprintf(stderr, "gen_stacks: writing failed\n");
        rc = 1;
    }
    for (unsigned i = 0; i < distinct; i++)
        free(defs[i].text);
    free(defs);
    free(cum);
    return rc;
}
