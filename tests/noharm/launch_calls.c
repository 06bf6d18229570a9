/*
 * launch_calls.c - the "behaviour unchanged" program of launch tracking:
 * it starts programs in every way libc offers (the exec family in forked
 * and vforked children, posix_spawn and posix_spawnp, system, popen and
 * pclose) and waits for children in every way (wait, waitpid, wait3,
 * wait4, waitid), successes and failures, and prints one line per result:
 * the return value, errno, the status decoded (WIFEXITED, WEXITSTATUS,
 * WIFSIGNALED, WTERMSIG, ...; never the core-dump bit, which depends on
 * the machine's core settings), the siginfo of waitid, whether rusage was
 * filled.  Run without bbx and under libbbx-preload.so with
 * BBX_TRACK=exec (noharm_launch.py), the output must be the same byte for
 * byte: interposing these calls must not change what any of them returns.
 *
 * Nothing printed depends on the run: no pids, no times, no paths; a pid
 * is printed as its relation to the one expected ("child", "0", "-1",
 * "other").  errno is set to 0 before every call and printed after it,
 * success or not, so that an interposer that leaves errno changed shows.
 * A waiting parent never retries on EINTR: no signal handler of this
 * program can interrupt a wait (the one SIGCHLD handler has SA_RESTART),
 * so an EINTR is the interposer's and must show.  Children sleep a little
 * before exiting, so that periodic snapshots find the parent blocked in
 * its wait calls.
 *
 * Usage: launch_calls (no arguments).  Output ends with "exit 0"; exit
 * status 0, or 2 when setting up failed (said on stderr).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define SENTINEL 0x5a5a5a5a /* a status word no wait call ever stores */
#define NAP_MS 150          /* how long children let their parent wait */
#define MISSING_PROG "bbx-launch-no-such-program"
#define MISSING_PATH "/nonexistent-bbx-launch-dir/prog"

/* The files the failures need, in a fresh temporary directory. */
static char tmp_dir[PATH_MAX];
static char plain_path[PATH_MAX];    /* mode 0644: EACCES to exec */
static char notdir_path[PATH_MAX];   /* plain_path/sub: ENOTDIR */
static char noshebang_path[PATH_MAX]; /* mode 0755, no #!: ENOEXEC (execvp runs sh) */
static char script_path[PATH_MAX];   /* mode 0755, #!/bin/sh, exits 18 */

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("launch_calls: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

/* ---- printing ---- */

static const char *ename(int e)
{
    if (e == 0)
        return "0";
    const char *n = strerrorname_np(e);
    return n ? n : "unknown";
}

/* "SIGKILL"; a few buffers in turn, as one printf may show two names. */
static const char *sname(int sig)
{
    static char bufs[4][32];
    static unsigned turn;
    char *buf = bufs[turn++ % 4];
    const char *n = sigabbrev_np(sig);
    if (n)
        snprintf(buf, sizeof bufs[0], "SIG%s", n);
    else
        snprintf(buf, sizeof bufs[0], "%d", sig);
    return buf;
}

static const char *yes_no(int cond) { return cond ? "yes" : "no"; }

/* A returned pid as its relation to the one expected: pids vary by run. */
static const char *pid_rel(pid_t got, pid_t want)
{
    if (got > 0 && got == want)
        return "child";
    if (got > 0)
        return "other";
    return got == 0 ? "0" : "-1";
}

/* The status word decoded with the <sys/wait.h> macros (WCOREDUMP left
 * out: it depends on RLIMIT_CORE and core_pattern, not on the calls). */
static void print_status(int st)
{
    if (st == SENTINEL) {
        printf(" status=untouched");
        return;
    }
    printf(" WIFEXITED=%d", WIFEXITED(st) ? 1 : 0);
    if (WIFEXITED(st))
        printf(" WEXITSTATUS=%d", WEXITSTATUS(st));
    printf(" WIFSIGNALED=%d", WIFSIGNALED(st) ? 1 : 0);
    if (WIFSIGNALED(st))
        printf(" WTERMSIG=%s", sname(WTERMSIG(st)));
    if (WIFSTOPPED(st))
        printf(" WIFSTOPPED=1 WSTOPSIG=%s", sname(WSTOPSIG(st)));
    if (WIFCONTINUED(st))
        printf(" WIFCONTINUED=1");
}

/* One wait result: "rv=child errno=0 WIFEXITED=1 WEXITSTATUS=3 ..." */
static void print_wait(pid_t got, pid_t want, int err, int st)
{
    printf(" rv=%s errno=%s", pid_rel(got, want), ename(err));
    print_status(st);
}

/* What a wait call gave: its return value, errno taken right after it
 * (before any printf), and the status word (SENTINEL when none stored). */
struct waited {
    pid_t rv;
    int err, st;
};

static struct waited w_waitpid(pid_t pid, int options)
{
    struct waited w = {0, 0, SENTINEL};
    errno = 0;
    w.rv = waitpid(pid, &w.st, options);
    w.err = errno;
    return w;
}

static struct waited w_wait(void)
{
    struct waited w = {0, 0, SENTINEL};
    errno = 0;
    w.rv = wait(&w.st);
    w.err = errno;
    return w;
}

/* "LABEL: rv=... errno=... status...", no newline. */
static void say_wait(const char *label, struct waited w, pid_t want)
{
    printf("%s:", label);
    print_wait(w.rv, want, w.err, w.st);
}

static const char *code_name(int code)
{
    switch (code) {
    case CLD_EXITED: return "CLD_EXITED";
    case CLD_KILLED: return "CLD_KILLED";
    case CLD_DUMPED: return "CLD_KILLED"; /* the core-dump bit again: see print_status */
    case CLD_STOPPED: return "CLD_STOPPED";
    case CLD_CONTINUED: return "CLD_CONTINUED";
    case 0: return "0";
    default: return "other";
    }
}

/* A waitid result: si_status is an exit code for CLD_EXITED, a signal
 * otherwise. */
static void print_siginfo(int rv, int err, const siginfo_t *si, pid_t want)
{
    printf(" rv=%d errno=%s si_signo=%s si_code=%s si_pid=%s", rv, ename(err),
           si->si_signo ? sname(si->si_signo) : "0", code_name(si->si_code),
           pid_rel(si->si_pid, want));
    if (si->si_code == CLD_EXITED)
        printf(" si_status=%d", si->si_status);
    else if (si->si_code != 0)
        printf(" si_status=%s", sname(si->si_status));
}

/* ---- small helpers (not the calls under test: these retry on EINTR) ---- */

static void nap_ms(unsigned ms)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    t.tv_sec += ms / 1000;
    t.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (t.tv_nsec >= 1000000000L) {
        t.tv_sec++;
        t.tv_nsec -= 1000000000L;
    }
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
        ;
}

/* Reads up to n bytes, to EOF; the count read. */
static size_t read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, (char *)buf + got, n - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    return got;
}

static void xpipe(int p[2])
{
    if (pipe2(p, O_CLOEXEC) != 0)
        die("pipe2: %s", strerror(errno));
}

/* Reaps a child left by a case that went wrong, so that the next cases
 * still start with no children. */
static void reap_quietly(pid_t pid)
{
    if (pid > 0)
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
            ;
}

/* A gate: children block reading it until the parent closes the write
 * end, so that "the child still runs" and "the child has exited" are
 * decided by the parent, not by timing. */
struct gate {
    int r, w;
};

static void gate_open(struct gate *g)
{
    int p[2];
    xpipe(p);
    g->r = p[0];
    g->w = p[1];
}

static void gate_wait(struct gate *g)
{
    char c;
    close(g->w);
    read_full(g->r, &c, 1);
}

static void gate_release(struct gate *g)
{
    close(g->w);
    g->w = -1;
}

static void gate_close(struct gate *g)
{
    close(g->r);
    if (g->w >= 0)
        close(g->w);
}

/* ---- forked children that end in a known way ---- */

enum ending { END_EXIT, END_HANG, END_SEGV, END_ABORT, END_STOP_THEN_EXIT };

struct plan {
    struct gate *gate; /* wait for it first (NULL: no) */
    unsigned nap_ms;   /* then sleep */
    int code;          /* END_EXIT: the exit code */
    enum ending end;
};

/* A real fault, not raise(): the crash handler of the child (bbx's,
 * under bbx) runs as for a real crash and must still end it by SIGSEGV.
 * A PROT_NONE page rather than NULL, which UBSan would stop first. */
static _Noreturn void fault(void)
{
    volatile char *page =
        mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    page[0] = 1;
    _exit(99);
}

static _Noreturn void child_main(const struct plan *p)
{
    if (p->end == END_STOP_THEN_EXIT)
        raise(SIGSTOP);
    if (p->gate)
        gate_wait(p->gate);
    if (p->nap_ms)
        nap_ms(p->nap_ms);
    switch (p->end) {
    case END_HANG:
        for (;;)
            pause();
    case END_SEGV:
        fault();
    case END_ABORT:
        abort();
    default:
        _exit(p->code);
    }
}

static pid_t fork_child(struct plan p)
{
    fflush(stdout); /* nothing buffered is left for a child to inherit */
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0)
        child_main(&p);
    return pid;
}

/* ---- the exec family, each in a forked child ---- */

/* What a failed exec returned, sent through a close-on-exec pipe: an exec
 * that succeeds closes the pipe with nothing written. */
struct exec_report {
    int rv, err;
};

typedef int (*exec_fn)(void);

static int x_execvp_missing(void)
{
    char *argv[] = {MISSING_PROG, NULL};
    return execvp(MISSING_PROG, argv);
}

static int x_execvp_empty(void)
{
    char *argv[] = {"", NULL};
    return execvp("", argv);
}

static int x_execvp_noshebang(void)
{
    char *argv[] = {"noshebang", NULL};
    return execvp(noshebang_path, argv); /* glibc runs it with /bin/sh */
}

static int x_execvp_plain(void)
{
    char *argv[] = {"plain", NULL};
    return execvp(plain_path, argv);
}

static int x_execve_sh(void)
{
    char *argv[] = {"sh", "-c", "exit 3", NULL};
    return execve("/bin/sh", argv, environ);
}

/* The environment given is the one the program gets: it exits with it. */
static int x_execve_env(void)
{
    char *argv[] = {"sh", "-c", "exit $LAUNCH_CODE", NULL};
    char *envp[] = {"LAUNCH_CODE=19", NULL};
    return execve("/bin/sh", argv, envp);
}

static int x_execve_missing(void)
{
    char *argv[] = {"prog", NULL};
    return execve(MISSING_PATH, argv, environ);
}

static int x_execve_dir(void)
{
    char *argv[] = {"dir", NULL};
    return execve("/", argv, environ);
}

static int x_execv_sh(void)
{
    char *argv[] = {"sh", "-c", "exit 4", NULL};
    return execv("/bin/sh", argv);
}

static int x_execv_plain(void)
{
    char *argv[] = {"plain", NULL};
    return execv(plain_path, argv);
}

static int x_execv_notdir(void)
{
    char *argv[] = {"sub", NULL};
    return execv(notdir_path, argv);
}

static int x_execv_noshebang(void)
{
    char *argv[] = {"noshebang", NULL};
    return execv(noshebang_path, argv);
}

static int x_execv_script(void)
{
    char *argv[] = {"script", NULL};
    return execv(script_path, argv);
}

static int x_execl_sh(void) { return execl("/bin/sh", "sh", "-c", "exit 6", (char *)NULL); }
static int x_execl_plain(void) { return execl(plain_path, "plain", (char *)NULL); }

static int x_execle_env(void)
{
    char *envp[] = {"LAUNCH_CODE=7", NULL};
    return execle("/bin/sh", "sh", "-c", "exit $LAUNCH_CODE", (char *)NULL, envp);
}

static int x_execle_missing(void)
{
    char *envp[] = {"LAUNCH_CODE=7", NULL};
    return execle(MISSING_PATH, "prog", (char *)NULL, envp);
}

static int x_execlp_sh(void) { return execlp("sh", "sh", "-c", "exit 8", (char *)NULL); }
static int x_execlp_missing(void) { return execlp(MISSING_PROG, "prog", (char *)NULL); }

static int x_execvpe_env(void)
{
    char *argv[] = {"sh", "-c", "exit $LAUNCH_CODE", NULL};
    char *envp[] = {"LAUNCH_CODE=9", NULL};
    return execvpe("sh", argv, envp); /* searched in our PATH, run with envp */
}

static int x_execvpe_missing(void)
{
    char *argv[] = {"prog", NULL};
    char *envp[] = {NULL};
    return execvpe(MISSING_PROG, argv, envp);
}

static int x_execvpe_notdir(void)
{
    char *argv[] = {"sub", NULL};
    char *envp[] = {NULL};
    return execvpe(notdir_path, argv, envp);
}

static int x_fexecve_sh(void)
{
    char *argv[] = {"sh", "-c", "exit 10", NULL};
    int fd = open("/bin/sh", O_RDONLY | O_CLOEXEC);
    return fexecve(fd, argv, environ);
}

static int x_fexecve_plain(void)
{
    char *argv[] = {"plain", NULL};
    int fd = open(plain_path, O_RDONLY);
    return fexecve(fd, argv, environ);
}

static int x_fexecve_badfd(void)
{
    char *argv[] = {"none", NULL};
    return fexecve(-1, argv, environ);
}

static const struct {
    const char *name;
    exec_fn fn;
} exec_cases[] = {
    {"execvp missing-program", x_execvp_missing},
    {"execvp empty-name", x_execvp_empty},
    {"execvp no-#!-script", x_execvp_noshebang},
    {"execvp non-executable", x_execvp_plain},
    {"execve /bin/sh-exit-3", x_execve_sh},
    {"execve given-environment", x_execve_env},
    {"execve missing-path", x_execve_missing},
    {"execve directory", x_execve_dir},
    {"execv /bin/sh-exit-4", x_execv_sh},
    {"execv non-executable", x_execv_plain},
    {"execv not-a-directory", x_execv_notdir},
    {"execv no-#!-script", x_execv_noshebang},
    {"execv #!-script", x_execv_script},
    {"execl /bin/sh-exit-6", x_execl_sh},
    {"execl non-executable", x_execl_plain},
    {"execle given-environment", x_execle_env},
    {"execle missing-path", x_execle_missing},
    {"execlp sh-exit-8", x_execlp_sh},
    {"execlp missing-program", x_execlp_missing},
    {"execvpe given-environment", x_execvpe_env},
    {"execvpe missing-program", x_execvpe_missing},
    {"execvpe not-a-directory", x_execvpe_notdir},
    {"fexecve /bin/sh-exit-10", x_fexecve_sh},
    {"fexecve non-executable", x_fexecve_plain},
    {"fexecve fd-1", x_fexecve_badfd},
};

/* The exec call in a forked child; a failure is reported through the
 * pipe, and the child ends as a shell does for "command not found". */
static _Noreturn void exec_child(exec_fn fn, int report_fd)
{
    struct exec_report r;
    errno = 0;
    r.rv = fn();
    r.err = errno;
    (void)!write(report_fd, &r, sizeof r);
    _exit(127);
}

static void exec_case(const char *name, exec_fn fn)
{
    int p[2];
    xpipe(p);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0)
        die("fork: %s", strerror(errno));
    if (pid == 0) {
        close(p[0]);
        exec_child(fn, p[1]);
    }
    close(p[1]);
    struct exec_report r;
    size_t n = read_full(p[0], &r, sizeof r);
    close(p[0]);
    struct waited w = w_waitpid(pid, 0);
    if (n == sizeof r)
        printf("%s: exec rv=%d errno=%s; ", name, r.rv, ename(r.err));
    else
        printf("%s: exec succeeded; ", name);
    say_wait("waitpid", w, pid);
    printf("\n");
    if (w.rv != pid)
        reap_quietly(pid);
}

static void run_exec_cases(void)
{
    for (size_t i = 0; i < sizeof exec_cases / sizeof exec_cases[0]; i++)
        exec_case(exec_cases[i].name, exec_cases[i].fn);
}

/* ---- exec in a vfork child: it shares our memory, so an interposer that
 * takes a lock or allocates before the real exec leaves it to us ---- */

static pid_t vfork_exec(const char *path, int search, int report_fd)
{
    pid_t pid = vfork();
    if (pid == 0) {
        char *argv[] = {"sh", "-c", "exit 14", NULL};
        if (search)
            execvp(path, argv);
        else
            execve(path, argv, environ);
        int e = errno;
        (void)!write(report_fd, &e, sizeof e);
        _exit(127);
    }
    return pid;
}

static void vfork_case(const char *name, const char *path, int search)
{
    int p[2];
    xpipe(p);
    fflush(stdout);
    pid_t pid = vfork_exec(path, search, p[1]);
    if (pid < 0)
        die("vfork: %s", strerror(errno));
    close(p[1]);
    int e = 0;
    size_t n = read_full(p[0], &e, sizeof e);
    close(p[0]);
    struct waited w = w_waitpid(pid, 0);
    if (n == sizeof e)
        printf("%s: exec errno=%s; ", name, ename(e));
    else
        printf("%s: exec succeeded; ", name);
    say_wait("waitpid", w, pid);
    printf("\n");
    if (w.rv != pid)
        reap_quietly(pid);
}

static void run_vfork_cases(void)
{
    vfork_case("vfork+execve /bin/sh-exit-14", "/bin/sh", 0);
    vfork_case("vfork+execve missing-path", MISSING_PATH, 0);
    vfork_case("vfork+execvp sh-exit-14", "sh", 1);
    vfork_case("vfork+execvp missing-program", MISSING_PROG, 1);
}

/* ---- posix_spawn and posix_spawnp ---- */

/* After a spawn that failed: no child to reap, not even a zombie. */
static void print_no_child_left(void)
{
    struct waited w = w_waitpid(-1, WNOHANG);
    say_wait("; no child left: waitpid(-1, WNOHANG)", w, 0);
}

/* One spawn: its return value and errno, the pid it set (or left), then
 * the wait for the child, or the proof that there is none. */
static void spawn_case(const char *name, int search, const char *path, char *const argv[],
                       const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *at,
                       int wait_group)
{
    pid_t pid = -7;
    fflush(stdout);
    errno = 0;
    int rc = search ? posix_spawnp(&pid, path, fa, at, argv, environ)
                    : posix_spawn(&pid, path, fa, at, argv, environ);
    int err = errno;
    printf("%s: rv=%s errno=%s pid=%s", name, ename(rc), ename(err),
           pid == -7 ? "untouched" : pid > 0 ? "set" : "bad");
    if (rc != 0) {
        print_no_child_left();
        printf("\n");
        return;
    }
    struct waited w = w_waitpid(wait_group ? -pid : pid, 0);
    say_wait(wait_group ? "; waitpid(-pgid)" : "; waitpid(pid)", w, pid);
    printf("\n");
    if (w.rv != pid)
        reap_quietly(pid);
}

/* File actions: the child's stdout is a pipe whose text we read back. */
static void spawn_with_actions(void)
{
    int p[2];
    xpipe(p);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, p[1], 1);
    char *argv[] = {"sh", "-c", "echo spawned; exit 13", NULL};
    spawn_case("posix_spawn file-actions", 0, "/bin/sh", argv, &fa, NULL, 0);
    posix_spawn_file_actions_destroy(&fa);
    close(p[1]);
    char buf[32] = "";
    size_t n = read_full(p[0], buf, sizeof buf - 1);
    buf[n] = '\0';
    close(p[0]);
    printf("posix_spawn file-actions: the child wrote \"%.*s\"\n", (int)strcspn(buf, "\n"), buf);
}

/* A file action that fails is reported as the spawn's error. */
static void spawn_open_missing(void)
{
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, MISSING_PATH, O_RDONLY, 0);
    char *argv[] = {"sh", "-c", "exit 0", NULL};
    spawn_case("posix_spawn open-missing-file", 0, "/bin/sh", argv, &fa, NULL, 0);
    posix_spawn_file_actions_destroy(&fa);
}

/* The child in a process group of its own, waited for by the group. */
static void spawn_new_group(void)
{
    posix_spawnattr_t at;
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&at, 0);
    char *argv[] = {"sh", "-c", "exit 15", NULL};
    spawn_case("posix_spawn own-process-group", 0, "/bin/sh", argv, NULL, &at, 1);
    posix_spawnattr_destroy(&at);
}

static void run_spawn_cases(void)
{
    char *sh11[] = {"sh", "-c", "exit 11", NULL};
    char *sh12[] = {"sh", "-c", "exit 12", NULL};
    char *prog[] = {"prog", NULL};
    spawn_case("posix_spawn /bin/sh-exit-11", 0, "/bin/sh", sh11, NULL, NULL, 0);
    spawn_case("posix_spawnp sh-exit-12", 1, "sh", sh12, NULL, NULL, 0);
    spawn_case("posix_spawn missing-path", 0, MISSING_PATH, prog, NULL, NULL, 0);
    spawn_case("posix_spawnp missing-program", 1, MISSING_PROG, prog, NULL, NULL, 0);
    spawn_case("posix_spawn non-executable", 0, plain_path, prog, NULL, NULL, 0);
    spawn_case("posix_spawn no-#!-script", 0, noshebang_path, prog, NULL, NULL, 0);
    spawn_case("posix_spawnp not-a-directory", 1, notdir_path, prog, NULL, NULL, 0);
    spawn_with_actions();
    spawn_open_missing();
    spawn_new_group();
}

/* ---- system ---- */

static void system_case(const char *name, const char *cmd)
{
    fflush(stdout);
    errno = 0;
    int st = system(cmd);
    int err = errno;
    printf("%s: errno=%s", name, ename(err));
    if (cmd)
        print_status(st);
    else
        printf(" a shell is there=%s", yes_no(st != 0));
    printf("\n");
}

static void run_system_cases(void)
{
    system_case("system exit-5", "exit 5");
    system_case("system NULL", NULL);
    system_case("system missing-command", MISSING_PROG " 2>/dev/null");
    system_case("system shell-killed", "kill -KILL $$");
    system_case("system sleep-then-exit-6", "sleep 0.2; exit 6");
}

/* ---- popen and pclose ---- */

static void pclose_and_print(FILE *f)
{
    errno = 0;
    int st = pclose(f);
    int err = errno;
    printf("; pclose errno=%s", ename(err));
    if (st == -1)
        printf(" rv=-1");
    else
        print_status(st);
    printf("\n");
}

/* popen(cmd, mode) for reading: its first line, then pclose. */
static void popen_read(const char *name, const char *cmd, const char *mode)
{
    fflush(stdout);
    errno = 0;
    FILE *f = popen(cmd, mode);
    int err = errno;
    printf("%s: popen %s errno=%s", name, f ? "stream" : "NULL", ename(err));
    if (!f) {
        printf("\n");
        return;
    }
    char buf[64] = "";
    if (!fgets(buf, sizeof buf, f))
        buf[0] = '\0';
    printf(" read=\"%.*s\"", (int)strcspn(buf, "\n"), buf);
    pclose_and_print(f);
}

/* popen(cmd, "w"): the shell exits with the length of the line it read. */
static void popen_write(void)
{
    fflush(stdout);
    errno = 0;
    FILE *f = popen("read x; exit ${#x}", "w");
    int err = errno;
    printf("popen write: popen %s errno=%s", f ? "stream" : "NULL", ename(err));
    if (!f) {
        printf("\n");
        return;
    }
    fputs("abcdef\n", f);
    pclose_and_print(f);
}

static void run_popen_cases(void)
{
    popen_read("popen read-then-exit-4", "echo hi; exit 4", "r");
    popen_write();
    popen_read("popen bad-mode", "true", "x");
    popen_read("popen missing-command", MISSING_PROG " 2>/dev/null", "r");
    popen_read("popen close-on-exec-mode", "sleep 0.2; echo late", "re");
}

/* ---- children killed by signals ---- */

static void signal_case(const char *name, enum ending end, int kill_sig)
{
    pid_t pid = fork_child((struct plan){NULL, 0, 0, end});
    if (kill_sig)
        kill(pid, kill_sig);
    struct waited w = w_waitpid(pid, 0);
    printf("%s: ", name);
    say_wait("waitpid", w, pid);
    printf("\n");
    if (w.rv != pid)
        reap_quietly(pid);
}

static void run_signal_cases(void)
{
    signal_case("child killed by SIGKILL", END_HANG, SIGKILL);
    signal_case("child killed by SIGTERM", END_HANG, SIGTERM);
    signal_case("child faults (SIGSEGV)", END_SEGV, 0);
    signal_case("child aborts (SIGABRT)", END_ABORT, 0);
}

/* ---- wait and waitpid ---- */

static void say_line(const char *label, struct waited w, pid_t want)
{
    say_wait(label, w, want);
    printf("\n");
}

/* WNOHANG while the child is held at its gate: 0, status left as it was;
 * then the blocking wait once it is let go. */
static void waitpid_nohang(void)
{
    struct gate g;
    gate_open(&g);
    pid_t pid = fork_child((struct plan){&g, NAP_MS, 21, END_EXIT});
    say_line("waitpid WNOHANG child-running", w_waitpid(pid, WNOHANG), pid);
    gate_release(&g);
    struct waited w = w_waitpid(pid, 0);
    say_line("waitpid blocking after WNOHANG", w, pid);
    gate_close(&g);
    if (w.rv != pid)
        reap_quietly(pid);
}

static void waitpid_null_status(void)
{
    pid_t pid = fork_child((struct plan){NULL, NAP_MS, 0, END_EXIT});
    errno = 0;
    pid_t got = waitpid(pid, NULL, 0);
    int err = errno;
    printf("waitpid status-NULL: rv=%s errno=%s\n", pid_rel(got, pid), ename(err));
    if (got != pid)
        reap_quietly(pid);
}

static void wait_one(void)
{
    pid_t pid = fork_child((struct plan){NULL, NAP_MS, 26, END_EXIT});
    struct waited w = w_wait();
    say_line("wait one-child", w, pid);
    if (w.rv != pid)
        reap_quietly(pid);
}

/* Calls that find no child to wait for, or bad arguments; WHEN tells
 * the first time from the last (nothing left behind by any case). */
static void wait_errors(const char *when)
{
    char label[96];
    snprintf(label, sizeof label, "%s: wait no-children", when);
    say_line(label, w_wait(), 0);
    errno = 0;
    pid_t got = wait(NULL);
    int err = errno;
    printf("%s: wait(NULL) no-children: rv=%s errno=%s\n", when, pid_rel(got, 0), ename(err));
    snprintf(label, sizeof label, "%s: waitpid not-a-child (pid 1)", when);
    say_line(label, w_waitpid(1, 0), 0);
    snprintf(label, sizeof label, "%s: waitpid(-1, WNOHANG) no-children", when);
    say_line(label, w_waitpid(-1, WNOHANG), 0);
    snprintf(label, sizeof label, "%s: waitpid bad-options", when);
    say_line(label, w_waitpid(-1, 0x100), 0); /* no such option: EINVAL */
}

/* Stopped, continued, then exited: WUNTRACED and WCONTINUED. */
static void waitpid_stop_continue(void)
{
    struct gate g;
    gate_open(&g);
    pid_t pid = fork_child((struct plan){&g, 0, 23, END_STOP_THEN_EXIT});
    say_line("waitpid WUNTRACED stopped-child", w_waitpid(pid, WUNTRACED), pid);
    kill(pid, SIGCONT);
    say_line("waitpid WCONTINUED continued-child", w_waitpid(pid, WCONTINUED), pid);
    gate_release(&g);
    struct waited w = w_waitpid(pid, 0);
    say_line("waitpid after continue", w, pid);
    gate_close(&g);
    if (w.rv != pid) {
        kill(pid, SIGKILL);
        reap_quietly(pid);
    }
}

/* waitpid(-1) reaps three children, in any order, then says ECHILD. */
static void waitpid_many(void)
{
    struct gate g;
    pid_t pids[3];
    gate_open(&g);
    for (int i = 0; i < 3; i++)
        pids[i] = fork_child((struct plan){&g, NAP_MS, 31 + i, END_EXIT});
    gate_release(&g);
    int codes_seen = 0, all_ours = 1, bad = 0;
    for (int k = 0; k < 3; k++) {
        struct waited w = w_waitpid(-1, 0);
        int ours = w.rv > 0 && (w.rv == pids[0] || w.rv == pids[1] || w.rv == pids[2]);
        all_ours &= ours;
        int code = WIFEXITED(w.st) ? WEXITSTATUS(w.st) : -1;
        if (ours && w.err == 0 && code >= 31 && code <= 33)
            codes_seen |= 1 << (code - 31);
        else
            bad++;
    }
    struct waited last = w_waitpid(-1, 0);
    printf("waitpid(-1) three-children: each rv one of them=%s codes 31,32,33 each once=%s "
           "other results=%d; then",
           yes_no(all_ours), yes_no(codes_seen == 7), bad);
    say_line("", last, 0);
    gate_close(&g);
    for (int i = 0; i < 3 && bad; i++)
        reap_quietly(pids[i]);
}

static void run_wait_cases(void)
{
    waitpid_nohang();
    waitpid_null_status();
    wait_one();
    wait_errors("first");
    waitpid_stop_continue();
    waitpid_many();
}

/* ---- waitid ---- */

struct waited_id {
    int rv, err;
    siginfo_t si;
};

/* Every field of the siginfo starts as garbage, so that what the call
 * stored (or left) shows. */
static struct waited_id w_waitid(idtype_t type, id_t id, int options)
{
    struct waited_id w;
    memset(&w.si, 0x5a, sizeof w.si);
    errno = 0;
    w.rv = waitid(type, id, &w.si, options);
    w.err = errno;
    return w;
}

static void say_waitid(const char *label, const struct waited_id *w, pid_t want)
{
    printf("%s:", label);
    print_siginfo(w->rv, w->err, &w->si, want);
    printf("\n");
}

/* WNOWAIT leaves the child waitable: waitpid still reaps it. */
static void waitid_nowait(void)
{
    pid_t pid = fork_child((struct plan){NULL, NAP_MS, 22, END_EXIT});
    struct waited_id w = w_waitid(P_PID, (id_t)pid, WEXITED | WNOWAIT);
    say_waitid("waitid P_PID WEXITED|WNOWAIT", &w, pid);
    struct waited r = w_waitpid(pid, 0);
    say_line("waitpid after WNOWAIT still reaps it", r, pid);
    if (r.rv != pid)
        reap_quietly(pid);
}

static void waitid_nohang(void)
{
    struct gate g;
    gate_open(&g);
    pid_t pid = fork_child((struct plan){&g, 0, 0, END_EXIT});
    struct waited_id w = w_waitid(P_ALL, 0, WEXITED | WNOHANG);
    say_waitid("waitid P_ALL WEXITED|WNOHANG child-running", &w, pid);
    gate_release(&g);
    w = w_waitid(P_PID, (id_t)pid, WEXITED);
    say_waitid("waitid P_PID WEXITED after release", &w, pid);
    gate_close(&g);
    if (w.rv != 0)
        reap_quietly(pid);
}

static void waitid_killed(void)
{
    pid_t pid = fork_child((struct plan){NULL, 0, 0, END_HANG});
    kill(pid, SIGKILL);
    struct waited_id w = w_waitid(P_PID, (id_t)pid, WEXITED);
    say_waitid("waitid killed-child", &w, pid);
    if (w.rv != 0)
        reap_quietly(pid);
}

static void waitid_stop_continue(void)
{
    struct gate g;
    gate_open(&g);
    pid_t pid = fork_child((struct plan){&g, 0, 24, END_STOP_THEN_EXIT});
    struct waited_id w = w_waitid(P_PID, (id_t)pid, WSTOPPED);
    say_waitid("waitid WSTOPPED stopped-child", &w, pid);
    kill(pid, SIGCONT);
    w = w_waitid(P_PID, (id_t)pid, WCONTINUED);
    say_waitid("waitid WCONTINUED continued-child", &w, pid);
    gate_release(&g);
    w = w_waitid(P_PID, (id_t)pid, WEXITED);
    say_waitid("waitid WEXITED after continue", &w, pid);
    gate_close(&g);
    if (w.rv != 0) {
        kill(pid, SIGKILL);
        reap_quietly(pid);
    }
}

static void waitid_errors(void)
{
    struct waited_id w = w_waitid(P_ALL, 0, WEXITED);
    say_waitid("waitid no-children", &w, 0);
    w = w_waitid(P_ALL, 0, 0); /* no event asked for: EINVAL */
    printf("waitid no-options: rv=%d errno=%s\n", w.rv, ename(w.err));
}

static void run_waitid_cases(void)
{
    waitid_nowait();
    waitid_nohang();
    waitid_killed();
    waitid_stop_continue();
    waitid_errors();
}

/* ---- wait3 and wait4: rusage ---- */

/* Filled by the kernel: times in range, a maximum RSS (every process
 * has one); untouched: still the 0xff bytes it was set to. */
static const char *rusage_state(const struct rusage *ru)
{
    struct rusage garbage;
    memset(&garbage, 0xff, sizeof garbage);
    if (memcmp(ru, &garbage, sizeof garbage) == 0)
        return "untouched";
    int sane = ru->ru_utime.tv_sec >= 0 && ru->ru_utime.tv_usec >= 0 &&
               ru->ru_utime.tv_usec < 1000000 && ru->ru_stime.tv_sec >= 0 &&
               ru->ru_stime.tv_usec >= 0 && ru->ru_stime.tv_usec < 1000000 && ru->ru_maxrss > 0;
    return sane ? "filled" : "insane";
}

/* wait3 (pid < 0) or wait4 (pid > 0), with the rusage starting as 0xff
 * bytes. */
static struct waited w_wait34(pid_t pid, int options, struct rusage *ru)
{
    struct waited w = {0, 0, SENTINEL};
    memset(ru, 0xff, sizeof *ru);
    errno = 0;
    w.rv = pid < 0 ? wait3(&w.st, options, ru) : wait4(pid, &w.st, options, ru);
    w.err = errno;
    return w;
}

static void say_rusage(const char *label, struct waited w, pid_t want, const struct rusage *ru)
{
    say_wait(label, w, want);
    printf(" rusage=%s\n", rusage_state(ru));
}

static void wait3_case(const char *label)
{
    pid_t pid = fork_child((struct plan){NULL, NAP_MS, 25, END_EXIT});
    struct rusage ru;
    struct waited w = w_wait34(-1, 0, &ru);
    say_rusage(label, w, pid, &ru);
    if (w.rv != pid)
        reap_quietly(pid);
}

static void wait4_case(void)
{
    struct gate g;
    gate_open(&g);
    pid_t pid = fork_child((struct plan){&g, NAP_MS, 27, END_EXIT});
    struct rusage ru;
    struct waited w = w_wait34(pid, WNOHANG, &ru);
    say_rusage("wait4 WNOHANG child-running", w, pid, &ru);
    gate_release(&g);
    w = w_wait34(pid, 0, &ru);
    say_rusage("wait4 blocking", w, pid, &ru);
    gate_close(&g);
    if (w.rv != pid)
        reap_quietly(pid);
}

static void run_rusage_cases(void)
{
    wait3_case("wait3 one-child");
    wait4_case();
    struct rusage ru;
    struct waited w = w_wait34(-1, 0, &ru);
    say_rusage("wait3 no-children", w, 0, &ru);
}

/* ---- a SIGCHLD handler (SA_RESTART) while the parent waits ---- */

static atomic_int chld_count;
static pid_t main_tid;
static atomic_int chld_off_main; /* the handler ran on another thread */

static void on_chld(int sig)
{
    (void)sig;
    atomic_fetch_add(&chld_count, 1);
    if (gettid() != main_tid)
        atomic_store(&chld_off_main, 1);
}

static void set_chld(void (*handler)(int), int flags)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sa.sa_flags = flags;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGCHLD, &sa, NULL) != 0)
        die("sigaction: %s", strerror(errno));
}

/* A exits first (B waits for A's end of the gate), so its SIGCHLD comes
 * while we wait for B: the wait restarts and returns B. */
static void sigchld_restart(void)
{
    struct gate g;
    gate_open(&g);
    fflush(stdout);
    pid_t a = fork();
    if (a < 0)
        die("fork: %s", strerror(errno));
    if (a == 0) {
        close(g.r);
        nap_ms(NAP_MS);
        _exit(41); /* the gate's write end closes with it */
    }
    pid_t b = fork_child((struct plan){&g, NAP_MS, 42, END_EXIT});
    gate_release(&g);
    struct waited wb = w_waitpid(b, 0);
    say_wait("SIGCHLD SA_RESTART: waitpid(second child)", wb, b);
    printf(" handler ran=%s\n", yes_no(atomic_load(&chld_count) > 0));
    struct waited wa = w_waitpid(a, 0);
    say_line("SIGCHLD SA_RESTART: waitpid(first child)", wa, a);
    gate_close(&g);
    if (wb.rv != b)
        reap_quietly(b);
    if (wa.rv != a)
        reap_quietly(a);
}

/* Ignored: the kernel reaps the children; waitpid waits for the child
 * to end and then finds none. */
static void sigchld_ignored(void)
{
    set_chld(SIG_IGN, 0);
    pid_t pid = fork_child((struct plan){NULL, NAP_MS, 43, END_EXIT});
    say_line("SIGCHLD ignored: waitpid", w_waitpid(pid, 0), pid);
    set_chld(SIG_DFL, 0);
}

static void run_sigchld_cases(void)
{
    main_tid = gettid();
    set_chld(on_chld, SA_RESTART);
    sigchld_restart();
    system_case("SIGCHLD SA_RESTART: system exit-7", "exit 7");
    popen_read("SIGCHLD SA_RESTART: popen", "sleep 0.2; echo with-handler; exit 2", "r");
    wait3_case("SIGCHLD SA_RESTART: wait3 one-child");
    printf("SIGCHLD SA_RESTART: every handler call on the main thread=%s\n",
           yes_no(!atomic_load(&chld_off_main)));
    set_chld(SIG_DFL, 0);
    sigchld_ignored();
}

/* ---- setting up ---- */

static void write_file(const char *path, const char *text, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text) || close(fd) != 0)
        die("%s: %s", path, strerror(errno));
    if (chmod(path, mode) != 0) /* the umask may have taken bits */
        die("chmod %s: %s", path, strerror(errno));
}

static void join(char *out, const char *dir, const char *name)
{
    if (snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
        die("path too long: %s/%s", dir, name);
}

static void make_files(void)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = "/tmp";
    if (snprintf(tmp_dir, sizeof tmp_dir, "%s/bbx-launch-XXXXXX", base) >= (int)sizeof tmp_dir ||
        !mkdtemp(tmp_dir))
        die("mkdtemp in %s: %s", base, strerror(errno));
    join(plain_path, tmp_dir, "plain");
    join(notdir_path, plain_path, "sub");
    join(noshebang_path, tmp_dir, "noshebang");
    join(script_path, tmp_dir, "script");
    write_file(plain_path, "#!/bin/sh\nexit 0\n", 0644);
    write_file(noshebang_path, "exit 17\n", 0755);
    write_file(script_path, "#!/bin/sh\nexit 18\n", 0755);
}

static void remove_files(void)
{
    unlink(plain_path);
    unlink(noshebang_path);
    unlink(script_path);
    rmdir(tmp_dir);
}

int main(void)
{
    make_files();
    run_exec_cases();
    run_vfork_cases();
    run_spawn_cases();
    run_system_cases();
    run_popen_cases();
    run_signal_cases();
    run_wait_cases();
    run_waitid_cases();
    run_rusage_cases();
    run_sigchld_cases();
    wait_errors("last"); /* nothing left behind by any case */
    remove_files();
    printf("exit 0\n");
    return 0;
}
