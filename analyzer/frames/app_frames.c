/*
 * app_frames.c - the program's own modules and frames (app_frames.h).
 */
#include "app_frames.h"

#include <fnmatch.h>
#include <string.h>

#include "frame_symbols.h"
#include "path_name.h"

/* Directories whose modules are the system's, not the program's. */
static const char *const system_dirs[] = {
    "/lib/", "/lib32/", "/lib64/", "/libx32/",
    "/usr/lib/", "/usr/lib32/", "/usr/lib64/", "/usr/libx32/",
};

static int in_system_dir(const char *path)
{
    for (size_t i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++)
        if (strncmp(path, system_dirs[i], strlen(system_dirs[i])) == 0)
            return 1;
    return 0;
}

static int glob_matches(const char *pattern, const char *path)
{
    const char *subject = strchr(pattern, '/') ? path : path_base_name(path);
    return fnmatch(pattern, subject, 0) == 0;
}

int app_module_is_own(const app_modules *am, const char *path, const char *exe)
{
    if (!path || path[0] != '/' || frame_module_is_collector(path))
        return 0;
    if (am && am->n) {
        for (size_t i = 0; i < am->n; i++)
            if (am->globs[i] && glob_matches(am->globs[i], path))
                return 1;
        return 0;
    }
    if (exe && strcmp(path, exe) == 0)
        return 1;
    return !in_system_dir(path);
}

size_t app_origin_frame(const app_modules *am, const snap *s, const snap_origin *o,
                        size_t from)
{
    for (size_t i = from; i < o->n_frames; i++) {
        const snap_module *m = snap_module_for_pc(s, o->frames[i]);
        if (m && app_module_is_own(am, m->path, s->process.exe))
            return i;
    }
    return SIZE_MAX;
}
