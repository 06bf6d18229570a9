/*
 * grow_array.c - doubling growth of heap arrays, overflow-checked.
 */
#include "grow_array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int grow_array_realloc(void *arrp, size_t *cap, size_t need, size_t elem, size_t first)
{
    if (need <= *cap)
        return 0;
    if (!elem)
        return -1;
    size_t ncap = *cap ? *cap : (first ? first : 1);
    while (ncap < need)
        ncap = ncap <= SIZE_MAX / 2 ? ncap * 2 : need;
    if (ncap > SIZE_MAX / elem)
        return -1;
    void *old, *grown;
    memcpy(&old, arrp, sizeof(old));
    if (!(grown = realloc(old, ncap * elem)))
        return -1;
    memcpy(arrp, &grown, sizeof(grown));
    *cap = ncap;
    return 0;
}
