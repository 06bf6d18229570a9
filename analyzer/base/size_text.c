/*
 * size_text.c - sizes for people (size_text.h).
 */
#include "size_text.h"

#include <math.h>
#include <stdio.h>

void size_text_kib(char *buf, size_t len, double kib)
{
    static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
    double a = fabs(kib);
    size_t u = 0;
    while (a >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
        a /= 1024;
        kib /= 1024;
        u++;
    }
    if (u == 0 || a >= 100)
        snprintf(buf, len, "%.0f %s", kib, units[u]);
    else if (a >= 10)
        snprintf(buf, len, "%.1f %s", kib, units[u]);
    else
        snprintf(buf, len, "%.2f %s", kib, units[u]);
}
