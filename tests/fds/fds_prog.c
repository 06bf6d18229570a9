/*
 * fds_prog.c - a program that owns its whole fd table, as daemons and
 * sandboxes do: at start it closes every fd above 2 (closefrom or
 * close_range), then opens a file and a pipe, which get fds 3, 4 and 5.
 * Then, by the third argument:
 *   snap             dups of the file at the top of the first 1024 fds
 *                    (where bbx keeps its spare fds: the numbers are the
 *                    program's now), a snapshot, then exit
 *   high-crash       the same dups, then a crash (no snapshot before it)
 *   none             nothing more (the linked build prints "spares N":
 *                    what bbx_spare_fds() said after bbx_init)
 *   snap-fill-crash  a snapshot, then fds opened until EMFILE, then a crash
 *   fill-crash       fds opened until EMFILE, then a crash
 * Built twice: fds_prog_linked (FDS_LINKED: bbx_init() first, snapshots
 * by bbx_snapshot()) and fds_prog (no bbx: run under libbbx-preload.so,
 * its snapshot from BBX_AT_EXIT at exit, or from BBX_SIGNAL=USR2 that it
 * sends itself, waiting for the file to appear in $BBX_DIR).
 * Prints "fds A B C", "high FIRST LAST" for the dups, and, when it fills
 * the table, "filled N".
 *
 * Usage: fds_prog closefrom|close_range FILE snap|snap-fill-crash|fill-crash
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#ifdef FDS_LINKED
#include "bbx.h"
#endif

#ifndef FDS_LINKED
static int has_signal_snapshot(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int found = 0;
    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        found |= n > 11 && strcmp(e->d_name + n - 11, "-signal.bbx") == 0;
    }
    closedir(d);
    return found;
}
#endif

static void snapshot(void)
{
#ifdef FDS_LINKED
    if (bbx_snapshot("after closefrom") != 0)
        exit(3);
#else
    const char *dir = getenv("BBX_DIR");
    struct timespec ms10 = { 0, 10 * 1000 * 1000 };
    kill(getpid(), SIGUSR2);
    for (int i = 0; i < 3000 && dir && !has_signal_snapshot(dir); i++) /* 30 s bound */
        nanosleep(&ms10, NULL);
    if (!dir || !has_signal_snapshot(dir))
        exit(3);
#endif
}

static void crash(void)
{
    volatile int *nowhere = (volatile int *)strtoul("16", NULL, 10);
    *nowhere = 1; /* SIGSEGV */
    abort();
}

static void fill_and_crash(void)
{
    int n = 0;
    while (open("/dev/null", O_RDONLY) >= 0)
        n++;
    if (errno != EMFILE)
        exit(4);
    printf("filled %d\n", n);
    fflush(stdout);
    crash();
}

int main(int argc, char **argv)
{
    int p[2];
    if (argc != 4)
        return 2;
#ifdef FDS_LINKED
    int rc = bbx_init(NULL);
    if (rc != 0) {
        fprintf(stderr, "fds_prog: bbx_init: %s\n", bbx_strerror(rc));
        return 5;
    }
    printf("spares %d\n", bbx_spare_fds());
#endif
    if (strcmp(argv[1], "closefrom") == 0)
        closefrom(3);
    else if (close_range(3, ~0u, 0) != 0)
        return 6;
    int f = open(argv[2], O_RDONLY);
    if (f < 0 || pipe(p) != 0)
        return 7;
    printf("fds %d %d %d\n", f, p[0], p[1]);
    fflush(stdout);
    if (strcmp(argv[3], "snap") == 0 || strcmp(argv[3], "high-crash") == 0) {
        struct rlimit rl;
        if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur < 64)
            return 8;
        int top = rl.rlim_cur < 1024 ? (int)rl.rlim_cur : 1024;
        for (int fd = top - 16; fd < top; fd++)
            if (dup2(f, fd) != fd)
                return 9;
        printf("high %d %d\n", top - 16, top - 1);
        fflush(stdout);
    }
    if (strcmp(argv[3], "high-crash") == 0)
        crash();
    if (strcmp(argv[3], "none") == 0)
        return 0;
    if (strcmp(argv[3], "fill-crash") != 0)
        snapshot();
    if (strcmp(argv[3], "snap") == 0)
        return 0;
    fill_and_crash();
    return 0;
}
