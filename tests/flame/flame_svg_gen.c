/*
 * flame_svg_gen.c - writes the SVG flame graph of a hand-made set, for the
 * XML and headless-Chromium tests and for timing a browser's load.
 * Usage: flame_svg_gen known|diff|awkward|deep|random OUT.svg [N]
 * (N: stacks for random, frames for deep).  Prints the write time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "flame_svg.h"
#include "svg_sets.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    flame_set *fs = NULL, *base = NULL;
    flame_svg_options o = { 1200, 0, NULL };
    size_t n = argc > 3 ? strtoul(argv[3], NULL, 10) : 0;
    uint64_t total = 0;
    FILE *out;
    double t0;
    int rc;

    if (argc < 3) {
        fprintf(stderr, "usage: flame_svg_gen known|diff|awkward|deep|random OUT.svg [N]\n");
        return 2;
    }
    if (!strcmp(argv[1], "known")) {
        fs = svg_set_known(0);
    } else if (!strcmp(argv[1], "diff")) {
        fs = svg_set_known(1);
        base = svg_set_known(0);
    } else if (!strcmp(argv[1], "awkward")) {
        fs = svg_set_awkward();
        o.with_module = 1;
    } else if (!strcmp(argv[1], "deep")) {
        fs = svg_set_deep(n ? n : 3000);
    } else if (!strcmp(argv[1], "random")) {
        fs = svg_set_random(n ? n : 100000, &total);
    } else {
        fprintf(stderr, "flame_svg_gen: unknown set '%s'\n", argv[1]);
        return 2;
    }
    out = fopen(argv[2], "w");
    if (!out) {
        perror(argv[2]);
        return 2;
    }
    t0 = now_s();
    rc = flame_write_svg(fs, base, &o, out);
    if (fclose(out))
        rc = -1;
    fprintf(stderr, "flame_svg_gen: %s (%zu stacks) written in %.3f s\n", argv[1],
            fs->n_stacks, now_s() - t0);
    flame_set_free(fs);
    flame_set_free(base);
    return rc ? 1 : 0;
}
