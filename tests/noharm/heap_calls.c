/*
 * heap_calls.c - the allocator's answers and errno, printed one per line,
 * for tests/noharm/noharm_heap.py to compare without bbx and under
 * BBX_TRACK=heap: failures (huge sizes, overflowing counts, bad
 * alignments, bad munmap), the edge cases (malloc(0), realloc(p, 0),
 * realloc(NULL, n), free(NULL)), errno left alone by calls that succeed,
 * and the contents a realloc keeps.  No addresses: only what must not
 * change.  Exit 0.
 */
#include <errno.h>
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* volatile: the compiler must not see (and refuse) the sizes */
static volatile size_t huge_size = SIZE_MAX / 2, big_count = SIZE_MAX / 8;
#define HUGE_SIZE huge_size

static void say(const char *what, int ok)
{
    printf("%s: %s errno %d\n", what, ok ? "ok" : "null", errno);
}

int main(void)
{
    void *p;
    for (int round = 0; round < 3; round++) {
        errno = 0;
        say("malloc(huge)", malloc(HUGE_SIZE) != NULL);
        errno = 0;
        say("calloc(overflow)", calloc(big_count, 16) != NULL);
        errno = 0;
        say("realloc(NULL, huge)", realloc(NULL, HUGE_SIZE) != NULL);
        errno = 0;
        p = malloc(64);
        say("realloc(p, huge)", realloc(p, HUGE_SIZE) != NULL);
        free(p);
        errno = 0;
        say("reallocarray(overflow)", reallocarray(NULL, big_count, 16) != NULL);
        errno = 0;
        printf("posix_memalign(align 3): %d\n", posix_memalign(&p, 3, 16));
        printf("posix_memalign(huge): %d\n", posix_memalign(&p, 64, HUGE_SIZE));
        errno = 0;
        say("aligned_alloc(huge)", aligned_alloc(64, HUGE_SIZE) != NULL);
        errno = 0;
        say("memalign(huge)", memalign(64, HUGE_SIZE) != NULL);
        errno = 0;
        say("valloc(huge)", valloc(HUGE_SIZE) != NULL);
        errno = 0;
        say("pvalloc(huge)", pvalloc(HUGE_SIZE) != NULL);
        errno = 0;
        void *m = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        say("mmap(len 0)", m != MAP_FAILED);
        errno = 0;
        int rc = munmap((char *)&p + 1, 4096);
        printf("munmap(unaligned): %d errno %d\n", rc, errno);

        errno = 1234; /* success leaves errno alone */
        p = malloc(0);
        printf("malloc(0): %s errno %d\n", p ? "ok" : "null", errno);
        free(p);
        free(NULL);
        printf("free(NULL): errno %d\n", errno);
        p = malloc(100);
        memset(p, 'x', 100);
        p = realloc(p, 1 << 20);
        printf("realloc grow keeps: %d errno %d\n", p && memcmp(p, "xxxxxxxx", 8) == 0, errno);
        p = realloc(p, 0);
        printf("realloc(p, 0): %s errno %d\n", p ? "ok" : "null", errno);
        free(p);
        p = realloc(NULL, 32);
        printf("realloc(NULL, 32): %s usable>=32 %d\n", p ? "ok" : "null",
               p && malloc_usable_size(p) >= 32);
        free(p);
        m = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        printf("mmap(1M): %s errno %d\n", m != MAP_FAILED ? "ok" : "failed", errno);
        rc = munmap(m, 1 << 20);
        printf("munmap(1M): %d errno %d\n", rc, errno);
    }
    return 0;
}
