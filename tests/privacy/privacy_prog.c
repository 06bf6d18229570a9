/*
 * privacy_prog.c - a program that plants one marker in every part BBX_REDACT
 * can hold back, then crashes: its command line (the caller passes secrets),
 * an open file whose path holds a marker, a unix socket whose name holds one
 * (its local address on the listener, its peer on the client), a UDP socket
 * connected to 127.0.0.3:4242 (peer), a breadcrumb, an annotation, a forked
 * child (same command line), and the register r12 = 0x5ec7e75ec7e75ec7 at the
 * fault.  Usage: privacy_prog FILE UNIX_SOCKET [ARG...]
 * PRIVACY_CONFIG_REDACT=N sets bbx_config.redact to N (strtoul, base 0).
 */
#include <netinet/in.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <bbx.h>

static int unix_pair(const char *path)
{
    struct sockaddr_un a = { .sun_family = AF_UNIX };
    snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
    int srv = socket(AF_UNIX, SOCK_STREAM, 0), cli = socket(AF_UNIX, SOCK_STREAM, 0);
    unlink(path);
    if (srv < 0 || cli < 0 || bind(srv, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(srv, 1) != 0 || connect(cli, (struct sockaddr *)&a, sizeof(a)) != 0)
        return -1;
    return 0;
}

static int udp_peer(void)
{
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(4242) };
    inet_pton(AF_INET, "127.0.0.3", &a.sin_addr);
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    return s >= 0 && connect(s, (struct sockaddr *)&a, sizeof(a)) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: privacy_prog FILE UNIX_SOCKET [ARG...]\n");
        return 2;
    }
    bbx_config cfg;
    const char *redact = getenv("PRIVACY_CONFIG_REDACT");
    bbx_config_init(&cfg);
    if (redact)
        cfg.redact = (unsigned)strtoul(redact, NULL, 0);
    int rc = bbx_init(&cfg);
    if (rc != 0) {
        fprintf(stderr, "privacy_prog: bbx_init: %s\n", bbx_strerror(rc));
        return 3;
    }
    if (open(argv[1], O_RDWR | O_CREAT, 0600) < 0 || unix_pair(argv[2]) != 0 || udp_peer() != 0) {
        perror("privacy_prog: setup");
        return 4;
    }
    bbx_log("breadcrumb MARKCRUMB-4711");
    bbx_annotate("note", "MARKANNOT-4711");
    pid_t child = fork();
    if (child == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1); /* the test reads our output until it ends */
        dup2(null, 2);
        alarm(60); /* the test kills it; this is in case it cannot */
        pause();
        _exit(0);
    }
    printf("child %d\n", (int)child);
    fflush(stdout);
    /* The fault, with a marker in a callee-saved register. */
    __asm__ volatile("movabs $0x5ec7e75ec7e75ec7, %%r12\n\t"
                     "xor %%eax, %%eax\n\t"
                     "movq (%%rax), %%rax\n\t" ::: "r12", "rax", "memory");
    return 0;
}
