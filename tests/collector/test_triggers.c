/*
 * test_triggers.c - Check tests of the snapshots beyond crashes, from the
 * environment: periodic (BBX_INTERVAL_MS), on a signal (BBX_SIGNAL), at
 * exit (BBX_AT_EXIT), bad values refused, the directory cap (BBX_MAX_FILES,
 * BBX_MAX_BYTES), and libbbx-preload.so under an unmodified program.
 * Real processes where the behaviour is a process's: trigger_helper (linked
 * with libbbx) and system programs under LD_PRELOAD.  Waits are bounded by
 * conditions (files appearing), never by timing.
 *
 * Usage: test_triggers HELPER PRELOAD_LIB SANITIZER_RUNTIME|- SH SLEEP
 */
#include <bbx.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "snap_format.h"
#include "snap_reader.h"
#include "unit_run.h"

#define WAIT_BOUND_MS 60000

static const char *helper_path, *preload_path, *sanitizer_runtime, *sh_path, *sleep_path;
static char scratch[64];

static void make_scratch(void)
{
    snprintf(scratch, sizeof(scratch), "/tmp/bbx-trig-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(scratch));
    for (char **e = environ; *e;) { /* a clean BBX_* environment */
        if (strncmp(*e, "BBX_", 4) == 0) {
            char name[64];
            size_t n = strcspn(*e, "=");
            snprintf(name, sizeof(name), "%.*s", (int)n, *e);
            unsetenv(name);
        } else {
            e++;
        }
    }
}

static void remove_scratch(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
    ck_assert_int_eq(system(cmd), 0);
}

static int has_suffix(const char *name, const char *suffix)
{
    size_t l = strlen(name), s = strlen(suffix);
    return l >= s && strcmp(name + l - s, suffix) == 0;
}

static int count_files(const char *suffix)
{
    DIR *d = opendir(scratch);
    struct dirent *e;
    int n = 0;
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL)
        n += has_suffix(e->d_name, suffix);
    closedir(d);
    return n;
}

static int file_exists(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", scratch, name);
    return access(path, F_OK) == 0;
}

static void sleep_ms(unsigned ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* Wait until at least n files end with suffix (bounded); returns the count. */
static int wait_for_files(const char *suffix, int n)
{
    int have = 0;
    for (unsigned waited = 0; waited < WAIT_BOUND_MS; waited += 10) {
        if ((have = count_files(suffix)) >= n)
            break;
        sleep_ms(10);
    }
    return have;
}

/* Read every file ending with suffix: complete, of trigger kind `kind`
 * (0: any); returns how many. */
static int check_files(const char *suffix, uint64_t kind, const char *reason)
{
    DIR *d = opendir(scratch);
    struct dirent *e;
    int n = 0;
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL) {
        char path[512], err[256];
        if (!has_suffix(e->d_name, suffix))
            continue;
        snprintf(path, sizeof(path), "%s/%s", scratch, e->d_name);
        snap *s = snap_read_file(path, err, sizeof(err));
        ck_assert_msg(s != NULL, "%s: %s", path, err);
        ck_assert_msg(s->complete, "%s: incomplete", path);
        ck_assert(s->trigger.present);
        if (kind)
            ck_assert_uint_eq(s->trigger.kind, kind);
        if (reason)
            ck_assert_str_eq(s->trigger.reason, reason);
        if (kind == SNAP_TRIGGER_PERIODIC || kind == SNAP_TRIGGER_SIGNAL) {
            /* taken by the collector thread, marked as bbx's own */
            const snap_thread *t = snap_trigger_thread(s);
            ck_assert_ptr_nonnull(t);
            ck_assert(t->bbx_internal);
            ck_assert_str_eq(t->name, "bbx-collector");
            int internal = 0;
            for (size_t i = 0; i < s->n_threads; i++)
                internal += s->threads[i].bbx_internal;
            ck_assert_int_eq(internal, 1);
        }
        snap_free(s);
        n++;
    }
    closedir(d);
    return n;
}

/* Start argv with BBX_DIR=scratch and the "NAME=value" strings in env;
 * *out gets the read end of its stdout. */
static pid_t spawn(char *const argv[], const char *const env[], int *out)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        setenv("BBX_DIR", scratch, 1);
        for (unsigned i = 0; env[i]; i++)
            putenv((char *)env[i]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    *out = fds[0];
    return pid;
}

/* Read the child's stdout up to "ready\n" (or EOF); 1 when seen. */
static int wait_ready(int fd)
{
    char buf[64];
    size_t len = 0;
    while (len < sizeof(buf) - 1) {
        ssize_t k = read(fd, buf + len, sizeof(buf) - 1 - len);
        if (k <= 0)
            break;
        len += (size_t)k;
        buf[len] = '\0';
        if (strstr(buf, "ready\n"))
            return 1;
    }
    return 0;
}

static int reap(pid_t pid)
{
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    return status;
}

static pid_t spawn_helper(const char *mode, const char *const env[], int *out)
{
    char *argv[] = { (char *)helper_path, (char *)mode, NULL };
    return spawn(argv, env, out);
}

START_TEST(interval_gives_periodic_snapshots)
{
    const char *env[] = { "BBX_APP=trig", "BBX_INTERVAL_MS=30", NULL };
    int out;
    make_scratch();
    pid_t pid = spawn_helper("wait", env, &out);
    ck_assert(wait_ready(out));
    ck_assert_int_ge(wait_for_files("-periodic.bbx", 3), 3);
    kill(pid, SIGKILL);
    reap(pid);
    close(out);
    ck_assert_int_ge(check_files("-periodic.bbx", SNAP_TRIGGER_PERIODIC, "periodic"), 3);
    ck_assert_int_eq(count_files("-signal.bbx") + count_files("-exit.bbx"), 0);
    remove_scratch();
}
END_TEST

/* The collector thread is in the snapshot, named. */
static int has_collector_thread(const char *suffix)
{
    DIR *d = opendir(scratch);
    struct dirent *e;
    int found = 0;
    while (d && (e = readdir(d)) != NULL) {
        char path[512], err[256];
        if (!has_suffix(e->d_name, suffix))
            continue;
        snprintf(path, sizeof(path), "%s/%s", scratch, e->d_name);
        snap *s = snap_read_file(path, err, sizeof(err));
        for (size_t i = 0; s && i < s->n_threads; i++)
            found |= s->threads[i].name && strcmp(s->threads[i].name, "bbx-collector") == 0;
        snap_free(s);
    }
    if (d)
        closedir(d);
    return found;
}

START_TEST(signal_gives_one_snapshot)
{
    const char *env[] = { "BBX_APP=trig", "BBX_SIGNAL=USR2", NULL };
    int out, status;
    make_scratch();
    pid_t pid = spawn_helper("wait", env, &out);
    ck_assert(wait_ready(out));
    ck_assert_int_eq(kill(pid, SIGUSR2), 0);
    ck_assert_int_eq(wait_for_files("-signal.bbx", 1), 1);
    /* the program goes on */
    ck_assert_int_eq(waitpid(pid, &status, WNOHANG), 0);
    kill(pid, SIGTERM);
    status = reap(pid);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    close(out);
    ck_assert_int_eq(check_files("-signal.bbx", SNAP_TRIGGER_SIGNAL, NULL), 1);
    ck_assert_int_eq(count_files(".bbx"), 1);
    ck_assert(has_collector_thread("-signal.bbx"));
    remove_scratch();
}
END_TEST

START_TEST(at_exit_snapshot_on_exit_only)
{
    const char *env[] = { "BBX_APP=trig", "BBX_AT_EXIT=1", NULL };
    int out;
    make_scratch();
    pid_t pid = spawn_helper("exit", env, &out);
    int status = reap(pid);
    close(out);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_int_eq(check_files("-exit.bbx", SNAP_TRIGGER_EXIT, "exit"), 1);
    ck_assert_int_eq(count_files(".bbx"), 1);

    pid = spawn_helper("_exit", env, &out);
    status = reap(pid);
    close(out);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_int_eq(count_files(".bbx"), 1);
    remove_scratch();
}
END_TEST

/* Forked children have no collector thread: they leave without waiting on
 * it, and take no exit snapshot of their own; the parent's is taken. */
START_TEST(forked_children_exit_cleanly)
{
    /* detect_leaks=0: the leak check LeakSanitizer runs at exit in a forked
     * child of a threaded process can hang on an allocator lock another
     * thread held at fork() (GCC 12's libasan is not fork-safe there:
     * google/sanitizers#774); no effect without sanitizers. */
    const char *env[] = { "BBX_APP=trig", "BBX_AT_EXIT=1", "BBX_INTERVAL_MS=20",
                          "BBX_SIGNAL=USR2", "ASAN_OPTIONS=detect_leaks=0", NULL };
    int out;
    make_scratch();
    pid_t pid = spawn_helper("fork", env, &out);
    int status = reap(pid);
    close(out);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_int_eq(check_files("-exit.bbx", SNAP_TRIGGER_EXIT, "exit"), 1);
    remove_scratch();
}
END_TEST

START_TEST(bad_values_are_refused)
{
    static const char *const bad[][2] = {
        { "BBX_INTERVAL_MS", "abc" },  { "BBX_INTERVAL_MS", "0" },
        { "BBX_INTERVAL_MS", "5" },    { "BBX_INTERVAL_MS", "-100" },
        { "BBX_INTERVAL_MS", "100ms" }, { "BBX_SIGNAL", "KILL" },
        { "BBX_SIGNAL", "SIGSEGV" },
        { "BBX_SIGNAL", "NOPE" },      { "BBX_SIGNAL", "99" },
        { "BBX_AT_EXIT", "maybe" },    { "BBX_MAX_FILES", "x" },
        { "BBX_MAX_BYTES", "12Q" },    { "BBX_MAX_BYTES", "99999999999G" },
        { "BBX_TRACK", "sockets" },    { "BBX_TRACK_FRAMES", "65" },
    };
    make_scratch();
    setenv("BBX_DIR", scratch, 1);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        setenv(bad[i][0], bad[i][1], 1);
        ck_assert_msg(bbx_init(NULL) == BBX_EINVAL, "%s=%s accepted", bad[i][0], bad[i][1]);
        ck_assert_int_eq(bbx_snapshot("x"), BBX_ENOTINIT);
        unsetenv(bad[i][0]);
    }
    /* the on-demand signal cannot be the thread signal the program chose */
    setenv("BBX_THREAD_SIGNAL", "RTMAX-5", 1);
    setenv("BBX_SIGNAL", "RTMAX-5", 1);
    ck_assert_int_eq(bbx_init(NULL), BBX_EINVAL);
    unsetenv("BBX_THREAD_SIGNAL");
    unsetenv("BBX_SIGNAL");
    /* good ones: names, numbers, suffixes */
    setenv("BBX_SIGNAL", "SIGUSR1", 1);
    setenv("BBX_INTERVAL_MS", "100000", 1);
    setenv("BBX_MAX_BYTES", "64M", 1);
    setenv("BBX_MAX_FILES", "10", 1);
    setenv("BBX_AT_EXIT", "0", 1);
    ck_assert_int_eq(bbx_init(NULL), 0);
    ck_assert_int_eq(bbx_snapshot("ok"), 0);
    bbx_shutdown();
    remove_scratch();
}
END_TEST

/* The trigger helper refuses to start with a bad value: a real process. */
START_TEST(bad_interval_fails_init_in_process)
{
    const char *env[] = { "BBX_INTERVAL_MS=soon", NULL };
    int out;
    make_scratch();
    pid_t pid = spawn_helper("exit", env, &out);
    int status = reap(pid);
    close(out);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 3);
    ck_assert_int_eq(count_files(".bbx"), 0);
    remove_scratch();
}
END_TEST

/* A copy of `src` named `name` in the scratch directory. */
static void copy_as(const char *src, const char *name)
{
    char cmd[768];
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s/%s'", src, scratch, name);
    ck_assert_int_eq(system(cmd), 0);
}

#define CRASH "cap-1-20000101-000000.000-sigsegv.bbx"
#define P1 "cap-1-20000101-000001.000-periodic.bbx"
#define R1 "cap-1-20000101-000002.000-request.bbx"
#define P2 "cap-1-20000101-000003.000-periodic.bbx"
#define OTHER_APP "other-1-20000101-000000.000-periodic.bbx"
#define IN_PROGRESS "cap-1-20000101-000000.500-periodic.bbx.tmp"

/* Old snapshots of every kind (copies of a real one), then a cap. */
static void seed_directory(void)
{
    char real[512];
    make_scratch();
    setenv("BBX_DIR", scratch, 1);
    setenv("BBX_APP", "cap", 1);
    ck_assert_int_eq(bbx_init(NULL), 0);
    ck_assert_int_eq(bbx_snapshot("seed"), 0);
    snprintf(real, sizeof(real), "%s", bbx_last_snapshot());
    bbx_shutdown();
    const char *names[] = { CRASH, P1, R1, P2, OTHER_APP, IN_PROGRESS };
    for (unsigned i = 0; i < 6; i++)
        copy_as(real, names[i]);
    ck_assert_int_eq(unlink(real), 0);
}

static const char *last_name(void)
{
    return strrchr(bbx_last_snapshot(), '/') + 1;
}

START_TEST(cap_deletes_periodic_first_never_crash)
{
    char new1[256], new2[256];
    seed_directory();
    setenv("BBX_MAX_FILES", "3", 1);
    ck_assert_int_eq(bbx_init(NULL), 0);

    ck_assert_int_eq(bbx_snapshot("one"), 0);
    snprintf(new1, sizeof(new1), "%s", last_name());
    /* 6 of this app, the unfinished one counted: both periodic go first,
     * then the older request: crash, in progress, one */
    ck_assert(file_exists(CRASH) && file_exists(IN_PROGRESS) && file_exists(new1));
    ck_assert(!file_exists(P1) && !file_exists(P2) && !file_exists(R1));
    ck_assert(file_exists(OTHER_APP));

    ck_assert_int_eq(bbx_snapshot("two"), 0);
    snprintf(new2, sizeof(new2), "%s", last_name());
    ck_assert(file_exists(CRASH) && file_exists(IN_PROGRESS));
    ck_assert(!file_exists(new1) && file_exists(new2));

    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(bbx_snapshot("more"), 0);
    ck_assert(file_exists(CRASH) && file_exists(last_name()));
    ck_assert_int_eq(count_files(".bbx"), 3); /* crash, newest, other app (+ in progress) */
    ck_assert(file_exists(OTHER_APP) && file_exists(IN_PROGRESS));
    bbx_shutdown();
    remove_scratch();
}
END_TEST

START_TEST(cap_by_bytes_keeps_crash_and_newest)
{
    seed_directory();
    setenv("BBX_MAX_BYTES", "1", 1);
    ck_assert_int_eq(bbx_init(NULL), 0);
    ck_assert_int_eq(bbx_snapshot("one"), 0);
    ck_assert(file_exists(CRASH) && file_exists(last_name()));
    ck_assert_int_eq(count_files(".bbx"), 3); /* crash, newest, other app */
    bbx_shutdown();
    remove_scratch();
}
END_TEST

/* A pid that existed a moment ago and is gone (reaped). */
static pid_t dead_pid(void)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(0);
    ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
    return pid;
}

/* A file in scratch named `name` holding `size` bytes of 'x'. */
static void plant(const char *name, size_t size)
{
    char path[256];
    snprintf(path, sizeof(path), "%s/%s", scratch, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    for (size_t i = 0; i < size; i++)
        fputc('x', f);
    ck_assert_int_eq(fclose(f), 0);
}

START_TEST(first_snapshot_sweeps_stale_tmp_of_dead_processes)
{
    char dead_periodic[128], dead_crash[128], dead_empty_crash[128];
    pid_t dead = dead_pid();
    make_scratch();
    snprintf(dead_periodic, sizeof(dead_periodic),
             "cap-%d-20000101-000000.000-periodic.bbx.tmp", (int)dead);
    snprintf(dead_crash, sizeof(dead_crash), "cap-%d-20000101-000000.000-sigsegv.bbx.tmp",
             (int)dead);
    snprintf(dead_empty_crash, sizeof(dead_empty_crash),
             "cap-%d-20000101-000001.000-sigabrt.bbx.tmp", (int)dead);
    plant(dead_periodic, 0);
    plant(dead_crash, 4096);     /* records a reader recovers */
    plant(dead_empty_crash, 0);  /* left by a full disk: nothing in it */
    plant(IN_PROGRESS, 0);
    setenv("BBX_DIR", scratch, 1);
    setenv("BBX_APP", "cap", 1);
    ck_assert_int_eq(bbx_init(NULL), 0);
    /* not at init (it cost every process's start), at the first snapshot */
    ck_assert(file_exists(dead_periodic) && file_exists(dead_empty_crash));
    ck_assert_int_eq(bbx_snapshot("first"), 0);
    /* a periodic capture cut short in a process that is gone: deleted; an
     * empty crash file too; a crash's partial file stays for readers; pid 1
     * is alive: kept */
    ck_assert(!file_exists(dead_periodic) && !file_exists(dead_empty_crash));
    ck_assert(file_exists(dead_crash) && file_exists(IN_PROGRESS));
    bbx_shutdown();
    remove_scratch();
}
END_TEST

/* Unfinished files count toward BBX_MAX_FILES and BBX_MAX_BYTES; stale
 * ones (process gone: a periodic one, an empty crash one) go first. */
START_TEST(cap_counts_tmp_files)
{
    char stale[128], stale_crash[128], a[256], b[256];
    pid_t dead = dead_pid();
    make_scratch();
    setenv("BBX_DIR", scratch, 1);
    setenv("BBX_APP", "cap", 1);
    setenv("BBX_MAX_FILES", "2", 1);
    ck_assert_int_eq(bbx_init(NULL), 0);
    /* after init (so the start-up sweep leaves them): stale, and one of a
     * live process (pid 1) */
    snprintf(stale, sizeof(stale), "cap-%d-20000101-000000.000-periodic.bbx.tmp", (int)dead);
    snprintf(stale_crash, sizeof(stale_crash), "cap-%d-20000101-000000.000-sigsegv.bbx.tmp",
             (int)dead);
    plant(stale, 100);
    plant(stale_crash, 0);
    plant(IN_PROGRESS, 100);
    ck_assert_int_eq(bbx_snapshot("a"), 0);
    snprintf(a, sizeof(a), "%s", last_name());
    /* 4 with the three unfinished ones: the stale ones go, not a */
    ck_assert(!file_exists(stale) && !file_exists(stale_crash));
    ck_assert(file_exists(a) && file_exists(IN_PROGRESS));
    ck_assert_int_eq(bbx_snapshot("b"), 0);
    snprintf(b, sizeof(b), "%s", last_name());
    /* a, b and the unfinished one: 3 > 2, a goes */
    ck_assert(!file_exists(a) && file_exists(b) && file_exists(IN_PROGRESS));
    bbx_shutdown();
    unsetenv("BBX_MAX_FILES");

    /* bytes: a 1 MiB unfinished file leaves room for no finished one but
     * the newest */
    remove_scratch();
    make_scratch();
    setenv("BBX_DIR", scratch, 1);
    setenv("BBX_APP", "cap", 1);
    setenv("BBX_MAX_BYTES", "1M", 1);
    plant(IN_PROGRESS, 1u << 20);
    ck_assert_int_eq(bbx_init(NULL), 0);
    ck_assert_int_eq(bbx_snapshot("a"), 0);
    snprintf(a, sizeof(a), "%s", last_name());
    ck_assert_int_eq(bbx_snapshot("b"), 0);
    ck_assert(!file_exists(a) && file_exists(last_name()) && file_exists(IN_PROGRESS));
    bbx_shutdown();
    unsetenv("BBX_MAX_BYTES");
    remove_scratch();
}
END_TEST

/* The newest periodic snapshot of app "cap" in name order, not seeded
 * ones; "" when none.  Returns how many there are. */
static int newest_cap_periodic(char *name, size_t cap)
{
    DIR *d = opendir(scratch);
    struct dirent *e;
    int n = 0;
    name[0] = '\0';
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "cap-", 4) != 0 || !has_suffix(e->d_name, "-periodic.bbx") ||
            strcmp(e->d_name, P1) == 0 || strcmp(e->d_name, P2) == 0)
            continue;
        n++;
        if (strcmp(e->d_name, name) > 0)
            snprintf(name, cap, "%s", e->d_name);
    }
    closedir(d);
    return n;
}

/* The cap applies to the collector's periodic snapshots too: they replace
 * one another, and the older request snapshot stays (crash, request, the
 * unfinished one and the newest periodic: 4). */
START_TEST(cap_applies_to_periodic)
{
    const char *env[] = { "BBX_APP=cap", "BBX_INTERVAL_MS=20", "BBX_MAX_FILES=4", NULL };
    char first[256] = "", now[256];
    int out, replaced = 0;
    seed_directory();
    unsetenv("BBX_APP");
    pid_t pid = spawn_helper("wait", env, &out);
    ck_assert(wait_ready(out));
    /* wait until a periodic snapshot has replaced the first one */
    for (unsigned waited = 0; waited < WAIT_BOUND_MS && !replaced; waited += 10) {
        newest_cap_periodic(now, sizeof(now));
        if (!first[0])
            snprintf(first, sizeof(first), "%s", now);
        replaced = first[0] && strcmp(now, first) != 0 && !file_exists(first);
        if (!replaced)
            sleep_ms(10);
    }
    kill(pid, SIGKILL);
    reap(pid);
    close(out);
    ck_assert_msg(replaced, "no periodic snapshot replaced %s", first);
    ck_assert(!file_exists(P1) && !file_exists(P2));
    ck_assert(file_exists(CRASH) && file_exists(R1));
    /* killed between a rename and the cap at worst: one over */
    ck_assert_int_le(newest_cap_periodic(now, sizeof(now)), 2);
    remove_scratch();
}
END_TEST

/* Environment for a program under libbbx-preload.so. */
static void preload_env(char *ld, size_t cap)
{
    if (strcmp(sanitizer_runtime, "-") != 0)
        snprintf(ld, cap, "LD_PRELOAD=%s:%s", sanitizer_runtime, preload_path);
    else
        snprintf(ld, cap, "LD_PRELOAD=%s", preload_path);
}

START_TEST(preload_runs_unmodified_programs)
{
    char ld[1024], buf[64] = "";
    const char *env[] = { ld, "BBX_INTERVAL_MS=20", "BBX_AT_EXIT=1",
                          "ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0", NULL };
    int out;
    preload_env(ld, sizeof(ld));
    make_scratch();

    /* a long-running program: periodic snapshots */
    char *sleep_argv[] = { (char *)sleep_path, "60", NULL };
    pid_t pid = spawn(sleep_argv, env, &out);
    ck_assert_int_ge(wait_for_files("-periodic.bbx", 2), 2);
    kill(pid, SIGKILL);
    reap(pid);
    close(out);
    ck_assert_int_ge(check_files("-periodic.bbx", SNAP_TRIGGER_PERIODIC, "periodic"), 2);

    /* a shell pipeline: every process has its collector, output unchanged */
    char *sh_argv[] = { (char *)sh_path, "-c", "echo a b c | wc -w", NULL };
    pid = spawn(sh_argv, env, &out);
    ssize_t k = read(out, buf, sizeof(buf) - 1);
    int status = reap(pid);
    close(out);
    ck_assert(k > 0);
    ck_assert_str_eq(buf, "3\n");
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ck_assert_int_ge(check_files("-exit.bbx", SNAP_TRIGGER_EXIT, "exit"), 1);
    ck_assert_int_eq(check_files(".bbx", 0, NULL), count_files(".bbx"));
    remove_scratch();
}
END_TEST

START_TEST(preload_reports_bad_value_and_program_runs)
{
    char ld[1024], buf[512] = "";
    const char *env[] = { ld, "BBX_INTERVAL_MS=soon",
                          "ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0", NULL };
    int out, err[2];
    preload_env(ld, sizeof(ld));
    make_scratch();
    ck_assert_int_eq(pipe(err), 0);
    int saved = dup(STDERR_FILENO);
    dup2(err[1], STDERR_FILENO); /* the child inherits it */
    char *sh_argv[] = { (char *)sh_path, "-c", "exit 7", NULL };
    pid_t pid = spawn(sh_argv, env, &out);
    dup2(saved, STDERR_FILENO);
    close(saved);
    close(err[1]);
    int status = reap(pid);
    ssize_t k = read(err[0], buf, sizeof(buf) - 1);
    close(err[0]);
    close(out);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 7);
    ck_assert(k > 0);
    ck_assert_msg(strstr(buf, "bbx-preload: BBX_INTERVAL_MS") == buf, "%s", buf);
    ck_assert_msg(strstr(buf, "collector not started\n") != NULL, "%s", buf);
    ck_assert_ptr_eq(strchr(buf, '\n'), buf + strlen(buf) - 1); /* one line */
    ck_assert_int_eq(count_files(".bbx"), 0);
    remove_scratch();
}
END_TEST

static Suite *triggers_suite(void)
{
    Suite *s = suite_create("collector_triggers");
    TCase *tc = tcase_create("triggers");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, interval_gives_periodic_snapshots);
    tcase_add_test(tc, signal_gives_one_snapshot);
    tcase_add_test(tc, at_exit_snapshot_on_exit_only);
    tcase_add_test(tc, forked_children_exit_cleanly);
    tcase_add_test(tc, bad_values_are_refused);
    tcase_add_test(tc, bad_interval_fails_init_in_process);
    tcase_add_test(tc, cap_deletes_periodic_first_never_crash);
    tcase_add_test(tc, cap_by_bytes_keeps_crash_and_newest);
    tcase_add_test(tc, cap_applies_to_periodic);
    tcase_add_test(tc, first_snapshot_sweeps_stale_tmp_of_dead_processes);
    tcase_add_test(tc, cap_counts_tmp_files);
    tcase_add_test(tc, preload_runs_unmodified_programs);
    tcase_add_test(tc, preload_reports_bad_value_and_program_runs);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: test_triggers HELPER PRELOAD_LIB SANITIZER_RUNTIME|- SH SLEEP\n");
        return 2;
    }
    helper_path = argv[1];
    preload_path = argv[2];
    sanitizer_runtime = argv[3];
    sh_path = argv[4];
    sleep_path = argv[5];
    return unit_run(triggers_suite());
}
