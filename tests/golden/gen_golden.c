/*
 * gen_golden.c - writes the snapshots of the golden scenarios (SCENARIOS.md)
 * with the project's own writer, through the test fixture (snap_fixture.c).
 *
 * usage: gen_golden DIR
 * Writes DIR/crash/ (scenario a; DIR/crash-cut/ the same, cut short),
 * DIR/series/ (b, the "current" series)
 * and DIR/base/ (c, the base of bbx diff and flame --diff), one .bbx file
 * per snapshot.
 * Everything is fixed here (pids, times, addresses), so two runs write the
 * same bytes.  Frames in the executable point into fixture-bin/fixture_app
 * by build-id and file offset (fixture-bin/PCS.md says how each was chosen);
 * libc and libbbx frames point into modules no machine has.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "snap_fixture.h"
#include "snap_format.h"

/* ---- modules ------------------------------------------------------------ */

#define EXE_PATH "/golden/bin/fixture_app"
#define EXE_BIAS 0x555555554000ull
#define LIBC_BIAS 0x7ffff7d58000ull
#define BBX_BIAS 0x7ffff7f80000ull
#define EXE(off) (EXE_BIAS + (off))
#define LIBC(off) (LIBC_BIAS + (off))
#define LIBBBX(off) (BBX_BIAS + (off))

/* fixture-bin/fixture_app's GNU build-id (eu-readelf -n). */
static const uint8_t exe_build_id[20] = {
    0xd6, 0x2e, 0xa6, 0x22, 0x82, 0x80, 0x9f, 0x0b, 0xdc, 0x78,
    0x01, 0xbe, 0xe8, 0xdc, 0x82, 0x11, 0xa8, 0xf4, 0x95, 0xf9,
};
/* Made up: no file anywhere has them. */
static const uint8_t libc_build_id[20] = {
    0x1c, 0x1c, 0x1c, 0x1c, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x01,
};
static const uint8_t bbx_build_id[20] = {
    0xbb, 0xbb, 0xbb, 0xbb, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55,
    0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x02,
};

static const fix_module modules[] = {
    { EXE_PATH, EXE_BIAS, EXE_BIAS, EXE_BIAS + 0x5000, exe_build_id, 20, NULL, 0 },
    { "/golden/lib/libbbx.so", BBX_BIAS, BBX_BIAS, BBX_BIAS + 0x20000, bbx_build_id, 20,
      NULL, 0 },
    { "/golden/lib/libc.so.6", LIBC_BIAS, LIBC_BIAS + 0x26000, LIBC_BIAS + 0x208000,
      libc_build_id, 20, NULL, 0 },
};
#define N_MODULES (sizeof(modules) / sizeof(modules[0]))

/* ---- stacks (innermost first) ------------------------------------------ */

/* Thread stacks: frame 0 is the pc, the others return addresses. */
static const uint64_t crash_stack[] = {
    EXE(0x122e),   /* parse_record: the store of inlined record_store */
    EXE(0x124b),   /* worker_main, after the call of parse_record */
    LIBC(0x89134), /* start_thread */
    LIBC(0x109a00), /* clone3 */
};
static const uint64_t main_poll_stack[] = {
    LIBC(0xf3c3f), /* poll */
    EXE(0x1385),   /* event_loop, after the call of poll */
    EXE(0x1104),   /* main, after the call of event_loop */
    LIBC(0x271ca), /* __libc_start_call_main */
    LIBC(0x27285), /* __libc_start_main */
    EXE(0x1131),   /* _start, after the call of __libc_start_main */
};
static const uint64_t worker_wait_stack[] = {
    LIBC(0x86d26), /* futex wait */
    LIBC(0x8a3b0), /* lock */
    EXE(0x125b),   /* worker_main, after the call of printf */
    LIBC(0x89134), /* start_thread */
    LIBC(0x109a00), /* clone3 */
};
/* Creation stacks (ORIGIN FRAMES, all return addresses): the tracking
 * hook in libbbx first, as the collector records it. */
static const uint64_t socket_origin[] = {
    LIBBBX(0x5a10), /* socket hook */
    EXE(0x1393),    /* event_loop, after open_connection (which tail-calls socket) */
    EXE(0x1104),    /* main, after event_loop */
    LIBC(0x271ca),
};
static const uint64_t pipe_origin[] = {
    LIBBBX(0x5b20), /* pipe hook */
    EXE(0x139b),    /* event_loop, after make_pipe (which tail-calls pipe) */
    EXE(0x1104),
    LIBC(0x271ca),
};
static const uint64_t log_origin[] = {
    LIBBBX(0x5c30), /* open hook */
    EXE(0x10e7),    /* main, after open_log (which tail-calls open) */
    LIBC(0x271ca),
};
static const uint64_t worker_origin[] = {
    LIBBBX(0x6d40), /* pthread_create hook */
    EXE(0x12a8),    /* start_workers, after pthread_create */
    EXE(0x10fa),    /* main, after start_workers */
    LIBC(0x271ca),
};
#define N(a) (sizeof(a) / sizeof((a)[0]))

static const uint64_t crash_regs[SNAP_X86_64_REG_COUNT] = {
    EXE(0x122e), 0x7ffff75fed80ull, 0x7ffff75fee00ull, 0x1c, 0x7ffff75ff6c0ull,
    0x3c5d6e7full, 0x7, 0x1c, EXE(0x2010), 0, 0x7ffff75ff6c0ull, 0x8,
    0x246, 0x7ffff75ff6c0ull, 0, 0x7ffff75ff6c0ull, 0x7fffffffe4b0ull, 0x10206,
};

/* ---- writing ------------------------------------------------------------ */

static const char *out_dir;

static int save(const char *sub, const fix_snapshot *d, const char *trigger)
{
    char dir[2048], path[4096], when[32];
    fixture_file f;
    time_t secs = (time_t)(d->time_ms / 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    strftime(when, sizeof(when), "%Y%m%d-%H%M%S", &tm);
    snprintf(dir, sizeof(dir), "%s/%s", out_dir, sub);
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        fprintf(stderr, "gen_golden: %s: cannot create: %s\n", dir, strerror(errno));
        return -1;
    }
    /* The collector's name: <app>-<pid>-<UTC time>.<ms>-<trigger>.bbx */
    snprintf(path, sizeof(path), "%s/fixture_app-%llu-%s.%03llu-%s.bbx", dir,
             (unsigned long long)d->pid, when, (unsigned long long)(d->time_ms % 1000),
             trigger);
    if (fixture_snapshot(&f, d) < 0) {
        fprintf(stderr, "gen_golden: %s: the fixture writer failed\n", path);
        return -1;
    }
    FILE *fp = fopen(path, "wb");
    int rc = fp && fwrite(f.data, 1, f.len, fp) == f.len ? 0 : -1;
    if (fp && fclose(fp) != 0)
        rc = -1;
    if (rc < 0)
        fprintf(stderr, "gen_golden: %s: cannot write: %s\n", path, strerror(errno));
    fixture_file_release(&f);
    return rc;
}

static void process_defaults(fix_snapshot *d, uint64_t pid, uint64_t time_ms)
{
    static const char cmdline[] = "fixture_app\0--workers\0" "3";
    memset(d, 0, sizeof(*d));
    d->pid = pid;
    d->ppid = 1;
    d->uid = 1000;
    d->time_ms = time_ms;
    d->exe = EXE_PATH;
    d->app = "fixture_app";
    d->host = "golden-host";
    d->kernel = "6.1.0-21-amd64";
    d->arch = "x86_64";
    d->cmdline = cmdline;
    d->cmdline_len = sizeof(cmdline);
    d->fd_limit = 1024;
    d->modules = modules;
    d->n_modules = N_MODULES;
    d->capture_version = "1.0.0";
    d->tracking = 3;
}

static void tty(fix_fd *f, uint64_t n)
{
    memset(f, 0, sizeof(*f));
    f->fd = n;
    f->kind = SNAP_FD_DEVICE;
    f->target = "/dev/pts/3";
    f->flags = 0x8002; /* O_RDWR|O_LARGEFILE */
    f->unknown = 1;    /* open before tracking started */
}

/* Scenario (a): one crash. */
static int crash(void)
{
    fix_snapshot d;
    fix_fd fds[9];
    fix_thread th[4];
    fix_child child = { .pid = 4300, .zombie = 1, .comm = "fixture_app",
                        .start_ms = 1714564799000ull };
    static const fix_crumb crumbs[] = {
        { 1714564799500ull, 4242, "started 3 workers" },
        { 1714564800001ull, 4243, "worker 1: record \"alpha\" parsed" },
        { 1714564800100ull, 4245, "worker 3: parsing record without an output slot" },
    };
    static const char *const ann[] = { "app_version", "1.4.2", "build", "golden (gcc 12)" };

    process_defaults(&d, 4242, 1714564800123ull);
    d.start_ms = 1714564798000ull;
    d.rss_kb = 5120;
    d.vm_kb = 90112;
    d.hwm_kb = 5300;
    d.proc_threads = 4;
    d.trigger_kind = SNAP_TRIGGER_CRASH;
    d.signal = 11;
    d.code = 1; /* SEGV_MAPERR */
    d.addr = 0x1c;
    d.trigger_tid = 4245;
    d.crumbs = crumbs;
    d.n_crumbs = N(crumbs);
    d.annotations = ann;
    d.n_annotations = 2;
    d.capture_us = 1834;
    d.capture_threads_us = 1200;
    d.capture_fds_us = 420;

    memset(th, 0, sizeof(th));
    th[0] = (fix_thread){ .tid = 4242, .name = "fixture_app", .state = 'S',
                          .stack = main_poll_stack, .n_stack = N(main_poll_stack),
                          .method = SNAP_METHOD_CALL };
    th[1] = (fix_thread){ .tid = 4243, .name = "worker-1", .state = 'S',
                          .stack = worker_wait_stack, .n_stack = N(worker_wait_stack),
                          .method = SNAP_METHOD_KERNEL, .wchan = "futex_wait_queue",
                          .kernel_pc = LIBC(0x86d26), .syscall = 202, .has_syscall = 1,
                          .frames = worker_origin, .n_frames = N(worker_origin),
                          .start = EXE(0x1240), .origin_ms = 1714564799400ull,
                          .origin_tid = 4242, .lock_addr = 0x555555558040ull,
                          .lock_owner = 4244 };
    th[2] = (fix_thread){ .tid = 4244, .name = "worker-2", .state = 'S',
                          .status = SNAP_THREAD_BLOCKED, .wchan = "do_sigtimedwait",
                          .kernel_pc = LIBC(0x3e1b2), .syscall = 128, .has_syscall = 1,
                          .frames = worker_origin, .n_frames = N(worker_origin),
                          .start = EXE(0x1240), .origin_ms = 1714564799410ull,
                          .origin_tid = 4242 };
    th[3] = (fix_thread){ .tid = 4245, .name = "worker-3", .state = 'R', .crashed = 1,
                          .signal = 11, .stack = crash_stack, .n_stack = N(crash_stack),
                          .regs = crash_regs, .method = SNAP_METHOD_CRASH,
                          .frames = worker_origin, .n_frames = N(worker_origin),
                          .start = EXE(0x1240), .origin_ms = 1714564799420ull,
                          .origin_tid = 4242 };
    /* Put the crashing thread where the capture writes it: first. */
    fix_thread order[4] = { th[3], th[0], th[1], th[2] };
    d.threads = order;
    d.n_threads = 4;

    for (int i = 0; i < 3; i++)
        tty(&fds[i], (uint64_t)i);
    fds[3] = (fix_fd){ .fd = 3, .kind = SNAP_FD_FILE, .target = "/tmp/fixture.log",
                       .flags = 0x8401, .offset = 128, .size = 128, .inode = 131077,
                       .cloexec = 0, .frames = log_origin, .n_frames = N(log_origin),
                       .call = "open", .origin_ms = 1714564798100ull, .origin_tid = 4242 };
    fds[4] = (fix_fd){ .fd = 4, .kind = SNAP_FD_SOCKET, .target = "socket:[81234]",
                       .inode = 81234, .flags = 0x2, .family = 2, .type = 1, .proto = 6,
                       .local = "10.0.0.5:51234", .peer = "93.184.216.34:443",
                       .frames = socket_origin, .n_frames = N(socket_origin),
                       .origin_ms = 1714564799800ull, .origin_tid = 4242 };
    fds[5] = (fix_fd){ .fd = 5, .kind = SNAP_FD_SOCKET, .target = "socket:[81240]",
                       .inode = 81240, .flags = 0x802, .cloexec = 1, .family = 10,
                       .type = 1, .proto = 6, .local = "[2001:db8::5]:51236",
                       .peer = "[2001:db8::1]:443", .frames = socket_origin,
                       .n_frames = N(socket_origin), .origin_ms = 1714564799900ull,
                       .origin_tid = 4242 };
    fds[6] = (fix_fd){ .fd = 6, .kind = SNAP_FD_PIPE, .target = "pipe:[90001]",
                       .inode = 90001, .flags = 0x0, .frames = pipe_origin,
                       .n_frames = N(pipe_origin), .call = "pipe",
                       .origin_ms = 1714564799950ull, .origin_tid = 4242 };
    fds[7] = (fix_fd){ .fd = 7, .kind = SNAP_FD_PIPE, .target = "pipe:[90001]",
                       .inode = 90001, .flags = 0x1, .frames = pipe_origin,
                       .n_frames = N(pipe_origin), .call = "pipe",
                       .origin_ms = 1714564799950ull, .origin_tid = 4242 };
    fds[8] = (fix_fd){ .fd = 8, .kind = SNAP_FD_EVENTFD, .target = "anon_inode:[eventfd]",
                       .flags = 0x80802, .cloexec = 1,
                       .details = "eventfd-count: 0\neventfd-id: 12", .unknown = 1 };
    d.fds = fds;
    d.n_fds = 9;
    d.children = &child;
    d.n_children = 1;
    if (save("crash", &d, "sigsegv") < 0)
        return -1;
    /* crash-cut/: the same file cut before its END record (the process died
     * mid-write), its main thread's stack cut at 4 frames (max_frames). */
    order[1].n_stack = 4;
    order[1].truncated = 1;
    d.incomplete = 1;
    return save("crash-cut", &d, "sigsegv");
}

/* One periodic snapshot of a series: counts of each group, and the number
 * of pipes / workers. */
typedef struct series_point {
    unsigned sockets, logs, pipes, workers, zombies;
} series_point;

static int series_snapshot(const char *sub, uint64_t pid, uint64_t time_ms,
                           const series_point *p, unsigned inode_base)
{
    enum { MAX_FDS = 64, MAX_THREADS = 16 };
    static char names[MAX_FDS][32];
    fix_fd fds[MAX_FDS];
    fix_thread th[MAX_THREADS];
    fix_child kids[4];
    fix_snapshot d;
    size_t n = 0;

    process_defaults(&d, pid, time_ms);
    d.start_ms = time_ms - 60000; /* not used by the rules */
    d.trigger_kind = SNAP_TRIGGER_PERIODIC;
    d.trigger_tid = pid + 99; /* bbx-collector (not itself in the snapshot) */
    d.capture_us = 900;
    for (int i = 0; i < 3; i++)
        tty(&fds[n++], (uint64_t)i);
    for (unsigned i = 0; i < p->logs; i++, n++) {
        snprintf(names[n], sizeof(names[n]), "/tmp/fixture-%u.log", i);
        fds[n] = (fix_fd){ .fd = n, .kind = SNAP_FD_FILE, .target = names[n],
                           .flags = 0x8401, .frames = log_origin,
                           .n_frames = N(log_origin), .call = "open",
                           .origin_tid = pid };
    }
    for (unsigned i = 0; i < p->pipes; i++) {
        snprintf(names[n], sizeof(names[n]), "pipe:[%u]", inode_base + 500 + i);
        for (unsigned end = 0; end < 2; end++, n++)
            fds[n] = (fix_fd){ .fd = n, .kind = SNAP_FD_PIPE, .target = names[n - end],
                               .flags = end, .frames = pipe_origin,
                               .n_frames = N(pipe_origin), .call = "pipe",
                               .origin_tid = pid };
    }
    for (unsigned i = 0; i < p->sockets; i++, n++) {
        snprintf(names[n], sizeof(names[n]), "socket:[%u]", inode_base + i);
        fds[n] = (fix_fd){ .fd = n, .kind = SNAP_FD_SOCKET, .target = names[n],
                           .flags = 0x2, .family = i & 1 ? 10 : 2, .type = 1, .proto = 6,
                           .local = i & 1 ? "[2001:db8::5]:0" : "10.0.0.5:0",
                           .frames = socket_origin, .n_frames = N(socket_origin),
                           .origin_tid = pid };
    }
    d.fds = fds;
    d.n_fds = n;

    static char tnames[MAX_THREADS][24];
    th[0] = (fix_thread){ .tid = pid, .name = "fixture_app", .state = 'S',
                          .stack = main_poll_stack, .n_stack = N(main_poll_stack),
                          .method = SNAP_METHOD_CALL };
    for (unsigned i = 0; i < p->workers; i++) {
        snprintf(tnames[i], sizeof(tnames[i]), "worker-%u", i + 1);
        th[1 + i] = (fix_thread){ .tid = pid + 1 + i, .name = tnames[i], .state = 'S',
                                  .stack = worker_wait_stack,
                                  .n_stack = N(worker_wait_stack),
                                  .method = SNAP_METHOD_KERNEL, .wchan = "futex_wait_queue",
                                  .frames = worker_origin, .n_frames = N(worker_origin),
                                  .start = EXE(0x1240), .origin_tid = pid };
    }
    d.threads = th;
    d.n_threads = 1 + p->workers;
    d.proc_threads = d.n_threads;

    kids[0] = (fix_child){ .pid = pid + 100, .comm = "sleep",
                           .cmdline = "sleep\0" "600", .cmdline_len = 10 };
    for (unsigned i = 0; i < p->zombies; i++)
        kids[1 + i] = (fix_child){ .pid = pid + 101 + i, .zombie = 1, .comm = "fixture_app" };
    d.children = kids;
    d.n_children = 1 + p->zombies;
    return save(sub, &d, "periodic");
}

/* Scenario (b): the current series, 8 snapshots 10 s apart. */
static int series_current(void)
{
    static const series_point pts[] = {
        /* sockets logs pipes workers zombies */
        { 2, 1, 1, 1, 0 },
        { 4, 1, 2, 2, 0 },
        { 6, 1, 1, 3, 1 },
        { 8, 1, 2, 4, 1 },
        { 10, 2, 1, 5, 1 },
        { 12, 2, 2, 6, 1 },
        { 14, 2, 1, 7, 1 },
        { 16, 2, 2, 8, 1 },
    };
    int rc = 0;
    for (size_t i = 0; i < N(pts); i++)
        rc |= series_snapshot("series", 5150, 1714564800000ull + 10000 * i, &pts[i],
                              70000 + 100 * (unsigned)i);
    return rc;
}

/* Scenario (c): the base series, 6 snapshots 10 s apart, a day earlier. */
static int series_base(void)
{
    static const series_point pts[] = {
        { 2, 1, 1, 0, 1 },
        { 3, 2, 2, 0, 1 },
        { 4, 3, 1, 0, 1 },
        { 5, 4, 2, 0, 1 },
        { 6, 5, 1, 0, 1 },
        { 7, 6, 2, 0, 1 },
    };
    int rc = 0;
    for (size_t i = 0; i < N(pts); i++)
        rc |= series_snapshot("base", 5100, 1714478400000ull + 10000 * i, &pts[i],
                              60000 + 100 * (unsigned)i);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_golden DIR\n");
        return 2;
    }
    out_dir = argv[1];
    return crash() | series_current() | series_base() ? 1 : 0;
}
