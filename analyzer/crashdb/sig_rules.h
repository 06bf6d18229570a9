/*
 * sig_rules.h - the rules that say which frames of a crashing stack make
 * its signature: frames skipped at the top, frames kept only as a prefix,
 * and how many frames are taken.
 *
 * Syntax (docs/FORMAT.md, "Crash signature rules"): one rule a line; '#'
 * starts a comment (at the start of a line or after white space); blank
 * lines are skipped.  A rule is a keyword and one argument:
 *   skip GLOB         a frame whose normalized function matches is dropped
 *                     while no frame has been kept yet (the frames that
 *                     only say how the program died: abort, raise, ...)
 *   skip-module GLOB  the same for a frame whose module's base name matches
 *                     (bbx's own library)
 *   prefix GLOB       a frame whose function matches is kept but does not
 *                     count toward the frames taken (memcpy, strlen, ...)
 *   root GLOB         a frame whose function matches ends the signature: it
 *                     and the frames below it are left out (where processes
 *                     and threads start: _start, __libc_start_main,
 *                     start_thread, clone3; they differ between C libraries)
 *   frames N          how many frames are taken after the skipped ones,
 *                     prefix frames not counted (1..SIG_RULES_MAX_FRAMES;
 *                     default SIG_RULES_DEFAULT_FRAMES; the last one read
 *                     wins)
 * GLOB is an fnmatch(3) pattern without flags, matched against the whole
 * normalized name (sig_normalize.h) or module base name.  Loading several
 * files adds their rules together: a user's file extends the shipped one.
 *
 * The shipped rules (signature.rules) are looked for beside the running
 * executable (the build tree), then in ../share/bbx/ from it (an installed
 * tree), then in the data directory bbx was configured with, as `bbx
 * leaks` finds toolkits.supp.
 *
 * Ownership: a sig_rules owns its patterns; sig_rules_free(NULL) is a no-op.
 * Thread-safe once loaded (matching writes nothing); not async-signal-safe.
 */
#ifndef BBX_SIG_RULES_H
#define BBX_SIG_RULES_H

#include <stddef.h>

#define SIG_RULES_DEFAULT_FRAMES 5
#define SIG_RULES_MAX_FRAMES 64
#define SIG_RULES_MAX_BYTES ((size_t)1 << 20) /* larger files are refused */
#define SIG_RULES_MAX_LINE 1024               /* so are longer lines */
#define SIG_RULES_FILE_NAME "signature.rules"

typedef enum sig_rule_kind {
    SIG_RULE_SKIP,
    SIG_RULE_SKIP_MODULE,
    SIG_RULE_PREFIX,
    SIG_RULE_ROOT,
} sig_rule_kind;

typedef struct sig_rule {
    sig_rule_kind kind;
    char *pattern;
} sig_rule;

typedef struct sig_rules {
    sig_rule *v;
    size_t n, cap;
    unsigned frames; /* N */
} sig_rules;

/* A rule set with no rules and frames = SIG_RULES_DEFAULT_FRAMES; NULL
 * when out of memory. */
sig_rules *sig_rules_new(void);
void sig_rules_free(sig_rules *r);

/* Add the rules of text[len]; `where` names it in messages ("FILE").  0, or
 * -1 with "WHERE:LINE: what is wrong" in err[errlen] (then nothing of this
 * text is added). */
int sig_rules_parse(sig_rules *r, const char *text, size_t len, const char *where,
                    char *err, size_t errlen);

/* sig_rules_parse() of the file at path (a regular file, never waited on).
 * 0, or -1 with "PATH: why" or "PATH:LINE: what" in err[errlen]. */
int sig_rules_load(sig_rules *r, const char *path, char *err, size_t errlen);

/* The path of the shipped rules into buf[len], or NULL when none is found. */
const char *sig_rules_shipped_path(char *buf, size_t len);

/* 1 when a rule of `kind` matches `name` (a normalized function, or a
 * module's base name for SIG_RULE_SKIP_MODULE); NULL never matches. */
int sig_rules_match(const sig_rules *r, sig_rule_kind kind, const char *name);

#endif
