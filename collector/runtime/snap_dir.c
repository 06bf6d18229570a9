/*
 * snap_dir.c - choose, create and check the snapshot directory (see
 * snap_dir.h).  Init only.
 *
 * The walk.  The path is made absolute (a relative one is taken from the
 * working directory, and refused in a privileged process, whose working
 * directory the caller chose) and walked from "/" one component at a time,
 * each opened with openat(O_PATH | O_DIRECTORY | O_NOFOLLOW) relative to
 * the one before and checked with fstat() on what was opened, so nothing
 * is ever resolved by the kernel through a name someone else could swap:
 *
 *  - A directory we pass through must be owned by root or by the effective
 *    user, and must not be writable by group or others unless it is sticky
 *    (/tmp, /var/tmp): in a sticky directory nobody else can rename or
 *    delete our entries, elsewhere its owner decides what the next name
 *    means.  This is OpenSSH's StrictModes rule for the path to
 *    authorized_keys, plus the sticky exception.
 *  - A missing component is created (mode 0700) inside a directory that
 *    passed that check, then checked like one that was there.
 *  - A symlink is followed only when root or the effective user owns it (in
 *    a sticky /tmp anyone can plant one; systemd refuses the same "unsafe
 *    transition"), at most 40 of them; its target is walked the same way.
 *  - The last directory must be owned by the effective user, be writable
 *    by it, and not be writable by group or others: nobody else may
 *    replace, read or delete the snapshots in it.
 *
 * Since every directory on the physical path is then one only root or the
 * effective user can rearrange, the path stays valid for the capture later
 * (capture.c and dir_cap.c open files by path).
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "collector.h"
#include "snap_dir.h"

#define MAX_SYMLINKS 40
#define DIR_FLAGS (O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

static char dir_error[BBX_PATH_MAX + 256];

const char *snap_dir_error(void)
{
    return dir_error[0] ? dir_error : NULL;
}

/* The walk in progress. */
struct walk {
    const char *want;            /* the directory asked for, for messages */
    uid_t euid;
    int fd;                      /* the directory reached so far */
    char path[BBX_PATH_MAX];     /* its physical path; "" is "/" */
    size_t len;
    char todo[2 * BBX_PATH_MAX]; /* the components still to walk */
    unsigned links;
};

/* Set the error, "WANT: what" (just "what" when it starts with WANT),
 * and return BBX_EDIR.  A long one is cut; it stays one line. */
__attribute__((format(printf, 2, 3))) static int fail(const struct walk *w, const char *fmt, ...)
{
    size_t n = strlen(w->want), pre = n + 2, len;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dir_error, sizeof(dir_error), fmt, ap);
    va_end(ap);
    if ((strncmp(dir_error, w->want, n) == 0 && dir_error[n] == ' ') ||
        pre >= sizeof(dir_error))
        return BBX_EDIR;
    len = strlen(dir_error);
    if (pre + len >= sizeof(dir_error))
        len = sizeof(dir_error) - 1 - pre;
    memmove(dir_error + pre, dir_error, len);
    dir_error[pre + len] = '\0';
    memcpy(dir_error, w->want, n);
    memcpy(dir_error + n, ": ", 2);
    return BBX_EDIR;
}

static const char *shown(const struct walk *w)
{
    return w->len ? w->path : "/";
}

/* A directory we may pass through: see the top of the file. */
static int check_passage(const struct walk *w)
{
    struct stat st;
    if (fstat(w->fd, &st) != 0)
        return fail(w, "cannot stat %s: %s", shown(w), strerror(errno));
    if (st.st_uid != 0 && st.st_uid != w->euid)
        return fail(w, "%s is owned by uid %u, neither root nor this process's user (uid %u)",
                    shown(w), (unsigned)st.st_uid, (unsigned)w->euid);
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))
        return fail(w, "%s is writable by group or others and not sticky (mode %04o)", shown(w),
                    (unsigned)(st.st_mode & 07777));
    return 0;
}

/* The directory the snapshots go into. */
static int check_final(const struct walk *w)
{
    struct stat st;
    struct statvfs vfs;
    if (fstat(w->fd, &st) != 0)
        return fail(w, "cannot stat %s: %s", shown(w), strerror(errno));
    if (st.st_uid != w->euid)
        return fail(w, "%s is owned by uid %u, not by this process's user (uid %u)", shown(w),
                    (unsigned)st.st_uid, (unsigned)w->euid);
    if (st.st_mode & (S_IWGRP | S_IWOTH))
        return fail(w, "%s is writable by group or others (mode %04o)", shown(w),
                    (unsigned)(st.st_mode & 07777));
    if (w->euid != 0 && (st.st_mode & (S_IWUSR | S_IXUSR)) != (S_IWUSR | S_IXUSR))
        return fail(w, "%s is not writable by its owner (mode %04o)", shown(w),
                    (unsigned)(st.st_mode & 07777));
    if (fstatvfs(w->fd, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
        return fail(w, "%s is on a read-only file system", shown(w));
    return 0;
}

/* Move to the directory `fd` (opened relative to the current one), whose
 * physical path is now w->path[0..len).  It is checked when a name is
 * looked up in it (check_passage) or when it is the last (check_final). */
static int enter(struct walk *w, int fd, size_t len)
{
    close(w->fd);
    w->fd = fd;
    w->len = len;
    w->path[len] = '\0';
    return 0;
}

static int go_up(struct walk *w)
{
    if (w->len == 0)
        return 0; /* "/.." is "/" */
    int fd = openat(w->fd, "..", DIR_FLAGS);
    if (fd < 0)
        return fail(w, "cannot open the parent of %s: %s", shown(w), strerror(errno));
    char *slash = strrchr(w->path, '/');
    return enter(w, fd, slash ? (size_t)(slash - w->path) : 0);
}

/* Put `target` (a symlink's) in front of what is left to walk. */
static int follow(struct walk *w, const char *name, const char *rest)
{
    char target[BBX_PATH_MAX], joined[sizeof(w->todo)];
    ssize_t n = readlinkat(w->fd, name, target, sizeof(target) - 1);
    if (n <= 0)
        return fail(w, "cannot read the symlink %s/%s: %s", w->path, name,
                    n == 0 ? "empty" : strerror(errno));
    target[n] = '\0';
    if (++w->links > MAX_SYMLINKS)
        return fail(w, "too many levels of symlinks");
    int len = snprintf(joined, sizeof(joined), "%s/%s", target, rest);
    if (len < 0 || (size_t)len >= sizeof(joined))
        return fail(w, "path too long");
    memcpy(w->todo, joined, (size_t)len + 1);
    if (target[0] != '/')
        return 0;
    int fd = open("/", DIR_FLAGS);
    if (fd < 0)
        return fail(w, "cannot open /: %s", strerror(errno));
    return enter(w, fd, 0);
}

/* One component, `name`, of the current directory; `rest` is what follows
 * it (a pointer into w->todo). */
static int step(struct walk *w, const char *name, const char *rest)
{
    struct stat st;
    int rc = check_passage(w);
    if (rc != 0)
        return rc;
    if (strcmp(name, "..") == 0)
        return go_up(w);
    if (w->len + 1 + strlen(name) >= sizeof(w->path))
        return fail(w, "path too long");
    if (fstatat(w->fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno != ENOENT)
            return fail(w, "cannot stat %s/%s: %s", w->path, name, strerror(errno));
        if (mkdirat(w->fd, name, 0700) != 0 && errno != EEXIST)
            return fail(w, "cannot create %s/%s: %s", w->path, name, strerror(errno));
        if (fstatat(w->fd, name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            return fail(w, "cannot stat %s/%s: %s", w->path, name, strerror(errno));
    }
    if (S_ISLNK(st.st_mode)) {
        if (st.st_uid != 0 && st.st_uid != w->euid)
            return fail(w, "%s/%s is a symlink owned by uid %u, neither root nor this "
                        "process's user (uid %u)", w->path, name, (unsigned)st.st_uid,
                        (unsigned)w->euid);
        return follow(w, name, rest);
    }
    if (!S_ISDIR(st.st_mode))
        return fail(w, "%s/%s is not a directory", w->path, name);
    int fd = openat(w->fd, name, DIR_FLAGS);
    if (fd < 0 && errno == EMFILE) {
        /* One fd short (a program started at its fd limit): let go of the
         * parent and open the child by its physical path.  Every directory
         * on that path passed check_passage, so only root or this user can
         * have changed it; the identity check catches that too. */
        struct stat again;
        char full[sizeof(w->path)];
        if ((size_t)snprintf(full, sizeof(full), "%s/%s", w->path, name) >= sizeof(full))
            return fail(w, "path too long");
        close(w->fd);
        w->fd = -1;
        fd = open(full, DIR_FLAGS);
        if (fd >= 0 && (fstat(fd, &again) != 0 || again.st_dev != st.st_dev ||
                        again.st_ino != st.st_ino)) {
            close(fd);
            return fail(w, "%s changed while it was checked", full);
        }
    }
    if (fd < 0)
        return fail(w, "cannot open %s/%s: %s", w->path, name, strerror(errno));
    size_t len = w->len;
    w->path[len] = '/';
    strcpy(w->path + len + 1, name); /* length checked above */
    return enter(w, fd, len + 1 + strlen(name));
}

static int walk(struct walk *w, char *out, size_t cap)
{
    int rc;
    w->fd = open("/", DIR_FLAGS);
    if (w->fd < 0)
        return fail(w, "cannot open /: %s", strerror(errno));
    w->len = 0;
    w->path[0] = '\0';
    for (;;) {
        char *name = w->todo;
        while (*name == '/')
            name++;
        if (!*name)
            break;
        char *end = name + strcspn(name, "/");
        char saved[BBX_PATH_MAX];
        size_t n = (size_t)(end - name);
        if (n >= sizeof(saved))
            return fail(w, "path too long");
        memcpy(saved, name, n);
        saved[n] = '\0';
        /* what follows, moved to the front so follow() can prepend */
        memmove(w->todo, end, strlen(end) + 1);
        if (strcmp(saved, ".") != 0 && (rc = step(w, saved, w->todo)) != 0)
            return rc;
    }
    if ((rc = check_final(w)) != 0)
        return rc;
    if (strlen(shown(w)) >= cap)
        return fail(w, "path too long");
    strcpy(out, shown(w));
    return 0;
}

/* The directory asked for, absolute, in w->todo. */
static int choose(struct walk *w, const char *cfg_dir, char *want, size_t cap)
{
    const char *v;
    int n;
    if (cfg_dir && *cfg_dir) {
        n = snprintf(want, cap, "%s", cfg_dir);
    } else if (config_privileged()) {
        /* the environment is the caller's: use the effective user's home */
        struct passwd pw, *res = NULL;
        char buf[4096];
        if (getpwuid_r(w->euid, &pw, buf, sizeof(buf), &res) == 0 && res && pw.pw_dir &&
            pw.pw_dir[0] == '/')
            n = snprintf(want, cap, "%s/.local/state/bbx", pw.pw_dir);
        else
            n = snprintf(want, cap, "/tmp/bbx-%u", (unsigned)w->euid);
    } else if ((v = config_getenv("BBX_DIR")) != NULL) {
        n = snprintf(want, cap, "%s", v);
    } else if ((v = config_getenv("XDG_STATE_HOME")) != NULL && *v == '/') {
        n = snprintf(want, cap, "%s/bbx", v);
    } else if ((v = config_getenv("HOME")) != NULL && *v == '/') {
        n = snprintf(want, cap, "%s/.local/state/bbx", v);
    } else {
        v = config_getenv("TMPDIR");
        n = snprintf(want, cap, "%s/bbx-%u", v && *v == '/' ? v : "/tmp", (unsigned)w->euid);
    }
    w->want = want;
    if (n < 0 || (size_t)n >= cap)
        return fail(w, "path too long");
    if (want[0] == '/') {
        memcpy(w->todo, want, (size_t)n + 1);
        return 0;
    }
    if (config_privileged())
        return fail(w, "a relative directory is refused in a privileged process");
    char cwd[BBX_PATH_MAX];
    if (!getcwd(cwd, sizeof(cwd)))
        return fail(w, "cannot get the working directory: %s", strerror(errno));
    n = snprintf(w->todo, sizeof(w->todo), "%s/%s", cwd, want);
    return n < 0 || (size_t)n >= sizeof(w->todo) ? fail(w, "path too long") : 0;
}

int snap_dir_setup(const char *cfg_dir, char *out, size_t cap)
{
    static struct walk w; /* init is single-threaded; keeps 3 KiB off the stack */
    char want[BBX_PATH_MAX];
    dir_error[0] = '\0';
    memset(&w, 0, sizeof(w));
    w.fd = -1;
    w.euid = geteuid();
    int rc = choose(&w, cfg_dir, want, sizeof(want));
    if (rc == 0)
        rc = walk(&w, out, cap);
    if (w.fd >= 0)
        close(w.fd);
    return rc;
}
