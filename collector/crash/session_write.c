/*
 * session_write.c - the SESSION record from the values prepared off the
 * crash path (session_prepared.h).  Nothing here reads the environment or
 * /proc: a crash, or any snapshot, copies the last published values under
 * their sequence counter and writes them.  The environment part (ENV) is
 * held back under BBX_REDACT=env and the working directory under paths.
 * Async-signal-safe.
 */
#include <string.h>

#include "collector.h"
#include "session_prepared.h"
#include "snap_codec.h"
#include "snap_format.h"
#include "snap_redact.h"

struct session_prepared session_prep = { .seq = PREP_SEQ_INIT };

/* The copy a capture writes from: too large for a signal stack, and the
 * capture lock keeps one capture at a time. */
static struct session_values copy;

static void put_varints(snap_writer *w, unsigned field, const uint64_t *v, unsigned n)
{
    uint8_t b[SES_MAX_GROUPS * 10];
    size_t len = 0;
    for (unsigned i = 0; i < n && len + 10 <= sizeof(b); i++)
        len += snap_varint_put(b + len, v[i]);
    snap_put_bytes(w, field, b, len);
}

static void put_env(snap_writer *w, const struct session_values *v)
{
    uint32_t len = v->env_len < SES_ENV_CAP ? v->env_len : SES_ENV_CAP;
    for (uint32_t i = 0; i < len;) {
        size_t n = strnlen(v->env + i, len - i);
        if (n)
            snap_put_bytes(w, SNAP_SES_ENV, v->env + i, n);
        i += (uint32_t)n + 1;
    }
    if (v->env_omitted)
        snap_put_u64(w, SNAP_SES_ENV_OMITTED, v->env_omitted);
}

static void put_str(snap_writer *w, unsigned field, const char *s, size_t cap)
{
    size_t n = strnlen(s, cap);
    if (n)
        snap_put_bytes(w, field, s, n);
}

void session_write(snap_writer *w)
{
    struct session_values *v = &copy;
    uint64_t tmp[SES_MAX_GROUPS];
    if (prep_read(&session_prep.seq, session_prep.slot, sizeof(*v), v) != 0 || !v->taken_ms)
        return;
    unsigned parts = redact_parts();
    snap_rec_begin(w, SNAP_REC_SESSION);
    snap_put_u64(w, SNAP_SES_TAKEN_MS, v->taken_ms);
    if (!(parts & SNAP_REDACT_ENV))
        put_env(w, v);
    if (v->cwd[0]) {
        if (parts & SNAP_REDACT_PATHS)
            snap_put_str(w, SNAP_SES_CWD, SNAP_REDACTED_TEXT);
        else
            put_str(w, SNAP_SES_CWD, v->cwd, sizeof(v->cwd));
    }
    if (v->umask)
        snap_put_u64(w, SNAP_SES_UMASK, v->umask - 1);
    if (v->has_ids) {
        for (unsigned i = 0; i < 8; i++)
            tmp[i] = v->ids[i];
        put_varints(w, SNAP_SES_IDS, tmp, 8);
        unsigned ng = v->n_groups < SES_MAX_GROUPS ? v->n_groups : SES_MAX_GROUPS;
        for (unsigned i = 0; i < ng; i++)
            tmp[i] = v->groups[i];
        if (ng)
            put_varints(w, SNAP_SES_GROUPS, tmp, ng);
    }
    if (v->has_caps)
        put_varints(w, SNAP_SES_CAPS, v->caps, 5);
    if (v->no_new_privs)
        snap_put_u64(w, SNAP_SES_NO_NEW_PRIVS, v->no_new_privs - 1);
    if (v->seccomp)
        snap_put_u64(w, SNAP_SES_SECCOMP, v->seccomp - 1);
    for (unsigned i = 0; i < v->n_sandbox && i < SES_MAX_SANDBOX; i++)
        put_str(w, SNAP_SES_SANDBOX, v->sandbox[i], sizeof(v->sandbox[i]));
    put_str(w, SNAP_SES_CGROUP, v->cgroup, sizeof(v->cgroup));
    put_str(w, SNAP_SES_PARENT, v->parent, sizeof(v->parent));
    if (v->tty & 8)
        snap_put_u64(w, SNAP_SES_TTY, v->tty & 7);
    put_str(w, SNAP_SES_LSM, v->lsm, sizeof(v->lsm));
    for (unsigned i = 0; i < v->n_dri && i < SES_MAX_DRI; i++) {
        uint8_t b[10 + sizeof(v->dri[i].name)];
        size_t n = snap_varint_put(b, v->dri[i].access);
        size_t nl = strnlen(v->dri[i].name, sizeof(v->dri[i].name));
        memcpy(b + n, v->dri[i].name, nl);
        snap_put_bytes(w, SNAP_SES_DRI, b, n + nl);
    }
    snap_rec_end(w);
}

void session_publish(const struct session_values *v)
{
    prep_publish(&session_prep.seq, session_prep.slot, sizeof(*v), v);
}
