/*
 * launch_hooks.c - the interposed calls that launch programs and reap them
 * (BBX_TRACK exec): the exec family, posix_spawn, posix_spawnp, system,
 * and wait, waitpid, wait3, wait4, waitid.  popen and pclose are in
 * track_stdio_hooks.c, beside the fd they make.
 *
 * Each calls the real function with the caller's arguments and returns
 * what it returned with errno as it left it; around it, launch_table.c
 * records the launch (stack, arguments, time), its failure (errno, PATH
 * searched) and its end (the wait status of the reaped child).  libc's own
 * calls between these (execl calling execve inside libc, system waiting
 * for its shell) do not come here: each launch is recorded once.  With
 * tracking off each is one relaxed load more than the call itself.  The
 * waits block (a UI thread waiting for a hung helper): like the other
 * blocking calls they mark the thread's call slot (blocking_calls.h), so a
 * snapshot unwinds it from there instead of signalling it.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blocking_calls.h"
#include "launch_table.h"
#include "track_hooks.h"

/* A name without '/' is searched in PATH by the p-variants. */
static int searches(const char *file)
{
    return file && *file && !strchr(file, '/');
}

/* The exec returned: it failed.  Record why and give errno back. */
static int exec_failed(int slot, int rc, int searched)
{
    int err = errno;
    launch_failed(slot, err, searched);
    errno = err;
    return rc;
}

static int no_real(void)
{
    errno = ENOSYS;
    return -1;
}

TRACK_REAL(execve);
BBX_API int execve(const char *path, char *const argv[], char *const envp[])
{
    __typeof__(&execve) real = TRACK_RESOLVE(execve);
    int slot = launch_begin(LAUNCH_EXECVE, path, argv, TRACK_RA);
    if (slot >= 0)
        launch_started(slot, (pid_t)syscall(SYS_getpid), -1);
    int rc = real ? real(path, argv, envp) : (int)syscall(SYS_execve, path, argv, envp);
    return exec_failed(slot, rc, 0);
}

/* The rest of an exec hook: the real call with these arguments. */
#define EXEC_CALL(searched, ...)                                                    \
    do {                                                                            \
        if (slot >= 0)                                                              \
            launch_started(slot, (pid_t)syscall(SYS_getpid), -1);                   \
        int rc_ = real ? real(__VA_ARGS__) : no_real();                             \
        return exec_failed(slot, rc_, searched);                                    \
    } while (0)

TRACK_REAL(execv);
BBX_API int execv(const char *path, char *const argv[])
{
    __typeof__(&execv) real = TRACK_RESOLVE(execv);
    int slot = launch_begin(LAUNCH_EXECV, path, argv, TRACK_RA);
    EXEC_CALL(0, path, argv);
}

TRACK_REAL(execvp);
BBX_API int execvp(const char *file, char *const argv[])
{
    __typeof__(&execvp) real = TRACK_RESOLVE(execvp);
    int slot = launch_begin(LAUNCH_EXECVP, file, argv, TRACK_RA);
    EXEC_CALL(searches(file), file, argv);
}

TRACK_REAL(execvpe);
BBX_API int execvpe(const char *file, char *const argv[], char *const envp[])
{
    __typeof__(&execvpe) real = TRACK_RESOLVE(execvpe);
    int slot = launch_begin(LAUNCH_EXECVPE, file, argv, TRACK_RA);
    EXEC_CALL(searches(file), file, argv, envp);
}

TRACK_REAL(fexecve);
BBX_API int fexecve(int fd, char *const argv[], char *const envp[])
{
    __typeof__(&fexecve) real = TRACK_RESOLVE(fexecve);
    int slot = launch_begin(LAUNCH_FEXECVE, NULL, argv, TRACK_RA);
    EXEC_CALL(0, fd, argv, envp);
}

/* execl, execle, execlp: the arguments into a vector argv on the stack
 * (as libc does), then the vector call of the same meaning; `ap` is left
 * after the NULL that ends them (execle's envp follows). */
static size_t count_args(va_list ap)
{
    size_t n = 1;
    while (va_arg(ap, char *))
        n++;
    return n;
}

#define GATHER_ARGS(argv, ap, arg)                                                  \
    va_list ap, ap2_;                                                               \
    va_start(ap, arg);                                                              \
    va_copy(ap2_, ap);                                                              \
    size_t n_ = count_args(ap2_);                                                   \
    va_end(ap2_);                                                                   \
    char *argv[n_ + 1];                                                             \
    argv[0] = (char *)(arg);                                                        \
    for (size_t i_ = 1; i_ <= n_; i_++)                                             \
        argv[i_] = va_arg(ap, char *) /* the last is the NULL */

BBX_API int execl(const char *path, const char *arg, ...)
{
    GATHER_ARGS(argv, ap, arg);
    va_end(ap);
    __typeof__(&execv) real = TRACK_RESOLVE(execv);
    int slot = launch_begin(LAUNCH_EXECL, path, argv, TRACK_RA);
    EXEC_CALL(0, path, argv);
}

BBX_API int execlp(const char *file, const char *arg, ...)
{
    GATHER_ARGS(argv, ap, arg);
    va_end(ap);
    __typeof__(&execvp) real = TRACK_RESOLVE(execvp);
    int slot = launch_begin(LAUNCH_EXECLP, file, argv, TRACK_RA);
    EXEC_CALL(searches(file), file, argv);
}

BBX_API int execle(const char *path, const char *arg, ...)
{
    GATHER_ARGS(argv, ap, arg);
    char **envp = va_arg(ap, char **);
    va_end(ap);
    __typeof__(&execve) real = TRACK_RESOLVE(execve);
    int slot = launch_begin(LAUNCH_EXECLE, path, argv, TRACK_RA);
    if (slot >= 0)
        launch_started(slot, (pid_t)syscall(SYS_getpid), -1);
    int rc = real ? real(path, argv, envp) : (int)syscall(SYS_execve, path, argv, envp);
    return exec_failed(slot, rc, 0);
}

/* posix_spawn and posix_spawnp return the error instead of setting errno;
 * the pid goes into a local when the caller passed none. */
static int spawned(int slot, int rc, pid_t pid, int searched)
{
    if (rc == 0)
        launch_started(slot, pid, -1);
    else
        launch_failed(slot, rc, searched);
    return rc;
}

/* posix_spawn and posix_spawnp: the real `fn` with the caller's arguments
 * (a local for the pid when the caller passed none). */
typedef int spawn_fn(pid_t *restrict, const char *restrict, const posix_spawn_file_actions_t *,
                     const posix_spawnattr_t *restrict, char *const[restrict],
                     char *const[restrict]);

static int spawn_via(spawn_fn *real, int call, pid_t *pid, const char *file,
                     const posix_spawn_file_actions_t *actions, const posix_spawnattr_t *attr,
                     char *const argv[], char *const envp[], uintptr_t ra)
{
    pid_t own;
    if (!real)
        return ENOSYS;
    int slot = launch_begin(call, file, argv, ra);
    if (slot < 0)
        return real(pid, file, actions, attr, argv, envp);
    pid_t *p = pid ? pid : &own;
    int rc = real(p, file, actions, attr, argv, envp);
    return spawned(slot, rc, rc == 0 ? *p : 0, call == LAUNCH_POSIX_SPAWNP && searches(file));
}

TRACK_REAL(posix_spawn);
BBX_API int posix_spawn(pid_t *restrict pid, const char *restrict path,
                        const posix_spawn_file_actions_t *actions,
                        const posix_spawnattr_t *restrict attr, char *const argv[restrict],
                        char *const envp[restrict])
{
    return spawn_via(TRACK_RESOLVE(posix_spawn), LAUNCH_POSIX_SPAWN, pid, path, actions, attr,
                     argv, envp, TRACK_RA);
}

TRACK_REAL(posix_spawnp);
BBX_API int posix_spawnp(pid_t *restrict pid, const char *restrict file,
                         const posix_spawn_file_actions_t *actions,
                         const posix_spawnattr_t *restrict attr, char *const argv[restrict],
                         char *const envp[restrict])
{
    return spawn_via(TRACK_RESOLVE(posix_spawnp), LAUNCH_POSIX_SPAWNP, pid, file, actions, attr,
                     argv, envp, TRACK_RA);
}

TRACK_REAL(system);
BBX_API int system(const char *command)
{
    __typeof__(&system) real = TRACK_RESOLVE(system);
    if (!real)
        return no_real();
    /* system(NULL) only asks whether a shell exists */
    int slot = command ? launch_begin_command(LAUNCH_SYSTEM, command, TRACK_RA) : -1;
    int rc = real(command);
    if (slot >= 0) {
        int err = errno;
        if (rc == -1)
            launch_failed(slot, err, 0);
        else
            launch_ended(slot, rc);
        errno = err;
    }
    return rc;
}

/* ---- reaping ---- */

/* A wait call returned r with *status: record a reaped child; returns r. */
static pid_t reaped(pid_t r, const int *status)
{
    if (r > 0 && track_exec_on())
        launch_reaped(r, *status); /* keeps errno */
    return r;
}

/* The body of a wait hook up to its result r: the real call (the raw
 * system call while it cannot be resolved) inside the call slot. */
#define WAIT_CALL(name, args, fallback)                                             \
    __typeof__(&name) real = TRACK_RESOLVE(name);                                   \
    uint64_t regs[CALL_REGS];                                                       \
    bbx_calls_save(regs);                                                           \
    struct call_slot *c = calls_enter(regs, #name);                                 \
    __typeof__(name args) r = real ? real args : (fallback);                        \
    calls_leave(c)

TRACK_REAL(waitpid);
BBX_API pid_t waitpid(pid_t pid, int *status, int options)
{
    int own = 0, *st = status ? status : &own;
    WAIT_CALL(waitpid, (pid, st, options), (pid_t)syscall(SYS_wait4, pid, st, options, NULL));
    return reaped(r, st);
}

TRACK_REAL(wait);
BBX_API pid_t wait(int *status)
{
    int own = 0, *st = status ? status : &own;
    WAIT_CALL(wait, (st), (pid_t)syscall(SYS_wait4, -1, st, 0, NULL));
    return reaped(r, st);
}

TRACK_REAL(wait3);
BBX_API pid_t wait3(int *status, int options, struct rusage *usage)
{
    int own = 0, *st = status ? status : &own;
    WAIT_CALL(wait3, (st, options, usage), (pid_t)syscall(SYS_wait4, -1, st, options, usage));
    return reaped(r, st);
}

TRACK_REAL(wait4);
BBX_API pid_t wait4(pid_t pid, int *status, int options, struct rusage *usage)
{
    int own = 0, *st = status ? status : &own;
    WAIT_CALL(wait4, (pid, st, options, usage),
              (pid_t)syscall(SYS_wait4, pid, st, options, usage));
    return reaped(r, st);
}

/* waitid's siginfo as a wait status; -1 when it reaped nothing. */
static int siginfo_status(const siginfo_t *si, int options)
{
    if (options & WNOWAIT || si->si_pid <= 0)
        return -1;
    switch (si->si_code) {
    case CLD_EXITED: return (si->si_status & 0xff) << 8;
    case CLD_KILLED: return si->si_status & 0x7f;
    case CLD_DUMPED: return (si->si_status & 0x7f) | 0x80;
    default: return -1;
    }
}

TRACK_REAL(waitid);
BBX_API int waitid(idtype_t idtype, id_t id, siginfo_t *info, int options)
{
    siginfo_t own;
    siginfo_t *si = info ? info : &own;
    if (!info)
        memset(&own, 0, sizeof(own));
    WAIT_CALL(waitid, (idtype, id, si, options),
              (int)syscall(SYS_waitid, idtype, id, si, options, NULL));
    if (r == 0) {
        int status = siginfo_status(si, options);
        if (status >= 0)
            reaped(si->si_pid, &status);
    }
    return r;
}
