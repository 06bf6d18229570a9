/*
 * snap_redact.h - what can be held back from a snapshot, and how: the part
 * names of BBX_REDACT and `bbx scrub --redact`, the filter that replaces
 * secret-looking argument values in command lines, and the rules for paths.
 *
 * One home for the policy, shared by the collector (which applies it while
 * it writes) and `bbx scrub` (which applies it to a file), so both remove
 * exactly the same things.  The parts are the SNAP_REDACT_* bits of
 * snap_format.h; README.md and docs/FORMAT.md list them for users.
 *
 * Every function here is pure: no allocation, no locks, no libc beyond
 * memcpy/memchr/strlen.  All are thread-safe and async-signal-safe (the
 * collector calls them on the crash path).
 */
#ifndef BBX_SNAP_REDACT_H
#define BBX_SNAP_REDACT_H

#include <stddef.h>

/* What replaces a value that was held back. */
#define SNAP_REDACTED_TEXT "[redacted]"

/* The name of one part ("secrets", "cmdline", "registers", "paths",
 * "peers", "host", "breadcrumbs", "annotations", "env"), or NULL for a value that
 * is not a single known bit. */
const char *snap_redact_part_name(unsigned part);

/*
 * Parse a comma-separated list of parts, left to right, starting from the
 * default {secrets}: a part name adds it, "-NAME" removes it, "all" adds
 * every part, "none" removes every part (secrets included).  Case does not
 * matter; empty items are ignored.  Returns 0 with *parts (out) set to the
 * resulting SNAP_REDACT_* mask, or -1 when an item is not one of these.
 */
int snap_redact_parse(const char *list, unsigned *parts);

/*
 * The secret filter (SNAP_REDACT_SECRETS) over a command line in[n]:
 * arguments separated by NUL bytes, as /proc/PID/cmdline.  Writes the
 * filtered arguments to out[cap] and returns their length.  Values that look
 * like secrets become "[redacted]" (README.md, "What bbx holds back", has the
 * exact rules: --password=X, --password X, token=X, NAME: X headers,
 * scheme://user:X@host, ...).  If out is too small, the arguments that do
 * not fit are left out whole (never cut inside one).  *changed (may be NULL)
 * is set to 1 when a value was replaced.  in and out must not overlap.
 */
size_t snap_redact_args(const char *in, size_t n, char *out, size_t cap, int *changed);

/* 1 when the environment variable name[n] looks like it holds a secret:
 * the names of snap_redact_args() (PASSWORD, TOKEN, SECRET, API_KEY, ...
 * anywhere in it, run together or camelCase at its end), and any word
 * (between '_', '-', '.') KEY, PASS, PW, AUTH, COOKIE, PRIVATE, SIG,
 * SIGNATURE, CRED, CREDS.  Its value is never written. */
int snap_redact_env_secret(const char *name, size_t n);

/* The file name of path[n] (after the last '/'): where it starts inside
 * path; its length goes to *len.  A path ending in '/' is returned whole. */
const char *snap_redact_basename(const char *path, size_t n, size_t *len);

/* 1 when an fd target is a path (begins with '/'): PATHS replaces it. */
int snap_redact_target_is_path(const char *s, size_t n);

/* 1 when a socket address is a unix socket name (a path "/..." or an
 * abstract name "@..."), not an IP address: PATHS replaces it. */
int snap_redact_sockaddr_is_name(const char *s, size_t n);

#endif
