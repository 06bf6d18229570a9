/*
 * fuzz_leaks_json.c - libFuzzer target: the input is the JSON that
 * `bbx diff` reads (a `bbx leaks --json` report, leak_json_read.h).
 * Promises checked:
 *   - a refused input says why in one line, without control characters;
 *   - an accepted one has every required field, a signature per group,
 *     and writes back (leak_report_write_json) as valid JSON that reads
 *     again to the same groups and signatures;
 *   - compared with itself (leak_diff, and through a suppression of its
 *     first group) nothing is new, grown or fixed.
 * Built with fuzz_replay.c instead of libFuzzer it replays a corpus.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_promise.h"
#include "json_check.h"
#include "leak_analyze.h"
#include "leak_diff.h"
#include "leak_json_read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_report(const leak_report *r)
{
    for (size_t i = 0; i < r->n_leaks; i++) {
        const leak_group *g = &r->leaks[i];
        FUZZ_PROMISE(g->resource && g->kind && g->signature);
        FUZZ_PROMISE(g->n_origin == 0 || g->origin);
        FUZZ_PROMISE(g->n_examples == 0 || g->examples);
        for (size_t e = 0; e < g->n_examples; e++)
            FUZZ_PROMISE(g->examples[e]);
    }
}

/* Written back and read again: the same groups. */
static void round_trip(const leak_report *r)
{
    char *text = NULL, err[512] = "";
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    if (!out)
        return;
    leak_report_write_json(r, out);
    if (fclose(out) != 0) {
        free(text);
        return;
    }
    FUZZ_PROMISE(json_check(text, len, NULL));
    leak_report *again = leak_json_parse(text, len, err, sizeof(err));
    if (!again)
        fprintf(stderr, "re-read: %s\n", err);
    FUZZ_PROMISE(again && again->n_leaks == r->n_leaks && again->pid == r->pid);
    for (size_t i = 0; i < r->n_leaks; i++) {
        FUZZ_PROMISE(again->leaks[i].count == r->leaks[i].count);
        FUZZ_PROMISE(again->leaks[i].n_origin == r->leaks[i].n_origin);
        FUZZ_PROMISE(strcmp(again->leaks[i].signature, r->leaks[i].signature) == 0);
    }
    leak_report_free(again);
    free(text);
}

static void self_diff(const leak_report *r)
{
    leak_diff *d = leak_diff_new(r, r, NULL, 0);
    if (!d)
        return;
    FUZZ_PROMISE(d->n_new == 0 && d->n_grown == 0 && d->n_fixed == 0);
    FUZZ_PROMISE(d->n_unchanged == d->n_entries);
    leak_diff_free(d);
    if (!r->n_leaks)
        return;
    /* Suppress the first group by its resource and kind. */
    leak_suppressions *s = leak_suppress_new();
    char rule[64], err[256];
    snprintf(rule, sizeof(rule), "resource:%s", r->leaks[0].resource);
    if (s && strlen(r->leaks[0].resource) < 40 && !strpbrk(r->leaks[0].resource, " \t\r\v\f\n#*?") &&
        r->leaks[0].resource[0] &&
        leak_suppress_parse(s, rule, strlen(rule), "rule", err, sizeof(err)) == 0) {
        d = leak_diff_new(r, r, s, 0);
        if (d) {
            FUZZ_PROMISE(d->n_new == 0 && d->n_grown == 0 && d->n_fixed == 0);
            FUZZ_PROMISE(d->n_suppressed >= 1);
            leak_diff_free(d);
        }
    }
    leak_suppress_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[512] = "";
    leak_report *r = leak_json_parse((const char *)data, size, err, sizeof(err));
    if (!r) {
        FUZZ_PROMISE(err[0]);
        for (const char *p = err; *p; p++)
            FUZZ_PROMISE((unsigned char)*p >= 0x20 && *p != 0x7f); /* one line */
        return 0;
    }
    check_report(r);
    round_trip(r);
    self_diff(r);
    leak_report_free(r);
    return 0;
}
