/*
 * snap_model.c - decodes record payloads into the in-memory snapshot, and
 * the snapshot's lookups and destructor.
 *
 * Singleton records (PROCESS, TRIGGER, CAPTURE, X11_RESOURCES, MEMORY, HEAP) merge: a later record sets
 * the fields it carries.  Repeated records (THREAD, FD, MODULE, BREADCRUMB,
 * ANNOTATION, ORIGIN, CHILD, HEAP_STACK) each add an item.  A known field with an unexpected wire type
 * is skipped; a string field that appears twice keeps the last value.
 */
#include "snap_model.h"

#include <stdlib.h>
#include <string.h>

#include "snap_format.h"
#include "snap_codec.h"

#define IS_VARINT(f) ((f)->wire == SNAP_WIRE_VARINT)
#define IS_BYTES(f) ((f)->wire == SNAP_WIRE_BYTES)
/* Longest back-scan of snap_module_for_pc() over overlapping modules. */
#define MODULE_OVERLAP_SCAN 64

void snap_builder_init(snap_builder *b, snap *s)
{
    memset(b, 0, sizeof(*b));
    b->s = s;
}

/* A NUL-terminated copy of p[n]; NULL when out of memory. */
static char *dup_bytes(const uint8_t *p, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    if (n)
        memcpy(d, p, n);
    d[n] = 0;
    return d;
}

/* Replace the string *dst with the bytes field f.  0 or -1 (no memory). */
/* A bump allocator for the many small thread strings of SNAP_READ_RAW_FRAMES
 * (a malloc and free each was a quarter of folding 1M stacks). */
struct snap_block {
    struct snap_block *next;
    size_t used, cap;
    unsigned char data[];
};

#define BLOCK_SIZE (64u << 10)

static void *block_alloc(snap *s, size_t n)
{
    struct snap_block *b = s->blocks;
    n = (n + 7) & ~(size_t)7;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > BLOCK_SIZE ? n : BLOCK_SIZE;
        if (!(b = malloc(sizeof(*b) + cap)))
            return NULL;
        b->next = s->blocks;
        b->used = 0;
        b->cap = cap;
        s->blocks = b;
    }
    void *p = b->data + b->used;
    b->used += n;
    return p;
}

/* A NUL-terminated copy of the field's bytes in a block. */
static char *block_str(snap *s, const snap_field *f)
{
    char *d = block_alloc(s, f->len + 1);
    if (d) {
        memcpy(d, f->data, f->len);
        d[f->len] = '\0';
    }
    return d;
}

static int set_str(char **dst, const snap_field *f)
{
    char *d = dup_bytes(f->data, f->len);
    if (!d)
        return -1;
    free(*dst);
    *dst = d;
    return 0;
}

/*
 * Make room for one more item of `elem` bytes in *arr (count *n, capacity
 * *cap) and return it zeroed; NULL when the cap is reached (counted as
 * dropped) or memory runs out (*oom set).
 */
static void *append(snap_builder *b, void **arr, size_t *n, size_t *cap,
                    size_t elem, int *oom)
{
    if (*n >= SNAP_READ_MAX_ITEMS) {
        b->s->dropped_items++;
        return NULL;
    }
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        if (ncap > SNAP_READ_MAX_ITEMS)
            ncap = SNAP_READ_MAX_ITEMS;
        void *na = realloc(*arr, ncap * elem);
        if (!na) {
            *oom = 1;
            return NULL;
        }
        *arr = na;
        *cap = ncap;
    }
    void *item = (char *)*arr + *n * elem;
    memset(item, 0, elem);
    (*n)++;
    return item;
}

#define APPEND(b, arr, n, cap, oom) \
    append((b), (void **)&(arr), &(n), &(cap), sizeof(*(arr)), (oom))

/* Decode packed varints f into a new array of at most `max`.  Frame deltas
 * when `deltas`.  Sets *cut when entries were dropped.  0 or -1 (memory). */
static int unpack(snap_builder *b, const snap_field *f, size_t max, int deltas,
                  uint64_t **out, size_t *n_out, int *cut)
{
    const uint8_t *p = f->data, *end = f->data + f->len;
    /* every varint takes at least one byte: f->len bounds the count */
    size_t n = f->len, k = 0;
    uint64_t *v = NULL, prev = 0;
    if (n > max)
        n = max;
    if (n && !(v = malloc(n * sizeof(*v))))
        return -1;
    while (p < end && k < n) {
        uint64_t x;
        if (snap_varint_get(&p, end, &x) != SNAP_VARINT_OK) {
            b->bad = 1; /* over 64 bits, or a varint cut by the end of the field */
            break;
        }
        if (deltas) {
            prev += (uint64_t)snap_unzigzag(x); /* wraps, as the writer's did */
            x = prev;
        }
        v[k++] = x;
    }
    if (k == n && p < end) {
        *cut = 1; /* more than max values */
        if (snap_varint_count(p, end) == 0)
            b->bad = 1; /* ... and a varint cut by the end of the field */
    }
    free(*out);
    *out = v;
    *n_out = k;
    return 0;
}

long snap_frames_decode(const uint8_t *p, size_t len, uint64_t *out, size_t max, int *cut)
{
    const uint8_t *end = p + len;
    uint64_t prev = 0;
    size_t k = 0;
    while (p < end && k < max) {
        uint64_t x;
        if (snap_varint_get(&p, end, &x) != SNAP_VARINT_OK)
            return -1;
        prev += (uint64_t)snap_unzigzag(x); /* wraps, as the writer's did */
        out[k++] = prev;
    }
    if (cut)
        *cut = p < end;
    return (long)k;
}

/* SNAP_READ_RAW_FRAMES: a copy of the field's bytes; n_frames counts the
 * varints (capped as decoded frames are). */
static int keep_raw_frames(snap_builder *b, snap_thread *t, const snap_field *f)
{
    uint8_t *copy = block_alloc(b->s, f->len ? f->len : 1);
    if (!copy)
        return -1;
    memcpy(copy, f->data, f->len);
    t->frames_raw = copy; /* a repeated field leaves the old copy in its block */
    t->frames_raw_len = f->len;
    t->n_frames = snap_varint_count(f->data, f->data + f->len);
    if (t->n_frames > SNAP_READ_MAX_FRAMES) {
        t->n_frames = SNAP_READ_MAX_FRAMES;
        t->truncated = 1;
    }
    return 0;
}

static int process_field(snap_builder *b, void *obj, const snap_field *f)
{
    snap_process *pr = obj;
    int oom = 0;
    if (IS_VARINT(f)) {
        switch (f->number) {
        case SNAP_PROC_PID: pr->pid = f->value; break;
        case SNAP_PROC_PPID: pr->ppid = f->value; break;
        case SNAP_PROC_START_MS: pr->start_ms = f->value; break;
        case SNAP_PROC_VM_RSS_KB: pr->vm_rss_kb = f->value; break;
        case SNAP_PROC_VM_SIZE_KB: pr->vm_size_kb = f->value; break;
        case SNAP_PROC_VM_HWM_KB: pr->vm_hwm_kb = f->value; break;
        case SNAP_PROC_THREADS: pr->threads = f->value; break;
        case SNAP_PROC_UID: pr->uid = f->value; break;
        case SNAP_PROC_TIME_MS: pr->time_ms = f->value; break;
        case SNAP_PROC_FD_LIMIT: pr->fd_limit = f->value; break;
        default: break;
        }
        return 0;
    }
    switch (f->number) {
    case SNAP_PROC_EXE: return set_str(&pr->exe, f);
    case SNAP_PROC_APP: return set_str(&pr->app, f);
    case SNAP_PROC_HOSTNAME: return set_str(&pr->hostname, f);
    case SNAP_PROC_KERNEL: return set_str(&pr->kernel, f);
    case SNAP_PROC_ARCH: return set_str(&pr->arch, f);
    case SNAP_PROC_CMDLINE:
        if (set_str(&pr->cmdline, f) < 0)
            return -1;
        pr->cmdline_len = f->len;
        return 0;
    case SNAP_PROC_RLIMIT: {
        const uint8_t *p = f->data, *end = f->data + f->len;
        uint64_t v[3];
        for (int i = 0; i < 3; i++) {
            if (snap_varint_get(&p, end, &v[i]) != SNAP_VARINT_OK) {
                b->bad = 1;
                return 0;
            }
        }
        snap_rlimit *rl = APPEND(b, pr->rlimits, pr->n_rlimits, b->cap_rlimits, &oom);
        if (rl) {
            rl->resource = v[0];
            rl->cur = v[1];
            rl->max = v[2];
        }
        return oom ? -1 : 0;
    }
    default: return 0;
    }
}

static int trigger_field(snap_builder *b, void *obj, const snap_field *f)
{
    snap_trigger *t = obj;
    if (IS_BYTES(f))
        return f->number == SNAP_TRIG_REASON      ? set_str(&t->reason, f)
               : f->number == SNAP_TRIG_HUNG_NAME ? set_str(&t->hung_name, f)
                                                  : 0;
    switch (f->number) {
    case SNAP_TRIG_KIND: t->kind = f->value; break;
    case SNAP_TRIG_SIGNAL: t->signal = f->value; break;
    case SNAP_TRIG_CODE: t->code = snap_unzigzag(f->value); break;
    case SNAP_TRIG_ADDR: t->addr = f->value; break;
    case SNAP_TRIG_SENDER_PID: t->sender_pid = f->value; break;
    case SNAP_TRIG_TID: t->tid = f->value; break;
    case SNAP_TRIG_SENDER_UID: t->sender_uid = f->value; break;
    case SNAP_TRIG_SEQ: t->seq = f->value; break;
    case SNAP_TRIG_HUNG_TID: t->hung_tid = f->value; break;
    case SNAP_TRIG_HUNG_MS: t->hung_ms = f->value; break;
    case SNAP_TRIG_HUNG_CPU_MS: t->hung_cpu_ms = f->value; break;
    case SNAP_TRIG_HUNG_LIMIT_MS: t->hung_limit_ms = f->value; break;
    case SNAP_TRIG_HUNG_STATE: t->hung_state = f->value; break;
    default: break;
    }
    return 0;
}

static int thread_field(snap_builder *b, void *obj, const snap_field *f)
{
    snap_thread *t = obj;
    if (IS_BYTES(f)) {
        int cut = 0, rc;
        switch (f->number) {
        case SNAP_THR_NAME:
            if (b->flags & SNAP_READ_RAW_FRAMES)
                return (t->name = block_str(b->s, f)) ? 0 : -1;
            return set_str(&t->name, f);
        case SNAP_THR_WCHAN: return set_str(&t->wchan, f);
        case SNAP_THR_FRAMES:
            if (b->flags & SNAP_READ_RAW_FRAMES)
                return keep_raw_frames(b, t, f);
            rc = unpack(b, f, SNAP_READ_MAX_FRAMES, 1, &t->frames, &t->n_frames, &cut);
            if (cut)
                t->truncated = 1;
            return rc;
        case SNAP_THR_REGS:
            return unpack(b, f, SNAP_READ_MAX_REGS, 0, &t->regs, &t->n_regs, &cut);
        default: return 0;
        }
    }
    switch (f->number) {
    case SNAP_THR_TID: t->tid = f->value; break;
    case SNAP_THR_STATE:
        /* A /proc state letter; anything unprintable is "unknown". */
        t->state = f->value > 0x20 && f->value < 0x7f ? (char)f->value : 0;
        break;
    case SNAP_THR_CRASHED: t->crashed = f->value != 0; break;
    case SNAP_THR_STATUS: t->status = f->value; break;
    case SNAP_THR_KERNEL_PC: t->kernel_pc = f->value; break;
    case SNAP_THR_SYSCALL:
        t->syscall = snap_unzigzag(f->value);
        t->has_syscall = 1;
        break;
    case SNAP_THR_TRUNCATED: t->truncated = t->truncated || f->value != 0; break;
    case SNAP_THR_SIGNAL: t->signal = f->value; break;
    case SNAP_THR_BBX: t->bbx_internal = f->value != 0; break;
    case SNAP_THR_METHOD: t->method = f->value; break;
    case SNAP_THR_REUSED: t->reused = f->value != 0; break;
    case SNAP_THR_LOCK_ADDR: t->lock_addr = f->value; break;
    case SNAP_THR_LOCK_OWNER: t->lock_owner = f->value; break;
    case SNAP_THR_LOCK_KIND: t->lock_kind = f->value; break;
    default: break;
    }
    return 0;
}

static int fd_field(snap_builder *b, void *obj, const snap_field *f)
{
    snap_fd *d = obj;
    if (IS_BYTES(f)) {
        switch (f->number) {
        case SNAP_FD_TARGET: return set_str(&d->target, f);
        case SNAP_FD_SOCK_LOCAL: return set_str(&d->sock_local, f);
        case SNAP_FD_SOCK_PEER: return set_str(&d->sock_peer, f);
        case SNAP_FD_DETAILS: return set_str(&d->details, f);
        default: return 0;
        }
    }
    switch (f->number) {
    case SNAP_FD_NUM: d->fd = f->value; break;
    case SNAP_FD_KINDF: d->kind = f->value; break;
    case SNAP_FD_FLAGS: d->flags = f->value; d->has_flags = 1; break;
    case SNAP_FD_OFFSET: d->offset = f->value; d->has_offset = 1; break;
    case SNAP_FD_INODE: d->inode = f->value; break;
    case SNAP_FD_SOCK_FAMILY: d->sock_family = f->value; break;
    case SNAP_FD_SOCK_TYPE: d->sock_type = f->value; break;
    case SNAP_FD_SOCK_PROTO: d->sock_proto = f->value; break;
    case SNAP_FD_CLOEXEC: d->cloexec = f->value != 0; break;
    case SNAP_FD_SIZE: d->size = f->value; break;
    case SNAP_FD_CLOSED_BY_BBX: d->closed_by_bbx = f->value != 0; break;
    case SNAP_FD_BBX: d->bbx = f->value; break;
    default: break;
    }
    return 0;
}

/* A copy of a bytes field (NULL and 0 when empty); the last one wins. */
static int set_bytes(uint8_t **p, size_t *len, const snap_field *f)
{
    uint8_t *copy = f->len ? malloc(f->len) : NULL;
    if (f->len && !copy)
        return -1;
    if (f->len)
        memcpy(copy, f->data, f->len);
    free(*p);
    *p = copy;
    *len = f->len;
    return 0;
}

static int module_field(snap_builder *b, void *obj, const snap_field *f)
{
    snap_module *m = obj;
    if (IS_BYTES(f)) {
        if (f->number == SNAP_MOD_PATH)
            return set_str(&m->path, f);
        if (f->number == SNAP_MOD_BUILD_ID)
            return set_bytes(&m->build_id, &m->build_id_len, f);
        if (f->number == SNAP_MOD_IMAGE)
            return set_bytes(&m->image, &m->image_len, f);
        return 0;
    }
    switch (f->number) {
    case SNAP_MOD_BIAS: m->bias = f->value; break;
    case SNAP_MOD_START: m->start = f->value; break;
    case SNAP_MOD_END: m->end = f->value; break;
    default: break;
    }
    return 0;
}

static int breadcrumb_field(snap_builder *b, void *obj, const snap_field *f)
{
    snap_breadcrumb *c = obj;
    if (IS_BYTES(f))
        return f->number == SNAP_BC_TEXT ? set_str(&c->text, f) : 0;
    if (f->number == SNAP_BC_TIME_MS)
        c->time_ms = f->value;
    else if (f->number == SNAP_BC_TID)
        c->tid = f->value;
    return 0;
}

static int annotation_field(snap_builder *b, void *obj, const snap_field *f)
{
    snap_annotation *a = obj;
    if (!IS_BYTES(f))
        return 0;
    if (f->number == SNAP_ANN_KEY)
        return set_str(&a->key, f);
    if (f->number == SNAP_ANN_VALUE)
        return set_str(&a->value, f);
    return 0;
}

static int capture_field(snap_builder *b, void *obj, const snap_field *f)
{
    snap_capture *c = obj;
    if (IS_BYTES(f))
        return f->number == SNAP_CAP_VERSION ? set_str(&c->version, f) : 0;
    switch (f->number) {
    case SNAP_CAP_DURATION_US: c->duration_us = f->value; break;
    case SNAP_CAP_THREADS: c->threads = f->value; break;
    case SNAP_CAP_THREADS_OMITTED: c->threads_omitted = f->value; break;
    case SNAP_CAP_UNWOUND: c->unwound = f->value; break;
    case SNAP_CAP_FDS: c->fds = f->value; break;
    case SNAP_CAP_MODULES: c->modules = f->value; break;
    case SNAP_CAP_THREADS_US: c->threads_us = f->value; break;
    case SNAP_CAP_FDS_US: c->fds_us = f->value; break;
    case SNAP_CAP_BBX_MAPPED: c->bbx_mapped = f->value; break;
    case SNAP_CAP_TRACKING: c->tracking = f->value; break;
    case SNAP_CAP_ORIGINS: c->origins = f->value; break;
    case SNAP_CAP_TRACK_LOST: c->track_lost = f->value; break;
    case SNAP_CAP_CHILDREN: c->children = f->value; break;
    case SNAP_CAP_REDACTED: c->redacted = f->value; break;
    default: break;
    }
    return 0;
}

static int origin_field(snap_builder *b, void *obj, const snap_field *f)
{
    snap_origin *o = obj;
    if (IS_BYTES(f)) {
        int cut = 0, rc;
        if (f->number == SNAP_ORIG_CALL)
            return set_str(&o->call, f);
        if (f->number != SNAP_ORIG_FRAMES)
            return 0;
        rc = unpack(b, f, SNAP_READ_MAX_FRAMES, 1, &o->frames, &o->n_frames, &cut);
        if (cut)
            o->truncated = 1;
        return rc;
    }
    switch (f->number) {
    case SNAP_ORIG_RESOURCE: o->resource = f->value; break;
    case SNAP_ORIG_ID: o->id = f->value; break;
    case SNAP_ORIG_TIME_MS: o->time_ms = f->value; break;
    case SNAP_ORIG_TID: o->tid = f->value; break;
    case SNAP_ORIG_UNKNOWN: o->unknown = f->value != 0; break;
    case SNAP_ORIG_START: o->start = f->value; break;
    case SNAP_ORIG_TRUNCATED: o->truncated = o->truncated || f->value != 0; break;
    default: break;
    }
    return 0;
}

static int child_field(snap_builder *b, void *obj, const snap_field *f)
{
    snap_child *c = obj;
    (void)b;
    if (IS_BYTES(f)) {
        if (f->number == SNAP_CHILD_COMM)
            return set_str(&c->comm, f);
        if (f->number == SNAP_CHILD_WCHAN)
            return set_str(&c->wchan, f);
        if (f->number >= SNAP_CHILD_STDIN && f->number <= SNAP_CHILD_STDERR)
            return set_str(&c->std_fds[f->number - SNAP_CHILD_STDIN], f);
        if (f->number == SNAP_CHILD_CMDLINE) {
            if (set_str(&c->cmdline, f) < 0)
                return -1;
            c->cmdline_len = f->len;
        }
        return 0;
    }
    switch (f->number) {
    case SNAP_CHILD_PID: c->pid = f->value; break;
    case SNAP_CHILD_STATE:
        c->state = f->value > 0x20 && f->value < 0x7f ? (char)f->value : 0;
        break;
    case SNAP_CHILD_ZOMBIE: c->zombie = f->value != 0; break;
    case SNAP_CHILD_START_MS: c->start_ms = f->value; break;
    default: break;
    }
    return 0;
}

static int launch_field(snap_builder *b, void *obj, const snap_field *f)
{
    snap_launch *l = obj;
    if (IS_BYTES(f)) {
        int cut = 0, rc;
        switch (f->number) {
        case SNAP_LAUNCH_CALL: return set_str(&l->call, f);
        case SNAP_LAUNCH_PATH: return set_str(&l->path, f);
        case SNAP_LAUNCH_FILE: return set_str(&l->file, f);
        case SNAP_LAUNCH_ARGS:
            if (set_str(&l->args, f) < 0)
                return -1;
            l->args_len = f->len;
            return 0;
        case SNAP_LAUNCH_FRAMES:
            rc = unpack(b, f, SNAP_READ_MAX_FRAMES, 1, &l->frames, &l->n_frames, &cut);
            if (cut)
                l->truncated = 1;
            return rc;
        default: return 0;
        }
    }
    switch (f->number) {
    case SNAP_LAUNCH_SEQ: l->seq = f->value; break;
    case SNAP_LAUNCH_PID: l->pid = f->value; break;
    case SNAP_LAUNCH_LAUNCHER: l->launcher = f->value; break;
    case SNAP_LAUNCH_TID: l->tid = f->value; break;
    case SNAP_LAUNCH_TIME_MS: l->time_ms = f->value; break;
    case SNAP_LAUNCH_TRUNCATED: l->truncated = f->value != 0; break;
    case SNAP_LAUNCH_ERRNO: l->failed = 1; l->err = f->value; break;
    case SNAP_LAUNCH_IN_CHILD: l->in_child = f->value != 0; break;
    case SNAP_LAUNCH_STATUS: l->ended = 1; l->status = f->value; break;
    case SNAP_LAUNCH_END_MS: l->end_ms = f->value; break;
    case SNAP_LAUNCH_FD: l->has_fd = 1; l->fd = f->value; break;
    default: break;
    }
    return 0;
}

static int x11_field(snap_builder *b, void *obj, const snap_field *f)
{
    snap_x11 *x = obj;
    int oom = 0;
    if (IS_BYTES(f)) {
        if (f->number == SNAP_X11_DISPLAY)
            return set_str(&x->display, f);
        if (f->number != SNAP_X11_TYPE)
            return 0;
        const uint8_t *p = f->data, *end = f->data + f->len;
        uint64_t count;
        if (snap_varint_get(&p, end, &count) != SNAP_VARINT_OK) {
            b->bad = 1;
            return 0;
        }
        snap_x11_type *t = APPEND(b, x->types, x->n_types, b->cap_x11_types, &oom);
        if (!t)
            return oom ? -1 : 0;
        t->count = count;
        if (!(t->name = dup_bytes(p, (size_t)(end - p)))) {
            x->n_types--;
            return -1;
        }
        return 0;
    }
    switch (f->number) {
    case SNAP_X11_AGE_MS: x->age_ms = f->value; break;
    case SNAP_X11_CLIENTS: x->clients = f->value; break;
    case SNAP_X11_PIXMAP_BYTES: x->pixmap_bytes = f->value; break;
    case SNAP_X11_QUERY_US: x->query_us = f->value; break;
    case SNAP_X11_STALE: x->stale = f->value; break;
    default: break;
    }
    return 0;
}

/* A string appended to *arr (count *n, capacity *cap); 0 or -1 (memory). */
static int append_str(snap_builder *b, char ***arr, size_t *n, size_t *cap, const snap_field *f)
{
    int oom = 0;
    char **slot = append(b, (void **)arr, n, cap, sizeof(**arr), &oom);
    if (!slot)
        return oom ? -1 : 0;
    if (!(*slot = dup_bytes(f->data, f->len))) {
        (*n)--;
        return -1;
    }
    return 0;
}

/* Packed varints f into v[max]: how many, or -1 (malformed). */
static int unpack_fixed(const snap_field *f, uint64_t *v, size_t max)
{
    const uint8_t *p = f->data, *end = f->data + f->len;
    size_t k = 0;
    while (p < end && k < max)
        if (snap_varint_get(&p, end, &v[k++]) != SNAP_VARINT_OK)
            return -1;
    return (int)k;
}

static int session_bytes(snap_builder *b, snap_session *ses, const snap_field *f)
{
    int oom = 0, k;
    switch (f->number) {
    case SNAP_SES_ENV: return append_str(b, &ses->env, &ses->n_env, &b->cap_env, f);
    case SNAP_SES_SANDBOX:
        return append_str(b, &ses->sandbox, &ses->n_sandbox, &b->cap_sandbox, f);
    case SNAP_SES_CWD: return set_str(&ses->cwd, f);
    case SNAP_SES_CGROUP: return set_str(&ses->cgroup, f);
    case SNAP_SES_PARENT: return set_str(&ses->parent, f);
    case SNAP_SES_LSM: return set_str(&ses->lsm, f);
    case SNAP_SES_IDS:
        if ((k = unpack_fixed(f, ses->ids, 8)) == 8)
            ses->has_ids = 1;
        else
            b->bad = 1;
        return 0;
    case SNAP_SES_CAPS:
        if ((k = unpack_fixed(f, ses->caps, 5)) == 5)
            ses->has_caps = 1;
        else
            b->bad = 1;
        return 0;
    case SNAP_SES_GROUPS: {
        int cut = 0;
        return unpack(b, f, 1024, 0, &ses->groups, &ses->n_groups, &cut);
    }
    case SNAP_SES_DRI: {
        const uint8_t *p = f->data, *end = f->data + f->len;
        uint64_t access;
        if (snap_varint_get(&p, end, &access) != SNAP_VARINT_OK) {
            b->bad = 1;
            return 0;
        }
        snap_dri_node *d = APPEND(b, ses->dri, ses->n_dri, b->cap_dri, &oom);
        if (!d)
            return oom ? -1 : 0;
        d->access = access;
        if (!(d->name = dup_bytes(p, (size_t)(end - p)))) {
            ses->n_dri--;
            return -1;
        }
        return 0;
    }
    default: return 0;
    }
}

static int session_field(snap_builder *b, void *obj, const snap_field *f)
{
    snap_session *ses = obj;
    if (IS_BYTES(f))
        return session_bytes(b, ses, f);
    switch (f->number) {
    case SNAP_SES_TAKEN_MS: ses->taken_ms = f->value; break;
    case SNAP_SES_UMASK: ses->umask = f->value; ses->has_umask = 1; break;
    case SNAP_SES_NO_NEW_PRIVS: ses->no_new_privs = f->value; ses->has_nnp = 1; break;
    case SNAP_SES_SECCOMP: ses->seccomp = f->value; ses->has_seccomp = 1; break;
    case SNAP_SES_TTY: ses->tty = f->value; ses->has_tty = 1; break;
    case SNAP_SES_ENV_OMITTED: ses->env_omitted = f->value; break;
    default: break;
    }
    return 0;
}

const char *snap_session_env(const snap_session *ses, const char *name)
{
    size_t n = strlen(name);
    for (size_t i = 0; ses && i < ses->n_env; i++)
        if (strncmp(ses->env[i], name, n) == 0 && ses->env[i][n] == '=')
            return ses->env[i] + n + 1;
    return NULL;
}

static int memory_field(snap_builder *b, void *obj, const snap_field *f)
{
    snap_memory *m = obj;
    if (IS_BYTES(f)) {
        if (f->number == SNAP_MEM_CGROUP)
            return set_str(&m->cgroup, f);
        if (f->number != SNAP_MEM_KINDF)
            return 0;
        const uint8_t *p = f->data, *end = f->data + f->len;
        uint64_t v[6] = { 0 };
        for (int i = 0; i < 6 && p < end; i++)
            if (snap_varint_get(&p, end, &v[i]) != SNAP_VARINT_OK) {
                b->bad = 1;
                return 0;
            }
        if (v[0] == 0 || v[0] >= SNAP_MEM_KINDS)
            return 0; /* a kind this reader does not know */
        snap_mem_kind_use *k = &m->kinds[v[0]];
        k->present = 1;
        k->size_kb = v[1];
        k->rss_kb = v[2];
        k->pss_kb = v[3];
        k->swap_kb = v[4];
        k->mappings = v[5];
        return 0;
    }
    switch (f->number) {
    case SNAP_MEM_AGE_MS: m->age_ms = f->value; break;
    case SNAP_MEM_RSS_KB: m->rss_kb = f->value; break;
    case SNAP_MEM_PSS_KB: m->pss_kb = f->value; break;
    case SNAP_MEM_SWAP_KB: m->swap_kb = f->value; break;
    case SNAP_MEM_VM_SIZE_KB: m->vm_size_kb = f->value; break;
    case SNAP_MEM_CG_CURRENT: m->cg_current = f->value; m->has_cg_current = 1; break;
    case SNAP_MEM_CG_MAX: m->cg_max = f->value; m->has_cg_max = 1; break;
    case SNAP_MEM_CG_HIGH: m->cg_high = f->value; m->has_cg_high = 1; break;
    case SNAP_MEM_CG_OOM_KILLS: m->cg_oom_kills = f->value; m->has_cg_oom = 1; break;
    case SNAP_MEM_CG_OOM: m->cg_oom = f->value; m->has_cg_oom = 1; break;
    case SNAP_MEM_CG_SWAP: m->cg_swap = f->value; m->has_cg_swap = 1; break;
    case SNAP_MEM_PHYS_KB: m->phys_kb = f->value; break;
    case SNAP_MEM_AVAIL_KB: m->avail_kb = f->value; break;
    case SNAP_MEM_MALLOC_ARENA: m->malloc_arena = f->value; m->has_malloc = 1; break;
    case SNAP_MEM_MALLOC_MMAP: m->malloc_mmap = f->value; m->has_malloc = 1; break;
    case SNAP_MEM_MALLOC_INUSE: m->malloc_inuse = f->value; m->has_malloc = 1; break;
    case SNAP_MEM_MALLOC_FREE: m->malloc_free = f->value; m->has_malloc = 1; break;
    case SNAP_MEM_WATERMARK: m->watermark_permille = f->value; break;
    case SNAP_MEM_READ_US: m->read_us = f->value; break;
    default: break;
    }
    return 0;
}

static int heap_field(snap_builder *b, void *obj, const snap_field *f)
{
    snap_heap *h = obj;
    (void)b;
    if (!IS_VARINT(f))
        return 0;
    switch (f->number) {
    case SNAP_HEAP_INTERVAL: h->interval = f->value; break;
    case SNAP_HEAP_SAMPLES: h->samples = f->value; break;
    case SNAP_HEAP_LIVE_SAMPLES: h->live_samples = f->value; break;
    case SNAP_HEAP_ALLOC_BYTES: h->alloc_bytes = f->value; break;
    case SNAP_HEAP_ALLOC_OBJECTS: h->alloc_objects = f->value; break;
    case SNAP_HEAP_LIVE_BYTES: h->live_bytes = f->value; break;
    case SNAP_HEAP_LIVE_OBJECTS: h->live_objects = f->value; break;
    case SNAP_HEAP_LOST: h->lost = f->value; break;
    case SNAP_HEAP_START_MS: h->start_ms = f->value; break;
    case SNAP_HEAP_STACKS: h->stacks_written = f->value; break;
    default: break;
    }
    return 0;
}

static int heap_stack_field(snap_builder *b, void *obj, const snap_field *f)
{
    snap_heap_stack *k = obj;
    if (IS_BYTES(f)) {
        int cut = 0, rc;
        if (f->number != SNAP_HSTK_FRAMES)
            return 0;
        rc = unpack(b, f, SNAP_READ_MAX_FRAMES, 1, &k->frames, &k->n_frames, &cut);
        if (cut)
            k->truncated = 1;
        return rc;
    }
    switch (f->number) {
    case SNAP_HSTK_LIVE_BYTES: k->live_bytes = f->value; break;
    case SNAP_HSTK_LIVE_OBJECTS: k->live_objects = f->value; break;
    case SNAP_HSTK_ALLOC_BYTES: k->alloc_bytes = f->value; break;
    case SNAP_HSTK_ALLOC_OBJECTS: k->alloc_objects = f->value; break;
    case SNAP_HSTK_LIVE_SAMPLES: k->live_samples = f->value; break;
    case SNAP_HSTK_SAMPLES: k->samples = f->value; break;
    case SNAP_HSTK_TRUNCATED: k->truncated = k->truncated || f->value != 0; break;
    case SNAP_HSTK_MMAP: k->mmap = f->value != 0; break;
    case SNAP_HSTK_ID: k->id = f->value; break;
    default: break;
    }
    return 0;
}

_Static_assert(SNAP_MEM_KINDS == SNAP_MEM_KIND_COUNT, "memory kinds of the reader and the format");

typedef int (*field_fn)(snap_builder *b, void *obj, const snap_field *f);

/* Hand every field of p[n] to fn; stops at a malformed field. */
static int walk(snap_builder *b, void *obj, const uint8_t *p, size_t n, field_fn fn)
{
    const uint8_t *end = p + n;
    snap_field f;
    int rc;
    while ((rc = snap_field_next(&p, end, &f)) == SNAP_FIELD_OK) {
        if (fn(b, obj, &f) < 0)
            return -1;
    }
    if (rc == SNAP_FIELD_MALFORMED)
        b->bad = 1;
    return 0;
}

/* An FD record's BBX field is set (the fd is bbx's own), read without
 * decoding the rest. */
static int fd_is_bbx(const uint8_t *p, size_t n)
{
    const uint8_t *end = p + n;
    snap_field f;
    while (snap_field_next(&p, end, &f) == SNAP_FIELD_OK)
        if (f.number == SNAP_FD_BBX && IS_VARINT(&f) && f.value)
            return 1;
    return 0;
}

int snap_builder_add(snap_builder *b, uint64_t type, const uint8_t *p, size_t n)
{
    snap *s = b->s;
    void *obj = NULL;
    field_fn fn = NULL;
    int oom = 0, rc;
    b->bad = 0;
    if ((b->flags & SNAP_READ_SUMMARY) &&
        (type == SNAP_REC_FD || type == SNAP_REC_ORIGIN || type == SNAP_REC_CHILD ||
         type == SNAP_REC_BREADCRUMB || type == SNAP_REC_LAUNCH)) {
        if (type == SNAP_REC_FD && !fd_is_bbx(p, n))
            s->fds_passed++;
        return 0;
    }
    switch (type) {
    case SNAP_REC_PROCESS: obj = &s->process; fn = process_field; break;
    case SNAP_REC_TRIGGER:
        s->trigger.present = 1;
        obj = &s->trigger;
        fn = trigger_field;
        break;
    case SNAP_REC_CAPTURE: obj = &s->capture; fn = capture_field; break;
    case SNAP_REC_THREAD:
        obj = APPEND(b, s->threads, s->n_threads, b->cap_threads, &oom);
        fn = thread_field;
        break;
    case SNAP_REC_FD:
        obj = APPEND(b, s->fds, s->n_fds, b->cap_fds, &oom);
        fn = fd_field;
        break;
    case SNAP_REC_MODULE:
        obj = APPEND(b, s->modules, s->n_modules, b->cap_modules, &oom);
        fn = module_field;
        break;
    case SNAP_REC_BREADCRUMB:
        obj = APPEND(b, s->breadcrumbs, s->n_breadcrumbs, b->cap_breadcrumbs, &oom);
        fn = breadcrumb_field;
        break;
    case SNAP_REC_ANNOTATION:
        obj = APPEND(b, s->annotations, s->n_annotations, b->cap_annotations, &oom);
        fn = annotation_field;
        break;
    case SNAP_REC_ORIGIN:
        obj = APPEND(b, s->origins, s->n_origins, b->cap_origins, &oom);
        fn = origin_field;
        break;
    case SNAP_REC_CHILD:
        obj = APPEND(b, s->children, s->n_children, b->cap_children, &oom);
        fn = child_field;
        break;
    case SNAP_REC_LAUNCH:
        obj = APPEND(b, s->launches, s->n_launches, b->cap_launches, &oom);
        fn = launch_field;
        break;
    case SNAP_REC_X11_RESOURCES:
        s->x11.present = 1;
        obj = &s->x11;
        fn = x11_field;
        break;
    case SNAP_REC_MEMORY:
        s->memory.present = 1;
        obj = &s->memory;
        fn = memory_field;
        break;
    case SNAP_REC_HEAP:
        s->heap.present = 1;
        obj = &s->heap;
        fn = heap_field;
        break;
    case SNAP_REC_HEAP_STACK:
        obj = APPEND(b, s->heap.stacks, s->heap.n_stacks, b->cap_heap_stacks, &oom);
        fn = heap_stack_field;
        break;
    case SNAP_REC_SESSION:
        s->session.present = 1;
        obj = &s->session;
        fn = session_field;
        break;
    default:
        s->unknown_records++;
        return 0;
    }
    if (oom)
        return -1;
    if (!obj)
        return 0; /* over the item cap: dropped and counted */
    rc = walk(b, obj, p, n, fn);
    if (b->bad)
        s->malformed_records++;
    return rc;
}

static int module_cmp(const void *a, const void *b)
{
    const snap_module *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return strcmp(x->path ? x->path : "", y->path ? y->path : "");
}

/* Origins by resource, id, then creation time and stack (a total order on
 * what matters, so duplicates in hostile files sort the same every time). */
static int origin_cmp(const void *a, const void *b)
{
    const snap_origin *x = a, *y = b;
    if (x->resource != y->resource)
        return x->resource < y->resource ? -1 : 1;
    if (x->id != y->id)
        return x->id < y->id ? -1 : 1;
    if (x->time_ms != y->time_ms)
        return x->time_ms < y->time_ms ? -1 : 1;
    if (x->n_frames != y->n_frames)
        return x->n_frames < y->n_frames ? -1 : 1;
    return 0;
}

/* bbx's own fds out of the program's table into s->bbx_fds (file order
 * kept in both); on no memory they stay where they are, marked. */
static void split_bbx_fds(snap *s)
{
    size_t n = 0, k = 0;
    for (size_t i = 0; i < s->n_fds; i++)
        n += s->fds[i].bbx != 0;
    if (!n || !(s->bbx_fds = calloc(n, sizeof(*s->bbx_fds))))
        return;
    for (size_t i = 0; i < s->n_fds; i++) {
        if (s->fds[i].bbx)
            s->bbx_fds[s->n_bbx_fds++] = s->fds[i];
        else
            s->fds[k++] = s->fds[i];
    }
    s->n_fds = k;
}

void snap_builder_finish(snap_builder *b)
{
    snap *s = b->s;
    split_bbx_fds(s);
    if (s->trigger.present && s->trigger.kind == SNAP_TRIGGER_HANG && s->trigger.hung_tid)
        for (size_t i = 0; i < s->n_threads; i++)
            s->threads[i].hung = s->threads[i].tid == s->trigger.hung_tid;
    if (s->n_modules > 1)
        qsort(s->modules, s->n_modules, sizeof(*s->modules), module_cmp);
    if (s->n_origins > 1)
        qsort(s->origins, s->n_origins, sizeof(*s->origins), origin_cmp);
}

uint64_t snap_x11_count(const snap *s, const char *name)
{
    uint64_t n = 0;
    for (size_t i = 0; s && name && i < s->x11.n_types; i++)
        if (s->x11.types[i].name && strcmp(s->x11.types[i].name, name) == 0)
            n += s->x11.types[i].count;
    return n;
}

/* The first origin of (resource, id): binary search over the sorted array. */
static const snap_origin *origin_find(const snap *s, uint64_t resource, uint64_t id)
{
    size_t lo = 0, hi;
    if (!s || !s->n_origins)
        return NULL;
    hi = s->n_origins;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const snap_origin *o = &s->origins[mid];
        if (o->resource < resource || (o->resource == resource && o->id < id))
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < s->n_origins && s->origins[lo].resource == resource &&
        s->origins[lo].id == id)
        return &s->origins[lo];
    return NULL;
}

const snap_origin *snap_fd_origin(const snap *s, uint64_t fd)
{
    return origin_find(s, SNAP_ORIGIN_FD, fd);
}

const snap_origin *snap_thread_origin(const snap *s, uint64_t tid)
{
    return origin_find(s, SNAP_ORIGIN_THREAD, tid);
}

const snap_module *snap_module_for_pc(const snap *s, uint64_t pc)
{
    size_t lo = 0, hi;
    if (!s || !s->n_modules)
        return NULL;
    /* First module whose start is above pc. */
    hi = s->n_modules;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->modules[mid].start <= pc)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo, k = 0; i > 0 && k < MODULE_OVERLAP_SCAN; i--, k++) {
        const snap_module *m = &s->modules[i - 1];
        if (pc < m->end)
            return m;
    }
    return NULL;
}

const snap_thread *snap_trigger_thread(const snap *s)
{
    if (!s)
        return NULL;
    for (size_t i = 0; i < s->n_threads; i++)
        if (s->threads[i].crashed)
            return &s->threads[i];
    if (!s->trigger.present || !s->trigger.tid)
        return NULL;
    /* a hang: the stuck thread, not the watchdog that wrote the file */
    uint64_t tid = s->trigger.hung_tid ? s->trigger.hung_tid : s->trigger.tid;
    for (size_t i = 0; i < s->n_threads; i++)
        if (s->threads[i].tid == tid)
            return &s->threads[i];
    return NULL;
}

int snap_args_next(const char *args, size_t args_len, size_t *pos, const char **arg,
                   size_t *len)
{
    if (!args || *pos >= args_len)
        return 0;
    const char *start = args + *pos;
    const char *nul = memchr(start, 0, args_len - *pos);
    size_t n = nul ? (size_t)(nul - start) : args_len - *pos;
    *arg = start;
    *len = n;
    *pos += n + 1;
    return 1;
}

int snap_cmdline_next(const snap *s, size_t *pos, const char **arg, size_t *len)
{
    return snap_args_next(s->process.cmdline, s->process.cmdline_len, pos, arg, len);
}

static void free_process(snap_process *p)
{
    free(p->exe);
    free(p->app);
    free(p->hostname);
    free(p->kernel);
    free(p->arch);
    free(p->cmdline);
    free(p->rlimits);
}

static void free_fds(snap_fd *fds, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(fds[i].target);
        free(fds[i].sock_local);
        free(fds[i].sock_peer);
        free(fds[i].details);
    }
    free(fds);
}

void snap_free(snap *s)
{
    if (!s)
        return;
    free_process(&s->process);
    free(s->trigger.reason);
    free(s->trigger.hung_name);
    free(s->capture.version);
    for (size_t i = 0; i < s->n_threads && !s->blocks; i++)
        free(s->threads[i].name);
    for (size_t i = 0; i < s->n_threads; i++) {
        free(s->threads[i].frames);
        free(s->threads[i].regs);
        free(s->threads[i].wchan);
    }
    free(s->threads);
    while (s->blocks) {
        struct snap_block *next = s->blocks->next;
        free(s->blocks);
        s->blocks = next;
    }
    free_fds(s->fds, s->n_fds);
    free_fds(s->bbx_fds, s->n_bbx_fds);
    for (size_t i = 0; i < s->n_modules; i++) {
        free(s->modules[i].path);
        free(s->modules[i].build_id);
        free(s->modules[i].image);
    }
    free(s->modules);
    for (size_t i = 0; i < s->n_breadcrumbs; i++)
        free(s->breadcrumbs[i].text);
    free(s->breadcrumbs);
    for (size_t i = 0; i < s->n_annotations; i++) {
        free(s->annotations[i].key);
        free(s->annotations[i].value);
    }
    free(s->annotations);
    for (size_t i = 0; i < s->n_origins; i++) {
        free(s->origins[i].frames);
        free(s->origins[i].call);
    }
    free(s->origins);
    for (size_t i = 0; i < s->n_children; i++) {
        free(s->children[i].cmdline);
        free(s->children[i].comm);
        free(s->children[i].wchan);
        for (int k = 0; k < 3; k++)
            free(s->children[i].std_fds[k]);
    }
    free(s->children);
    for (size_t i = 0; i < s->n_launches; i++) {
        free(s->launches[i].call);
        free(s->launches[i].frames);
        free(s->launches[i].args);
        free(s->launches[i].path);
        free(s->launches[i].file);
    }
    free(s->launches);
    for (size_t i = 0; i < s->x11.n_types; i++)
        free(s->x11.types[i].name);
    free(s->x11.types);
    free(s->x11.display);
    free(s->memory.cgroup);
    for (size_t i = 0; i < s->heap.n_stacks; i++)
        free(s->heap.stacks[i].frames);
    free(s->heap.stacks);
    snap_session *ses = &s->session;
    for (size_t i = 0; i < ses->n_env; i++)
        free(ses->env[i]);
    free(ses->env);
    for (size_t i = 0; i < ses->n_sandbox; i++)
        free(ses->sandbox[i]);
    free(ses->sandbox);
    for (size_t i = 0; i < ses->n_dri; i++)
        free(ses->dri[i].name);
    free(ses->dri);
    free(ses->groups);
    free(ses->cwd);
    free(ses->cgroup);
    free(ses->parent);
    free(ses->lsm);
    free(s->incomplete_why);
    free(s);
}
