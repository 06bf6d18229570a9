/*
 * ipv6_prog.c - opens IPv6 sockets on addresses whose text form tests the
 * zero compression (none, a run at the start, in the middle, two runs of
 * which the first or the longer is compressed, IPv4-mapped, link-local),
 * takes one snapshot with bbx_snapshot(), and prints a manifest of what the
 * kernel says each socket is bound and connected to, as raw bytes:
 *
 *   sock FD local HEX32 PORT
 *   sock FD peer HEX32 PORT
 *   snapshot PATH
 *
 * No text formatting of addresses here: the test (e2e_ipv6.py) formats the
 * raw bytes with Python's socket/ipaddress and compares with `bbx show`.
 * Addresses that are not on this machine are bound with IP_FREEBIND (no
 * packet is sent: UDP sockets are only bound, or connected to ::1).
 */
#include <arpa/inet.h>
#include <bbx.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IP_FREEBIND
#define IP_FREEBIND 15
#endif

static void die(const char *what)
{
    perror(what);
    exit(3);
}

static void print_addr(int fd, const char *which, const struct sockaddr_in6 *a)
{
    printf("sock %d %s ", fd, which);
    for (int i = 0; i < 16; i++)
        printf("%02x", a->sin6_addr.s6_addr[i]);
    printf(" %u\n", (unsigned)ntohs(a->sin6_port));
}

static void manifest(int fd)
{
    struct sockaddr_in6 a;
    socklen_t l = sizeof(a);
    if (getsockname(fd, (struct sockaddr *)&a, &l) != 0)
        die("getsockname");
    print_addr(fd, "local", &a);
    l = sizeof(a);
    if (getpeername(fd, (struct sockaddr *)&a, &l) == 0)
        print_addr(fd, "peer", &a);
}

static struct sockaddr_in6 addr6(const char *text, unsigned port, unsigned scope)
{
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof(a));
    a.sin6_family = AF_INET6;
    a.sin6_port = htons((unsigned short)port);
    a.sin6_scope_id = scope;
    if (inet_pton(AF_INET6, text, &a.sin6_addr) != 1) {
        fprintf(stderr, "ipv6_prog: bad address %s\n", text);
        exit(3);
    }
    return a;
}

/* A socket bound to text (any address, IP_FREEBIND), port 0: the kernel
 * picks the port. */
static int bound(int type, const char *text, unsigned scope)
{
    int fd = socket(AF_INET6, type, 0), one = 1;
    struct sockaddr_in6 a = addr6(text, 0, scope);
    if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one)) != 0)
        die("socket");
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
        die(text);
    return fd;
}

static unsigned port_of(int fd)
{
    struct sockaddr_in6 a;
    socklen_t l = sizeof(a);
    if (getsockname(fd, (struct sockaddr *)&a, &l) != 0)
        die("getsockname");
    return ntohs(a.sin6_port);
}

int main(void)
{
    int rc = bbx_init(NULL);
    if (rc != 0) {
        fprintf(stderr, "ipv6_prog: bbx_init: %s\n", bbx_strerror(rc));
        return 3;
    }
    /* A listener on [::1], a client connected to it, the accepted end. */
    int lis = bound(SOCK_STREAM, "::1", 0);
    if (listen(lis, 4) != 0)
        die("listen");
    struct sockaddr_in6 to = addr6("::1", port_of(lis), 0);
    int cli = socket(AF_INET6, SOCK_STREAM, 0);
    if (cli < 0 || connect(cli, (struct sockaddr *)&to, sizeof(to)) != 0)
        die("connect ::1");
    int acc = accept(lis, NULL, NULL);
    if (acc < 0)
        die("accept");
    int fds[16], n = 0;
    fds[n++] = lis;
    fds[n++] = cli;
    fds[n++] = acc;
    fds[n++] = bound(SOCK_DGRAM, "::", 0);
    /* two runs of two: the first is compressed */
    fds[n++] = bound(SOCK_DGRAM, "2001:db8:0:0:1:0:0:1", 0);
    /* a run of two, then the longer run of three: the longer one */
    fds[n++] = bound(SOCK_STREAM, "2001:0:0:1:0:0:0:1", 0);
    /* no zero group at all; a single zero group is never compressed */
    fds[n++] = bound(SOCK_DGRAM, "2001:db8:1:2:3:4:5:6", 0);
    fds[n++] = bound(SOCK_DGRAM, "2001:db8:0:1:2:3:4:5", 0);
    /* a run at the end */
    fds[n++] = bound(SOCK_DGRAM, "2001:db8:1::", 0);
    /* link-local on the loopback interface */
    fds[n++] = bound(SOCK_DGRAM, "fe80::1:0:0:2", if_nametoindex("lo"));
    /* IPv4-mapped: an IPv6 UDP socket connected to 127.0.0.1 (no packet) */
    int m = socket(AF_INET6, SOCK_DGRAM, 0);
    struct sockaddr_in6 v4 = addr6("::ffff:127.0.0.1", port_of(lis), 0);
    if (m < 0 || connect(m, (struct sockaddr *)&v4, sizeof(v4)) != 0)
        die("connect ::ffff:127.0.0.1");
    fds[n++] = m;
    /* a middle run bound, connected to the listener's port on ::1 */
    int u = bound(SOCK_DGRAM, "2001:db8:0:0:0:12:0:1", 0);
    if (connect(u, (struct sockaddr *)&to, sizeof(to)) != 0)
        die("connect from 2001:db8::12:0:1");
    fds[n++] = u;
    for (int i = 0; i < n; i++)
        manifest(fds[i]);
    rc = bbx_snapshot("ipv6 sockets");
    if (rc != 0) {
        fprintf(stderr, "ipv6_prog: bbx_snapshot: %s\n", bbx_strerror(rc));
        return 1;
    }
    printf("snapshot %s\n", bbx_last_snapshot());
    bbx_shutdown();
    return 0;
}
