// lock_prog_cxx.cpp - two threads in an AB-BA deadlock on std::mutex (glibc
// pthread mutexes underneath), for test_locks.py; linked with libbbx, it
// prints what lock_prog.c prints ("thread", "mutex", "waits", "snapshot")
// and takes a snapshot once both threads are blocked.
#include <bbx.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <thread>

#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

static std::mutex mutex_a, mutex_b;
static std::atomic<int> ready{0};

static int gettid_() { return static_cast<int>(syscall(SYS_gettid)); }

static void ab_ba(const char *name, std::mutex &first, std::mutex &second, std::atomic<int> &tid)
{
    pthread_setname_np(pthread_self(), name);
    std::lock_guard<std::mutex> held(first);
    tid = gettid_();
    ++ready;
    while (ready < 2)
        usleep(1000);
    std::lock_guard<std::mutex> wanted(second);
}

// Wait (bounded) until thread `tid` is blocked in futex().
static void wait_futex(int tid)
{
    char path[64], buf[256];
    std::snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
    for (int i = 0; i < 20000; i++) {
        FILE *f = std::fopen(path, "r");
        size_t n = f ? std::fread(buf, 1, sizeof(buf) - 1, f) : 0;
        if (f)
            std::fclose(f);
        buf[n] = 0;
        if (n && buf[0] != 'r' && std::strtol(buf, nullptr, 10) == SYS_futex)
            return;
        usleep(1000);
    }
    std::fprintf(stderr, "lock_prog_cxx: thread %d never blocked in futex\n", tid);
    std::exit(3);
}

int main()
{
    std::atomic<int> ta{0}, tb{0};
    if (bbx_init(nullptr) != 0)
        return 2;
    std::printf("thread main %d\nmutex a %p\nmutex b %p\n", gettid_(), (void *)&mutex_a,
                (void *)&mutex_b);
    std::thread a(ab_ba, "locker-a", std::ref(mutex_a), std::ref(mutex_b), std::ref(ta));
    std::thread b(ab_ba, "locker-b", std::ref(mutex_b), std::ref(mutex_a), std::ref(tb));
    while (ready < 2)
        usleep(1000);
    wait_futex(ta);
    wait_futex(tb);
    std::printf("thread locker-a %d\nthread locker-b %d\n", ta.load(), tb.load());
    std::printf("waits %d %p %d\nwaits %d %p %d\n", ta.load(), (void *)&mutex_b, tb.load(),
                tb.load(), (void *)&mutex_a, ta.load());
    std::fflush(stdout);
    int rc = bbx_snapshot("deadlock");
    std::printf(rc == 0 ? "snapshot\n" : "snapshot failed\n");
    std::fflush(stdout);
    _exit(rc == 0 ? 0 : 1);
}
