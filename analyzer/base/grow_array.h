/*
 * grow_array.h - room in a heap array that doubles as it fills: the one
 * home of the "if (n == cap) { cap = cap ? cap * 2 : K; realloc }" step of
 * every list the analyzer builds.
 *
 * Invariant: on success the array holds at least `need` elements and *cap
 * says how many; on failure (out of memory, or a size that would overflow
 * size_t) the array and *cap are as they were, so the caller still frees
 * the old array.  Thread-safe for distinct arrays.
 */
#ifndef BBX_GROW_ARRAY_H
#define BBX_GROW_ARRAY_H

#include <stddef.h>

/*
 * Make the array at *arrp (a pointer to any object pointer, in and out;
 * NULL when nothing is allocated yet) of *cap elements of `elem` bytes hold
 * at least `need`.  Nothing happens when need <= *cap.  Otherwise the new
 * capacity is *cap (or `first` when *cap is 0) doubled until it reaches
 * need.  Returns 0, or -1 with nothing changed.
 *
 * The pointer is read and written with memcpy, so any T ** may be passed
 * without breaking the aliasing rules (use GROW_ARRAY, which checks that
 * the argument is a pointer and computes elem).
 */
static inline int grow_array(void *arrp, size_t *cap, size_t need, size_t elem, size_t first);

/* The part of grow_array() that reallocates (need > *cap), out of line so
 * the check that is true on almost every append stays inline. */
int grow_array_realloc(void *arrp, size_t *cap, size_t need, size_t elem, size_t first);

static inline int grow_array(void *arrp, size_t *cap, size_t need, size_t elem, size_t first)
{
    return need <= *cap ? 0 : grow_array_realloc(arrp, cap, need, elem, first);
}

/* GROW_ARRAY(v, cap, need, first): v a T * lvalue, cap a size_t lvalue. */
#define GROW_ARRAY(arr, cap, need, first)                                            \
    grow_array(&(arr), &(cap), (need), sizeof(*(arr)), (first))

#endif
