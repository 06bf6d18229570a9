/*
 * leak_json_read.h - reads the JSON of `bbx leaks --json` (docs/JSON.md)
 * back into a leak_report, for `bbx diff`.
 *
 * Input is untrusted: every field is type-checked, and the first problem
 * ends the read with a one-line message naming where it is, e.g.
 * "leaks[3].origin: expected an array" (the caller adds the file name).
 * Required: "format" = "bbx-leaks", "version" 1, "leaks" (array), and per
 * leak "resource", "kind" (strings), "count" (integer >= 0) and "origin"
 * (array of objects).  Everything else may be missing or null, but must
 * have its documented type when present.  Unknown keys are ignored.
 *
 * The "signature" in the file is not trusted: every group's signature is
 * recomputed with leak_signature(), so that reports written by other bbx
 * versions, or edited by hand, still match by the rules of this one.
 *
 * Ownership: the returned report is the caller's (leak_report_free()).
 * Not thread-safe (jansson is, this is just not promised); not
 * async-signal-safe.
 */
#ifndef BBX_LEAK_JSON_READ_H
#define BBX_LEAK_JSON_READ_H

#include <stddef.h>

#include "leak_model.h"

/* Files larger than this are refused without being read. */
#define LEAK_JSON_MAX_BYTES ((size_t)64 << 20)

/* Parse len bytes of text.  NULL on error, with the reason in err. */
leak_report *leak_json_parse(const char *text, size_t len, char *err, size_t errlen);

/* Read and parse the file at path (at most LEAK_JSON_MAX_BYTES).  NULL on
 * error, with the reason (not the path) in err. */
leak_report *leak_json_read_file(const char *path, char *err, size_t errlen);

#endif
