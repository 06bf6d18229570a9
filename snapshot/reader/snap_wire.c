/*
 * snap_wire.c - varint and field decoding for snapshot record payloads.
 */
#include "snap_wire.h"

#include <string.h>

#include "snap_format.h"

int snap_varint_get_slow(const uint8_t **p, const uint8_t *end, uint64_t *v)
{
    const uint8_t *q = *p;
    uint64_t out = 0;
    for (unsigned i = 0; i < SNAP_VARINT_MAX_LEN; i++) {
        if (q == end)
            return SNAP_VARINT_SHORT;
        uint8_t b = *q++;
        /* The 10th byte holds bit 63 only. */
        if (i == SNAP_VARINT_MAX_LEN - 1 && b > 1)
            return SNAP_VARINT_OVERFLOW;
        out |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80)) {
            *v = out;
            *p = q;
            return SNAP_VARINT_OK;
        }
    }
    return SNAP_VARINT_OVERFLOW;
}

int snap_field_next(const uint8_t **p, const uint8_t *end, snap_field *f)
{
    const uint8_t *q = *p;
    uint64_t key, v;
    if (q == end)
        return SNAP_FIELD_END;
    if (snap_varint_get(&q, end, &key) != SNAP_VARINT_OK)
        return SNAP_FIELD_MALFORMED;
    f->number = key >> 3 > UINT32_MAX ? UINT32_MAX : (unsigned)(key >> 3);
    f->wire = (unsigned)(key & 7);
    f->value = 0;
    f->data = NULL;
    f->len = 0;
    if (snap_varint_get(&q, end, &v) != SNAP_VARINT_OK)
        return SNAP_FIELD_MALFORMED;
    if (f->wire == SNAP_WIRE_VARINT) {
        f->value = v;
    } else if (f->wire == SNAP_WIRE_BYTES) {
        if (v > (uint64_t)(end - q))
            return SNAP_FIELD_MALFORMED;
        f->data = q;
        f->len = (size_t)v;
        q += v;
    } else {
        return SNAP_FIELD_MALFORMED;
    }
    *p = q;
    return SNAP_FIELD_OK;
}

size_t snap_varint_count(const uint8_t *p, const uint8_t *end)
{
    size_t n = 0;
    /* eight bytes at a time: each byte without its top bit ends a varint */
    for (; end - p >= 8; p += 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t tops = (w & 0x8080808080808080ull) >> 7; /* 1 per continued byte */
        n += 8 - (size_t)((tops * 0x0101010101010101ull) >> 56);
    }
    for (; p < end; p++)
        n += !(*p & 0x80);
    return n;
}
