/*
 * once_prog - a program that runs once and exits, leaking one fd, for the
 * at-exit snapshot (BBX_AT_EXIT=1 BBX_TRACK=fd).
 *
 * It opens and closes a few files (balanced), then load_config() opens its
 * configuration file and forgets to close it.  main returns normally.  Built
 * linked with libbbx (bbx_init() with the environment's settings) when
 * ONCE_LINKED is defined, else plain, for LD_PRELOAD=libbbx-preload.so.
 * It prints "leak fd load_config once_prog.c LINE" with the line of the
 * leaking open().
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#ifdef ONCE_LINKED
#include <bbx.h>
#endif

#define NOINLINE __attribute__((noinline))

/* The line of the leaking open(), checked where the call is. */
enum { LOAD_CONFIG_OPEN_LINE = __LINE__ + 5 };

/* Reads the first bytes of path as "configuration"; leaks its fd. */
NOINLINE static int load_config(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    _Static_assert(__LINE__ - 1 == LOAD_CONFIG_OPEN_LINE, "the manifest's line of open()");
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, size - 1);
    buf[n > 0 ? n : 0] = '\0';
    return 0; /* BUG: fd stays open */
}

/* Balanced: opens, reads and closes. */
NOINLINE static long file_size(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    long total = 0;
    char buf[4096];
    for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;)
        total += n;
    close(fd);
    return total;
}

int main(void)
{
#ifdef ONCE_LINKED
    int rc = bbx_init(NULL);
    if (rc != 0) {
        fprintf(stderr, "once_prog: bbx_init: %s\n", bbx_strerror(rc));
        return 2;
    }
#endif
    const char *file = strrchr(__FILE__, '/') ? strrchr(__FILE__, '/') + 1 : __FILE__;
    printf("leak fd load_config %s %d\n", file, LOAD_CONFIG_OPEN_LINE);

    long sizes = 0;
    for (int i = 0; i < 5; i++) {
        sizes += file_size("/proc/self/status") > 0;
        sizes += file_size("/dev/null") == 0;
    }
    int p[2];
    if (pipe(p) == 0) {
        close(p[0]);
        close(p[1]);
    }
    char config[128];
    if (load_config("/proc/self/cmdline", config, sizeof config) != 0)
        return 1;
    printf("files read %ld\n", sizes);
    fflush(stdout);
    return 0;
}
