/*
 * app_frames.h - which frames are the program's own code, so that reports
 * name the line of the program that asked for a resource first and the
 * library calls that carried it out after ("on_tick (app.c:43) via
 * g_socket_new [libgio-2.0.so.0]").
 *
 * A module is the program's own unless it is a system library:
 *  - bbx's own library (libbbx*) and pseudo-modules ("[vdso]", anything
 *    not an absolute path) are never the program's;
 *  - with patterns (`--app-modules GLOB`, several allowed) a module is the
 *    program's exactly when one matches: a pattern with a '/' is matched
 *    (fnmatch, '*' crossing '/') against the module's path, else against its
 *    base name;
 *  - without patterns: the main executable is the program's; so is every
 *    module outside the system library directories (/lib, /lib32, /lib64,
 *    /libx32, /usr/lib, /usr/lib32, /usr/lib64, /usr/libx32, and their
 *    subdirectories, so /usr/lib/x86_64-linux-gnu/libgtk-3.so.0 is not).
 * A program's own plugins or libraries in a build tree, /opt or /usr/local
 * are its own; GLib, GTK, Qt, Mesa, Xlib and libc from the distribution
 * are not.
 *
 * Ownership: an app_modules holds pointers to the caller's patterns, which
 * must outlive it.  Thread-safe (nothing is written); not async-signal-safe.
 */
#ifndef BBX_APP_FRAMES_H
#define BBX_APP_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "snap_reader.h"

typedef struct app_modules {
    char *const *globs; /* NULL or n patterns: they alone decide */
    size_t n;
} app_modules;

/* 1 when the module at `path` is the program's own code (rules above);
 * exe is the program's executable (may be NULL), am may be NULL (no
 * patterns). */
int app_module_is_own(const app_modules *am, const char *path, const char *exe);

/* The index of the first frame (innermost first) of origin o at or after
 * `from` in a module of the program's own code, or SIZE_MAX when none is. */
size_t app_origin_frame(const app_modules *am, const snap *s, const snap_origin *o,
                        size_t from);

#endif
