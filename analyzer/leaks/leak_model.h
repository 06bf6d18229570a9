/*
 * leak_model.h - a leak report in memory: what `bbx leaks` computes from a
 * snapshot series and prints, and what `bbx diff` compares (read back from
 * the JSON of `bbx leaks`, or computed from two snapshot sets).
 *
 * The JSON form (docs/JSON.md, "bbx leaks --json") is the one to one
 * image of these structures; field names match.
 *
 * Ownership: a leak_report owns every string and array in it; free it with
 * leak_report_free().  Not thread-safe; not async-signal-safe.
 */
#ifndef BBX_LEAK_MODEL_H
#define BBX_LEAK_MODEL_H

#include <stddef.h>
#include <stdint.h>

/* One frame of a creation stack, symbolized.  Any string may be NULL when
 * unknown; line is 0 when unknown. */
typedef struct leak_frame {
    char *function;  /* DWARF or symbol-table name, demangled */
    char *file;      /* source file as the debug info names it */
    uint64_t line;
    char *module;    /* base name of the module ("leaker", "libc.so.6") */
} leak_frame;

typedef struct leak_group {
    char *resource;         /* "fd", "thread" or "child" */
    char *kind;             /* fd kind ("socket", "file", ...), "thread",
                               or child state ("zombie", "running") */
    uint64_t count;         /* live at the last snapshot */
    double growth_per_min;  /* least-squares slope of count over time */
    uint64_t first_seen_ms; /* Unix ms of the first snapshot it appears in */
    uint64_t last_seen_ms;  /* ... and the last */
    leak_frame *origin;     /* creation stack, innermost first; for threads
                               the creating stack (start routine in `name`) */
    size_t n_origin;
    size_t app_frame;       /* index into origin of the first frame in the
                               program's own code (app_frames.h); SIZE_MAX
                               when none is (or not known) */
    char *name;             /* threads: start routine and thread name;
                               children: command; else NULL */
    char **examples;        /* a few example targets ("socket:[123] 10.0.0.1:80") */
    size_t n_examples;
    char *confidence;       /* "high", "medium" or "low" */
    char *why;              /* one sentence: why it is a suspect */
    char *signature;        /* stable across rebuilds: leak_signature() */
    /* memory and heap groups (resource "memory", "heap"): */
    char *unit;             /* "KiB" (count and growth are in it), else NULL */
    char *limit;            /* the limit it runs into ("cgroup limit"), or NULL */
    uint64_t limit_bytes;   /* that limit */
    double limit_minutes;   /* minutes to reach it at this rate; < 0: unknown */
} leak_group;

/*
 * A process that vanished: its series ends with neither an exit nor a
 * crash snapshot and it is not running any more (on this host: its pid is
 * gone, or taken by another process), or that cannot be told (the
 * snapshots come from another host).  Evidence: the cgroup's oom_kill
 * count rising, memory near a limit in the last snapshot, a "memory"
 * (watermark) snapshot, the memory trend.
 */
typedef struct leak_vanished {
    char *verdict;          /* "gone", or "unknown" (another host) */
    char *cause;            /* "oom-kill", "memory-limit", or NULL (no evidence) */
    uint64_t last_ms;       /* the last snapshot's time */
    char *text;             /* the verdict in one sentence */
    char **evidence;        /* each piece of evidence, a clause */
    size_t n_evidence;
} leak_vanished;

/*
 * A freeze: a watched thread away from its event loop for longer than its
 * limit, as the hang watchdog's snapshots tell it (a HANG snapshot when it
 * was seen, a HANG_END one when it came back; docs/FORMAT.md).  A HANG_END
 * gives the whole length (over = 1); a HANG with no HANG_END after it in
 * the series gives how long it had lasted when it was seen (over = 0: at
 * least that long, still frozen at its last snapshot as far as the series
 * tells).
 */
typedef struct leak_freeze {
    uint64_t tid;           /* the watched thread */
    char *thread;           /* its name when the watchdog saw it, may be NULL */
    uint64_t start_ms;      /* Unix ms it left its event loop: capture time
                               of the snapshot less the time it was away */
    uint64_t duration_ms;   /* the whole freeze (over), else at least this */
    uint64_t cpu_ms;        /* CPU time it used meanwhile */
    char *state;            /* "busy" or "blocked"; NULL unknown */
    uint64_t limit_ms;      /* its limit; 0 unknown */
    int over;               /* 1: it came back (a HANG_END snapshot) */
} leak_freeze;

/*
 * What the programs the process launched did, as the last snapshot of the
 * series with a story to tell says it (launch_facts.h: a helper not found
 * in PATH, exiting non-zero N times, killed by a signal, blocked writing
 * into a pipe the process does not read, children left running at exit).
 * The launch table of a snapshot holds the process's last 128 launches, so
 * the last snapshot tells the whole series.
 */
typedef struct leak_launch {
    char *kind;             /* "not_found", "failed", "exit_status", "signaled",
                               "blocked_pipe", "left_running" */
    char *text;             /* the story in one sentence, as bbx show tells it */
    uint64_t count;         /* launches it covers (left_running: children) */
    char *function, *file;  /* the launching site in the program's own code,
                               NULL unknown */
    uint64_t line;          /* 0 unknown */
} leak_launch;

void leak_launches_free(leak_launch *v, size_t n);

typedef struct leak_report {
    char *app;              /* application name of the series, may be NULL */
    uint64_t pid;
    char *exe;              /* its executable, may be NULL (not in the JSON
                               of one process) */
    uint64_t start_ms;      /* its start, Unix ms; 0 unknown (idem) */
    size_t n_snapshots;
    uint64_t first_ms, last_ms;
    leak_group *leaks;      /* suspects, most important first */
    size_t n_leaks;
    leak_freeze *freezes;   /* by start time; not read back from JSON */
    size_t n_freezes;
    size_t n_toolkit;       /* still open at exit but not counted: created
                               by a toolkit (--toolkit-rules) */
    size_t n_suppressed;    /* suspects taken out by --suppress rules */
    leak_vanished *vanished; /* NULL: ended with exit or crash, still running,
                               or not judged (not read back from JSON) */
    leak_launch *launches;  /* the launch stories (not read back from JSON) */
    size_t n_launches;
} leak_report;

void leak_vanished_free(leak_vanished *v);

void leak_report_free(leak_report *r);

/* Free what group g owns (not g itself). */
void leak_group_release(leak_group *g);

/*
 * Where the program created g's resources, in one line: the first frame in
 * the program's own code, then the library call it went through:
 *   "on_tick (gtk_app.c:412) via g_socket_new [libgio-2.0.so.0.7400.6]"
 * ("fn (file:line)" when the program called the creating function itself;
 * "fn [module]" for a frame without a source line).  Without a frame of
 * the program's own: the innermost frame and "(no frame in the program's
 * own code)".  A malloc'd string, or NULL: no origin (or no memory).
 */
char *leak_group_site(const leak_group *g);

/*
 * The signature of a group: resource, kind, name (digits dropped) and, for
 * each origin frame, function name and the base name of its file (module
 * base name when the function is unknown); never addresses or line numbers,
 * so that it survives a rebuild.  Returns a malloc'd string or NULL (no
 * memory).
 */
char *leak_signature(const leak_group *g);

/* The parts of a signature, for the suppression matcher too.
 * leak_function_key_len: length of the function name without the suffixes
 *   compilers add to clones and split parts (".constprop.0", ".isra.0",
 *   ".part.1", ".cold", " [clone .constprop.0]", ...).
 * leak_module_key_len: length of module up to the end of its base name
 *   without the version after ".so" ("/lib/libz.so.1.3" -> "/lib/libz.so"). */
size_t leak_function_key_len(const char *fn);
size_t leak_module_key_len(const char *module);

#endif
