/*
 * children_prog.c - a program that runs programs, for children_env.py
 * (BBX_CHILDREN).
 *
 *   children_prog parent   prints its environment ("self: NAME=VALUE" per
 *                          entry, in order), then runs `children_prog child`
 *                          through system(), popen() and posix_spawn(),
 *                          waits for each, and returns from main
 *   children_prog child    prints its environment ("child: ..."), sleeps
 *                          100 ms and returns from main
 *
 * Every process ends through exit(), so BBX_AT_EXIT=1 gives each one that
 * has the preload a snapshot.  Exits 0, or 1 when a child could not run.
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void print_env(const char *who)
{
    for (char **e = environ; *e; e++)
        printf("%s: %s\n", who, *e);
    fflush(stdout);
}

static int child(void)
{
    struct timespec ts = { 0, 100 * 1000 * 1000 };
    print_env("child");
    nanosleep(&ts, NULL);
    return 0;
}

static int parent(const char *self)
{
    char cmd[4096];
    int failed = 0;
    print_env("self");
    snprintf(cmd, sizeof(cmd), "'%s' child", self);
    if (system(cmd) != 0)
        failed = 1;
    FILE *p = popen(cmd, "r");
    if (!p)
        return 1;
    char line[8192];
    while (fgets(line, sizeof(line), p))
        fputs(line, stdout);
    if (pclose(p) != 0)
        failed = 1;
    fflush(stdout);
    pid_t pid;
    char *argv[] = { (char *)self, "child", NULL };
    int status;
    if (posix_spawn(&pid, self, NULL, NULL, argv, environ) != 0 ||
        waitpid(pid, &status, 0) != pid || status != 0)
        failed = 1;
    return failed;
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "child") == 0)
        return child();
    if (argc == 2 && strcmp(argv[1], "parent") == 0)
        return parent(argv[0]);
    fprintf(stderr, "usage: children_prog parent|child\n");
    return 2;
}
