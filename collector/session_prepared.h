/*
 * session_prepared.h - the session and context this process runs in,
 * prepared off the crash path for every snapshot to write (the SESSION
 * record, docs/FORMAT.md).
 *
 * runtime/session_read.c reads the environment (an allow-list, plus
 * BBX_ENV_KEYS), the working directory, /proc/self/status (ids, groups,
 * umask, capabilities, no_new_privs, seccomp), the cgroup, the sandbox
 * markers, the parent's name, the terminals, the security label and the
 * nodes of /dev/dri, at bbx_init() and again before every snapshot the
 * collector thread or the exit path takes; crash/session_write.c copies
 * the last published values and writes them.  Two slots under sequence
 * counters (prepared.h); one publisher at a time (session_read.c holds a
 * flag while it reads and publishes).
 */
#ifndef BBX_SESSION_PREPARED_H
#define BBX_SESSION_PREPARED_H

#include <stdint.h>

#include "prepared.h"
#include "snap_writer.h"

#define SES_ENV_CAP 6144   /* NAME=VALUE\0 ... */
#define SES_MAX_GROUPS 64
#define SES_MAX_SANDBOX 4
#define SES_MAX_DRI 8

struct session_values {
    uint64_t taken_ms;                /* Unix ms; 0: never read */
    uint32_t env_len, env_omitted;    /* bytes used in env; variables left out */
    char env[SES_ENV_CAP];            /* NAME=VALUE, each NUL-terminated */
    char cwd[1024];
    uint32_t umask;                   /* + 1; 0 unknown */
    uint32_t has_ids, n_groups;
    uint32_t ids[8];                  /* uid r/e/s/fs, gid r/e/s/fs */
    uint32_t groups[SES_MAX_GROUPS];
    uint32_t has_caps;
    uint64_t caps[5];                 /* inh, prm, eff, bnd, amb */
    uint32_t no_new_privs;            /* + 1; 0 unknown */
    uint32_t seccomp;                 /* + 1; 0 unknown */
    uint32_t n_sandbox;
    char sandbox[SES_MAX_SANDBOX][24];
    char cgroup[512];
    char parent[32];
    uint32_t tty;                     /* bit k: fd k is a terminal; + 8: known */
    char lsm[128];
    uint32_t n_dri;
    struct { uint32_t access; char name[24]; } dri[SES_MAX_DRI];
};

struct session_prepared {
    struct prep_seq seq;
    struct session_values slot[2];
};

extern struct session_prepared session_prep;

/* crash/session_write.c: the SESSION record of the last published values
 * (nothing when none).  Async-signal-safe; uses a static copy, so callers
 * hold the capture lock. */
void session_write(snap_writer *w);

/* crash/session_write.c: publish *v (the publisher only). */
void session_publish(const struct session_values *v);

/* runtime/session_read.c: read everything now and publish it.  Not
 * async-signal-safe (it reads the environment): bbx_init(), the collector
 * thread and the exit path call it.  Skipped when another call is under
 * way. */
void session_refresh(void);

#endif
