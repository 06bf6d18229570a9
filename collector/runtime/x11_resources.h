/*
 * x11_resources.h - the X resources of this process, asked of the X server
 * off the crash path (x11_resources.c) and published for snapshots
 * (x11_prepared.h).  Runtime room only.
 *
 *  x11_res_init()      at triggers_start(): reads DISPLAY, XAUTHORITY, the
 *                      host name; nothing is connected yet.
 *  x11_res_refresh()   asks the server now (connecting first when the
 *                      program has an X connection); bounded by a deadline
 *                      on every wait.  Collector thread, or the exiting
 *                      thread once the collector stopped.
 *  x11_res_due_us()    when the next refresh on the cadence is due
 *                      (monotonic us), 0 for never.
 *  x11_res_wanted()    a bbx_snapshot() waits for a refresh.
 *  x11_res_before_request()  bbx_snapshot(): ask the collector thread for a
 *                      refresh and wait for it, at most 100 ms; nothing
 *                      without a collector thread or a connection.
 *                      Async-signal-safe (atomics, futex).
 *  x11_res_stop()      closes bbx's X connection (shutdown, exit).
 *  x11_res_after_fork()  in a forked child: forgets the parent's connection
 *                      and values.
 */
#ifndef BBX_X11_RESOURCES_H
#define BBX_X11_RESOURCES_H

#include <stdint.h>

void x11_res_init(void);
void x11_res_refresh(void);
uint64_t x11_res_due_us(void);
int x11_res_wanted(void);
void x11_res_before_request(void);
void x11_res_stop(void);
void x11_res_after_fork(void);

/* triggers.c: 1 while the collector thread runs. */
int triggers_running(void);

#endif
