/*
 * own_mem.c - the memory bbx maps for itself (sigsafe.h: ss_map, ss_unmap).
 *
 * Every table, ring, buffer and stack bbx maps goes through here, so a
 * snapshot can say how much of the process's address space is bbx's
 * (CAPTURE BBX_MAPPED) and the program's figures can be read without it.
 * Where the kernel can name anonymous memory (PR_SET_VMA_ANON_NAME, Linux
 * 5.17 with CONFIG_ANON_VMA_NAME) the mappings read "[anon:bbx]" in
 * /proc/PID/maps and smaps, for pmap and the like; elsewhere the name is
 * not there and nothing else changes.
 */
#include <errno.h>
#include <stdatomic.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sigsafe.h"

#ifndef PR_SET_VMA
#define PR_SET_VMA 0x53564d41
#endif
#ifndef PR_SET_VMA_ANON_NAME
#define PR_SET_VMA_ANON_NAME 0
#endif

static _Atomic uint64_t mapped;
static _Atomic int can_name = 1; /* the kernel names anonymous memory */

void *ss_map(size_t len, int noreserve)
{
    int flags = MAP_PRIVATE | MAP_ANONYMOUS | (noreserve ? MAP_NORESERVE : 0);
    void *p = (void *)syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    if (atomic_load_explicit(&can_name, memory_order_relaxed)) {
        int saved_errno = errno; /* a kernel without names says EINVAL: asked once */
        if (syscall(SYS_prctl, PR_SET_VMA, PR_SET_VMA_ANON_NAME, (unsigned long)p, len, "bbx"))
            atomic_store_explicit(&can_name, 0, memory_order_relaxed);
        errno = saved_errno;
    }
    atomic_fetch_add(&mapped, len);
    return p;
}

void *ss_map_shared(size_t len)
{
    int flags = MAP_SHARED | MAP_ANONYMOUS;
    void *p = (void *)syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    atomic_fetch_add(&mapped, len);
    return p;
}

void ss_unmap(void *p, size_t len)
{
    if (!p)
        return;
    syscall(SYS_munmap, p, len);
    atomic_fetch_sub(&mapped, len);
}

uint64_t ss_mapped_bytes(void)
{
    return atomic_load(&mapped);
}
