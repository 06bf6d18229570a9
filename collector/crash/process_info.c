/*
 * process_info.c - the PROCESS record: ids, executable, command line, start
 * time, limits and memory.  BBX_REDACT applies to the host name, the
 * executable's path and the command line (redact.c).  What cannot change (host, kernel, clock ticks)
 * is read once at init; the rest at capture, with raw reads of
 * /proc/self and prlimit64.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "process_stat.h"
#include "sigsafe.h"
#include "snap_format.h"

char process_hostname[128]; /* read by process_info_init() */
char process_kernel[128];

uint64_t process_stat_start_ms(const char *stat, uint64_t now_ms)
{
    const char *s = strrchr(stat, ')');
    if (!s || bbx_g.clk_tck <= 0)
        return 0;
    int field = 2; /* s points at the end of field 2 (comm) */
    while (*s && field < 22) {
        if (*s++ == ' ')
            field++;
    }
    uint64_t started = ss_parse_u64(&s, 10) * 1000 / (uint64_t)bbx_g.clk_tck;
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    uint64_t boot_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
    if (started > boot_ms || boot_ms - started > now_ms)
        return 0;
    return now_ms - (boot_ms - started);
}

static uint64_t start_ms(uint64_t now_ms)
{
    char *buf = bbx_g.iobuf2;
    if (ss_read_file(AT_FDCWD, "/proc/self/stat", buf, 4096) <= 0)
        return 0;
    return process_stat_start_ms(buf, now_ms);
}

static uint64_t status_kb(const char *status, const char *key)
{
    const char *s = strstr(status, key);
    if (!s)
        return 0;
    s += strlen(key);
    while (*s == ' ' || *s == '\t')
        s++;
    return ss_parse_u64(&s, 10);
}

static void put_rlimits(snap_writer *w)
{
    for (int r = 0; r < RLIM_NLIMITS; r++) {
        struct rlimit rl;
        uint8_t b[30];
        size_t n = 0;
        if (syscall(SYS_prlimit64, 0, r, NULL, &rl) != 0)
            continue;
        if (r == RLIMIT_NOFILE)
            ss_fd_program_nofile(&rl); /* not the crash path's raised one */
        n += snap_varint_put(b + n, (uint64_t)r);
        n += snap_varint_put(b + n, (uint64_t)rl.rlim_cur);
        n += snap_varint_put(b + n, (uint64_t)rl.rlim_max);
        snap_put_bytes(w, SNAP_PROC_RLIMIT, b, n);
        if (r == RLIMIT_NOFILE)
            snap_put_u64(w, SNAP_PROC_FD_LIMIT, (uint64_t)rl.rlim_cur);
    }
}

void process_info_write(snap_writer *w, uint64_t now_ms)
{
    char *buf = bbx_g.iobuf;
    snap_rec_begin(w, SNAP_REC_PROCESS);
    snap_put_u64(w, SNAP_PROC_PID, (uint64_t)bbx_g.pid);
    snap_put_u64(w, SNAP_PROC_PPID, (uint64_t)getppid());
    snap_put_u64(w, SNAP_PROC_UID, (uint64_t)getuid());
    snap_put_str(w, SNAP_PROC_APP, bbx_g.app);
    snap_put_u64(w, SNAP_PROC_TIME_MS, now_ms);
    snap_put_u64(w, SNAP_PROC_START_MS, start_ms(now_ms));
    if (!(redact_parts() & SNAP_REDACT_HOST))
        snap_put_str(w, SNAP_PROC_HOSTNAME, process_hostname);
    snap_put_str(w, SNAP_PROC_KERNEL, process_kernel);
    snap_put_str(w, SNAP_PROC_ARCH, "x86_64");
    ssize_t n = readlink("/proc/self/exe", buf, 4095);
    if (n > 0)
        redact_put_path(w, SNAP_PROC_EXE, buf, (size_t)n);
    n = ss_read_file(AT_FDCWD, "/proc/self/cmdline", buf, 8192);
    if (n > 0)
        redact_put_args(w, SNAP_PROC_CMDLINE, buf, (size_t)n);
    if (ss_read_file(AT_FDCWD, "/proc/self/status", buf, 8192) > 0) {
        snap_put_u64(w, SNAP_PROC_VM_RSS_KB, status_kb(buf, "\nVmRSS:"));
        snap_put_u64(w, SNAP_PROC_VM_SIZE_KB, status_kb(buf, "\nVmSize:"));
        snap_put_u64(w, SNAP_PROC_VM_HWM_KB, status_kb(buf, "\nVmHWM:"));
        snap_put_u64(w, SNAP_PROC_THREADS, status_kb(buf, "\nThreads:"));
    }
    put_rlimits(w);
    snap_rec_end(w);
}
