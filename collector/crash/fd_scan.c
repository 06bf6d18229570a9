/*
 * fd_scan.c - the fd table: number, kind, target, flags, offset, and per
 * kind the socket addresses or the fdinfo details.  Raw system calls only
 * (fcntl, fstat, readlinkat, lseek, getsockname, getpeername, getsockopt
 * are async-signal-safe).
 *
 * /proc is slow for large tables (the kernel builds a dentry per fd the
 * first time), so it is used only where nothing else tells: the fd numbers
 * come from an fcntl(F_GETFD) sweep over the table's size, the kind from
 * fstat (anonymous pipes are told from named FIFOs by pipefs's device, read
 * at init), "socket:[ino]" and "pipe:[ino]" are built from the inode, and
 * readlinkat/fdinfo are read only for paths and anonymous inodes.
 *
 * bbx's fds of the moment are not listed: the snapshot being written and
 * the /proc directories of the scan.  Those it keeps are listed, marked
 * BBX (the analyzer keeps them apart from the program's): the spare fds
 * (sigsafe.c) and what libraries opened for bbx (own_fds.c), recognised by
 * number and identity, so a program fd that reuses such a number is the
 * program's.  An fd of the program's that the crash path had to close is
 * listed as it was, marked CLOSED_BY_BBX.
 *
 * BBX_REDACT: "paths" replaces targets that are paths and unix socket names
 * by "[redacted]" (the kind, inode, flags, offset and size stay); "peers"
 * leaves out peer addresses.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/resource.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "collector.h"
#include "sigsafe.h"
#include "snap_format.h"
#include "snap_redact.h"

static int starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static dev_t pipefs_dev;

void fd_scan_init(void)
{
    int p[2];
    struct stat st;
    if (ss_pipe2(p, 0) == 0) {
        if (fstat(p[0], &st) == 0)
            pipefs_dev = st.st_dev;
        ss_close(p[0]);
        ss_close(p[1]);
    }
}

/* Does the kind need the /proc/self/fd link to be told or described?
 * (Anonymous inodes are told by their fdinfo first.) */
static int needs_link(const struct stat *st)
{
    switch (st->st_mode & S_IFMT) {
    case S_IFSOCK:
    case 0: return 0;
    case S_IFIFO: return st->st_dev != pipefs_dev;
    default: return 1;
    }
}

static int classify(const struct stat *st, const char *target)
{
    switch (st->st_mode & S_IFMT) {
    case S_IFREG: return starts(target, "/memfd:") ? SNAP_FD_MEMFD : SNAP_FD_FILE;
    case S_IFDIR: return SNAP_FD_DIR;
    case S_IFIFO: return st->st_dev == pipefs_dev ? SNAP_FD_PIPE : SNAP_FD_FIFO;
    case S_IFSOCK: return SNAP_FD_SOCKET;
    case S_IFCHR:
    case S_IFBLK: return SNAP_FD_DEVICE;
    default: break;
    }
    if (starts(target, "anon_inode:[eventfd]"))
        return SNAP_FD_EVENTFD;
    if (starts(target, "anon_inode:[timerfd]"))
        return SNAP_FD_TIMERFD;
    if (starts(target, "anon_inode:[signalfd]"))
        return SNAP_FD_SIGNALFD;
    if (starts(target, "anon_inode:[eventpoll]"))
        return SNAP_FD_EPOLL;
    if (starts(target, "anon_inode:inotify"))
        return SNAP_FD_INOTIFY;
    if (starts(target, "/memfd:"))
        return SNAP_FD_MEMFD;
    return SNAP_FD_OTHER;
}

static void put_hex16(ss_buf *b, unsigned v)
{
    static const char hex[] = "0123456789abcdef";
    char t[4];
    int n = 0;
    do {
        t[n++] = hex[v & 15];
        v >>= 4;
    } while (v);
    while (n)
        ss_putn(b, &t[--n], 1);
}

static void put_dotted_quad(ss_buf *b, const uint8_t *a)
{
    for (int i = 0; i < 4; i++) {
        if (i)
            ss_puts(b, ".");
        ss_putu(b, a[i]);
    }
}

/* RFC 5952 text: lower-case hex, the longest run of two or more zero groups
 * (the first of equal runs) as "::", and an IPv4-mapped address
 * (::ffff:a.b.c.d) with its IPv4 part dotted, as inet_ntop() writes it. */
static void format_in6(ss_buf *b, const uint8_t *a)
{
    static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
    unsigned g[8];
    int best = -1, best_len = 1;
    if (memcmp(a, mapped, sizeof(mapped)) == 0) {
        ss_puts(b, "::ffff:");
        put_dotted_quad(b, a + 12);
        return;
    }
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
    for (int i = 0; i < 8;) { /* longest run of zero groups, >= 2 */
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > best_len) {
            best = i;
            best_len = j - i;
        }
        i = j > i ? j : i + 1;
    }
    for (int i = 0; i < 8; i++) {
        if (i == best) {
            ss_puts(b, "::");
            i += best_len - 1;
            continue;
        }
        if (i && i != best + best_len)
            ss_puts(b, ":");
        put_hex16(b, g[i]);
    }
}

static void format_addr(ss_buf *b, const struct sockaddr_storage *ss, socklen_t len)
{
    if (ss->ss_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const void *)ss;
        put_dotted_quad(b, (const uint8_t *)&in->sin_addr);
        ss_puts(b, ":");
        ss_putu(b, ntohs(in->sin_port));
    } else if (ss->ss_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const void *)ss;
        ss_puts(b, "[");
        format_in6(b, in6->sin6_addr.s6_addr);
        ss_puts(b, "]:");
        ss_putu(b, ntohs(in6->sin6_port));
    } else if (ss->ss_family == AF_UNIX) {
        const struct sockaddr_un *un = (const void *)ss;
        size_t off = offsetof(struct sockaddr_un, sun_path);
        if (len <= off)
            return; /* unnamed */
        size_t n = len - off;
        if (un->sun_path[0] == '\0') {
            ss_puts(b, "@");
            ss_putn(b, un->sun_path + 1, n - 1);
        } else {
            ss_putn(b, un->sun_path, strnlen(un->sun_path, n));
        }
    }
}

static void put_socket(snap_writer *w, int fd)
{
    int v;
    socklen_t l = sizeof(v);
    struct sockaddr_storage ss;
    char text[160];
    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &l) == 0)
        snap_put_u64(w, SNAP_FD_SOCK_TYPE, (uint64_t)v);
    l = sizeof(ss);
    memset(&ss, 0, sizeof(ss));
    if (getsockname(fd, (struct sockaddr *)&ss, &l) == 0) {
        snap_put_u64(w, SNAP_FD_SOCK_FAMILY, ss.ss_family);
        ss_buf b = ss_buf_of(text, sizeof(text));
        format_addr(&b, &ss, l);
        if (redact_parts() & SNAP_REDACT_PATHS && snap_redact_sockaddr_is_name(text, b.len))
            snap_put_str(w, SNAP_FD_SOCK_LOCAL, SNAP_REDACTED_TEXT);
        else
            snap_put_str(w, SNAP_FD_SOCK_LOCAL, text);
    }
    l = sizeof(ss);
    memset(&ss, 0, sizeof(ss));
    if (!(redact_parts() & SNAP_REDACT_PEERS) &&
        getpeername(fd, (struct sockaddr *)&ss, &l) == 0) {
        ss_buf b = ss_buf_of(text, sizeof(text));
        format_addr(&b, &ss, l);
        snap_put_str(w, SNAP_FD_SOCK_PEER, text);
    }
}

/* The kind-specific lines of /proc/self/fdinfo/N (pos, flags, mnt_id and
 * ino are fields already) into out[cap]; returns its length. */
static size_t read_details(int infofd, const char *name, char *out, size_t cap)
{
    char *raw = bbx_g.iobuf2;
    ss_buf b = ss_buf_of(out, cap);
    if (ss_read_file(infofd, name, raw, 2048) <= 0)
        return 0;
    for (const char *s = raw; *s;) {
        const char *nl = strchr(s, '\n');
        size_t len = nl ? (size_t)(nl - s) : strlen(s);
        if (!starts(s, "pos:") && !starts(s, "flags:") && !starts(s, "mnt_id:") &&
            !starts(s, "ino:") && len) {
            if (b.len)
                ss_puts(&b, "\n");
            ss_putn(&b, s, len);
        }
        if (!nl)
            break;
        s = nl + 1;
    }
    return b.len;
}

/* An anonymous inode's kind from its fdinfo lines, which the kernel writes
 * per kind; SNAP_FD_OTHER when they do not tell (an epoll or inotify fd
 * with nothing watched, or another kind): then the link is read. */
static int kind_from_details(const char *d)
{
    if (starts(d, "eventfd-count:"))
        return SNAP_FD_EVENTFD;
    if (starts(d, "clockid:"))
        return SNAP_FD_TIMERFD;
    if (starts(d, "sigmask:"))
        return SNAP_FD_SIGNALFD;
    if (starts(d, "tfd:"))
        return SNAP_FD_EPOLL;
    if (starts(d, "inotify "))
        return SNAP_FD_INOTIFY;
    return SNAP_FD_OTHER;
}

static const char *anon_target(int kind)
{
    switch (kind) {
    case SNAP_FD_EVENTFD: return "anon_inode:[eventfd]";
    case SNAP_FD_TIMERFD: return "anon_inode:[timerfd]";
    case SNAP_FD_SIGNALFD: return "anon_inode:[signalfd]";
    case SNAP_FD_EPOLL: return "anon_inode:[eventpoll]";
    case SNAP_FD_INOTIFY: return "anon_inode:inotify";
    default: return "";
    }
}

struct dirs {
    int fd_dir, info_dir; /* /proc/self/fd and /proc/self/fdinfo, or -1:
                             then absolute paths (a crash with a full table) */
};

static void write_fd(snap_writer *w, const struct dirs *d, int fd, int fdflags, int bbx)
{
    char target[512], fdpath[48], infopath[48], details[1024];
    struct stat st;
    int kind;
    ss_buf fb = ss_buf_of(fdpath, sizeof(fdpath)), ib = ss_buf_of(infopath, sizeof(infopath));
    ss_puts(&fb, "/proc/self/fd/");
    ss_puts(&ib, "/proc/self/fdinfo/");
    const char *name = fdpath + fb.len; /* "N", relative to the open directories */
    ss_putu(&fb, (uint64_t)fd);
    ss_putu(&ib, (uint64_t)fd);
    int info_at = d->info_dir >= 0 ? d->info_dir : AT_FDCWD;
    const char *info_name = d->info_dir >= 0 ? name : infopath;
    if (fstat(fd, &st) != 0)
        memset(&st, 0, sizeof(st));
    ss_buf tb = ss_buf_of(target, sizeof(target));
    details[0] = '\0';
    if ((st.st_mode & S_IFMT) == 0) { /* anonymous inode */
        read_details(info_at, info_name, details, sizeof(details));
        kind = kind_from_details(details);
        ss_puts(&tb, anon_target(kind));
    } else if (!needs_link(&st)) {
        ss_puts(&tb, S_ISSOCK(st.st_mode) ? "socket:[" : "pipe:[");
        ss_putu(&tb, (uint64_t)st.st_ino);
        ss_puts(&tb, "]");
    }
    if (!tb.len) {
        ssize_t tl = d->fd_dir >= 0 ? readlinkat(d->fd_dir, name, target, sizeof(target) - 1)
                                    : readlink(fdpath, target, sizeof(target) - 1);
        target[tl > 0 ? tl : 0] = '\0';
    }
    kind = classify(&st, target);
    if (kind >= SNAP_FD_EVENTFD && kind <= SNAP_FD_INOTIFY && !details[0])
        read_details(info_at, info_name, details, sizeof(details));
    int fl = ss_fcntl(fd, F_GETFL, 0);

    snap_rec_begin(w, SNAP_REC_FD);
    snap_put_u64(w, SNAP_FD_NUM, (uint64_t)fd);
    snap_put_u64(w, SNAP_FD_KINDF, (uint64_t)kind);
    if (redact_parts() & SNAP_REDACT_PATHS && snap_redact_target_is_path(target, strlen(target)))
        snap_put_str(w, SNAP_FD_TARGET, SNAP_REDACTED_TEXT);
    else
        snap_put_str(w, SNAP_FD_TARGET, target);
    if (fl >= 0)
        snap_put_u64(w, SNAP_FD_FLAGS, (uint64_t)fl);
    if (fdflags & FD_CLOEXEC)
        snap_put_u64(w, SNAP_FD_CLOEXEC, 1);
    if (st.st_ino)
        snap_put_u64(w, SNAP_FD_INODE, (uint64_t)st.st_ino);
    if (kind == SNAP_FD_FILE || kind == SNAP_FD_MEMFD || kind == SNAP_FD_DEVICE) {
        off_t off = lseek(fd, 0, SEEK_CUR);
        if (off >= 0)
            snap_put_u64(w, SNAP_FD_OFFSET, (uint64_t)off);
        if (kind != SNAP_FD_DEVICE)
            snap_put_u64(w, SNAP_FD_SIZE, (uint64_t)st.st_size);
    }
    if (kind == SNAP_FD_SOCKET)
        put_socket(w, fd);
    snap_put_str(w, SNAP_FD_DETAILS, details);
    if (bbx)
        snap_put_u64(w, SNAP_FD_BBX, (uint64_t)bbx);
    snap_rec_end(w);
}

/* An fd of the program's that the crash path closed to make room: as it
 * was (sigsafe.c remembered it before closing it). */
static void write_closed(snap_writer *w, const struct ss_closed_fd *c)
{
    int kind = classify(&c->st, c->target);
    snap_rec_begin(w, SNAP_REC_FD);
    snap_put_u64(w, SNAP_FD_NUM, (uint64_t)c->fd);
    snap_put_u64(w, SNAP_FD_KINDF, (uint64_t)kind);
    snap_put_str(w, SNAP_FD_TARGET, c->target);
    if (c->flags >= 0)
        snap_put_u64(w, SNAP_FD_FLAGS, (uint64_t)c->flags);
    if (c->fdflags > 0 && (c->fdflags & FD_CLOEXEC))
        snap_put_u64(w, SNAP_FD_CLOEXEC, 1);
    if (c->st.st_ino)
        snap_put_u64(w, SNAP_FD_INODE, (uint64_t)c->st.st_ino);
    if (kind == SNAP_FD_FILE || kind == SNAP_FD_MEMFD)
        snap_put_u64(w, SNAP_FD_SIZE, (uint64_t)c->st.st_size);
    snap_put_u64(w, SNAP_FD_CLOSED_BY_BBX, 1);
    snap_rec_end(w);
}

/* Size of the fd table (FDSize in /proc/self/status), at least 1024. */
static int table_size(void)
{
    const char *s;
    int n = 0;
    if (ss_read_file(AT_FDCWD, "/proc/self/status", bbx_g.iobuf2, 8192) > 0 &&
        (s = strstr(bbx_g.iobuf2, "\nFDSize:")) != NULL) {
        s += 8;
        while (*s == ' ' || *s == '\t')
            s++;
        n = (int)ss_parse_u64(&s, 10);
    }
    return n < 1024 ? 1024 : n;
}

/* Which fds of a stretch of the table are open, in one poll() with no
 * events and no timeout (POLLNVAL marks a closed number) instead of one
 * fcntl() per number: the table is mostly empty (bbx's spare fds sit near
 * 1024).  poll() refuses more fds than RLIMIT_NOFILE, hence the chunks;
 * where it fails every number is asked with fcntl(). */
#define POLL_CHUNK 256
static struct pollfd poll_set[POLL_CHUNK];
static int poll_base = -1, poll_len;

static int poll_chunk(void)
{
    struct rlimit64 rl;
    if (syscall(SYS_prlimit64, 0, RLIMIT_NOFILE, NULL, &rl) != 0)
        return 0;
    return rl.rlim_cur < POLL_CHUNK ? (int)rl.rlim_cur : POLL_CHUNK;
}

static void poll_open(int base, int size, int chunk)
{
    int n = size - base < chunk ? size - base : chunk;
    poll_base = -1;
    if (n <= 0 || chunk < POLL_CHUNK)
        return; /* a small limit: fcntl() for each */
    for (int i = 0; i < n; i++)
        poll_set[i] = (struct pollfd){ base + i, 0, 0 };
    if (syscall(SYS_poll, poll_set, (unsigned long)n, 0) < 0)
        return;
    poll_base = base;
    poll_len = n;
}

static int poll_says_closed(int fd)
{
    return poll_base >= 0 && fd >= poll_base && fd < poll_base + poll_len &&
           (poll_set[fd - poll_base].revents & POLLNVAL);
}

unsigned fd_scan_write(snap_writer *w, const int *skip, unsigned n_skip)
{
    struct dirs d;
    unsigned count = 0;
    int size = table_size();
    d.fd_dir = ss_openat_light(AT_FDCWD, "/proc/self/fd", O_RDONLY | O_DIRECTORY, 0);
    d.info_dir = ss_openat_light(AT_FDCWD, "/proc/self/fdinfo", O_RDONLY | O_DIRECTORY, 0);
    int chunk = poll_chunk();
    for (int fd = 0; fd < size; fd++) {
        const struct ss_closed_fd *closed = ss_fd_closed_by_bbx(fd);
        if (fd % POLL_CHUNK == 0)
            poll_open(fd, size, chunk);
        if (closed) { /* whatever holds its number now is bbx's */
            write_closed(w, closed);
            count++;
            continue;
        }
        if (poll_says_closed(fd))
            continue;
        int fdflags = ss_fcntl(fd, F_GETFD, 0);
        if (fdflags < 0 || fd == d.fd_dir || fd == d.info_dir)
            continue;
        int ours = 0;
        for (unsigned i = 0; i < n_skip; i++)
            ours |= fd == skip[i];
        if (ours)
            continue;
        int bbx = ss_fd_is_reserved(fd) ? SNAP_FD_BBX_SPARE : ss_fd_is_own(fd) ? SNAP_FD_BBX_OWN : 0;
        write_fd(w, &d, fd, fdflags, bbx);
        count += !bbx; /* CAPTURE FDS: the program's */
    }
    if (d.fd_dir >= 0)
        ss_close(d.fd_dir);
    if (d.info_dir >= 0)
        ss_close(d.info_dir);
    return count;
}
