/*
 * store_internal.h - what the crash store's files share: the handle, error
 * helpers, statements, the stored frames' text and the store's metadata.
 */
#ifndef BBX_STORE_INTERNAL_H
#define BBX_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store.h"

struct crash_store {
    sqlite3 *db;
    char *path;
};

/* err = the formatted message, one line. */
void store_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* err = "PATH: WHAT: sqlite's message" (a full disk said plainly); -1. */
int store_sql_err(crash_store *st, char *err, size_t errlen, const char *what);
int store_exec(crash_store *st, const char *sql, char *err, size_t errlen);
int store_prepare(crash_store *st, sqlite3_stmt **s, const char *sql, char *err,
                  size_t errlen);

/* store_meta: 1 found (*value malloc'd), 0 absent, -1 error. */
int store_meta_get(crash_store *st, const char *key, char **value);
int store_meta_set(crash_store *st, const char *key, const char *value);

/* A whole small text file (malloc'd), NULL with err. */
char *store_read_text_file(const char *path, char *err, size_t errlen);
/* The shipped signature.rules' text (malloc'd), NULL with err. */
char *store_shipped_rules(char *err, size_t errlen);
sig_rules *store_rules_parse(const char *text, const char *where, char *err, size_t errlen);

/*
 * The stored form of a stack (stack.frames): one line per frame of the
 * deciding thread, innermost first, each inlined call its own line, at
 * most STORE_FRAMES_MAX: "FUNCTION\tMODULE\tOFFSET" with the function as
 * symbolized ("" unknown), the module's base name ("" unknown) and the
 * offset in hex ("" unknown); tabs and newlines in names become '?'.
 */
char *store_frames_text(const sig_frame *f, size_t n);
/* Parse it back: frames (malloc'd) pointing into *buf (a malloc'd copy
 * of text); free both. */
int store_frames_parse(const char *text, sig_frame **frames, size_t *n, char **buf);

/* "YYYY-MM-DD" (UTC) of a time in ms. */
void store_day(int64_t ms, char out[11]);

#endif
