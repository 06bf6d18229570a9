/*
 * sym_demangle.c - C++ names, demangled by the C++ runtime's own
 * __cxa_demangle (loaded on first need, so C programs never pay for it).
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "sym_internal.h"

typedef char *(*demangle_fn)(const char *, char *, size_t *, int *);

static demangle_fn find_demangler(void)
{
    static int tried;
    static demangle_fn fn;
    if (!tried) {
        tried = 1;
        void *h = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
        if (h)
            fn = (demangle_fn)dlsym(h, "__cxa_demangle");
    }
    return fn;
}

char *sym_demangle_alloc(const char *name)
{
    if (!name || strncmp(name, "_Z", 2) != 0)
        return NULL;
    demangle_fn fn = find_demangler();
    if (!fn)
        return NULL;
    int status = 0;
    char *d = fn(name, NULL, NULL, &status);
    if (!d || status != 0) {
        free(d);
        return NULL;
    }
    return d;
}

const char *sym_demangle(sym_session *s, const char *name)
{
    if (!name || s->opt.no_demangle)
        return name;
    char *d = sym_demangle_alloc(name);
    if (!d)
        return name;
    const char *copy = sym_strdup(s, d);
    free(d);
    return copy ? copy : name;
}
