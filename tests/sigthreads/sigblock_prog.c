/*
 * sigblock_prog.c - a fault in a thread that blocks every signal, for
 * e2e_sigthreads.py.  Usage: sigblock_prog MODE
 *   creator-null  the creator blocks every signal around pthread_create;
 *                 the thread dereferences NULL (SIGSEGV) in fault_null()
 *   self-null     the thread itself calls pthread_sigmask(SIG_SETMASK, full)
 *                 and then dereferences NULL in fault_null()
 *   creator-trap  as creator-null, the thread runs int3 (SIGTRAP) in
 *                 fault_trap()
 *   self-procmask as self-null, through sigprocmask(SIG_BLOCK, full)
 *   creator-raw-null  as creator-null, but the creator blocks every signal
 *                 with the raw rt_sigprocmask system call (no libc call
 *                 bbx could adjust: only the new thread's start can)
 *   spin-before   (linked only) a thread "spinner" started before bbx_init()
 *                 blocks every signal and spins in user space; then
 *                 bbx_init(), bbx_snapshot("spin-before"), exit 0
 * Built twice: plain (run under libbbx-preload.so or alone) and linked
 * with libbbx (BBX_LINKED: bbx_init() from the environment when
 * SIGBLOCK_BBX=1, first thing in main).
 */
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifdef BBX_LINKED
#include <stdlib.h>

#include "bbx.h"
#endif

static const char *mode;

__attribute__((noinline)) static void fault_null(void)
{
    volatile int *volatile p = NULL; /* the compiler may not drop the store */
    *p = 42;
}

__attribute__((noinline)) static void fault_trap(void)
{
    __asm__ volatile("int3");
}

#ifdef BBX_LINKED
static volatile int spinning;

__attribute__((noinline)) static void *spinner(void *arg)
{
    (void)arg;
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, NULL);
    pthread_setname_np(pthread_self(), "spinner");
    for (;;)
        spinning++;
    return NULL;
}

/* The spin-before mode: a snapshot with a running thread that blocks the
 * thread signal. */
static int spin_before(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, spinner, NULL) != 0)
        return 3;
    while (spinning < 1000)
        ;
    if (bbx_init(NULL) != 0 || bbx_snapshot("spin-before") != 0) {
        fprintf(stderr, "sigblock_prog: bbx_init or bbx_snapshot failed\n");
        return 3;
    }
    exit(0);
}
#endif

/* Blocks every signal (but the two glibc keeps) with the kernel's call. */
static void raw_block_all(uint64_t *old)
{
    uint64_t all = ~(uint64_t)0 & ~(3ull << 31); /* 32 and 33 are glibc's */
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, old, 8);
}

__attribute__((noinline)) static void *worker(void *arg)
{
    (void)arg;
    sigset_t all;
    sigfillset(&all);
    if (strcmp(mode, "self-null") == 0)
        pthread_sigmask(SIG_SETMASK, &all, NULL);
    else if (strcmp(mode, "self-procmask") == 0)
        sigprocmask(SIG_BLOCK, &all, NULL);
    if (strcmp(mode, "creator-trap") == 0)
        fault_trap();
    else
        fault_null();
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: sigblock_prog MODE (see the source)\n");
        return 2;
    }
    mode = argv[1];
#ifdef BBX_LINKED
    if (strcmp(mode, "spin-before") == 0)
        return spin_before();
    const char *on = getenv("SIGBLOCK_BBX");
    if (on && strcmp(on, "1") == 0 && bbx_init(NULL) != 0) {
        fprintf(stderr, "sigblock_prog: bbx_init failed\n");
        return 3;
    }
#endif
    sigset_t all, old;
    uint64_t raw_old;
    pthread_t t;
    int raw = strcmp(mode, "creator-raw-null") == 0;
    sigfillset(&all);
    if (raw)
        raw_block_all(&raw_old);
    else if (strncmp(mode, "creator-", 8) == 0)
        pthread_sigmask(SIG_SETMASK, &all, &old);
    if (pthread_create(&t, NULL, worker, NULL) != 0) {
        fprintf(stderr, "sigblock_prog: pthread_create failed\n");
        return 3;
    }
    if (raw)
        syscall(SYS_rt_sigprocmask, SIG_SETMASK, &raw_old, NULL, 8);
    else if (strncmp(mode, "creator-", 8) == 0)
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    pthread_join(t, NULL);
    fprintf(stderr, "sigblock_prog: the thread returned\n");
    return 0;
}
