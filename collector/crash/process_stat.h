/*
 * process_stat.h - reading a process's /proc/PID/stat (process_info.c),
 * shared by the PROCESS record and the CHILD records (children.c).
 */
#ifndef BBX_PROCESS_STAT_H
#define BBX_PROCESS_STAT_H

#include <stdint.h>

/* Start time in Unix ms of the process whose /proc/PID/stat text is `stat`
 * (field 22, clock ticks since boot, against CLOCK_BOOTTIME), or 0.
 * Async-signal-safe. */
uint64_t process_stat_start_ms(const char *stat, uint64_t now_ms);

#endif
