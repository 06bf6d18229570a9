/*
 * grp_prog - the labelled crash corpus of e2e_grouping: one program with
 * several distinct bugs, built several ways (tests/grouping/CMakeLists.txt:
 * -O0 and -O2, each also with GRP_SHIFT, which moves every function's lines
 * and addresses; and two builds stripped of all symbols).
 *
 *   grp_prog BUG VALUE
 *
 * BUG is one of
 *   a-null-1  a NULL write in bug_a, reached main > path_one > deep_4 > ... > bug_a
 *   a-null-2  the same write, reached main > path_two > deep_4 > ... > bug_a:
 *             the two paths differ only below the signature's five frames
 *   a-div     a division by zero in the same function bug_a (SIGFPE)
 *   b         a write past the end of a buffer into a guard page, in bug_b
 *             through the small inline helper poke() (a frame of its own at
 *             -O0, an inlined frame at -O2)
 *   c         a failed check in check_c: __assert_fail with a message that
 *             holds VALUE, so every run's message differs
 *   d         a failed assert() in check_d (the message names its line)
 *   overflow  unbounded recursion in recurse until the stack overflows
 *   strlen    strlen(NULL) called from measure_e: the crash is inside libc
 *   thread-1  a write near NULL in bug_t1, on a worker thread, while main
 *             waits for it in pthread_join
 *   thread-2  a write into read-only memory in bug_t2, on a worker thread,
 *             main waiting as for thread-1: only the crashing thread
 *             tells the two apart
 * VALUE (an integer) changes what the bug writes, divides, checks or
 * measures, so runs differ.
 *
 * Every function that must stay a frame is noinline and noipa, and each
 * call is followed by a use of its result, so -O2 neither inlines nor
 * turns a call into a jump.  Nothing here links the collector: the test
 * runs it under libbbx-preload.so.
 */
#undef NDEBUG /* the build type may define it; the asserts are the point */
#include <assert.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define KEEP __attribute__((noinline, noipa))

#ifndef GRP_BUILD
#define GRP_BUILD "plain"
#endif

/* Results go here so that no call's result is dead. */
static volatile long sink;

#ifdef GRP_SHIFT
/* The shifted build: this function and these lines come before every
 * function of the corpus, so their addresses and line numbers move. */
KEEP static long shift_padding(long v)
{
    long acc = v;
    for (int i = 0; i < 17; i++) {
        acc = acc * 31 + i;
        if (acc % 7 == 3)
            acc ^= 0x5a5a;
    }
    sink = acc;
    return acc;
}

/*
 * Padding lines.
 *
 *
 *
 *
 *
 *
 *
 *
 *
 *
 *
 *
 *
 *
 *
 */
#endif

/* ---- A: two bugs in one function ---- */

KEEP static int bug_a(int kind, int value)
{
    if (kind == 0) {
        volatile int *p = NULL;
        *p = value; /* the NULL write */
        return 0;
    }
    volatile int zero = value - value;
    return value / zero; /* the division by zero */
}

KEEP static int deep_1(int kind, int value)
{
    int r = bug_a(kind, value + 1);
    sink = r;
    return r + 1;
}

KEEP static int deep_2(int kind, int value)
{
    int r = deep_1(kind, value + 1);
    sink = r;
    return r + 1;
}

KEEP static int deep_3(int kind, int value)
{
    int r = deep_2(kind, value + 1);
    sink = r;
    return r + 1;
}

KEEP static int deep_4(int kind, int value)
{
    int r = deep_3(kind, value + 1);
    sink = r;
    return r + 1;
}

KEEP static int path_one(int kind, int value)
{
    int r = deep_4(kind, value * 2);
    sink = r;
    return r + 1;
}

KEEP static int path_two(int kind, int value)
{
    int r = deep_4(kind, value * 3);
    sink = r;
    return r + 1;
}

/* ---- B: a write into a guard page ---- */

static inline void poke(char *p, long i, long n, char v)
{
    for (long k = 0; k < n; k++)
        p[i + k] = (char)(v + k * 3);
}

KEEP static int bug_b(int value)
{
    long page = sysconf(_SC_PAGESIZE);
    char *buf = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED || mprotect(buf + page, (size_t)page, PROT_NONE) != 0) {
        perror("grp_prog: mmap");
        exit(3);
    }
    /* an index past the end of the first page: into the guard page */
    long i = page - 8 + (value < 0 ? -value : value) % (page - 8);
    poke(buf, i, 16, (char)value);
    return buf[0];
}

/* run_b and run_c are noinline but not noipa: -O2 may clone them for their
 * constant argument (run_b.constprop.0), a name the signature normalizes. */
__attribute__((noinline)) static int run_b(int value, int extra)
{
    int r = bug_b(value + extra);
    sink = r;
    return r + extra;
}

/* ---- C and D: two failed checks ---- */

KEEP static int check_c(int value)
{
    if (value >= 0) {
        char msg[128];
        snprintf(msg, sizeof(msg), "count must be negative, got %d", value);
        __assert_fail(msg, __FILE__, __LINE__, __func__);
    }
    return value;
}

__attribute__((noinline)) static int run_c(int value, int extra)
{
    int r = check_c(value + extra);
    sink = r;
    return r + extra;
}

KEEP static int check_d(int value)
{
    assert(value < 0 && "d wants a negative value");
    return value;
}

KEEP static int run_d(int value)
{
    int r = check_d(value);
    sink = r;
    return r + 1;
}

/* ---- a stack overflow ---- */

KEEP static int recurse(int depth)
{
    volatile char pad[256];
    pad[0] = (char)depth;
    int r = recurse(depth + 1);
    sink = r;
    return r + pad[0];
}

/* ---- a crash inside libc ---- */

KEEP static size_t measure_e(const char *s)
{
    size_t n = strlen(s);
    sink = (long)n;
    return n + 1;
}

KEEP static size_t run_e(int value)
{
    const char *names[2] = { NULL, "x" };
    size_t r = measure_e(names[value == 12345]);
    sink = (long)r;
    return r + 1;
}

/* ---- two bugs in a worker thread, while main waits in pthread_join ---- */

KEEP static int bug_t1(int value)
{
    volatile long *p = (volatile long *)(long)(value % 8);
    *p = value; /* a write near NULL */
    return 0;
}

KEEP static int bug_t2(int value)
{
    static const char text[] = "read-only text";
    char *p = (char *)(unsigned long)text;
    p[value % 8] = 'x'; /* a write into read-only memory */
    return p[0];
}

static void *worker(void *arg)
{
    long which = (long)arg;
    int value = (int)(which >> 1);
    int r = (which & 1) ? bug_t2(value) : bug_t1(value);
    sink = r;
    return arg;
}

KEEP static int run_thread(int second, int value)
{
    pthread_t t;
    if (pthread_create(&t, NULL, worker, (void *)(((long)value << 1) | second)) != 0) {
        fprintf(stderr, "grp_prog: pthread_create failed\n");
        exit(3);
    }
    pthread_join(t, NULL);
    return 0;
}

static int usage(void)
{
    fprintf(stderr, "usage: grp_prog a-null-1|a-null-2|a-div|b|c|d|overflow|strlen|"
                    "thread-1|thread-2 VALUE\n");
    return 2;
}

int main(int argc, char **argv)
{
    if (argc != 3)
        return usage();
    const char *bug = argv[1];
    int value = atoi(argv[2]);
#ifdef GRP_SHIFT
    sink = shift_padding(value);
#endif
    printf("grp_prog %s: %s %d\n", GRP_BUILD, bug, value);
    fflush(stdout);
    long r;
    if (strcmp(bug, "a-null-1") == 0)
        r = path_one(0, value);
    else if (strcmp(bug, "a-null-2") == 0)
        r = path_two(0, value);
    else if (strcmp(bug, "a-div") == 0)
        r = path_one(1, value);
    else if (strcmp(bug, "b") == 0)
        r = run_b(value, 3);
    else if (strcmp(bug, "c") == 0)
        r = run_c(value, 5);
    else if (strcmp(bug, "d") == 0)
        r = run_d(value);
    else if (strcmp(bug, "overflow") == 0)
        r = recurse(value);
    else if (strcmp(bug, "thread-1") == 0)
        r = run_thread(0, value);
    else if (strcmp(bug, "thread-2") == 0)
        r = run_thread(1, value);
    else if (strcmp(bug, "strlen") == 0)
        r = (long)run_e(value);
    else
        return usage();
    sink = r;
    fprintf(stderr, "grp_prog: %s did not crash\n", bug);
    return 1;
}
