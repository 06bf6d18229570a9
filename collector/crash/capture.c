/*
 * capture.c - one snapshot, from trigger to a whole file on disk.
 *
 * Order: process, trigger, the triggering thread, fds, the other threads
 * (which unwind themselves meanwhile), origins and heap samples (tracking
 * mode), children,
 * modules, breadcrumbs, annotations, capture statistics, END.  The writer flushes
 * after each section so a cut file keeps every section before the cut.  The
 * file is written under a temporary name and renamed when complete.
 * Runs in a signal handler: memory from bbx_init(), raw system calls only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "crash_writer.h"
#include "safe_mem.h"
#include "sigsafe.h"
#include "snap_format.h"
#include "mem_prepared.h"
#include "session_prepared.h"
#include "x11_prepared.h"

int capture_lock(pid_t self, unsigned wait_ms)
{
    uint64_t start = ss_mono_us();
    for (;;) {
        pid_t expect = 0;
        if (atomic_compare_exchange_strong(&bbx_g.capture_owner, &expect, self))
            return 0;
        if (expect == self || ss_mono_us() - start >= (uint64_t)wait_ms * 1000)
            return BBX_EBUSY;
        struct timespec ts = { 0, 1000 * 1000 };
        ss_nanosleep(&ts, NULL);
    }
}

void capture_unlock(void)
{
    atomic_store(&bbx_g.capture_owner, 0);
}

/* Snapshots taken by this process so far (TRIGGER SEQ). */
static _Atomic uint64_t capture_seq;

static void write_trigger(snap_writer *w, const struct capture_trigger *trig)
{
    snap_rec_begin(w, SNAP_REC_TRIGGER);
    snap_put_u64(w, SNAP_TRIG_KIND, (uint64_t)trig->kind);
    snap_put_u64(w, SNAP_TRIG_TID, (uint64_t)ss_gettid());
    snap_put_u64(w, SNAP_TRIG_SEQ, atomic_fetch_add(&capture_seq, 1) + 1);
    if (trig->info) {
        const siginfo_t *si = trig->info;
        snap_put_u64(w, SNAP_TRIG_SIGNAL, (uint64_t)trig->signal);
        snap_put_i64(w, SNAP_TRIG_CODE, si->si_code);
        if (trig->signal == SIGSEGV || trig->signal == SIGBUS || trig->signal == SIGILL ||
            trig->signal == SIGFPE || trig->signal == SIGTRAP)
            snap_put_u64(w, SNAP_TRIG_ADDR, (uint64_t)(uintptr_t)si->si_addr);
        if (si->si_code <= 0) { /* sent by a process: kill, tgkill, raise */
            snap_put_u64(w, SNAP_TRIG_SENDER_PID, (uint64_t)si->si_pid);
            snap_put_u64(w, SNAP_TRIG_SENDER_UID, (uint64_t)si->si_uid);
        }
    }
    if (trig->hang) {
        const struct hang_report *h = trig->hang;
        snap_put_u64(w, SNAP_TRIG_HUNG_TID, (uint64_t)h->tid);
        snap_put_u64(w, SNAP_TRIG_HUNG_MS, h->stuck_ms);
        snap_put_u64(w, SNAP_TRIG_HUNG_CPU_MS, h->cpu_ms);
        snap_put_u64(w, SNAP_TRIG_HUNG_LIMIT_MS, h->limit_ms);
        snap_put_u64(w, SNAP_TRIG_HUNG_STATE, (uint64_t)h->state);
        snap_put_bytes(w, SNAP_TRIG_HUNG_NAME, h->name, strnlen(h->name, sizeof(h->name)));
    }
    if (trig->reason) {
        size_t n = strnlen(trig->reason, 255);
        snap_put_bytes(w, SNAP_TRIG_REASON, trig->reason, n);
    }
    snap_rec_end(w);
}

static void write_modules(snap_writer *w)
{
    const struct module_table *t = &bbx_g.mods;
    for (unsigned i = 0; i < t->n_mods; i++) {
        const struct bbx_module *m = &t->mods[i];
        if (!m->is_elf)
            continue;
        snap_rec_begin(w, SNAP_REC_MODULE);
        redact_put_path(w, SNAP_MOD_PATH, m->path, strlen(m->path));
        snap_put_u64(w, SNAP_MOD_BIAS, m->bias);
        snap_put_u64(w, SNAP_MOD_START, m->start);
        snap_put_u64(w, SNAP_MOD_END, m->end);
        if (m->build_id_len)
            snap_put_bytes(w, SNAP_MOD_BUILD_ID, m->build_id, m->build_id_len);
        size_t image_len;
        const uint8_t *image = modscan_vdso_image(t, m, &image_len);
        if (image)
            snap_put_bytes(w, SNAP_MOD_IMAGE, image, image_len);
        snap_rec_end(w);
    }
}

__thread int bbx_busy __attribute__((tls_model("initial-exec")));

static const char *trigger_word(const struct capture_trigger *trig)
{
    switch (trig->kind) {
    case SNAP_TRIGGER_CRASH: return crash_signal_name(trig->signal);
    case SNAP_TRIGGER_SIGNAL: return "signal";
    case SNAP_TRIGGER_PERIODIC: return "periodic";
    case SNAP_TRIGGER_EXIT: return "exit";
    case SNAP_TRIGGER_HANG: return "hang";
    case SNAP_TRIGGER_HANG_END: return "recovered";
    case SNAP_TRIGGER_MEMORY: return "memory";
    default: return "request";
    }
}

/* "<dir>/<app>-<pid>-<utc>-<trigger>.bbx" into last_path; returns the
 * offset of the file name inside it. */
static size_t make_name(ss_buf *b, const struct capture_trigger *trig, uint64_t now_ms,
                        unsigned attempt)
{
    ss_puts(b, bbx_g.dir);
    ss_puts(b, "/");
    size_t name_at = b->len;
    ss_puts(b, bbx_g.app);
    ss_puts(b, "-");
    ss_putu(b, (uint64_t)bbx_g.pid);
    ss_puts(b, "-");
    ss_put_utc(b, now_ms);
    ss_puts(b, "-");
    ss_puts(b, trigger_word(trig));
    if (attempt) {
        ss_puts(b, "-");
        ss_putu(b, attempt);
    }
    ss_puts(b, ".bbx");
    return name_at;
}

/* How long a crash waits past its capture deadline for the writer process
 * to put the last bytes on disk. */
#define WRITER_GRACE_US 500000u

static int capture_file(const struct capture_trigger *trig);

int capture_run(const struct capture_trigger *trig)
{
    bbx_busy++; /* fds this capture opens are not tracked */
    if (trig->kind == SNAP_TRIGGER_CRASH)
        ss_fd_crash_begin(); /* room in a full fd table, even with no spare */
    int rc = capture_file(trig);
    if (trig->kind == SNAP_TRIGGER_CRASH)
        ss_fd_crash_end();
    bbx_busy--;
    return rc;
}

static int capture_file(const struct capture_trigger *trig)
{
    snap_writer *w = &bbx_g.writer;
    char path[BBX_PATH_MAX], tmp[BBX_PATH_MAX + 8];
    uint64_t now_ms = ss_real_ms();
    uint64_t deadline = trig->t0_us + (uint64_t)bbx_g.cfg.capture_timeout_ms * 1000;
    unsigned n_threads = 0, n_unwound = 0, n_fds = 0, n_origins = 0, n_children = 0;
    uint64_t track_lost = 0;
    int fd = -1, via_writer = 0;

    bbx_g.pid = getpid();
    safe_mem_set_pid(bbx_g.pid);
    for (unsigned attempt = 0; attempt < 100 && fd < 0; attempt++) {
        ss_buf b = ss_buf_of(path, sizeof(path));
        make_name(&b, trig, now_ms, attempt);
        ss_buf t = ss_buf_of(tmp, sizeof(tmp));
        ss_puts(&t, path);
        ss_puts(&t, ".tmp");
        if (access(path, F_OK) == 0 || access(tmp, F_OK) == 0)
            continue;
        /* a crash: through a writer process, so that a file system that
         * blocks cannot hold the dying process (crash_writer.h) */
        if (trig->kind == SNAP_TRIGGER_CRASH && (fd = crash_writer_start(tmp)) >= 0) {
            via_writer = 1;
            break;
        }
        fd = ss_openat(AT_FDCWD, tmp, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd < 0 && errno != EEXIST)
            return BBX_EIO;
    }
    if (fd < 0)
        return BBX_EIO;

    snap_writer_begin(w, fd);
    w->deadline_us = deadline;
    process_info_write(w, now_ms);
    write_trigger(w, trig);
    snap_writer_flush(w);

    /* The other threads unwind themselves while this one reads the fd table
     * (bench/: 256 threads and 10,000 fds, 47 -> 42 ms warm). */
    uint64_t t_threads = ss_mono_us();
    modscan_run(&bbx_g.mods);
    unwind_new_capture();
    thread_capture_begin(w, trig, &n_threads, &n_unwound);
    uint64_t t_fds = ss_mono_us();
    int skip[1] = { fd };
    n_fds = fd_scan_write(w, skip, 1);
    uint64_t t_end_fds = ss_mono_us();
    thread_capture_finish(w, deadline, &n_threads, &n_unwound);
    snap_writer_flush(w);
    uint64_t t_end_threads = ss_mono_us();

    n_origins = origins_write(w, &track_lost);
    heap_write(w);
    n_children = children_write(w);
    launches_write(w);
    x11_write(w); /* prepared by the collector thread, never asked here */
    mem_write(w); /* prepared off the crash path (mem_refresh.c) */
    session_write(w); /* prepared off the crash path (session_read.c) */
    snap_writer_flush(w);

    write_modules(w);
    breadcrumbs_write(w);
    annotations_write(w);

    snap_rec_begin(w, SNAP_REC_CAPTURE);
    snap_put_u64(w, SNAP_CAP_DURATION_US, ss_mono_us() - trig->t0_us);
    snap_put_u64(w, SNAP_CAP_THREADS, n_threads);
    snap_put_u64(w, SNAP_CAP_UNWOUND, n_unwound);
    snap_put_u64(w, SNAP_CAP_FDS, n_fds);
    snap_put_u64(w, SNAP_CAP_MODULES, bbx_g.mods.n_mods);
    snap_put_u64(w, SNAP_CAP_THREADS_US, (t_fds - t_threads) + (t_end_threads - t_end_fds));
    snap_put_u64(w, SNAP_CAP_FDS_US, t_end_fds - t_fds);
    snap_put_str(w, SNAP_CAP_VERSION, BBX_VERSION_STRING);
    if (track_flags()) {
        snap_put_u64(w, SNAP_CAP_TRACKING, track_flags());
        snap_put_u64(w, SNAP_CAP_ORIGINS, n_origins);
        snap_put_u64(w, SNAP_CAP_TRACK_LOST, track_lost);
    }
    snap_put_u64(w, SNAP_CAP_CHILDREN, n_children);
    if (bbx_g.threads_omitted)
        snap_put_u64(w, SNAP_CAP_THREADS_OMITTED, bbx_g.threads_omitted);
    snap_put_u64(w, SNAP_CAP_REDACTED, redact_parts());
    snap_put_u64(w, SNAP_CAP_BBX_MAPPED, ss_mapped_bytes());
    snap_rec_end(w);

    int rc = snap_writer_finish(w);
    if (via_writer) {
        int wrc = crash_writer_finish(fd, rc == 0, path, deadline + WRITER_GRACE_US);
        if (rc == 0)
            rc = wrc;
    } else {
        if (ss_close(fd) != 0 && rc == 0)
            rc = BBX_EIO;
        if (rc == 0 && rename(tmp, path) != 0)
            rc = BBX_EIO;
    }
    if (rc != 0 && trig->kind != SNAP_TRIGGER_CRASH)
        unlink(tmp); /* a crash keeps its partial file: readers recover it */
    if (rc == 0) {
        memcpy(bbx_g.last_path, path, sizeof(path));
        atomic_store(&bbx_g.has_last, 1);
    }
    return rc;
}
