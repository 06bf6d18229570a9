/*
 * preload.c - libbbx-preload.so: the collector for programs that cannot be
 * rebuilt.  `LD_PRELOAD=/path/to/libbbx-preload.so program` runs a
 * constructor that starts the collector from the BBX_* environment only
 * (bbx_init(NULL)), unless something initialised it already.  When that
 * fails it prints one line to stderr and the program runs as if bbx were
 * not there.  The collector stays up until the process ends; children
 * that keep LD_PRELOAD start their own, unless BBX_CHILDREN=none took
 * this library out of LD_PRELOAD first (preload_children.c).  In a privileged process (setuid,
 * setgid, capabilities gained at exec: only reachable through
 * /etc/ld.so.preload or a setuid library in a system directory) it does
 * nothing and says nothing: its configuration is the environment, which
 * belongs to whoever started the process, and a line on every run of
 * every setuid program would change what they print.
 */
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "snap_dir.h"

/* Write the parts to stderr as one line, without stdio (the program's
 * buffers are not ours to touch this early). */
static void say(const char *const *parts, unsigned n)
{
    char line[1024];
    size_t len = 0;
    for (unsigned i = 0; i < n; i++) {
        size_t k = strnlen(parts[i], sizeof(line) - 1 - len);
        memcpy(line + len, parts[i], k);
        len += k;
    }
    line[len++] = '\n';
    if (write(STDERR_FILENO, line, len) < 0) {
        /* nowhere to report it */
    }
}

__attribute__((constructor)) static void bbx_preload_start(void)
{
    if (config_privileged())
        return;
    if (config_children_none())
        preload_children_detach(); /* before any thread of ours exists */
    if (atomic_load(&bbx_g.initialized))
        return;
    int rc = bbx_init(NULL);
    int spares = rc == 0 ? bbx_spare_fds() : BBX_SPARE_FDS;
    if (spares < BBX_SPARE_FDS) { /* running, but say what is missing */
        char n[2] = { (char)('0' + spares), '\0' };
        const char *parts[] = { "bbx-preload: warning: ", n, " of 5 spare fds reserved (fd "
                                "table full); a crash with a full table will raise the fd "
                                "limit or close one of the program's fds" };
        say(parts, 3);
    }
    if (rc == 0 || rc == BBX_EALREADY)
        return;
    const char *env_error = rc == BBX_EINVAL ? config_env_error() : NULL;
    if (env_error) {
        const char *parts[] = { "bbx-preload: ", env_error, "; collector not started" };
        say(parts, 3);
    } else if (rc == BBX_EDIR && snap_dir_error()) {
        const char *parts[] = { "bbx-preload: snapshot directory refused: ", snap_dir_error(),
                                "; collector not started" };
        say(parts, 3);
    } else {
        const char *parts[] = { "bbx-preload: ", bbx_strerror(rc), "; collector not started" };
        say(parts, 3);
    }
}
