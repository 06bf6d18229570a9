/*
 * series_writer.h - what the bench generators of synthetic snapshot series
 * (gen_series.c for `bbx leaks`, gen_stacks.c for `bbx flame`) share: the
 * modules of the running generator, and opening, heading, ending and
 * closing one snapshot file with the collector's writer (snap_writer.h).
 *
 * The stacks the generators write are return addresses inside the running
 * generator, and the MODULE records are the real ones of its process (path,
 * load bias, build-id), so the analyzer symbolizes them against a real
 * binary with debug information.
 *
 * A generator that writes snapshots of another program (gen_crashes.c) sets
 * that program's module table instead (series_modules_set).
 *
 * Errors are printed on stderr with the generator's name; nothing exits.
 * Not thread-safe (one module table per process).
 */
#ifndef BBX_BENCH_SERIES_WRITER_H
#define BBX_BENCH_SERIES_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "snap_format.h"
#include "snap_writer.h"

/* Start of every series: 2024-05-01 12:00 UTC, in ms. */
#define SERIES_START_MS 1714564800000ull

typedef struct series_module {
    char path[512];
    uint64_t bias, start, end;
    uint8_t build_id[64];
    size_t build_id_len;
} series_module;

/* Reads the modules of this process (the executable first).  `prog` names
 * the generator in messages.  Returns how many, 0 when even the executable
 * cannot be found (a message was printed). */
size_t series_modules_load(const char *prog);
const series_module *series_module_at(size_t i);
size_t series_module_count(void);

/* Replaces the module table with n modules of another program (the
 * executable first), as read from a real snapshot of it: at most
 * SERIES_MAX_MODULES are kept.  `prog` names the generator in messages. */
#define SERIES_MAX_MODULES 64
void series_modules_set(const char *prog, const series_module *m, size_t n);

typedef struct series_snap {
    snap_writer w;
    int fd;
    char path[4096];
} series_snap;

/* Opens DIR/snap-NNNNN.bbx (number i) and begins the stream (level 1, as
 * the collector writes).  The writer's workspace is allocated once and
 * reused by every snapshot.  0, or -1 after a message. */
int series_snap_open(series_snap *s, const char *dir, unsigned i);

/* PROCESS and periodic TRIGGER records: one process (pid, app name), the
 * snapshot taken at time_ms, every period_ms. */
void series_put_head(series_snap *s, uint64_t pid, const char *app, uint64_t time_ms,
                     uint64_t period_ms);

/* A PROCESS record alone: pid, exe (the first module's path), app name,
 * process start and snapshot time, host name (NULL: none). */
void series_put_process(series_snap *s, uint64_t pid, const char *app, uint64_t start_ms,
                        uint64_t time_ms, const char *host);

/* A MODULE record for each module of the table. */
void series_put_modules(series_snap *s);

#define SERIES_MAX_FRAMES 64

/* A frames field (SNAP_THR_FRAMES, SNAP_ORIG_FRAMES): pcs innermost first,
 * at most SERIES_MAX_FRAMES of them. */
void series_put_frames(series_snap *s, unsigned field, const uint64_t *pcs, size_t n);

/* Finishes the stream and closes the file (after the CAPTURE record the
 * caller wrote).  0, or -1 after a message. */
int series_snap_close(series_snap *s);

#endif
