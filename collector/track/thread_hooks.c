/*
 * thread_hooks.c - an alternate signal stack for every thread.
 *
 * A stack overflow can only be reported from another stack.  bbx_init()
 * gives one to the threads that exist (thread_capture_give_altstacks), and
 * this file gives one to every thread started later: pthread_create() is
 * interposed (libbbx comes before libc in symbol lookup), the new thread
 * installs its stack before running the application's start routine, and a
 * thread-specific-data destructor releases it when the thread ends.
 *
 * In tracking mode (BBX_TRACK_THREAD) the same wrapper records who created
 * each thread: the creating stack, thread and time and the start routine
 * go into a slot of the thread table (track_table.c), the new thread puts
 * its tid there, and the slot is freed when the start routine returns or
 * the thread exits otherwise (pthread_exit, cancellation: a key
 * destructor).  Threads created inside bbx (bbx_busy) are not tracked.
 *
 * While bbx is initialised the new thread also unblocks the fault signals
 * and bbx's thread signal before anything else (signal_mask.c): a creator
 * that blocked every signal (GLib, Mesa) would otherwise leave a fault in
 * the thread to kill the process with no snapshot.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "collector.h"
#include "sigsafe.h"
#include "signal_mask.h"
#include "track_table.h"

#define ALTSTACK_SIZE (128u << 10)
#define GUARD 4096u

typedef int (*pthread_create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *),
                                 void *);

static pthread_key_t stack_key;
static pthread_key_t track_key; /* value: thread-table slot + 1 */
static pthread_once_t key_once = PTHREAD_ONCE_INIT;

/* Installs a fresh stack unless the thread has a usable one (set by the
 * application, ASan, or an earlier call).  Returns the mapping or NULL.
 * Async-signal-safe (mmap and sigaltstack are system calls). */
static void *altstack_new(void)
{
    stack_t old, ss;
    if (sigaltstack(NULL, &old) == 0 && !(old.ss_flags & SS_DISABLE) &&
        old.ss_size >= 32768)
        return NULL;
    void *p = ss_map(ALTSTACK_SIZE + GUARD, 1);
    if (!p)
        return NULL;
    mprotect(p, GUARD, PROT_NONE);
    ss.ss_sp = (char *)p + GUARD;
    ss.ss_size = ALTSTACK_SIZE;
    ss.ss_flags = 0;
    if (sigaltstack(&ss, NULL) != 0) {
        ss_unmap(p, ALTSTACK_SIZE + GUARD);
        return NULL;
    }
    return p;
}

int altstack_install_current(void)
{
    altstack_new();
    return 0;
}

static void release_stack(void *p)
{
    stack_t ss = { .ss_flags = SS_DISABLE };
    sigaltstack(&ss, NULL);
    ss_unmap(p, ALTSTACK_SIZE + GUARD);
}

/* The thread exits other than by returning from its start routine. */
static void release_track_slot(void *p)
{
    track_thread_release((int)(uintptr_t)p - 1);
}

static void make_key(void)
{
    pthread_key_create(&stack_key, release_stack);
    pthread_key_create(&track_key, release_track_slot);
}

struct start {
    void *(*fn)(void *);
    void *arg;
    int altstack;   /* bbx was initialised: give the thread a stack and keep
                       the fault signals deliverable */
    int track_slot; /* thread-table slot, -1 when not tracked */
};

static void *trampoline(void *p)
{
    struct start s = *(struct start *)p;
    free(p);
    /* first, so that a snapshot taken meanwhile already joins the origin
     * to this thread */
    if (s.track_slot >= 0)
        track_thread_started(s.track_slot, ss_gettid());
    if (s.altstack) {
        sigmask_keep_deliverable();
        void *stack = altstack_new();
        if (stack)
            pthread_setspecific(stack_key, stack);
    }
    if (s.track_slot < 0)
        return s.fn(s.arg);
    pthread_setspecific(track_key, (void *)(uintptr_t)(s.track_slot + 1));
    void *ret = s.fn(s.arg);
    pthread_setspecific(track_key, NULL);
    track_thread_release(s.track_slot);
    return ret;
}

static pthread_create_fn real_create(void)
{
    static _Atomic(pthread_create_fn) real;
    pthread_create_fn f = atomic_load(&real);
    if (!f) {
        f = (pthread_create_fn)dlsym(RTLD_NEXT, "pthread_create");
        atomic_store(&real, f);
    }
    return f;
}

BBX_API int pthread_create(pthread_t *thread, const pthread_attr_t *attr,
                           void *(*fn)(void *), void *arg)
{
    pthread_create_fn real = real_create();
    struct start *s;
    if (!real)
        return EAGAIN;
    int altstack = atomic_load(&bbx_g.initialized);
    int track = track_threads_on() && !bbx_busy;
    if (!altstack && !track)
        return real(thread, attr, fn, arg);
    bbx_busy++; /* bbx's own block: heap tracking does not sample it */
    s = malloc(sizeof(*s));
    bbx_busy--;
    if (!s)
        return real(thread, attr, fn, arg);
    pthread_once(&key_once, make_key);
    s->fn = fn;
    s->arg = arg;
    s->altstack = altstack;
    s->track_slot = track ? track_thread_claim(fn, (uintptr_t)__builtin_return_address(0)) : -1;
    int rc = real(thread, attr, trampoline, s);
    if (rc != 0) {
        track_thread_release(s->track_slot);
        free(s);
    }
    return rc;
}
