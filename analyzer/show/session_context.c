/*
 * session_context.c - the session of a snapshot as JSON and as a list of
 * context items (session_context.h).
 */
#include "session_context.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "session_facts.h"

static void put_caps(json_writer *w, const snap_session *ses)
{
    static const char *const names[5] = { "inheritable", "permitted", "effective", "bounding",
                                          "ambient" };
    json_key(w, "capabilities");
    if (!ses->has_caps) {
        json_null(w);
        return;
    }
    json_object_begin(w);
    for (int i = 0; i < 5; i++)
        json_kv_hex(w, names[i], ses->caps[i]);
    json_object_end(w);
}

static void put_env(json_writer *w, const snap_session *ses)
{
    json_key(w, "env");
    json_object_begin(w);
    for (size_t i = 0; i < ses->n_env; i++) {
        const char *e = ses->env[i], *eq = strchr(e, '=');
        if (!eq)
            continue;
        char key[256];
        size_t n = (size_t)(eq - e) < sizeof(key) - 1 ? (size_t)(eq - e) : sizeof(key) - 1;
        memcpy(key, e, n);
        key[n] = '\0';
        json_kv_string(w, key, eq + 1);
    }
    json_object_end(w);
    json_kv_u64(w, "env_omitted", ses->env_omitted);
}

static void put_ids(json_writer *w, const snap_session *ses)
{
    static const char *const names[8] = { "uid", "euid", "suid", "fsuid",
                                          "gid", "egid", "sgid", "fsgid" };
    for (int i = 0; i < 8; i++) {
        json_key(w, names[i]);
        if (ses->has_ids)
            json_u64(w, ses->ids[i]);
        else
            json_null(w);
    }
    json_key(w, "groups");
    json_array_begin(w);
    for (size_t i = 0; i < ses->n_groups; i++)
        json_u64(w, ses->groups[i]);
    json_array_end(w);
}

static void put_gl(json_writer *w, const snap *s)
{
    session_gl gl[32];
    size_t n = session_gl_modules(s, gl, 32);
    json_key(w, "gl_modules");
    json_array_begin(w);
    for (size_t i = 0; i < n; i++) {
        json_object_begin(w);
        json_kv_string(w, "module", gl[i].module);
        json_kv_string(w, "role", gl[i].role);
        json_object_end(w);
    }
    json_array_end(w);
}

void session_json(json_writer *w, const snap *s)
{
    const snap_session *ses = &s->session;
    const char *from, *kind = session_kind(s, &from);
    char notes[SESSION_NOTES_MAX][SESSION_NOTE_MAX], umask[8];
    json_key(w, "session");
    if (!ses->present) {
        json_null(w);
        return;
    }
    json_object_begin(w);
    json_kv_u64(w, "taken_ms", ses->taken_ms);
    json_kv_string(w, "type", kind);
    json_kv_string(w, "type_from", from);
    json_kv_string(w, "display", snap_session_env(ses, "DISPLAY"));
    json_kv_string(w, "wayland_display", snap_session_env(ses, "WAYLAND_DISPLAY"));
    json_kv_string(w, "desktop", snap_session_env(ses, "XDG_CURRENT_DESKTOP"));
    json_key(w, "notes");
    json_array_begin(w);
    size_t n = session_notes(s, notes, SESSION_NOTES_MAX);
    for (size_t i = 0; i < n; i++)
        json_string(w, notes[i]);
    json_array_end(w);
    put_gl(w, s);
    put_env(w, ses);
    json_kv_string(w, "cwd", ses->cwd);
    snprintf(umask, sizeof(umask), "%04" PRIo64, ses->umask & 07777);
    json_kv_string(w, "umask", ses->has_umask ? umask : NULL);
    put_ids(w, ses);
    put_caps(w, ses);
    json_key(w, "no_new_privs");
    if (ses->has_nnp)
        json_bool(w, ses->no_new_privs != 0);
    else
        json_null(w);
    json_kv_string(w, "seccomp", ses->has_seccomp ? session_seccomp_word(ses->seccomp) : NULL);
    json_key(w, "sandbox");
    json_array_begin(w);
    for (size_t i = 0; i < ses->n_sandbox; i++)
        json_string(w, ses->sandbox[i]);
    json_array_end(w);
    json_kv_string(w, "cgroup", ses->cgroup);
    json_kv_string(w, "parent", ses->parent);
    json_key(w, "terminal");
    if (ses->has_tty) {
        json_object_begin(w);
        json_kv_bool(w, "stdin", (ses->tty & 1) != 0);
        json_kv_bool(w, "stdout", (ses->tty & 2) != 0);
        json_kv_bool(w, "stderr", (ses->tty & 4) != 0);
        json_object_end(w);
    } else {
        json_null(w);
    }
    json_kv_string(w, "security_label", ses->lsm);
    json_key(w, "dri");
    json_array_begin(w);
    for (size_t i = 0; i < ses->n_dri; i++) {
        json_object_begin(w);
        json_kv_string(w, "name", ses->dri[i].name);
        json_kv_bool(w, "read", (ses->dri[i].access & 1) != 0);
        json_kv_bool(w, "write", (ses->dri[i].access & 2) != 0);
        json_object_end(w);
    }
    json_array_end(w);
    json_object_end(w);
}

/* ---- context items ------------------------------------------------------ */

static int add(context_items *c, const char *key, const char *value)
{
    if (!value)
        return 0;
    if (c->n == c->cap) {
        size_t ncap = c->cap ? c->cap * 2 : 32;
        context_item *v = realloc(c->v, ncap * sizeof(*v));
        if (!v)
            return -1;
        c->v = v;
        c->cap = ncap;
    }
    char *k = strdup(key), *val = strdup(value);
    if (!k || !val) {
        free(k);
        free(val);
        return -1;
    }
    c->v[c->n++] = (context_item){ k, val };
    return 0;
}

static int addf(context_items *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int addf(context_items *c, const char *key, const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return add(c, key, buf);
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const context_item *)a)->key, ((const context_item *)b)->key);
}

static int add_env(context_items *c, const snap_session *ses)
{
    for (size_t i = 0; i < ses->n_env; i++) {
        const char *e = ses->env[i], *eq = strchr(e, '=');
        char key[300];
        if (!eq)
            continue;
        snprintf(key, sizeof(key), "env %.*s", (int)(eq - e), e);
        if (add(c, key, eq + 1) < 0)
            return -1;
    }
    return 0;
}

static int add_ids(context_items *c, const snap_session *ses)
{
    static const char *const names[8] = { "uid", "euid", "suid", "fsuid",
                                          "gid", "egid", "sgid", "fsgid" };
    char groups[512] = "";
    size_t used = 0;
    for (int i = 0; ses->has_ids && i < 8; i++)
        if (addf(c, names[i], "%" PRIu64, ses->ids[i]) < 0)
            return -1;
    for (size_t i = 0; i < ses->n_groups && used + 24 < sizeof(groups); i++)
        used += (size_t)snprintf(groups + used, sizeof(groups) - used, "%s%" PRIu64,
                                 i ? " " : "", ses->groups[i]);
    return ses->has_ids ? add(c, "groups", used ? groups : "none") : 0;
}

static int add_security(context_items *c, const snap_session *ses)
{
    static const char *const caps[5] = { "capabilities inheritable", "capabilities permitted",
                                         "capabilities effective", "capabilities bounding",
                                         "capabilities ambient" };
    for (int i = 0; ses->has_caps && i < 5; i++)
        if (addf(c, caps[i], "0x%" PRIx64, ses->caps[i]) < 0)
            return -1;
    if ((ses->has_nnp && add(c, "no_new_privs", ses->no_new_privs ? "on" : "off") < 0) ||
        (ses->has_seccomp && add(c, "seccomp", session_seccomp_word(ses->seccomp)) < 0) ||
        add(c, "cgroup", ses->cgroup) < 0 || add(c, "security label", ses->lsm) < 0)
        return -1;
    char sandbox[128] = "";
    size_t used = 0;
    for (size_t i = 0; i < ses->n_sandbox && used + 32 < sizeof(sandbox); i++)
        used += (size_t)snprintf(sandbox + used, sizeof(sandbox) - used, "%s%.24s",
                                 i ? ", " : "", ses->sandbox[i] ? ses->sandbox[i] : "?");
    return add(c, "sandbox", used ? sandbox : "none");
}

static int add_session(context_items *c, const snap *s)
{
    const snap_session *ses = &s->session;
    const char *from, *kind = session_kind(s, &from);
    if (add(c, "session type", kind) < 0 || add_env(c, ses) < 0 || add(c, "cwd", ses->cwd) < 0 ||
        add_ids(c, ses) < 0 || add_security(c, ses) < 0 || add(c, "parent", ses->parent) < 0)
        return -1;
    if (ses->has_umask && addf(c, "umask", "%04" PRIo64, ses->umask & 07777) < 0)
        return -1;
    if (ses->has_tty && addf(c, "terminal", "%s%s%s%s", ses->tty & 1 ? " stdin" : "",
                             ses->tty & 2 ? " stdout" : "", ses->tty & 4 ? " stderr" : "",
                             ses->tty & 7 ? "" : " none") < 0)
        return -1;
    for (size_t i = 0; i < ses->n_dri; i++) {
        static const char *const access[4] = { "no access", "read-only", "write-only",
                                               "read-write" };
        char key[64];
        snprintf(key, sizeof(key), "gpu node %.40s", ses->dri[i].name ? ses->dri[i].name : "?");
        if (add(c, key, access[ses->dri[i].access & 3]) < 0)
            return -1;
    }
    return 0;
}

int context_items_of(const snap *s, context_items *out)
{
    session_gl gl[32];
    memset(out, 0, sizeof(*out));
    if (s->session.present && add_session(out, s) < 0)
        goto oom;
    if (add(out, "kernel", s->process.kernel) < 0 || add(out, "arch", s->process.arch) < 0)
        goto oom;
    size_t n = session_gl_modules(s, gl, 32);
    for (size_t i = 0; i < n; i++) {
        char key[300];
        snprintf(key, sizeof(key), "gl module %s", gl[i].module);
        if (add(out, key, gl[i].role) < 0)
            goto oom;
    }
    if (out->n)
        qsort(out->v, out->n, sizeof(*out->v), by_key);
    return 0;
oom:
    context_items_free(out);
    return -1;
}

void context_items_free(context_items *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].key);
        free(c->v[i].value);
    }
    free(c->v);
    memset(c, 0, sizeof(*c));
}
