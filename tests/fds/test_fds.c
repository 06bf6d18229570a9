/*
 * test_fds.c - bbx keeps the program's fds the program's (issue 9, item 6):
 * fds_prog closes every fd above 2 at start (closefrom or close_range) and
 * reopens fds 3-5, linked with libbbx or under libbbx-preload.so.  Every
 * snapshot lists fds 3-5 with their real targets and never bbx's spare
 * fds; a later crash with the fd table full (RLIMIT_NOFILE reached) still
 * writes a complete snapshot listing every fd: after a snapshot that
 * recreated the spares, with them; without one, by raising the soft limit
 * (hard above soft) or by closing one fd it still lists (soft = hard).
 *
 * Usage: test_fds FDS_PROG_LINKED FDS_PROG PRELOAD_LIB SANITIZER_RT|- BBX
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "snap_format.h"
#include "snap_reader.h"
#include "unit_run.h"

static const char *linked_prog, *plain_prog, *preload_lib, *sanitizer_rt, *bbx_cli;
static char scratch[64], data_file[128];

struct run {
    int status;
    char out[4096];
    int fds[3];
    int filled;
};

static void make_scratch(void)
{
    snprintf(scratch, sizeof(scratch), "/tmp/bbx-fds-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(scratch));
    snprintf(data_file, sizeof(data_file), "%s/data.txt", scratch);
    FILE *f = fopen(data_file, "w");
    ck_assert_ptr_nonnull(f);
    fputs("the program's own file\n", f);
    fclose(f);
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

/* Run the program (linked, or plain under the preload) with
 * RLIMIT_NOFILE soft/hard (0: unchanged) and snapshots in scratch/snaps. */
static void run_prog(struct run *r, int preload, const char *how, const char *what,
                     rlim_t soft, rlim_t hard)
{
    char dir[128];
    int fds[2];
    snprintf(dir, sizeof(dir), "%s/snaps", scratch);
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        char pre[1024];
        struct rlimit rl = { soft, hard };
        dup2(fds[1], STDOUT_FILENO);
        close(fds[0]);
        close(fds[1]);
        if (soft && setrlimit(RLIMIT_NOFILE, &rl) != 0)
            _exit(126);
        setenv("BBX_DIR", dir, 1);
        setenv("ASAN_OPTIONS", "handle_segv=0:handle_abort=0:detect_leaks=0:"
               "verify_asan_link_order=0", 1);
        if (preload) {
            if (strcmp(sanitizer_rt, "-") != 0)
                snprintf(pre, sizeof(pre), "%s:%s", sanitizer_rt, preload_lib);
            else
                snprintf(pre, sizeof(pre), "%s", preload_lib);
            setenv("LD_PRELOAD", pre, 1);
            setenv("BBX_SIGNAL", "USR2", 1);
        }
        const char *prog = preload ? plain_prog : linked_prog;
        execl(prog, prog, how, data_file, what, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    size_t len = 0;
    ssize_t k;
    while (len < sizeof(r->out) - 1 &&
           (k = read(fds[0], r->out + len, sizeof(r->out) - 1 - len)) > 0)
        len += (size_t)k;
    r->out[len] = '\0';
    close(fds[0]);
    ck_assert_int_eq(waitpid(pid, &r->status, 0), pid);
    const char *fl = strstr(r->out, "fds ");
    ck_assert_msg(fl && sscanf(fl, "fds %d %d %d", &r->fds[0], &r->fds[1], &r->fds[2]) == 3,
                  "status %#x, output: %s", r->status, r->out);
    /* the program gets the numbers it would get without bbx */
    ck_assert_msg(r->fds[0] == 3 && r->fds[1] == 4 && r->fds[2] == 5, "%s", r->out);
    const char *f = strstr(r->out, "filled ");
    r->filled = f ? atoi(f + 7) : -1;
}

/* The one snapshot whose name ends with suffix. */
static snap *read_one(const char *suffix, char *path, size_t cap)
{
    char dir[128], err[256];
    int n = 0;
    snprintf(dir, sizeof(dir), "%s/snaps", scratch);
    DIR *d = opendir(dir);
    struct dirent *e;
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name), s = strlen(suffix);
        if (l >= s && strcmp(e->d_name + l - s, suffix) == 0) {
            snprintf(path, cap, "%s/%s", dir, e->d_name);
            n++;
        }
    }
    closedir(d);
    ck_assert_msg(n == 1, "%d snapshots *%s", n, suffix);
    snap *s = snap_read_file(path, err, sizeof(err));
    ck_assert_msg(s != NULL, "%s: %s", path, err);
    ck_assert_msg(s->complete, "%s: incomplete", path);
    return s;
}

static const snap_fd *find_fd(const snap *s, uint64_t fd)
{
    for (size_t i = 0; i < s->n_fds; i++)
        if (s->fds[i].fd == fd)
            return &s->fds[i];
    return NULL;
}

/* fds 3-5 are the program's file and pipe; no fd is bbx's spare. */
static void check_program_fds(const snap *s)
{
    const snap_fd *f = find_fd(s, 3), *r = find_fd(s, 4), *w = find_fd(s, 5);
    ck_assert_msg(f && r && w, "fds 3-5 missing (%zu fds listed)", s->n_fds);
    ck_assert_str_eq(f->target, data_file);
    ck_assert_uint_eq(f->kind, SNAP_FD_FILE);
    ck_assert_uint_eq(r->kind, SNAP_FD_PIPE);
    ck_assert_uint_eq(w->kind, SNAP_FD_PIPE);
    ck_assert_uint_eq(r->inode, w->inode);
    for (size_t i = 0; i < s->n_fds; i++)
        ck_assert_msg(!strstr(s->fds[i].target ? s->fds[i].target : "", "bbx-spare"),
                      "fd %lu is bbx's spare", (unsigned long)s->fds[i].fd);
}

/* The program's dups where bbx's spares were are listed as the program's. */
static void check_high_fds(const snap *s, const struct run *r)
{
    int first, last;
    const char *h = strstr(r->out, "high ");
    ck_assert_ptr_nonnull(h);
    ck_assert_int_eq(sscanf(h, "high %d %d", &first, &last), 2);
    for (int fd = first; fd <= last; fd++) {
        const snap_fd *d = find_fd(s, (uint64_t)fd);
        ck_assert_msg(d != NULL, "fd %d (the program's, where a spare was) missing", fd);
        ck_assert_str_eq(d->target, data_file);
    }
}

static unsigned count_closed_by_bbx(const snap *s)
{
    unsigned n = 0;
    for (size_t i = 0; i < s->n_fds; i++)
        n += s->fds[i].closed_by_bbx != 0;
    return n;
}

/* A crash snapshot with the table full: complete, every fd of the
 * program's listed (0-2, 3-5, the filled ones: the rest of the table is
 * bbx's spares), the limit the program's own. */
static snap *check_full_crash(const struct run *r, rlim_t soft, char *path, size_t cap)
{
    ck_assert_msg(WIFSIGNALED(r->status) && WTERMSIG(r->status) == SIGSEGV, "status %#x: %s",
                  r->status, r->out);
    ck_assert_int_gt(r->filled, 10);
    snap *s = read_one("-sigsegv.bbx", path, cap);
    check_program_fds(s);
    ck_assert_uint_eq(s->process.fd_limit, soft);
    ck_assert_uint_ge(s->n_threads, 1);
    ck_assert_uint_ge(s->n_modules, 2);
    ck_assert_uint_eq(s->n_fds, 6 + (size_t)r->filled);
    for (size_t i = 0; i < s->n_fds; i++)
        ck_assert_uint_lt(s->fds[i].fd, soft);
    return s;
}

static void snap_lists_program_fds(int preload, const char *how)
{
    struct run r;
    char path[512];
    make_scratch();
    run_prog(&r, preload, how, "snap", 0, 0);
    ck_assert_msg(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "status %#x", r.status);
    snap *s = read_one(preload ? "-signal.bbx" : "-request.bbx", path, sizeof(path));
    check_program_fds(s);
    check_high_fds(s, &r);
    snap_free(s);
    remove_scratch();
}

START_TEST(linked_closefrom_fds_listed)
{
    snap_lists_program_fds(0, "closefrom");
}
END_TEST

START_TEST(preload_close_range_fds_listed)
{
    snap_lists_program_fds(1, "close_range");
}
END_TEST

/* What `bbx show --json` says of them. */
START_TEST(show_json_lists_program_fds)
{
    struct run r;
    char path[512], cmd[1024], out[65536];
    make_scratch();
    run_prog(&r, 1, "closefrom", "snap", 0, 0);
    snap_free(read_one("-signal.bbx", path, sizeof(path)));
    snprintf(cmd, sizeof(cmd), "'%s' show --json --no-symbols '%s'", bbx_cli, path);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = '\0';
    ck_assert_int_eq(pclose(p), 0);
    char want[256];
    snprintf(want, sizeof(want),
             "\"fd\": 3,\n      \"kind\": \"file\",\n      \"target\": \"%s\"", data_file);
    ck_assert_msg(strstr(out, want), "no %s in %.2000s", want, out);
    ck_assert_ptr_nonnull(
        strstr(out, "\"fd\": 4,\n      \"kind\": \"pipe\",\n      \"target\": \"pipe:["));
    ck_assert_ptr_nonnull(
        strstr(out, "\"fd\": 5,\n      \"kind\": \"pipe\",\n      \"target\": \"pipe:["));
    /* the spares are bbx's: not among the program's fds, apart and marked */
    const char *bbx_fds = strstr(out, "\"bbx_fds\": [");
    const char *spare = strstr(out, "bbx-spare");
    ck_assert_ptr_nonnull(bbx_fds);
    ck_assert_msg(spare && spare > bbx_fds, "a spare among the program's fds: %.3000s", out);
    ck_assert_ptr_nonnull(strstr(bbx_fds, "\"bbx\": \"spare\""));
    remove_scratch();
}
END_TEST

/* A crash, no snapshot before it: the spares' old numbers hold the
 * program's fds, which the crash snapshot lists. */
START_TEST(crash_lists_program_fds_on_spare_numbers)
{
    struct run r;
    char path[512];
    for (int preload = 0; preload < 2; preload++) {
        make_scratch();
        run_prog(&r, preload, "closefrom", "high-crash", 0, 0);
        ck_assert_msg(WIFSIGNALED(r.status) && WTERMSIG(r.status) == SIGSEGV, "status %#x",
                      r.status);
        snap *s = read_one("-sigsegv.bbx", path, sizeof(path));
        check_program_fds(s);
        check_high_fds(s, &r);
        snap_free(s);
        remove_scratch();
    }
}
END_TEST

/* The snapshot recreated the spares: the crash needs no other room. */
static void spares_recreated(int preload, rlim_t soft, rlim_t hard)
{
    struct run r;
    char path[512];
    make_scratch();
    run_prog(&r, preload, "closefrom", "snap-fill-crash", soft, hard);
    snap *s = check_full_crash(&r, soft, path, sizeof(path));
    ck_assert_uint_eq(count_closed_by_bbx(s), 0);
    snap_free(s);
    remove_scratch();
}

START_TEST(linked_spares_recreated_soft_is_hard)
{
    spares_recreated(0, 64, 64);
}
END_TEST

START_TEST(preload_spares_recreated_soft_is_hard)
{
    spares_recreated(1, 64, 64);
}
END_TEST

START_TEST(linked_spares_recreated_hard_above)
{
    spares_recreated(0, 64, 256);
}
END_TEST

/* No spare left at the crash, hard above soft: the soft limit is raised
 * for the capture, nothing of the program's is closed. */
START_TEST(no_spare_hard_above_raises_limit)
{
    struct run r;
    char path[512];
    for (int preload = 0; preload < 2; preload++) {
        make_scratch();
        run_prog(&r, preload, "close_range", "fill-crash", 64, 256);
        snap *s = check_full_crash(&r, 64, path, sizeof(path));
        ck_assert_uint_eq(count_closed_by_bbx(s), 0);
        snap_free(s);
        remove_scratch();
    }
}
END_TEST

/* No spare left, soft = hard: one fd of the program's is closed to make
 * room, and the snapshot lists it as it was, marked. */
START_TEST(no_spare_soft_is_hard_closes_one_listed)
{
    struct run r;
    char path[512];
    for (int preload = 0; preload < 2; preload++) {
        make_scratch();
        run_prog(&r, preload, "closefrom", "fill-crash", 64, 64);
        snap *s = check_full_crash(&r, 64, path, sizeof(path));
        unsigned closed = count_closed_by_bbx(s);
        /* the snapshot file and one for reads of /proc; a read-only
         * regular file first: the program's data file */
        ck_assert_uint_ge(closed, 1);
        ck_assert_uint_le(closed, 2);
        ck_assert(find_fd(s, 3)->closed_by_bbx);
        snap_free(s);
        remove_scratch();
    }
}
END_TEST

/* With no room for the spares at init (RLIMIT_NOFILE 6: fds 3-5 only),
 * bbx still starts, and says so: bbx_spare_fds() in a linked program, one
 * line on stderr from the preload. */
START_TEST(init_without_room_for_spares_says_so)
{
    struct run r;
    char cmd[2048], out[2048];
    make_scratch();
    run_prog(&r, 0, "closefrom", "none", 6, 6);
    ck_assert_msg(WIFEXITED(r.status) && WEXITSTATUS(r.status) == 0, "status %#x", r.status);
    const char *sp = strstr(r.out, "spares ");
    ck_assert_ptr_nonnull(sp);
    ck_assert_int_lt(atoi(sp + 7), 5);
    run_prog(&r, 0, "closefrom", "none", 64, 64);
    ck_assert_int_eq(atoi(strstr(r.out, "spares ") + 7), 5);

    snprintf(cmd, sizeof(cmd),
             "exec 2>&1; ulimit -n 6 && BBX_DIR='%s/snaps' LD_PRELOAD='%s%s%s' "
             "ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0 exec '%s' closefrom '%s' none",
             scratch, strcmp(sanitizer_rt, "-") ? sanitizer_rt : "",
             strcmp(sanitizer_rt, "-") ? ":" : "", preload_lib, plain_prog, data_file);
    FILE *p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    size_t n = fread(out, 1, sizeof(out) - 1, p);
    out[n] = '\0';
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_msg(strstr(out, "bbx-preload: warning: ") && strstr(out, "spare fds reserved"),
                  "no warning in: %s", out);
    ck_assert_ptr_nonnull(strstr(out, "fds 3 4 5"));
    remove_scratch();
}
END_TEST

static Suite *fds_suite(void)
{
    Suite *s = suite_create("fds");
    TCase *tc = tcase_create("own_fds");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, linked_closefrom_fds_listed);
    tcase_add_test(tc, preload_close_range_fds_listed);
    tcase_add_test(tc, show_json_lists_program_fds);
    tcase_add_test(tc, crash_lists_program_fds_on_spare_numbers);
    tcase_add_test(tc, linked_spares_recreated_soft_is_hard);
    tcase_add_test(tc, preload_spares_recreated_soft_is_hard);
    tcase_add_test(tc, linked_spares_recreated_hard_above);
    tcase_add_test(tc, no_spare_hard_above_raises_limit);
    tcase_add_test(tc, no_spare_soft_is_hard_closes_one_listed);
    tcase_add_test(tc, init_without_room_for_spares_says_so);
    suite_add_tcase(s, tc);
    return s;
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: test_fds FDS_PROG_LINKED FDS_PROG PRELOAD_LIB SANITIZER_RT|- BBX\n");
        return 2;
    }
    linked_prog = argv[1];
    plain_prog = argv[2];
    preload_lib = argv[3];
    sanitizer_rt = argv[4];
    bbx_cli = argv[5];
    return unit_run(fds_suite());
}
