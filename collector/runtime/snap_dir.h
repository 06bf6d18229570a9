/*
 * snap_dir.h - the snapshot directory: which one, and whether it is safe.
 *
 * snap_dir_setup() picks the directory (the program's choice, else the
 * environment, else a per-user default), creates what is missing and
 * checks it the way a careful setuid program would: it walks the path one
 * component at a time with openat(O_NOFOLLOW), follows only symlinks owned
 * by root or the process's effective user, passes only through directories
 * nobody else can rearrange, and accepts a final directory only when the
 * effective user owns it and nobody else can write to it.  The result is
 * the physical absolute path (no symlinks, no "..") of that directory, so a
 * later chdir() or a symlink planted afterwards does not move it.
 *
 * Init only: allocates nothing, but is not async-signal-safe.
 */
#ifndef BBX_SNAP_DIR_H
#define BBX_SNAP_DIR_H

#include <stddef.h>

/* Resolve, create and check the snapshot directory.  `cfg_dir` (may be NULL
 * or empty) is bbx_config.dir.  Without it: $BBX_DIR, $XDG_STATE_HOME/bbx,
 * $HOME/.local/state/bbx, then ${TMPDIR:-/tmp}/bbx-<euid>; a privileged
 * process (AT_SECURE) reads none of these variables and uses the effective
 * user's home from the password database (/tmp/bbx-<euid> when it has
 * none).  Writes the physical path to out[cap].  Returns 0 or BBX_EDIR;
 * then snap_dir_error() says why. */
int snap_dir_setup(const char *cfg_dir, char *out, size_t cap);

/* After snap_dir_setup() failed: "DIR: what is wrong", one line, else NULL.
 * Static storage, overwritten by the next snap_dir_setup(). */
const char *snap_dir_error(void);

#endif
