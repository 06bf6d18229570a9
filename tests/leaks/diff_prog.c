/*
 * diff_prog - one test program, three builds, for `bbx diff`:
 *   A (no switch):      a baseline leak in open_cache_files();
 *   B (-DWITH_NEW_LEAK): the same, plus a new leak in open_extra_logs();
 *   C (-DEXTRA_LINES):   the same code as A, its lines moved down.
 * Each run leaks LEAKS fds per leaking function and exits (run it with
 * BBX_TRACK=fd BBX_AT_EXIT=1); the snapshots differ only by what the build
 * changed.  Linked with libbbx, bbx_init() with the environment's settings.
 */
#include <bbx.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
#define LEAKS 3

#ifdef EXTRA_LINES
/*
 * Build C: these lines only move everything below them down, as an edit
 * elsewhere in a file does.
 *
 *
 *
 *
 *
 */
static const int moved_lines = 1;
#endif

/* The baseline leak: the cache fds are kept open (in every build). */
NOINLINE static void open_cache_files(int *fds)
{
    for (int i = 0; i < LEAKS; i++)
        fds[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

#ifdef WITH_NEW_LEAK
/* Build B's new leak: log fds opened and never closed. */
NOINLINE static void open_extra_logs(void)
{
    for (int i = 0; i < LEAKS; i++)
        if (open("/dev/zero", O_RDONLY | O_CLOEXEC) < 0)
            perror("open");
}
#endif

/* Balanced work, the same in every build. */
NOINLINE static void read_status(void)
{
    char buf[256];
    int fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)!read(fd, buf, sizeof buf);
        close(fd);
    }
}

int main(void)
{
    int rc = bbx_init(NULL);
    if (rc != 0) {
        fprintf(stderr, "diff_prog: bbx_init: %s\n", bbx_strerror(rc));
        return 2;
    }
#ifdef EXTRA_LINES
    (void)moved_lines;
#endif
    int cache[LEAKS];
    open_cache_files(cache);
#ifdef WITH_NEW_LEAK
    open_extra_logs();
#endif
    for (int i = 0; i < 4; i++)
        read_status();
    return 0;
}
