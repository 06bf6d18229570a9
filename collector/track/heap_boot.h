/*
 * heap_boot.h - a small static arena for the allocations made while the
 * allocator hooks look up the real malloc (dlsym may allocate, and its
 * malloc is the hook being resolved).  Bump allocation, never reused;
 * free() ignores its pointers, realloc() and malloc_usable_size() know
 * their sizes (heap_hooks.c).  Async-signal-safe.
 */
#ifndef BBX_HEAP_BOOT_H
#define BBX_HEAP_BOOT_H

#include <stddef.h>
#include <stdint.h>

#define HEAP_BOOT_BYTES (64u << 10)
extern unsigned char heap_boot_arena[HEAP_BOOT_BYTES];

/* n bytes, zeroed, aligned to `align` (a power of two, at least 16); NULL
 * (errno ENOMEM) when the arena is used up. */
void *heap_boot_alloc(size_t n, size_t align);
/* The size asked for a pointer of the arena. */
size_t heap_boot_size(const void *p);

static inline int heap_boot_owns(const void *p)
{
    return (uintptr_t)p - (uintptr_t)heap_boot_arena < HEAP_BOOT_BYTES;
}

#endif
