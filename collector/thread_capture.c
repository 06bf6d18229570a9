/*
 * thread_capture.c - every thread's stack, without ptrace.
 *
 * The capturing thread lists /proc/self/task and asks every other thread at
 * once with a real-time signal (bbx_g.thread_signal) sent by tgkill().  Each
 * asked thread unwinds itself from the interrupted context in its signal
 * handler, into its own slot of memory reserved at init, and reports back
 * through a futex; meanwhile the capturing thread reads each thread's
 * status.  Threads that block the signal, are zombies or stopped, or do not
 * answer within the bound get a record with what the kernel knows (state,
 * wait channel, the syscall and user pc from /proc/self/task/TID/syscall).
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

#include "collector.h"
#include "sigsafe.h"
#include "snap_format.h"

enum { PH_IDLE = 0, PH_ASKED = 1, PH_RUNNING = 2, PH_DONE = 3 };
enum { ASK_STACK = 1, ASK_ALTSTACK = 2 };

struct slot {
    _Atomic uint64_t ticket; /* seq << 8 | phase */
    _Atomic pid_t tid;       /* who is asked */
    unsigned n_frames;
    int truncated;
    int crash_signal;
    int stuck;               /* abandoned mid-answer: never reuse */
    unsigned n_regs;
    uint64_t regs[SNAP_X86_64_REG_COUNT];
};

static struct slot *slots;       /* max_threads */
static uintptr_t *slot_frames;   /* max_threads * max_frames */
static _Atomic unsigned n_slots; /* slots in use by the current request */
static _Atomic uint32_t answered;/* futex word, bumped by each answer */
static int ask_kind;
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
            if (ask_kind == ASK_ALTSTACK)
                altstack_install_current();
            else
                answer_stack(i, ctx, self);
            atomic_store(&sl->ticket, base | PH_DONE);
            atomic_fetch_add(&answered, 1);
            futex_wake(&answered);
            break;
        }
    }
    errno = saved_errno;
}

int thread_capture_install(void)
{
    struct sigaction sa;
    size_t nf = (size_t)bbx_g.cfg.max_threads * bbx_g.cfg.max_frames * sizeof(uintptr_t);
    slots = mmap(NULL, bbx_g.cfg.max_threads * sizeof(struct slot), PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    slot_frames = mmap(NULL, nf, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (slots == MAP_FAILED || slot_frames == MAP_FAILED) {
        slots = NULL;
        slot_frames = NULL;
        thread_capture_uninstall();
        return BBX_ENOMEM;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = thread_signal_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(bbx_g.thread_signal, &sa, &old_sa) != 0) {
        thread_capture_uninstall();
        return BBX_ESIGNAL;
    }
    installed = 1;
    return 0;
}

void thread_capture_uninstall(void)
{
    if (installed)
        sigaction(bbx_g.thread_signal, &old_sa, NULL);
    installed = 0;
    atomic_store(&n_slots, 0);
    if (slots)
        munmap(slots, bbx_g.cfg.max_threads * sizeof(struct slot));
    if (slot_frames)
        munmap(slot_frames,
               (size_t)bbx_g.cfg.max_threads * bbx_g.cfg.max_frames * sizeof(uintptr_t));
    slots = NULL;
    slot_frames = NULL;
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
        }
        s = nl ? nl + 1 : NULL;
    }
    ti->blocks_signal = blocked;
    ti->signal_pending = pending;
}

/* Publish a request of `kind` to every listed thread but `self` and signal
 * them.  Returns the number of slots used; slots[i].tid says who. */
static unsigned ask_all(pid_t self, unsigned n_tids, int kind)
{
    unsigned n = 0;
    uint64_t seq = ++ask_seq;
    ask_kind = kind;
    atomic_store(&n_slots, 0);
    for (unsigned i = 0; i < n_tids && n < bbx_g.cfg.max_threads; i++) {
        if (bbx_g.tids[i] == self)
            continue;
        while (n < bbx_g.cfg.max_threads && slots[n].stuck)
            n++;
        if (n == bbx_g.cfg.max_threads)
            break;
        int ask = 1;
        if (kind == ASK_STACK) {
            /* the state before we interrupt it; zombies and stopped
             * threads cannot answer */
            struct task_info *t = &bbx_g.tinfo[n];
            read_task_status(bbx_g.tids[i], t);
            ask = t->state && !strchr("ZXTt", t->state);
        }
        atomic_store(&slots[n].tid, bbx_g.tids[i]);
        atomic_store(&slots[n].ticket, seq << 8 | (ask ? PH_ASKED : PH_IDLE));
        n++;
    }
    atomic_store(&n_slots, n);
    for (unsigned i = 0; i < n; i++) {
        if (slots[i].stuck || (atomic_load(&slots[i].ticket) & 0xff) != PH_ASKED)
            continue;
        if (syscall(SYS_tgkill, getpid(), atomic_load(&slots[i].tid), bbx_g.thread_signal) != 0)
            atomic_store(&slots[i].ticket, seq << 8 | PH_IDLE); /* gone */
    }
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
        atomic_compare_exchange_strong(&sl->ticket, &asked, (t & ~(uint64_t)0xff) | PH_IDLE))
        return 0;
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


/* What the kernel says about a thread that did not unwind itself. */
static void write_kernel_view(snap_writer *w, pid_t tid)
{
    char path[64];
    ss_buf p = ss_buf_of(path, sizeof(path));
    ss_puts(&p, "/proc/self/task/");
    ss_putu(&p, (uint64_t)tid);
    size_t base = p.len;
    ss_puts(&p, "/wchan");
    if (ss_read_file(AT_FDCWD, path, bbx_g.iobuf2, 256) > 0 && bbx_g.iobuf2[0] != '0')
        snap_put_str(w, SNAP_THR_WCHAN, bbx_g.iobuf2);
    p.len = base;
    ss_puts(&p, "/syscall");
    if (ss_read_file(AT_FDCWD, path, bbx_g.iobuf2, 512) > 0 && bbx_g.iobuf2[0] != 'r') {
        /* "nr a1 a2 a3 a4 a5 a6 sp pc" or "-1 sp pc" */
        const char *s = bbx_g.iobuf2;
        int neg = *s == '-';
        s += neg;
        int64_t nr = (int64_t)ss_parse_u64(&s, 10);
        snap_put_i64(w, SNAP_THR_SYSCALL, neg ? -nr : nr);
        const char *last = strrchr(bbx_g.iobuf2, ' ');
        if (last && last[1] == '0' && last[2] == 'x') {
            const char *h = last + 3;
            uint64_t pc = ss_parse_u64(&h, 16);
            uint8_t b[10];
            snap_put_u64(w, SNAP_THR_KERNEL_PC, pc);
            snap_put_bytes(w, SNAP_THR_FRAMES, b, snap_varint_put(b, snap_zigzag((int64_t)pc)));
        }
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

static void add_task(void *ctx, int dirfd, uint64_t tid, const char *name)
{
    unsigned *n = ctx;
    if (*n < bbx_g.cfg.max_threads)
        bbx_g.tids[(*n)++] = (pid_t)tid;
}

/* List thread ids into bbx_g.tids; returns the count. */
static unsigned list_tasks(void)
{
    unsigned n = 0;
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
    asked = ask_all(self, list_tasks(), ASK_STACK);
    asked_at = ss_mono_us();

    /* The triggering thread first, unwound from the trigger's context, while
     * the others unwind themselves. */
    read_task_status(self, &ti);
    unsigned nf = unwind_context(trig->uc, bbx_g.frames, bbx_g.cfg.max_frames, &truncated);
    thread_header(w, self, &ti, SNAP_THREAD_UNWOUND);
    if (trig->kind == SNAP_TRIGGER_CRASH) {
        snap_put_u64(w, SNAP_THR_CRASHED, 1);
        snap_put_u64(w, SNAP_THR_SIGNAL, (uint64_t)trig->signal);
    }
    put_frames(w, bbx_g.frames, nf);
    put_regs(w, regs, unwind_regs(trig->uc, regs));
    if (truncated)
        snap_put_u64(w, SNAP_THR_TRUNCATED, 1);
    snap_rec_end(w);
    *n_threads = 1;
    *n_unwound = 1;
}

void thread_capture_finish(snap_writer *w, uint64_t deadline_us, unsigned *n_threads,
                           unsigned *n_unwound)
{
    unsigned n = asked;
    /* A thread that blocked the signal when asked and still has it pending
     * blocks it for good: not waited for.  (One that blocked it only for a
     * moment, as pthread_create does, answers.) */
    for (unsigned i = 0; i < n; i++) {
        struct task_info *t = &bbx_g.tinfo[i];
        if (!t->blocks_signal || (atomic_load(&slots[i].ticket) & 0xff) != PH_ASKED)
            continue;
        struct task_info now;
        read_task_status(atomic_load(&slots[i].tid), &now);
        t->blocks_signal = now.blocks_signal && now.signal_pending;
        if (t->blocks_signal)
            settle(i);
    }
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
        int status = answered_ok            ? SNAP_THREAD_UNWOUND
                     : t->blocks_signal     ? SNAP_THREAD_BLOCKED
                     : strchr("ZXTt", t->state) ? SNAP_THREAD_SKIPPED
                                                : SNAP_THREAD_TIMEOUT;
        thread_header(w, tid, t, status);
        if (answered_ok) {
            if (sl->crash_signal)
                snap_put_u64(w, SNAP_THR_SIGNAL, (uint64_t)sl->crash_signal);
            put_frames(w, frames_of(i), sl->n_frames);
            put_regs(w, sl->regs, sl->n_regs);
            if (sl->truncated)
                snap_put_u64(w, SNAP_THR_TRUNCATED, 1);
            (*n_unwound)++;
        } else {
            write_kernel_view(w, tid);
        }
        snap_rec_end(w);
        (*n_threads)++;
    }
    atomic_store(&n_slots, 0);
}

void thread_capture_give_altstacks(void)
{
    unsigned n = ask_all(ss_gettid(), list_tasks(), ASK_ALTSTACK);
    wait_answers(n, ss_mono_us() + 200000);
    for (unsigned i = 0; i < n; i++)
        settle(i);
    atomic_store(&n_slots, 0);
}
