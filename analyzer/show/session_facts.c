/*
 * session_facts.c - the session a snapshot's process ran in, worded once
 * for bbx show, the report page, the JSON and bbx show --context
 * (session_facts.h).
 */
#include "session_facts.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "facts_put.h"
#include "path_name.h"

static const char *env(const snap *s, const char *name)
{
    const char *v = snap_session_env(&s->session, name);
    return v && *v ? v : NULL;
}

const char *session_kind(const snap *s, const char **from)
{
    const char *t;
    const char *dummy;
    if (!from)
        from = &dummy;
    *from = NULL;
    if (!s->session.present)
        return NULL;
    if ((t = env(s, "XDG_SESSION_TYPE")) && strcmp(t, "unspecified") != 0) {
        *from = "XDG_SESSION_TYPE";
        return t;
    }
    if (env(s, "WAYLAND_DISPLAY")) {
        *from = "WAYLAND_DISPLAY";
        return "wayland";
    }
    if (env(s, "DISPLAY")) {
        *from = "DISPLAY";
        return "x11";
    }
    return "none";
}

/* name begins with prefix (and, when suffix is not NULL, has it after). */
static int named(const char *name, const char *prefix, const char *suffix)
{
    size_t np = strlen(prefix);
    if (strncmp(name, prefix, np) != 0)
        return 0;
    return !suffix || strstr(name + np, suffix) != NULL;
}

/* What a module of the GPU stack is, by its file name: the first rule
 * whose prefix begins the name and whose part (when there is one) is in
 * the rest of it (named()); an empty prefix matches any name. */
static const struct gl_rule {
    const char *prefix, *part, *role;
} gl_rules[] = {
    { "libGLX_mesa.so", NULL, "GLX vendor: Mesa" },
    { "libGLX_nvidia.so", NULL, "GLX vendor: NVIDIA" },
    { "libGLX_", ".so", "GLX vendor" },
    { "libEGL_mesa.so", NULL, "EGL vendor: Mesa" },
    { "libEGL_nvidia.so", NULL, "EGL vendor: NVIDIA" },
    { "libEGL_", ".so", "EGL vendor" },
    { "libGL.so", NULL, "GL API" },
    { "libOpenGL.so", NULL, "GL API" },
    { "libGLX.so", NULL, "GL API" },
    { "libGLdispatch.so", NULL, "GL API" },
    { "libEGL.so", NULL, "GL API" },
    { "libGLESv2.so", NULL, "GL API" },
    { "libGLESv1_CM.so", NULL, "GL API" },
    { "libglapi.so", NULL, "Mesa GL API" },
    { "", "_dri.so", "Mesa DRI driver" },
    { "libgallium", NULL, "Mesa Gallium drivers" },
    { "libnvidia-glcore.so", NULL, "NVIDIA GL core" },
    { "libnvidia-", ".so", "NVIDIA driver" },
    { "libvulkan.so", NULL, "Vulkan loader" },
    { "libvulkan_", ".so", "Vulkan driver" },
    { "", "_drv_video.so", "VA-API driver" },
    { "libdrm_", ".so", "GPU kernel interface (libdrm)" },
};

static const char *gl_role(const char *m)
{
    for (size_t i = 0; i < sizeof(gl_rules) / sizeof(gl_rules[0]); i++)
        if (named(m, gl_rules[i].prefix, gl_rules[i].part))
            return gl_rules[i].role;
    return NULL;
}

size_t session_gl_modules(const snap *s, session_gl *out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < s->n_modules && n < max; i++) {
        const char *path = s->modules[i].path;
        if (!path)
            continue;
        const char *base = path_base_name(path);
        const char *role = gl_role(base);
        if (!role)
            continue;
        int seen = 0;
        for (size_t j = 0; j < n && !seen; j++)
            seen = strcmp(out[j].module, base) == 0;
        if (!seen)
            out[n++] = (session_gl){ base, role };
    }
    return n;
}

/* The file name of a module that begins with one of prefixes (the first
 * prefix that has one wins), or NULL. */
static const char *loaded(const snap *s, const char *const *prefixes)
{
    for (const char *const *p = prefixes; *p; p++) {
        for (size_t i = 0; i < s->n_modules; i++) {
            const char *path = s->modules[i].path;
            if (!path)
                continue;
            const char *base = path_base_name(path);
            if (named(base, *p, ".so"))
                return base;
        }
    }
    return NULL;
}

static const char *const display_clients[] = {
    "libX11", "libxcb", "libwayland-client", "libgtk-3", "libgtk-4", "libQt5Gui",
    "libQt6Gui", "libSDL2-2", "libSDL3", "libglfw", NULL,
};
static const char *const x_clients[] = { "libX11", "libxcb", NULL };
static const char *const wayland_clients[] = { "libwayland-client", NULL };
static const char *const software_gl[] = { "swrast_dri", "kms_swrast_dri", NULL };

typedef struct notes {
    char (*v)[SESSION_NOTE_MAX];
    size_t n, max;
} notes;

static void note(notes *ns, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(notes *ns, const char *fmt, ...)
{
    va_list ap;
    if (ns->n >= ns->max)
        return;
    va_start(ap, fmt);
    vsnprintf(ns->v[ns->n++], SESSION_NOTE_MAX, fmt, ap);
    va_end(ap);
}

static void display_notes(const snap *s, notes *ns)
{
    const char *kind = session_kind(s, NULL), *client = loaded(s, display_clients);
    if (strcmp(kind, "none") == 0 && client) {
        note(ns, "no display: neither DISPLAY nor WAYLAND_DISPLAY is set, and the program "
                 "loaded %s (started by a service, cron or ssh without X forwarding?)", client);
        return;
    }
    if (strcmp(kind, "wayland") == 0 && loaded(s, x_clients) && !loaded(s, wayland_clients)) {
        const char *why = env(s, "GDK_BACKEND") ? "GDK_BACKEND"
                          : env(s, "QT_QPA_PLATFORM") ? "QT_QPA_PLATFORM" : NULL;
        if (why)
            note(ns, "the session is Wayland, but the program talks X11 only (%s=%s): it "
                     "runs under XWayland at DISPLAY=%s", why, env(s, why),
                 env(s, "DISPLAY") ? env(s, "DISPLAY") : "(unset)");
        else
            note(ns, "the session is Wayland, but the program talks X11 only (no "
                     "libwayland-client loaded): it runs under XWayland at DISPLAY=%s",
                 env(s, "DISPLAY") ? env(s, "DISPLAY") : "(unset)");
    }
}

static void gpu_notes(const snap *s, notes *ns)
{
    session_gl gl[32];
    size_t n_gl = session_gl_modules(s, gl, 32);
    const snap_session *ses = &s->session;
    for (size_t i = 0; i < ses->n_dri; i++) {
        const snap_dri_node *d = &ses->dri[i];
        if (d->name && strncmp(d->name, "renderD", 7) == 0 && (d->access & 3) != 3)
            note(ns, "the GPU's render node /dev/dri/%s is not %s by this process (is it "
                     "in the group that owns it?): GL and Vulkan fall back to software "
                     "rendering or fail to create a context",
                 d->name, (d->access & 1) ? "writable" : "readable and writable");
    }
    if (!ses->n_dri && n_gl)
        note(ns, "no /dev/dri nodes are visible to the process: no GPU can be used, GL "
                 "renders in software or fails");
    const char *sw = loaded(s, software_gl);
    const char *forced = env(s, "LIBGL_ALWAYS_SOFTWARE");
    const char *gallium = env(s, "GALLIUM_DRIVER");
    if (forced && strcmp(forced, "0") != 0)
        note(ns, "GL renders in software: LIBGL_ALWAYS_SOFTWARE=%s", forced);
    else if (gallium && (strcmp(gallium, "llvmpipe") == 0 || strcmp(gallium, "softpipe") == 0))
        note(ns, "GL renders in software: GALLIUM_DRIVER=%s", gallium);
    else if (sw)
        note(ns, "GL renders in software: %s is loaded (no hardware driver was chosen)", sw);
}

static void identity_notes(const snap *s, notes *ns)
{
    const snap_session *ses = &s->session;
    if (ses->has_ids && (ses->ids[0] != ses->ids[1] || ses->ids[4] != ses->ids[5]))
        note(ns, "set-id program: effective uid %" PRIu64 " gid %" PRIu64 ", real uid %" PRIu64
                 " gid %" PRIu64 " (the loader ignored LD_* and bbx its BBX_* variables)",
             ses->ids[1], ses->ids[5], ses->ids[0], ses->ids[4]);
    if (ses->has_caps && ses->caps[2] && ses->has_ids && ses->ids[1] != 0)
        note(ns, "runs as uid %" PRIu64 " with effective capabilities 0x%" PRIx64, ses->ids[1],
             ses->caps[2]);
    if (ses->has_seccomp && ses->seccomp)
        note(ns, "a seccomp %s is on: system calls it forbids fail or kill the process",
             ses->seccomp == 1 ? "strict mode" : "filter");
    for (size_t i = 0; i < ses->n_sandbox; i++) {
        const char *b = ses->sandbox[i];
        if (b && (strcmp(b, "flatpak") == 0 || strcmp(b, "snap") == 0))
            note(ns, "runs inside a %s sandbox: files, devices and the session bus are "
                     "filtered by its permissions", strcmp(b, "flatpak") == 0 ? "Flatpak" : "Snap");
    }
    const char *pre = env(s, "LD_PRELOAD");
    if (pre && strcmp(pre, "[redacted]") != 0) {
        /* anything but bbx's own preload library */
        char copy[SESSION_NOTE_MAX];
        snprintf(copy, sizeof(copy), "%s", pre);
        int other = 0;
        for (char *t = strtok(copy, ": "); t; t = strtok(NULL, ": "))
            other |= strstr(path_base_name(t), "libbbx") == NULL;
        if (other)
            note(ns, "LD_PRELOAD=%s loads code into the program before its own libraries", pre);
    }
}

size_t session_notes(const snap *s, char out[][SESSION_NOTE_MAX], size_t max)
{
    notes ns = { out, 0, max };
    if (!s->session.present)
        return 0;
    display_notes(s, &ns);
    gpu_notes(s, &ns);
    identity_notes(s, &ns);
    return ns.n;
}

/* ---- facts ---------------------------------------------------------- */

static void put_env_value(const facts_sink *k, const snap *s, const char *label,
                          const char *name)
{
    const char *v = env(s, name);
    if (!v)
        return;
    put(k, FACTS_WORDS, label);
    put(k, FACTS_DATA, v);
}

int facts_session_summary(const facts_sink *k, const snap *s)
{
    const char *from, *kind = session_kind(s, &from);
    if (!kind)
        return 0;
    if (strcmp(kind, "none") == 0 && !from) {
        put(k, FACTS_WORDS, "no display (neither DISPLAY nor WAYLAND_DISPLAY is set)");
        return 1;
    }
    put(k, FACTS_DATA, kind);
    put(k, FACTS_WORDS, " session");
    if (from) {
        put(k, FACTS_WORDS, " (");
        put(k, FACTS_WORDS, from);
        put(k, FACTS_WORDS, ")");
    }
    put_env_value(k, s, ", DISPLAY ", "DISPLAY");
    put_env_value(k, s, ", WAYLAND_DISPLAY ", "WAYLAND_DISPLAY");
    put_env_value(k, s, ", desktop ", "XDG_CURRENT_DESKTOP");
    if (env(s, "GIO_LAUNCHED_DESKTOP_FILE"))
        put_env_value(k, s, ", started from the launcher entry ", "GIO_LAUNCHED_DESKTOP_FILE");
    else if (env(s, "INVOCATION_ID"))
        put(k, FACTS_WORDS, ", started by systemd");
    else if (s->session.has_tty && (s->session.tty & 1))
        put(k, FACTS_WORDS, ", started from a terminal");
    return 1;
}

int facts_session_gl(const facts_sink *k, const snap *s)
{
    session_gl gl[32];
    size_t n = session_gl_modules(s, gl, 32);
    if (!n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            put(k, FACTS_WORDS, ", ");
        put(k, FACTS_CODE, gl[i].module);
        put(k, FACTS_WORDS, " (");
        put(k, FACTS_WORDS, gl[i].role);
        put(k, FACTS_WORDS, ")");
    }
    return 1;
}

int facts_session_identity(const facts_sink *k, const snap *s)
{
    const snap_session *ses = &s->session;
    if (!ses->present)
        return 0;
    const char *sep = "";
    if (ses->has_ids) {
        putf(k, FACTS_WORDS, "uid %" PRIu64, ses->ids[0]);
        if (ses->ids[1] != ses->ids[0])
            putf(k, FACTS_ALARM, " (effective %" PRIu64 ")", ses->ids[1]);
        putf(k, FACTS_WORDS, ", gid %" PRIu64, ses->ids[4]);
        if (ses->ids[5] != ses->ids[4])
            putf(k, FACTS_ALARM, " (effective %" PRIu64 ")", ses->ids[5]);
        put(k, FACTS_WORDS, ", groups");
        for (size_t i = 0; i < ses->n_groups; i++)
            putf(k, FACTS_WORDS, " %" PRIu64, ses->groups[i]);
        if (!ses->n_groups)
            put(k, FACTS_WORDS, " none");
        sep = ", ";
    }
    if (ses->has_umask) {
        putf(k, FACTS_WORDS, "%sumask %04" PRIo64, sep, ses->umask);
        sep = ", ";
    }
    if (ses->parent) {
        put(k, FACTS_WORDS, sep);
        put(k, FACTS_WORDS, "parent ");
        put(k, FACTS_DATA, ses->parent);
        sep = ", ";
    }
    if (ses->has_tty) {
        static const char *const names[3] = { " stdin", " stdout", " stderr" };
        put(k, FACTS_WORDS, sep);
        put(k, FACTS_WORDS, "terminal");
        for (int i = 0; i < 3; i++)
            if (ses->tty & (1u << i))
                put(k, FACTS_WORDS, names[i]);
        if (!(ses->tty & 7))
            put(k, FACTS_WORDS, " none");
        sep = ", ";
    }
    if (ses->cwd) {
        put(k, FACTS_WORDS, sep);
        put(k, FACTS_WORDS, "cwd ");
        put(k, FACTS_DATA, ses->cwd);
    }
    return 1;
}

const char *session_seccomp_word(uint64_t mode)
{
    static char buf[32];
    switch (mode) {
    case 0: return "off";
    case 1: return "strict";
    case 2: return "filter";
    default:
        snprintf(buf, sizeof(buf), "mode %" PRIu64, mode);
        return buf;
    }
}

int facts_session_security(const facts_sink *k, const snap *s)
{
    const snap_session *ses = &s->session;
    if (!ses->present)
        return 0;
    if (ses->has_caps) {
        if (ses->caps[2])
            putf(k, FACTS_WORDS, "capabilities effective 0x%" PRIx64 ", permitted 0x%" PRIx64,
                 ses->caps[2], ses->caps[1]);
        else
            put(k, FACTS_WORDS, "capabilities none");
        if (ses->caps[4])
            putf(k, FACTS_WORDS, ", ambient 0x%" PRIx64, ses->caps[4]);
    } else {
        put(k, FACTS_WORDS, "capabilities ?");
    }
    if (ses->has_nnp)
        put(k, FACTS_WORDS, ses->no_new_privs ? ", no_new_privs on" : ", no_new_privs off");
    if (ses->has_seccomp) {
        put(k, FACTS_WORDS, ", seccomp ");
        put(k, ses->seccomp ? FACTS_ALARM : FACTS_WORDS, session_seccomp_word(ses->seccomp));
    }
    if (ses->n_sandbox) {
        put(k, FACTS_WORDS, ", inside");
        for (size_t i = 0; i < ses->n_sandbox; i++) {
            put(k, FACTS_WORDS, i ? ", " : " ");
            put(k, FACTS_DATA, ses->sandbox[i] ? ses->sandbox[i] : "?");
        }
    } else {
        put(k, FACTS_WORDS, ", no sandbox or container seen");
    }
    if (ses->lsm) {
        put(k, FACTS_WORDS, ", label ");
        put(k, FACTS_DATA, ses->lsm);
    }
    if (ses->cgroup) {
        put(k, FACTS_WORDS, ", cgroup ");
        put(k, FACTS_DATA, ses->cgroup);
    }
    return 1;
}

int facts_session_dri(const facts_sink *k, const snap *s)
{
    const snap_session *ses = &s->session;
    if (!ses->present)
        return 0;
    if (!ses->n_dri) {
        put(k, FACTS_WORDS, "none visible");
        return 1;
    }
    for (size_t i = 0; i < ses->n_dri; i++) {
        const snap_dri_node *d = &ses->dri[i];
        static const char *const access[4] = { "no access", "read-only", "write-only",
                                               "read-write" };
        if (i)
            put(k, FACTS_WORDS, ", ");
        put(k, FACTS_DATA, d->name ? d->name : "?");
        put(k, FACTS_WORDS, " ");
        put(k, (d->access & 3) == 3 ? FACTS_WORDS : FACTS_ALARM, access[d->access & 3]);
    }
    return 1;
}
