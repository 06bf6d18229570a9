/*
 * safe_mem.c - fault-free reads of our own address space (safe_mem.h).
 */
#include "safe_mem.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "collector.h"
#include "sigsafe.h"

static int use_kernel;
static _Atomic int self_pid;

void safe_mem_set_pid(int pid)
{
    atomic_store(&self_pid, pid);
}

void safe_mem_probe(void)
{
    static const uint64_t probe = 0x6262782070726f62u;
    uint64_t got = 0;
    struct iovec local = { &got, sizeof(got) };
    struct iovec remote = { (void *)&probe, sizeof(probe) };
    safe_mem_set_pid(getpid());
    use_kernel = syscall(SYS_process_vm_readv, atomic_load(&self_pid), &local, 1UL, &remote,
                         1UL, 0UL) == (long)sizeof(got) &&
                 got == probe;
}

int safe_mem_kernel(void)
{
    return use_kernel;
}

/* Plain loads, limited to what /proc/self/maps said is readable: for
 * kernels that refuse process_vm_readv. */
SS_NO_ASAN static int read_direct(void *dst, uintptr_t addr, size_t len)
{
    if (!modscan_readable(&bbx_g.mods, addr, len))
        return -1;
    const volatile uint8_t *s = (const volatile uint8_t *)addr;
    uint8_t *d = dst;
    for (size_t i = 0; i < len; i++)
        d[i] = s[i];
    return 0;
}

/* Up to len bytes; returns how many were read (0 when none). */
static size_t read_some(void *dst, uintptr_t addr, size_t len)
{
    if (!use_kernel)
        return read_direct(dst, addr, len) == 0 ? len : 0;
    struct iovec local = { dst, len };
    struct iovec remote = { (void *)addr, len };
    for (;;) {
        long k = syscall(SYS_process_vm_readv, atomic_load(&self_pid), &local, 1UL, &remote,
                         1UL, 0UL);
        if (k < 0 && errno == EINTR)
            continue;
        return k > 0 ? (size_t)k : 0;
    }
}

int safe_mem_read(void *dst, uintptr_t addr, size_t len)
{
    if (len == 0)
        return 0;
    if (addr + len < addr)
        return -1;
    int saved = errno;
    size_t got = read_some(dst, addr, len);
    errno = saved;
    return got == len ? 0 : -1;
}

void safe_mem_cache_init(struct safe_mem_cache *c)
{
    for (unsigned i = 0; i < SAFE_MEM_LINES; i++) {
        c->base[i] = 0;
        c->len[i] = 0;
    }
    c->next = 0;
}

/* The cached line holding addr, filled on a miss; -1 when unreadable. */
static int line_for(struct safe_mem_cache *c, uintptr_t addr)
{
    uintptr_t base = addr & ~(uintptr_t)(SAFE_MEM_LINE - 1);
    for (unsigned i = 0; i < SAFE_MEM_LINES; i++)
        if (c->base[i] == base && c->len[i] > addr - base)
            return (int)i;
    unsigned v = c->next;
    c->next = (v + 1) % SAFE_MEM_LINES;
    int saved = errno;
    /* A line never crosses a page: it is all readable or not at all. */
    size_t got = read_some(c->data[v], base, SAFE_MEM_LINE);
    errno = saved;
    if (got <= addr - base) {
        c->base[v] = 0;
        c->len[v] = 0;
        return -1;
    }
    c->base[v] = base;
    c->len[v] = (unsigned)got;
    return (int)v;
}

int safe_mem_cached_read(struct safe_mem_cache *c, void *dst, uintptr_t addr, size_t len)
{
    uint8_t *d = dst;
    if (addr + len < addr)
        return -1;
    if (!use_kernel)
        return read_direct(dst, addr, len);
    while (len) {
        int i = line_for(c, addr);
        if (i < 0)
            return -1;
        size_t off = addr - c->base[i];
        size_t n = c->len[i] - off;
        if (n > len)
            n = len;
        memcpy(d, c->data[i] + off, n);
        d += n;
        addr += n;
        len -= n;
    }
    return 0;
}
