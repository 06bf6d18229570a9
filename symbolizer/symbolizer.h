/*
 * symbolizer.h - module + address -> function, file:line:column and the
 * chain of inlined calls, on elfutils libdwfl/libdw.
 *
 * A session (sym_session_new/sym_session_free) owns everything: the modules
 * it was asked about (one libdwfl session each, opened once), the per
 * compilation-unit indexes built on first use (sorted ranges of functions
 * and inlined calls, so a lookup is a binary search and a short descent,
 * not a walk of the DIE tree), and a cache of results keyed by (build-id,
 * address).  Nothing of ELF or DWARF is parsed here by hand.
 *
 * Finding a module's code and debug information, in order:
 *  1. the path the snapshot recorded, if its build-id matches;
 *  2. under each debug directory (--debug-dir, BBX_DEBUG_PATH, then
 *     /usr/lib/debug): DIR/.build-id/xx/rest (the executable) and
 *     DIR/.build-id/xx/rest.debug;
 *  3. debuginfod, when DEBUGINFOD_URLS names servers (sym_debuginfod.c).
 * Separate debug information is then found by libdwfl from the build-id,
 * the .gnu_debuglink section and the same directories, and last from
 * debuginfod.  A file whose build-id differs from the expected one is never
 * used.
 *
 * debuginfod: the session owns one libdebuginfod client and asks only it
 * (libdwfl's own requests are turned off).  All the servers not yet given up
 * are asked together, as libdebuginfod does; the whole session waits for
 * them at most debuginfod_ms in total (a request that started is cut at a
 * whole second, so by up to about 2 s more); servers that timed out or could
 * not be reached are not asked again by this session; and the module's note
 * says what happened ("debuginfod: timed out after 2 s (server URL)").
 * DEBUGINFOD_CACHE_PATH, DEBUGINFOD_TIMEOUT, DEBUGINFOD_VERBOSE and the other
 * variables of libdebuginfod keep their meaning; DEBUGINFOD_MAXTIME is
 * honoured when it is shorter than what is left.  While a request runs,
 * DEBUGINFOD_URLS and DEBUGINFOD_MAXTIME of the process environment hold the
 * servers and time of that request (libdebuginfod reads nothing else); they
 * are put back before any sym_ function returns.
 *
 * Ownership: strings returned in frames and notes belong to the session and
 * live until sym_session_free().  Not thread-safe: one session per thread.
 */
#ifndef BBX_SYMBOLIZER_H
#define BBX_SYMBOLIZER_H

#include <stddef.h>
#include <stdint.h>

typedef struct sym_session sym_session;
typedef struct sym_module sym_module;

/* The whole session's time for debuginfod when sym_options says 0. */
#define SYM_DEBUGINFOD_DEFAULT_MS 5000

/* A debuginfod request that is running, as told to the progress callback. */
typedef struct sym_debuginfod_progress {
    const char *module;   /* base name of the module */
    const char *what;     /* "debuginfo" or "executable" */
    const char *servers;  /* the URLs asked, space-separated */
    double seconds;       /* since the request started */
    long bytes, total;    /* downloaded so far and size; -1 until known */
    int done;             /* 1: the last call for this request */
} sym_debuginfod_progress;

typedef struct sym_options {
    const char *const *debug_dirs; /* searched first, in order; may be NULL */
    size_t n_debug_dirs;
    int use_env;                   /* also BBX_DEBUG_PATH (colon-separated) */
    int no_demangle;               /* keep C++ names as linkage names */
    /* Most milliseconds the session spends on debuginfod, all requests
     * together; 0: SYM_DEBUGINFOD_DEFAULT_MS; negative: never asked. */
    int debuginfod_ms;
    /* Called about once a second while a debuginfod request runs, and once
     * with done = 1 when it ends; may be NULL.  The symbolizer prints
     * nothing itself. */
    void (*debuginfod_progress)(void *arg, const sym_debuginfod_progress *p);
    void *debuginfod_progress_arg;
} sym_options;

/* One frame of a lookup: the innermost first; every frame but the last is
 * an inlined call inside the next one. */
typedef struct sym_frame {
    const char *function;  /* NULL when unknown */
    const char *file;      /* NULL when unknown */
    unsigned line, column; /* 0 when unknown */
    uint64_t offset;       /* address - function start (outermost frame) */
    int has_offset;
    int inlined;           /* 1: this call was inlined into the next frame */
    /* for an inlined frame: where it was called, in the next frame */
    const char *call_file;
    unsigned call_line, call_column;
    /* first frame only, when it is inlined: the ELF symbol at the address
     * (what eu-addr2line prints after "in"), or NULL */
    const char *symbol;
} sym_frame;

/* A new session; opt may be NULL (no extra dirs, environment used).
 * Returns NULL only when out of memory. */
sym_session *sym_session_new(const sym_options *opt);
void sym_session_free(sym_session *s); /* NULL is a no-op */

/*
 * The module for `path` with the expected build-id (NULL/0 when unknown:
 * then the file at path is taken as it is).  The same (build-id, or path
 * when there is none) returns the same module; asked again under another
 * path after it could not be found, it tries that path too.  Opening is
 * lazy: the first lookup finds the files.  Never NULL except out of memory.
 */
sym_module *sym_module_get(sym_session *s, const char *path, const uint8_t *build_id,
                           size_t build_id_len);

/*
 * A module whose ELF image the caller holds in memory (the vDSO, which a
 * snapshot carries because no file does): looked up in that image only,
 * never in a file of that name nor in the vDSO of the machine bbx runs on.
 * Separate debug information is looked for by build-id as for any module.
 * `image` (image_len bytes) is copied.  The same build-id returns the same
 * module (without one: the same name and the same bytes); a module of that
 * build-id first asked for with sym_module_get_absent() gets the image.  An
 * image that is not ELF, or whose build-id is not `build_id`, is not used
 * (the note says so).  Never NULL except out of memory.
 */
sym_module *sym_module_get_image(sym_session *s, const char *name, const uint8_t *build_id,
                                 size_t build_id_len, const void *image, size_t image_len);

/*
 * A module the caller knows cannot be symbolized (a pseudo-module whose
 * bytes nobody kept): lookups answer nothing and `note` (copied) is its
 * note.  Keyed as above, without one by name; a module of that build-id
 * that has an image is returned as it is.  Never NULL except out of memory.
 */
sym_module *sym_module_get_absent(sym_session *s, const char *name, const uint8_t *build_id,
                                  size_t build_id_len, const char *note);

/*
 * Symbolize `addr`, an ELF virtual address of the module (snapshot pc minus
 * load bias).  `is_return_address`: the address follows a call (every frame
 * but a stack's first), so it is looked up at addr - 1 and the line is the
 * call's.  Stores a pointer to the frames (innermost first) in *frames and
 * returns their number, or 0 when nothing is known (module not found,
 * address outside it).  The frames stay valid until sym_session_free().
 */
size_t sym_lookup(sym_session *s, sym_module *m, uint64_t addr, int is_return_address,
                  const sym_frame **frames);

/*
 * What is missing for this module, once it has been looked at: NULL when
 * it has DWARF, else one line such as "no debug info for libfoo.so
 * (build-id 1a2b...): looked in ...; ELF symbols only", or "build-id
 * mismatch: ...; not symbolized".  When debuginfod was given up on for
 * this module the note ends with why: "debuginfod: timed out after 2 s
 * (server URL); not asked again in this run", or "debuginfod: not asked
 * (server URL timed out earlier in this run)".
 */
const char *sym_module_note(const sym_module *m);

/* 1 when the module's code or symbols were found (lookups can answer). */
int sym_module_usable(sym_module *m);

/* The module's path as given, and its file actually used (or NULL). */
const char *sym_module_path(const sym_module *m);
const char *sym_module_file(const sym_module *m);

/* Every module of the session, in the order they were first asked for. */
size_t sym_session_modules(const sym_session *s, sym_module *const **mods);

/*
 * A C++ (or legacy Rust) linkage name "_Z..." demangled by the C++ runtime's
 * __cxa_demangle, as lookups do: a malloc'd string the caller frees, or NULL
 * when name is not mangled, does not demangle, or no C++ runtime is there.
 * No session needed; thread-safe once the runtime is loaded.
 */
char *sym_demangle_alloc(const char *name);

#endif
