/*
 * launcher - starts a program as its child and waits for it, as launchers,
 * wrappers and shells do; for bbx's per-process leak reports.
 *
 *   launcher PROGRAM [ARG...]
 *
 * Prints "launcher PID" and, once the child is started, "child PID" on
 * stdout (flushed), so a test knows which process is which without asking
 * bbx.  Exits with the child's exit status (128 + signal when killed).
 * It opens nothing and starts no thread itself: it leaks nothing.
 */
#include <stdio.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int status;
    if (argc < 2) {
        fprintf(stderr, "usage: launcher PROGRAM [ARG...]\n");
        return 2;
    }
    printf("launcher %ld\n", (long)getpid());
    fflush(stdout);
    pid_t child = fork();
    if (child < 0) {
        perror("launcher: fork");
        return 2;
    }
    if (child == 0) {
        execvp(argv[1], argv + 1);
        perror("launcher: exec");
        _exit(127);
    }
    printf("child %ld\n", (long)child);
    fflush(stdout);
    while (waitpid(child, &status, 0) < 0)
        ;
    if (WIFSIGNALED(status))
        return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}
