/*
 * report_facts.h - the facts of a one-snapshot report, worded once for
 * every renderer: `bbx show` text (report_text.c), the `bbx report` page
 * (html/report_html_snap.c) and, where a fact is a name rather than a
 * sentence, the JSON (report_json.c).
 *
 * A fact is written as a run of pieces through a facts_sink.  Each piece
 * says what it is (bbx's own words, a string from a file, code, an alarm,
 * a thread id, the start of the fact's next line) and the renderer only
 * escapes and marks it up its own way: text escapes control bytes, HTML
 * escapes markup and wraps code in <code>.  So the words, the numbers and
 * which parts are shown are decided here, and the layout (headings, tables,
 * indentation) by the renderers.
 *
 * Also here: which threads a report shows as one entry (identical stacks
 * folded, facts_thread_groups()).
 *
 * Every function that takes a sink accepts NULL for it: it then writes
 * nothing and only answers whether it has something to say (1) or not (0),
 * so a renderer can open a paragraph only when there is one.  The caller
 * keeps ownership of everything passed.  Thread-safe for distinct sinks.
 */
#ifndef BBX_REPORT_FACTS_H
#define BBX_REPORT_FACTS_H

#include <stddef.h>
#include <stdint.h>

#include "lock_graph.h"
#include "snap_reader.h"
#include "symbolizer.h"

typedef enum facts_piece {
    FACTS_WORDS, /* bbx's own words and numbers (plain ASCII) */
    FACTS_DATA,  /* a string from the snapshot or a debug file: escape it */
    FACTS_CODE,  /* a name of code, an address (from a file: escape it) */
    FACTS_ALARM, /* what went wrong: "SIGSEGV", "(crashed)" */
    FACTS_TID,   /* one thread id in the list of a folded entry */
    FACTS_NEXT,  /* the fact goes on on its next line (text: a new line,
                    indented; HTML: a separator); s is "" */
} facts_piece;

typedef struct facts_sink {
    void (*put)(void *ctx, facts_piece kind, const char *s, size_t n);
    void *ctx;
} facts_sink;

/* ---- process ---------------------------------------------------------- */

/* Arguments separated by NUL (a missing last NUL tolerated) as one line,
 * each quoted with ' when it would not read back as one word. */
void facts_args(const facts_sink *k, const char *args, size_t len);
/* "APP (pid P, ppid Q, uid U)" */
void facts_app(const facts_sink *k, const snap_process *p);
/* "TIME (process started START, up S.mmm s)", "?" for no time. */
void facts_time(const facts_sink *k, const snap_process *p);
/* "HOST, kernel K (ARCH)" */
void facts_host(const facts_sink *k, const snap_process *p);
/* "MAJOR.MINOR, collector VERSION" */
void facts_format(const facts_sink *k, const snap *s);
/* "rss R kB, vm V kB, peak rss P kB" */
void facts_memory(const facts_sink *k, const snap_process *p);
/* "N threads not captured (over BBX_MAX_THREADS; M written)"; 0 when the
 * capture left none out. */
int facts_threads_omitted(const facts_sink *k, const snap *s);
/* The name of redacted part `bit` (bit < 64): a redaction name, or "bit N"
 * (into gen[16]). */
const char *facts_redacted_part(unsigned bit, char gen[16]);
/* A resource limit's name, or its number (into gen[24]). */
const char *facts_rlimit_name(const snap_rlimit *rl, char gen[24]);
/* "CUR / MAX", each a number or "unlimited". */
void facts_rlimit_values(const facts_sink *k, const snap_rlimit *rl);
/* 1 when a limit value means "unlimited". */
int facts_unlimited(uint64_t v);

/* ---- trigger ---------------------------------------------------------- */

/* Why the snapshot was taken: "signal 11 (SIGSEGV), code 1 (SEGV_MAPERR),
 * fault addr 0x1c" NEXT "in thread 42 "name"" [NEXT "sent by pid ..."]
 * [NEXT "reason: ..."]; "requested: REASON (thread N)"; "on demand: signal
 * ..."; "unknown (no trigger record)". */
void facts_trigger(const facts_sink *k, const snap *s);
/* "busy", "blocked" or NULL (SNAP_HUNG_*). */
const char *facts_hung_state_name(uint64_t state);
/* "8.0 s" */
void facts_seconds(const facts_sink *k, facts_piece kind, uint64_t ms);

/* ---- threads ---------------------------------------------------------- */

/* "thread N "NAME" (crashed) (bbx's collector thread)" */
void facts_thread_who(const facts_sink *k, const snap_thread *t);
/* ", state S, STATUS, in signal N (NAME)": what a folded entry's threads
 * have in common besides their stack. */
void facts_thread_how(const facts_sink *k, const snap_thread *t);
/* How the stack was obtained: "saved at blocking call entry (not
 * interrupted)", ...; 0 when there is nothing to say (the thread unwound
 * itself, fresh). */
int facts_stack_method(const facts_sink *k, const snap_thread *t);
/* "wchan W, syscall N, pc 0x..."; 0 when the kernel said nothing. */
int facts_kernel(const facts_sink *k, const snap_thread *t);
/* The name of register i of the snapshot's architecture ("r<i>" into
 * gen[24] when it has none). */
const char *facts_reg_name(const snap *s, size_t i, char gen[24]);

/* ---- locks -------------------------------------------------------------- */

/* What the holder of a mutex is doing (facts_lock_owner()). */
typedef enum facts_owner_state {
    FACTS_OWNER_MISSING,  /* not in the snapshot */
    FACTS_OWNER_ON_MUTEX, /* blocked on a mutex itself */
    FACTS_OWNER_BLOCKED,  /* blocked in a system call */
    FACTS_OWNER_STOPPED,  /* stopped, traced or a zombie */
    FACTS_OWNER_RUNNING,  /* in user space, or running in the kernel */
} facts_owner_state;

typedef struct facts_owner {
    const snap_thread *thread; /* NULL: not in the snapshot */
    facts_owner_state state;
    const char *call;          /* FACTS_OWNER_BLOCKED: the call's name, or NULL */
    size_t frame;              /* its innermost frame in the program's own code
                                  (outside libc, the loader, libstdc++,
                                  sanitizer runtimes and bbx), or n_frames */
} facts_owner;

/* The owner of the mutex thread t waits for; 0 when t records none. */
int facts_lock_owner(const snap *s, const snap_thread *t, facts_owner *o);
/* The owner state's name for JSON: "missing", "mutex", "blocked",
 * "stopped", "running". */
const char *facts_owner_state_name(facts_owner_state st);
/* "blocked on mutex 0x... held by thread N "NAME", which is blocked in
 * read() at fn (file.c:23)"; 0 when the thread waits for no known owner. */
int facts_thread_lock(const facts_sink *k, const snap *s, const snap_thread *t,
                      sym_session *ss);
/* Cycle `c` of the wait-for graph e[] as one sentence: "thread A "x" holds
 * mutex 0x.. and waits for mutex 0x.. held by thread B "y", which waits for
 * mutex 0x.. held by thread A". */
void facts_deadlock(const facts_sink *k, const snap *s, const lock_edge *e,
                    const lock_cycles *cs, const lock_cycle *c);
/* Every deadlock of the snapshot, NEXT between them; 0 when there is none
 * (or memory ran out). */
int facts_deadlocks(const facts_sink *k, const snap *s);

/* ---- code sites --------------------------------------------------------- */

/* "module+0xoff" (basename of the module), or "0xpc" outside every module. */
void facts_module_offset(const facts_sink *k, const snap_module *m, uint64_t pc);
/* "fn (file.c:88)" for the code at pc, or module+offset without symbols.
 * `is_return`: pc follows a call. */
void facts_site(const facts_sink *k, const snap *s, uint64_t pc, int is_return,
                sym_session *ss);
/* "created by socket() in f (file.c:12), thread N, start routine g", or
 * "origin unknown (open before tracking started)".  The site is the first
 * frame in the program's own code (app_frames.h, default rules), followed
 * by the library call it went through: "in on_tick (app.c:43) via
 * g_socket_new"; the innermost frame when no frame is the program's. */
void facts_origin(const facts_sink *k, const snap *s, const snap_origin *o, sym_session *ss);
/* The site part of facts_origin(): "f (file.c:12) via g", or "?" without
 * frames. */
void facts_origin_site(const facts_sink *k, const snap *s, const snap_origin *o,
                       sym_session *ss);

/* One row of a backtrace: frame `index`, inline level `level` of `n_levels`
 * (0 the innermost; n_levels is 1 and sym NULL without symbols). */
typedef struct facts_frame {
    size_t index, level, n_levels;
    uint64_t pc;
    const snap_module *module; /* NULL: outside every module */
    const sym_frame *sym;      /* NULL: not symbolized */
} facts_frame;
/* Call fn for every row of thread t's backtrace, innermost first. */
void facts_each_frame(const snap *s, const snap_thread *t, sym_session *ss,
                      void (*fn)(void *ctx, const facts_frame *f), void *ctx);
/* "fn+0xoff" of a symbolized row ("??" for an unknown name). */
void facts_frame_function(const facts_sink *k, const sym_frame *f);
/* "file:line[:column]"; 0 when the row has no source file. */
int facts_frame_source(const facts_sink *k, const sym_frame *f);

/* ---- fds, children, modules, capture ------------------------------------ */

/* "AF_INET SOCK_STREAM proto 6 LOCAL -> PEER" */
void facts_socket(const facts_sink *k, const snap_fd *d);
/* "N (Z zombies, exited but not reaped)"; 0 when there are no children. */
int facts_children(const facts_sink *k, const snap *s);
/* A child's command line, or "[comm]" when it has none. */
void facts_child_command(const facts_sink *k, const snap_child *c);
/* The build-id in hex, or "-". */
void facts_build_id(const facts_sink *k, const snap_module *m);
/* "D.ddd ms, T threads (U unwound), F fds, M modules" */
void facts_capture(const facts_sink *k, const snap *s);
/* "threads T.ttt ms, fds F.fff ms" */
void facts_phases(const facts_sink *k, const snap_capture *c);
/* " fds threads": what was tracked (a leading space per part). */
void facts_tracked(const facts_sink *k, const snap_capture *c);
/* " fds threads, N origins, L creations not recorded, C children"; 0 when
 * the snapshot says nothing about tracking. */
int facts_tracking(const facts_sink *k, const snap *s);
/* "U unknown records skipped, M malformed, D items over the limit
 * dropped"; 0 when the reader skipped nothing (the words are written all
 * the same when k is given). */
int facts_reader(const facts_sink *k, const snap *s);

/* ---- symbols ------------------------------------------------------------ */

/* The symbolizer's notes on the modules it read (a debug file not found,
 * ...), each a DATA piece, NEXT between them; 0 when there are none. */
int facts_symbol_notes(const facts_sink *k, sym_session *ss);

/* ---- folded stacks ------------------------------------------------------ */

/* One entry of a report's thread list: the threads it stands for, indices
 * into s->threads in file order. */
typedef struct facts_group {
    const size_t *members;
    size_t n;
} facts_group;

typedef struct facts_groups {
    facts_group *groups;
    size_t n;
    size_t *index_; /* the members of every group, in one array */
} facts_groups;

/* The entries of a report's thread list: the thread that triggered the
 * snapshot first and alone, then the others in file order, where threads
 * that would read the same but for their id and name share one entry:
 * the same frames (pcs; in one process the same module+offset), cut or
 * not alike, the same state, status, signal, stack method, kernel wait and
 * creation site.  A thread with registers stands alone.  `all_threads`:
 * every thread its own entry.  0, or -1 out of memory (g is then empty). */
int facts_thread_groups(facts_groups *g, const snap *s, int all_threads);
void facts_groups_release(facts_groups *g);
/* "N threads with this stack" */
void facts_group_title(const facts_sink *k, const facts_group *g);
/* "tids 101, 102, ... (all named "x")" or "tids 101 "a", 102 "b", ..." */
void facts_group_members(const facts_sink *k, const snap *s, const facts_group *g);

/* ---- memory and sampled heap (MEMORY, HEAP, HEAP_STACK) ----------------- */

/* "rss 130 MiB, pss 130 MiB, swap 0 KiB, address space 520 MiB; host
 * 24.0 GiB physical, 20.0 GiB available (figures 12 ms old at the capture)" */
int facts_mem_totals(const facts_sink *k, const snap *s);
/* "cgroup /app.scope: 138 MiB used of 200 MiB (69%), 1 OOM kill, limit hit
 * 1 time" */
int facts_mem_cgroup(const facts_sink *k, const snap *s);
/* "131 MiB in use, 0 KiB free; arena 131 MiB, mmapped 0 KiB" */
int facts_mem_malloc(const facts_sink *k, const snap *s);
/* "sampled every 512 KiB allocated: about 18.7 MiB live in 198 allocations,
 * ... since tracking started; 12 of 34 samples live, 2 stacks" */
int facts_heap(const facts_sink *k, const snap *s);
/* Where a heap stack allocated: facts_origin_site() of its frames. */
void facts_heap_site(const facts_sink *k, const snap *s, const snap_heap_stack *h,
                     sym_session *ss);

#endif
