/*
 * soak_plugin.c - the plugin bench/soak_prog.c loads and unloads in a loop:
 * a small shared object with code, read-only data and a writable counter,
 * so that dlopen maps (and dlclose unmaps) several segments each time.
 */
#include <stddef.h>

int soak_plugin_work(int n);

static const char table[] = "the plugin's read-only data, long enough to need a page";
static int calls;

int soak_plugin_work(int n)
{
    int sum = 0;
    for (size_t i = 0; i < sizeof table; i++)
        sum += table[i] ^ n;
    return sum + ++calls;
}
