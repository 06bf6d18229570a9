/*
 * hang_watch.h - the hang watchdog: which threads are watched, and the
 * check the collector thread runs on them (triggers.c calls it).
 *
 * A watched thread is hung when it has not come back to an event-loop wait
 * (poll, ppoll, select, pselect, epoll_wait, epoll_pwait, epoll_pwait2,
 * each wrapped by track/blocking_calls.c) nor called bbx_heartbeat() for
 * longer than its limit, and is not inside such a wait now.  A thread is
 * judged from its first wait or heartbeat on (start-up before the main
 * loop is not a hang).  One HANG snapshot per freeze; when the thread
 * comes back, a breadcrumb and one HANG_END snapshot with the whole
 * duration.  Time the process spent stopped (SIGSTOP, a debugger) or the
 * machine spent asleep does not count.
 *
 * Runs on the collector thread and in the API calls; never on the crash
 * path.
 */
#ifndef BBX_HANG_WATCH_H
#define BBX_HANG_WATCH_H

#include <stdint.h>
#include <sys/types.h>

/* The limit bbx_watch_thread(0) uses when the watchdog has none (desktops
 * call a window dead after about 5 s). */
#define HANG_DEFAULT_MS 5000u
#define HANG_MIN_MS 100u
#define HANG_MAX_WATCHED 64

/* Watch the main thread (limit cfg.hang_ms) and the threads named in
 * cfg.hang_threads, when hang_ms is set.  Returns 1 when the watchdog has
 * something to watch (the collector thread must run). */
int hang_watch_start(void);
void hang_watch_stop(void);
/* In a forked child: nothing is watched (its threads are the parent's). */
void hang_watch_after_fork(void);
/* 1 when some thread is watched or names are looked for. */
int hang_watch_active(void);

/* One look at every watched thread, at monotonic time now_us: takes the
 * HANG and HANG_END snapshots it finds due.  Returns the monotonic time of
 * the next look (0: nothing to watch). */
uint64_t hang_watch_tick(uint64_t now_us);

/* Before the collector thread stops (exit, bbx_shutdown): from the calling
 * thread, a last look at the threads reported hung, so that one that came
 * back just before the program ends still gets its HANG_END snapshot. */
void hang_watch_last_look(void);

/* The collector thread was busy until now_us (a snapshot): not time the
 * process was stopped. */
void hang_watch_resync(uint64_t now_us);

/* triggers.c: make sure the collector thread runs (bbx_watch_thread()
 * after bbx_init()); 0 or a BBX_E* code. */
int triggers_need_collector(void);
/* Wake the collector thread to look again now (a new watched thread). */
void triggers_wake(void);

#endif
