/*
 * test_reader.c - Check tests of the snapshot reader (snapshot/reader/include/snap_reader.h)
 * against files written by the real writer: round trip of every record type
 * and field, truncation at every byte and every record boundary, bit flips,
 * and hand-made hostile files.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include "snap_fixture.h"
#include "snap_format.h"
#include "snap_reader.h"
#include "unit_run.h"

static size_t clamp_count(size_t k, size_t first, size_t max)
{
    if (k <= first)
        return 0;
    return k - first < max ? k - first : max;
}

static void check_process(const snap_process *p)
{
    ck_assert_uint_eq(p->pid, FIX_PID);
    ck_assert_uint_eq(p->ppid, FIX_PPID);
    ck_assert_uint_eq(p->uid, FIX_UID);
    ck_assert_uint_eq(p->start_ms, FIX_START_MS);
    ck_assert_uint_eq(p->time_ms, FIX_TIME_MS);
    ck_assert_uint_eq(p->threads, FIX_THREADS);
    ck_assert_uint_eq(p->fd_limit, FIX_FD_LIMIT);
    ck_assert_uint_eq(p->vm_rss_kb, FIX_RSS_KB);
    ck_assert_uint_eq(p->vm_size_kb, FIX_VM_KB);
    ck_assert_uint_eq(p->vm_hwm_kb, FIX_HWM_KB);
    ck_assert_str_eq(p->exe, FIX_EXE);
    ck_assert_str_eq(p->app, FIX_APP);
    ck_assert_str_eq(p->hostname, FIX_HOST);
    ck_assert_str_eq(p->kernel, FIX_KERNEL);
    ck_assert_str_eq(p->arch, FIX_ARCH);
    ck_assert_uint_eq(p->cmdline_len, FIX_CMDLINE_LEN);
    ck_assert_mem_eq(p->cmdline, FIX_CMDLINE, FIX_CMDLINE_LEN);
    ck_assert_uint_eq(p->n_rlimits, 3);
    ck_assert_uint_eq(p->rlimits[0].resource, 7);
    ck_assert_uint_eq(p->rlimits[0].cur, 1024);
    ck_assert_uint_eq(p->rlimits[0].max, 4096);
    ck_assert_uint_eq(p->rlimits[1].resource, 3);
    ck_assert_uint_eq(p->rlimits[1].cur, 8388608);
    ck_assert_uint_eq(p->rlimits[1].max, UINT64_MAX);
    ck_assert_uint_eq(p->rlimits[2].resource, 4);
    ck_assert_uint_eq(p->rlimits[2].cur, 0);
}

static void check_trigger(const snap_trigger *t)
{
    ck_assert_int_eq(t->present, 1);
    ck_assert_uint_eq(t->kind, SNAP_TRIGGER_CRASH);
    ck_assert_uint_eq(t->signal, FIX_SIGNAL);
    ck_assert_int_eq(t->code, FIX_CODE);
    ck_assert_uint_eq(t->addr, FIX_ADDR);
    ck_assert_uint_eq(t->sender_pid, FIX_SENDER_PID);
    ck_assert_uint_eq(t->sender_uid, FIX_SENDER_UID);
    ck_assert_uint_eq(t->tid, FIX_TRIGGER_TID);
    ck_assert_uint_eq(t->seq, FIX_SEQ);
    ck_assert_str_eq(t->reason, "null pointer write");
}

static void check_thread(const snap_thread *t, int which)
{
    switch (which) {
    case 0:
        ck_assert_uint_eq(t->tid, 4242);
        ck_assert_str_eq(t->name, "main");
        ck_assert_int_eq(t->state, 'R');
        ck_assert_int_eq(t->crashed, 1);
        ck_assert_uint_eq(t->status, SNAP_THREAD_UNWOUND);
        ck_assert_uint_eq(t->n_frames, FIX_MAIN_NFRAMES);
        ck_assert_mem_eq(t->frames, fix_main_frames, sizeof(fix_main_frames));
        ck_assert_uint_eq(t->n_regs, FIX_NREGS);
        ck_assert_mem_eq(t->regs, fix_regs, sizeof(fix_regs));
        ck_assert_uint_eq(t->signal, 11);
        ck_assert_int_eq(t->truncated, 0);
        ck_assert_int_eq(t->has_syscall, 0);
        ck_assert_ptr_null(t->wchan);
        ck_assert_uint_eq(t->method, SNAP_METHOD_CRASH);
        ck_assert_int_eq(t->reused, 0);
        break;
    case 1:
        ck_assert_uint_eq(t->tid, 4243);
        ck_assert_str_eq(t->name, "worker");
        ck_assert_int_eq(t->state, 'S');
        ck_assert_int_eq(t->crashed, 0);
        ck_assert_uint_eq(t->status, SNAP_THREAD_BLOCKED);
        ck_assert_str_eq(t->wchan, "futex_wait_queue");
        ck_assert_uint_eq(t->kernel_pc, 0x7ffff7e8f0f0ull);
        ck_assert_int_eq(t->has_syscall, 1);
        ck_assert_int_eq(t->syscall, 202);
        ck_assert_uint_eq(t->n_frames, 0);
        ck_assert_uint_eq(t->n_regs, 0);
        ck_assert_uint_eq(t->method, SNAP_METHOD_KERNEL);
        ck_assert_int_eq(t->reused, 1);
        break;
    default:
        ck_assert_uint_eq(t->tid, 4244);
        ck_assert_str_eq(t->name, "deep");
        ck_assert_uint_eq(t->status, SNAP_THREAD_TIMEOUT);
        ck_assert_uint_eq(t->n_frames, FIX_CUT_NFRAMES);
        ck_assert_mem_eq(t->frames, fix_cut_frames, sizeof(fix_cut_frames));
        ck_assert_int_eq(t->truncated, 1);
        ck_assert_int_eq(t->has_syscall, 1);
        ck_assert_int_eq(t->syscall, -1);
        ck_assert_uint_eq(t->method, SNAP_METHOD_CALL);
        ck_assert_int_eq(t->reused, 0);
        break;
    }
}

static void check_fd(const snap_fd *d, int which)
{
    switch (which) {
    case 0:
        ck_assert_uint_eq(d->fd, 0);
        ck_assert_uint_eq(d->kind, SNAP_FD_DEVICE);
        ck_assert_str_eq(d->target, "/dev/pts/0");
        ck_assert_int_eq(d->has_flags, 1);
        ck_assert_uint_eq(d->flags, 0x8002);
        ck_assert_int_eq(d->has_offset, 1);
        ck_assert_uint_eq(d->offset, 0);
        ck_assert_int_eq(d->cloexec, 0);
        break;
    case 1:
        ck_assert_uint_eq(d->fd, 3);
        ck_assert_uint_eq(d->kind, SNAP_FD_SOCKET);
        ck_assert_str_eq(d->target, "socket:[81234]");
        ck_assert_uint_eq(d->flags, 0x802);
        ck_assert_int_eq(d->has_offset, 0);
        ck_assert_uint_eq(d->inode, 81234);
        ck_assert_uint_eq(d->sock_family, 2);
        ck_assert_uint_eq(d->sock_type, 1);
        ck_assert_uint_eq(d->sock_proto, 6);
        ck_assert_str_eq(d->sock_local, "127.0.0.1:40000");
        ck_assert_str_eq(d->sock_peer, "127.0.0.1:8080");
        ck_assert_int_eq(d->cloexec, 1);
        break;
    default:
        ck_assert_uint_eq(d->fd, 4);
        ck_assert_uint_eq(d->kind, SNAP_FD_FILE);
        ck_assert_str_eq(d->target, "/tmp/demo.log");
        ck_assert_uint_eq(d->flags, 0x441);
        ck_assert_uint_eq(d->offset, 5000);
        ck_assert_uint_eq(d->inode, 99);
        ck_assert_uint_eq(d->size, 5000);
        ck_assert_str_eq(d->details, "pos:\t5000\nflags:\t02102101");
        break;
    }
}

static void check_module_exe(const snap_module *m)
{
    ck_assert_str_eq(m->path, FIX_EXE);
    ck_assert_uint_eq(m->bias, FIX_EXE_BIAS);
    ck_assert_uint_eq(m->start, FIX_EXE_START);
    ck_assert_uint_eq(m->end, FIX_EXE_END);
    ck_assert_uint_eq(m->build_id_len, sizeof(fix_exe_build_id));
    ck_assert_mem_eq(m->build_id, fix_exe_build_id, sizeof(fix_exe_build_id));
}

static void check_module_libc(const snap_module *m)
{
    ck_assert_str_eq(m->path, FIX_LIBC_PATH);
    ck_assert_uint_eq(m->bias, FIX_LIBC_BIAS);
    ck_assert_uint_eq(m->start, FIX_LIBC_START);
    ck_assert_uint_eq(m->end, FIX_LIBC_END);
    ck_assert_uint_eq(m->build_id_len, 0);
    ck_assert_ptr_null(m->build_id);
}

/* The ORIGIN and CHILD records among the first k of the reference. */
static void check_tracking_prefix(const snap *s, size_t k)
{
    size_t n = clamp_count(k, FIX_REC_ORIGIN_TTY, 3);
    ck_assert_uint_eq(s->n_origins, n);
    /* Sorted by resource then id: fd 0, fd 3, thread 4243 (file order too). */
    if (n > 0) {
        const snap_origin *o = &s->origins[0];
        ck_assert(o->resource == SNAP_ORIGIN_FD && o->id == 0 && o->unknown);
        ck_assert(o->n_frames == 0 && !o->frames && !o->call && !o->truncated);
        ck_assert_ptr_eq(snap_fd_origin(s, 0), o);
    }
    if (n > 1) {
        const snap_origin *o = &s->origins[1];
        ck_assert(o->resource == SNAP_ORIGIN_FD && o->id == 3 && !o->unknown);
        ck_assert_uint_eq(o->n_frames, FIX_ORIGIN_SOCKET_NFRAMES);
        for (size_t i = 0; i < o->n_frames; i++)
            ck_assert_uint_eq(o->frames[i], fix_origin_socket_frames[i]);
        ck_assert_uint_eq(o->time_ms, FIX_ORIGIN_SOCKET_MS);
        ck_assert_uint_eq(o->tid, 4242);
        ck_assert_uint_eq(o->start, 0);
        ck_assert_str_eq(o->call, "socket");
        ck_assert_ptr_eq(snap_fd_origin(s, 3), o);
    }
    if (n > 2) {
        const snap_origin *o = &s->origins[2];
        ck_assert(o->resource == SNAP_ORIGIN_THREAD && o->id == 4243 && o->truncated);
        ck_assert_uint_eq(o->n_frames, FIX_ORIGIN_WORKER_NFRAMES);
        for (size_t i = 0; i < o->n_frames; i++)
            ck_assert_uint_eq(o->frames[i], fix_origin_worker_frames[i]);
        ck_assert_uint_eq(o->time_ms, FIX_ORIGIN_WORKER_MS);
        ck_assert_uint_eq(o->start, FIX_WORKER_START);
        ck_assert_str_eq(o->call, "pthread_create");
        ck_assert_ptr_eq(snap_thread_origin(s, 4243), o);
    }
    ck_assert_ptr_null(snap_fd_origin(s, 4));
    ck_assert_ptr_null(snap_fd_origin(s, 4243));
    ck_assert_ptr_null(snap_thread_origin(s, 3));
    ck_assert_ptr_null(snap_thread_origin(s, 4242));

    n = clamp_count(k, FIX_REC_CHILD_ZOMBIE, 2);
    ck_assert_uint_eq(s->n_children, n);
    if (n > 0) {
        const snap_child *c = &s->children[0];
        ck_assert(c->pid == 5000 && c->state == 'Z' && c->zombie);
        ck_assert(!c->cmdline && c->cmdline_len == 0);
        ck_assert_str_eq(c->comm, "true");
        ck_assert_uint_eq(c->start_ms, FIX_TIME_MS - 2000);
    }
    if (n > 1) {
        const snap_child *c = &s->children[1];
        ck_assert(c->pid == 5001 && c->state == 'S' && !c->zombie);
        ck_assert_uint_eq(c->cmdline_len, FIX_CHILD_CMDLINE_LEN);
        ck_assert_mem_eq(c->cmdline, FIX_CHILD_CMDLINE, FIX_CHILD_CMDLINE_LEN);
        ck_assert_str_eq(c->comm, "sh");
        ck_assert_uint_eq(c->start_ms, FIX_TIME_MS - 1000);
    }
}

/*
 * s must hold exactly the first k records of the reference snapshot, every
 * field as written (k may count the END record).
 */
static void check_reference_prefix(const snap *s, size_t k)
{
    ck_assert_uint_eq(s->version_major, SNAP_VERSION_MAJOR);
    ck_assert_uint_eq(s->unknown_records, 0);
    ck_assert_uint_eq(s->malformed_records, 0);
    ck_assert_uint_eq(s->dropped_items, 0);
    if (k > FIX_REC_PROCESS)
        check_process(&s->process);
    else
        ck_assert(s->process.pid == 0 && !s->process.exe && !s->process.n_rlimits);
    if (k > FIX_REC_TRIGGER)
        check_trigger(&s->trigger);
    else
        ck_assert_int_eq(s->trigger.present, 0);

    size_t n = clamp_count(k, FIX_REC_THREAD_MAIN, 3);
    ck_assert_uint_eq(s->n_threads, n);
    for (size_t i = 0; i < n; i++)
        check_thread(&s->threads[i], (int)i);
    n = clamp_count(k, FIX_REC_FD_TTY, 3);
    ck_assert_uint_eq(s->n_fds, n);
    for (size_t i = 0; i < n; i++)
        check_fd(&s->fds[i], (int)i);
    n = clamp_count(k, FIX_REC_MODULE_LIBC, 2);
    ck_assert_uint_eq(s->n_modules, n);
    if (n == 1)
        check_module_libc(&s->modules[0]);
    if (n == 2) { /* sorted by start: the exe maps lower */
        check_module_exe(&s->modules[0]);
        check_module_libc(&s->modules[1]);
    }
    n = clamp_count(k, FIX_REC_CRUMB0, 3);
    ck_assert_uint_eq(s->n_breadcrumbs, n);
    for (size_t i = 0; i < n; i++) {
        ck_assert_uint_eq(s->breadcrumbs[i].time_ms, FIX_TIME_MS - 3000 + i * 1000);
        ck_assert_uint_eq(s->breadcrumbs[i].tid, 4242 + i);
        ck_assert_str_eq(s->breadcrumbs[i].text, fix_crumbs[i]);
    }
    n = clamp_count(k, FIX_REC_ANN0, 2);
    ck_assert_uint_eq(s->n_annotations, n);
    if (n > 0) {
        ck_assert_str_eq(s->annotations[0].key, "app.version");
        ck_assert_str_eq(s->annotations[0].value, "1.2.3");
    }
    if (n > 1) {
        ck_assert_str_eq(s->annotations[1].key, "session");
        ck_assert_str_eq(s->annotations[1].value, "a\"b\\c");
    }
    check_tracking_prefix(s, k);
    if (k > FIX_REC_CAPTURE) {
        ck_assert_uint_eq(s->capture.tracking, 3);
        ck_assert_uint_eq(s->capture.origins, 3);
        ck_assert_uint_eq(s->capture.track_lost, 1);
        ck_assert_uint_eq(s->capture.children, 2);
        ck_assert_uint_eq(s->capture.threads_omitted, FIX_THREADS_OMITTED);
        ck_assert_uint_eq(s->capture.duration_us, 12345);
        ck_assert_uint_eq(s->capture.threads, 3);
        ck_assert_uint_eq(s->capture.unwound, 1);
        ck_assert_uint_eq(s->capture.fds, 3);
        ck_assert_uint_eq(s->capture.modules, 2);
        ck_assert_uint_eq(s->capture.threads_us, 8000);
        ck_assert_uint_eq(s->capture.fds_us, 2500);
        ck_assert_str_eq(s->capture.version, "0.1.0");
    } else {
        ck_assert_ptr_null(s->capture.version);
    }
}

static snap *read_ok(const fixture_file *f, size_t len)
{
    char err[256] = "";
    snap *s = snap_read_buffer(f->data, len, err, sizeof(err));
    ck_assert_msg(s != NULL, "read of %zu bytes failed: %s", len, err);
    return s;
}

START_TEST(round_trip_every_field)
{
    fixture_file f;
    ck_assert_int_eq(fixture_reference(&f, _i, 1), 0);
    snap *s = read_ok(&f, f.len);
    ck_assert_msg(s->complete, "incomplete: %s", s->incomplete_why);
    ck_assert_ptr_null(s->incomplete_why);
    ck_assert_uint_eq(s->records, FIX_REC_COUNT + 1);
    ck_assert_uint_eq(s->version_minor, SNAP_VERSION_MINOR);
    check_reference_prefix(s, FIX_REC_COUNT + 1);
    snap_free(s);
    fixture_file_release(&f);
}
END_TEST

/* MODULE IMAGE (minor 3): the vDSO's bytes, kept whole; a module without
 * one has none. */
START_TEST(module_image)
{
    static const uint8_t id[4] = { 1, 2, 3, 4 };
    uint8_t image[3000];
    for (size_t i = 0; i < sizeof(image); i++)
        image[i] = (uint8_t)(i * 7);
    const fix_module mods[] = {
        { "/usr/bin/x", 0x1000, 0x1000, 0x2000, NULL, 0, NULL, 0 },
        { "[vdso]", 0x7fff0000, 0x7fff0000, 0x7fff2000, id, sizeof(id), image, sizeof(image) },
    };
    const fix_snapshot d = { .pid = 1, .time_ms = 1, .trigger_kind = SNAP_TRIGGER_CRASH,
                             .modules = mods, .n_modules = 2 };
    fixture_file f;
    ck_assert_int_eq(fixture_snapshot(&f, &d), 0);
    snap *s = read_ok(&f, f.len);
    ck_assert_uint_eq(s->n_modules, 2);
    ck_assert_ptr_null(s->modules[0].image);
    ck_assert_uint_eq(s->modules[0].image_len, 0);
    ck_assert_str_eq(s->modules[1].path, "[vdso]");
    ck_assert_uint_eq(s->modules[1].image_len, sizeof(image));
    ck_assert_mem_eq(s->modules[1].image, image, sizeof(image));
    ck_assert_uint_eq(s->modules[1].build_id_len, sizeof(id));
    snap_free(s);
    fixture_file_release(&f);
}
END_TEST

START_TEST(lookups)
{
    fixture_file f;
    ck_assert_int_eq(fixture_reference(&f, 0, 1), 0);
    snap *s = read_ok(&f, f.len);
    const snap_module *m = snap_module_for_pc(s, fix_main_frames[0]);
    ck_assert_ptr_nonnull(m);
    ck_assert_str_eq(m->path, FIX_EXE);
    m = snap_module_for_pc(s, fix_main_frames[2]);
    ck_assert_ptr_nonnull(m);
    ck_assert_str_eq(m->path, FIX_LIBC_PATH);
    ck_assert_ptr_null(snap_module_for_pc(s, FIX_EXE_END));     /* end is exclusive */
    ck_assert_ptr_nonnull(snap_module_for_pc(s, FIX_EXE_START)); /* start inclusive */
    ck_assert_ptr_null(snap_module_for_pc(s, 0));
    ck_assert_ptr_null(snap_module_for_pc(s, UINT64_MAX));
    ck_assert_ptr_null(snap_module_for_pc(NULL, 1));

    const snap_thread *t = snap_trigger_thread(s);
    ck_assert_ptr_nonnull(t);
    ck_assert_uint_eq(t->tid, 4242);

    size_t pos = 0, len;
    const char *arg;
    ck_assert(snap_cmdline_next(s, &pos, &arg, &len));
    ck_assert(len == 4 && memcmp(arg, "demo", 4) == 0);
    ck_assert(snap_cmdline_next(s, &pos, &arg, &len));
    ck_assert(len == 7 && memcmp(arg, "--crash", 7) == 0);
    ck_assert(snap_cmdline_next(s, &pos, &arg, &len));
    ck_assert(len == 9 && memcmp(arg, "two words", 9) == 0);
    ck_assert(!snap_cmdline_next(s, &pos, &arg, &len));
    snap_free(s);
    fixture_file_release(&f);
}
END_TEST

/* SNAP_READ_SUMMARY: the same snapshot without its fd table, origins,
 * children and breadcrumbs; the program's FD records counted. */
START_TEST(summary_read)
{
    fixture_file f;
    char err[256];
    ck_assert_int_eq(fixture_reference(&f, 0, 1), 0);
    snap *whole = read_ok(&f, f.len);
    snap *s = snap_read_buffer_flags(f.data, f.len, SNAP_READ_SUMMARY | SNAP_READ_RAW_FRAMES,
                                     err, sizeof(err));
    ck_assert_msg(s != NULL, "%s", err);
    ck_assert(s->complete);
    ck_assert_uint_eq(s->records, whole->records);
    ck_assert_uint_gt(whole->n_fds, 0);
    ck_assert_uint_eq(s->n_fds, 0);
    ck_assert_uint_eq(s->n_bbx_fds, 0);
    ck_assert_uint_eq(s->fds_passed, whole->n_fds); /* bbx's own are not counted */
    ck_assert_uint_eq(whole->fds_passed, 0);
    ck_assert_uint_eq(s->n_origins, 0);
    ck_assert_uint_eq(s->n_children, 0);
    ck_assert_uint_eq(s->n_breadcrumbs, 0);
    ck_assert_uint_eq(s->n_threads, whole->n_threads);
    ck_assert_uint_eq(s->n_modules, whole->n_modules);
    ck_assert_uint_eq(s->n_annotations, whole->n_annotations);
    ck_assert_uint_eq(s->trigger.signal, whole->trigger.signal);
    const snap_thread *t = snap_trigger_thread(s), *w = snap_trigger_thread(whole);
    ck_assert_uint_eq(t->tid, w->tid);
    uint64_t pcs[64];
    long n = snap_frames_decode(t->frames_raw, t->frames_raw_len, pcs, 64, NULL);
    ck_assert_int_eq(n, (long)w->n_frames);
    ck_assert(memcmp(pcs, w->frames, (size_t)n * sizeof(*pcs)) == 0);
    snap_free(s);
    snap_free(whole);
    fixture_file_release(&f);

    /* an fd of the program and one of bbx's own: only the first counts */
    uint8_t raw[64], pl[16];
    size_t pos = 0, k = 0;
    fix_put_varint(pl, &k, (uint64_t)SNAP_FD_NUM << 3);
    fix_put_varint(pl, &k, 3);
    fix_put_record(raw, &pos, SNAP_REC_FD, pl, k);
    k = 0;
    fix_put_varint(pl, &k, (uint64_t)SNAP_FD_NUM << 3);
    fix_put_varint(pl, &k, 7);
    fix_put_varint(pl, &k, (uint64_t)SNAP_FD_BBX << 3);
    fix_put_varint(pl, &k, 1);
    fix_put_record(raw, &pos, SNAP_REC_FD, pl, k);
    ck_assert_int_eq(fixture_wrap(&f, raw, pos, SNAP_VERSION_MAJOR), 0);
    whole = snap_read_buffer(f.data, f.len, err, sizeof(err));
    s = snap_read_buffer_flags(f.data, f.len, SNAP_READ_SUMMARY, err, sizeof(err));
    ck_assert(whole && s);
    ck_assert_uint_eq(whole->n_fds, 1);
    ck_assert_uint_eq(whole->n_bbx_fds, 1);
    ck_assert_uint_eq(s->fds_passed, 1);
    snap_free(s);
    snap_free(whole);
    fixture_file_release(&f);
}
END_TEST

/* Cut the flushed reference file at every byte. */
START_TEST(truncation_every_byte)
{
    fixture_file f;
    ck_assert_int_eq(fixture_reference(&f, 1, 1), 0);
    for (size_t len = 0; len <= f.len; len++) {
        char err[256] = "";
        snap *s = snap_read_buffer(f.data, len, err, sizeof(err));
        if (len < SNAP_HEADER_LEN) {
            ck_assert_msg(s == NULL, "a %zu-byte header was accepted", len);
            ck_assert(err[0] != 0);
            continue;
        }
        ck_assert_msg(s != NULL, "cut at %zu: %s", len, err);
        size_t whole = 0; /* records flushed before the cut */
        while (whole <= FIX_REC_COUNT && f.flush_end[whole] <= len)
            whole++;
        ck_assert_msg(s->records >= whole, "cut at %zu: %llu records, %zu flushed", len,
                      (unsigned long long)s->records, whole);
        ck_assert_uint_le(s->records, FIX_REC_COUNT + 1);
        check_reference_prefix(s, s->records);
        ck_assert_int_eq(s->complete, len == f.len);
        if (!s->complete) {
            ck_assert_ptr_nonnull(s->incomplete_why);
            ck_assert_msg(strstr(s->incomplete_why, "truncated"), "cut at %zu: %s", len,
                          s->incomplete_why);
        }
        snap_free(s);
    }
    fixture_file_release(&f);
}
END_TEST

/* Cut exactly where each record was flushed: that many records, exactly. */
START_TEST(truncation_record_boundaries)
{
    fixture_file f;
    char want[64];
    ck_assert_int_eq(fixture_reference(&f, 1, 1), 0);
    for (size_t i = 0; i < FIX_REC_COUNT; i++) {
        snap *s = read_ok(&f, f.flush_end[i]);
        ck_assert_uint_eq(s->records, i + 1);
        check_reference_prefix(s, i + 1);
        ck_assert_int_eq(s->complete, 0);
        snprintf(want, sizeof(want), "truncated after %zu records", i + 1);
        ck_assert_str_eq(s->incomplete_why, want);
        snap_free(s);
    }
    ck_assert_uint_eq(f.flush_end[FIX_REC_COUNT], f.len);
    fixture_file_release(&f);
}
END_TEST

/* The same without flushes: whatever comes out is an exact prefix. */
START_TEST(truncation_unflushed)
{
    fixture_file f;
    ck_assert_int_eq(fixture_reference(&f, 0, 1), 0);
    for (size_t len = SNAP_HEADER_LEN; len < f.len; len++) {
        snap *s = read_ok(&f, len);
        ck_assert_int_eq(s->complete, 0);
        check_reference_prefix(s, s->records);
        snap_free(s);
    }
    fixture_file_release(&f);
}
END_TEST

START_TEST(no_end_record)
{
    fixture_file f;
    ck_assert_int_eq(fixture_reference(&f, 1, 0), 0);
    snap *s = read_ok(&f, f.len);
    ck_assert_int_eq(s->complete, 0);
    ck_assert_uint_eq(s->records, FIX_REC_COUNT);
    check_reference_prefix(s, FIX_REC_COUNT);
    ck_assert_str_eq(s->incomplete_why, "truncated after 21 records");
    snap_free(s);
    fixture_file_release(&f);
}
END_TEST

/* Every bit of a small file flipped in turn. */
START_TEST(bit_flips)
{
    fixture_file f;
    size_t complete = 0, refused = 0;
    ck_assert_int_eq(fixture_reference(&f, 0, 1), 0);
    for (size_t i = 0; i < f.len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            char err[256] = "";
            f.data[i] ^= (uint8_t)(1u << bit);
            snap *s = snap_read_buffer(f.data, f.len, err, sizeof(err));
            f.data[i] ^= (uint8_t)(1u << bit);
            if (!s) {
                ck_assert_msg(err[0] && !strchr(err, '\n'), "flip %zu.%d: bad reason", i, bit);
                refused++;
                continue;
            }
            ck_assert_msg(i >= 10, "flip in magic/major at %zu.%d accepted", i, bit);
            ck_assert(s->complete == (s->incomplete_why == NULL));
            if (s->complete) {
                /* A snapshot that says complete must be the original. */
                check_reference_prefix(s, FIX_REC_COUNT + 1);
                complete++;
            }
            snap_free(s);
        }
    }
    ck_assert_uint_ge(refused, 10 * 8);
    /* Only the header's spare bytes and version minor may flip unnoticed,
     * plus a few zstd header bits; never most of the file. */
    ck_assert_uint_lt(complete, 8 * 16);
    fixture_file_release(&f);
}
END_TEST

static void expect_refused(const void *data, size_t len, const char *want)
{
    char err[256] = "";
    snap *s = snap_read_buffer(data, len, err, sizeof(err));
    ck_assert_ptr_null(s);
    ck_assert_str_eq(err, want);
}

START_TEST(refused_inputs)
{
    fixture_file f;
    ck_assert_int_eq(fixture_reference(&f, 0, 1), 0);
    expect_refused(f.data, 0, "empty file");
    expect_refused(f.data, 5, "truncated header (5 of 16 bytes)");
    expect_refused(f.data, 15, "truncated header (15 of 16 bytes)");
    expect_refused("\x7f" "ELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 17,
                   "not a bbx snapshot (bad magic)");
    expect_refused("PK", 2, "not a bbx snapshot (bad magic)");
    f.data[8] = 2; /* major 2 */
    char want[64];
    snprintf(want, sizeof(want), "unsupported format version 2.%d (this bbx reads 1.x)",
             SNAP_VERSION_MINOR);
    expect_refused(f.data, f.len, want);
    f.data[8] = 0;
    snprintf(want, sizeof(want), "unsupported format version 0.%d (this bbx reads 1.x)",
             SNAP_VERSION_MINOR);
    expect_refused(f.data, f.len, want);
    f.data[8] = 1;
    f.data[12] = 8;
    expect_refused(f.data, f.len, "bad header length 8");
    f.data[12] = 200;
    expect_refused(f.data, 100, "truncated header (100 of 200 bytes)");
    /* A longer header (a later minor version) is skipped. */
    f.data[12] = 16;
    f.data[10] = 7;
    snap *s = read_ok(&f, f.len);
    ck_assert_int_eq(s->complete, 1);
    ck_assert_uint_eq(s->version_minor, 7);
    snap_free(s);
    /* Just the header: a snapshot with nothing in it. */
    s = read_ok(&f, SNAP_HEADER_LEN);
    ck_assert_int_eq(s->complete, 0);
    ck_assert_uint_eq(s->records, 0);
    ck_assert_str_eq(s->incomplete_why, "truncated after 0 records");
    snap_free(s);
    fixture_file_release(&f);
}
END_TEST

static snap *read_hostile(int which, fixture_file *f)
{
    ck_assert_int_eq(fixture_hostile(f, which), 0);
    return read_ok(f, f->len);
}

START_TEST(huge_lengths)
{
    fixture_file f;
    snap *s = read_hostile(FIX_HUGE_LENGTHS, &f);
    ck_assert_int_eq(s->complete, 0);
    ck_assert_uint_eq(s->records, 1);
    ck_assert_uint_eq(s->n_threads, 1);
    ck_assert_uint_eq(s->threads[0].tid, 5);
    ck_assert_ptr_null(s->threads[0].name);
    ck_assert_uint_eq(s->malformed_records, 1);
    ck_assert_ptr_nonnull(strstr(s->incomplete_why, "corrupt record header after 1 records"));
    snap_free(s);
    fixture_file_release(&f);
}
END_TEST

START_TEST(varint_overflow)
{
    fixture_file f;
    snap *s = read_hostile(FIX_VARINT_OVERFLOW, &f);
    ck_assert_int_eq(s->complete, 0);
    ck_assert_uint_eq(s->records, 2);
    ck_assert_uint_eq(s->process.pid, 1);
    ck_assert_uint_eq(s->n_threads, 1);
    ck_assert_uint_eq(s->threads[0].tid, 6);
    ck_assert_uint_eq(s->malformed_records, 1);
    ck_assert_str_eq(s->incomplete_why, "corrupt record header after 2 records");
    snap_free(s);
    fixture_file_release(&f);
}
END_TEST

START_TEST(frames_over_limit)
{
    fixture_file f;
    snap *s = read_hostile(FIX_MANY_FRAMES, &f);
    ck_assert_msg(s->complete, "%s", s->incomplete_why);
    ck_assert_uint_eq(s->n_threads, 1);
    const snap_thread *t = &s->threads[0];
    ck_assert_uint_eq(t->n_frames, SNAP_READ_MAX_FRAMES);
    ck_assert_int_eq(t->truncated, 1);
    ck_assert_uint_eq(t->frames[0], 0x1000);
    ck_assert_uint_eq(t->frames[SNAP_READ_MAX_FRAMES - 1],
                      0x1000 + 16 * (SNAP_READ_MAX_FRAMES - 1));
    snap_free(s);
    fixture_file_release(&f);
}
END_TEST

START_TEST(wrong_wire_and_unknown)
{
    fixture_file f;
    snap *s = read_hostile(FIX_WRONG_WIRE, &f);
    ck_assert_msg(s->complete, "%s", s->incomplete_why);
    ck_assert_uint_eq(s->process.pid, 9);
    ck_assert_ptr_null(s->process.exe);
    ck_assert_uint_eq(s->malformed_records, 0);
    snap_free(s);
    fixture_file_release(&f);

    s = read_hostile(FIX_UNKNOWN, &f);
    ck_assert_msg(s->complete, "%s", s->incomplete_why);
    ck_assert_uint_eq(s->unknown_records, 1);
    ck_assert_uint_eq(s->process.pid, 3);
    ck_assert_uint_eq(s->records, 3);
    snap_free(s);
    fixture_file_release(&f);
}
END_TEST

START_TEST(framing_oddities)
{
    fixture_file f;
    snap *s = read_hostile(FIX_END_MISMATCH, &f);
    ck_assert_int_eq(s->complete, 0);
    ck_assert_str_eq(s->incomplete_why, "END record counts 5 records but 1 were read");
    snap_free(s);
    fixture_file_release(&f);

    s = read_hostile(FIX_TWO_FRAMES, &f);
    ck_assert_msg(s->complete, "%s", s->incomplete_why);
    ck_assert_uint_eq(s->process.pid, 1);
    ck_assert_uint_eq(s->n_threads, 1);
    snap_free(s);
    fixture_file_release(&f);

    s = read_hostile(FIX_AFTER_END, &f);
    ck_assert_int_eq(s->complete, 0);
    ck_assert_str_eq(s->incomplete_why, "data after the END record");
    ck_assert_uint_eq(s->process.pid, 1); /* the record after END is not used */
    snap_free(s);
    fixture_file_release(&f);

    s = read_hostile(FIX_TRAILING, &f);
    ck_assert_int_eq(s->complete, 0);
    ck_assert_str_eq(s->incomplete_why, "trailing garbage after the end of the snapshot");
    ck_assert_uint_eq(s->process.pid, 1);
    snap_free(s);
    fixture_file_release(&f);
}
END_TEST

START_TEST(checksum_mismatch)
{
    fixture_file f;
    ck_assert_int_eq(fixture_reference(&f, 0, 1), 0);
    f.data[f.len - 1] ^= 0x55; /* the frame's checksum */
    snap *s = read_ok(&f, f.len);
    ck_assert_int_eq(s->complete, 0);
    ck_assert_str_eq(s->incomplete_why, "checksum mismatch after 22 records");
    snap_free(s);
    fixture_file_release(&f);
}
END_TEST

/* Odd tracking records: bounded stacks, wrong wire types, duplicates. */
START_TEST(tracking_odd)
{
    fixture_file f;
    ck_assert_int_eq(fixture_hostile(&f, FIX_TRACKING_ODD), 0);
    snap *s = read_ok(&f, f.len);
    ck_assert_msg(s->complete, "incomplete: %s", s->incomplete_why);
    ck_assert_uint_eq(s->n_origins, 4);
    ck_assert_uint_eq(s->malformed_records, 1);
    /* Sorted: the empty one (resource 0) first, then fd 7 twice, thread 9. */
    ck_assert_uint_eq(s->origins[0].resource, 0);
    const snap_origin *o = snap_fd_origin(s, 7);
    ck_assert_ptr_eq(o, &s->origins[1]);
    ck_assert(o->unknown && o->n_frames == 0); /* time 0 sorts first */
    o = &s->origins[2];
    ck_assert_uint_eq(o->n_frames, SNAP_READ_MAX_FRAMES);
    ck_assert(o->truncated && !o->call);
    ck_assert_uint_eq(o->frames[1], 0x1010);
    o = snap_thread_origin(s, 9);
    ck_assert_ptr_nonnull(o);
    ck_assert_uint_eq(o->n_frames, 1);
    ck_assert_uint_eq(o->frames[0], 1);
    ck_assert_uint_eq(s->n_children, 1);
    ck_assert(s->children[0].pid == 8 && s->children[0].state == 0 && !s->children[0].comm);
    ck_assert_uint_eq(s->children[0].cmdline_len, 3);
    const char *arg;
    size_t pos = 0, len;
    ck_assert(snap_args_next(s->children[0].cmdline, 3, &pos, &arg, &len) && len == 1);
    ck_assert(snap_args_next(s->children[0].cmdline, 3, &pos, &arg, &len) && len == 1);
    ck_assert(arg[0] == 'b' && !snap_args_next(s->children[0].cmdline, 3, &pos, &arg, &len));
    snap_free(s);
    fixture_file_release(&f);
}
END_TEST

/* The X11_RESOURCES record: every field, the types in order, a TYPE whose
 * count is cut (skipped, the record counted malformed). */
START_TEST(x11_record)
{
    fixture_file f;
    ck_assert_int_eq(fixture_hostile(&f, FIX_X11), 0);
    snap *s = read_ok(&f, f.len);
    ck_assert(s->x11.present);
    ck_assert_str_eq(s->x11.display, ":5");
    ck_assert_uint_eq(s->x11.clients, 2);
    ck_assert_uint_eq(s->x11.n_types, 2);
    ck_assert_str_eq(s->x11.types[0].name, "PIXMAP");
    ck_assert_uint_eq(s->x11.types[0].count, 40);
    ck_assert_str_eq(s->x11.types[1].name, "WINDOW");
    ck_assert_uint_eq(snap_x11_count(s, "WINDOW"), 3);
    ck_assert_uint_eq(snap_x11_count(s, "GC"), 0);
    ck_assert_uint_eq(s->x11.pixmap_bytes, 655360);
    ck_assert_uint_eq(s->x11.age_ms, 12);
    ck_assert_uint_eq(s->x11.stale, SNAP_X11_STALE_TIMEOUT);
    ck_assert_uint_eq(s->malformed_records, 1);
    snap_free(s);
    fixture_file_release(&f);
}
END_TEST

/* More items than SNAP_READ_MAX_ITEMS: the rest are dropped and counted. */
START_TEST(items_over_limit)
{
    size_t extra = 5, n = SNAP_READ_MAX_ITEMS + extra;
    uint8_t *raw = malloc(n * 2 + 16);
    size_t pos = 0;
    fixture_file f;
    ck_assert_ptr_nonnull(raw);
    for (size_t i = 0; i < n; i++)
        fix_put_record(raw, &pos, SNAP_REC_BREADCRUMB, NULL, 0);
    ck_assert_int_eq(fixture_wrap(&f, raw, pos, SNAP_VERSION_MAJOR), 0);
    free(raw);
    snap *s = read_ok(&f, f.len);
    ck_assert_uint_eq(s->n_breadcrumbs, SNAP_READ_MAX_ITEMS);
    ck_assert_uint_eq(s->dropped_items, extra);
    ck_assert_uint_eq(s->records, n);
    snap_free(s);
    fixture_file_release(&f);
}
END_TEST

/* A zstd bomb: past SNAP_READ_MAX_DECOMPRESSED the reader stops. */
START_TEST(decompressed_limit)
{
    size_t payload = SNAP_MAX_RECORD, records = SNAP_READ_MAX_DECOMPRESSED / payload + 2;
    uint8_t *rec = calloc(1, payload + 16);
    size_t head = 0;
    fixture_file f;
    ck_assert_ptr_nonnull(rec);
    fix_put_varint(rec, &head, 99); /* an unknown record type */
    fix_put_varint(rec, &head, payload);
    ZSTD_CCtx *c = ZSTD_createCCtx();
    ck_assert_int_eq(fixture_wrap(&f, "", 0, SNAP_VERSION_MAJOR), 0);
    f.len = SNAP_HEADER_LEN; /* keep the header, drop the empty frame */
    size_t cap = SNAP_HEADER_LEN + ZSTD_compressBound((payload + head) * records);
    f.data = realloc(f.data, cap);
    ck_assert_ptr_nonnull(f.data);
    ZSTD_outBuffer out = { f.data, cap, f.len };
    for (size_t i = 0; i < records; i++) {
        ZSTD_inBuffer in = { rec, payload + head, 0 };
        size_t r;
        do
            r = ZSTD_compressStream2(c, &out, &in,
                                     i + 1 == records ? ZSTD_e_end : ZSTD_e_continue);
        while (!ZSTD_isError(r) && (in.pos < in.size || (i + 1 == records && r != 0)));
        ck_assert(!ZSTD_isError(r));
    }
    ZSTD_freeCCtx(c);
    free(rec);
    f.len = out.pos;
    snap *s = read_ok(&f, f.len);
    ck_assert_int_eq(s->complete, 0);
    ck_assert_ptr_nonnull(strstr(s->incomplete_why, "decompressed-size limit"));
    ck_assert_uint_le(s->records, SNAP_READ_MAX_DECOMPRESSED / payload);
    ck_assert_uint_ge(s->unknown_records, SNAP_READ_MAX_DECOMPRESSED / payload - 1);
    snap_free(s);
    fixture_file_release(&f);
}
END_TEST

/* snap_read_file() reads what snap_read_buffer() reads; errors name the cause. */
START_TEST(read_file)
{
    fixture_file f;
    char path[4096], err[256] = "";
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    ck_assert_int_eq(fixture_reference(&f, 1, 1), 0);
    snprintf(path, sizeof(path), "%s/bbx-test-XXXXXX", tmp);
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, f.data, f.len), (ssize_t)f.len);
    snap *s = snap_read_file(path, err, sizeof(err));
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->complete, 1);
    check_reference_prefix(s, FIX_REC_COUNT + 1);
    snap_free(s);

    ck_assert_int_eq(ftruncate(fd, (off_t)f.flush_end[FIX_REC_FD_TTY] + 2), 0);
    s = snap_read_file(path, err, sizeof(err));
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->complete, 0);
    check_reference_prefix(s, FIX_REC_FD_TTY + 1);
    snap_free(s);

    ck_assert_int_eq(ftruncate(fd, 0), 0);
    ck_assert_ptr_null(snap_read_file(path, err, sizeof(err)));
    ck_assert_str_eq(err, "empty file");
    close(fd);
    unlink(path);
    ck_assert_ptr_null(snap_read_file(path, err, sizeof(err)));
    ck_assert_str_eq(err, "cannot open: No such file or directory");
    ck_assert_ptr_null(snap_read_file(tmp, err, sizeof(err)));
    ck_assert_str_eq(err, "not a regular file (directory)");
    /* a FIFO without a writer: refused at once, never waited on */
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    ck_assert_ptr_null(snap_read_file(path, err, sizeof(err)));
    ck_assert_str_eq(err, "not a regular file (fifo)");
    unlink(path);
    ck_assert_ptr_null(snap_read_file("/dev/zero", err, sizeof(err)));
    ck_assert_str_eq(err, "not a regular file (character device)");
    snap_free(NULL);
    fixture_file_release(&f);
}
END_TEST

static Suite *reader_suite(void)
{
    Suite *s = suite_create("reader");
    TCase *tc = tcase_create("model");
    tcase_add_loop_test(tc, round_trip_every_field, 0, 2); /* unflushed, flushed */
    tcase_add_test(tc, lookups);
    tcase_add_test(tc, summary_read);
    tcase_add_test(tc, module_image);
    suite_add_tcase(s, tc);

    tc = tcase_create("truncation");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, truncation_every_byte);
    tcase_add_test(tc, truncation_record_boundaries);
    tcase_add_test(tc, truncation_unflushed);
    tcase_add_test(tc, no_end_record);
    suite_add_tcase(s, tc);

    tc = tcase_create("hostile");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, bit_flips);
    tcase_add_test(tc, refused_inputs);
    tcase_add_test(tc, huge_lengths);
    tcase_add_test(tc, varint_overflow);
    tcase_add_test(tc, frames_over_limit);
    tcase_add_test(tc, wrong_wire_and_unknown);
    tcase_add_test(tc, framing_oddities);
    tcase_add_test(tc, checksum_mismatch);
    tcase_add_test(tc, tracking_odd);
    tcase_add_test(tc, x11_record);
    tcase_add_test(tc, items_over_limit);
    tcase_add_test(tc, decompressed_limit);
    tcase_add_test(tc, read_file);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(reader_suite());
}
