/*
 * snap_stats.h - read back a snapshot the benchmark just took, to check it
 * holds what the target has (every thread unwound, every fd) and to say
 * where its bytes and its compression time go.
 *
 * A deliberately small reader: it walks the record stream with the
 * format's own codec (snapshot/format/snap_codec.h), counting bytes per
 * record kind, which the reader library's model does not keep.  Benchmark code:
 * it allocates freely and is not meant for untrusted files.
 */
#ifndef BBX_BENCH_SNAP_STATS_H
#define BBX_BENCH_SNAP_STATS_H

#include <stddef.h>
#include <stdint.h>

struct snap_stats {
    uint64_t file_bytes;      /* on disk */
    uint64_t raw_bytes;       /* the decompressed record stream */
    uint64_t thread_bytes;    /* raw bytes of THREAD records (with headers) */
    uint64_t fd_bytes;        /* raw bytes of FD records */
    uint64_t other_bytes;     /* every other record */
    unsigned threads, unwound, frames, fds;
    unsigned thread_status[4];/* THREAD records per snap_thread_status */
    unsigned fd_kinds[16];    /* FD records per snap_fd_kind */
    uint64_t cap_duration_us; /* from the CAPTURE record */
    unsigned cap_threads, cap_unwound, cap_fds, cap_modules;
    uint64_t cap_threads_us;  /* the thread phase (and the modules scan) */
    uint64_t cap_fds_us;      /* the fd table phase */
    int complete;             /* the END record was read */
};

/*
 * Read `path` into *st.  Returns 0, or -1 after printing why to stderr.
 * The decompressed stream stays in a buffer owned by this module until
 * the next call, for snap_stats_replay_compress().
 */
int snap_stats_read(const char *path, struct snap_stats *st);

/*
 * Compress the stream last read again the way the collector's writer does
 * (zstd level `level`, checksum on, two streaming calls per record, a flush
 * after the process/trigger, thread and fd sections), into memory.
 * Returns the microseconds it took, or -1 on error.  The compressor context
 * is kept between calls, like the collector's, so the first call pays for
 * touching its memory.
 */
double snap_stats_replay_compress(int level);

#endif
