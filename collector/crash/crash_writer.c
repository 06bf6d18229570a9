/*
 * crash_writer.c - the writer process of a crash snapshot (crash_writer.h).
 */
#include "crash_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collector.h"
#include "sigsafe.h"

#define WRITER_STACK (64u << 10)

static void *stack;

static struct {
    int pipe_r, pipe_w;
    char tmp[BBX_PATH_MAX + 8];
    char path[BBX_PATH_MAX];
    _Atomic int complete;   /* set before the pipe is closed */
    _Atomic uint32_t state; /* futex word: 0 running, 1 done, 2 failed */
    _Atomic int32_t alive;  /* the kernel clears it (and wakes) when the
                               writer has let go of our memory */
} job;

int crash_writer_init(void)
{
    if (stack)
        return 0;
    void *p = ss_map(WRITER_STACK, 1);
    if (!p)
        return BBX_ENOMEM;
    stack = p;
    return 0;
}

void crash_writer_release(void)
{
    ss_unmap(stack, WRITER_STACK);
    stack = NULL;
}

static void finish(uint32_t state)
{
    atomic_store(&job.state, state);
    syscall(SYS_futex, (uint32_t *)&job.state, FUTEX_WAKE, 1, NULL, NULL, 0);
    for (;;)
        syscall(SYS_exit, 0);
}

/* Close the writer's copies of the program's fds but `keep` (0-2 stay):
 * it needs none of them, a full table leaves it no room for the snapshot
 * file, and a copy would keep a socket or pipe open after the program is
 * gone.  The program's own table is not touched; record locks belong to
 * the program's table, not to these copies. */
static void close_copies(int keep)
{
    if (keep > 3)
        syscall(SYS_close_range, 3u, (unsigned)keep - 1, 0u);
    if (syscall(SYS_close_range, (unsigned)keep + 1, ~0u, 0u) == 0 || errno != ENOSYS)
        return;
    for (int fd = 3; fd < 65536; fd++) /* kernels before 5.9 */
        if (fd != keep)
            syscall(SYS_close, fd);
}

/* The writer process: its own fd table (a copy), our memory. */
SS_NO_ASAN static int writer_main(void *arg)
{
    (void)arg;
    char buf[16384];
    ss_close(job.pipe_w); /* its copy: the capture's close must reach us as EOF */
    close_copies(job.pipe_r);
    /* its table has room now: no room is made here (that is the capture's,
     * in the program's table; this process shares its memory) */
    int fd = ss_sys_openat(AT_FDCWD, job.tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        finish(2);
    for (;;) {
        ssize_t k = ss_read(job.pipe_r, buf, sizeof(buf));
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        for (ssize_t off = 0; off < k;) {
            ssize_t n = ss_write(fd, buf + off, (size_t)(k - off));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                finish(2);
            off += n;
        }
    }
    if (ss_close(fd) != 0)
        finish(2);
    if (atomic_load(&job.complete) && rename(job.tmp, job.path) != 0)
        finish(2);
    finish(1);
    return 0;
}

static _Atomic pid_t writer_pid;

pid_t crash_writer_pid(void)
{
    return atomic_load(&writer_pid);
}

int crash_writer_start(const char *tmp)
{
    int p[2];
    if (!stack || syscall(SYS_pipe2, p, O_CLOEXEC) != 0)
        return -1;
    job.pipe_r = p[0];
    job.pipe_w = p[1];
    ss_buf b = ss_buf_of(job.tmp, sizeof(job.tmp));
    ss_puts(&b, tmp);
    atomic_store(&job.complete, 0);
    atomic_store(&job.state, 0);
    atomic_store(&job.alive, 1);
    /* Not CLONE_THREAD: a process of its own, which the kernel lets live on
     * when this one dies; no exit signal, nobody is told.  CHILD_CLEARTID:
     * the kernel clears job.alive when it lets go of our memory (and of the
     * executable: until then the program's file would be "busy"). */
    long pid = clone(writer_main, (char *)stack + WRITER_STACK,
                     CLONE_VM | CLONE_FS | CLONE_CHILD_CLEARTID, NULL, NULL, NULL,
                     (pid_t *)&job.alive);
    ss_close(p[0]);
    if (pid < 0) {
        ss_close(p[1]);
        return -1;
    }
    atomic_store(&writer_pid, (pid_t)pid);
    ss_fcntl(p[1], F_SETFL, O_NONBLOCK);
    return p[1];
}

int crash_writer_finish(int fd, int complete, const char *path, uint64_t deadline_us)
{
    ss_buf b = ss_buf_of(job.path, sizeof(job.path));
    ss_puts(&b, path);
    atomic_store(&job.complete, complete);
    ss_close(fd);
    for (;;) {
        uint32_t st = atomic_load(&job.state);
        int32_t alive = atomic_load(&job.alive);
        if (st != 0 && alive == 0)
            return st == 1 ? 0 : BBX_EIO;
        uint64_t now = ss_mono_us();
        if (now >= deadline_us)
            return st == 1 ? 0 : BBX_EIO; /* stuck in the kernel: leave it */
        uint64_t left = deadline_us - now;
        if (left > 100000)
            left = 100000;
        struct timespec ts = { 0, (long)left * 1000 };
        if (st == 0)
            syscall(SYS_futex, (uint32_t *)&job.state, FUTEX_WAIT, st, &ts, NULL, 0);
        else
            syscall(SYS_futex, (uint32_t *)&job.alive, FUTEX_WAIT, (uint32_t)alive, &ts, NULL,
                    0);
    }
}
