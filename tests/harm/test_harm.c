/*
 * test_harm.c - bbx does no harm: harm_prog (linked with libbbx) does what
 * real programs do, and each test checks that the program sees what it
 * sees without bbx and that bbx still works afterwards.  The expected
 * values come from the program's own behaviour (and, where it matters,
 * from the same program run with the collector's crash handlers off), not
 * from bbx.
 *
 * Usage: test_harm HARM_PROG PLUGIN
 */
#include <dirent.h>
#include <sys/types.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "snap_format.h"
#include "snap_reader.h"
#include "unit_run.h"

static const char *prog_path, *plugin_path;
static char scratch[64];

struct run {
    int status;
    char out[8192];
    pid_t pid;
};

static void make_scratch(void)
{
    /* Under the sanitizers: their own fatal-signal handlers (installed
     * before main, so bbx would run them first) stay out of the way */
    setenv("ASAN_OPTIONS",
           "handle_segv=0:handle_abort=0:handle_sigfpe=0:handle_sigbus=0:detect_leaks=0", 1);
    snprintf(scratch, sizeof(scratch), "/tmp/bbx-harm-XXXXXX");
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

/* Run harm_prog with args and "NAME=value" env strings (NULL-ended);
 * BBX_DIR is the scratch directory. */
static void run_prog(struct run *r, const char *const args[], const char *const env[])
{
    char *argv[8];
    int fds[2];
    unsigned n = 0;
    argv[n++] = (char *)prog_path;
    for (unsigned i = 0; args[i] && n < 7; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        setenv("BBX_DIR", scratch, 1);
        for (unsigned i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    size_t len = 0;
    ssize_t k;
    while (len < sizeof(r->out) - 1 && (k = read(fds[0], r->out + len, sizeof(r->out) - 1 - len)) > 0)
        len += (size_t)k;
    r->out[len] = '\0';
    close(fds[0]);
    ck_assert_int_eq(waitpid(pid, &r->status, 0), pid);
    r->pid = pid;
}

static int has_suffix(const char *name, const char *suffix)
{
    size_t l = strlen(name), s = strlen(suffix);
    return l >= s && strcmp(name + l - s, suffix) == 0;
}

/* Files in scratch ending with suffix; the last one's path into path. */
static int count_files(const char *suffix, char *path, size_t cap)
{
    DIR *d = opendir(scratch);
    struct dirent *e;
    int n = 0;
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL) {
        if (!has_suffix(e->d_name, suffix))
            continue;
        if (path)
            snprintf(path, cap, "%s/%s", scratch, e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

/* Every snapshot in scratch is complete and readable; returns how many. */
static int all_complete(void)
{
    DIR *d = opendir(scratch);
    struct dirent *e;
    int n = 0;
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL) {
        char path[512], err[256];
        if (!has_suffix(e->d_name, ".bbx"))
            continue;
        snprintf(path, sizeof(path), "%s/%s", scratch, e->d_name);
        snap *s = snap_read_file(path, err, sizeof(err));
        ck_assert_msg(s != NULL, "%s: %s", path, err);
        ck_assert_msg(s->complete, "%s: incomplete", path);
        ck_assert_msg(s->n_threads >= 1, "%s: no threads", path);
        snap_free(s);
        n++;
    }
    closedir(d);
    return n;
}

static snap *read_one(const char *suffix)
{
    char path[512], err[256];
    ck_assert_int_eq(count_files(suffix, path, sizeof(path)), 1);
    snap *s = snap_read_file(path, err, sizeof(err));
    ck_assert_msg(s != NULL, "%s: %s", path, err);
    return s;
}

/* A plugin loaded and unloaded every fraction of a millisecond while bbx
 * snapshots every 10 ms: the module scan and the unwinder read the
 * plugin's ELF headers and unwind tables while they vanish.  Before reads
 * went through process_vm_readv this died with SIGSEGV in 3 of 3 runs of
 * 5 s. */
START_TEST(plugin_unloaded_during_snapshots)
{
    struct run r;
    const char *args[] = { "dlrace", "5", plugin_path, NULL };
    const char *env[] = { "BBX_INTERVAL_MS=10", NULL };
    make_scratch();
    run_prog(&r, args, env);
    ck_assert_msg(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0,
                  "status %#x: %s", r.status, r.out);
    ck_assert_str_eq(r.out, "dlrace done: cycled\n");
    ck_assert_int_ge(all_complete(), 50);
    remove_scratch();
}
END_TEST

/* A fault the program recovers from (siglongjmp, or fixing the page and
 * returning) is no crash: no snapshot, and bbx keeps working: a snapshot on
 * request, then abort() captured. */
START_TEST(recovered_fault_is_no_crash)
{
    struct run r;
    const char *args[] = { "recover", NULL };
    make_scratch();
    run_prog(&r, args, NULL);
    ck_assert_msg(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGABRT, "status %#x",
                  r.status);
    ck_assert_str_eq(r.out, "recovered 3, fixed 3\nsnapshot after recovery: 0\n");
    ck_assert_int_eq(count_files("-sigsegv.bbx", NULL, 0), 0);
    ck_assert_int_eq(count_files("-request.bbx", NULL, 0), 1);
    snap *s = read_one("-sigabrt.bbx");
    ck_assert(s->complete);
    ck_assert_uint_eq(s->trigger.kind, SNAP_TRIGGER_CRASH);
    ck_assert_uint_eq(s->trigger.signal, SIGABRT);
    snap_free(s);
    remove_scratch();
}
END_TEST

/* RLIMIT_FSIZE below a snapshot's size: bbx_snapshot() fails and the
 * program goes on (it used to die of SIGXFSZ); a crash still dies of its
 * own signal, leaving a file cut at the limit. */
START_TEST(file_size_limit_is_no_kill)
{
    struct run r;
    const char *args1[] = { "fsize", "snapshot", NULL };
    const char *args2[] = { "fsize", "crash", NULL };
    struct stat st;
    char path[512];
    make_scratch();
    run_prog(&r, args1, NULL);
    ck_assert_msg(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "status %#x", r.status);
    ck_assert_msg(strstr(r.out, "snapshot: ") && !strstr(r.out, "snapshot: ok") &&
                      strstr(r.out, "still running\n"),
                  "%s", r.out);
    ck_assert_int_eq(count_files(".bbx", NULL, 0), 0);
    ck_assert_int_eq(count_files(".tmp", NULL, 0), 0); /* a failed request leaves nothing */
    run_prog(&r, args2, NULL);
    ck_assert_msg(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGSEGV, "status %#x",
                  r.status);
    ck_assert_int_eq(count_files("-sigsegv.bbx.tmp", path, sizeof(path)), 1);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_le(st.st_size, 300);
    remove_scratch();
}
END_TEST

/* A vfork() child that crashes shares the parent's memory: the parent's
 * collector must still work (request and crash snapshots of the parent). */
START_TEST(vfork_child_crash_leaves_parent_working)
{
    struct run r;
    const char *args[] = { "vfork", NULL };
    make_scratch();
    run_prog(&r, args, NULL);
    ck_assert_msg(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGSEGV, "status %#x",
                  r.status);
    ck_assert_str_eq(r.out, "child: signal 11\nsnapshot after vfork child: 0\n");
    ck_assert_int_eq(count_files("-request.bbx", NULL, 0), 1);
    snap *s = read_one("-sigsegv.bbx");
    ck_assert(s->complete);
    ck_assert_int_eq((int)s->process.pid, (int)r.pid);
    snap_free(s);
    remove_scratch();
}
END_TEST

/* The program's own handler on bbx's old default thread signal (installed
 * before bbx_init) stays, and sees only the signals the program raised. */
START_TEST(program_keeps_its_realtime_signal)
{
    struct run r;
    const char *args[] = { "rtsig", NULL };
    const char *env[] = { "BBX_INTERVAL_MS=20", NULL };
    make_scratch();
    run_prog(&r, args, env);
    ck_assert_msg(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "status %#x", r.status);
    ck_assert_str_eq(r.out, "snapshot: 0\nhandler ran 5 times for 5 raised\n"
                            "handler still installed: yes\n");
    ck_assert_int_ge(all_complete(), 2);
    remove_scratch();
}
END_TEST

/* A program that blocks every real-time signal and reads them through a
 * signalfd receives none from bbx, and its reader thread is still in the
 * snapshot with its stack. */
START_TEST(signalfd_reader_gets_no_bbx_signal)
{
    struct run r;
    const char *args[] = { "signalfd", "2", NULL };
    const char *env[] = { "BBX_INTERVAL_MS=10", NULL };
    make_scratch();
    run_prog(&r, args, env);
    ck_assert_msg(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "status %#x", r.status);
    ck_assert_str_eq(r.out, "snapshot: 0\nsignals read: 0\n");
    ck_assert_int_ge(all_complete(), 20);
    snap *s = read_one("-request.bbx");
    int reader_frames = 0;
    for (size_t i = 0; i < s->n_threads; i++)
        if (s->threads[i].tid != s->trigger.tid && !s->threads[i].bbx_internal)
            reader_frames = (int)s->threads[i].n_frames;
    /* from the kernel's sp and pc: read() and its caller at least (code
     * with frame pointers, such as ASan's interceptor of read(), ends the
     * walk there) */
    ck_assert_int_ge(reader_frames, 2);
    snap_free(s);
    remove_scratch();
}
END_TEST

/* Two threads crash at once: the snapshot names the signal the process
 * dies of. */
START_TEST(two_crashes_snapshot_names_the_fatal_signal)
{
    for (int round = 0; round < 5; round++) {
        struct run r;
        const char *args[] = { "twocrash", NULL };
        make_scratch();
        run_prog(&r, args, NULL);
        ck_assert_msg(WIFSIGNALED(r.status), "status %#x", r.status);
        int sig = WTERMSIG(r.status);
        ck_assert(sig == SIGSEGV || sig == SIGFPE);
        snap *s = read_one(".bbx");
        ck_assert(s->complete);
        ck_assert_uint_eq(s->trigger.kind, SNAP_TRIGGER_CRASH);
        ck_assert_msg((int)s->trigger.signal == sig, "snapshot says %d, died of %d",
                      (int)s->trigger.signal, sig);
        snap_free(s);
        remove_scratch();
    }
}
END_TEST

#define SH(...)                                          \
    do {                                                 \
        char cmd_[1024];                                 \
        snprintf(cmd_, sizeof(cmd_), __VA_ARGS__);       \
        ck_assert_msg(system(cmd_) == 0, "%s", cmd_);    \
    } while (0)

/* A crash while the snapshot directory's file system is frozen (a write
 * there sleeps until it thaws; not even SIGKILL ends it): the process
 * still dies of its signal within the capture timeout, and the snapshot
 * is written when the file system thaws.  Needs root (a loop-mounted
 * ext4 and fsfreeze), as CI runs. */
START_TEST(frozen_file_system_does_not_hold_the_crash)
{
    char img[128], mnt[128], dir[160], env_dir[200], path[512], err[256];
    make_scratch();
    snprintf(img, sizeof(img), "%s/fs.img", scratch);
    snprintf(mnt, sizeof(mnt), "%s/mnt", scratch);
    snprintf(dir, sizeof(dir), "%s/mnt/snaps", scratch);
    SH("truncate -s 32M '%s' && mkfs.ext4 -q '%s'", img, img);
    SH("mkdir '%s' && mount -o loop '%s' '%s'", mnt, img, mnt);
    SH("mkdir -m 700 '%s' && fsfreeze -f '%s'", dir, mnt);

    snprintf(env_dir, sizeof(env_dir), "BBX_DIR=%s", dir);
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        putenv(env_dir);
        execl(prog_path, prog_path, "crash", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    int status = 0, ended = 0;
    for (int waited = 0; waited < 30000 && !ended; waited += 50) {
        ended = waitpid(pid, &status, WNOHANG) == pid;
        if (!ended)
            usleep(50 * 1000);
    }
    SH("fsfreeze -u '%s'", mnt);
    if (!ended)
        ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    close(fds[0]);
    /* thawed: the writer process finishes the file */
    int found = 0;
    for (int waited = 0; waited < 30000 && !found && ended; waited += 50) {
        DIR *d = opendir(dir);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL)
            if (has_suffix(e->d_name, "-sigsegv.bbx")) {
                snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
                found = 1;
            }
        if (d)
            closedir(d);
        if (!found)
            usleep(50 * 1000);
    }
    snap *s = found ? snap_read_file(path, err, sizeof(err)) : NULL;
    int sig = s ? (int)s->trigger.signal : 0;
    snap_free(s);
    SH("umount '%s'", mnt);
    ck_assert_msg(ended, "the crash waited for the frozen file system");
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV, "status %#x", status);
    ck_assert_msg(found, "no snapshot after the thaw");
    ck_assert_msg(sig == SIGSEGV, "%s: %s", path, err);
    remove_scratch();
}
END_TEST

/* The crashing thread's own stack is on disk before the rest of the
 * capture (here a long fd table): a process killed in the middle of the
 * capture still leaves the crash's stack in the cut file. */
START_TEST(crash_stack_on_disk_first)
{
    int fds[2];
    char buf[64], tmp[512] = "", err[256];
    make_scratch();
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        setenv("BBX_DIR", scratch, 1);
        execl(prog_path, prog_path, "manyfds-crash", "30000", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    ck_assert_int_gt(read(fds[0], buf, sizeof(buf)), 0);
    /* the capture has begun when its file has its first bytes */
    struct stat st;
    for (int waited = 0; waited < 30000; waited++) {
        if (count_files(".tmp", tmp, sizeof(tmp)) == 1 && stat(tmp, &st) == 0 && st.st_size > 0)
            break;
        tmp[0] = '\0';
        usleep(1000);
    }
    ck_assert_msg(tmp[0], "no snapshot begun");
    usleep(20 * 1000); /* the fd scan of 30,000 fds takes far longer than this */
    kill(pid, SIGKILL);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    close(fds[0]);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    /* the writer process drains what it was given: wait until the file
     * stops growing */
    off_t last = -1;
    for (int waited = 0; waited < 10000; waited += 100) {
        if (stat(tmp, &st) == 0 && st.st_size == last)
            break;
        last = stat(tmp, &st) == 0 ? st.st_size : -1;
        usleep(100 * 1000);
    }
    snap *s = snap_read_file(tmp, err, sizeof(err));
    ck_assert_msg(s != NULL, "%s: %s", tmp, err);
    ck_assert_msg(!s->complete, "the capture ended before the kill: make the fd table larger");
    int crashed_frames = 0;
    for (size_t i = 0; i < s->n_threads; i++)
        if (s->threads[i].crashed)
            crashed_frames = (int)s->threads[i].n_frames;
    ck_assert_msg(crashed_frames >= 2, "the crashing thread's stack is not in the cut file");
    snap_free(s);
    remove_scratch();
}
END_TEST

/* Between periodic snapshots bbx's collector thread sleeps: sampled
 * twenty times it is seen running at most a few (a busy loop would be
 * seen running nearly every time, whatever the machine's load). */
START_TEST(collector_thread_sleeps_between_snapshots)
{
    int fds[2];
    char buf[64];
    make_scratch();
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        setenv("BBX_DIR", scratch, 1);
        setenv("BBX_INTERVAL_MS", "1000", 1);
        execl(prog_path, prog_path, "idle", "4", (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    ck_assert_int_gt(read(fds[0], buf, sizeof(buf)), 0);
    int seen = 0, running = 0;
    /* samples start once the thread has its name (it names itself) */
    for (int sample = -100; sample < 20; sample++) {
        char dir[64], path[400], comm[64] = "", stat[512] = "";
        snprintf(dir, sizeof(dir), "/proc/%d/task", (int)pid);
        DIR *d = opendir(dir);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.')
                continue;
            snprintf(path, sizeof(path), "%s/%s/comm", dir, e->d_name);
            FILE *f = fopen(path, "r");
            if (!f)
                continue;
            if (!fgets(comm, sizeof(comm), f))
                comm[0] = '\0';
            fclose(f);
            if (strncmp(comm, "bbx-collector", 13) != 0)
                continue;
            snprintf(path, sizeof(path), "%s/%s/stat", dir, e->d_name);
            f = fopen(path, "r");
            if (f && fgets(stat, sizeof(stat), f)) {
                const char *st = strrchr(stat, ')');
                if (sample < 0)
                    sample = 0; /* found: the 20 samples begin */
                seen++;
                running += st && st[2] == 'R';
            }
            if (f)
                fclose(f);
        }
        if (d)
            closedir(d);
        usleep(50 * 1000);
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    close(fds[0]);
    ck_assert_int_ge(seen, 18);
    ck_assert_msg(running <= seen / 2, "bbx-collector seen running in %d of %d samples", running,
                  seen);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
    remove_scratch();
}
END_TEST

static Suite *harm_suite(void)
{
    Suite *s = suite_create("harm");
    TCase *tc = tcase_create("harm");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, plugin_unloaded_during_snapshots);
    tcase_add_test(tc, recovered_fault_is_no_crash);
    tcase_add_test(tc, file_size_limit_is_no_kill);
    tcase_add_test(tc, vfork_child_crash_leaves_parent_working);
    tcase_add_test(tc, program_keeps_its_realtime_signal);
    tcase_add_test(tc, signalfd_reader_gets_no_bbx_signal);
    tcase_add_test(tc, two_crashes_snapshot_names_the_fatal_signal);
    tcase_add_test(tc, frozen_file_system_does_not_hold_the_crash);
    tcase_add_test(tc, crash_stack_on_disk_first);
    tcase_add_test(tc, collector_thread_sleeps_between_snapshots);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_harm HARM_PROG PLUGIN\n");
        return 2;
    }
    prog_path = argv[1];
    plugin_path = argv[2];
    return unit_run(harm_suite());
}
