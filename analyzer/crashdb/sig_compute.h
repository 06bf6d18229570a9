/*
 * sig_compute.h - the signature of a crash: the readable text that groups
 * crashes ("stack-overflow: recurse | recurse | recurse | recurse | main")
 * and its short stable id, from the deciding thread's symbolized frames
 * and the snapshot's kind facts.
 *
 * The signature (docs/FORMAT.md, "Crash signatures"):
 *  1. frames innermost first, each inlined call its own frame;
 *  2. from the top, frames matching a skip or skip-module rule are dropped
 *     until the first frame of interest (sig_rules.h); so are frames
 *     without a name followed, through more of them of the same module, by
 *     a dropped frame of that module (libstdc++'s terminate handler when
 *     its symbols are not installed, under std::terminate);
 *  3. from there frames are taken until `frames` (N, default 5) of them
 *     count; a frame matching a prefix rule is taken but does not count;
 *  4. each frame is its normalized function (sig_normalize.h), or without
 *     one its module's base name and then its offset in the module
 *     ("libfoo.so+0x1a2b"), or "?" when the module is unknown too;
 *  5. frames are joined with " | "; no frame left gives "(no frames)";
 *  6. the kind's prefix goes first: "abort: ", "hang: ", "oom: ",
 *     "stack-overflow: ", "request: ", "snapshot: "; a plain crash by
 *     SIGSEGV (or SIGABRT without a message) has none, one by another
 *     signal has the signal's name ("SIGFPE: ", "SIGBUS: ", "signal 40: ").
 * The id is the first SIG_ID_LEN hex digits of the 64-bit FNV-1a hash of
 * the signature text (hash_fnv.h), as "%016" PRIx64 prints it: the same
 * text gives the same id on every machine and in every version of bbx.
 *
 * The kind (sig_kind_of): a hang trigger is a hang; out-of-memory when the
 * facts say so; a SIGSEGV or SIGBUS whose fault address lies within
 * SIG_STACK_NEAR bytes below the stack pointer (or SIG_STACK_ABOVE above
 * it) is a stack overflow; a SIGABRT with a message is an abort (the message
 * itself is not part of the signature: it holds values that differ from
 * one run to the next); any other crash is a crash; a request or the
 * on-demand signal is a request; periodic and exit snapshots are
 * "snapshot".
 *
 * Thread-safe (nothing shared is written) except sig_input_from_snap (its
 * session); not async-signal-safe.
 */
#ifndef BBX_SIG_COMPUTE_H
#define BBX_SIG_COMPUTE_H

#include <stddef.h>
#include <stdint.h>

#include "sig_rules.h"
#include "snap_reader.h"
#include "symbolizer.h"

#define SIG_ID_LEN 12
#define SIG_TEXT_MAX 2048 /* longer signatures are cut (the id hashes the cut text) */
#define SIG_STACK_NEAR ((uint64_t)64 << 10)
#define SIG_STACK_ABOVE ((uint64_t)256)

typedef enum sig_kind {
    SIG_KIND_CRASH,
    SIG_KIND_ABORT,
    SIG_KIND_HANG,
    SIG_KIND_OOM,
    SIG_KIND_STACK_OVERFLOW,
    SIG_KIND_REQUEST,
    SIG_KIND_SNAPSHOT,
} sig_kind;

/* What the snapshot says about how the process stopped. */
typedef struct sig_facts {
    uint64_t trigger;          /* SNAP_TRIGGER_* */
    uint64_t signal;           /* the fatal signal, 0 none */
    uint64_t fault_addr, sp;   /* si_addr, and the crashing thread's stack pointer */
    int has_fault_addr, has_sp;
    const char *abort_message; /* an abort's message (assertion text), NULL none */
    int oom;                   /* the process ran out of memory (an OOM kill, an
                                  allocation failure it reported) */
    int has_kind;              /* the kind is known already (a stored stack's): */
    int kind;                  /* a sig_kind, used as it is */
} sig_facts;

/* One frame of the deciding thread, innermost first. */
typedef struct sig_frame {
    const char *function;      /* as symbolized (mangled or not), NULL unknown */
    const char *module;        /* the module's path or name, NULL unknown */
    uint64_t offset;           /* address in the module (pc - load bias) */
    int has_offset;
} sig_frame;

typedef struct sig_input {
    const sig_frame *frames;   /* the caller's */
    size_t n_frames;
    sig_facts facts;
} sig_input;

typedef struct sig_result {
    sig_kind kind;
    char text[SIG_TEXT_MAX];
    char id[SIG_ID_LEN + 1];
    size_t skipped;            /* frames dropped at the top */
    size_t used;               /* frames in the signature (prefix ones included) */
    /* What a stored stack keeps to be signed again as now (sig_facts_of_
     * stack_kind): the kind's name, or for a plain crash by a signal other
     * than SIGSEGV the signal's ("SIGFPE", "signal 40"). */
    char stack_kind[32];
} sig_result;

/* 1 when a crash says the process ran out of memory: its reason (an
 * abort's message, NULL none) says so ("out of memory", "failed to
 * allocate", "Cannot allocate memory", "bad_alloc", "memory allocation of
 * N bytes failed"), or a frame is where a C++ or Rust allocation failure
 * is raised (std::__throw_bad_alloc, std::__throw_bad_array_new_length,
 * handle_alloc_error, rust_oom). */
int sig_oom_evidence(const char *reason, const sig_frame *frames, size_t n);

/* The kind the facts tell (rules above). */
sig_kind sig_kind_of(const sig_facts *f);

/* "crash", "abort", "hang", "oom", "stack-overflow", "request", "snapshot". */
const char *sig_kind_name(sig_kind k);
/* The kind of such a name; -1 for another. */
int sig_kind_from_name(const char *name);
/* The facts that sign a stored stack of stack_kind (sig_result.stack_kind)
 * as it was signed: has_kind and the kind, and for a signal's name a crash
 * by that signal.  Another word (or NULL) is a plain crash. */
void sig_facts_of_stack_kind(const char *stack_kind, sig_facts *f);

/* The signature of `in` under rules r into *out (every field set).  r NULL:
 * no rules and N = SIG_RULES_DEFAULT_FRAMES. */
void sig_compute(const sig_rules *r, const sig_input *in, sig_result *out);

/* The frames of `in` from the first of interest on (the skip rules as in
 * sig_compute), at most max of them, normalized and joined with " | ",
 * into out[len]: how a stack variant of a group reads. */
void sig_variant_text(const sig_rules *r, const sig_input *in, size_t max, char *out,
                      size_t len);

/* The id of a signature text into id[SIG_ID_LEN + 1]. */
void sig_id(const char *text, char id[SIG_ID_LEN + 1]);

/*
 * The input for snapshot s: the frames of its deciding thread (the crashing
 * one; for a hang the stuck one; for a request the requesting one:
 * snap_trigger_thread), symbolized through ss (NULL: none), each inlined
 * call its own frame, and the facts of its trigger (an abort's message is
 * the trigger's REASON; the stack pointer is read on x86_64; out of memory
 * when sig_oom_evidence() says so).  The frames
 * are malloc'd into *frames (free() them; names belong to ss and s, which
 * must outlive in).  0, or -1 when out of memory.
 */
int sig_input_from_snap(sym_session *ss, const snap *s, sig_input *in, sig_frame **frames);

#endif
