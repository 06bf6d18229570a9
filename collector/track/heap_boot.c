/*
 * heap_boot.c - the bootstrap arena of the allocator hooks (heap_boot.h).
 * Each block is preceded by its size; the arena is zero (bss) and never
 * reused, so every block reads zero like calloc's.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "heap_boot.h"

#define HEADER 16u

unsigned char heap_boot_arena[HEAP_BOOT_BYTES] __attribute__((aligned(64)));
static _Atomic size_t used;

void *heap_boot_alloc(size_t n, size_t align)
{
    size_t old = atomic_load_explicit(&used, memory_order_relaxed), start, end;
    if (align < HEADER)
        align = HEADER;
    do {
        start = (old + HEADER + align - 1) & ~(align - 1);
        end = start + (n + HEADER - 1) / HEADER * HEADER;
        if (n > HEAP_BOOT_BYTES || end > HEAP_BOOT_BYTES) {
            errno = ENOMEM;
            return NULL;
        }
    } while (!atomic_compare_exchange_weak(&used, &old, end));
    memcpy(heap_boot_arena + start - sizeof(size_t), &n, sizeof(size_t));
    return heap_boot_arena + start;
}

size_t heap_boot_size(const void *p)
{
    size_t n;
    memcpy(&n, (const unsigned char *)p - sizeof(size_t), sizeof(size_t));
    return n;
}
