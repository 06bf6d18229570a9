/*
 * snap_names.c - names for the numbers a snapshot holds: signals, si_codes,
 * fd kinds, thread statuses, socket families and types, rlimits, registers,
 * open flags.  Numbers are Linux's, whatever machine reads the file.
 * All tables are static and read-only: every function is thread-safe.
 */
#include "snap_reader.h"

#include <stdio.h>
#include <string.h>

#include "snap_format.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Look up n in a table of names indexed by number; NULL when out of range
 * or unnamed. */
static const char *lookup(const char *const *tab, size_t count, uint64_t n)
{
    return n < count ? tab[n] : NULL;
}

const char *snap_fd_kind_name(uint64_t kind)
{
    static const char *const names[] = {
        [SNAP_FD_OTHER] = "other",       [SNAP_FD_FILE] = "file",
        [SNAP_FD_DIR] = "dir",           [SNAP_FD_PIPE] = "pipe",
        [SNAP_FD_FIFO] = "fifo",         [SNAP_FD_SOCKET] = "socket",
        [SNAP_FD_EVENTFD] = "eventfd",   [SNAP_FD_TIMERFD] = "timerfd",
        [SNAP_FD_SIGNALFD] = "signalfd", [SNAP_FD_EPOLL] = "epoll",
        [SNAP_FD_INOTIFY] = "inotify",   [SNAP_FD_MEMFD] = "memfd",
        [SNAP_FD_DEVICE] = "device",
    };
    const char *n = lookup(names, COUNT(names), kind);
    return n ? n : "unknown";
}

const char *snap_thread_status_name(uint64_t status)
{
    static const char *const names[] = {
        [SNAP_THREAD_UNWOUND] = "unwound",
        [SNAP_THREAD_BLOCKED] = "blocked",
        [SNAP_THREAD_TIMEOUT] = "timeout",
        [SNAP_THREAD_SKIPPED] = "skipped",
    };
    const char *n = lookup(names, COUNT(names), status);
    return n ? n : "unknown";
}

/* How a thread's stack was obtained: the one table of the words used for
 * it (bbx show, --json, bbx report). */
static const struct {
    const char *name; /* --json "stack_method" */
    const char *text; /* bbx show's "stack:" line; NULL: not said */
} thread_methods[] = {
    [SNAP_METHOD_SIGNAL] = { "signal", NULL },
    [SNAP_METHOD_CALL] = { "call", "saved at blocking call entry (not interrupted)" },
    [SNAP_METHOD_KERNEL] = { "kernel",
                             "from the kernel's sp/pc (not interrupted; may be partial)" },
    [SNAP_METHOD_CRASH] = { "crash", "the thread's own context (it crashed or asked)" },
};

const char snap_thread_reused_text[] = "unchanged since the previous snapshot";

const char *snap_thread_method_name(uint64_t method)
{
    return method < COUNT(thread_methods) ? thread_methods[method].name : "unknown";
}

const char *snap_thread_method_text(uint64_t method)
{
    if (method < COUNT(thread_methods))
        return thread_methods[method].text;
    return "obtained in a way this bbx does not know";
}

/* A thread that gave no stack: why, by its status. */
static const char *const no_stack_text[] = {
    [SNAP_THREAD_BLOCKED] = "none: it blocks bbx's thread signal and was not in a system "
                            "call (what the kernel knows only)",
    [SNAP_THREAD_TIMEOUT] = "none: it did not answer bbx's thread signal in time (what the "
                            "kernel knows only)",
    [SNAP_THREAD_SKIPPED] = "none: not asked (stopped, exiting, or over a limit)",
};

/* No stack: the thread was not unwound, and no other method is named
 * (the method field is absent, 0, for a thread that gave none). */
static int no_stack(const snap_thread *t)
{
    return t->status != SNAP_THREAD_UNWOUND && t->method == SNAP_METHOD_SIGNAL;
}

const char *snap_thread_stack_name(const snap_thread *t)
{
    return no_stack(t) ? "none" : snap_thread_method_name(t->method);
}

const char *snap_thread_stack_text(const snap_thread *t)
{
    if (no_stack(t)) {
        const char *why = lookup(no_stack_text, COUNT(no_stack_text), t->status);
        return why ? why : "none";
    }
    if (t->method == SNAP_METHOD_SIGNAL)
        return "by the thread itself, in bbx's thread signal handler";
    return snap_thread_method_text(t->method);
}

const char *snap_trigger_kind_name(uint64_t kind)
{
    if (kind == SNAP_TRIGGER_CRASH)
        return "crash";
    if (kind == SNAP_TRIGGER_REQUEST)
        return "request";
    if (kind == SNAP_TRIGGER_SIGNAL)
        return "signal";
    if (kind == SNAP_TRIGGER_PERIODIC)
        return "periodic";
    if (kind == SNAP_TRIGGER_EXIT)
        return "exit";
    if (kind == SNAP_TRIGGER_HANG)
        return "hang";
    if (kind == SNAP_TRIGGER_HANG_END)
        return "hang-end";
    if (kind == SNAP_TRIGGER_MEMORY)
        return "memory";
    return "unknown";
}

const char *snap_mem_kind_name(uint64_t kind)
{
    static const char *const names[SNAP_MEM_KIND_COUNT] = {
        [SNAP_MEM_HEAP] = "heap", [SNAP_MEM_ANON] = "anon", [SNAP_MEM_STACK] = "stack",
        [SNAP_MEM_CODE] = "code", [SNAP_MEM_FILE] = "file", [SNAP_MEM_SHM] = "shm",
        [SNAP_MEM_GPU] = "gpu", [SNAP_MEM_OTHER] = "other",
    };
    return kind < SNAP_MEM_KIND_COUNT && names[kind] ? names[kind] : "unknown";
}

const char *snap_signal_name(uint64_t sig)
{
    static const char *const names[] = {
        NULL,        "SIGHUP",    "SIGINT",    "SIGQUIT",   "SIGILL",
        "SIGTRAP",   "SIGABRT",   "SIGBUS",    "SIGFPE",    "SIGKILL",
        "SIGUSR1",   "SIGSEGV",   "SIGUSR2",   "SIGPIPE",   "SIGALRM",
        "SIGTERM",   "SIGSTKFLT", "SIGCHLD",   "SIGCONT",   "SIGSTOP",
        "SIGTSTP",   "SIGTTIN",   "SIGTTOU",   "SIGURG",    "SIGXCPU",
        "SIGXFSZ",   "SIGVTALRM", "SIGPROF",   "SIGWINCH",  "SIGIO",
        "SIGPWR",    "SIGSYS",
        /* 32 and 33 are taken by the C library; glibc's SIGRTMIN is 34. */
        "SIG32", "SIG33", "SIGRTMIN",
        "SIGRTMIN+1",  "SIGRTMIN+2",  "SIGRTMIN+3",  "SIGRTMIN+4",  "SIGRTMIN+5",
        "SIGRTMIN+6",  "SIGRTMIN+7",  "SIGRTMIN+8",  "SIGRTMIN+9",  "SIGRTMIN+10",
        "SIGRTMIN+11", "SIGRTMIN+12", "SIGRTMIN+13", "SIGRTMIN+14", "SIGRTMIN+15",
        "SIGRTMAX-14", "SIGRTMAX-13", "SIGRTMAX-12", "SIGRTMAX-11", "SIGRTMAX-10",
        "SIGRTMAX-9",  "SIGRTMAX-8",  "SIGRTMAX-7",  "SIGRTMAX-6",  "SIGRTMAX-5",
        "SIGRTMAX-4",  "SIGRTMAX-3",  "SIGRTMAX-2",  "SIGRTMAX-1",  "SIGRTMAX",
    };
    const char *n = lookup(names, COUNT(names), sig);
    return n ? n : "unknown";
}

const char *snap_si_code_name(uint64_t sig, int64_t code)
{
    static const char *const segv[] = { NULL, "SEGV_MAPERR", "SEGV_ACCERR",
        "SEGV_BNDERR", "SEGV_PKUERR", "SEGV_ACCADI", "SEGV_ADIDERR",
        "SEGV_ADIPERR", "SEGV_MTEAERR", "SEGV_MTESERR" };
    static const char *const bus[] = { NULL, "BUS_ADRALN", "BUS_ADRERR",
        "BUS_OBJERR", "BUS_MCEERR_AR", "BUS_MCEERR_AO" };
    static const char *const ill[] = { NULL, "ILL_ILLOPC", "ILL_ILLOPN",
        "ILL_ILLADR", "ILL_ILLTRP", "ILL_PRVOPC", "ILL_PRVREG", "ILL_COPROC",
        "ILL_BADSTK", "ILL_BADIADDR" };
    static const char *const fpe[] = { NULL, "FPE_INTDIV", "FPE_INTOVF",
        "FPE_FLTDIV", "FPE_FLTOVF", "FPE_FLTUND", "FPE_FLTRES", "FPE_FLTINV",
        "FPE_FLTSUB", "FPE_DECOVF", "FPE_DECDIV", "FPE_DECERR", "FPE_INVASC",
        "FPE_INVDEC", "FPE_FLTUNK", "FPE_CONDTRAP" };
    static const char *const trap[] = { NULL, "TRAP_BRKPT", "TRAP_TRACE",
        "TRAP_BRANCH", "TRAP_HWBKPT", "TRAP_UNK", "TRAP_PERF" };
    static const char *const sys[] = { NULL, "SYS_SECCOMP", "SYS_USER_DISPATCH" };
    /* Codes any signal can carry (<= 0 come from user space). */
    static const char *const user[] = { "SI_USER", "SI_QUEUE", "SI_TIMER",
        "SI_MESGQ", "SI_ASYNCIO", "SI_SIGIO", "SI_TKILL", "SI_DETHREAD",
        "SI_ASYNCNL" };
    if (code <= 0 && code >= -(int64_t)(COUNT(user) - 1))
        return user[-code];
    if (code == 0x80)
        return "SI_KERNEL";
    if (code < 0)
        return NULL;
    switch (sig) {
    case 11: return lookup(segv, COUNT(segv), (uint64_t)code);
    case 7: return lookup(bus, COUNT(bus), (uint64_t)code);
    case 4: return lookup(ill, COUNT(ill), (uint64_t)code);
    case 8: return lookup(fpe, COUNT(fpe), (uint64_t)code);
    case 5: return lookup(trap, COUNT(trap), (uint64_t)code);
    case 31: return lookup(sys, COUNT(sys), (uint64_t)code);
    default: return NULL;
    }
}

const char *snap_sock_family_name(uint64_t family)
{
    switch (family) {
    case 1: return "AF_UNIX";
    case 2: return "AF_INET";
    case 10: return "AF_INET6";
    case 16: return "AF_NETLINK";
    case 17: return "AF_PACKET";
    case 31: return "AF_BLUETOOTH";
    case 38: return "AF_ALG";
    case 40: return "AF_VSOCK";
    default: return NULL;
    }
}

const char *snap_sock_type_name(uint64_t type)
{
    static const char *const names[] = { NULL, "SOCK_STREAM", "SOCK_DGRAM",
        "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET", "SOCK_DCCP", NULL, NULL, NULL,
        "SOCK_PACKET" };
    return lookup(names, COUNT(names), type);
}

const char *snap_rlimit_name(uint64_t resource)
{
    static const char *const names[] = { "CPU", "FSIZE", "DATA", "STACK",
        "CORE", "RSS", "NPROC", "NOFILE", "MEMLOCK", "AS", "LOCKS",
        "SIGPENDING", "MSGQUEUE", "NICE", "RTPRIO", "RTTIME" };
    return lookup(names, COUNT(names), resource);
}

static int is_arch(const char *arch, const char *a, const char *b)
{
    return arch && (strcmp(arch, a) == 0 || (b && strcmp(arch, b) == 0));
}

size_t snap_reg_names(const char *arch, const char *const **names)
{
    static const char *const x86_64[] = { SNAP_X86_64_REG_NAMES };
    _Static_assert(COUNT(x86_64) == SNAP_X86_64_REG_COUNT, "x86_64 register names");
    if (is_arch(arch, "x86_64", "amd64")) {
        *names = x86_64;
        return COUNT(x86_64);
    }
    *names = NULL;
    return 0;
}

const char *snap_syscall_name(const char *arch, int64_t nr)
{
    /* x86_64 numbers (arch/x86/entry/syscalls/syscall_64.tbl) of the calls
     * a thread may be found waiting in. */
    static const struct {
        int nr;
        const char *name;
    } x86_64[] = {
        { 0, "read" },          { 1, "write" },          { 7, "poll" },
        { 17, "pread64" },      { 18, "pwrite64" },      { 19, "readv" },
        { 20, "writev" },       { 23, "select" },        { 24, "sched_yield" },
        { 34, "pause" },        { 35, "nanosleep" },     { 40, "sendfile" },
        { 42, "connect" },      { 43, "accept" },        { 44, "sendto" },
        { 45, "recvfrom" },     { 46, "sendmsg" },       { 47, "recvmsg" },
        { 61, "wait4" },        { 64, "semget" },        { 65, "semop" },
        { 69, "msgsnd" },       { 70, "msgrcv" },        { 72, "fcntl" },
        { 73, "flock" },        { 74, "fsync" },         { 75, "fdatasync" },
        { 128, "rt_sigtimedwait" }, { 130, "rt_sigsuspend" }, { 202, "futex" },
        { 208, "io_getevents" }, { 220, "semtimedop" },  { 230, "clock_nanosleep" },
        { 232, "epoll_wait" },  { 243, "mq_timedreceive" }, { 247, "waitid" },
        { 257, "openat" },      { 270, "pselect6" },     { 271, "ppoll" },
        { 281, "epoll_pwait" }, { 288, "accept4" },      { 295, "preadv" },
        { 299, "recvmmsg" },    { 307, "sendmmsg" },     { 441, "epoll_pwait2" },
    };
    if (!is_arch(arch, "x86_64", "amd64"))
        return NULL;
    for (size_t i = 0; i < COUNT(x86_64); i++)
        if (x86_64[i].nr == nr)
            return x86_64[i].name;
    return NULL;
}

/* One open flag: the bits that must all be set, on asm-generic
 * architectures (x86, riscv, ...) and on arm/aarch64, which swap four. */
typedef struct flag_name {
    uint64_t generic, arm;
    const char *name;
} flag_name;

/* Flags that span several bits first, then single bits in ascending order. */
static const flag_name open_flags[] = {
    { 0x410000, 0x404000, "O_TMPFILE" }, { 0x101000, 0x101000, "O_SYNC" },
    { 0x40, 0x40, "O_CREAT" },           { 0x80, 0x80, "O_EXCL" },
    { 0x100, 0x100, "O_NOCTTY" },        { 0x200, 0x200, "O_TRUNC" },
    { 0x400, 0x400, "O_APPEND" },        { 0x800, 0x800, "O_NONBLOCK" },
    { 0x1000, 0x1000, "O_DSYNC" },       { 0x2000, 0x2000, "O_ASYNC" },
    { 0x4000, 0x10000, "O_DIRECT" },     { 0x8000, 0x20000, "O_LARGEFILE" },
    { 0x10000, 0x4000, "O_DIRECTORY" },  { 0x20000, 0x8000, "O_NOFOLLOW" },
    { 0x40000, 0x40000, "O_NOATIME" },   { 0x80000, 0x80000, "O_CLOEXEC" },
    { 0x200000, 0x200000, "O_PATH" },
};

/* Append s to buf[len] at *pos, counting what does not fit. */
static void put(char *buf, size_t len, size_t *pos, const char *s)
{
    size_t n = strlen(s);
    if (*pos < len) {
        size_t room = len - *pos - 1;
        memcpy(buf + *pos, s, n < room ? n : room);
        buf[*pos + (n < room ? n : room)] = 0;
    }
    *pos += n;
}

size_t snap_open_flags_format(const char *arch, uint64_t flags, int cloexec,
                              char *buf, size_t len)
{
    static const char *const access[] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
    int arm = is_arch(arch, "aarch64", "arm64") || (arch && strncmp(arch, "arm", 3) == 0);
    size_t pos = 0;
    if (len)
        buf[0] = 0;
    if (cloexec)
        flags |= 0x80000;
    put(buf, len, &pos, access[flags & 3]);
    flags &= ~(uint64_t)3;
    for (size_t i = 0; i < COUNT(open_flags); i++) {
        uint64_t bits = arm ? open_flags[i].arm : open_flags[i].generic;
        if ((flags & bits) == bits) {
            put(buf, len, &pos, "|");
            put(buf, len, &pos, open_flags[i].name);
            flags &= ~bits;
        }
    }
    if (flags) {
        char hex[24];
        snprintf(hex, sizeof(hex), "|0x%llx", (unsigned long long)flags);
        put(buf, len, &pos, hex);
    }
    return pos;
}
