/*
 * trigger_helper.c - a program linked with libbbx for test_triggers: it
 * starts the collector from its environment (bbx_init(NULL)) and then,
 * by its argument:
 *   wait   prints "ready" and sleeps until killed;
 *   exit   leaves with exit(0) (at-exit handlers run);
 *   _exit  leaves with _exit(0) (they do not).
 * When bbx_init() fails it prints the error and exits with status 3.
 */
#include <bbx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    fprintf(stderr, "usage: trigger_helper wait|exit|_exit\n");
    return 2;
}
