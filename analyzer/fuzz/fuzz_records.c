/*
 * fuzz_records.c - libFuzzer target for the record layer: the input is the
 * decompressed record stream.  It is wrapped in a valid header and zstd
 * frame, so mutations reach the record and field decoding directly instead
 * of dying in the decompressor; then the input's first byte picks a cut
 * point (values 0-127: cut at that fraction of the file; 128-255: whole),
 * and the file goes through read_check().
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#include "read_check.h"
#include "snap_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t cut = data[0];
    data++;
    size--;
    size_t cap = SNAP_HEADER_LEN + ZSTD_compressBound(size);
    uint8_t *file = calloc(1, cap);
    ZSTD_CCtx *c = ZSTD_createCCtx();
    if (!file || !c)
        abort();
    memcpy(file, SNAP_MAGIC, SNAP_MAGIC_LEN);
    file[8] = SNAP_VERSION_MAJOR;
    file[12] = SNAP_HEADER_LEN;
    ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, 1);
    size_t k = ZSTD_compress2(c, file + SNAP_HEADER_LEN, cap - SNAP_HEADER_LEN, data, size);
    ZSTD_freeCCtx(c);
    if (ZSTD_isError(k))
        abort();
    size_t len = SNAP_HEADER_LEN + k;
    if (cut < 128)
        len = SNAP_HEADER_LEN + k * cut / 128;
    read_check(file, len);
    free(file);
    return 0;
}
