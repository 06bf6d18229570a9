/*
 * session_facts.h - what a snapshot says of the session the process ran in
 * (the SESSION record and the modules): the kind of session and display,
 * the GL, EGL and Vulkan drivers the modules show, the notes worth reading
 * at a glance ("the render node is not writable", "no display is set"),
 * and the facts `bbx show`, the report page and `bbx show --context`
 * share.  Every function takes any snapshot the reader produced (no
 * SESSION record: nothing to say).
 */
#ifndef BBX_SESSION_FACTS_H
#define BBX_SESSION_FACTS_H

#include <stddef.h>

#include "report_facts.h"
#include "snap_reader.h"

/* The kind of session: "wayland", "x11", "tty", "mir" or what
 * XDG_SESSION_TYPE says; "none" when no display is set; NULL without a
 * SESSION record.  *from (may be NULL) names what told it. */
const char *session_kind(const snap *s, const char **from);

/* A module that takes part in drawing: GL dispatch, a GLX or EGL vendor
 * library, a Mesa DRI or Gallium driver, NVIDIA's GL core, a Vulkan
 * driver, a VA-API driver.  `module` points into the snapshot. */
typedef struct session_gl {
    const char *module; /* the module's file name */
    const char *role;   /* "GL dispatch", "GLX vendor (Mesa)", ... */
} session_gl;

/* The drawing modules of s, at most max, in module order: how many. */
size_t session_gl_modules(const snap *s, session_gl *out, size_t max);

#define SESSION_NOTE_MAX 320
#define SESSION_NOTES_MAX 8

/* What is worth reading at a glance, one sentence each, into
 * notes[max]: how many. */
size_t session_notes(const snap *s, char notes[][SESSION_NOTE_MAX], size_t max);

/* "wayland session (XDG_SESSION_TYPE), DISPLAY :0, WAYLAND_DISPLAY
 * wayland-0, desktop GNOME" */
int facts_session_summary(const facts_sink *k, const snap *s);
/* "libGLX_mesa.so.0 (GLX vendor (Mesa)), swrast_dri.so (...)" */
int facts_session_gl(const facts_sink *k, const snap *s);
/* "uid 1000, gid 1000, groups 4 27, umask 0022, parent bash, terminal
 * stdin stdout stderr" */
int facts_session_identity(const facts_sink *k, const snap *s);
/* "capabilities none, no_new_privs off, seccomp off, inside docker,
 * label unconfined" */
int facts_session_security(const facts_sink *k, const snap *s);
/* "renderD128 read-write, card0 read-write" */
int facts_session_dri(const facts_sink *k, const snap *s);

/* The mode of seccomp as a word ("off", "strict", "filter", "mode N"). */
const char *session_seccomp_word(uint64_t mode);

#endif
