/*
 * snap_paths.c - the snapshot files that command-line paths stand for
 * (snap_set.h): files as given, directories as their *.bbx entries sorted
 * by name, every entry checked to be a regular file before anything is
 * read.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include "snap_set.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err_text.h"
#include "grow_array.h"
#include "input_file.h"

/* The list of files being built. */
typedef struct file_list {
    char **paths;
    size_t n, cap;
} file_list;

/* Append path (taken over; NULL counts as out of memory).  0 or -1. */
static int list_add(file_list *fl, char *path)
{
    if (!path)
        return -1;
    if (GROW_ARRAY(fl->paths, fl->cap, fl->n + 1, 64) < 0) {
        free(path);
        return -1;
    }
    fl->paths[fl->n++] = path;
    return 0;
}

static int path_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

/* Add the *.bbx entries of the open directory d (named path), sorted;
 * with tree, those of its subdirectories too (after its own files, each
 * subdirectory in name order; symbolic links are not followed into
 * directories).  An entry that is not a regular file is refused
 * (input_check_entry).  0 or -1. */
static int add_dir(file_list *fl, DIR *d, const char *path, int tree, char *err,
                   size_t errlen)
{
    size_t before = fl->n;
    file_list subdirs = { 0 };
    char why[128];
    int rc = -1;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        if (tree) {
            struct stat sb;
            int is_dir = e->d_type == DT_DIR ||
                         (e->d_type == DT_UNKNOWN &&
                          fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
                          S_ISDIR(sb.st_mode));
            char *p = NULL;
            if (is_dir && (asprintf(&p, "%s/%s", path, e->d_name) < 0 ||
                           list_add(&subdirs, p) < 0)) {
                err_text_set(err, errlen, "out of memory");
                goto done;
            }
            if (is_dir)
                continue;
        }
        if (!has_suffix(e->d_name, ".bbx"))
            continue;
        if (input_check_entry(dirfd(d), e->d_name, why, sizeof(why)) < 0) {
            err_text_set(err, errlen, "%s/%s: %s", path, e->d_name, why);
            goto done;
        }
        char *p = NULL;
        if (asprintf(&p, "%s/%s", path, e->d_name) < 0 || list_add(fl, p) < 0) {
            err_text_set(err, errlen, "out of memory");
            goto done;
        }
    }
    if (fl->n > before)
        qsort(fl->paths + before, fl->n - before, sizeof(*fl->paths), path_cmp);
    if (subdirs.n)
        qsort(subdirs.paths, subdirs.n, sizeof(*subdirs.paths), path_cmp);
    for (size_t i = 0; i < subdirs.n; i++) {
        DIR *sub = opendir(subdirs.paths[i]);
        if (!sub) {
            err_text_set(err, errlen, "%s: cannot open: %s", subdirs.paths[i], strerror(errno));
            goto done;
        }
        int bad = add_dir(fl, sub, subdirs.paths[i], 1, err, errlen);
        closedir(sub);
        if (bad < 0)
            goto done;
    }
    rc = 0;
done:
    snapset_files_free(subdirs.paths, subdirs.n);
    return rc;
}

/* Add path, or the *.bbx files of directory path (below it too with
 * tree).  0 or -1.  An entry that is not a regular file is refused. */
static int expand(file_list *fl, const char *path, int tree, char *err, size_t errlen)
{
    DIR *d = opendir(path);
    char why[128];
    if (!d && errno == ENOTDIR) {
        if (input_check_entry(AT_FDCWD, path, why, sizeof(why)) < 0) {
            err_text_set(err, errlen, "%s: %s", path, why);
            return -1;
        }
        if (list_add(fl, strdup(path)) == 0)
            return 0;
        err_text_set(err, errlen, "out of memory");
        return -1;
    }
    if (!d) {
        err_text_set(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    size_t before = fl->n;
    int rc = add_dir(fl, d, path, tree, err, errlen);
    closedir(d);
    if (rc == 0 && fl->n == before) {
        err_text_set(err, errlen, "%s: no snapshots (*.bbx) in this directory%s", path,
                     tree ? " or below it" : "");
        rc = -1;
    }
    return rc;
}

static int expand_all(char *const *paths, size_t n_paths, int tree, char ***files,
                      size_t *n_files, char *err, size_t errlen)
{
    file_list fl = { 0 };
    *files = NULL;
    *n_files = 0;
    if (!n_paths) {
        err_text_set(err, errlen, "no snapshots given");
        return -1;
    }
    for (size_t i = 0; i < n_paths; i++) {
        if (expand(&fl, paths[i], tree, err, errlen) < 0) {
            snapset_files_free(fl.paths, fl.n);
            return -1;
        }
    }
    *files = fl.paths;
    *n_files = fl.n;
    return 0;
}

int snapset_expand_tree(char *const *paths, size_t n_paths, char ***files, size_t *n_files,
                        char *err, size_t errlen)
{
    return expand_all(paths, n_paths, 1, files, n_files, err, errlen);
}

int snapset_expand_paths(char *const *paths, size_t n_paths, char ***files,
                         size_t *n_files, char *err, size_t errlen)
{
    return expand_all(paths, n_paths, 0, files, n_files, err, errlen);
}

void snapset_files_free(char **files, size_t n_files)
{
    for (size_t i = 0; files && i < n_files; i++)
        free(files[i]);
    free(files);
}
