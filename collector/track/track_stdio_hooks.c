/*
 * track_stdio_hooks.c - the interposed libc calls that create or close fds
 * through libc's internal open/close (which never reach the system-call
 * hooks of track_fd_hooks.c): stdio streams, directory streams, temporary
 * files, popen.  Not on the crash path (the capture uses none of them).
 */
#undef _FORTIFY_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "launch_table.h"
#include "track_hooks.h"

static FILE *made_stream(FILE *f, int call, uintptr_t ra)
{
    if (f && track_fds_on())
        track_fd_created(fileno(f), call, ra);
    return f;
}

static int made_fd(int fd, int call, uintptr_t ra)
{
    if (fd >= 0 && track_fds_on())
        track_fd_created(fd, call, ra);
    return fd;
}

static void closing_stream(FILE *f)
{
    if (f && track_fds_on())
        track_fd_closed(fileno(f));
}

/* closedir's argument is declared nonnull; programs still pass NULL. */
static void closing_dir(DIR *d)
{
    if (d && track_fds_on())
        track_fd_closed(dirfd(d));
}

/* Only while dlsym resolves: there is no system call to fall back to. */
static void *no_real(void)
{
    errno = ENOSYS;
    return NULL;
}

/* ---- stdio streams ---- */

TRACK_REAL(fopen);
BBX_API FILE *fopen(const char *restrict path, const char *restrict mode)
{
    __typeof__(&fopen) real = TRACK_RESOLVE(fopen);
    return made_stream(real ? real(path, mode) : no_real(), TRACK_FOPEN, TRACK_RA);
}

TRACK_REAL(fopen64);
BBX_API FILE *fopen64(const char *restrict path, const char *restrict mode)
{
    __typeof__(&fopen64) real = TRACK_RESOLVE(fopen64);
    return made_stream(real ? real(path, mode) : no_real(), TRACK_FOPEN64, TRACK_RA);
}

TRACK_REAL(freopen);
BBX_API FILE *freopen(const char *restrict path, const char *restrict mode,
                      FILE *restrict stream)
{
    __typeof__(&freopen) real = TRACK_RESOLVE(freopen);
    closing_stream(stream);
    return made_stream(real ? real(path, mode, stream) : no_real(), TRACK_FREOPEN, TRACK_RA);
}

TRACK_REAL(freopen64);
BBX_API FILE *freopen64(const char *restrict path, const char *restrict mode,
                        FILE *restrict stream)
{
    __typeof__(&freopen64) real = TRACK_RESOLVE(freopen64);
    closing_stream(stream);
    return made_stream(real ? real(path, mode, stream) : no_real(), TRACK_FREOPEN64,
                       TRACK_RA);
}

TRACK_REAL(tmpfile);
BBX_API FILE *tmpfile(void)
{
    __typeof__(&tmpfile) real = TRACK_RESOLVE(tmpfile);
    return made_stream(real ? real() : no_real(), TRACK_TMPFILE, TRACK_RA);
}

TRACK_REAL(tmpfile64);
BBX_API FILE *tmpfile64(void)
{
    __typeof__(&tmpfile64) real = TRACK_RESOLVE(tmpfile64);
    return made_stream(real ? real() : no_real(), TRACK_TMPFILE64, TRACK_RA);
}

/* popen is also a launch (BBX_TRACK exec): the command, and the stream's
 * fd, by which pclose later finds it. */
TRACK_REAL(popen);
BBX_API FILE *popen(const char *command, const char *mode)
{
    __typeof__(&popen) real = TRACK_RESOLVE(popen);
    int slot = command ? launch_begin_command(LAUNCH_POPEN, command, TRACK_RA) : -1;
    FILE *f = made_stream(real ? real(command, mode) : no_real(), TRACK_POPEN, TRACK_RA);
    if (slot >= 0) {
        int err = errno;
        if (f)
            launch_started(slot, 0, fileno(f));
        else
            launch_failed(slot, err, 0);
        errno = err;
    }
    return f;
}

TRACK_REAL(fclose);
BBX_API int fclose(FILE *f)
{
    __typeof__(&fclose) real = TRACK_RESOLVE(fclose);
    closing_stream(f);
    return real ? real(f) : EOF;
}

TRACK_REAL(pclose);
BBX_API int pclose(FILE *f)
{
    __typeof__(&pclose) real = TRACK_RESOLVE(pclose);
    int fd = f && track_exec_on() ? fileno(f) : -1;
    closing_stream(f);
    int status = real ? real(f) : -1;
    if (fd >= 0 && status != -1) {
        int err = errno;
        launch_pclosed(fd, status);
        errno = err;
    }
    return status;
}

/* ---- directory streams ---- */

TRACK_REAL(opendir);
BBX_API DIR *opendir(const char *path)
{
    __typeof__(&opendir) real = TRACK_RESOLVE(opendir);
    DIR *d = real ? real(path) : no_real();
    if (d && track_fds_on())
        track_fd_created(dirfd(d), TRACK_OPENDIR, TRACK_RA);
    return d;
}

TRACK_REAL(closedir);
BBX_API int closedir(DIR *d)
{
    __typeof__(&closedir) real = TRACK_RESOLVE(closedir);
    closing_dir(d);
    return real ? real(d) : -1;
}

/* ---- temporary files ---- */

#define MKSTEMP_HOOK(name, call, params, args)                                   \
    TRACK_REAL(name);                                                            \
    BBX_API int name params                                                      \
    {                                                                            \
        __typeof__(&name) real = TRACK_RESOLVE(name);                            \
        return made_fd(real ? real args : (int)(intptr_t)no_real() - 1, call,    \
                       TRACK_RA);                                                \
    }

MKSTEMP_HOOK(mkstemp, TRACK_MKSTEMP, (char *tmpl), (tmpl))
MKSTEMP_HOOK(mkstemp64, TRACK_MKSTEMP64, (char *tmpl), (tmpl))
MKSTEMP_HOOK(mkostemp, TRACK_MKOSTEMP, (char *tmpl, int flags), (tmpl, flags))
MKSTEMP_HOOK(mkostemp64, TRACK_MKOSTEMP64, (char *tmpl, int flags), (tmpl, flags))
MKSTEMP_HOOK(mkstemps, TRACK_MKSTEMPS, (char *tmpl, int suffixlen), (tmpl, suffixlen))
MKSTEMP_HOOK(mkstemps64, TRACK_MKSTEMPS64, (char *tmpl, int suffixlen), (tmpl, suffixlen))
MKSTEMP_HOOK(mkostemps, TRACK_MKOSTEMPS, (char *tmpl, int suffixlen, int flags),
             (tmpl, suffixlen, flags))
MKSTEMP_HOOK(mkostemps64, TRACK_MKOSTEMPS64, (char *tmpl, int suffixlen, int flags),
             (tmpl, suffixlen, flags))
