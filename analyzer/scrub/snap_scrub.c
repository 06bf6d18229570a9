/*
 * snap_scrub.c - a snapshot rewritten without chosen parts (snap_scrub.h):
 * the reader hands over each record, its fields are walked with the
 * reader's field decoder and copied through the collector's writer when the
 * table below knows them, changed or left out as the parts say.
 */
#include "snap_scrub.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bbx.h"
#include "snap_format.h"
#include "snap_reader.h"
#include "snap_redact.h"
#include "snap_wire.h"
#include "snap_writer.h"

#define WRITER_LEVEL 3

/* What to do with a known field. */
enum action {
    KEEP,      /* copy as is */
    ARGS,      /* a command line: CMDLINE leaves it out, SECRETS filters it */
    FILE_NAME, /* exe or module path: PATHS keeps the file name */
    TARGET,    /* fd target: PATHS replaces a path */
    LOCAL,     /* socket local address: PATHS replaces a unix socket name */
    PEER,      /* socket peer: PEERS leaves it out */
    HOST,      /* host name: HOST leaves it out */
    REGS,      /* registers: REGISTERS leaves them out */
    REDACTED,  /* CAPTURE REDACTED: replaced by the union */
    ENV,       /* SESSION ENV: ENV leaves it out, SECRETS hides secret-looking
                  names' values (the collector never writes them) */
    PATH,      /* a path (SESSION CWD): PATHS replaces it */
    ENV_VALUE, /* a variable's value (LAUNCH PATH): ENV leaves it out */
    ARG_FILE,  /* a program's path (LAUNCH FILE): CMDLINE leaves it out,
                  PATHS keeps the file name */
};

#define V SNAP_WIRE_VARINT
#define B SNAP_WIRE_BYTES

/* Every field of every record type this bbx knows, with its wire type.  A
 * field added to snap_format.h is dropped by bbx scrub until it is listed
 * here with the part it belongs to. */
static const struct known {
    unsigned char type, number, wire, action;
} known[] = {
    { SNAP_REC_PROCESS, SNAP_PROC_PID, V, KEEP },
    { SNAP_REC_PROCESS, SNAP_PROC_PPID, V, KEEP },
    { SNAP_REC_PROCESS, SNAP_PROC_EXE, B, FILE_NAME },
    { SNAP_REC_PROCESS, SNAP_PROC_CMDLINE, B, ARGS },
    { SNAP_REC_PROCESS, SNAP_PROC_START_MS, V, KEEP },
    { SNAP_REC_PROCESS, SNAP_PROC_RLIMIT, B, KEEP },
    { SNAP_REC_PROCESS, SNAP_PROC_VM_RSS_KB, V, KEEP },
    { SNAP_REC_PROCESS, SNAP_PROC_VM_SIZE_KB, V, KEEP },
    { SNAP_REC_PROCESS, SNAP_PROC_VM_HWM_KB, V, KEEP },
    { SNAP_REC_PROCESS, SNAP_PROC_THREADS, V, KEEP },
    { SNAP_REC_PROCESS, SNAP_PROC_UID, V, KEEP },
    { SNAP_REC_PROCESS, SNAP_PROC_APP, B, KEEP },
    { SNAP_REC_PROCESS, SNAP_PROC_TIME_MS, V, KEEP },
    { SNAP_REC_PROCESS, SNAP_PROC_HOSTNAME, B, HOST },
    { SNAP_REC_PROCESS, SNAP_PROC_KERNEL, B, KEEP },
    { SNAP_REC_PROCESS, SNAP_PROC_ARCH, B, KEEP },
    { SNAP_REC_PROCESS, SNAP_PROC_FD_LIMIT, V, KEEP },
    { SNAP_REC_TRIGGER, SNAP_TRIG_KIND, V, KEEP },
    { SNAP_REC_TRIGGER, SNAP_TRIG_SIGNAL, V, KEEP },
    { SNAP_REC_TRIGGER, SNAP_TRIG_CODE, V, KEEP },
    { SNAP_REC_TRIGGER, SNAP_TRIG_ADDR, V, KEEP },
    { SNAP_REC_TRIGGER, SNAP_TRIG_SENDER_PID, V, KEEP },
    { SNAP_REC_TRIGGER, SNAP_TRIG_REASON, B, KEEP },
    { SNAP_REC_TRIGGER, SNAP_TRIG_TID, V, KEEP },
    { SNAP_REC_TRIGGER, SNAP_TRIG_SENDER_UID, V, KEEP },
    { SNAP_REC_TRIGGER, SNAP_TRIG_SEQ, V, KEEP },
    { SNAP_REC_TRIGGER, SNAP_TRIG_HUNG_TID, V, KEEP },
    { SNAP_REC_TRIGGER, SNAP_TRIG_HUNG_MS, V, KEEP },
    { SNAP_REC_TRIGGER, SNAP_TRIG_HUNG_CPU_MS, V, KEEP },
    { SNAP_REC_TRIGGER, SNAP_TRIG_HUNG_LIMIT_MS, V, KEEP },
    { SNAP_REC_TRIGGER, SNAP_TRIG_HUNG_STATE, V, KEEP },
    { SNAP_REC_TRIGGER, SNAP_TRIG_HUNG_NAME, B, KEEP },
    { SNAP_REC_THREAD, SNAP_THR_TID, V, KEEP },
    { SNAP_REC_THREAD, SNAP_THR_NAME, B, KEEP },
    { SNAP_REC_THREAD, SNAP_THR_STATE, V, KEEP },
    { SNAP_REC_THREAD, SNAP_THR_CRASHED, V, KEEP },
    { SNAP_REC_THREAD, SNAP_THR_FRAMES, B, KEEP },
    { SNAP_REC_THREAD, SNAP_THR_REGS, B, REGS },
    { SNAP_REC_THREAD, SNAP_THR_STATUS, V, KEEP },
    { SNAP_REC_THREAD, SNAP_THR_WCHAN, B, KEEP },
    { SNAP_REC_THREAD, SNAP_THR_KERNEL_PC, V, KEEP },
    { SNAP_REC_THREAD, SNAP_THR_SYSCALL, V, KEEP },
    { SNAP_REC_THREAD, SNAP_THR_TRUNCATED, V, KEEP },
    { SNAP_REC_THREAD, SNAP_THR_SIGNAL, V, KEEP },
    { SNAP_REC_THREAD, SNAP_THR_BBX, V, KEEP },
    { SNAP_REC_THREAD, SNAP_THR_METHOD, V, KEEP },
    { SNAP_REC_THREAD, SNAP_THR_REUSED, V, KEEP },
    { SNAP_REC_THREAD, SNAP_THR_LOCK_ADDR, V, KEEP },
    { SNAP_REC_THREAD, SNAP_THR_LOCK_OWNER, V, KEEP },
    { SNAP_REC_THREAD, SNAP_THR_LOCK_KIND, V, KEEP },
    { SNAP_REC_FD, SNAP_FD_NUM, V, KEEP },
    { SNAP_REC_FD, SNAP_FD_KINDF, V, KEEP },
    { SNAP_REC_FD, SNAP_FD_TARGET, B, TARGET },
    { SNAP_REC_FD, SNAP_FD_FLAGS, V, KEEP },
    { SNAP_REC_FD, SNAP_FD_OFFSET, V, KEEP },
    { SNAP_REC_FD, SNAP_FD_INODE, V, KEEP },
    { SNAP_REC_FD, SNAP_FD_SOCK_FAMILY, V, KEEP },
    { SNAP_REC_FD, SNAP_FD_SOCK_TYPE, V, KEEP },
    { SNAP_REC_FD, SNAP_FD_SOCK_LOCAL, B, LOCAL },
    { SNAP_REC_FD, SNAP_FD_SOCK_PEER, B, PEER },
    { SNAP_REC_FD, SNAP_FD_DETAILS, B, KEEP },
    { SNAP_REC_FD, SNAP_FD_SOCK_PROTO, V, KEEP },
    { SNAP_REC_FD, SNAP_FD_CLOEXEC, V, KEEP },
    { SNAP_REC_FD, SNAP_FD_SIZE, V, KEEP },
    { SNAP_REC_FD, SNAP_FD_CLOSED_BY_BBX, V, KEEP },
    { SNAP_REC_FD, SNAP_FD_BBX, V, KEEP },
    { SNAP_REC_MODULE, SNAP_MOD_PATH, B, FILE_NAME },
    { SNAP_REC_MODULE, SNAP_MOD_BIAS, V, KEEP },
    { SNAP_REC_MODULE, SNAP_MOD_BUILD_ID, B, KEEP },
    { SNAP_REC_MODULE, SNAP_MOD_START, V, KEEP },
    { SNAP_REC_MODULE, SNAP_MOD_END, V, KEEP },
    { SNAP_REC_MODULE, SNAP_MOD_IMAGE, B, KEEP }, /* the vDSO: kernel code, like its build-id */
    { SNAP_REC_BREADCRUMB, SNAP_BC_TIME_MS, V, KEEP },
    { SNAP_REC_BREADCRUMB, SNAP_BC_TID, V, KEEP },
    { SNAP_REC_BREADCRUMB, SNAP_BC_TEXT, B, KEEP },
    { SNAP_REC_ANNOTATION, SNAP_ANN_KEY, B, KEEP },
    { SNAP_REC_ANNOTATION, SNAP_ANN_VALUE, B, KEEP },
    { SNAP_REC_CAPTURE, SNAP_CAP_DURATION_US, V, KEEP },
    { SNAP_REC_CAPTURE, SNAP_CAP_THREADS, V, KEEP },
    { SNAP_REC_CAPTURE, SNAP_CAP_UNWOUND, V, KEEP },
    { SNAP_REC_CAPTURE, SNAP_CAP_FDS, V, KEEP },
    { SNAP_REC_CAPTURE, SNAP_CAP_VERSION, B, KEEP },
    { SNAP_REC_CAPTURE, SNAP_CAP_MODULES, V, KEEP },
    { SNAP_REC_CAPTURE, SNAP_CAP_THREADS_US, V, KEEP },
    { SNAP_REC_CAPTURE, SNAP_CAP_FDS_US, V, KEEP },
    { SNAP_REC_CAPTURE, SNAP_CAP_TRACKING, V, KEEP },
    { SNAP_REC_CAPTURE, SNAP_CAP_ORIGINS, V, KEEP },
    { SNAP_REC_CAPTURE, SNAP_CAP_TRACK_LOST, V, KEEP },
    { SNAP_REC_CAPTURE, SNAP_CAP_CHILDREN, V, KEEP },
    { SNAP_REC_CAPTURE, SNAP_CAP_THREADS_OMITTED, V, KEEP },
    { SNAP_REC_CAPTURE, SNAP_CAP_REDACTED, V, REDACTED },
    { SNAP_REC_CAPTURE, SNAP_CAP_BBX_MAPPED, V, KEEP },
    { SNAP_REC_MEMORY, SNAP_MEM_AGE_MS, V, KEEP },
    { SNAP_REC_MEMORY, SNAP_MEM_KINDF, B, KEEP },
    { SNAP_REC_MEMORY, SNAP_MEM_RSS_KB, V, KEEP },
    { SNAP_REC_MEMORY, SNAP_MEM_PSS_KB, V, KEEP },
    { SNAP_REC_MEMORY, SNAP_MEM_SWAP_KB, V, KEEP },
    { SNAP_REC_MEMORY, SNAP_MEM_CGROUP, B, KEEP }, /* a cgroup, not a file path */
    { SNAP_REC_MEMORY, SNAP_MEM_CG_CURRENT, V, KEEP },
    { SNAP_REC_MEMORY, SNAP_MEM_CG_MAX, V, KEEP },
    { SNAP_REC_MEMORY, SNAP_MEM_CG_OOM_KILLS, V, KEEP },
    { SNAP_REC_MEMORY, SNAP_MEM_CG_OOM, V, KEEP },
    { SNAP_REC_MEMORY, SNAP_MEM_CG_SWAP, V, KEEP },
    { SNAP_REC_MEMORY, SNAP_MEM_CG_HIGH, V, KEEP },
    { SNAP_REC_MEMORY, SNAP_MEM_PHYS_KB, V, KEEP },
    { SNAP_REC_MEMORY, SNAP_MEM_AVAIL_KB, V, KEEP },
    { SNAP_REC_MEMORY, SNAP_MEM_MALLOC_ARENA, V, KEEP },
    { SNAP_REC_MEMORY, SNAP_MEM_MALLOC_MMAP, V, KEEP },
    { SNAP_REC_MEMORY, SNAP_MEM_MALLOC_INUSE, V, KEEP },
    { SNAP_REC_MEMORY, SNAP_MEM_MALLOC_FREE, V, KEEP },
    { SNAP_REC_MEMORY, SNAP_MEM_WATERMARK, V, KEEP },
    { SNAP_REC_MEMORY, SNAP_MEM_READ_US, V, KEEP },
    { SNAP_REC_HEAP, SNAP_HEAP_INTERVAL, V, KEEP },
    { SNAP_REC_HEAP, SNAP_HEAP_SAMPLES, V, KEEP },
    { SNAP_REC_HEAP, SNAP_HEAP_LIVE_SAMPLES, V, KEEP },
    { SNAP_REC_HEAP, SNAP_HEAP_ALLOC_BYTES, V, KEEP },
    { SNAP_REC_HEAP, SNAP_HEAP_ALLOC_OBJECTS, V, KEEP },
    { SNAP_REC_HEAP, SNAP_HEAP_LIVE_BYTES, V, KEEP },
    { SNAP_REC_HEAP, SNAP_HEAP_LIVE_OBJECTS, V, KEEP },
    { SNAP_REC_HEAP, SNAP_HEAP_LOST, V, KEEP },
    { SNAP_REC_HEAP, SNAP_HEAP_START_MS, V, KEEP },
    { SNAP_REC_HEAP, SNAP_HEAP_STACKS, V, KEEP },
    { SNAP_REC_HEAP_STACK, SNAP_HSTK_FRAMES, B, KEEP }, /* addresses, as ORIGIN's */
    { SNAP_REC_HEAP_STACK, SNAP_HSTK_LIVE_BYTES, V, KEEP },
    { SNAP_REC_HEAP_STACK, SNAP_HSTK_LIVE_OBJECTS, V, KEEP },
    { SNAP_REC_HEAP_STACK, SNAP_HSTK_ALLOC_BYTES, V, KEEP },
    { SNAP_REC_HEAP_STACK, SNAP_HSTK_ALLOC_OBJECTS, V, KEEP },
    { SNAP_REC_HEAP_STACK, SNAP_HSTK_LIVE_SAMPLES, V, KEEP },
    { SNAP_REC_HEAP_STACK, SNAP_HSTK_SAMPLES, V, KEEP },
    { SNAP_REC_HEAP_STACK, SNAP_HSTK_TRUNCATED, V, KEEP },
    { SNAP_REC_HEAP_STACK, SNAP_HSTK_MMAP, V, KEEP },
    { SNAP_REC_HEAP_STACK, SNAP_HSTK_ID, V, KEEP },
    { SNAP_REC_MEMORY, SNAP_MEM_VM_SIZE_KB, V, KEEP },
    { SNAP_REC_ORIGIN, SNAP_ORIG_RESOURCE, V, KEEP },
    { SNAP_REC_ORIGIN, SNAP_ORIG_ID, V, KEEP },
    { SNAP_REC_ORIGIN, SNAP_ORIG_FRAMES, B, KEEP },
    { SNAP_REC_ORIGIN, SNAP_ORIG_TIME_MS, V, KEEP },
    { SNAP_REC_ORIGIN, SNAP_ORIG_TID, V, KEEP },
    { SNAP_REC_ORIGIN, SNAP_ORIG_CALL, B, KEEP },
    { SNAP_REC_ORIGIN, SNAP_ORIG_UNKNOWN, V, KEEP },
    { SNAP_REC_ORIGIN, SNAP_ORIG_START, V, KEEP },
    { SNAP_REC_ORIGIN, SNAP_ORIG_TRUNCATED, V, KEEP },
    { SNAP_REC_CHILD, SNAP_CHILD_PID, V, KEEP },
    { SNAP_REC_CHILD, SNAP_CHILD_STATE, V, KEEP },
    { SNAP_REC_CHILD, SNAP_CHILD_ZOMBIE, V, KEEP },
    { SNAP_REC_CHILD, SNAP_CHILD_CMDLINE, B, ARGS },
    { SNAP_REC_CHILD, SNAP_CHILD_COMM, B, KEEP },
    { SNAP_REC_CHILD, SNAP_CHILD_START_MS, V, KEEP },
    { SNAP_REC_CHILD, SNAP_CHILD_WCHAN, B, KEEP },
    { SNAP_REC_CHILD, SNAP_CHILD_STDIN, B, TARGET },
    { SNAP_REC_CHILD, SNAP_CHILD_STDOUT, B, TARGET },
    { SNAP_REC_CHILD, SNAP_CHILD_STDERR, B, TARGET },
    { SNAP_REC_LAUNCH, SNAP_LAUNCH_CALL, B, KEEP },
    { SNAP_REC_LAUNCH, SNAP_LAUNCH_SEQ, V, KEEP },
    { SNAP_REC_LAUNCH, SNAP_LAUNCH_PID, V, KEEP },
    { SNAP_REC_LAUNCH, SNAP_LAUNCH_LAUNCHER, V, KEEP },
    { SNAP_REC_LAUNCH, SNAP_LAUNCH_TID, V, KEEP },
    { SNAP_REC_LAUNCH, SNAP_LAUNCH_TIME_MS, V, KEEP },
    { SNAP_REC_LAUNCH, SNAP_LAUNCH_FRAMES, B, KEEP },
    { SNAP_REC_LAUNCH, SNAP_LAUNCH_TRUNCATED, V, KEEP },
    { SNAP_REC_LAUNCH, SNAP_LAUNCH_ARGS, B, ARGS },
    { SNAP_REC_LAUNCH, SNAP_LAUNCH_ERRNO, V, KEEP },
    { SNAP_REC_LAUNCH, SNAP_LAUNCH_PATH, B, ENV_VALUE },
    { SNAP_REC_LAUNCH, SNAP_LAUNCH_IN_CHILD, V, KEEP },
    { SNAP_REC_LAUNCH, SNAP_LAUNCH_STATUS, V, KEEP },
    { SNAP_REC_LAUNCH, SNAP_LAUNCH_END_MS, V, KEEP },
    { SNAP_REC_LAUNCH, SNAP_LAUNCH_FD, V, KEEP },
    { SNAP_REC_LAUNCH, SNAP_LAUNCH_FILE, B, ARG_FILE },
    { SNAP_REC_SESSION, SNAP_SES_TAKEN_MS, V, KEEP },
    { SNAP_REC_SESSION, SNAP_SES_ENV, B, ENV },
    { SNAP_REC_SESSION, SNAP_SES_CWD, B, PATH },
    { SNAP_REC_SESSION, SNAP_SES_UMASK, V, KEEP },
    { SNAP_REC_SESSION, SNAP_SES_IDS, B, KEEP },
    { SNAP_REC_SESSION, SNAP_SES_GROUPS, B, KEEP },
    { SNAP_REC_SESSION, SNAP_SES_CAPS, B, KEEP },
    { SNAP_REC_SESSION, SNAP_SES_NO_NEW_PRIVS, V, KEEP },
    { SNAP_REC_SESSION, SNAP_SES_SECCOMP, V, KEEP },
    { SNAP_REC_SESSION, SNAP_SES_SANDBOX, B, KEEP },
    { SNAP_REC_SESSION, SNAP_SES_CGROUP, B, KEEP },
    { SNAP_REC_SESSION, SNAP_SES_PARENT, B, KEEP },
    { SNAP_REC_SESSION, SNAP_SES_TTY, V, KEEP },
    { SNAP_REC_SESSION, SNAP_SES_LSM, B, KEEP },
    { SNAP_REC_SESSION, SNAP_SES_DRI, B, KEEP },
    { SNAP_REC_SESSION, SNAP_SES_ENV_OMITTED, V, KEEP },
};

#undef V
#undef B

typedef struct scrub {
    snap_writer w;
    unsigned parts;
    snap_scrub_result *res;
    uint64_t in_redacted; /* REDACTED of the input */
    int wrote_redacted;   /* a CAPTURE record with REDACTED was written */
    char *args;           /* the secret filter's output */
    size_t args_cap;
    int oom;
} scrub;

static int record_known(uint64_t type)
{
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (known[i].type == type)
            return 1;
    return 0;
}

static const struct known *field_known(uint64_t type, const snap_field *f)
{
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
        if (known[i].type == type && known[i].number == f->number && known[i].wire == f->wire)
            return &known[i];
    return NULL;
}

static void put_args(scrub *sc, const snap_field *f)
{
    if (sc->parts & SNAP_REDACT_CMDLINE)
        return;
    if (!(sc->parts & SNAP_REDACT_SECRETS)) {
        snap_put_bytes(&sc->w, f->number, f->data, f->len);
        return;
    }
    /* "[redacted]" is at most 10 bytes where 2 or more stood ("a=b"... ) */
    size_t need = f->len * 6 + 16;
    if (need > sc->args_cap) {
        char *p = realloc(sc->args, need);
        if (!p) {
            sc->oom = 1;
            return;
        }
        sc->args = p;
        sc->args_cap = need;
    }
    size_t n = snap_redact_args((const char *)f->data, f->len, sc->args, sc->args_cap, NULL);
    snap_put_bytes(&sc->w, f->number, sc->args, n);
}

/* NAME=VALUE: left out under ENV; a secret-looking name's value replaced
 * under SECRETS. */
static void put_env(scrub *sc, const snap_field *f)
{
    const char *s = (const char *)f->data;
    const char *eq = memchr(s, '=', f->len);
    char buf[512];
    if (sc->parts & SNAP_REDACT_ENV)
        return;
    if (eq && sc->parts & SNAP_REDACT_SECRETS && snap_redact_env_secret(s, (size_t)(eq - s)) &&
        (size_t)(eq - s) + 1 + strlen(SNAP_REDACTED_TEXT) <= sizeof(buf)) {
        size_t n = (size_t)(eq - s) + 1;
        memcpy(buf, s, n);
        memcpy(buf + n, SNAP_REDACTED_TEXT, strlen(SNAP_REDACTED_TEXT));
        snap_put_bytes(&sc->w, f->number, buf, n + strlen(SNAP_REDACTED_TEXT));
        return;
    }
    if (eq && sc->parts & SNAP_REDACT_SECRETS && snap_redact_env_secret(s, (size_t)(eq - s)))
        return; /* a name too long to rewrite: left out */
    snap_put_bytes(&sc->w, f->number, f->data, f->len);
}

static void put_replaced(scrub *sc, const snap_field *f, int replace)
{
    if (replace)
        snap_put_str(&sc->w, f->number, SNAP_REDACTED_TEXT);
    else
        snap_put_bytes(&sc->w, f->number, f->data, f->len);
}

static void put_field(scrub *sc, const struct known *k, const snap_field *f)
{
    snap_writer *w = &sc->w;
    const char *s = (const char *)f->data;
    unsigned parts = sc->parts;
    size_t n;
    switch (k->action) {
    case KEEP:
        if (f->wire == SNAP_WIRE_VARINT)
            snap_put_u64(w, f->number, f->value);
        else
            snap_put_bytes(w, f->number, f->data, f->len);
        break;
    case ARGS: put_args(sc, f); break;
    case FILE_NAME:
        if (parts & SNAP_REDACT_PATHS) {
            s = snap_redact_basename(s, f->len, &n);
            snap_put_bytes(w, f->number, s, n);
        } else {
            snap_put_bytes(w, f->number, f->data, f->len);
        }
        break;
    case TARGET:
        put_replaced(sc, f, parts & SNAP_REDACT_PATHS && snap_redact_target_is_path(s, f->len));
        break;
    case LOCAL:
        put_replaced(sc, f, parts & SNAP_REDACT_PATHS && snap_redact_sockaddr_is_name(s, f->len));
        break;
    case PEER:
        if (!(parts & SNAP_REDACT_PEERS))
            snap_put_bytes(w, f->number, f->data, f->len);
        break;
    case HOST:
        if (!(parts & SNAP_REDACT_HOST))
            snap_put_bytes(w, f->number, f->data, f->len);
        break;
    case REGS:
        if (!(parts & SNAP_REDACT_REGISTERS))
            snap_put_bytes(w, f->number, f->data, f->len);
        break;
    case REDACTED:
        sc->in_redacted |= f->value; /* written once, at the end of the record */
        break;
    case ENV: put_env(sc, f); break;
    case PATH: put_replaced(sc, f, parts & SNAP_REDACT_PATHS && f->len > 0); break;
    case ENV_VALUE:
        if (!(parts & SNAP_REDACT_ENV))
            snap_put_bytes(w, f->number, f->data, f->len);
        break;
    case ARG_FILE:
        if (parts & SNAP_REDACT_CMDLINE)
            break;
        s = parts & SNAP_REDACT_PATHS ? snap_redact_basename(s, f->len, &n) : s;
        snap_put_bytes(w, f->number, s, parts & SNAP_REDACT_PATHS ? n : f->len);
        break;
    }
}

static void end_record(scrub *sc)
{
    snap_rec_end(&sc->w);
    if (sc->w.rec_overflow)
        sc->res->too_large++;
    else if (!sc->w.error)
        sc->res->records_out++;
}

static void on_record(void *ctx, uint64_t type, const uint8_t *p, size_t n)
{
    scrub *sc = ctx;
    const uint8_t *end = p + n;
    snap_field f;
    if (sc->oom || sc->w.error)
        return;
    if (!record_known(type)) {
        sc->res->unknown_records++;
        sc->res->dropped_records++;
        return;
    }
    if ((type == SNAP_REC_BREADCRUMB && sc->parts & SNAP_REDACT_BREADCRUMBS) ||
        (type == SNAP_REC_ANNOTATION && sc->parts & SNAP_REDACT_ANNOTATIONS)) {
        sc->res->dropped_records++;
        return;
    }
    snap_rec_begin(&sc->w, (unsigned)type);
    while (snap_field_next(&p, end, &f) == SNAP_FIELD_OK) {
        const struct known *k = field_known(type, &f);
        if (k)
            put_field(sc, k, &f);
        else
            sc->res->unknown_fields++;
    }
    if (type == SNAP_REC_CAPTURE) {
        snap_put_u64(&sc->w, SNAP_CAP_REDACTED, sc->in_redacted | sc->parts);
        sc->wrote_redacted = 1;
    }
    end_record(sc);
}

int snap_scrub(const char *in_path, int out_fd, unsigned parts, snap_scrub_result *res,
               char *err, size_t errlen)
{
    scrub sc;
    size_t ws_size = snap_writer_workspace_size(WRITER_LEVEL);
    void *ws = malloc(ws_size);
    char why[256];
    int rc = -1;
    memset(&sc, 0, sizeof(sc));
    memset(res, 0, sizeof(*res));
    sc.parts = parts;
    sc.res = res;
    if (!ws || snap_writer_prepare(&sc.w, ws, ws_size, WRITER_LEVEL) != 0) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    snap_writer_begin(&sc.w, out_fd);
    snap *s = snap_read_file_records(in_path, on_record, &sc, why, sizeof(why));
    if (!s) {
        snprintf(err, errlen, "%s", why);
        goto out;
    }
    res->complete = s->complete;
    snprintf(res->incomplete_why, sizeof(res->incomplete_why), "%s",
             s->incomplete_why ? s->incomplete_why : "");
    snap_free(s);
    if (sc.oom) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (!sc.wrote_redacted) { /* a cut file: say what was held back all the same */
        snap_rec_begin(&sc.w, SNAP_REC_CAPTURE);
        snap_put_u64(&sc.w, SNAP_CAP_REDACTED, sc.in_redacted | parts);
        end_record(&sc);
    }
    res->redacted = sc.in_redacted | parts;
    if (res->complete)
        snap_writer_finish(&sc.w);
    else
        snap_writer_flush(&sc.w); /* no END: the output is incomplete as the input was */
    if (sc.w.error) {
        snprintf(err, errlen, "cannot write the output (%s)",
                 sc.w.error == BBX_EIO ? "write error" : "compression failed");
        goto out;
    }
    rc = 0;
out:
    free(sc.args);
    free(ws);
    return rc;
}
