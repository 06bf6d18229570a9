/*
 * snap_scrub.h - rewrite a snapshot without chosen parts (bbx scrub).
 *
 * The input is read record by record with the reader (snap_read_file_records)
 * and written again with the collector's writer (snap_writer.h), field by
 * field, applying the same rules as BBX_REDACT in the collector
 * (snap_redact.h).  Only what this bbx knows is copied: records of unknown
 * types and unknown fields (or known fields with another wire type) are
 * dropped, since a privacy tool cannot tell whether they hold something
 * private.  The output's CAPTURE record says in REDACTED what the input had
 * held back plus what this pass held back.
 *
 * A complete input gives a complete output.  An incomplete input (cut,
 * corrupt) gives an output with every record recovered, scrubbed, and no END
 * record, so that readers report it incomplete too.
 *
 * Not thread-safe for one result; not async-signal-safe (allocates).
 */
#ifndef BBX_SNAP_SCRUB_H
#define BBX_SNAP_SCRUB_H

#include <stddef.h>
#include <stdint.h>

typedef struct snap_scrub_result {
    int complete;             /* the input was complete (and so is the output) */
    char incomplete_why[160]; /* the reader's reason when it was not */
    uint64_t records_out;     /* records written, END excluded */
    uint64_t dropped_records; /* of unknown types, or held back whole
                                 (breadcrumbs, annotations) */
    uint64_t unknown_records, unknown_fields; /* dropped because unknown */
    uint64_t too_large;       /* records over the writer's 1 MiB limit, dropped */
    uint64_t redacted;        /* the output's REDACTED mask */
} snap_scrub_result;

/*
 * Read the snapshot at `in_path` and write it to `out_fd` (from its current
 * position) without the SNAP_REDACT_* `parts`.  Returns 0 with *res (out)
 * filled, or -1 with a one-line reason in err[errlen] (the input is not a
 * readable snapshot, out of memory, the output could not be written); then
 * what was written to out_fd is garbage to discard.
 */
int snap_scrub(const char *in_path, int out_fd, unsigned parts, snap_scrub_result *res,
               char *err, size_t errlen);

#endif
