/*
 * redact.c - BBX_REDACT in the collector: the parts held back from every
 * snapshot (bbx_config.redact resolved), and the writers of command lines
 * and paths that apply them.  The rules themselves are snap_redact.c's,
 * shared with `bbx scrub`.  Async-signal-safe: the filtered command line
 * goes through a static buffer (the capture lock serialises its users).
 */
#include <string.h>

#include "collector.h"
#include "snap_format.h"
#include "snap_redact.h"

_Static_assert(BBX_REDACT_SECRETS == SNAP_REDACT_SECRETS &&
                   BBX_REDACT_CMDLINE == SNAP_REDACT_CMDLINE &&
                   BBX_REDACT_REGISTERS == SNAP_REDACT_REGISTERS &&
                   BBX_REDACT_PATHS == SNAP_REDACT_PATHS &&
                   BBX_REDACT_PEERS == SNAP_REDACT_PEERS &&
                   BBX_REDACT_HOST == SNAP_REDACT_HOST &&
                   BBX_REDACT_BREADCRUMBS == SNAP_REDACT_BREADCRUMBS &&
                   BBX_REDACT_ANNOTATIONS == SNAP_REDACT_ANNOTATIONS &&
                   BBX_REDACT_ENV == SNAP_REDACT_ENV &&
                   BBX_REDACT_ALL == SNAP_REDACT_ALL,
               "bbx.h and snap_format.h agree on the redaction bits");

static char args_out[BBX_IOBUF];

unsigned redact_parts(void)
{
    unsigned r = bbx_g.cfg.redact;
    return (r & BBX_REDACT_ALL) | (r & BBX_REDACT_KEEP_SECRETS ? 0 : BBX_REDACT_SECRETS);
}

void redact_put_args(snap_writer *w, unsigned field, const char *args, size_t n)
{
    unsigned parts = redact_parts();
    if (parts & SNAP_REDACT_CMDLINE || n == 0)
        return;
    if (parts & SNAP_REDACT_SECRETS) {
        int changed;
        size_t len = snap_redact_args(args, n, args_out, sizeof(args_out), &changed);
        if (changed || len != n) {
            snap_put_bytes(w, field, args_out, len);
            return;
        }
    }
    snap_put_bytes(w, field, args, n);
}

void redact_put_path(snap_writer *w, unsigned field, const char *path, size_t n)
{
    if (redact_parts() & SNAP_REDACT_PATHS)
        path = snap_redact_basename(path, n, &n);
    if (n)
        snap_put_bytes(w, field, path, n);
}
