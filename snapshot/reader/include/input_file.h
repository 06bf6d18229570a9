/*
 * input_file.h - how the analyzer opens the files it reads (snapshots,
 * leak reports, suppression files): never blocking, regular files only.
 *
 * A FIFO, a terminal or a device named as an input would make open(2) or
 * read(2) wait forever (a FIFO without a writer) or never reach its end
 * (/dev/zero).  Every input is opened with O_NONBLOCK | O_NOCTTY |
 * O_CLOEXEC, the opened fd is checked with fstat, and anything that is not
 * a regular file is refused with a reason such as "not a regular file
 * (fifo)".  Checking the opened fd (not the name) leaves no window for the
 * name to be swapped between the check and the read.
 *
 * Messages never name the path: the caller puts it in front, so errors read
 * "PATH: not a regular file (fifo)".  Thread-safe; not async-signal-safe.
 */
#ifndef BBX_INPUT_FILE_H
#define BBX_INPUT_FILE_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/* What a file of mode m is, for messages: "fifo", "directory",
 * "character device", "block device", "socket", "symbolic link",
 * "regular file" or "unknown type".  A static string. */
const char *input_kind_name(mode_t m);

/*
 * Open path for reading: a descriptor of a regular file (the caller closes
 * it), or -1 with a one-line reason in err[errlen] ("cannot open: ...",
 * "not a regular file (fifo)").  Never blocks on a FIFO or device.
 */
int input_open(const char *path, char *err, size_t errlen);

/* input_open() as a stdio stream ("rb"), or NULL with err. */
FILE *input_fopen(const char *path, char *err, size_t errlen);

/*
 * Whether the entry `name` of the open directory dirfd (symbolic links
 * followed, as open would) is a regular file, without opening it: 0, or -1
 * with the reason in err[errlen].  Used to refuse a directory's bad
 * entries before any is read; input_open() still checks each one.
 */
int input_check_entry(int dirfd, const char *name, char *err, size_t errlen);

#endif
