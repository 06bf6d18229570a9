/*
 * children.c - the CHILD records: every child process of this one (pid,
 * state, zombie flag, command line, command name, start time).
 *
 * Children come from /proc/self/task/TID/children (one list per thread,
 * CONFIG_PROC_CHILDREN); where the kernel has no such file, from a scan of
 * /proc/PID/stat for our pid as parent.  On the crash path: raw reads into
 * bbx_g.iobuf/iobuf2 and a static pid list, nothing else.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "crash_writer.h"
#include "process_stat.h"
#include "sigsafe.h"
#include "snap_format.h"
#include "snap_redact.h"

#define MAX_CHILDREN 4096
#define STAT_CAP 4096

static pid_t kids[MAX_CHILDREN];
static unsigned n_kids;

static void add_kid(uint64_t pid)
{
    if (pid == 0 || pid > 0x7fffffff || (pid_t)pid == crash_writer_pid())
        return; /* bbx's own crash writer is no child of the program's */
    for (unsigned i = 0; i < n_kids; i++)
        if (kids[i] == (pid_t)pid)
            return;
    if (n_kids < MAX_CHILDREN)
        kids[n_kids++] = (pid_t)pid;
}

/* /proc/self/task/TID/children: pids separated by spaces. */
static void from_task(void *ctx, int listing_fd, uint64_t tid, const char *name)
{
    char path[64];
    ss_buf b = ss_buf_of(path, sizeof(path));
    (void)listing_fd;
    ss_puts(&b, "/proc/self/task/");
    ss_puts(&b, name);
    ss_puts(&b, "/children");
    if (ss_read_file(AT_FDCWD, path, bbx_g.iobuf2, BBX_IOBUF) < 0)
        return;
    *(int *)ctx = 1;
    for (const char *s = bbx_g.iobuf2; *s;) {
        if (*s >= '0' && *s <= '9')
            add_kid(ss_parse_u64(&s, 10));
        else
            s++;
    }
}

/* The text after the command name of a stat line: "S PPID ...". */
static const char *after_comm(const char *stat)
{
    const char *s = strrchr(stat, ')');
    return s && s[1] == ' ' ? s + 2 : NULL;
}

/* Fallback: every /proc/PID/stat whose parent (field 4) is us. */
static void from_proc(void *ctx, int listing_fd, uint64_t pid, const char *name)
{
    char path[64];
    ss_buf b = ss_buf_of(path, sizeof(path));
    (void)ctx, (void)listing_fd;
    ss_puts(&b, "/proc/");
    ss_puts(&b, name);
    ss_puts(&b, "/stat");
    if (ss_read_file(AT_FDCWD, path, bbx_g.iobuf2, STAT_CAP) <= 0)
        return;
    const char *s = after_comm(bbx_g.iobuf2);
    if (!s || !s[0] || s[1] != ' ')
        return;
    s += 2;
    if (ss_parse_u64(&s, 10) == (uint64_t)bbx_g.pid)
        add_kid(pid);
}

static void proc_path(char *buf, size_t cap, pid_t pid, const char *file)
{
    ss_buf b = ss_buf_of(buf, cap);
    ss_puts(&b, "/proc/");
    ss_putu(&b, (uint64_t)pid);
    ss_puts(&b, "/");
    ss_puts(&b, file);
}

/* Where the kernel has the child waiting ("anon_pipe_write": blocked
 * writing into a full pipe), as /proc/PID/wchan says ("0" when running). */
static void put_wchan(snap_writer *w, pid_t pid)
{
    char path[64], buf[128];
    proc_path(path, sizeof(path), pid, "wchan");
    ssize_t n = ss_read_file(AT_FDCWD, path, buf, sizeof(buf));
    if (n > 0 && strcmp(buf, "0") != 0)
        snap_put_bytes(w, SNAP_CHILD_WCHAN, buf, strnlen(buf, (size_t)n));
}

/* What the child's fds 0-2 are: a pipe among them joins it to the fd of
 * ours at the other end ("pipe:[12345]" on both sides). */
static void put_std_fds(snap_writer *w, pid_t pid)
{
    static const unsigned fields[3] = { SNAP_CHILD_STDIN, SNAP_CHILD_STDOUT,
                                        SNAP_CHILD_STDERR };
    char path[64], target[256];
    for (unsigned fd = 0; fd < 3; fd++) {
        ss_buf b = ss_buf_of(path, sizeof(path));
        ss_puts(&b, "/proc/");
        ss_putu(&b, (uint64_t)pid);
        ss_puts(&b, "/fd/");
        ss_putu(&b, fd);
        ssize_t n = readlink(path, target, sizeof(target));
        if (n <= 0)
            continue;
        if (redact_parts() & SNAP_REDACT_PATHS && snap_redact_target_is_path(target, (size_t)n))
            snap_put_str(w, fields[fd], SNAP_REDACTED_TEXT);
        else
            snap_put_bytes(w, fields[fd], target, (size_t)n);
    }
}

/* Write one CHILD record; 0 if the process is gone. */
static int write_child(snap_writer *w, pid_t pid, uint64_t now_ms)
{
    char path[64];
    char *stat = bbx_g.iobuf2, *cmdline = bbx_g.iobuf;
    proc_path(path, sizeof(path), pid, "stat");
    if (ss_read_file(AT_FDCWD, path, stat, STAT_CAP) <= 0)
        return 0;
    const char *open_paren = strchr(stat, '('), *rest = after_comm(stat);
    if (!open_paren || !rest)
        return 0;
    char state = rest[0];
    proc_path(path, sizeof(path), pid, "cmdline");
    ssize_t n = ss_read_file(AT_FDCWD, path, cmdline, BBX_IOBUF);

    snap_rec_begin(w, SNAP_REC_CHILD);
    snap_put_u64(w, SNAP_CHILD_PID, (uint64_t)pid);
    snap_put_u64(w, SNAP_CHILD_STATE, (uint64_t)(unsigned char)state);
    if (state == 'Z')
        snap_put_u64(w, SNAP_CHILD_ZOMBIE, 1);
    if (n > 0)
        redact_put_args(w, SNAP_CHILD_CMDLINE, cmdline, (size_t)n);
    /* comm: between the first '(' and the last ')' (it may hold either) */
    snap_put_bytes(w, SNAP_CHILD_COMM, open_paren + 1, (size_t)(rest - 2 - (open_paren + 1)));
    snap_put_u64(w, SNAP_CHILD_START_MS, process_stat_start_ms(stat, now_ms));
    if (state != 'Z') {
        put_wchan(w, pid);
        put_std_fds(w, pid);
    }
    snap_rec_end(w);
    return 1;
}

unsigned children_write(snap_writer *w)
{
    int have_lists = 0;
    unsigned written = 0;
    uint64_t now_ms = ss_real_ms();
    n_kids = 0;
    ss_for_each_numbered("/proc/self/task", bbx_g.iobuf, BBX_IOBUF, from_task, &have_lists);
    if (!have_lists)
        ss_for_each_numbered("/proc", bbx_g.iobuf, BBX_IOBUF, from_proc, NULL);
    for (unsigned i = 0; i < n_kids; i++)
        written += (unsigned)write_child(w, kids[i], now_ms);
    return written;
}
