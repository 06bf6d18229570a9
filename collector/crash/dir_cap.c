/*
 * dir_cap.c - the snapshot directory cap.
 *
 * After every non-crash snapshot, while this app's snapshots in the output
 * directory (files "<app>-<pid>-<utc>-<word>[-<n>].bbx", see capture.c)
 * number more than max_files or weigh more than max_bytes, the oldest
 * periodic snapshot is deleted, then the oldest other non-crash one
 * (request, signal, exit, hang, recovered).  This app's unfinished files (*.bbx.tmp) count
 * toward the totals too.  Crash snapshots count but are never deleted, nor
 * is the snapshot just written, nor a *.tmp that may still be written or
 * read (a capture in progress, a crash's partial file), nor other apps'
 * files.  "Oldest" is the UTC time in the name.
 *
 * A *.tmp is stale when its process is gone and it holds nothing to keep:
 * a non-crash capture cut short (exec or _exit in another thread), or a
 * crash file shorter than the snapshot magic (an empty file left by a full
 * disk: no reader can recover anything from it).  The first non-crash
 * snapshot's dir_cap_sweep_stale() removes the stale ones; over the cap, they go
 * before any snapshot.
 *
 * Async-signal-safe: raw getdents64, fstatat, unlinkat, and memory reserved
 * by dir_cap_init().  The caller holds the capture lock, which also guards
 * that memory.  At most CAP_MAX_ENTRIES files are considered per pass.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collector.h"
#include "sigsafe.h"
#include "snap_format.h"

#define CAP_MAX_ENTRIES 8192u
#define CAP_NAME_MAX 208u   /* app (127) + pid + time + word + attempt + ".bbx.tmp" */
#define CAP_DENTS_SIZE (32u << 10)

enum cap_class { CAP_PERIODIC, CAP_ON_DEMAND, CAP_CRASH };

struct cap_entry {
    uint64_t utc;       /* YYYYMMDDHHMMSSmmm */
    uint64_t pid;
    uint64_t size;
    uint32_t attempt;
    uint8_t cls;        /* enum cap_class */
    uint8_t gone;
    uint8_t tmp;        /* an unfinished "....bbx.tmp" */
    char name[CAP_NAME_MAX];
};

/* What getdents64 returns (not in the C library's headers). */
struct cap_dirent {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

static struct cap_entry *entries;
static char *dents;
static const size_t entries_size = CAP_MAX_ENTRIES * sizeof(struct cap_entry);

int dir_cap_init(void)
{
    if (entries)
        return 0;
    void *e = ss_map(entries_size, 1);
    void *d = ss_map(CAP_DENTS_SIZE, 0);
    if (!e || !d) {
        ss_unmap(e, entries_size);
        ss_unmap(d, CAP_DENTS_SIZE);
        return -1;
    }
    entries = e;
    dents = d;
    return 0;
}

void dir_cap_release(void)
{
    ss_unmap(entries, entries_size);
    ss_unmap(dents, CAP_DENTS_SIZE);
    entries = NULL;
    dents = NULL;
}

/* Exactly n decimal digits at *s into *v (v = v * 10^n + digits). */
static int take_digits(const char **s, unsigned n, uint64_t *v)
{
    for (unsigned i = 0; i < n; i++, (*s)++) {
        if (**s < '0' || **s > '9')
            return -1;
        *v = *v * 10 + (uint64_t)(**s - '0');
    }
    return 0;
}

static int take_char(const char **s, char c)
{
    return **s == c ? ((*s)++, 0) : -1;
}

static enum cap_class class_of(const char *word, size_t n)
{
    static const char *const on_demand[] = { "request", "signal", "exit", "hang",
                                              "recovered", "memory" };
    if (n == 8 && memcmp(word, "periodic", 8) == 0)
        return CAP_PERIODIC;
    for (unsigned i = 0; i < sizeof(on_demand) / sizeof(on_demand[0]); i++)
        if (strlen(on_demand[i]) == n && memcmp(word, on_demand[i], n) == 0)
            return CAP_ON_DEMAND;
    return CAP_CRASH;
}

/* Parse "<app>-<pid>-YYYYMMDD-HHMMSS.mmm-<word>[-<n>].bbx" (the first len
 * bytes of name) into *e; -1 when the name is not a snapshot of this app. */
static int parse_name_n(const char *name, size_t len, struct cap_entry *e)
{
    size_t app_len = strlen(bbx_g.app);
    const char *s = name + app_len;
    uint64_t pid = 0, attempt = 0;
    if (len >= CAP_NAME_MAX || len <= app_len || memcmp(name + len - 4, ".bbx", 4) != 0 ||
        strncmp(name, bbx_g.app, app_len) != 0 || take_char(&s, '-') != 0)
        return -1;
    if (*s < '0' || *s > '9')
        return -1;
    while (*s >= '0' && *s <= '9')
        take_digits(&s, 1, &pid);
    e->utc = 0;
    if (take_char(&s, '-') || take_digits(&s, 8, &e->utc) || take_char(&s, '-') ||
        take_digits(&s, 6, &e->utc) || take_char(&s, '.') || take_digits(&s, 3, &e->utc) ||
        take_char(&s, '-'))
        return -1;
    const char *word = s;
    while ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'))
        s++;
    size_t word_len = (size_t)(s - word);
    if (word_len == 0)
        return -1;
    if (*s == '-') {
        s++;
        if (*s < '0' || *s > '9')
            return -1;
        while (*s >= '0' && *s <= '9')
            take_digits(&s, 1, &attempt);
    }
    if ((size_t)(s - name) + 4 != len || memcmp(s, ".bbx", 4) != 0)
        return -1;
    e->cls = (uint8_t)class_of(word, word_len);
    e->pid = pid;
    e->attempt = (uint32_t)attempt;
    e->gone = 0;
    e->tmp = 0;
    memcpy(e->name, name, len);
    e->name[len] = '\0';
    return 0;
}

/* A snapshot of this app, finished or not ("....bbx.tmp"). */
static int parse_name(const char *name, struct cap_entry *e)
{
    size_t len = strlen(name);
    if (len > 8 && len < CAP_NAME_MAX && strcmp(name + len - 4, ".tmp") == 0) {
        if (parse_name_n(name, len - 4, e) != 0)
            return -1;
        memcpy(e->name, name, len + 1);
        e->tmp = 1;
        return 0;
    }
    return parse_name_n(name, len, e);
}

/* An unfinished file whose process is gone and that holds nothing a reader
 * could recover, or nothing to keep (see the top of the file). */
static int stale_tmp(const struct cap_entry *e)
{
    if (!e->tmp || (e->cls == CAP_CRASH && e->size >= sizeof(SNAP_MAGIC) - 1))
        return 0;
    if (e->pid == 0 || e->pid > INT32_MAX || (pid_t)e->pid == bbx_g.pid)
        return 0;
    return kill((pid_t)e->pid, 0) != 0 && errno == ESRCH;
}

/* The file name of the last snapshot this process wrote, or "". */
static const char *just_written(void)
{
    if (!atomic_load(&bbx_g.has_last))
        return "";
    const char *slash = strrchr(bbx_g.last_path, '/');
    return slash ? slash + 1 : bbx_g.last_path;
}

static unsigned scan(int dirfd, uint64_t *bytes)
{
    unsigned n = 0;
    *bytes = 0;
    for (;;) {
        long k = syscall(SYS_getdents64, dirfd, dents, CAP_DENTS_SIZE);
        if (k <= 0)
            break;
        for (long off = 0; off < k;) {
            const struct cap_dirent *d = (const struct cap_dirent *)(dents + off);
            struct stat st;
            off += d->d_reclen;
            if (n >= CAP_MAX_ENTRIES || parse_name(d->d_name, &entries[n]) != 0)
                continue;
            if (fstatat(dirfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
                continue;
            entries[n].size = (uint64_t)st.st_size;
            *bytes += entries[n].size;
            n++;
        }
    }
    return n;
}

static int older(const struct cap_entry *a, const struct cap_entry *b)
{
    if (a->cls != b->cls)
        return a->cls < b->cls;
    if (a->utc != b->utc)
        return a->utc < b->utc;
    return a->attempt < b->attempt;
}

/* The next snapshot to delete, or NULL when only protected ones are left. */
static struct cap_entry *victim(unsigned n, const char *keep)
{
    struct cap_entry *best = NULL;
    for (unsigned i = 0; i < n; i++) {
        struct cap_entry *e = &entries[i];
        if (e->gone || e->tmp || e->cls == CAP_CRASH || strcmp(e->name, keep) == 0)
            continue;
        if (!best || older(e, best))
            best = e;
    }
    return best;
}

/*
 * Delete the stale "<app>-<pid>-...-<word>.bbx.tmp" files (see the top of
 * the file); a crash's partial file with records in it stays (readers
 * recover it).  Called once, by the process's first non-crash snapshot.
 */
void dir_cap_sweep_stale(void)
{
    struct cap_entry e;
    struct stat st;
    if (!dents)
        return;
    int dirfd = ss_openat(AT_FDCWD, bbx_g.dir, O_RDONLY | O_DIRECTORY, 0);
    if (dirfd < 0)
        return;
    for (;;) {
        long k = syscall(SYS_getdents64, dirfd, dents, CAP_DENTS_SIZE);
        if (k <= 0)
            break;
        for (long off = 0; off < k;) {
            const struct cap_dirent *d = (const struct cap_dirent *)(dents + off);
            off += d->d_reclen;
            if (parse_name(d->d_name, &e) != 0 || !e.tmp ||
                fstatat(dirfd, d->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode))
                continue;
            e.size = (uint64_t)st.st_size;
            if (stale_tmp(&e))
                unlinkat(dirfd, d->d_name, 0);
        }
    }
    ss_close(dirfd);
}

void dir_cap_enforce(void)
{
    unsigned max_files = bbx_g.cfg.max_files;
    unsigned long long max_bytes = bbx_g.cfg.max_bytes;
    uint64_t bytes;
    if (!entries || (!max_files && !max_bytes))
        return;
    int dirfd = ss_openat(AT_FDCWD, bbx_g.dir, O_RDONLY | O_DIRECTORY, 0);
    if (dirfd < 0)
        return;
    unsigned n = scan(dirfd, &bytes), count = n;
    const char *keep = just_written();
#define OVER ((max_files && count > max_files) || (max_bytes && bytes > max_bytes))
    for (unsigned i = 0; i < n && OVER; i++) { /* stale temporaries first */
        struct cap_entry *e = &entries[i];
        if (stale_tmp(e)) {
            unlinkat(dirfd, e->name, 0);
            e->gone = 1;
            count--;
            bytes -= e->size;
        }
    }
    while (OVER) {
        struct cap_entry *e = victim(n, keep);
        if (!e)
            break;
        unlinkat(dirfd, e->name, 0); /* gone already (ENOENT) counts too */
        e->gone = 1;
        count--;
        bytes -= e->size;
    }
#undef OVER
    ss_close(dirfd);
}
