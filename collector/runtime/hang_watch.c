/*
 * hang_watch.c - the hang watchdog (hang_watch.h): the watched threads, the
 * look the collector thread takes at them every tick, and the API calls
 * bbx_watch_thread(), bbx_unwatch_thread() and bbx_heartbeat().
 *
 * The watched thread itself only moves a counter in its call slot
 * (blocking_calls.h, `loop`): on the way into and out of an event-loop
 * wait, and on bbx_heartbeat().  Everything else happens here, on the
 * collector thread: a counter that has not moved since the last tick, and
 * is even (the thread is not inside a wait), means the thread is still
 * away from its loop; once that stretch is longer than the limit, the
 * thread is hung.  A tick is a tenth of the smallest limit (50 to 250 ms),
 * so a hang is seen at most one tick after the limit, and a freeze's
 * length is known to within a tick.
 *
 * Stopped time: when the collector thread itself wakes later than it asked
 * and was not runnable meanwhile (its schedstat run and wait times did not
 * grow: the whole process was stopped by SIGSTOP or a debugger, not merely
 * starved of CPU on a loaded machine), that time is taken off every
 * stretch; a watched thread found stopped or traced is not judged.  CLOCK_MONOTONIC does not advance
 * while the machine sleeps; when CLOCK_BOOTTIME moved on more than it
 * (the machine slept between two ticks) every stretch starts again.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "blocking_calls.h"
#include "collector.h"
#include "hang_watch.h"
#include "mem_watch.h"
#include "session_prepared.h"
#include "sigsafe.h"
#include "snap_format.h"

#define TICK_MIN_US 50000u
#define TICK_MAX_US 250000u
#define NAME_SCAN_US 1000000u
#define SLEPT_US 100000u     /* boot time ahead of monotonic: the machine slept */
#define STOPPED_MIN_US 100000u /* woke this much later, not runnable: stopped */
#define NAMES_MAX 256

struct watched {
    pid_t tid;
    unsigned limit_ms;
    int by_name;             /* found through BBX_HANG_THREADS */
    int armed;               /* it has waited or beaten once */
    uint32_t last_loop;      /* its slot's counter at the last tick */
    uint64_t since_us;       /* the current stretch away from its loop began */
    uint64_t times_at_us;    /* when run/wait_since were read (0: not yet; they
                                are read at the first tick the stretch lasts,
                                most stretches end before) */
    uint64_t run_since_ns;   /* its CPU time then */
    uint64_t wait_since_ns;  /* its time runnable but not running, then */
    int reported;            /* the HANG snapshot of this stretch is taken */
    char name[16];
};

static struct {
    pthread_mutex_t lock;
    struct watched w[HANG_MAX_WATCHED];
    unsigned n;
    char names[NAMES_MAX];   /* BBX_HANG_THREADS, comma-separated */
    uint64_t last_tick_us, last_boot_us, next_scan_us;
    uint64_t last_active_ns; /* own_active_ns() when last read */
    unsigned ticks;
    char dirbuf[8192] __attribute__((aligned(8))); /* getdents64 of /proc/self/task */
} hw = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* What one tick decided, done after the lock is released. */
struct hang_event {
    int kind;                /* SNAP_TRIGGER_HANG or _HANG_END */
    struct hang_report r;
};

static uint64_t boot_us(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_BOOTTIME, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* A line of /proc/self/task/TID/<what> into buf (newline cut); 0 or -1.
 * Raw system calls (sigsafe.h): on bbx's own thread the calls bbx
 * interposes do not reach libc. */
static int read_task_file(pid_t tid, const char *what, char *buf, size_t size)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/task/%d/%s", (int)tid, what);
    if (ss_read_file(AT_FDCWD, path, buf, size) <= 0)
        return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

/* The state letter of /proc/self/task/TID/stat (after "(comm) "). */
static char task_state(pid_t tid)
{
    char buf[512];
    if (read_task_file(tid, "stat", buf, sizeof(buf)) != 0)
        return 0;
    const char *p = strrchr(buf, ')');
    return p && p[1] == ' ' ? p[2] : 0;
}

/* How long the thread ran, and how long it was runnable but waited for a
 * CPU (/proc/self/task/TID/schedstat: "run_ns wait_ns slices"); without
 * that file, its CPU clock (the kernel's CPUCLOCK_PERTHREAD | SCHED
 * encoding of its tid) and no wait. */
static void task_times(pid_t tid, uint64_t *run_ns, uint64_t *wait_ns)
{
    char buf[128];
    *run_ns = *wait_ns = 0;
    if (read_task_file(tid, "schedstat", buf, sizeof(buf)) == 0) {
        char *end;
        *run_ns = strtoull(buf, &end, 10);
        *wait_ns = strtoull(end, NULL, 10);
        return;
    }
    struct timespec ts;
    clockid_t clock = (clockid_t)(((unsigned)~tid << 3) | 6);
    if (clock_gettime(clock, &ts) == 0)
        *run_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void task_name(pid_t tid, char name[16])
{
    char buf[64];
    if (read_task_file(tid, "comm", buf, sizeof(buf)) != 0)
        buf[0] = '\0';
    snprintf(name, 16, "%s", buf);
}

static int task_alive(pid_t tid)
{
    return syscall(SYS_tgkill, getpid(), tid, 0) == 0 || errno != ESRCH;
}

static struct watched *find(pid_t tid)
{
    for (unsigned i = 0; i < hw.n; i++)
        if (hw.w[i].tid == tid)
            return &hw.w[i];
    return NULL;
}

static void drop(struct watched *e)
{
    *e = hw.w[--hw.n];
}

/* Add or update (lock held); -1 when the table is full. */
static int watch(pid_t tid, unsigned limit_ms, int by_name)
{
    struct watched *e = find(tid);
    if (!e) {
        if (hw.n == HANG_MAX_WATCHED)
            return -1;
        e = &hw.w[hw.n++];
        memset(e, 0, sizeof(*e));
        e->tid = tid;
        e->by_name = by_name;
    }
    e->limit_ms = limit_ms;
    return 0;
}

static uint64_t tick_us(void)
{
    uint64_t t = TICK_MAX_US;
    for (unsigned i = 0; i < hw.n; i++) {
        uint64_t l = (uint64_t)hw.w[i].limit_ms * 100; /* a tenth, in us */
        if (l < t)
            t = l;
    }
    return t < TICK_MIN_US ? TICK_MIN_US : t;
}

static int name_wanted(const char *name)
{
    size_t n = strlen(name);
    for (const char *p = hw.names; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && n && memcmp(p, name, n) == 0)
            return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

static void consider(void *ctx, int listing_fd, uint64_t number, const char *entry)
{
    pid_t tid = (pid_t)number;
    char name[16];
    (void)ctx, (void)listing_fd, (void)entry;
    if (tid == atomic_load(&bbx_g.collector_tid) || find(tid))
        return;
    task_name(tid, name);
    if (name_wanted(name))
        watch(tid, bbx_g.cfg.hang_ms, 1);
}

/* Watch the threads whose names BBX_HANG_THREADS lists; forget threads
 * that are gone (lock held). */
static void scan_names(void)
{
    for (unsigned i = 0; i < hw.n;)
        if (!task_alive(hw.w[i].tid))
            drop(&hw.w[i]);
        else
            i++;
    if (!hw.names[0])
        return;
    ss_for_each_numbered("/proc/self/task", hw.dirbuf, sizeof(hw.dirbuf), consider, NULL);
}

/* A new stretch away from the loop began at `at`. */
static void stretch_begins(struct watched *e, uint64_t at)
{
    e->since_us = at;
    e->times_at_us = 0;
    e->reported = 0;
}

/* Busy: it ran, or wanted to run (runnable, waiting for a CPU on a loaded
 * machine), at least half of the time since its times were read (until
 * end_us); else it waited for something. */
static void report_of(const struct watched *e, uint64_t stuck_us, uint64_t end_us,
                      struct hang_report *r)
{
    uint64_t run, wait;
    memset(r, 0, sizeof(*r));
    r->tid = e->tid;
    task_name(e->tid, r->name);
    r->stuck_ms = stuck_us / 1000;
    r->limit_ms = e->limit_ms;
    task_times(e->tid, &run, &wait);
    uint64_t ran = run > e->run_since_ns ? run - e->run_since_ns : 0;
    uint64_t waited = wait > e->wait_since_ns ? wait - e->wait_since_ns : 0;
    uint64_t span = e->times_at_us && end_us > e->times_at_us ? end_us - e->times_at_us : 0;
    r->cpu_ms = ran / 1000000;
    r->state = span && (ran + waited) / 1000 * 2 >= span ? SNAP_HUNG_BUSY : SNAP_HUNG_BLOCKED;
}

/* Look at one thread (lock held); 1 when *ev was filled. */
static int look(struct watched *e, uint64_t now, uint64_t prev, struct hang_event *ev)
{
    struct call_slot *s = calls_find(e->tid);
    if (!s)
        return 0; /* it never made a wrapped call: never waited */
    uint32_t loop = atomic_load_explicit(&s->loop, memory_order_acquire);
    if (!e->armed) {
        if (loop == 0)
            return 0;
        e->armed = 1;
        e->last_loop = loop;
        stretch_begins(e, now);
        return 0;
    }
    if (loop != e->last_loop) {
        /* it came back to its loop (and maybe left again) since the last
         * tick: midway is the best guess of when */
        uint64_t back = prev ? prev + (now - prev) / 2 : now;
        int was_reported = e->reported;
        struct hang_report r;
        if (was_reported)
            report_of(e, back > e->since_us ? back - e->since_us : 0, back, &r);
        e->last_loop = loop;
        stretch_begins(e, (loop & 1) ? now : back);
        if (!was_reported)
            return 0;
        ev->kind = SNAP_TRIGGER_HANG_END;
        ev->r = r;
        return 1;
    }
    if (loop & 1) { /* waiting in its loop: idle, not hung */
        e->since_us = now;
        e->times_at_us = 0;
        return 0;
    }
    if (!e->times_at_us) { /* away for a tick already: from here on */
        task_times(e->tid, &e->run_since_ns, &e->wait_since_ns);
        e->times_at_us = now;
    }
    if (e->reported || now - e->since_us < (uint64_t)e->limit_ms * 1000)
        return 0;
    char st = task_state(e->tid);
    if (st == 'T' || st == 't') { /* stopped or traced: not its fault */
        e->since_us = now;
        return 0;
    }
    e->reported = 1;
    ev->kind = SNAP_TRIGGER_HANG;
    report_of(e, now - e->since_us, now, &ev->r);
    return 1;
}

static void take(const struct hang_event *ev)
{
    const struct hang_report *r = &ev->r;
    char reason[256], where[96] = "";
    if (ev->kind == SNAP_TRIGGER_HANG) {
        char wchan[64];
        if (r->state == SNAP_HUNG_BLOCKED && read_task_file(r->tid, "wchan", wchan, sizeof(wchan)) == 0 &&
            wchan[0] && wchan[0] != '0')
            snprintf(where, sizeof(where), " in the kernel's %s", wchan);
        snprintf(reason, sizeof(reason),
                 "thread %d \"%s\" has not returned to its event loop for %.1f s (limit %.1f s): "
                 "%s, %.1f s of CPU%s",
                 (int)r->tid, r->name, (double)r->stuck_ms / 1000, (double)r->limit_ms / 1000,
                 r->state == SNAP_HUNG_BUSY ? "busy" : "blocked", (double)r->cpu_ms / 1000, where);
    } else {
        snprintf(reason, sizeof(reason),
                 "thread %d \"%s\" is back in its event loop after %.1f s (limit %.1f s)",
                 (int)r->tid, r->name, (double)r->stuck_ms / 1000, (double)r->limit_ms / 1000);
        bbx_log("bbx: hang over: %s", reason);
    }
    mem_refresh(MEM_KERNEL); /* not malloc's: the hung thread may hold its locks */
    session_refresh();       /* allocates nothing */
    triggers_snapshot_hang(ev->kind, reason, r);
}

/* The collector thread's own run + runnable time (its schedstat): time
 * it was neither asleep nor stopped. */
static uint64_t own_active_ns(void)
{
    uint64_t run, wait;
    task_times(ss_gettid(), &run, &wait);
    return run + wait;
}

/* Time the whole process was stopped since the last tick: how much later
 * than asked this thread woke, less the time it was runnable meanwhile (a
 * loaded machine delays it: that is not a stop). */
static uint64_t stopped_us(uint64_t gap, uint64_t tick, uint64_t active_ns)
{
    uint64_t late = gap > tick ? gap - tick : 0;
    uint64_t busy = active_ns > hw.last_active_ns ? (active_ns - hw.last_active_ns) / 1000 : 0;
    uint64_t stopped = late > busy ? late - busy : 0;
    return stopped > STOPPED_MIN_US ? stopped : 0;
}

static uint64_t tick_at(uint64_t now, int last)
{
    struct hang_event ev[HANG_MAX_WATCHED];
    unsigned n_ev = 0;
    pthread_mutex_lock(&hw.lock);
    uint64_t prev = hw.last_tick_us, boot = boot_us(), tick = tick_us();
    uint64_t gap = prev && now > prev ? now - prev : 0;
    int late = gap > tick + STOPPED_MIN_US;
    uint64_t active = hw.last_active_ns;
    int watching = hw.n || hw.names[0];
    /* its own times cost a /proc read: when it woke late, and now and then
     * (what it ran between reads is far below STOPPED_MIN_US); none while
     * nothing is watched (an fd of bbx's at a time the program may need
     * every one) */
    if (!watching)
        active = 0;
    else if (!last && (late || !active || ++hw.ticks % 32 == 0))
        active = own_active_ns();
    if (gap && !last) {
        uint64_t lost = late ? stopped_us(gap, tick, active) : 0;
        int slept = hw.last_boot_us && boot - hw.last_boot_us > gap + SLEPT_US;
        for (unsigned i = 0; i < hw.n; i++) {
            struct watched *e = &hw.w[i];
            if (slept)
                e->since_us = now;
            else if (lost)
                e->since_us = e->since_us + lost < now ? e->since_us + lost : now;
        }
        if (slept || lost) /* what changed meanwhile changed in the last tick */
            prev = now - tick;
    }
    if (now >= hw.next_scan_us) {
        scan_names();
        hw.next_scan_us = now + NAME_SCAN_US;
    }
    for (unsigned i = 0; i < hw.n; i++)
        if ((!last || hw.w[i].reported) && look(&hw.w[i], now, prev, &ev[n_ev]))
            n_ev++;
    hw.last_tick_us = now;
    hw.last_boot_us = boot;
    hw.last_active_ns = active;
    int active_watch = hw.n || hw.names[0];
    pthread_mutex_unlock(&hw.lock);
    for (unsigned i = 0; i < n_ev; i++)
        take(&ev[i]);
    if (!active_watch)
        return 0;
    /* the next tick counts from the end of this one: a snapshot taken here
     * is not time the program lost */
    uint64_t end = ss_mono_us();
    if (n_ev)
        hang_watch_resync(end);
    return end + tick;
}

uint64_t hang_watch_tick(uint64_t now)
{
    return tick_at(now, 0);
}

void hang_watch_last_look(void)
{
    tick_at(ss_mono_us(), 1);
}

void hang_watch_resync(uint64_t now_us)
{
    uint64_t boot = boot_us();
    pthread_mutex_lock(&hw.lock);
    if (hw.last_tick_us) {
        hw.last_tick_us = now_us;
        hw.last_boot_us = boot;
        hw.last_active_ns = hw.n || hw.names[0] ? own_active_ns() : 0;
    }
    pthread_mutex_unlock(&hw.lock);
}

int hang_watch_start(void)
{
    const bbx_config *c = &bbx_g.cfg;
    pthread_mutex_lock(&hw.lock);
    hw.n = 0;
    hw.last_tick_us = hw.last_boot_us = hw.next_scan_us = 0;
    hw.names[0] = '\0';
    if (c->hang_ms) {
        watch(getpid(), c->hang_ms, 0); /* the main thread */
        if (c->hang_threads)
            snprintf(hw.names, sizeof(hw.names), "%s", c->hang_threads);
    }
    int active = hw.n || hw.names[0];
    pthread_mutex_unlock(&hw.lock);
    return active;
}

void hang_watch_stop(void)
{
    pthread_mutex_lock(&hw.lock);
    hw.n = 0;
    hw.names[0] = '\0';
    pthread_mutex_unlock(&hw.lock);
}

void hang_watch_after_fork(void)
{
    /* the child's only thread holds no lock of the parent's watchdog but
     * maybe this one: start it afresh */
    pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
    hw.lock = fresh;
    hw.n = 0;
    hw.names[0] = '\0';
}

int hang_watch_active(void)
{
    pthread_mutex_lock(&hw.lock);
    int active = hw.n || hw.names[0];
    pthread_mutex_unlock(&hw.lock);
    return active;
}

int bbx_watch_thread(unsigned limit_ms)
{
    if (!atomic_load(&bbx_g.initialized))
        return BBX_ENOTINIT;
    if (limit_ms == 0)
        limit_ms = bbx_g.cfg.hang_ms ? bbx_g.cfg.hang_ms : HANG_DEFAULT_MS;
    if (limit_ms < HANG_MIN_MS)
        return BBX_EINVAL;
    pid_t tid = ss_gettid();
    pthread_mutex_lock(&hw.lock);
    int rc = watch(tid, limit_ms, 0);
    pthread_mutex_unlock(&hw.lock);
    if (rc != 0)
        return BBX_EINVAL;
    calls_heartbeat(); /* judged from now on */
    if ((rc = triggers_need_collector()) != 0)
        return rc;
    triggers_wake(); /* a shorter limit may need a shorter tick */
    return 0;
}

int bbx_unwatch_thread(void)
{
    if (!atomic_load(&bbx_g.initialized))
        return BBX_ENOTINIT;
    pid_t tid = ss_gettid();
    pthread_mutex_lock(&hw.lock);
    struct watched *e = find(tid);
    if (e)
        drop(e);
    pthread_mutex_unlock(&hw.lock);
    return e ? 0 : BBX_EINVAL;
}

void bbx_heartbeat(void)
{
    calls_heartbeat();
}
