/*
 * own_fds.c - the fds bbx holds for itself (sigsafe.h: ss_fd_own_*).
 *
 * libunwind's validation pipes, bbx's X connection and whatever else a
 * library opens while bbx runs it (bbx_busy) are moved out of the
 * program's low numbers (the program gets the numbers it would get without
 * bbx) and remembered here by number and identity (st_dev, st_ino), so the
 * fd scan marks them as bbx's, and a program that closed one (closefrom,
 * close_range) and reused its number keeps its fd.
 *
 * A fixed table, lock-free: a slot is claimed by compare-and-swap on its
 * word (0 free, -1 being filled, fd + 1 in use), so the crash path can read
 * it at any time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sigsafe.h"

#define OWN_MAX 32
#define SLOT_FREE 0
#define SLOT_FILLING (-1)

static struct own_slot {
    _Atomic int word; /* fd + 1 */
    dev_t dev;
    ino_t ino;
} own[OWN_MAX];

static int same_file(const struct own_slot *s, int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino;
}

/* Claim a free slot, or one whose fd is no longer the file it recorded
 * (closed behind bbx's back: fclose of a stream, the program's closefrom). */
static struct own_slot *claim(void)
{
    for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < OWN_MAX; i++) {
            int cur = atomic_load(&own[i].word);
            if (cur == SLOT_FILLING || (pass == 0 && cur != SLOT_FREE))
                continue;
            if (cur > 0 && same_file(&own[i], cur - 1))
                continue;
            if (atomic_compare_exchange_strong(&own[i].word, &cur, SLOT_FILLING))
                return &own[i];
        }
    }
    return NULL;
}

int ss_fd_own_add(int fd)
{
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        return -1;
    struct own_slot *s = claim();
    if (!s)
        return -1;
    s->dev = st.st_dev;
    s->ino = st.st_ino;
    atomic_store(&s->word, fd + 1);
    return 0;
}

void ss_fd_own_remove(int fd)
{
    for (int i = 0; i < OWN_MAX && fd >= 0; i++) {
        int cur = fd + 1;
        atomic_compare_exchange_strong(&own[i].word, &cur, SLOT_FREE);
    }
}

int ss_fd_is_own(int fd)
{
    for (int i = 0; i < OWN_MAX && fd >= 0; i++)
        if (atomic_load(&own[i].word) == fd + 1 && same_file(&own[i], fd))
            return 1;
    return 0;
}

int ss_fd_own_take(int fd)
{
    if (fd < 0)
        return fd;
    int saved_errno = errno;
    int fdflags = (int)syscall(SYS_fcntl, fd, F_GETFD);
    int high = fdflags < 0 ? -1 : ss_fd_high_dup(fd, fdflags & FD_CLOEXEC);
    if (high >= 0) {
        syscall(SYS_close, fd);
        fd = high;
    }
    ss_fd_own_add(fd);
    errno = saved_errno;
    return fd;
}
