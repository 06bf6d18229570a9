/*
 * sigsafe.c - async-signal-safe string, time, file and memory helpers.
 */
#include "sigsafe.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"

void ss_putn(ss_buf *b, const char *s, size_t n)
{
    if (!b->cap)
        return;
    size_t room = b->cap - 1 - b->len;
    if (n > room)
        n = room;
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

void ss_puts(ss_buf *b, const char *s)
{
    if (s)
        ss_putn(b, s, strlen(s));
}

void ss_putu_w(ss_buf *b, uint64_t v, int width)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v && n < 20);
    while (n < width && n < 20)
        tmp[n++] = '0';
    while (n > 0)
        ss_putn(b, &tmp[--n], 1);
}

void ss_putu(ss_buf *b, uint64_t v)
{
    ss_putu_w(b, v, 0);
}

pid_t ss_gettid(void)
{
    return (pid_t)syscall(SYS_gettid);
}

uint64_t ss_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t ss_real_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* bbx's spare fds.  They are dups of one file that only bbx has (a memfd
 * named "bbx-spare", or the read end of a pipe where memfd_create is not
 * allowed), so an fd is ours when its number is one of the slots AND its
 * st_dev/st_ino is that file's: a program that closed them (closefrom,
 * close_range) and reused the numbers keeps its own fds.  They sit high in
 * the table (just under min(RLIMIT_NOFILE soft limit, 1024)) so that the
 * program's own open() calls get the numbers they would get without bbx.
 * Raw syscalls throughout: tracking mode interposes fcntl and memfd_create,
 * and bbx's own fds are not the program's creations. */
static int spare_fd[SS_N_SPARE] = { -1, -1, -1, -1, -1 };
static dev_t spare_dev;
static ino_t spare_ino;
static int spare_id_set;

static int sys_dup_min(int fd, int min)
{
    return (int)syscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, min);
}

static int get_nofile(struct rlimit *rl)
{
    return (int)syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, rl);
}

/* The lowest number a spare may take. */
static int spare_floor(void)
{
    struct rlimit rl;
    if (get_nofile(&rl) != 0)
        return 3;
    rlim_t top = rl.rlim_cur < 1024 ? rl.rlim_cur : 1024;
    return top > 3 + 2 * SS_N_SPARE ? (int)(top - 2 * SS_N_SPARE) : 3;
}

/* A dup of fd for a spare: high if possible, never 0-2. */
static int spare_dup(int fd)
{
    int floor = spare_floor();
    int d = sys_dup_min(fd, floor);
    if (d < 0 && floor > 3)
        d = sys_dup_min(fd, 3);
    return d;
}

/* Room kept below the spares for bbx's other fds (own_fds.c). */
#define OWN_ROOM 40

int ss_fd_high_dup(int fd, int cloexec)
{
    int floor = spare_floor() - OWN_ROOM;
    if (floor <= 3)
        return -1;
    return (int)syscall(SYS_fcntl, fd, cloexec ? F_DUPFD_CLOEXEC : F_DUPFD, floor);
}

/* A new file that only bbx has, its identity recorded; -1 when none. */
static int spare_new_file(void)
{
    struct stat st;
    int p[2];
    int fd = (int)syscall(SYS_memfd_create, "bbx-spare", MFD_CLOEXEC);
    if (fd < 0 && syscall(SYS_pipe2, p, O_CLOEXEC) == 0) {
        ss_close(p[1]);
        fd = p[0];
    }
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) != 0) {
        ss_close(fd);
        return -1;
    }
    int high = spare_dup(fd); /* out of the program's low numbers */
    if (high >= 0) {
        ss_close(fd);
        fd = high;
    }
    spare_dev = st.st_dev;
    spare_ino = st.st_ino;
    spare_id_set = 1;
    return fd;
}

/* Is fd (open now) the spare file? */
static int is_spare_file(int fd)
{
    struct stat st;
    return spare_id_set && fd >= 0 && fstat(fd, &st) == 0 && st.st_dev == spare_dev &&
           st.st_ino == spare_ino;
}

/* A spare at or above the soft limit (the program lowered it) cannot make
 * room: closing it frees a number open() may not use.  Move it lower. */
static void spare_below_limit(int i)
{
    struct rlimit rl;
    if (get_nofile(&rl) != 0 || (rlim_t)spare_fd[i] < rl.rlim_cur)
        return;
    int d = spare_dup(spare_fd[i]);
    if (d >= 0 && (rlim_t)d < rl.rlim_cur) {
        ss_close(spare_fd[i]);
        spare_fd[i] = d;
    } else if (d >= 0) {
        ss_close(d);
    }
}

int ss_fd_refresh(void)
{
    int live = -1, n = 0;
    for (int i = 0; i < SS_N_SPARE; i++) {
        if (spare_fd[i] < 0)
            continue;
        if (is_spare_file(spare_fd[i])) {
            spare_below_limit(i);
            live = spare_fd[i];
        } else {
            spare_fd[i] = -1; /* closed by the program: the number is its own now */
        }
    }
    for (int i = 0; i < SS_N_SPARE; i++) {
        if (spare_fd[i] >= 0) {
            n++;
            continue;
        }
        spare_fd[i] = live >= 0 ? spare_dup(live) : spare_new_file();
        if (spare_fd[i] >= 0) {
            live = spare_fd[i];
            n++;
        }
    }
    return n;
}

int ss_fd_reserve(void)
{
    return ss_fd_refresh();
}

int ss_fd_spares(void)
{
    int n = 0;
    for (int i = 0; i < SS_N_SPARE; i++)
        n += is_spare_file(spare_fd[i]);
    return n;
}

void ss_fd_unreserve(void)
{
    for (int i = 0; i < SS_N_SPARE; i++) {
        if (is_spare_file(spare_fd[i]))
            ss_close(spare_fd[i]);
        spare_fd[i] = -1;
    }
}

int ss_fd_is_reserved(int fd)
{
    for (int i = 0; i < SS_N_SPARE; i++)
        if (fd >= 0 && spare_fd[i] == fd)
            return is_spare_file(fd);
    return 0;
}

/* Close one spare fd, but only if it is still ours. */
static int release_one_spare(void)
{
    for (int i = 0; i < SS_N_SPARE; i++) {
        int fd = spare_fd[i];
        if (fd < 0)
            continue;
        spare_fd[i] = -1;
        if (is_spare_file(fd)) {
            ss_close(fd);
            return 1;
        }
    }
    return 0;
}

/* Room in a full fd table on the crash path, once the spares are gone
 * (the program closed them and filled the table before any other snapshot
 * could recreate them).  The process is dying; in order of harm:
 *  1. raise the RLIMIT_NOFILE soft limit by ROOM_STEP (up to the hard
 *     limit), put back by ss_fd_crash_end();
 *  2. raise soft and hard limits together (privileged processes only);
 *  3. close one of the program's fds, remembered in `closed_fds` so the
 *     snapshot still lists it, marked SNAP_FD_CLOSED_BY_BBX: preferably a
 *     regular file or directory open read-only (no data lost, no peer
 *     notified), the highest-numbered such, else the highest fd above 2;
 *     never one that the crash path opened itself.  At most SS_MAX_CLOSED;
 *     in practice two: the snapshot file, and one number that the short
 *     reads of /proc reuse (the fd scan's directories are opened "light"
 *     and replaced by absolute paths). */
#define ROOM_STEP 16
#define MAX_CRASH_OWN 16

static struct {
    int active;
    pid_t tid; /* the capturing thread: the only one that makes room */
    int raised;
    struct rlimit saved;
    int own[MAX_CRASH_OWN]; /* fds the crash path opened (never victims) */
    unsigned n_own;
} crash_room;

static struct ss_closed_fd closed_fds[SS_MAX_CLOSED];
static unsigned n_closed;

void ss_fd_crash_begin(void)
{
    crash_room.tid = ss_gettid();
    crash_room.active = 1;
    crash_room.raised = 0;
    crash_room.n_own = 0;
    n_closed = 0;
}

void ss_fd_crash_end(void)
{
    if (crash_room.raised)
        syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &crash_room.saved, NULL);
    crash_room.raised = 0;
    crash_room.active = 0;
    n_closed = 0;
}

void ss_fd_program_nofile(struct rlimit *rl)
{
    if (crash_room.raised)
        *rl = crash_room.saved;
}

static int raise_nofile(void)
{
    struct rlimit rl, want;
    if (get_nofile(&rl) != 0)
        return 0;
    want = rl;
    if (rl.rlim_cur < rl.rlim_max) {
        want.rlim_cur = rl.rlim_max - rl.rlim_cur > ROOM_STEP ? rl.rlim_cur + ROOM_STEP
                                                               : rl.rlim_max;
    } else {
        if (rl.rlim_max == RLIM_INFINITY)
            return 0;
        want.rlim_cur = want.rlim_max = rl.rlim_max + ROOM_STEP;
    }
    if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, &want, NULL) != 0)
        return 0;
    if (!crash_room.raised)
        crash_room.saved = rl;
    crash_room.raised = 1;
    return 1;
}

static int crash_own(int fd)
{
    for (unsigned i = 0; i < crash_room.n_own; i++)
        if (crash_room.own[i] == fd)
            return 1;
    return 0;
}

static void note_crash_own(int fd)
{
    if (crash_room.active && !crash_own(fd) && crash_room.n_own < MAX_CRASH_OWN)
        crash_room.own[crash_room.n_own++] = fd;
}

/* The victim of step 3, or -1: pass 0 takes read-only files and
 * directories only, pass 1 anything above 2. */
static int pick_victim(int top, int pass, struct stat *st, int *fl)
{
    for (int fd = top - 1; fd > 2; fd--) {
        if (crash_own(fd) || fstat(fd, st) != 0)
            continue;
        *fl = (int)syscall(SYS_fcntl, fd, F_GETFL);
        if (*fl < 0)
            continue;
        if (pass == 1 || ((*fl & O_ACCMODE) == O_RDONLY &&
                          (S_ISREG(st->st_mode) || S_ISDIR(st->st_mode))))
            return fd;
    }
    return -1;
}

static int close_victim(void)
{
    struct rlimit rl;
    struct stat st;
    int fl = 0, fd = -1;
    if (n_closed >= SS_MAX_CLOSED || get_nofile(&rl) != 0)
        return 0;
    int top = rl.rlim_cur > 65536 ? 65536 : (int)rl.rlim_cur;
    for (int pass = 0; pass < 2 && fd < 0; pass++)
        fd = pick_victim(top, pass, &st, &fl);
    if (fd < 0)
        return 0;
    struct ss_closed_fd *c = &closed_fds[n_closed];
    char path[32];
    ss_buf p = ss_buf_of(path, sizeof(path));
    ss_puts(&p, "/proc/self/fd/");
    ss_putu(&p, (uint64_t)fd);
    ssize_t tl = readlink(path, c->target, sizeof(c->target) - 1);
    c->target[tl > 0 ? tl : 0] = '\0';
    c->fd = fd;
    c->st = st;
    c->flags = fl;
    c->fdflags = (int)syscall(SYS_fcntl, fd, F_GETFD);
    n_closed++;
    ss_close(fd);
    return 1;
}

static int make_room(int err, int may_close)
{
    /* during a crash the room is the capture's: another thread of bbx's
     * (the collector) or the writer process would take a spare or a victim
     * behind its back */
    if (crash_room.active && ss_gettid() != crash_room.tid)
        return 0;
    if (release_one_spare())
        return 1;
    if (!crash_room.active)
        return 0;
    if (err == EMFILE && raise_nofile())
        return 1;
    return may_close && close_victim();
}

const struct ss_closed_fd *ss_fd_closed_by_bbx(int fd)
{
    for (unsigned i = 0; i < n_closed; i++)
        if (closed_fds[i].fd == fd)
            return &closed_fds[i];
    return NULL;
}

static int open_with_room(int dirfd, const char *path, int flags, mode_t mode, int may_close)
{
    for (;;) {
        int fd = ss_sys_openat(dirfd, path, flags | O_CLOEXEC, mode);
        if (fd >= 0) {
            note_crash_own(fd);
            return fd;
        }
        if (errno == EINTR)
            continue;
        if ((errno == EMFILE || errno == ENFILE) && make_room(errno, may_close))
            continue;
        return -1;
    }
}

int ss_openat(int dirfd, const char *path, int flags, mode_t mode)
{
    return open_with_room(dirfd, path, flags, mode, 1);
}

int ss_openat_light(int dirfd, const char *path, int flags, mode_t mode)
{
    return open_with_room(dirfd, path, flags, mode, 0);
}

ssize_t ss_read_file(int dirfd, const char *path, char *buf, size_t cap)
{
    int fd = ss_openat(dirfd, path, O_RDONLY, 0);
    size_t len = 0;
    if (fd < 0 || cap == 0) {
        if (fd >= 0)
            ss_close(fd);
        return -1;
    }
    while (len < cap - 1) {
        ssize_t k = ss_read(fd, buf + len, cap - 1 - len);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        len += (size_t)k;
    }
    buf[len] = '\0';
    ss_close(fd);
    return (ssize_t)len;
}

/* Read entries of `path` from position *pos into buf[cap], as many as fit,
 * with the directory open only meanwhile; *pos moves past what was read and
 * *more says the buffer filled before the end.  Returns the bytes read, or
 * -1 if it cannot be opened; *listing_fd is the number the directory had. */
static long read_listing(const char *path, int64_t *pos, char *buf, size_t cap,
                         int *listing_fd, int *more)
{
    int dirfd = ss_openat(AT_FDCWD, path, O_RDONLY | O_DIRECTORY, 0);
    if (dirfd < 0)
        return -1;
    *listing_fd = dirfd;
    long used = 0;
    *more = 0;
    if (*pos == 0 || syscall(SYS_lseek, dirfd, (long)*pos, SEEK_SET) == (long)*pos) {
        for (;;) {
            long k = syscall(SYS_getdents64, dirfd, buf + used, cap - (size_t)used);
            if (k < 0 && errno == EINTR)
                continue;
            *more = k < 0 && errno == EINVAL && used > 0; /* the next one did not fit */
            if (k <= 0)
                break;
            for (long off = used; off < used + k;) {
                struct dirent64 *d = (struct dirent64 *)(buf + off);
                *pos = d->d_off;
                off += d->d_reclen;
            }
            used += k;
        }
    }
    ss_close(dirfd);
    return used;
}

int ss_for_each_numbered(const char *path, char *buf, size_t cap,
                         void (*fn)(void *ctx, int listing_fd, uint64_t number, const char *name),
                         void *ctx)
{
    int64_t pos = 0;
    int listing_fd = -1, more = 0;
    long k = read_listing(path, &pos, buf, cap, &listing_fd, &more);
    if (k < 0)
        return -1;
    /* fn runs with the directory closed: what it opens is the one fd the
     * listing adds (a crash in a full table makes room for one, not two) */
    while (k > 0) {
        for (long off = 0; off < k;) {
            struct dirent64 *d = (struct dirent64 *)(buf + off);
            const char *s = d->d_name;
            off += d->d_reclen;
            if (*s >= '0' && *s <= '9')
                fn(ctx, listing_fd, ss_parse_u64(&s, 10), d->d_name);
        }
        if (!more)
            break;
        k = read_listing(path, &pos, buf, cap, &listing_fd, &more);
    }
    return 0;
}

uint64_t ss_parse_u64(const char **s, int base)
{
    const char *p = *s;
    uint64_t v = 0;
    for (;; p++) {
        int d;
        if (*p >= '0' && *p <= '9')
            d = *p - '0';
        else if (base == 16 && *p >= 'a' && *p <= 'f')
            d = *p - 'a' + 10;
        else if (base == 16 && *p >= 'A' && *p <= 'F')
            d = *p - 'A' + 10;
        else
            break;
        v = v * (uint64_t)base + (uint64_t)d;
    }
    *s = p;
    return v;
}

/* Days since 1970-01-01 to civil date (proleptic Gregorian). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

void ss_put_utc(ss_buf *b, uint64_t unix_ms)
{
    uint64_t s = unix_ms / 1000;
    int64_t y;
    unsigned m, d;
    civil_from_days((int64_t)(s / 86400), &y, &m, &d);
    uint64_t sod = s % 86400;
    ss_putu_w(b, (uint64_t)y, 4);
    ss_putu_w(b, m, 2);
    ss_putu_w(b, d, 2);
    ss_puts(b, "-");
    ss_putu_w(b, sod / 3600, 2);
    ss_putu_w(b, sod / 60 % 60, 2);
    ss_putu_w(b, sod % 60, 2);
    ss_puts(b, ".");
    ss_putu_w(b, unix_ms % 1000, 3);
}
