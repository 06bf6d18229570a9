/*
 * path_name.h - parts of a file path as the reports show them.
 * Pure functions: thread-safe, allocate nothing.
 */
#ifndef BBX_PATH_NAME_H
#define BBX_PATH_NAME_H

/* The part of path after its last '/' ("/lib/libc.so.6" -> "libc.so.6",
 * "a/" -> ""): a pointer into path, path itself when it has no '/', NULL
 * for NULL. */
const char *path_base_name(const char *path);

#endif
