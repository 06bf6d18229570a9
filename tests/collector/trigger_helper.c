/*
 * trigger_helper.c - a program linked with libbbx for test_triggers: it
 * starts the collector from its environment (bbx_init(NULL)) and then,
 * by its argument:
 *   wait   prints "ready" and sleeps until killed;
 *   exit   leaves with exit(0) (at-exit handlers run);
 *   _exit  leaves with _exit(0) (they do not);
 *   fork   forks two children that leave with exit(0), the second after
 *          bbx_shutdown(), waits for them and leaves with exit(0): status
 *          4 if a child did not exit cleanly.
 * When bbx_init() fails it prints the error and exits with status 3.
 */
#include <bbx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int child_exits_cleanly(int shutdown_first)
{
    int status;
    pid_t pid = fork();
    if (pid == 0) {
        if (shutdown_first)
            bbx_shutdown();
        exit(0);
    }
    return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
           WEXITSTATUS(status) == 0;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";
    int rc = bbx_init(NULL);
    if (rc != 0) {
        fprintf(stderr, "trigger_helper: bbx_init: %s\n", bbx_strerror(rc));
        return 3;
    }
    if (strcmp(mode, "wait") == 0) {
        printf("ready\n");
        fflush(stdout);
        for (;;)
            pause();
    }
    if (strcmp(mode, "exit") == 0)
        exit(0);
    if (strcmp(mode, "_exit") == 0)
        _exit(0);
    if (strcmp(mode, "fork") == 0)
        exit(child_exits_cleanly(0) && child_exits_cleanly(1) ? 0 : 4);
    fprintf(stderr, "usage: trigger_helper wait|exit|_exit|fork\n");
    return 2;
}
