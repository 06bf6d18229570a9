/*
 * thread_capture.c - every thread's stack, without ptrace, without
 * disturbing the program.
 *
 * The capturing thread lists /proc/self/task and, for every other thread,
 * picks the way to its stack that the thread cannot notice:
 *  - inside a blocking call bbx wraps (blocking_calls.h): unwound here from
 *    the registers the wrapper saved on the way in (SNAP_METHOD_CALL);
 *  - blocked in any other system call: unwound here from the stack and
 *    instruction pointers the kernel reports in /proc/self/task/TID/syscall
 *    (SNAP_METHOD_KERNEL; may stop early where a frame needs a register the
 *    kernel does not report), except a wait in pthread_mutex_lock() on a
 *    mutex that is not priority-inheriting (mutex_wait_retried()): glibc
 *    waits again after a signal handler, so that thread is asked like a
 *    running one and unwinds itself whole;
 *  - running: asked with the thread signal (bbx_g.thread_signal, sent by
 *    tgkill) and it unwinds itself in its handler, into its own slot of
 *    memory reserved at init, and reports back through a futex
 *    (SNAP_METHOD_SIGNAL).  A signal only reaches a thread in user space or
 *    on its way into a wrapped call (which waits for it), so no system call
 *    of the program returns early or with EINTR.
 * Threads that block the thread signal are never sent it (it would stay
 * pending, for a signalfd or sigwait to read); zombies and stopped threads
 * are not asked.  They get a record with what the kernel knows.  A blocked
 * thread whose context-switch counts have not moved since the previous
 * snapshot has not run since: its stack is reused, not unwound again.
 *
 * The thread signal is a real-time signal nobody else handles, chosen at
 * init (BBX_THREAD_SIGNAL fixes it), and checked at every capture: if the
 * program has installed its own handler there since, bbx moves to another
 * free one (or, fixed, signals nobody).
 *
 * A thread blocked in futex() on a glibc pthread mutex gets the mutex's
 * address and its owner's tid (mutex_owner()), so the analyzer can follow
 * who waits for whom.
 *
 * Requests carry a sequence number, so an answer that comes after its
 * request was abandoned is ignored.  A slot whose thread was caught
 * mid-answer when abandoned is never used again.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "blocking_calls.h"
#include "collector.h"
#include "safe_mem.h"
#include "sigsafe.h"
#include "snap_format.h"

enum { PH_IDLE = 0, PH_ASKED = 1, PH_RUNNING = 2, PH_DONE = 3 };
enum { ASK_STACK = 1, ASK_RUN = 2 };

struct slot {
    _Atomic uint64_t ticket; /* seq << 8 | phase */
    _Atomic pid_t tid;       /* who is asked */
    unsigned n_frames;
    int truncated;
    int crash_signal;
    int stuck;               /* abandoned mid-answer: never reuse */
    unsigned n_regs;
    uint64_t regs[SNAP_X86_64_REG_COUNT];
    /* filled by the capturing thread */
    int method;              /* SNAP_METHOD_* */
    int have_stack;          /* frames from the CALL or KERNEL method */
    int reused;
    struct call_slot *call;  /* the thread's call slot, when asked */
    int64_t sys_nr;          /* /proc/self/task/TID/syscall */
    uint64_t sys_sp, sys_pc;
    uint64_t sys_arg[3];     /* its first three arguments (futex: uaddr, op, val) */
    int sys_blocked;         /* blocked in a system call (sp, pc valid) */
    int sys_read;            /* the syscall file was read */
    uint32_t call_seq;       /* CALL method: the call's sequence number */
    int whole_reuse;         /* name, state, wchan too: nothing was read */
    int mutex_wait;          /* blocked in a pthread mutex, asked anyway */
    char wchan[64];
};

/* The stacks of the previous snapshot, for threads that have not run
 * since (hashed by tid). */
struct reuse_entry {
    pid_t tid;
    int method;
    uint64_t nvcsw, nivcsw, sp, pc;
    unsigned n_frames;
    int truncated;
    /* for a thread inside a wrapped call: the call (its slot's sequence)
     * and what /proc said, so that a thread still in the same call costs
     * no /proc read at all */
    uint32_t call_seq;
    char name[64];
    char state;
    char wchan[64];
    int has_sys;
    int64_t sys_nr;
    uint64_t sys_pc;
};
static struct reuse_entry *reuse;
static uintptr_t *reuse_frames;
static unsigned reuse_cap;

static struct slot *slots;       /* max_threads */
static uintptr_t *slot_frames;   /* max_threads * max_frames */
static _Atomic unsigned n_slots; /* slots in use by the current request */
static _Atomic uint32_t answered;/* futex word, bumped by each answer */
static int ask_kind;
static void (*ask_fn)(void); /* ASK_RUN: what each thread runs */
static uint64_t ask_seq;

static struct sigaction old_sa;
static int installed;

static void futex_wake(_Atomic uint32_t *w)
{
    syscall(SYS_futex, (uint32_t *)w, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void futex_wait_us(_Atomic uint32_t *w, uint32_t val, uint64_t us)
{
    struct timespec ts = { (time_t)(us / 1000000), (long)(us % 1000000) * 1000 };
    syscall(SYS_futex, (uint32_t *)w, FUTEX_WAIT_PRIVATE, val, &ts, NULL, 0);
}

static uintptr_t *frames_of(unsigned i)
{
    return slot_frames + (size_t)i * bbx_g.cfg.max_frames;
}

static void answer_stack(unsigned i, const ucontext_t *uc, pid_t self)
{
    struct slot *sl = &slots[i];
    sl->crash_signal = 0;
    for (unsigned k = 0; k < BBX_MAX_PENDING_CRASHES; k++) {
        if (atomic_load(&bbx_g.pending[k].tid) == self && bbx_g.pending[k].uc) {
            uc = bbx_g.pending[k].uc; /* it crashed too: show where */
            sl->crash_signal = bbx_g.pending[k].signal;
            break;
        }
    }
    sl->n_frames = unwind_context(uc, frames_of(i), bbx_g.cfg.max_frames, &sl->truncated);
    sl->n_regs = unwind_regs(uc, sl->regs);
}

static void thread_signal_handler(int sig, siginfo_t *si, void *ctx)
{
    int saved_errno = errno;
    pid_t self = ss_gettid();
    unsigned n = atomic_load(&n_slots);
    if (si->si_code == SI_TKILL && si->si_pid == getpid()) {
        for (unsigned i = 0; i < n; i++) {
            struct slot *sl = &slots[i];
            uint64_t t = atomic_load(&sl->ticket);
            if (atomic_load(&sl->tid) != self || (t & 0xff) != PH_ASKED)
                continue;
            uint64_t base = t & ~(uint64_t)0xff;
            if (!atomic_compare_exchange_strong(&sl->ticket, &t, base | PH_RUNNING))
                break;
            if (ask_kind == ASK_RUN && ask_fn)
                ask_fn();
            else
                answer_stack(i, ctx, self);
            atomic_store(&sl->ticket, base | PH_DONE);
            atomic_fetch_add(&answered, 1);
            futex_wake(&answered);
            break;
        }
        calls_answered_self(); /* a wrapped call may go on now */
    }
    errno = saved_errno;
}

/* A real-time signal nobody handles or ignores, that is not the on-demand
 * snapshot signal, and (if `unblocked`) not blocked in this thread. */
static int signal_free(int sig, int unblocked)
{
    struct sigaction cur;
    sigset_t mask;
    if (sig == bbx_g.cfg.snapshot_signal || sigaction(sig, NULL, &cur) != 0)
        return 0;
    if ((cur.sa_flags & SA_SIGINFO) || cur.sa_handler != SIG_DFL)
        return 0;
    return !unblocked ||
           (ss_sigmask(SIG_BLOCK, NULL, &mask) == 0 && sigismember(&mask, sig) != 1);
}

static int signal_ours(int sig)
{
    struct sigaction cur;
    return sigaction(sig, NULL, &cur) == 0 && (cur.sa_flags & SA_SIGINFO) &&
           cur.sa_sigaction == thread_signal_handler;
}

/* Install the handler on bbx_g.thread_signal, or when it is 0 on the
 * first free signal from SIGRTMAX-3 down.  Async-signal-safe. */
static int install_on(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = thread_signal_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(sig, &sa, &old_sa) != 0)
        return BBX_ESIGNAL;
    bbx_g.thread_signal = sig;
    installed = 1;
    return 0;
}

/* A program that reads every real-time signal through a signalfd blocks
 * them all: then one that is blocked here is taken (threads that block it
 * are never sent it). */
static int pick_and_install(void)
{
    for (int unblocked = 1; unblocked >= 0; unblocked--) {
        for (int sig = SIGRTMAX - 3; sig >= SIGRTMIN; sig--)
            if (signal_free(sig, unblocked))
                return install_on(sig);
        for (int sig = SIGRTMAX; sig > SIGRTMAX - 3; sig--)
            if (signal_free(sig, unblocked))
                return install_on(sig);
    }
    return BBX_ESIGNAL;
}

/* At each capture: is the thread signal still ours?  If the program took
 * it since, move to another free one (unless BBX_THREAD_SIGNAL fixed it).
 * Returns 1 when threads may be signalled. */
static int signal_usable(void)
{
    if (!installed)
        return 0;
    if (signal_ours(bbx_g.thread_signal))
        return 1;
    if (bbx_g.thread_signal_fixed)
        return 0;
    installed = 0; /* the program's handler stays where it is */
    return pick_and_install() == 0;
}

int thread_capture_install(void)
{
    size_t nf = (size_t)bbx_g.cfg.max_threads * bbx_g.cfg.max_frames * sizeof(uintptr_t);
    reuse_cap = 64;
    while (reuse_cap < bbx_g.cfg.max_threads)
        reuse_cap *= 2;
    slots = ss_map(bbx_g.cfg.max_threads * sizeof(struct slot), 0);
    slot_frames = ss_map(nf, 0);
    reuse = ss_map(reuse_cap * sizeof(*reuse), 1);
    reuse_frames = ss_map((size_t)reuse_cap * bbx_g.cfg.max_frames * sizeof(uintptr_t), 1);
    if (!slots || !slot_frames || !reuse || !reuse_frames) {
        thread_capture_uninstall();
        return BBX_ENOMEM;
    }
    int rc;
    if (bbx_g.thread_signal_fixed)
        rc = signal_free(bbx_g.thread_signal, 0) ? install_on(bbx_g.thread_signal) : BBX_ESIGNAL;
    else
        rc = pick_and_install();
    if (rc != 0) {
        thread_capture_uninstall();
        return rc;
    }
    return 0;
}

void thread_capture_uninstall(void)
{
    if (installed && signal_ours(bbx_g.thread_signal))
        sigaction(bbx_g.thread_signal, &old_sa, NULL);
    installed = 0;
    atomic_store(&n_slots, 0);
    ss_unmap(slots, bbx_g.cfg.max_threads * sizeof(struct slot));
    ss_unmap(slot_frames, (size_t)bbx_g.cfg.max_threads * bbx_g.cfg.max_frames * sizeof(uintptr_t));
    ss_unmap(reuse, reuse_cap * sizeof(*reuse));
    ss_unmap(reuse_frames, (size_t)reuse_cap * bbx_g.cfg.max_frames * sizeof(uintptr_t));
    slots = NULL;
    slot_frames = NULL;
    reuse = NULL;
    reuse_frames = NULL;
}

/* Is signal `sig` set in a /proc status mask ("SigBlk:\t<hex>", most
 * significant digit first, bit n-1 for signal n)? */
static int mask_has(const char *hex, size_t digits, int sig)
{
    int bit = sig - 1;
    if ((size_t)(bit / 4) >= digits)
        return 0;
    char c = hex[digits - 1 - (size_t)(bit / 4)];
    int d = (c >= 'a') ? c - 'a' + 10 : c - '0';
    return (d >> (bit % 4)) & 1;
}

/* Name, state, and whether the capture signal is blocked and pending. */
static void read_task_status(pid_t tid, struct task_info *ti)
{
    char path[64];
    int blocked = 0, pending = 0;
    ss_buf p = ss_buf_of(path, sizeof(path));
    ss_puts(&p, "/proc/self/task/");
    ss_putu(&p, (uint64_t)tid);
    ss_puts(&p, "/status");
    memset(ti, 0, sizeof(*ti));
    if (ss_read_file(AT_FDCWD, path, bbx_g.iobuf2, 4096) <= 0)
        return;
    for (const char *s = bbx_g.iobuf2; s && *s;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        if (len > 6 && memcmp(s, "Name:\t", 6) == 0) {
            ss_buf b = ss_buf_of(ti->name, sizeof(ti->name));
            ss_putn(&b, s + 6, len - 6);
        } else if (len > 7 && memcmp(s, "State:\t", 7) == 0) {
            ti->state = s[7];
        } else if (len > 8 && memcmp(s, "SigBlk:\t", 8) == 0) {
            blocked = mask_has(s + 8, len - 8, bbx_g.thread_signal);
        } else if (len > 8 && memcmp(s, "SigPnd:\t", 8) == 0) {
            pending = mask_has(s + 8, len - 8, bbx_g.thread_signal);
        } else if (len > 25 && memcmp(s, "voluntary_ctxt_switches:\t", 25) == 0) {
            const char *v = s + 25;
            ti->nvcsw = ss_parse_u64(&v, 10);
        } else if (len > 28 && memcmp(s, "nonvoluntary_ctxt_switches:\t", 28) == 0) {
            const char *v = s + 28;
            ti->nivcsw = ss_parse_u64(&v, 10);
        }
        s = nl ? nl + 1 : NULL;
    }
    ti->blocks_signal = blocked;
    ti->signal_pending = pending;
}

/* Read /proc/self/task/TID/syscall into the slot: "running", or
 * "nr a1 a2 a3 a4 a5 a6 sp pc" for a thread blocked in a system call, or
 * "-1 sp pc" for one blocked elsewhere in the kernel. */
static void read_syscall(pid_t tid, struct slot *sl)
{
    char path[64];
    ss_buf p = ss_buf_of(path, sizeof(path));
    ss_puts(&p, "/proc/self/task/");
    ss_putu(&p, (uint64_t)tid);
    ss_puts(&p, "/syscall");
    sl->sys_read = 0;
    sl->sys_blocked = 0;
    if (ss_read_file(AT_FDCWD, path, bbx_g.iobuf2, 512) <= 0)
        return;
    sl->sys_read = 1;
    const char *s = bbx_g.iobuf2;
    if (*s == 'r')
        return; /* running */
    int neg = *s == '-';
    s += neg;
    int64_t nr = (int64_t)ss_parse_u64(&s, 10);
    sl->sys_nr = neg ? -nr : nr;
    for (unsigned k = 0; k < 3; k++) { /* " 0x..." each; absent for "-1 sp pc" */
        sl->sys_arg[k] = 0;
        if (!neg && s[0] == ' ' && s[1] == '0' && s[2] == 'x') {
            s += 3;
            sl->sys_arg[k] = ss_parse_u64(&s, 16);
        }
    }
    /* the last two fields are sp and pc */
    const char *last = strrchr(bbx_g.iobuf2, ' ');
    if (!last || last == bbx_g.iobuf2)
        return;
    const char *prev = last - 1;
    while (prev > bbx_g.iobuf2 && *prev != ' ')
        prev--;
    if (prev[1] != '0' || prev[2] != 'x' || last[1] != '0' || last[2] != 'x')
        return;
    const char *h = prev + 3;
    sl->sys_sp = ss_parse_u64(&h, 16);
    h = last + 3;
    sl->sys_pc = ss_parse_u64(&h, 16);
    sl->sys_blocked = sl->sys_pc != 0;
}

/* Unwind from a partial register set (the others read as 0: a frame that
 * needs one stops the walk). */
static unsigned unwind_partial(const uint64_t *regs, unsigned n_regs, uintptr_t *pcs,
                               int *truncated)
{
    static const int order[CALL_REGS] = { REG_RIP, REG_RSP, REG_RBP, REG_RBX,
                                          REG_R12, REG_R13, REG_R14, REG_R15 };
    ucontext_t uc;
    memset(&uc, 0, sizeof(uc));
    for (unsigned i = 0; i < n_regs && i < CALL_REGS; i++)
        uc.uc_mcontext.gregs[order[i]] = (greg_t)regs[i];
    return unwind_context(&uc, pcs, bbx_g.cfg.max_frames, truncated);
}

static struct reuse_entry *reuse_of(pid_t tid)
{
    return reuse ? &reuse[((uint32_t)tid * 2654435761u) & (reuse_cap - 1)] : NULL;
}

/* The previous snapshot's stack, when the thread has not run since. */
static int try_reuse(unsigned i, const struct task_info *t, int method, uint64_t sp,
                     uint64_t pc)
{
    struct slot *sl = &slots[i];
    struct reuse_entry *e = reuse_of(atomic_load(&sl->tid));
    if (!e || e->tid != atomic_load(&sl->tid) || e->method != method || e->nvcsw != t->nvcsw ||
        e->nivcsw != t->nivcsw || e->sp != sp || e->pc != pc || !e->n_frames)
        return 0;
    memcpy(frames_of(i), reuse_frames + (size_t)(e - reuse) * bbx_g.cfg.max_frames,
           e->n_frames * sizeof(uintptr_t));
    sl->n_frames = e->n_frames;
    sl->truncated = e->truncated;
    sl->reused = 1;
    return 1;
}

static void remember(unsigned i, const struct task_info *t, int method, uint64_t sp,
                     uint64_t pc)
{
    struct slot *sl = &slots[i];
    struct reuse_entry *e = reuse_of(atomic_load(&sl->tid));
    if (!e)
        return;
    e->tid = atomic_load(&sl->tid);
    e->method = method;
    e->nvcsw = t->nvcsw;
    e->nivcsw = t->nivcsw;
    e->sp = sp;
    e->pc = pc;
    e->n_frames = sl->n_frames;
    e->truncated = sl->truncated;
    e->call_seq = method == SNAP_METHOD_CALL ? sl->call_seq : 0;
    memcpy(e->name, t->name, sizeof(e->name));
    e->state = t->state;
    e->wchan[0] = '\0';
    e->has_sys = 0;
    memcpy(reuse_frames + (size_t)(e - reuse) * bbx_g.cfg.max_frames, frames_of(i),
           sl->n_frames * sizeof(uintptr_t));
}

/* A thread still inside the same wrapped call as at the previous snapshot
 * has not returned from it: its stack, name and state are those recorded
 * then, and nothing needs to be read.  (A name another thread gave it
 * meanwhile shows once it has left the call.) */
static int reuse_whole(unsigned i, pid_t tid, struct task_info *t)
{
    struct slot *sl = &slots[i];
    struct reuse_entry *e = reuse_of(tid);
    struct call_slot *cs;
    uint64_t regs[CALL_REGS];
    const char *call;
    uint32_t seq;
    if (!e || e->tid != tid || e->method != SNAP_METHOD_CALL || !e->n_frames ||
        !(cs = calls_find(tid)) || !(seq = calls_copy(cs, regs, &call)) || seq != e->call_seq)
        return 0;
    memset(t, 0, sizeof(*t));
    memcpy(t->name, e->name, sizeof(t->name));
    t->state = e->state;
    t->nvcsw = e->nvcsw;
    t->nivcsw = e->nivcsw;
    memcpy(frames_of(i), reuse_frames + (size_t)(e - reuse) * bbx_g.cfg.max_frames,
           e->n_frames * sizeof(uintptr_t));
    sl->n_frames = e->n_frames;
    sl->truncated = e->truncated;
    sl->method = SNAP_METHOD_CALL;
    sl->call_seq = seq;
    sl->reused = 1;
    sl->whole_reuse = 1;
    sl->have_stack = 1;
    sl->sys_read = e->has_sys;
    sl->sys_blocked = e->has_sys;
    sl->sys_nr = e->sys_nr;
    sl->sys_pc = e->sys_pc;
    memcpy(sl->wchan, e->wchan, sizeof(sl->wchan));
    return 1;
}

static uint64_t mutex_owner(pid_t waiter, uint64_t uaddr, uint64_t op, uint64_t val,
                            int *pi);

/* A thread blocked in futex() inside pthread_mutex_lock() on a mutex that is
 * not priority-inheriting: glibc's lock loop waits again after a signal
 * handler ran (FUTEX_WAIT has no result the program sees), so the thread
 * may be asked with the thread signal and unwind itself whole, where the
 * kernel's sp and pc alone stop at the first frame that needs a register.
 * The owner test is mutex_owner()'s. */
static int mutex_wait_retried(pid_t tid, const struct slot *sl)
{
    int pi = 0;
    return sl->sys_nr == SYS_futex &&
           mutex_owner(tid, sl->sys_arg[0], sl->sys_arg[1], sl->sys_arg[2], &pi) != 0 && !pi;
}

/* A thread that is not signalled: from the registers its wrapped call
 * saved, else from the kernel's sp and pc.  Runs on the capturing
 * thread.  Returns 1 when a stack was taken. */
static int stack_without_signal(unsigned i, const struct task_info *t)
{
    struct slot *sl = &slots[i];
    pid_t tid = atomic_load(&sl->tid);
    sl->crash_signal = 0;
    sl->n_regs = 0;
    /* It crashed too and waits in bbx's handler: where it crashed. */
    for (unsigned k = 0; k < BBX_MAX_PENDING_CRASHES; k++) {
        ucontext_t uc;
        if (atomic_load(&bbx_g.pending[k].tid) != tid || !bbx_g.pending[k].uc ||
            safe_mem_read(&uc, (uintptr_t)bbx_g.pending[k].uc, sizeof(uc)) != 0)
            continue;
        sl->method = SNAP_METHOD_CRASH;
        sl->crash_signal = bbx_g.pending[k].signal;
        sl->n_frames = unwind_context(&uc, frames_of(i), bbx_g.cfg.max_frames, &sl->truncated);
        sl->n_regs = unwind_regs(&uc, sl->regs);
        sl->have_stack = 1;
        return 1;
    }
    struct call_slot *cs = calls_find(tid);
    uint64_t regs[CALL_REGS];
    const char *call;
    uint32_t seq = cs ? calls_copy(cs, regs, &call) : 0;
    if (seq) {
        sl->method = SNAP_METHOD_CALL;
        sl->call_seq = seq;
        if (!try_reuse(i, t, SNAP_METHOD_CALL, regs[1], regs[0])) {
            sl->n_frames = unwind_partial(regs, CALL_REGS, frames_of(i), &sl->truncated);
            if (!calls_unchanged(cs, seq))
                return 0; /* it left the call while we read: not this way */
            remember(i, t, SNAP_METHOD_CALL, regs[1], regs[0]);
        }
        sl->have_stack = 1;
        return 1;
    }
    if (!sl->sys_blocked)
        return 0;
    if (!t->blocks_signal && mutex_wait_retried(tid, sl)) {
        char path[64];
        ss_buf p = ss_buf_of(path, sizeof(path));
        ss_puts(&p, "/proc/self/task/");
        ss_putu(&p, (uint64_t)tid);
        ss_puts(&p, "/wchan");
        sl->wchan[0] = '\0';
        if (ss_read_file(AT_FDCWD, path, sl->wchan, sizeof(sl->wchan)) <= 0 || sl->wchan[0] == '0')
            sl->wchan[0] = '\0';
        sl->mutex_wait = 1;
        return 0; /* ask it: it unwinds itself whole, and waits again */
    }
    sl->method = SNAP_METHOD_KERNEL;
    if (!try_reuse(i, t, SNAP_METHOD_KERNEL, sl->sys_sp, sl->sys_pc)) {
        uint64_t kr[2] = { sl->sys_pc, sl->sys_sp };
        uint64_t sp = sl->sys_sp, pc = sl->sys_pc;
        sl->n_frames = unwind_partial(kr, 2, frames_of(i), &sl->truncated);
        read_syscall(tid, sl); /* still blocked at the same place? */
        if (!sl->sys_blocked || sl->sys_sp != sp || sl->sys_pc != pc) {
            sl->sys_blocked = 1;
            sl->sys_sp = sp;
            sl->sys_pc = pc;
            sl->n_frames = sl->n_frames ? 1 : 0; /* only the pc is sure */
        } else {
            remember(i, t, SNAP_METHOD_KERNEL, sp, pc);
        }
    }
    sl->have_stack = 1;
    return 1;
}

/* Publish a request of `kind` to every listed thread but `self` and signal
 * those that may be signalled.  Returns the number of slots used;
 * slots[i].tid says who. */
static unsigned ask_all(pid_t self, unsigned n_tids, int kind)
{
    unsigned n = 0;
    uint64_t seq = ++ask_seq;
    int may_signal = signal_usable();
    ask_kind = kind;
    atomic_store(&n_slots, 0);
    for (unsigned i = 0; i < n_tids && n < bbx_g.cfg.max_threads; i++) {
        if (bbx_g.tids[i] == self)
            continue;
        while (n < bbx_g.cfg.max_threads && slots[n].stuck)
            n++;
        if (n == bbx_g.cfg.max_threads)
            break;
        struct slot *sl = &slots[n];
        pid_t tid = bbx_g.tids[i];
        struct task_info *t = &bbx_g.tinfo[n];
        int ask = may_signal;
        sl->method = SNAP_METHOD_SIGNAL;
        sl->have_stack = 0;
        sl->reused = 0;
        sl->call = NULL;
        sl->sys_read = 0;
        sl->sys_blocked = 0;
        sl->n_frames = 0;
        sl->truncated = 0;
        sl->whole_reuse = 0;
        sl->mutex_wait = 0;
        atomic_store(&sl->tid, tid);
        atomic_store(&sl->ticket, seq << 8 | PH_IDLE);
        if (kind == ASK_STACK && reuse_whole(n, tid, t)) {
            n++;
            continue;
        }
        read_task_status(tid, t);
        if (kind == ASK_STACK) {
            /* zombies and stopped threads cannot answer; threads that block
             * the signal would keep it pending (for a signalfd to read) */
            int alive = t->state && !strchr("ZXTt", t->state);
            if (alive) {
                read_syscall(tid, sl);
                if (stack_without_signal(n, t))
                    alive = 0;
            }
            ask = ask && alive && !t->blocks_signal;
            if (ask && (sl->call = calls_find(tid)) != NULL && !calls_ask(sl->call)) {
                /* it entered a wrapped call since: unwind it from there */
                sl->call = NULL;
                ask = !stack_without_signal(n, t);
            }
        } else {
            ask = ask && !t->blocks_signal;
        }
        n++;
        if (!ask)
            continue;
        /* Sent at once: the fewer microseconds between seeing the thread
         * run and the signal, the smaller the chance that it has entered a
         * blocking call bbx does not wrap meanwhile. */
        atomic_store(&sl->ticket, seq << 8 | PH_ASKED);
        atomic_store(&n_slots, n);
        if (syscall(SYS_tgkill, bbx_g.pid, tid, bbx_g.thread_signal) != 0) {
            atomic_store(&sl->ticket, seq << 8 | PH_IDLE); /* gone */
            if (sl->call)
                calls_unask(sl->call);
        }
    }
    atomic_store(&n_slots, n);
    return n;
}

/* Stop waiting for slot i; returns 1 if it answered. */
static int settle(unsigned i)
{
    struct slot *sl = &slots[i];
    uint64_t t = atomic_load(&sl->ticket);
    if ((t & 0xff) == PH_DONE)
        return 1;
    if ((t & 0xff) == PH_IDLE)
        return 0;
    uint64_t asked = (t & ~(uint64_t)0xff) | PH_ASKED;
    if ((t & 0xff) == PH_ASKED &&
        atomic_compare_exchange_strong(&sl->ticket, &asked, (t & ~(uint64_t)0xff) | PH_IDLE)) {
        /* the signal may still come; a wrapped call need not wait for it */
        if (sl->call)
            calls_unask(sl->call);
        return 0;
    }
    /* it is answering right now: a last, bounded while */
    uint64_t start = ss_mono_us();
    while (ss_mono_us() - start < 200000) {
        if ((atomic_load(&sl->ticket) & 0xff) == PH_DONE)
            return 1;
        uint32_t a = atomic_load(&answered);
        futex_wait_us(&answered, a, 1000);
    }
    if ((atomic_load(&sl->ticket) & 0xff) == PH_DONE)
        return 1;
    sl->stuck = 1;
    return 0;
}

/* Wait until no slot is asked or running, or the deadline. */
static void wait_answers(unsigned n, uint64_t deadline_us)
{
    for (;;) {
        uint32_t a = atomic_load(&answered);
        unsigned pending = 0;
        for (unsigned i = 0; i < n; i++) {
            uint64_t ph = atomic_load(&slots[i].ticket) & 0xff;
            pending += !slots[i].stuck && (ph == PH_ASKED || ph == PH_RUNNING);
        }
        uint64_t now = ss_mono_us();
        if (!pending || now >= deadline_us)
            return;
        uint64_t left = deadline_us - now;
        futex_wait_us(&answered, a, left < 2000 ? left : 2000);
    }
}

static unsigned listed; /* thread ids in bbx_g.tids for the capture in progress */

static int tid_listed(uint64_t tid)
{
    for (unsigned i = 0; i < listed; i++)
        if ((uint64_t)bbx_g.tids[i] == tid)
            return 1;
    return 0;
}

/* glibc's x86_64 pthread_mutex_t (struct __pthread_mutex_s): what a waiter
 * can be checked against. */
struct glibc_mutex {
    int32_t lock;    /* the futex word */
    uint32_t count;  /* recursion depth */
    int32_t owner;   /* tid of the holder */
    uint32_t nusers;
    int32_t kind;    /* type (2 bits) and flags */
    int32_t spins;
    uint64_t prev, next; /* robust mutexes only: the owner's list, else 0 */
};
#define MUTEX_KIND_ROBUST 16
#define MUTEX_KIND_PI 32
#define MUTEX_KIND_FLAGS (3 | MUTEX_KIND_ROBUST | MUTEX_KIND_PI | 64 | 128 | 256 | 512)
#define MUTEX_CEILING_MASK 0xfff80000u /* a priority-protect mutex's ceiling */
#ifndef FUTEX_LOCK_PI2
#define FUTEX_LOCK_PI2 13
#endif

/* Is the thread `waiter`, blocked in futex(uaddr, op, val), waiting for a
 * pthread mutex?  Then the mutex's owner (a tid of this process other than
 * the waiter), else 0.  Condition variables, semaphores, barriers and
 * locks that keep no owner (GMutex) are told apart by the call (glibc's
 * mutexes wait with FUTEX_WAIT for the value 2, or FUTEX_LOCK_PI) and by
 * the 40 bytes from the futex word, which must read as a held mutex (a
 * valid kind, users, no robust list unless robust). */
static uint64_t mutex_owner(pid_t waiter, uint64_t uaddr, uint64_t op, uint64_t val,
                            int *pi)
{
    struct glibc_mutex m;
    int cmd = (int)(op & FUTEX_CMD_MASK);
    uint64_t owner;
    if (uaddr == 0 || uaddr % 8 != 0 || safe_mem_read(&m, uaddr, sizeof(m)) != 0 ||
        ((uint32_t)m.kind & ~(uint32_t)MUTEX_KIND_FLAGS) != 0 || m.nusers == 0)
        return 0;
    *pi = cmd == FUTEX_LOCK_PI || cmd == FUTEX_LOCK_PI2;
    if (*pi) {
        if (!(m.kind & MUTEX_KIND_PI))
            return 0;
        owner = (uint32_t)m.lock & FUTEX_TID_MASK;
    } else if (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET) {
        if (m.kind & MUTEX_KIND_PI)
            return 0;
        owner = (uint64_t)(uint32_t)m.owner;
        if (!(m.kind & MUTEX_KIND_ROBUST) && (m.prev || m.next))
            return 0; /* an 8-byte lock (GMutex) followed by something else */
        if (m.kind & MUTEX_KIND_ROBUST) {
            if (((uint32_t)val & FUTEX_TID_MASK) != owner)
                return 0;
        } else if (((uint32_t)val & ~MUTEX_CEILING_MASK) != 2) {
            return 0; /* not a mutex's "locked, with waiters" */
        }
    } else {
        return 0;
    }
    if (owner == 0 || owner == (uint64_t)waiter || !tid_listed(owner))
        return 0;
    return owner;
}

/* The mutex a thread blocked in futex() waits for, and who holds it. */
static void write_lock(snap_writer *w, pid_t tid, const struct slot *sl)
{
    int pi = 0;
    uint64_t owner;
    if (sl->whole_reuse || sl->sys_nr != SYS_futex)
        return;
    owner = mutex_owner(tid, sl->sys_arg[0], sl->sys_arg[1], sl->sys_arg[2], &pi);
    if (!owner)
        return;
    snap_put_u64(w, SNAP_THR_LOCK_ADDR, sl->sys_arg[0]);
    snap_put_u64(w, SNAP_THR_LOCK_OWNER, owner);
    snap_put_u64(w, SNAP_THR_LOCK_KIND, pi ? SNAP_LOCK_MUTEX_PI : SNAP_LOCK_MUTEX);
}

/* What the kernel says about a thread: wait channel, system call and the
 * user pc it reported. */
static void write_kernel_view(snap_writer *w, pid_t tid, const struct slot *sl)
{
    char path[64];
    if (sl->whole_reuse || sl->mutex_wait) { /* read before: the signal woke it since */
        if (sl->wchan[0])
            snap_put_str(w, SNAP_THR_WCHAN, sl->wchan);
    } else {
        ss_buf p = ss_buf_of(path, sizeof(path));
        ss_puts(&p, "/proc/self/task/");
        ss_putu(&p, (uint64_t)tid);
        ss_puts(&p, "/wchan");
        int have = ss_read_file(AT_FDCWD, path, bbx_g.iobuf2, 256) > 0 && bbx_g.iobuf2[0] != '0';
        if (have)
            snap_put_str(w, SNAP_THR_WCHAN, bbx_g.iobuf2);
        /* kept for reuse_whole() */
        struct reuse_entry *e = reuse_of(tid);
        if (sl->method == SNAP_METHOD_CALL && e && e->tid == tid && e->call_seq == sl->call_seq) {
            ss_buf b = ss_buf_of(e->wchan, sizeof(e->wchan));
            if (have)
                ss_puts(&b, bbx_g.iobuf2);
            e->has_sys = sl->sys_read && sl->sys_blocked;
            e->sys_nr = sl->sys_nr;
            e->sys_pc = sl->sys_pc;
        }
    }
    if (sl->sys_read && sl->sys_blocked) {
        snap_put_i64(w, SNAP_THR_SYSCALL, sl->sys_nr);
        snap_put_u64(w, SNAP_THR_KERNEL_PC, sl->sys_pc);
        write_lock(w, tid, sl);
    }
}

static void put_frames(snap_writer *w, const uintptr_t *pcs, unsigned n)
{
    size_t len = 0;
    uintptr_t prev = 0;
    for (unsigned i = 0; i < n; i++) {
        len += snap_varint_put(bbx_g.frame_bytes + len, snap_zigzag((int64_t)(pcs[i] - prev)));
        prev = pcs[i];
    }
    snap_put_bytes(w, SNAP_THR_FRAMES, bbx_g.frame_bytes, len);
}

static void put_regs(snap_writer *w, const uint64_t *regs, unsigned n)
{
    uint8_t b[SNAP_X86_64_REG_COUNT * 10];
    size_t len = 0;
    if (redact_parts() & SNAP_REDACT_REGISTERS)
        return; /* BBX_REDACT=registers */
    for (unsigned i = 0; i < n; i++)
        len += snap_varint_put(b + len, regs[i]);
    snap_put_bytes(w, SNAP_THR_REGS, b, len);
}

static void thread_header(snap_writer *w, pid_t tid, const struct task_info *ti, int status)
{
    snap_rec_begin(w, SNAP_REC_THREAD);
    snap_put_u64(w, SNAP_THR_TID, (uint64_t)tid);
    snap_put_str(w, SNAP_THR_NAME, ti->name);
    if (ti->state)
        snap_put_u64(w, SNAP_THR_STATE, (uint64_t)(unsigned char)ti->state);
    snap_put_u64(w, SNAP_THR_STATUS, (uint64_t)status);
    if (tid == atomic_load(&bbx_g.collector_tid))
        snap_put_u64(w, SNAP_THR_BBX, 1);
}

static void add_task(void *ctx, int listing_fd, uint64_t tid, const char *name)
{
    unsigned *n = ctx;
    if (*n < bbx_g.cfg.max_threads)
        bbx_g.tids[(*n)++] = (pid_t)tid;
    else
        bbx_g.threads_omitted++;
}

/* List thread ids into bbx_g.tids; returns the count. */
static unsigned list_tasks(void)
{
    unsigned n = 0;
    bbx_g.threads_omitted = 0;
    ss_for_each_numbered("/proc/self/task", bbx_g.iobuf, BBX_IOBUF, add_task, &n);
    return n;
}

static unsigned asked;     /* slots of the capture in progress */
static uint64_t asked_at;  /* when they were asked */

void thread_capture_begin(snap_writer *w, const struct capture_trigger *trig,
                          unsigned *n_threads, unsigned *n_unwound)
{
    pid_t self = ss_gettid();
    struct task_info ti;
    uint64_t regs[SNAP_X86_64_REG_COUNT];
    int truncated;

    /* The triggering thread first, unwound from the trigger's context, and
     * on disk before anything else can go wrong. */
    read_task_status(self, &ti);
    unsigned nf = unwind_context(trig->uc, bbx_g.frames, bbx_g.cfg.max_frames, &truncated);
    thread_header(w, self, &ti, SNAP_THREAD_UNWOUND);
    if (trig->kind == SNAP_TRIGGER_CRASH) {
        snap_put_u64(w, SNAP_THR_CRASHED, 1);
        snap_put_u64(w, SNAP_THR_SIGNAL, (uint64_t)trig->signal);
    }
    snap_put_u64(w, SNAP_THR_METHOD, SNAP_METHOD_CRASH);
    put_frames(w, bbx_g.frames, nf);
    put_regs(w, regs, unwind_regs(trig->uc, regs));
    if (truncated)
        snap_put_u64(w, SNAP_THR_TRUNCATED, 1);
    snap_rec_end(w);
    snap_writer_flush(w);
    *n_threads = 1;
    *n_unwound = 1;

    listed = list_tasks();
    asked = ask_all(self, listed, ASK_STACK);
    asked_at = ss_mono_us();
}

void thread_capture_finish(snap_writer *w, uint64_t deadline_us, unsigned *n_threads,
                           unsigned *n_unwound)
{
    unsigned n = asked;
    uint64_t wait_end = asked_at + (uint64_t)bbx_g.cfg.thread_timeout_ms * 1000;
    wait_answers(n, wait_end < deadline_us ? wait_end : deadline_us);

    for (unsigned i = 0; i < n; i++) {
        const struct task_info *t = &bbx_g.tinfo[i];
        struct slot *sl = &slots[i];
        pid_t tid = atomic_load(&sl->tid);
        if (sl->stuck && (atomic_load(&sl->ticket) >> 8) != ask_seq)
            continue; /* a slot lost in an earlier capture */
        int answered_ok = settle(i);
        if (t->state == 0 && !answered_ok)
            continue; /* it exited meanwhile */
        int status = answered_ok || sl->have_stack ? SNAP_THREAD_UNWOUND
                     : t->blocks_signal             ? SNAP_THREAD_BLOCKED
                     : strchr("ZXTt", t->state)     ? SNAP_THREAD_SKIPPED
                                                    : SNAP_THREAD_TIMEOUT;
        thread_header(w, tid, t, status);
        if (answered_ok) {
            if (sl->crash_signal)
                snap_put_u64(w, SNAP_THR_SIGNAL, (uint64_t)sl->crash_signal);
            put_frames(w, frames_of(i), sl->n_frames);
            put_regs(w, sl->regs, sl->n_regs);
            if (sl->truncated)
                snap_put_u64(w, SNAP_THR_TRUNCATED, 1);
            if (sl->mutex_wait)
                write_kernel_view(w, tid, sl); /* asked in its mutex wait */
            (*n_unwound)++;
        } else if (sl->have_stack) {
            snap_put_u64(w, SNAP_THR_METHOD, (uint64_t)sl->method);
            if (sl->reused)
                snap_put_u64(w, SNAP_THR_REUSED, 1);
            if (sl->crash_signal)
                snap_put_u64(w, SNAP_THR_SIGNAL, (uint64_t)sl->crash_signal);
            put_frames(w, frames_of(i), sl->n_frames);
            if (sl->n_regs)
                put_regs(w, sl->regs, sl->n_regs);
            if (sl->truncated)
                snap_put_u64(w, SNAP_THR_TRUNCATED, 1);
            write_kernel_view(w, tid, sl);
            (*n_unwound)++;
        } else {
            if (!sl->sys_read)
                read_syscall(tid, sl);
            write_kernel_view(w, tid, sl);
            if (sl->sys_blocked)
                put_frames(w, (const uintptr_t *)&sl->sys_pc, 1);
            else if (sl->sys_read) /* the kernel says it runs, in user space */
                snap_put_i64(w, SNAP_THR_SYSCALL, -1);
        }
        snap_rec_end(w);
        (*n_threads)++;
    }
    atomic_store(&n_slots, 0);
}

void thread_capture_run_everywhere(void (*fn)(void))
{
    ask_fn = fn;
    unsigned n = ask_all(ss_gettid(), list_tasks(), ASK_RUN);
    wait_answers(n, ss_mono_us() + 200000);
    for (unsigned i = 0; i < n; i++)
        settle(i);
    atomic_store(&n_slots, 0);
}
