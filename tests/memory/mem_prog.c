/*
 * mem_prog.c - a program with known memory for the MEMORY record's tests
 * (tests/memory/CMakeLists.txt).  Built twice: mem_prog links libbbx and
 * calls bbx_init() (its settings from the environment); mem_prog_plain
 * knows nothing of bbx and runs under libbbx-preload.so.
 *
 * Usage: mem_prog figures | watermark
 *
 * figures: maps and touches 64 MiB of private anonymous memory, 8 MiB of
 *   shared anonymous memory and 4 MiB of a memfd, allocates 10 MiB with
 *   malloc in 64 KiB blocks (kept), starts a thread with a 16 MiB stack of
 *   which it touches 4 MiB, prints "ready PID" and reads one command:
 *   "snap" (linked: bbx_snapshot(), prints "snapshot RC PATH"; then exits
 *   0), "exit" (exits 0), "crash" (a SIGSEGV).
 * watermark: reads commands, one a line: "to N" (its anonymous memory
 *   becomes N MiB, touched, in 1 MiB mappings; prints "at N"), "grow"
 *   (1 MiB more every 5 ms, until the kernel ends it), "exit".
 * Exit status 0; 2 on bad usage or a failed setup (said on stderr).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#ifdef MEM_LINKED
#include "bbx.h"
#endif

#define MIB (1u << 20)
#define MAX_CHUNKS 65536

static void *map_touched(size_t len, int flags, int fd)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, fd, 0);
    if (p == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    memset(p, 0x5a, len);
    return p;
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int stack_ready;

static void *deep_stack(void *arg)
{
    volatile char big[4 * MIB];
    (void)arg;
    for (size_t i = 0; i < sizeof(big); i += 512)
        big[i] = (char)i;
    pthread_mutex_lock(&lock);
    stack_ready = 1;
    pthread_cond_broadcast(&cv);
    pthread_mutex_unlock(&lock);
    for (;;)
        pause(); /* keeps its stack until the process ends */
    return NULL;
}

static void start_stack_thread(void)
{
    pthread_attr_t a;
    pthread_t t;
    pthread_attr_init(&a);
    pthread_attr_setstacksize(&a, 16 * MIB);
    if (pthread_create(&t, &a, deep_stack, NULL) != 0) {
        fprintf(stderr, "mem_prog: pthread_create failed\n");
        exit(2);
    }
    pthread_mutex_lock(&lock);
    while (!stack_ready)
        pthread_cond_wait(&cv, &lock);
    pthread_mutex_unlock(&lock);
}

static int figures(void)
{
    char cmd[64];
    map_touched(64 * MIB, MAP_PRIVATE | MAP_ANONYMOUS, -1);
    map_touched(8 * MIB, MAP_SHARED | MAP_ANONYMOUS, -1);
    int mfd = memfd_create("mem-prog", MFD_CLOEXEC);
    if (mfd < 0 || ftruncate(mfd, 4 * MIB) != 0) {
        perror("memfd");
        return 2;
    }
    map_touched(4 * MIB, MAP_SHARED, mfd);
    for (int i = 0; i < 160; i++) {
        char *p = malloc(64 * 1024);
        if (!p)
            return 2;
        memset(p, i, 64 * 1024);
        __asm__ volatile("" : : "r"(p) : "memory"); /* kept, never freed */
    }
    start_stack_thread();
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    if (!fgets(cmd, sizeof(cmd), stdin))
        return 0;
    if (strncmp(cmd, "crash", 5) == 0) {
        volatile int *nowhere = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        *nowhere = 1; /* SIGSEGV */
    }
#ifdef MEM_LINKED
    if (strncmp(cmd, "snap", 4) == 0) {
        int rc = bbx_snapshot("figures");
        printf("snapshot %d %s\n", rc, bbx_last_snapshot() ? bbx_last_snapshot() : "-");
    }
#endif
    fflush(stdout);
    return 0;
}

static void *chunks[MAX_CHUNKS];
static unsigned n_chunks;

static void set_mib(unsigned n)
{
    while (n_chunks < n && n_chunks < MAX_CHUNKS)
        chunks[n_chunks++] = map_touched(MIB, MAP_PRIVATE | MAP_ANONYMOUS, -1);
    while (n_chunks > n)
        munmap(chunks[--n_chunks], MIB);
}

static int watermark(void)
{
    char cmd[64];
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    while (fgets(cmd, sizeof(cmd), stdin)) {
        if (strncmp(cmd, "to ", 3) == 0) {
            set_mib((unsigned)strtoul(cmd + 3, NULL, 10));
            printf("at %u\n", n_chunks);
            fflush(stdout);
        } else if (strncmp(cmd, "grow", 4) == 0) {
            struct timespec ts = { 0, 5 * 1000 * 1000 };
            for (;;) {
                set_mib(n_chunks + 1);
                nanosleep(&ts, NULL);
            }
        } else {
            break;
        }
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2 || (strcmp(argv[1], "figures") != 0 && strcmp(argv[1], "watermark") != 0)) {
        fprintf(stderr, "usage: mem_prog figures | watermark\n");
        return 2;
    }
#ifdef MEM_LINKED
    int rc = bbx_init(NULL);
    if (rc != 0) {
        fprintf(stderr, "bbx_init: %d\n", rc);
        return 2;
    }
#endif
    return strcmp(argv[1], "figures") == 0 ? figures() : watermark();
}
