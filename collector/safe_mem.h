/*
 * safe_mem.h - reads of memory bbx did not allocate itself, that cannot
 * fault.
 *
 * The program's libraries can be unmapped (dlclose) and its threads can
 * exit while bbx looks at their ELF headers, unwind tables and stacks.  Every
 * such read goes through here: process_vm_readv() on our own pid, which
 * fails with EFAULT instead of raising SIGSEGV.  Where the kernel refuses
 * that call (seccomp filters that deny it, kernels without it), the probe at
 * init says so and reads fall back to plain loads limited to the ranges
 * /proc/self/maps listed readable (the race with munmap is then back).
 * Async-signal-safe.
 */
#ifndef BBX_SAFE_MEM_H
#define BBX_SAFE_MEM_H

#include <stddef.h>
#include <stdint.h>

/* Find out whether process_vm_readv works on ourselves.  Init only. */
void safe_mem_probe(void);
/* 1 when reads go through the kernel (cannot fault). */
int safe_mem_kernel(void);
/* The pid to read from: call after fork in the child (and at each capture). */
void safe_mem_set_pid(int pid);

/* Copy len bytes at addr into dst.  Returns 0, or -1 when any of them is
 * not readable (dst is then undefined). */
int safe_mem_read(void *dst, uintptr_t addr, size_t len);

/* A small read-through cache for many small reads near each other (an
 * unwinder reading a stack word by word).  Lives on the caller's stack. */
#define SAFE_MEM_LINE 256u
#define SAFE_MEM_LINES 4u
struct safe_mem_cache {
    uintptr_t base[SAFE_MEM_LINES]; /* line address, 0 = empty */
    unsigned len[SAFE_MEM_LINES];   /* valid bytes from base */
    unsigned next;                  /* round-robin victim */
    uint8_t data[SAFE_MEM_LINES][SAFE_MEM_LINE];
};
void safe_mem_cache_init(struct safe_mem_cache *c);
int safe_mem_cached_read(struct safe_mem_cache *c, void *dst, uintptr_t addr, size_t len);

#endif
