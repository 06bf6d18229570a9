/*
 * test_crasher.c - end-to-end: run samples/crasher in each mode as a real
 * process, then read the snapshot it left and compare it with what the
 * process did (its manifest on stdout) and with the crasher's symbol table.
 */
#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "snap_format.h"
#include "snap_reader.h"
#include "unit_run.h"

#ifndef CRASHER_PATH
#error "CRASHER_PATH must name the crasher binary"
#endif

struct run {
    char dir[64];
    int status;        /* waitpid status */
    int timed_out;
    int n_snapshots, n_temp;
    char snap_path[PATH_MAX];
    char manifest[1 << 16];
    snap *s;
};

/* Run `crasher mode` with BBX_DIR in a fresh directory; wait at most 60 s. */
static void run_mode(struct run *r, const char *mode)
{
    char out_path[128];
    memset(r, 0, sizeof(*r));
    snprintf(r->dir, sizeof(r->dir), "/tmp/bbx-e2e-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(r->dir));
    snprintf(out_path, sizeof(out_path), "%s/manifest.txt", r->dir);

    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        struct rlimit no_core = { 0, 0 };
        setrlimit(RLIMIT_CORE, &no_core);
        int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        dup2(fd, 1);
        close(fd);
        setenv("BBX_DIR", r->dir, 1);
        setenv("CRASHER_SCRATCH", r->dir, 1);
        /* under ASan, let the crash reach bbx and then the default action */
        setenv("ASAN_OPTIONS",
               "handle_segv=0:handle_abort=0:handle_sigfpe=0:handle_sigbus=0:"
               "handle_sigill=0:handle_sigtrap=0:detect_leaks=0",
               1);
        execl(CRASHER_PATH, "crasher", mode, (char *)NULL);
        _exit(127);
    }
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        pid_t w = waitpid(pid, &r->status, WNOHANG);
        if (w == pid)
            break;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - t0.tv_sec > 60) {
            kill(pid, SIGKILL);
            waitpid(pid, &r->status, 0);
            r->timed_out = 1;
            break;
        }
        usleep(5000);
    }

    FILE *f = fopen(out_path, "r");
    if (f) {
        size_t n = fread(r->manifest, 1, sizeof(r->manifest) - 1, f);
        r->manifest[n] = '\0';
        fclose(f);
    }
    DIR *d = opendir(r->dir);
    ck_assert_ptr_nonnull(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".bbx") == 0) {
            r->n_snapshots++;
            snprintf(r->snap_path, sizeof(r->snap_path), "%s/%s", r->dir, e->d_name);
        } else if (len > 4 && strcmp(e->d_name + len - 4, ".tmp") == 0) {
            r->n_temp++;
        }
    }
    closedir(d);
    if (r->n_snapshots == 1) {
        char err[256];
        r->s = snap_read_file(r->snap_path, err, sizeof(err));
        ck_assert_msg(r->s != NULL, "%s: %s", r->snap_path, err);
    }
}

static void cleanup(struct run *r)
{
    char cmd[128];
    snap_free(r->s);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", r->dir);
}

/* The process died by `sig`, left exactly one complete snapshot. */
static void expect_crash(struct run *r, int sig)
{
    ck_assert_msg(!r->timed_out, "crasher hung");
    ck_assert_msg(WIFSIGNALED(r->status), "crasher exited %d instead of dying by %d",
                  WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1, sig);
    ck_assert_int_eq(WTERMSIG(r->status), sig);
    ck_assert_int_eq(r->n_snapshots, 1);
    ck_assert_int_eq(r->n_temp, 0);
    ck_assert_ptr_nonnull(r->s);
    ck_assert_msg(r->s->complete, "incomplete: %s",
                  r->s->incomplete_why ? r->s->incomplete_why : "?");
    ck_assert_uint_eq(r->s->trigger.kind, SNAP_TRIGGER_CRASH);
    ck_assert_uint_eq(r->s->trigger.signal, (uint64_t)sig);
}

/* [start, end) of a function in the crasher's symbol table. */
static int symbol_range(const char *name, uint64_t *start, uint64_t *end)
{
    int found = 0;
    elf_version(EV_CURRENT);
    int fd = open(CRASHER_PATH, O_RDONLY);
    Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
    Elf_Scn *scn = NULL;
    while (elf && !found && (scn = elf_nextscn(elf, scn)) != NULL) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB)
            continue;
        Elf_Data *data = elf_getdata(scn, NULL);
        size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
        for (size_t i = 0; i < n; i++) {
            GElf_Sym sym;
            if (!gelf_getsym(data, (int)i, &sym))
                continue;
            const char *s = elf_strptr(elf, sh.sh_link, sym.st_name);
            if (s && strcmp(s, name) == 0 && GELF_ST_TYPE(sym.st_info) == STT_FUNC) {
                *start = sym.st_value;
                *end = sym.st_value + sym.st_size;
                found = 1;
                break;
            }
        }
    }
    elf_end(elf);
    close(fd);
    return found;
}

static int is_crasher_module(const snap_module *m)
{
    char real[PATH_MAX];
    return m && m->path && realpath(CRASHER_PATH, real) && strcmp(m->path, real) == 0;
}

/* Is frame `pc` (in the crasher) inside function `name`? */
static int pc_in_function(const snap *s, uint64_t pc, const char *name)
{
    uint64_t lo, hi;
    const snap_module *m = snap_module_for_pc(s, pc);
    if (!is_crasher_module(m) || !symbol_range(name, &lo, &hi))
        return 0;
    uint64_t off = pc - m->bias;
    return off >= lo && off < hi;
}

static const snap_thread *crashed_thread(const snap *s)
{
    const snap_thread *t = NULL;
    int n = 0;
    for (size_t i = 0; i < s->n_threads; i++)
        if (s->threads[i].crashed) {
            t = &s->threads[i];
            n++;
        }
    ck_assert_int_eq(n, 1);
    return t;
}

/* The first `within` frames of t include one in `name`.  Frames below the
 * first are return addresses: the call is at pc - 1 (after a call to a
 * noreturn function, pc itself is already past the caller's end). */
static int frames_reach(const snap *s, const snap_thread *t, const char *name, size_t within)
{
    for (size_t i = 0; i < t->n_frames && i < within; i++)
        if (pc_in_function(s, t->frames[i] - (i > 0), name))
            return 1;
    return 0;
}

static int manifest_int(const struct run *r, const char *key)
{
    const char *p = strstr(r->manifest, key);
    return p ? atoi(p + strlen(key)) : -1;
}

START_TEST(null_deref)
{
    struct run r;
    run_mode(&r, "null");
    expect_crash(&r, SIGSEGV);
    ck_assert_uint_eq(r.s->trigger.addr, 0);
    ck_assert_int_eq((int)r.s->trigger.code, SEGV_MAPERR);
    const snap_thread *t = crashed_thread(r.s);
    ck_assert_ptr_eq(t, &r.s->threads[0]); /* crashing thread first */
    ck_assert_uint_eq(t->tid, r.s->process.pid);
    ck_assert_msg(pc_in_function(r.s, t->frames[0], "crash_null_deref"),
                  "frame 0 (0x%llx) is not in crash_null_deref",
                  (unsigned long long)t->frames[0]);
    ck_assert(frames_reach(r.s, t, "main", 4));
    ck_assert_uint_ge(t->n_regs, 17);
    ck_assert_uint_eq(t->regs[0], t->frames[0]); /* rip */
    /* process, modules, breadcrumbs, annotations */
    ck_assert_ptr_nonnull(r.s->process.exe);
    ck_assert(strstr(r.s->process.exe, "crasher") != NULL);
    int crasher_mod = 0, libc = 0;
    for (size_t i = 0; i < r.s->n_modules; i++) {
        crasher_mod |= is_crasher_module(&r.s->modules[i]) && r.s->modules[i].build_id_len >= 16;
        libc |= strstr(r.s->modules[i].path, "libc.so") != NULL;
    }
    ck_assert(crasher_mod && libc);
    int crumb = 0;
    for (size_t i = 0; i < r.s->n_breadcrumbs; i++)
        crumb |= strcmp(r.s->breadcrumbs[i].text, "crasher starting in mode null") == 0;
    ck_assert(crumb);
    int ann = 0;
    for (size_t i = 0; i < r.s->n_annotations; i++)
        ann |= strcmp(r.s->annotations[i].key, "mode") == 0 &&
               strcmp(r.s->annotations[i].value, "null") == 0;
    ck_assert(ann);
    ck_assert_uint_gt(r.s->capture.duration_us, 0);
    /* file name and mode */
    ck_assert(strstr(r.snap_path, "-sigsegv.bbx") != NULL);
    struct stat st;
    ck_assert_int_eq(stat(r.snap_path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    cleanup(&r);
}
END_TEST

START_TEST(abort_signal)
{
    struct run r;
    run_mode(&r, "abort");
    expect_crash(&r, SIGABRT);
    const snap_thread *t = crashed_thread(r.s);
    ck_assert_uint_eq(r.s->trigger.sender_pid, r.s->process.pid);
    ck_assert_msg(frames_reach(r.s, t, "crash_abort", 8), "crash_abort not in the stack");
    cleanup(&r);
}
END_TEST

/* A failed assert(): glibc's message is the trigger's reason; a plain
 * abort() has none. */
START_TEST(assert_message)
{
    struct run r;
    run_mode(&r, "assert");
    expect_crash(&r, SIGABRT);
    ck_assert_ptr_nonnull(r.s->trigger.reason);
    ck_assert_msg(strstr(r.s->trigger.reason, "crash_assert: Assertion `n > 100 && \"value too "
                                              "small\"' failed.") != NULL,
                  "reason: %s", r.s->trigger.reason);
    ck_assert_msg(strchr(r.s->trigger.reason, '\n') == NULL, "reason has a line end");
    cleanup(&r);
    run_mode(&r, "abort");
    expect_crash(&r, SIGABRT);
    ck_assert_msg(r.s->trigger.reason == NULL, "abort(): reason %s", r.s->trigger.reason);
    cleanup(&r);
}
END_TEST

START_TEST(divide_by_zero)
{
    struct run r;
    run_mode(&r, "divzero");
    expect_crash(&r, SIGFPE);
    ck_assert_int_eq((int)r.s->trigger.code, FPE_INTDIV);
    const snap_thread *t = crashed_thread(r.s);
    ck_assert(pc_in_function(r.s, t->frames[0], "crash_div_zero"));
    cleanup(&r);
}
END_TEST

START_TEST(overflow_main)
{
    struct run r;
    run_mode(&r, "overflow-main");
    expect_crash(&r, SIGSEGV);
    const snap_thread *t = crashed_thread(r.s);
    ck_assert(pc_in_function(r.s, t->frames[0], "recurse_forever"));
    ck_assert_uint_ge(t->n_frames, 100);
    ck_assert(t->truncated);
    for (size_t i = 0; i < 50; i++)
        ck_assert(pc_in_function(r.s, t->frames[i], "recurse_forever"));
    cleanup(&r);
}
END_TEST

START_TEST(overflow_thread)
{
    struct run r;
    run_mode(&r, "overflow-thread");
    expect_crash(&r, SIGSEGV);
    const snap_thread *t = crashed_thread(r.s);
    ck_assert_uint_ne(t->tid, r.s->process.pid);
    ck_assert(pc_in_function(r.s, t->frames[0], "recurse_forever"));
    ck_assert_uint_eq(r.s->n_threads, 2);
    cleanup(&r);
}
END_TEST

static const char *kind_of(const snap *s, uint64_t fd)
{
    for (size_t i = 0; i < s->n_fds; i++)
        if (s->fds[i].fd == fd)
            return snap_fd_kind_name(s->fds[i].kind);
    return "missing";
}

START_TEST(threads_and_fds)
{
    struct run r;
    run_mode(&r, "threads-fds");
    expect_crash(&r, SIGSEGV);
    ck_assert_int_eq(manifest_int(&r, "threads "), 21);
    ck_assert_uint_eq(r.s->n_threads, 21);
    size_t parked = 0;
    for (size_t i = 0; i < r.s->n_threads; i++) {
        const snap_thread *t = &r.s->threads[i];
        ck_assert_uint_eq(t->status, SNAP_THREAD_UNWOUND);
        parked += frames_reach(r.s, t, "park_deeper", 64) && frames_reach(r.s, t, "parked_thread", 64);
    }
    ck_assert_uint_eq(parked, 20);
    /* every fd the manifest lists, with its kind */
    int checked = 0;
    for (const char *p = r.manifest; (p = strstr(p, "fd ")) != NULL; p++) {
        int fd;
        char kind[32];
        if (sscanf(p, "fd %d %31s", &fd, kind) != 2)
            continue;
        ck_assert_msg(strcmp(kind_of(r.s, (uint64_t)fd), kind) == 0, "fd %d: %s, expected %s",
                      fd, kind_of(r.s, (uint64_t)fd), kind);
        checked++;
    }
    ck_assert_int_eq(checked, 16);
    /* socket details: the TCP listener has a local address, the pair a peer */
    int tcp = 0, unix_pair = 0;
    for (size_t i = 0; i < r.s->n_fds; i++) {
        const snap_fd *f = &r.s->fds[i];
        if (f->kind == SNAP_FD_SOCKET && f->sock_family == 2 && f->sock_local &&
            strncmp(f->sock_local, "127.0.0.1:", 10) == 0)
            tcp = 1;
        if (f->kind == SNAP_FD_SOCKET && f->sock_family == 1)
            unix_pair++;
        if (f->kind == SNAP_FD_EVENTFD)
            ck_assert(f->details && strstr(f->details, "eventfd-count"));
        if (f->kind == SNAP_FD_FILE && f->target && strstr(f->target, "crasher-file.txt"))
            ck_assert_uint_eq(f->offset, 5);
    }
    ck_assert(tcp);
    ck_assert_int_eq(unix_pair, 2);
    cleanup(&r);
}
END_TEST

START_TEST(many_threads)
{
    struct run r;
    run_mode(&r, "many-threads");
    expect_crash(&r, SIGSEGV);
    ck_assert_int_eq(manifest_int(&r, "threads "), 300);
    ck_assert_uint_eq(r.s->n_threads, 300);
    size_t unwound = 0;
    for (size_t i = 0; i < r.s->n_threads; i++)
        unwound += r.s->threads[i].status == SNAP_THREAD_UNWOUND && r.s->threads[i].n_frames >= 5;
    ck_assert_uint_eq(unwound, 300);
    cleanup(&r);
}
END_TEST

START_TEST(blocked_thread)
{
    struct run r;
    run_mode(&r, "blocked-thread");
    expect_crash(&r, SIGSEGV);
    ck_assert_uint_eq(r.s->n_threads, 2);
    const snap_thread *b = &r.s->threads[1];
    /* it blocks the thread signal, so it is never sent it; it waits in
     * pause(), so its stack comes from the registers bbx's wrapper saved */
    ck_assert_uint_eq(b->status, SNAP_THREAD_UNWOUND);
    ck_assert_int_eq(b->state, 'S');
    ck_assert(b->has_syscall);
    ck_assert_uint_ne(b->kernel_pc, 0);
    ck_assert(frames_reach(r.s, b, "blocking_thread", 4));
    /* the capture did not wait for the thread that cannot answer */
    ck_assert_uint_lt(r.s->capture.duration_us, 90 * 1000);
    cleanup(&r);
}
END_TEST

START_TEST(two_threads_crash)
{
    struct run r;
    run_mode(&r, "two-threads");
    expect_crash(&r, SIGSEGV);
    ck_assert_uint_eq(r.s->n_threads, 3);
    const snap_thread *t = crashed_thread(r.s);
    ck_assert(pc_in_function(r.s, t->frames[0], "crash_null_deref"));
    cleanup(&r);
}
END_TEST

START_TEST(fd_table_full)
{
    struct run r;
    run_mode(&r, "emfile");
    ck_assert_msg(strstr(r.manifest, "EMFILE") != NULL, "manifest: %s", r.manifest);
    expect_crash(&r, SIGSEGV);
    ck_assert_uint_ge(r.s->n_fds, (uint64_t)manifest_int(&r, "emfile "));
    cleanup(&r);
}
END_TEST

/* Another thread holds the malloc arena lock (not under ASan, whose malloc
 * cannot be wrapped) and the dynamic loader is unusable: still a snapshot. */
START_TEST(malloc_lock_held)
{
    struct run r;
    run_mode(&r, "malloc-lock");
    expect_crash(&r, SIGSEGV);
    cleanup(&r);
}
END_TEST

START_TEST(on_demand_snapshot)
{
    struct run r;
    run_mode(&r, "snapshot");
    ck_assert(WIFEXITED(r.status));
    ck_assert_int_eq(WEXITSTATUS(r.status), 0);
    ck_assert_int_eq(r.n_snapshots, 1);
    ck_assert(r.s->complete);
    ck_assert_uint_eq(r.s->trigger.kind, SNAP_TRIGGER_REQUEST);
    ck_assert_str_eq(r.s->trigger.reason, "requested by crasher");
    ck_assert_uint_eq(r.s->n_threads, 4);
    ck_assert(strstr(r.snap_path, "-request.bbx") != NULL);
    for (size_t i = 0; i < r.s->n_threads; i++)
        ck_assert_uint_eq(r.s->threads[i].status, SNAP_THREAD_UNWOUND);
    ck_assert(frames_reach(r.s, &r.s->threads[0], "main", 6));
    cleanup(&r);
}
END_TEST

START_TEST(chains_app_handler)
{
    struct run r;
    run_mode(&r, "chain");
    ck_assert(WIFEXITED(r.status));
    ck_assert_int_eq(WEXITSTATUS(r.status), 42);
    ck_assert(strstr(r.manifest, "app handler ran") != NULL);
    ck_assert_int_eq(r.n_snapshots, 1);
    ck_assert(r.s->complete);
    cleanup(&r);
}
END_TEST

static Suite *crasher_suite(void)
{
    Suite *s = suite_create("crasher");
    TCase *tc = tcase_create("modes");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, null_deref);
    tcase_add_test(tc, abort_signal);
    tcase_add_test(tc, assert_message);
    tcase_add_test(tc, divide_by_zero);
    tcase_add_test(tc, overflow_main);
    tcase_add_test(tc, overflow_thread);
    tcase_add_test(tc, threads_and_fds);
    tcase_add_test(tc, many_threads);
    tcase_add_test(tc, blocked_thread);
    tcase_add_test(tc, two_threads_crash);
    tcase_add_test(tc, fd_table_full);
    tcase_add_test(tc, malloc_lock_held);
    tcase_add_test(tc, on_demand_snapshot);
    tcase_add_test(tc, chains_app_handler);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(crasher_suite());
}
