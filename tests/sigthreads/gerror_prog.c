/*
 * gerror_prog.c - g_error() (a breakpoint trap, SIGTRAP) in GLib's own
 * "gmain" worker thread, for e2e_sigthreads.py.  Run under
 * libbbx-preload.so or alone.
 *
 * GLib starts gmain with every signal blocked (gmain.c blocks them all
 * around g_thread_new when it creates its worker context, which
 * g_unix_signal_add() needs).  The program defines poll(): GLib's main
 * loops reach it through the PLT, and the first call made in the thread
 * named "gmain" prints that thread's blocked-signal mask ("SigBlk of gmain:
 * HEX") and calls report_failure(), which calls g_error().  Every other
 * call goes to the next poll() (bbx's, or libc's).
 */
#include <dlfcn.h>
#include <glib-unix.h>
#include <glib.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>

__attribute__((noinline)) static void report_failure(const char *what)
{
    g_error("gerror_prog: %s", what);
}

static void print_sigblk(void)
{
    char line[256];
    FILE *f = fopen("/proc/thread-self/status", "r");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "SigBlk:", 7) == 0)
            fprintf(stderr, "SigBlk of gmain: %s", line + 7);
    fclose(f);
}

int poll(struct pollfd *fds, nfds_t n, int timeout)
{
    static int (*real)(struct pollfd *, nfds_t, int);
    char name[17] = "";
    if (!real)
        real = (int (*)(struct pollfd *, nfds_t, int))dlsym(RTLD_NEXT, "poll");
    prctl(PR_GET_NAME, name);
    if (strcmp(name, "gmain") == 0) {
        print_sigblk();
        report_failure("gmain gave up");
    }
    return real(fds, n, timeout);
}

static gboolean on_hup(gpointer data)
{
    (void)data;
    return G_SOURCE_CONTINUE;
}

static gboolean quit(gpointer loop)
{
    g_main_loop_quit(loop);
    return G_SOURCE_REMOVE;
}

int main(void)
{
    GMainLoop *loop = g_main_loop_new(NULL, FALSE);
    g_unix_signal_add(SIGHUP, on_hup, NULL); /* starts gmain */
    g_timeout_add_seconds(20, quit, loop);
    g_main_loop_run(loop);
    fprintf(stderr, "gerror_prog: gmain never polled\n");
    return 0;
}
