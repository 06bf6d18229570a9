/*
 * snap_fixture.c - writes the known test snapshots with the real writer.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create */
#endif
#include "snap_fixture.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zstd.h>

#include "snap_format.h"
#include "snap_writer.h"

const uint64_t fix_main_frames[FIX_MAIN_NFRAMES] = {
    0x5555555551a9ull, 0x555555555230ull, 0x7ffff7dea24aull, 0x7ffff7dea305ull,
    0x555555555101ull,
};
/* Jumps across the whole address space: zigzag deltas of both signs. */
const uint64_t fix_cut_frames[FIX_CUT_NFRAMES] = {
    0xffffffffff600000ull, 0x1000ull, 0x7fffffffffffffffull,
};
const uint64_t fix_regs[FIX_NREGS] = {
    0x5555555551a9ull, 0x7fffffffe3a0ull, 0x7fffffffe3c0ull, 0, 1, 2, 3, 4, 5,
    6, 7, 8, 9, 10, 11, 12, 0xffffffffffffffffull, 0x10246,
};
/* Return addresses: libc's socket wrapper, then the exe. */
const uint64_t fix_origin_socket_frames[FIX_ORIGIN_SOCKET_NFRAMES] = {
    0x7ffff7e9a0b5ull, 0x555555555288ull, 0x555555555106ull,
};
const uint64_t fix_origin_worker_frames[FIX_ORIGIN_WORKER_NFRAMES] = {
    0x5555555551f0ull, 0x555555555106ull,
};
const uint8_t fix_exe_build_id[20] = {
    0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
    0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0xff,
};
const char *const fix_crumbs[3] = {
    "starting up", "opened \"config\"\twith tab", "about to crash: caf\xc3\xa9",
};

typedef struct session {
    snap_writer w;
    void *ws;
    int fd;
    int flush_each;
    fixture_file *f;
} session;

static int begin(session *ss, fixture_file *f, int flush_each)
{
    memset(f, 0, sizeof(*f));
    memset(ss, 0, sizeof(*ss));
    ss->f = f;
    ss->flush_each = flush_each;
    ss->fd = memfd_create("fixture", MFD_CLOEXEC);
    size_t size = snap_writer_workspace_size(3);
    ss->ws = malloc(size);
    if (ss->fd < 0 || !ss->ws || snap_writer_prepare(&ss->w, ss->ws, size, 3) != 0 ||
        snap_writer_begin(&ss->w, ss->fd) != 0)
        return -1;
    return 0;
}

/* After record i: flush when asked and note the file length. */
static void after(session *ss, int i)
{
    if (!ss->flush_each)
        return;
    snap_writer_flush(&ss->w);
    ss->f->flush_end[i] = (size_t)ss->w.bytes_out;
}

/* Read the memfd back into f->data. */
static int end(session *ss, int rc)
{
    fixture_file *f = ss->f;
    off_t len = ss->fd >= 0 ? lseek(ss->fd, 0, SEEK_END) : -1;
    if (rc == 0 && len > 0 && (f->data = malloc((size_t)len)) &&
        pread(ss->fd, f->data, (size_t)len, 0) == len)
        f->len = (size_t)len;
    else
        rc = -1;
    if (ss->fd >= 0)
        close(ss->fd);
    free(ss->ws);
    return rc;
}

static void put_packed(snap_writer *w, unsigned field, const uint64_t *v, size_t n,
                       int deltas)
{
    uint8_t buf[16 * 1024];
    size_t pos = 0;
    uint64_t prev = 0;
    for (size_t i = 0; i < n; i++) {
        pos += snap_varint_put(buf + pos, deltas ? snap_zigzag((int64_t)(v[i] - prev)) : v[i]);
        prev = v[i];
    }
    snap_put_bytes(w, field, buf, pos);
}

static void put_rlimit(snap_writer *w, uint64_t res, uint64_t cur, uint64_t max)
{
    uint8_t buf[30];
    size_t pos = snap_varint_put(buf, res);
    pos += snap_varint_put(buf + pos, cur);
    pos += snap_varint_put(buf + pos, max);
    snap_put_bytes(w, SNAP_PROC_RLIMIT, buf, pos);
}

int fixture_reference(fixture_file *f, int flush_each, int finish)
{
    session ss;
    snap_writer *w = &ss.w;
    int rc = begin(&ss, f, flush_each);
    if (rc < 0)
        return end(&ss, rc);

    snap_rec_begin(w, SNAP_REC_PROCESS);
    snap_put_u64(w, SNAP_PROC_PID, FIX_PID);
    snap_put_u64(w, SNAP_PROC_PPID, FIX_PPID);
    snap_put_str(w, SNAP_PROC_EXE, FIX_EXE);
    snap_put_bytes(w, SNAP_PROC_CMDLINE, FIX_CMDLINE, FIX_CMDLINE_LEN);
    snap_put_u64(w, SNAP_PROC_START_MS, FIX_START_MS);
    put_rlimit(w, 7, 1024, 4096);
    put_rlimit(w, 3, 8388608, UINT64_MAX);
    put_rlimit(w, 4, 0, UINT64_MAX);
    snap_put_u64(w, SNAP_PROC_VM_RSS_KB, FIX_RSS_KB);
    snap_put_u64(w, SNAP_PROC_VM_SIZE_KB, FIX_VM_KB);
    snap_put_u64(w, SNAP_PROC_VM_HWM_KB, FIX_HWM_KB);
    snap_put_u64(w, SNAP_PROC_THREADS, FIX_THREADS);
    snap_put_u64(w, SNAP_PROC_UID, FIX_UID);
    snap_put_str(w, SNAP_PROC_APP, FIX_APP);
    snap_put_u64(w, SNAP_PROC_TIME_MS, FIX_TIME_MS);
    snap_put_str(w, SNAP_PROC_HOSTNAME, FIX_HOST);
    snap_put_str(w, SNAP_PROC_KERNEL, FIX_KERNEL);
    snap_put_str(w, SNAP_PROC_ARCH, FIX_ARCH);
    snap_put_u64(w, SNAP_PROC_FD_LIMIT, FIX_FD_LIMIT);
    snap_rec_end(w);
    after(&ss, FIX_REC_PROCESS);

    snap_rec_begin(w, SNAP_REC_TRIGGER);
    snap_put_u64(w, SNAP_TRIG_KIND, SNAP_TRIGGER_CRASH);
    snap_put_u64(w, SNAP_TRIG_SIGNAL, FIX_SIGNAL);
    snap_put_i64(w, SNAP_TRIG_CODE, FIX_CODE);
    snap_put_u64(w, SNAP_TRIG_ADDR, FIX_ADDR);
    snap_put_u64(w, SNAP_TRIG_SENDER_PID, FIX_SENDER_PID);
    snap_put_str(w, SNAP_TRIG_REASON, "null pointer write");
    snap_put_u64(w, SNAP_TRIG_TID, FIX_TRIGGER_TID);
    snap_put_u64(w, SNAP_TRIG_SENDER_UID, FIX_SENDER_UID);
    snap_put_u64(w, SNAP_TRIG_SEQ, FIX_SEQ);
    snap_rec_end(w);
    after(&ss, FIX_REC_TRIGGER);

    snap_rec_begin(w, SNAP_REC_THREAD);
    snap_put_u64(w, SNAP_THR_TID, 4242);
    snap_put_str(w, SNAP_THR_NAME, "main");
    snap_put_u64(w, SNAP_THR_STATE, 'R');
    snap_put_u64(w, SNAP_THR_CRASHED, 1);
    put_packed(w, SNAP_THR_FRAMES, fix_main_frames, FIX_MAIN_NFRAMES, 1);
    put_packed(w, SNAP_THR_REGS, fix_regs, FIX_NREGS, 0);
    snap_put_u64(w, SNAP_THR_STATUS, SNAP_THREAD_UNWOUND);
    snap_put_u64(w, SNAP_THR_SIGNAL, 11);
    snap_put_u64(w, SNAP_THR_METHOD, SNAP_METHOD_CRASH);
    snap_rec_end(w);
    after(&ss, FIX_REC_THREAD_MAIN);

    snap_rec_begin(w, SNAP_REC_THREAD);
    snap_put_u64(w, SNAP_THR_TID, 4243);
    snap_put_str(w, SNAP_THR_NAME, "worker");
    snap_put_u64(w, SNAP_THR_STATE, 'S');
    snap_put_u64(w, SNAP_THR_STATUS, SNAP_THREAD_BLOCKED);
    snap_put_str(w, SNAP_THR_WCHAN, "futex_wait_queue");
    snap_put_u64(w, SNAP_THR_KERNEL_PC, 0x7ffff7e8f0f0ull);
    snap_put_i64(w, SNAP_THR_SYSCALL, 202);
    snap_put_u64(w, SNAP_THR_METHOD, SNAP_METHOD_KERNEL);
    snap_put_u64(w, SNAP_THR_REUSED, 1);
    snap_rec_end(w);
    after(&ss, FIX_REC_THREAD_WORKER);

    snap_rec_begin(w, SNAP_REC_THREAD);
    snap_put_u64(w, SNAP_THR_TID, 4244);
    snap_put_str(w, SNAP_THR_NAME, "deep");
    snap_put_u64(w, SNAP_THR_STATE, 'D');
    snap_put_u64(w, SNAP_THR_STATUS, SNAP_THREAD_TIMEOUT);
    put_packed(w, SNAP_THR_FRAMES, fix_cut_frames, FIX_CUT_NFRAMES, 1);
    snap_put_u64(w, SNAP_THR_TRUNCATED, 1);
    snap_put_i64(w, SNAP_THR_SYSCALL, -1);
    snap_put_u64(w, SNAP_THR_METHOD, SNAP_METHOD_CALL);
    snap_rec_end(w);
    after(&ss, FIX_REC_THREAD_CUT);

    snap_rec_begin(w, SNAP_REC_FD);
    snap_put_u64(w, SNAP_FD_NUM, 0);
    snap_put_u64(w, SNAP_FD_KINDF, SNAP_FD_DEVICE);
    snap_put_str(w, SNAP_FD_TARGET, "/dev/pts/0");
    snap_put_u64(w, SNAP_FD_FLAGS, 0x8002); /* O_RDWR|O_LARGEFILE */
    snap_put_u64(w, SNAP_FD_OFFSET, 0);
    snap_rec_end(w);
    after(&ss, FIX_REC_FD_TTY);

    snap_rec_begin(w, SNAP_REC_FD);
    snap_put_u64(w, SNAP_FD_NUM, 3);
    snap_put_u64(w, SNAP_FD_KINDF, SNAP_FD_SOCKET);
    snap_put_str(w, SNAP_FD_TARGET, "socket:[81234]");
    snap_put_u64(w, SNAP_FD_FLAGS, 0x802); /* O_RDWR|O_NONBLOCK */
    snap_put_u64(w, SNAP_FD_INODE, 81234);
    snap_put_u64(w, SNAP_FD_SOCK_FAMILY, 2);
    snap_put_u64(w, SNAP_FD_SOCK_TYPE, 1);
    snap_put_str(w, SNAP_FD_SOCK_LOCAL, "127.0.0.1:40000");
    snap_put_str(w, SNAP_FD_SOCK_PEER, "127.0.0.1:8080");
    snap_put_u64(w, SNAP_FD_SOCK_PROTO, 6);
    snap_put_u64(w, SNAP_FD_CLOEXEC, 1);
    snap_rec_end(w);
    after(&ss, FIX_REC_FD_SOCKET);

    snap_rec_begin(w, SNAP_REC_FD);
    snap_put_u64(w, SNAP_FD_NUM, 4);
    snap_put_u64(w, SNAP_FD_KINDF, SNAP_FD_FILE);
    snap_put_str(w, SNAP_FD_TARGET, "/tmp/demo.log");
    snap_put_u64(w, SNAP_FD_FLAGS, 0x441); /* O_WRONLY|O_CREAT|O_APPEND */
    snap_put_u64(w, SNAP_FD_OFFSET, 5000);
    snap_put_u64(w, SNAP_FD_INODE, 99);
    snap_put_u64(w, SNAP_FD_SIZE, 5000);
    snap_put_str(w, SNAP_FD_DETAILS, "pos:\t5000\nflags:\t02102101");
    snap_rec_end(w);
    after(&ss, FIX_REC_FD_FILE);

    snap_rec_begin(w, SNAP_REC_MODULE);
    snap_put_str(w, SNAP_MOD_PATH, FIX_LIBC_PATH);
    snap_put_u64(w, SNAP_MOD_BIAS, FIX_LIBC_BIAS);
    snap_put_u64(w, SNAP_MOD_START, FIX_LIBC_START);
    snap_put_u64(w, SNAP_MOD_END, FIX_LIBC_END);
    snap_rec_end(w);
    after(&ss, FIX_REC_MODULE_LIBC);

    snap_rec_begin(w, SNAP_REC_MODULE);
    snap_put_str(w, SNAP_MOD_PATH, FIX_EXE);
    snap_put_u64(w, SNAP_MOD_BIAS, FIX_EXE_BIAS);
    snap_put_bytes(w, SNAP_MOD_BUILD_ID, fix_exe_build_id, sizeof(fix_exe_build_id));
    snap_put_u64(w, SNAP_MOD_START, FIX_EXE_START);
    snap_put_u64(w, SNAP_MOD_END, FIX_EXE_END);
    snap_rec_end(w);
    after(&ss, FIX_REC_MODULE_EXE);

    for (int i = 0; i < 3; i++) {
        snap_rec_begin(w, SNAP_REC_BREADCRUMB);
        snap_put_u64(w, SNAP_BC_TIME_MS, FIX_TIME_MS - 3000 + (uint64_t)i * 1000);
        snap_put_u64(w, SNAP_BC_TID, 4242 + (uint64_t)i);
        snap_put_str(w, SNAP_BC_TEXT, fix_crumbs[i]);
        snap_rec_end(w);
        after(&ss, FIX_REC_CRUMB0 + i);
    }

    snap_rec_begin(w, SNAP_REC_ANNOTATION);
    snap_put_str(w, SNAP_ANN_KEY, "app.version");
    snap_put_str(w, SNAP_ANN_VALUE, "1.2.3");
    snap_rec_end(w);
    after(&ss, FIX_REC_ANN0);

    snap_rec_begin(w, SNAP_REC_ANNOTATION);
    snap_put_str(w, SNAP_ANN_KEY, "session");
    snap_put_str(w, SNAP_ANN_VALUE, "a\"b\\c");
    snap_rec_end(w);
    after(&ss, FIX_REC_ANN1);

    snap_rec_begin(w, SNAP_REC_ORIGIN);
    snap_put_u64(w, SNAP_ORIG_RESOURCE, SNAP_ORIGIN_FD);
    snap_put_u64(w, SNAP_ORIG_ID, 0);
    snap_put_u64(w, SNAP_ORIG_UNKNOWN, 1);
    snap_rec_end(w);
    after(&ss, FIX_REC_ORIGIN_TTY);

    snap_rec_begin(w, SNAP_REC_ORIGIN);
    snap_put_u64(w, SNAP_ORIG_RESOURCE, SNAP_ORIGIN_FD);
    snap_put_u64(w, SNAP_ORIG_ID, 3);
    put_packed(w, SNAP_ORIG_FRAMES, fix_origin_socket_frames, FIX_ORIGIN_SOCKET_NFRAMES, 1);
    snap_put_u64(w, SNAP_ORIG_TIME_MS, FIX_ORIGIN_SOCKET_MS);
    snap_put_u64(w, SNAP_ORIG_TID, 4242);
    snap_put_str(w, SNAP_ORIG_CALL, "socket");
    snap_rec_end(w);
    after(&ss, FIX_REC_ORIGIN_SOCKET);

    snap_rec_begin(w, SNAP_REC_ORIGIN);
    snap_put_u64(w, SNAP_ORIG_RESOURCE, SNAP_ORIGIN_THREAD);
    snap_put_u64(w, SNAP_ORIG_ID, 4243);
    put_packed(w, SNAP_ORIG_FRAMES, fix_origin_worker_frames, FIX_ORIGIN_WORKER_NFRAMES, 1);
    snap_put_u64(w, SNAP_ORIG_TIME_MS, FIX_ORIGIN_WORKER_MS);
    snap_put_u64(w, SNAP_ORIG_TID, 4242);
    snap_put_str(w, SNAP_ORIG_CALL, "pthread_create");
    snap_put_u64(w, SNAP_ORIG_START, FIX_WORKER_START);
    snap_put_u64(w, SNAP_ORIG_TRUNCATED, 1);
    snap_rec_end(w);
    after(&ss, FIX_REC_ORIGIN_WORKER);

    snap_rec_begin(w, SNAP_REC_CHILD);
    snap_put_u64(w, SNAP_CHILD_PID, 5000);
    snap_put_u64(w, SNAP_CHILD_STATE, 'Z');
    snap_put_u64(w, SNAP_CHILD_ZOMBIE, 1);
    snap_put_str(w, SNAP_CHILD_COMM, "true");
    snap_put_u64(w, SNAP_CHILD_START_MS, FIX_TIME_MS - 2000);
    snap_rec_end(w);
    after(&ss, FIX_REC_CHILD_ZOMBIE);

    snap_rec_begin(w, SNAP_REC_CHILD);
    snap_put_u64(w, SNAP_CHILD_PID, 5001);
    snap_put_u64(w, SNAP_CHILD_STATE, 'S');
    snap_put_bytes(w, SNAP_CHILD_CMDLINE, FIX_CHILD_CMDLINE, FIX_CHILD_CMDLINE_LEN);
    snap_put_str(w, SNAP_CHILD_COMM, "sh");
    snap_put_u64(w, SNAP_CHILD_START_MS, FIX_TIME_MS - 1000);
    snap_rec_end(w);
    after(&ss, FIX_REC_CHILD_RUN);

    snap_rec_begin(w, SNAP_REC_CAPTURE);
    snap_put_u64(w, SNAP_CAP_DURATION_US, 12345);
    snap_put_u64(w, SNAP_CAP_THREADS, 3);
    snap_put_u64(w, SNAP_CAP_UNWOUND, 1);
    snap_put_u64(w, SNAP_CAP_FDS, 3);
    snap_put_str(w, SNAP_CAP_VERSION, "0.1.0");
    snap_put_u64(w, SNAP_CAP_MODULES, 2);
    snap_put_u64(w, SNAP_CAP_THREADS_US, 8000);
    snap_put_u64(w, SNAP_CAP_FDS_US, 2500);
    snap_put_u64(w, SNAP_CAP_TRACKING, 3);
    snap_put_u64(w, SNAP_CAP_ORIGINS, 3);
    snap_put_u64(w, SNAP_CAP_TRACK_LOST, 1);
    snap_put_u64(w, SNAP_CAP_CHILDREN, 2);
    snap_put_u64(w, SNAP_CAP_THREADS_OMITTED, FIX_THREADS_OMITTED);
    snap_rec_end(w);
    after(&ss, FIX_REC_CAPTURE);

    if (finish) {
        rc = snap_writer_finish(w);
        f->flush_end[FIX_REC_COUNT] = (size_t)w->bytes_out;
    } else {
        snap_writer_flush(w);
        rc = w->error;
    }
    return end(&ss, rc);
}

int fixture_request(fixture_file *f)
{
    session ss;
    snap_writer *w = &ss.w;
    int rc = begin(&ss, f, 0);
    if (rc < 0)
        return end(&ss, rc);
    snap_rec_begin(w, SNAP_REC_PROCESS);
    snap_put_u64(w, SNAP_PROC_PID, 77);
    snap_put_str(w, SNAP_PROC_APP, "viewer");
    snap_put_str(w, SNAP_PROC_ARCH, "aarch64");
    snap_rec_end(w);
    snap_rec_begin(w, SNAP_REC_TRIGGER);
    snap_put_u64(w, SNAP_TRIG_KIND, SNAP_TRIGGER_REQUEST);
    snap_put_str(w, SNAP_TRIG_REASON, "main loop stalled for 5000 ms");
    snap_put_u64(w, SNAP_TRIG_TID, 78);
    snap_rec_end(w);
    snap_rec_begin(w, SNAP_REC_THREAD);
    snap_put_u64(w, SNAP_THR_TID, 77);
    snap_rec_end(w);
    snap_rec_begin(w, SNAP_REC_THREAD);
    snap_put_u64(w, SNAP_THR_TID, 78);
    snap_put_str(w, SNAP_THR_NAME, "watchdog");
    snap_put_u64(w, SNAP_THR_STATUS, SNAP_THREAD_SKIPPED);
    snap_rec_end(w);
    snap_rec_begin(w, SNAP_REC_FD);
    snap_put_u64(w, SNAP_FD_NUM, 9);
    snap_put_u64(w, SNAP_FD_KINDF, SNAP_FD_EVENTFD);
    snap_put_u64(w, SNAP_FD_FLAGS, 0x802);
    snap_put_str(w, SNAP_FD_DETAILS, "eventfd-count: 0");
    snap_rec_end(w);
    return end(&ss, snap_writer_finish(w));
}

void fix_put_varint(uint8_t *buf, size_t *pos, uint64_t v)
{
    *pos += snap_varint_put(buf + *pos, v);
}

void fix_put_record(uint8_t *buf, size_t *pos, uint64_t type, const void *payload,
                    size_t n)
{
    fix_put_varint(buf, pos, type);
    fix_put_varint(buf, pos, n);
    if (n)
        memcpy(buf + *pos, payload, n);
    *pos += n;
}

int fixture_add_frame(fixture_file *f, const void *raw, size_t n)
{
    size_t bound = ZSTD_compressBound(n);
    uint8_t *nd = realloc(f->data, f->len + bound);
    if (!nd)
        return -1;
    f->data = nd;
    ZSTD_CCtx *c = ZSTD_createCCtx();
    if (!c)
        return -1;
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    size_t k = ZSTD_compress2(c, f->data + f->len, bound, raw, n);
    ZSTD_freeCCtx(c);
    if (ZSTD_isError(k))
        return -1;
    f->len += k;
    return 0;
}

int fixture_wrap(fixture_file *f, const void *raw, size_t n, unsigned major)
{
    memset(f, 0, sizeof(*f));
    f->data = calloc(1, SNAP_HEADER_LEN);
    if (!f->data)
        return -1;
    memcpy(f->data, SNAP_MAGIC, SNAP_MAGIC_LEN);
    f->data[8] = major & 0xff;
    f->data[9] = (major >> 8) & 0xff;
    f->data[12] = SNAP_HEADER_LEN;
    f->len = SNAP_HEADER_LEN;
    return fixture_add_frame(f, raw, n);
}

/* Payload helpers for hand-made records. */
static void field_u64(uint8_t *p, size_t *pos, unsigned field, uint64_t v)
{
    fix_put_varint(p, pos, (uint64_t)field << 3 | SNAP_WIRE_VARINT);
    fix_put_varint(p, pos, v);
}

static void field_bytes(uint8_t *p, size_t *pos, unsigned field, const void *d, size_t n)
{
    fix_put_varint(p, pos, (uint64_t)field << 3 | SNAP_WIRE_BYTES);
    fix_put_varint(p, pos, n);
    memcpy(p + *pos, d, n);
    *pos += n;
}

static void end_record(uint8_t *raw, size_t *pos, uint64_t count)
{
    uint8_t pl[16];
    size_t n = 0;
    field_u64(pl, &n, SNAP_END_RECORDS, count);
    fix_put_record(raw, pos, SNAP_REC_END, pl, n);
}

static void pid_record(uint8_t *raw, size_t *pos, uint64_t pid)
{
    uint8_t pl[16];
    size_t n = 0;
    field_u64(pl, &n, SNAP_PROC_PID, pid);
    fix_put_record(raw, pos, SNAP_REC_PROCESS, pl, n);
}

int fixture_hostile(fixture_file *f, int which)
{
    enum { RAW = 64 * 1024 };
    uint8_t *raw = malloc(RAW), *pl = malloc(RAW);
    size_t pos = 0, n = 0;
    int rc = -1;
    if (!raw || !pl)
        goto out;
    switch (which) {
    case FIX_HUGE_LENGTHS:
        field_u64(pl, &n, SNAP_THR_TID, 5);
        fix_put_varint(pl, &n, SNAP_THR_NAME << 3 | SNAP_WIRE_BYTES);
        fix_put_varint(pl, &n, 1ull << 60);
        memcpy(pl + n, "abc", 3);
        n += 3;
        fix_put_record(raw, &pos, SNAP_REC_THREAD, pl, n);
        fix_put_varint(raw, &pos, SNAP_REC_THREAD);
        fix_put_varint(raw, &pos, 1ull << 40);
        memset(raw + pos, 0, 32);
        pos += 32;
        break;
    case FIX_VARINT_OVERFLOW:
        pid_record(raw, &pos, 1);
        field_u64(pl, &n, SNAP_THR_TID, 6);
        memset(pl + n, 0xff, 10);
        pl[n + 10] = 0x01;
        n += 11;
        fix_put_record(raw, &pos, SNAP_REC_THREAD, pl, n);
        memset(raw + pos, 0x81, 10);
        raw[pos + 10] = 0x01;
        pos += 11;
        raw[pos++] = 0;
        break;
    case FIX_MANY_FRAMES: {
        uint8_t *frames = malloc(5000 * 3);
        size_t fn = 0;
        if (!frames)
            goto out;
        fix_put_varint(frames, &fn, 0x1000 << 1); /* zigzag(0x1000) */
        for (int i = 1; i < 5000; i++)
            fix_put_varint(frames, &fn, 16 << 1);
        field_u64(pl, &n, SNAP_THR_TID, 9);
        field_bytes(pl, &n, SNAP_THR_FRAMES, frames, fn);
        free(frames);
        fix_put_record(raw, &pos, SNAP_REC_THREAD, pl, n);
        end_record(raw, &pos, 1);
        break;
    }
    case FIX_WRONG_WIRE:
        field_bytes(pl, &n, SNAP_PROC_PID, "xx", 2);
        field_u64(pl, &n, SNAP_PROC_EXE, 5);
        field_u64(pl, &n, SNAP_PROC_PID, 9);
        fix_put_record(raw, &pos, SNAP_REC_PROCESS, pl, n);
        end_record(raw, &pos, 1);
        break;
    case FIX_UNKNOWN:
        fix_put_record(raw, &pos, 99, "\x08\x01", 2);
        field_bytes(pl, &n, 100, "future", 6);
        field_u64(pl, &n, 101, 1234567);
        field_u64(pl, &n, SNAP_PROC_PID, 3);
        fix_put_record(raw, &pos, SNAP_REC_PROCESS, pl, n);
        end_record(raw, &pos, 2);
        break;
    case FIX_END_MISMATCH:
        pid_record(raw, &pos, 1);
        end_record(raw, &pos, 5);
        break;
    case FIX_TWO_FRAMES:
        pid_record(raw, &pos, 1);
        if (fixture_wrap(f, raw, pos, SNAP_VERSION_MAJOR) < 0)
            goto out;
        pos = 0;
        field_u64(pl, &n, SNAP_THR_TID, 2);
        fix_put_record(raw, &pos, SNAP_REC_THREAD, pl, n);
        end_record(raw, &pos, 2);
        rc = fixture_add_frame(f, raw, pos);
        goto out;
    case FIX_AFTER_END:
        pid_record(raw, &pos, 1);
        end_record(raw, &pos, 1);
        pid_record(raw, &pos, 2);
        break;
    case FIX_TRAILING:
        pid_record(raw, &pos, 1);
        end_record(raw, &pos, 1);
        if (fixture_wrap(f, raw, pos, SNAP_VERSION_MAJOR) < 0)
            goto out;
        uint8_t *nd = realloc(f->data, f->len + 7);
        if (!nd)
            goto out;
        f->data = nd;
        memcpy(f->data + f->len, "garbage", 7);
        f->len += 7;
        rc = 0;
        goto out;
    case FIX_TRACKING_ODD: {
        uint8_t *frames = malloc(5000 * 3);
        size_t fn = 0;
        if (!frames)
            goto out;
        fix_put_varint(frames, &fn, 0x1000 << 1);
        for (int i = 1; i < 5000; i++)
            fix_put_varint(frames, &fn, 16 << 1);
        field_u64(pl, &n, SNAP_ORIG_RESOURCE, SNAP_ORIGIN_FD);
        field_u64(pl, &n, SNAP_ORIG_ID, 7);
        field_bytes(pl, &n, SNAP_ORIG_FRAMES, frames, fn);
        field_u64(pl, &n, SNAP_ORIG_CALL, 12);
        free(frames);
        fix_put_record(raw, &pos, SNAP_REC_ORIGIN, pl, n);
        n = 0;
        field_u64(pl, &n, SNAP_ORIG_RESOURCE, SNAP_ORIGIN_FD);
        field_u64(pl, &n, SNAP_ORIG_ID, 7);
        field_u64(pl, &n, SNAP_ORIG_UNKNOWN, 1);
        fix_put_record(raw, &pos, SNAP_REC_ORIGIN, pl, n);
        fix_put_record(raw, &pos, SNAP_REC_ORIGIN, NULL, 0);
        n = 0;
        field_u64(pl, &n, SNAP_CHILD_PID, 8);
        field_u64(pl, &n, SNAP_CHILD_STATE, 1);
        field_bytes(pl, &n, SNAP_CHILD_CMDLINE, "a\0b", 3);
        field_u64(pl, &n, SNAP_CHILD_COMM, 5);
        fix_put_record(raw, &pos, SNAP_REC_CHILD, pl, n);
        n = 0;
        field_u64(pl, &n, SNAP_ORIG_RESOURCE, SNAP_ORIGIN_THREAD);
        field_u64(pl, &n, SNAP_ORIG_ID, 9);
        field_bytes(pl, &n, SNAP_ORIG_FRAMES, "\x02\x80", 2); /* 1, then a cut varint */
        fix_put_record(raw, &pos, SNAP_REC_ORIGIN, pl, n);
        end_record(raw, &pos, 5);
        break;
    }
    case FIX_X11:
        field_bytes(pl, &n, SNAP_X11_DISPLAY, ":5", 2);
        field_u64(pl, &n, SNAP_X11_CLIENTS, 2);
        field_bytes(pl, &n, SNAP_X11_TYPE, "\x28PIXMAP", 7);
        field_bytes(pl, &n, SNAP_X11_TYPE, "\x03WINDOW", 7);
        field_u64(pl, &n, SNAP_X11_PIXMAP_BYTES, 655360);
        field_u64(pl, &n, SNAP_X11_AGE_MS, 12);
        field_u64(pl, &n, SNAP_X11_STALE, SNAP_X11_STALE_TIMEOUT);
        field_bytes(pl, &n, SNAP_X11_TYPE, "\x80", 1); /* a cut varint: malformed */
        fix_put_record(raw, &pos, SNAP_REC_X11_RESOURCES, pl, n);
        end_record(raw, &pos, 1);
        break;
    default:
        goto out;
    }
    rc = fixture_wrap(f, raw, pos, SNAP_VERSION_MAJOR);
out:
    free(raw);
    free(pl);
    return rc;
}

static void put_modules(snap_writer *w)
{
    snap_rec_begin(w, SNAP_REC_MODULE);
    snap_put_str(w, SNAP_MOD_PATH, FIX_EXE);
    snap_put_u64(w, SNAP_MOD_BIAS, FIX_EXE_BIAS);
    snap_put_bytes(w, SNAP_MOD_BUILD_ID, fix_exe_build_id, sizeof(fix_exe_build_id));
    snap_put_u64(w, SNAP_MOD_START, FIX_EXE_START);
    snap_put_u64(w, SNAP_MOD_END, FIX_EXE_END);
    snap_rec_end(w);
    snap_rec_begin(w, SNAP_REC_MODULE);
    snap_put_str(w, SNAP_MOD_PATH, FIX_LIBC_PATH);
    snap_put_u64(w, SNAP_MOD_BIAS, FIX_LIBC_BIAS);
    snap_put_u64(w, SNAP_MOD_START, FIX_LIBC_START);
    snap_put_u64(w, SNAP_MOD_END, FIX_LIBC_END);
    snap_rec_end(w);
}

static void put_origin(snap_writer *w, uint64_t resource, uint64_t id, const uint64_t *frames,
                       size_t n_frames, int unknown, uint64_t start, const char *call,
                       uint64_t time_ms, uint64_t tid)
{
    snap_rec_begin(w, SNAP_REC_ORIGIN);
    snap_put_u64(w, SNAP_ORIG_RESOURCE, resource);
    snap_put_u64(w, SNAP_ORIG_ID, id);
    if (unknown) {
        snap_put_u64(w, SNAP_ORIG_UNKNOWN, 1);
    } else {
        put_packed(w, SNAP_ORIG_FRAMES, frames, n_frames, 1);
        snap_put_str(w, SNAP_ORIG_CALL, call);
        if (start)
            snap_put_u64(w, SNAP_ORIG_START, start);
        if (time_ms)
            snap_put_u64(w, SNAP_ORIG_TIME_MS, time_ms);
        if (tid)
            snap_put_u64(w, SNAP_ORIG_TID, tid);
    }
    snap_rec_end(w);
}

/* Write v when it is not zero. */
static void put_opt(snap_writer *w, unsigned field, uint64_t v)
{
    if (v)
        snap_put_u64(w, field, v);
}

static void put_process(snap_writer *w, const fix_snapshot *d)
{
    snap_rec_begin(w, SNAP_REC_PROCESS);
    snap_put_u64(w, SNAP_PROC_PID, d->pid);
    put_opt(w, SNAP_PROC_PPID, d->ppid);
    snap_put_str(w, SNAP_PROC_EXE, d->exe ? d->exe : FIX_EXE);
    if (d->cmdline_len)
        snap_put_bytes(w, SNAP_PROC_CMDLINE, d->cmdline, d->cmdline_len);
    put_opt(w, SNAP_PROC_START_MS, d->start_ms);
    put_opt(w, SNAP_PROC_VM_RSS_KB, d->rss_kb);
    put_opt(w, SNAP_PROC_VM_SIZE_KB, d->vm_kb);
    put_opt(w, SNAP_PROC_VM_HWM_KB, d->hwm_kb);
    put_opt(w, SNAP_PROC_THREADS, d->proc_threads);
    put_opt(w, SNAP_PROC_UID, d->uid);
    snap_put_str(w, SNAP_PROC_APP, d->app ? d->app : FIX_APP);
    snap_put_u64(w, SNAP_PROC_TIME_MS, d->time_ms);
    snap_put_str(w, SNAP_PROC_HOSTNAME, d->host);
    snap_put_str(w, SNAP_PROC_KERNEL, d->kernel);
    snap_put_str(w, SNAP_PROC_ARCH, d->arch);
    put_opt(w, SNAP_PROC_FD_LIMIT, d->fd_limit);
    if (d->rlimit_as)
        put_rlimit(w, 9 /* RLIMIT_AS */, d->rlimit_as, UINT64_MAX);
    snap_rec_end(w);
    snap_rec_begin(w, SNAP_REC_TRIGGER);
    snap_put_u64(w, SNAP_TRIG_KIND, d->trigger_kind);
    put_opt(w, SNAP_TRIG_SIGNAL, d->signal);
    if (d->code)
        snap_put_i64(w, SNAP_TRIG_CODE, d->code);
    put_opt(w, SNAP_TRIG_ADDR, d->addr);
    snap_put_str(w, SNAP_TRIG_REASON, d->reason);
    put_opt(w, SNAP_TRIG_TID, d->trigger_tid);
    put_opt(w, SNAP_TRIG_SEQ, d->seq);
    snap_rec_end(w);
}

static void put_thread(snap_writer *w, const fix_thread *t)
{
    snap_rec_begin(w, SNAP_REC_THREAD);
    snap_put_u64(w, SNAP_THR_TID, t->tid);
    if (t->name)
        snap_put_str(w, SNAP_THR_NAME, t->name);
    put_opt(w, SNAP_THR_STATE, (uint64_t)(unsigned char)t->state);
    put_opt(w, SNAP_THR_CRASHED, (uint64_t)t->crashed);
    if (t->n_stack)
        put_packed(w, SNAP_THR_FRAMES, t->stack, t->n_stack, 1);
    put_opt(w, SNAP_THR_TRUNCATED, (uint64_t)t->truncated);
    if (t->regs)
        put_packed(w, SNAP_THR_REGS, t->regs, SNAP_X86_64_REG_COUNT, 0);
    put_opt(w, SNAP_THR_STATUS, t->status);
    snap_put_str(w, SNAP_THR_WCHAN, t->wchan);
    put_opt(w, SNAP_THR_KERNEL_PC, t->kernel_pc);
    if (t->has_syscall)
        snap_put_i64(w, SNAP_THR_SYSCALL, t->syscall);
    put_opt(w, SNAP_THR_SIGNAL, t->signal);
    put_opt(w, SNAP_THR_METHOD, t->method);
    put_opt(w, SNAP_THR_LOCK_ADDR, t->lock_addr);
    put_opt(w, SNAP_THR_LOCK_OWNER, t->lock_owner);
    snap_rec_end(w);
}

static void put_fd(snap_writer *w, const fix_fd *fd)
{
    snap_rec_begin(w, SNAP_REC_FD);
    snap_put_u64(w, SNAP_FD_NUM, fd->fd);
    snap_put_u64(w, SNAP_FD_KINDF, fd->kind);
    if (fd->target)
        snap_put_str(w, SNAP_FD_TARGET, fd->target);
    put_opt(w, SNAP_FD_FLAGS, fd->flags);
    put_opt(w, SNAP_FD_OFFSET, fd->offset);
    put_opt(w, SNAP_FD_INODE, fd->inode);
    put_opt(w, SNAP_FD_SOCK_FAMILY, fd->family);
    put_opt(w, SNAP_FD_SOCK_TYPE, fd->type);
    snap_put_str(w, SNAP_FD_SOCK_LOCAL, fd->local);
    if (fd->peer)
        snap_put_str(w, SNAP_FD_SOCK_PEER, fd->peer);
    snap_put_str(w, SNAP_FD_DETAILS, fd->details);
    put_opt(w, SNAP_FD_SOCK_PROTO, fd->proto);
    put_opt(w, SNAP_FD_CLOEXEC, (uint64_t)fd->cloexec);
    put_opt(w, SNAP_FD_SIZE, fd->size);
    snap_rec_end(w);
}

static void put_module_list(snap_writer *w, const fix_snapshot *d)
{
    if (!d->modules) {
        put_modules(w);
        return;
    }
    for (size_t i = 0; i < d->n_modules; i++) {
        const fix_module *m = &d->modules[i];
        snap_rec_begin(w, SNAP_REC_MODULE);
        snap_put_str(w, SNAP_MOD_PATH, m->path);
        snap_put_u64(w, SNAP_MOD_BIAS, m->bias);
        if (m->build_id_len)
            snap_put_bytes(w, SNAP_MOD_BUILD_ID, m->build_id, m->build_id_len);
        snap_put_u64(w, SNAP_MOD_START, m->start);
        snap_put_u64(w, SNAP_MOD_END, m->end);
        if (m->image)
            snap_put_bytes(w, SNAP_MOD_IMAGE, m->image, m->image_len);
        snap_rec_end(w);
    }
}

static void put_extras(snap_writer *w, const fix_snapshot *d)
{
    for (size_t i = 0; i < d->n_crumbs; i++) {
        snap_rec_begin(w, SNAP_REC_BREADCRUMB);
        snap_put_u64(w, SNAP_BC_TIME_MS, d->crumbs[i].time_ms);
        snap_put_u64(w, SNAP_BC_TID, d->crumbs[i].tid);
        snap_put_str(w, SNAP_BC_TEXT, d->crumbs[i].text);
        snap_rec_end(w);
    }
    for (size_t i = 0; i < d->n_annotations; i++) {
        snap_rec_begin(w, SNAP_REC_ANNOTATION);
        snap_put_str(w, SNAP_ANN_KEY, d->annotations[2 * i]);
        snap_put_str(w, SNAP_ANN_VALUE, d->annotations[2 * i + 1]);
        snap_rec_end(w);
    }
}

static void put_capture(snap_writer *w, const fix_snapshot *d, uint64_t origins)
{
    uint64_t unwound = 0;
    if (!d->capture_version)
        return;
    for (size_t i = 0; i < d->n_threads; i++)
        unwound += d->threads[i].n_stack && d->threads[i].status == SNAP_THREAD_UNWOUND;
    snap_rec_begin(w, SNAP_REC_CAPTURE);
    snap_put_u64(w, SNAP_CAP_DURATION_US, d->capture_us);
    snap_put_u64(w, SNAP_CAP_THREADS, d->n_threads);
    snap_put_u64(w, SNAP_CAP_UNWOUND, unwound);
    snap_put_u64(w, SNAP_CAP_FDS, d->n_fds);
    snap_put_str(w, SNAP_CAP_VERSION, d->capture_version);
    snap_put_u64(w, SNAP_CAP_MODULES, d->modules ? d->n_modules : 2);
    put_opt(w, SNAP_CAP_THREADS_US, d->capture_threads_us);
    put_opt(w, SNAP_CAP_FDS_US, d->capture_fds_us);
    put_opt(w, SNAP_CAP_TRACKING, d->tracking);
    if (d->tracking)
        snap_put_u64(w, SNAP_CAP_ORIGINS, origins);
    snap_put_u64(w, SNAP_CAP_CHILDREN, d->n_children);
    snap_rec_end(w);
}

static void put_memory(snap_writer *w, const fix_memory *m)
{
    uint64_t rss = 0;
    snap_rec_begin(w, SNAP_REC_MEMORY);
    snap_put_u64(w, SNAP_MEM_AGE_MS, m->age_ms);
    for (uint64_t k = 1; k < SNAP_MEM_KIND_COUNT; k++) {
        uint8_t buf[64];
        size_t pos = 0;
        if (!m->rss_kb[k])
            continue;
        pos += snap_varint_put(buf + pos, k);
        pos += snap_varint_put(buf + pos, m->rss_kb[k] + 64); /* size */
        pos += snap_varint_put(buf + pos, m->rss_kb[k]);
        pos += snap_varint_put(buf + pos, m->rss_kb[k]);      /* pss */
        pos += snap_varint_put(buf + pos, 0);                  /* swap */
        pos += snap_varint_put(buf + pos, 1);                  /* mappings */
        snap_put_bytes(w, SNAP_MEM_KINDF, buf, pos);
        rss += m->rss_kb[k];
    }
    snap_put_u64(w, SNAP_MEM_RSS_KB, rss);
    put_opt(w, SNAP_MEM_PSS_KB, m->pss_kb);
    put_opt(w, SNAP_MEM_SWAP_KB, m->swap_kb);
    if (m->cgroup)
        snap_put_str(w, SNAP_MEM_CGROUP, m->cgroup);
    if (m->has_cg_current)
        snap_put_u64(w, SNAP_MEM_CG_CURRENT, m->cg_current);
    if (m->has_cg_max)
        snap_put_u64(w, SNAP_MEM_CG_MAX, m->cg_max);
    if (m->has_cg_oom) {
        snap_put_u64(w, SNAP_MEM_CG_OOM_KILLS, m->cg_oom_kills);
        snap_put_u64(w, SNAP_MEM_CG_OOM, m->cg_oom);
    }
    put_opt(w, SNAP_MEM_PHYS_KB, m->phys_kb);
    put_opt(w, SNAP_MEM_AVAIL_KB, m->avail_kb);
    if (m->has_malloc) {
        snap_put_u64(w, SNAP_MEM_MALLOC_ARENA, m->malloc_arena);
        snap_put_u64(w, SNAP_MEM_MALLOC_MMAP, m->malloc_mmap);
        snap_put_u64(w, SNAP_MEM_MALLOC_INUSE, m->malloc_inuse);
        snap_put_u64(w, SNAP_MEM_MALLOC_FREE, m->malloc_free);
    }
    put_opt(w, SNAP_MEM_WATERMARK, m->watermark_permille);
    put_opt(w, SNAP_MEM_VM_SIZE_KB, m->vm_size_kb);
    snap_rec_end(w);
}

static void put_heap(snap_writer *w, const fix_heap *h)
{
    snap_rec_begin(w, SNAP_REC_HEAP);
    snap_put_u64(w, SNAP_HEAP_INTERVAL, h->interval);
    snap_put_u64(w, SNAP_HEAP_SAMPLES, h->samples);
    snap_put_u64(w, SNAP_HEAP_LIVE_SAMPLES, h->live_samples);
    snap_put_u64(w, SNAP_HEAP_ALLOC_BYTES, h->alloc_bytes);
    snap_put_u64(w, SNAP_HEAP_ALLOC_OBJECTS, h->alloc_objects);
    snap_put_u64(w, SNAP_HEAP_LIVE_BYTES, h->live_bytes);
    snap_put_u64(w, SNAP_HEAP_LIVE_OBJECTS, h->live_objects);
    put_opt(w, SNAP_HEAP_LOST, h->lost);
    put_opt(w, SNAP_HEAP_START_MS, h->start_ms);
    snap_put_u64(w, SNAP_HEAP_STACKS, h->n_stacks);
    snap_rec_end(w);
    for (size_t i = 0; i < h->n_stacks; i++) {
        const fix_heap_stack *k = &h->stacks[i];
        snap_rec_begin(w, SNAP_REC_HEAP_STACK);
        put_packed(w, SNAP_HSTK_FRAMES, k->frames, k->n_frames, 1);
        snap_put_u64(w, SNAP_HSTK_LIVE_BYTES, k->live_bytes);
        snap_put_u64(w, SNAP_HSTK_LIVE_OBJECTS, k->live_objects);
        snap_put_u64(w, SNAP_HSTK_ALLOC_BYTES, k->alloc_bytes);
        snap_put_u64(w, SNAP_HSTK_ALLOC_OBJECTS, k->alloc_objects);
        snap_put_u64(w, SNAP_HSTK_LIVE_SAMPLES, k->live_samples);
        snap_put_u64(w, SNAP_HSTK_SAMPLES, k->samples);
        put_opt(w, SNAP_HSTK_MMAP, (uint64_t)k->mmap);
        snap_put_u64(w, SNAP_HSTK_ID, k->id);
        snap_rec_end(w);
    }
}

int fixture_snapshot(fixture_file *f, const fix_snapshot *d)
{
    session ss;
    snap_writer *w = &ss.w;
    uint64_t origins = 0;
    int rc = begin(&ss, f, 0);
    if (rc < 0)
        return end(&ss, rc);
    put_process(w, d);
    for (size_t i = 0; i < d->n_threads; i++)
        put_thread(w, &d->threads[i]);
    for (size_t i = 0; i < d->n_fds; i++)
        put_fd(w, &d->fds[i]);
    put_module_list(w, d);
    put_extras(w, d);
    for (size_t i = 0; i < d->n_fds; i++) {
        const fix_fd *fd = &d->fds[i];
        if (fd->frames || fd->unknown) {
            put_origin(w, SNAP_ORIGIN_FD, fd->fd, fd->frames, fd->n_frames, fd->unknown, 0,
                       fd->call ? fd->call : "socket", fd->origin_ms, fd->origin_tid);
            origins++;
        }
    }
    for (size_t i = 0; i < d->n_threads; i++) {
        const fix_thread *t = &d->threads[i];
        if (t->frames) {
            put_origin(w, SNAP_ORIGIN_THREAD, t->tid, t->frames, t->n_frames, 0, t->start,
                       "pthread_create", t->origin_ms, t->origin_tid);
            origins++;
        }
    }
    for (size_t i = 0; i < d->n_children; i++) {
        const fix_child *c = &d->children[i];
        snap_rec_begin(w, SNAP_REC_CHILD);
        snap_put_u64(w, SNAP_CHILD_PID, c->pid);
        snap_put_u64(w, SNAP_CHILD_STATE, c->zombie ? 'Z' : 'S');
        snap_put_u64(w, SNAP_CHILD_ZOMBIE, c->zombie != 0);
        if (c->comm)
            snap_put_str(w, SNAP_CHILD_COMM, c->comm);
        if (c->cmdline_len)
            snap_put_bytes(w, SNAP_CHILD_CMDLINE, c->cmdline, c->cmdline_len);
        put_opt(w, SNAP_CHILD_START_MS, c->start_ms);
        snap_rec_end(w);
    }
    if (d->memory)
        put_memory(w, d->memory);
    if (d->heap)
        put_heap(w, d->heap);
    put_capture(w, d, origins);
    if (d->incomplete) {
        snap_writer_flush(w);
        rc = w->error;
    } else {
        rc = snap_writer_finish(w);
    }
    return end(&ss, rc);
}

void fixture_file_release(fixture_file *f)
{
    free(f->data);
    f->data = NULL;
    f->len = 0;
}
