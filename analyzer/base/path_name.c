/*
 * path_name.c - the base name of a path.
 */
#include "path_name.h"

#include <string.h>

const char *path_base_name(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    return slash ? slash + 1 : path;
}
