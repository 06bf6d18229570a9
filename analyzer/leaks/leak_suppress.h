/*
 * leak_suppress.h - suppression files for `bbx diff`: rules that take leak
 * groups out of the comparison, in the spirit of LeakSanitizer's
 * "leak:PATTERN" lines and goleak's IgnoreTopFunction/IgnoreAnyFunction.
 *
 * Syntax (docs/FORMAT.md, "Suppression files"): one rule a line; '#'
 * starts a comment; blank lines are skipped.  A rule is one or more terms
 * FIELD:PATTERN separated by white space, and suppresses a group when every
 * term matches it.  FIELD is one of
 *   resource  the group's resource ("fd", "thread", "child", "x11", "memory",
 *             "heap")
 *   kind      its kind ("socket", "pipe", "zombie", ...)
 *   name      its name (thread start routine and name, child command);
 *             a group without one never matches
 *   function  any origin frame's function (clone suffixes dropped)
 *   top       the function of the innermost origin frame that is not in
 *             the C library, the dynamic loader or libbbx
 *   file      any origin frame's source file
 *   module    any origin frame's module
 *   leak      as LeakSanitizer: any frame's function, file or module
 *             contains PATTERN
 * PATTERN is a glob: '*' any run of characters, '?' one character, all
 * else literal; it matches the whole value.  For file and module, a
 * pattern without '/' is matched against the base name.
 *
 * Ownership: a leak_suppressions owns its rules; leak_suppress_free(NULL)
 * is a no-op.  Not thread-safe (matching counts hits); not
 * async-signal-safe.
 */
#ifndef BBX_LEAK_SUPPRESS_H
#define BBX_LEAK_SUPPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "leak_model.h"

/* Files larger than this are refused; so are longer lines. */
#define LEAK_SUPPRESS_MAX_BYTES ((size_t)1 << 20)
#define LEAK_SUPPRESS_MAX_LINE 4096

typedef enum leak_field {
    LEAK_FIELD_RESOURCE,
    LEAK_FIELD_KIND,
    LEAK_FIELD_NAME,
    LEAK_FIELD_FUNCTION,
    LEAK_FIELD_TOP,
    LEAK_FIELD_FILE,
    LEAK_FIELD_MODULE,
    LEAK_FIELD_LEAK,
} leak_field;

typedef struct leak_term {
    leak_field field;
    char *pattern;
} leak_term;

typedef struct leak_rule {
    leak_term *terms;   /* all must match */
    size_t n_terms;
    char *where;        /* "FILE:LINE" of the rule, for messages */
    uint64_t hits;      /* groups it suppressed so far */
} leak_rule;

typedef struct leak_suppressions {
    leak_rule *rules;
    size_t n_rules;
} leak_suppressions;

leak_suppressions *leak_suppress_new(void);
void leak_suppress_free(leak_suppressions *s);

/*
 * Add the rules in text (len bytes) to s; name is the file name used in
 * messages.  On a bad line: -1, nothing of this text added, and
 * "NAME:LINE: what is wrong" in err.  0 on success.
 */
int leak_suppress_parse(leak_suppressions *s, const char *text, size_t len,
                        const char *name, char *err, size_t errlen);

/* Read the file at path and add its rules.  -1 with the reason in err (the
 * path is in it), 0 on success. */
int leak_suppress_load(leak_suppressions *s, const char *path, char *err, size_t errlen);

/* The first rule that suppresses g (its hit count raised), or NULL. */
leak_rule *leak_suppress_match(leak_suppressions *s, const leak_group *g);

/* Glob match of the n bytes at s against pattern ('*' and '?'). */
int leak_glob_match(const char *pattern, const char *s, size_t n);

#endif
