/*
 * size_text.h - sizes for people: "812 KiB", "12.5 MiB", "1.00 GiB".
 * Thread-safe; not async-signal-safe.
 */
#ifndef BBX_SIZE_TEXT_H
#define BBX_SIZE_TEXT_H

#include <stddef.h>

/* kib KiB in the largest binary unit that keeps it at 1 or more, with 3
 * significant digits (whole KiB below 1 MiB); negative sizes keep their
 * sign. */
void size_text_kib(char *buf, size_t len, double kib);

#endif
