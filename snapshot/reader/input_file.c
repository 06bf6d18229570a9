/*
 * input_file.c - opening inputs without blocking, regular files only
 * (input_file.h).
 */
#include "input_file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *input_kind_name(mode_t m)
{
    if (S_ISREG(m))
        return "regular file";
    if (S_ISFIFO(m))
        return "fifo";
    if (S_ISDIR(m))
        return "directory";
    if (S_ISCHR(m))
        return "character device";
    if (S_ISBLK(m))
        return "block device";
    if (S_ISSOCK(m))
        return "socket";
    if (S_ISLNK(m))
        return "symbolic link";
    return "unknown type";
}

static int not_regular(mode_t m, char *err, size_t errlen)
{
    snprintf(err, errlen, "not a regular file (%s)", input_kind_name(m));
    return -1;
}

int input_open(const char *path, char *err, size_t errlen)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        /* open(2) of a socket fails with ENXIO: say what it is instead */
        if (e == ENXIO && stat(path, &st) == 0 && !S_ISREG(st.st_mode))
            return not_regular(st.st_mode, err, errlen);
        snprintf(err, errlen, "cannot open: %s", strerror(e));
        return -1;
    }
    if (fstat(fd, &st) != 0) {
        snprintf(err, errlen, "cannot stat: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return not_regular(st.st_mode, err, errlen);
    }
    return fd;
}

FILE *input_fopen(const char *path, char *err, size_t errlen)
{
    int fd = input_open(path, err, errlen);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        close(fd);
    }
    return f;
}

int input_check_entry(int dirfd, const char *name, char *err, size_t errlen)
{
    struct stat st;
    if (fstatat(dirfd, name, &st, 0) != 0) {
        snprintf(err, errlen, "cannot open: %s", strerror(errno));
        return -1;
    }
    return S_ISREG(st.st_mode) ? 0 : not_regular(st.st_mode, err, errlen);
}
