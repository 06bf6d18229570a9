/*
 * cli_output.c - a subcommand's output file, written whole or not at all
 * (cli_output.h).
 */
#include "cli_output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

int cli_output_open(cli_output *o, const char *cmd, const char *path)
{
    struct stat st;
    memset(o, 0, sizeof(*o));
    o->path = path;
    if (strcmp(path, "-") == 0) {
        o->f = stdout;
        o->is_stdout = 1;
        return 0;
    }
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        if (S_ISDIR(st.st_mode)) {
            cli_error(cmd, "%s: is a directory", path);
            return -1;
        }
        if (!(o->f = fopen(path, "wb"))) {
            cli_error(cmd, "%s: cannot open: %s", path, strerror(errno));
            return -1;
        }
        return 0;
    }
    size_t len = strlen(path) + sizeof(".tmp.XXXXXX");
    if (!(o->tmp = malloc(len))) {
        cli_error(cmd, "out of memory");
        return -1;
    }
    snprintf(o->tmp, len, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        cli_error(cmd, "%s: cannot create a temporary file next to it: %s", path,
                  strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        return -1;
    }
    mode_t mask = umask(0);
    umask(mask);
    (void)!fchmod(fd, 0666 & ~mask); /* else keep mkstemp's private mode */
    if (!(o->f = fdopen(fd, "wb"))) {
        cli_error(cmd, "%s: %s", o->tmp, strerror(errno));
        close(fd);
        unlink(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
        return -1;
    }
    return 0;
}

int cli_output_close(cli_output *o, const char *cmd, int ok)
{
    int err = 0;
    if (ok && (fflush(o->f) != 0 || ferror(o->f)))
        err = errno ? errno : EIO;
    if (!o->is_stdout && fclose(o->f) != 0 && ok && !err)
        err = errno ? errno : EIO;
    o->f = NULL;
    if (ok && !err && o->tmp && rename(o->tmp, o->path) != 0)
        err = errno;
    if (ok && err)
        cli_error(cmd, "%s: cannot write: %s", o->is_stdout ? "standard output" : o->path,
                  strerror(err));
    if (o->tmp && (!ok || err))
        unlink(o->tmp);
    free(o->tmp);
    o->tmp = NULL;
    return ok && !err ? 0 : -1;
}
