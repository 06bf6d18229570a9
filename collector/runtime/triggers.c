/*
 * triggers.c - snapshots beyond crashes: on request (bbx_snapshot), on a
 * signal, periodically, and at exit.
 *
 * When an on-demand signal, an interval, the memory watermark
 * (mem_watermark.c) or the hang watchdog is configured
 * (or bbx_watch_thread() is called), a collector thread ("bbx-collector")
 * waits on a semaphore until the next periodic snapshot is due or the hang
 * watchdog's next look (hang_watch.c).  The signal handler only posts the
 * semaphore (no fd: nothing in the application's fd table, nothing a
 * program that closes every fd could break); the capture runs on the
 * collector thread, so the application pauses only while the other threads
 * record their stacks.  The collector
 * thread blocks every signal but the crash signals and bbx's thread signal.
 *
 * At exit (an atexit() handler, in the process that started bbx only) the
 * collector thread is stopped, then the exit snapshot is taken if asked.
 * After fork() the child has no collector thread: periodic and signal
 * snapshots stop in a child that does not exec (crash snapshots and
 * bbx_snapshot() still work there); a child that execs a program under
 * libbbx-preload.so starts its own collector.
 *
 * The signal handler is async-signal-safe; the rest runs at init, shutdown,
 * fork and exit.  triggers_snapshot(), which every trigger calls, is on the
 * crash path: crash/snapshot_now.c.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <semaphore.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "hang_watch.h"
#include "mem_watch.h"
#include "session_prepared.h"
#include "sigsafe.h"
#include "snap_format.h"
#include "x11_resources.h"

#define MIN_INTERVAL_MS 10u

static struct {
    pthread_t thread;
    int running;                 /* the collector thread exists */
    _Atomic int stop;
    _Atomic int signalled;       /* the on-demand signal came */
    sem_t wake;                  /* posted by the signal handler, stop and
                                    a new watched thread */
    pthread_mutex_t start_lock;  /* triggers_need_collector() */
    int signal;                  /* on-demand signal, 0 when none */
    struct sigaction old_action; /* its disposition before bbx */
    char signal_reason[32];
    pid_t owner;                 /* the process that started the triggers */
    _Atomic int exit_done;
} trg = { .start_lock = PTHREAD_MUTEX_INITIALIZER };

static pthread_once_t process_hooks_once = PTHREAD_ONCE_INIT;

/* The on-demand signal: wake the collector thread, nothing more. */
static void on_snapshot_signal(int sig)
{
    int saved_errno = errno;
    (void)sig;
    atomic_store(&trg.signalled, 1);
    sem_post(&trg.wake); /* EOVERFLOW: a wake-up is pending anyway */
    errno = saved_errno;
}

/* Wait for a post, or until next_us (monotonic; 0: no deadline).
 * Returns 1 when woken by a post (several coalesce into one), 0 at the
 * deadline. */
static int wait_wake(uint64_t next_us)
{
    int rc;
    if (next_us) {
        struct timespec at = { (time_t)(next_us / 1000000), (long)(next_us % 1000000) * 1000 };
        while ((rc = sem_clockwait(&trg.wake, CLOCK_MONOTONIC, &at)) != 0 && errno == EINTR)
            ;
    } else {
        while ((rc = sem_wait(&trg.wake)) != 0 && errno == EINTR)
            ;
    }
    if (rc != 0)
        return 0;
    while (sem_trywait(&trg.wake) == 0)
        ;
    return 1;
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
    return !a ? b : !b ? a : a < b ? a : b;
}

static void *collector_main(void *arg)
{
    (void)arg;
    bbx_busy = 1; /* nothing this thread does is the application's */
    pthread_setname_np(pthread_self(), "bbx-collector");
    atomic_store(&bbx_g.collector_tid, ss_gettid()); /* marked in snapshots */
    uint64_t interval_us = (uint64_t)bbx_g.cfg.interval_ms * 1000;
    uint64_t next_us = interval_us ? ss_mono_us() + interval_us : 0;
    uint64_t hang_us = ss_mono_us(); /* the watchdog's next look */
    while (!atomic_load(&trg.stop)) {
        uint64_t due = earliest(earliest(next_us, hang_us), x11_res_due_us());
        int woken = wait_wake(earliest(due, mem_wm_due_us()));
        if (atomic_load(&trg.stop))
            break;
        /* X resources: asked for by bbx_snapshot(), or due on the cadence */
        if ((woken && x11_res_wanted()) ||
            (x11_res_due_us() && ss_mono_us() >= x11_res_due_us()))
            x11_res_refresh();
        if (woken && atomic_exchange(&trg.signalled, 0)) {
            x11_res_refresh();
            mem_refresh(MEM_WITH_MALLOC);
            session_refresh();
            triggers_snapshot(SNAP_TRIGGER_SIGNAL, trg.signal_reason);
            hang_watch_resync(ss_mono_us());
        }
        if (next_us && ss_mono_us() >= next_us) {
            x11_res_refresh(); /* the X counts of this periodic snapshot */
            mem_refresh(MEM_WITH_MALLOC);
            session_refresh();
            triggers_snapshot(SNAP_TRIGGER_PERIODIC, "periodic");
            next_us += interval_us;
            uint64_t now = ss_mono_us();
            hang_watch_resync(now);
            if (next_us <= now) /* a slow capture: skip the missed ones */
                next_us = now + interval_us;
        }
        uint64_t now = ss_mono_us();
        mem_wm_tick(now); /* nothing when off or not due */
        now = ss_mono_us();
        if (woken || (hang_us && now >= hang_us)) /* a new watch may want a shorter tick */
            hang_us = hang_watch_tick(now);
    }
    return NULL;
}

/* Start the thread with every signal blocked but the crash signals and the
 * thread signal; bbx_busy keeps tracking mode from recording it. */
static int start_collector_thread(void)
{
    static const int allowed[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP, SIGSYS };
    sigset_t mask, old;
    sigfillset(&mask);
    for (unsigned i = 0; i < sizeof(allowed) / sizeof(allowed[0]); i++)
        sigdelset(&mask, allowed[i]);
    sigdelset(&mask, bbx_g.thread_signal);
    pthread_sigmask(SIG_SETMASK, &mask, &old);
    bbx_busy++;
    int rc = pthread_create(&trg.thread, NULL, collector_main, NULL);
    bbx_busy--;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return BBX_ENOMEM;
    trg.running = 1;
    return 0;
}

static void stop_collector_thread(void)
{
    if (!trg.running)
        return;
    trg.running = 0;
    atomic_store(&trg.stop, 1);
    sem_post(&trg.wake);
    if (pthread_equal(pthread_self(), trg.thread))
        return;
    /* Bounded: a capture in progress ends within capture_timeout_ms. */
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += bbx_g.cfg.capture_timeout_ms / 1000 + 2;
    if (pthread_timedjoin_np(trg.thread, NULL, &deadline) != 0)
        pthread_detach(trg.thread);
    else
        atomic_store(&bbx_g.collector_tid, 0);
}

/* In a forked child the collector thread does not exist, nor does a
 * thread of the parent that was capturing: free the capture lock it held
 * (the next capture starts from scratch). */
static void after_fork_in_child(void)
{
    pthread_mutex_t fresh = PTHREAD_MUTEX_INITIALIZER;
    trg.start_lock = fresh;
    hang_watch_after_fork();
    x11_res_after_fork();
    mem_after_fork();
    trg.running = 0;
    atomic_store(&bbx_g.collector_tid, 0);
    pid_t owner = atomic_load(&bbx_g.capture_owner);
    if (owner != 0 && owner != ss_gettid() && !atomic_load(&bbx_g.crash_done))
        atomic_store(&bbx_g.capture_owner, 0);
}

static void stop_triggers(void);

static void at_process_exit(void)
{
    if (getpid() != trg.owner)
        return; /* a forked child leaving: its parent's business */
    stop_triggers();
    if (atomic_load(&bbx_g.initialized) && bbx_g.cfg.at_exit &&
        !atomic_exchange(&trg.exit_done, 1)) {
        x11_res_refresh(); /* the collector has stopped: this thread asks */
        mem_refresh(MEM_WITH_MALLOC);
        session_refresh();
        triggers_snapshot(SNAP_TRIGGER_EXIT, "exit");
    }
    x11_res_stop();
}

static void register_process_hooks(void)
{
    pthread_atfork(NULL, NULL, after_fork_in_child);
    atexit(at_process_exit);
}

static int install_signal(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_snapshot_signal;
    sa.sa_flags = SA_RESTART | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, &trg.old_action) != 0)
        return BBX_ESIGNAL;
    trg.signal = sig;
    snprintf(trg.signal_reason, sizeof(trg.signal_reason), "signal %d", sig);
    return 0;
}

int triggers_start(void)
{
    bbx_config *c = &bbx_g.cfg;
    int sig = c->snapshot_signal;
    if (sig && !config_snapshot_signal_ok(sig, bbx_g.thread_signal))
        return BBX_EINVAL;
    if (c->interval_ms && c->interval_ms < MIN_INTERVAL_MS)
        c->interval_ms = MIN_INTERVAL_MS;
    trg.owner = getpid();
    x11_res_init();
    unsigned wm = c->mem_watermark > 0 ? (unsigned)(c->mem_watermark * 1000 + 0.5) : 0;
    mem_init(c->mem_watermark > 0 && !wm ? 1 : wm);
    atomic_store(&trg.exit_done, 0);
    atomic_store(&trg.stop, 0);
    atomic_store(&trg.signalled, 0);
    int hang = hang_watch_start();
    if (!sig && !c->interval_ms && !c->at_exit && !hang && !mem_watermark_permille())
        return 0;
    pthread_once(&process_hooks_once, register_process_hooks);
    if (!sig && !c->interval_ms && !hang && !mem_watermark_permille())
        return 0;

    int rc = triggers_need_collector();
    if (rc == 0 && sig)
        rc = install_signal(sig);
    return rc; /* on failure bbx_init() calls bbx_shutdown(): triggers_stop() */
}

int triggers_need_collector(void)
{
    int rc = 0;
    pthread_mutex_lock(&trg.start_lock);
    if (!trg.running) {
        pthread_once(&process_hooks_once, register_process_hooks);
        atomic_store(&trg.stop, 0);
        if (sem_init(&trg.wake, 0, 0) != 0)
            rc = BBX_ENOMEM;
        else
            rc = start_collector_thread();
    }
    pthread_mutex_unlock(&trg.start_lock);
    return rc;
}

int triggers_running(void)
{
    return trg.running;
}

void triggers_wake(void)
{
    if (trg.running)
        sem_post(&trg.wake);
}

void triggers_stop(void)
{
    stop_triggers();
    x11_res_stop();
    mem_stop();
}

/* Everything but bbx's X connection, which the exit snapshot may still use. */
static void stop_triggers(void)
{
    if (trg.signal) {
        sigaction(trg.signal, &trg.old_action, NULL);
        trg.signal = 0;
    }
    if (trg.running && atomic_load(&bbx_g.initialized))
        hang_watch_last_look();
    pthread_mutex_lock(&trg.start_lock);
    stop_collector_thread();
    pthread_mutex_unlock(&trg.start_lock);
    hang_watch_stop();
}
