/*
 * fuzz_reader.c - libFuzzer target: the input is a whole snapshot file, fed
 * to the reader and both renderers with every promise checked (read_check.c).
 * Built with fuzz_replay.c instead of libFuzzer it replays a corpus.
 */
#include <stddef.h>
#include <stdint.h>

#include "read_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    read_check(data, size);
    return 0;
}
