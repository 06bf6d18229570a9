/*
 * gen_corpus.c - writes the seed corpus of the reader fuzzer (and of the
 * replay test): valid snapshots made by the real writer, cut and damaged
 * copies of them, and the hand-made hostile ones of snap_fixture.h.
 *
 * usage: gen_corpus DIR [RECORDS_DIR]     (small files: a few KB together)
 * RECORDS_DIR gets the seeds of fuzz_records: the decompressed record
 * streams of the valid snapshots, behind the byte that picks a cut point.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <stdlib.h>
#include <zstd.h>

#include "snap_fixture.h"
#include "snap_format.h"

static int save(const char *dir, const char *name, const uint8_t *p, size_t n)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s.snap", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "gen_corpus: %s: cannot write: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Save the record stream of snapshot f, behind the cut byte `cut`. */
static int save_records(const char *dir, const char *name, const fixture_file *f,
                        uint8_t cut)
{
    size_t cap = 1 << 20;
    uint8_t *raw = malloc(cap);
    if (!dir)
        goto skip;
    if (!raw)
        return -1;
    raw[0] = cut;
    size_t n = ZSTD_decompress(raw + 1, cap - 1, f->data + SNAP_HEADER_LEN,
                               f->len - SNAP_HEADER_LEN);
    if (!ZSTD_isError(n)) {
        int rc = save(dir, name, raw, n + 1);
        free(raw);
        return rc;
    }
skip:
    free(raw);
    return 0;
}

int main(int argc, char **argv)
{
    static const char *const hostile[FIX_HOSTILE_COUNT] = {
        "huge-lengths", "varint-overflow", "many-frames", "wrong-wire",
        "unknown-records", "end-mismatch", "two-frames", "after-end", "trailing",
        "tracking-odd",
    };
    fixture_file f;
    int rc = 0;
    if (argc != 2 && argc != 3) {
        fprintf(stderr, "usage: gen_corpus DIR [RECORDS_DIR]\n");
        return 2;
    }
    const char *dir = argv[1], *rdir = argc == 3 ? argv[2] : NULL;
    if (fixture_reference(&f, 0, 1) < 0)
        return 1;
    rc |= save(dir, "crash", f.data, f.len);
    rc |= save_records(rdir, "crash", &f, 0xff);
    rc |= save_records(rdir, "crash-cut", &f, 77);
    rc |= save(dir, "crash-cut-half", f.data, f.len / 2);
    f.data[f.len / 2] ^= 0x10;
    rc |= save(dir, "crash-bitflip", f.data, f.len);
    f.data[f.len / 2] ^= 0x10;
    rc |= save(dir, "header-only", f.data, SNAP_HEADER_LEN);
    f.data[8] = 2; /* major version 2 */
    rc |= save(dir, "future-major", f.data, f.len);
    f.data[0] = 'X';
    rc |= save(dir, "bad-magic", f.data, 64);
    fixture_file_release(&f);

    if (fixture_reference(&f, 1, 1) < 0)
        return 1;
    rc |= save(dir, "crash-flushed", f.data, f.len);
    rc |= save(dir, "crash-flushed-cut", f.data, f.flush_end[FIX_REC_FD_SOCKET] + 3);
    rc |= save(dir, "crash-flushed-origin-cut", f.data, f.flush_end[FIX_REC_ORIGIN_SOCKET] + 3);
    fixture_file_release(&f);

    if (fixture_reference(&f, 1, 0) < 0)
        return 1;
    rc |= save(dir, "crash-no-end", f.data, f.len);
    fixture_file_release(&f);

    if (fixture_request(&f) < 0)
        return 1;
    rc |= save(dir, "request", f.data, f.len);
    rc |= save_records(rdir, "request", &f, 0xff);
    fixture_file_release(&f);

    for (int i = 0; i < FIX_HOSTILE_COUNT; i++) {
        if (fixture_hostile(&f, i) < 0)
            return 1;
        rc |= save(dir, hostile[i], f.data, f.len);
        rc |= save_records(rdir, hostile[i], &f, 0xff);
        fixture_file_release(&f);
    }
    return rc ? 1 : 0;
}
