/*
 * crash_writer.h - a crash snapshot written by a helper process, so that a
 * file system that blocks (frozen, a dead network mount) cannot hold the
 * dying process forever.
 *
 * A write to a frozen file system sleeps uninterruptibly until it thaws;
 * not even SIGKILL ends a thread waiting there.  So for a crash, the
 * capturing thread starts a writer process (clone sharing our memory, on a
 * stack reserved at init) that creates the file and copies what arrives on
 * a pipe into it; the capture writes into the pipe without blocking and
 * gives up at its deadline (bbx_config.capture_timeout_ms).  Then the process dies
 * of its signal as it would have; a writer stuck in the kernel finishes, or
 * not, on its own.  Async-signal-safe.
 */
#ifndef BBX_CRASH_WRITER_H
#define BBX_CRASH_WRITER_H

#include <stdint.h>
#include <sys/types.h>

/* Reserve the writer's stack (init). */
int crash_writer_init(void);
void crash_writer_release(void);

/* Start a writer that creates `tmp` (O_EXCL, 0600); returns the pipe's
 * non-blocking write end, or -1 (then write the file directly). */
int crash_writer_start(const char *tmp);
/* The last writer started (a child process of ours while it runs: the
 * CHILD records leave it out), 0 before the first. */
pid_t crash_writer_pid(void);
/* The snapshot is all in the pipe (or cut): close it and wait, until
 * deadline_us (monotonic), for the writer to finish; it renames its file
 * to `path` when `complete`.  Returns 0, or BBX_EIO when the writer failed
 * or did not finish in time. */
int crash_writer_finish(int fd, int complete, const char *path, uint64_t deadline_us);

#endif
