/*
 * snap_wire.h - the reader's name for the snapshot codec.
 *
 * The codec (varints, zigzag, the fields of a record payload) has one home:
 * snapshot/format/snap_codec.h, shared by the writer, the reader and the
 * benchmarks.  This header only includes it, for the reader's users that
 * still name it so.
 */
#ifndef BBX_SNAP_WIRE_H
#define BBX_SNAP_WIRE_H

#include "snap_codec.h"

#endif
