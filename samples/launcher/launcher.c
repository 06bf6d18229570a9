/*
 * launcher - a program whose helpers fail in the ways GUI programs' helpers
 * do, for bbx's launch tracking (BBX_TRACK=exec: `bbx show`, `bbx leaks`).
 *
 *   launcher MODE... [--crash]
 *
 * Modes (each ends with a snapshot, bbx_snapshot("launches: MODE")):
 *   missing    open_browser() forks and execvp()s "bbx-demo-browser", which
 *              no PATH directory has: the exec fails in the child (ENOENT),
 *              which exits 127
 *   nodisplay  make_thumbnail() posix_spawn()s the thumbnailer 3 times with
 *              an environment without DISPLAY: it exits 1 each time
 *   signal     convert_image() posix_spawnp()s a converter that dies by
 *              SIGSEGV, and reaps it with waitid()
 *   pipe       export_png() popen()s an exporter that writes 1 MiB to its
 *              stdout, which the program never reads: the exporter blocks
 *              writing into the full pipe (the snapshot is taken then)
 *   orphan     start_indexer() posix_spawn()s an indexer that runs 20 s, and
 *              the program exits (BBX_AT_EXIT=1 takes the last snapshot)
 *              with it still running
 *   all        every mode above, in that order
 * --crash: after the modes, crash (SIGSEGV in main) instead of exiting.
 *
 * Before each mode it prints a manifest line on stdout, flushed:
 *   launch MODE FUNCTION launcher.c LINE PROGRAM
 * (LINE: the line of the launching call; PROGRAM: what it launches), the
 * truth the tests hold bbx's stories against.  The helpers are this same
 * program run as `launcher --helper KIND` (no bbx_init there).
 *
 * Linked with libbbx: bbx_init() with the environment's settings.
 */
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <bbx.h>

#define NOINLINE __attribute__((noinline))
#define MISSING_PROGRAM "bbx-demo-browser"

extern char **environ;
static char self[4096];

static void manifest(const char *mode, const char *fn, int line, const char *program)
{
    printf("launch %s %s launcher.c %d %s\n", mode, fn, line, program);
    fflush(stdout);
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- the helpers ---- */

static int helper(const char *kind)
{
    if (strcmp(kind, "thumbnailer") == 0) {
        if (!getenv("DISPLAY")) {
            fprintf(stderr, "thumbnailer: cannot open display\n");
            return 1;
        }
        return 0;
    }
    if (strcmp(kind, "converter") == 0) {
        signal(SIGSEGV, SIG_DFL);
        raise(SIGSEGV);
        return 2;
    }
    if (strcmp(kind, "exporter") == 0) {
        static char chunk[4096];
        memset(chunk, 'x', sizeof(chunk));
        for (int i = 0; i < 256; i++)
            if (fwrite(chunk, 1, sizeof(chunk), stdout) != sizeof(chunk))
                return 1;
        return 0;
    }
    if (strcmp(kind, "indexer") == 0) {
        sleep_ms(20000);
        return 0;
    }
    fprintf(stderr, "launcher: unknown helper %s\n", kind);
    return 2;
}

/* ---- the modes ---- */

static NOINLINE void open_browser(void)
{
    /* the token: launch arguments are redacted as command lines are */
    char *argv[] = { MISSING_PROGRAM, "https://example.org/help", "--session-token=demo-123",
                     NULL };
    pid_t pid = fork();
    if (pid == 0) {
        manifest("missing", "open_browser", __LINE__ + 1, MISSING_PROGRAM);
        execvp(MISSING_PROGRAM, argv);
        _exit(127);
    }
    int status;
    if (pid > 0)
        waitpid(pid, &status, 0);
}

static char **env_without_display(void)
{
    static char *env[256];
    size_t n = 0;
    for (char **e = environ; *e && n < 255; e++)
        if (strncmp(*e, "DISPLAY=", 8) != 0 && strncmp(*e, "WAYLAND_DISPLAY=", 16) != 0)
            env[n++] = *e;
    env[n] = NULL;
    return env;
}

static NOINLINE void make_thumbnail(void)
{
    char *argv[] = { "thumbnailer", "--helper", "thumbnailer", NULL };
    for (int i = 0; i < 3; i++) {
        pid_t pid;
        int status;
        if (i == 0)
            manifest("nodisplay", "make_thumbnail", __LINE__ + 1, "thumbnailer");
        if (posix_spawn(&pid, self, NULL, NULL, argv, env_without_display()) == 0)
            waitpid(pid, &status, 0);
    }
}

static NOINLINE void convert_image(void)
{
    char *argv[] = { "converter", "--helper", "converter", NULL };
    pid_t pid;
    siginfo_t si;
    manifest("signal", "convert_image", __LINE__ + 1, "converter");
    if (posix_spawnp(&pid, self, NULL, NULL, argv, environ) == 0)
        waitid(P_PID, (id_t)pid, &si, WEXITED); /* the siginfo form of the wait */
}

static FILE *export_stream; /* never read: the bug */

static NOINLINE void export_png(void)
{
    char command[4200];
    /* exec: the shell becomes the exporter, the writer of the pipe */
    snprintf(command, sizeof(command), "exec '%s' --helper exporter", self);
    manifest("pipe", "export_png", __LINE__ + 1, "exporter");
    export_stream = popen(command, "r");
    sleep_ms(1000); /* the exporter fills the pipe and blocks */
}

static NOINLINE void start_indexer(void)
{
    char *argv[] = { "indexer", "--helper", "indexer", NULL };
    pid_t pid;
    manifest("orphan", "start_indexer", __LINE__ + 1, "indexer");
    posix_spawn(&pid, self, NULL, NULL, argv, environ);
}

static const struct {
    const char *name;
    void (*run)(void);
} modes[] = {
    { "missing", open_browser },   { "nodisplay", make_thumbnail },
    { "signal", convert_image },   { "pipe", export_png },
    { "orphan", start_indexer },
};
#define N_MODES (sizeof(modes) / sizeof(modes[0]))

static int run_mode(const char *name)
{
    for (size_t i = 0; i < N_MODES; i++) {
        if (strcmp(name, "all") != 0 && strcmp(name, modes[i].name) != 0)
            continue;
        char reason[64];
        modes[i].run();
        snprintf(reason, sizeof(reason), "launches: %s", modes[i].name);
        bbx_snapshot(reason);
        if (strcmp(name, "all") != 0)
            return 0;
    }
    if (strcmp(name, "all") == 0)
        return 0;
    fprintf(stderr, "launcher: unknown mode %s (missing, nodisplay, signal, pipe, orphan, all)\n",
            name);
    return 2;
}

int main(int argc, char **argv)
{
    int crash = 0;
    if (argc == 3 && strcmp(argv[1], "--helper") == 0)
        return helper(argv[2]);
    if (argc < 2) {
        fprintf(stderr, "usage: launcher MODE... [--crash] (missing, nodisplay, signal, pipe, "
                        "orphan, all)\n");
        return 2;
    }
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0) {
        perror("launcher: /proc/self/exe");
        return 1;
    }
    self[n] = 0;
    bbx_config cfg;
    bbx_config_init(&cfg); /* every field unset: BBX_* from the environment */
    int rc = bbx_init(&cfg);
    if (rc != 0) {
        fprintf(stderr, "launcher: bbx_init: %s\n", bbx_strerror(rc));
        return 1;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--crash") == 0)
            crash = 1;
        else if ((rc = run_mode(argv[i])) != 0)
            return rc;
    }
    if (crash)
        *(volatile int *)(uintptr_t)8 = 1;
    return 0;
}
