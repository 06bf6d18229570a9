/*
 * show_series.h - what `bbx show FILE` says of a process that vanished:
 * when FILE is the last snapshot of a series in its directory (other
 * *.bbx files named "<app>-<pid>-..." with the same pid) and is neither an
 * exit nor a crash snapshot, the series is judged as `bbx leaks` judges it
 * (leak_vanished.h).  Cheap by design: only names are listed, only the
 * files of that pid are read (at most SHOW_SERIES_MAX, the newest by name),
 * without symbols.
 */
#ifndef BBX_SHOW_SERIES_H
#define BBX_SHOW_SERIES_H

#include "leak_model.h"
#include "snap_reader.h"

#define SHOW_SERIES_MAX 200

/* The verdict for snapshot s read from path, or NULL (not the last of a
 * series, ended by exit or crash, still running, or nothing to judge).
 * The caller frees it with leak_vanished_free(). */
leak_vanished *show_series_vanished(const char *path, const snap *s);

#endif
