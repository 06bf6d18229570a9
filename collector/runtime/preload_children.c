/*
 * preload_children.c - BBX_CHILDREN=none for libbbx-preload.so: the
 * programs the watched program runs do not get the preload.
 *
 * The preload removes its own entry from LD_PRELOAD in the process's
 * environment, in its constructor, before main() and before any thread of
 * bbx's exists.  Wrapping execve() and friends instead would miss the
 * calls glibc makes inside system(), popen() and posix_spawn(), which do
 * not go through the interposable symbols; every one of them passes
 * `environ` on, so editing `environ` catches them all.  setenv() and
 * unsetenv() change the array main() gets as envp in place (glibc replaces
 * the entry's pointer, or moves the later entries down), so a program that
 * passes envp to execve() is covered too.
 *
 * Other entries stay as they were, separators included; the variable is
 * removed when bbx was its only entry.  The program sees what it would
 * have seen without bbx (where its LD_PRELOAD had no bbx in it).  An entry
 * is bbx's when it names this library's file (same device and inode as the
 * file the loader opened) or, without a slash, has the same file name.
 * Init only (allocates).
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "collector.h"

#define MAX_VALUE 8192

static int same_file(const char *a, const struct stat *b)
{
    struct stat st;
    return stat(a, &st) == 0 && st.st_dev == b->st_dev && st.st_ino == b->st_ino;
}

/* Is the entry e[0..n) this library, loaded from `self`? */
static int is_self(const char *e, size_t n, const char *self, const struct stat *self_st)
{
    char path[MAX_VALUE];
    if (n == 0 || n >= sizeof(path))
        return 0;
    memcpy(path, e, n);
    path[n] = '\0';
    if (!strchr(path, '/')) {
        const char *base = strrchr(self, '/');
        return strcmp(path, base ? base + 1 : self) == 0;
    }
    return same_file(path, self_st);
}

/* Copy `value` to `out` without the entries that are this library.
 * Returns 1 when something was removed. */
static int without_self(const char *value, char *out, const char *self,
                        const struct stat *self_st)
{
    const char *p = value;
    char *o = out;
    int removed = 0;
    while (*p) {
        size_t sep = strspn(p, ": ");
        const char *e = p + sep;
        size_t n = strcspn(e, ": ");
        if (n == 0)
            break; /* trailing separators */
        if (is_self(e, n, self, self_st)) {
            removed = 1;
        } else {
            if (o != out) { /* the separators before it, as they were */
                memcpy(o, p, sep);
                o += sep;
            }
            memcpy(o, e, n);
            o += n;
        }
        p = e + n;
    }
    *o = '\0';
    return removed;
}

void preload_children_detach(void)
{
    Dl_info di;
    struct stat self_st;
    const char *value = getenv("LD_PRELOAD");
    char *out;
    if (!value || strlen(value) >= MAX_VALUE)
        return;
    if (!dladdr((void *)preload_children_detach, &di) || !di.dli_fname ||
        stat(di.dli_fname, &self_st) != 0)
        return;
    out = malloc(strlen(value) + 1);
    if (!out)
        return;
    if (without_self(value, out, di.dli_fname, &self_st)) {
        if (*out)
            setenv("LD_PRELOAD", out, 1);
        else
            unsetenv("LD_PRELOAD");
    }
    free(out);
}
