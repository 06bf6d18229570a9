/*
 * fuzz_suppress.c - libFuzzer target: the input is a suppression file
 * (leak_suppress.h), parsed after one known-good file, then matched against
 * a few leak groups, one of them named from the input itself.
 * Promises checked:
 *   - a bad file leaves the rules as they were (all or nothing) and says
 *     one line "NAME:LINE: why", without control characters;
 *   - a good one adds rules that each have terms with non-empty patterns
 *     and a "NAME:LINE" of their own;
 *   - matching never reads out of bounds, and a match raises its rule's
 *     hit count by one.
 * Built with fuzz_replay.c instead of libFuzzer it replays a corpus.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_promise.h"
#include "leak_suppress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char good[] = "# known rules\nresource:fd kind:socket\ntop:open_*\n";

/* A group with two frames; the innermost in libc, so `top:` looks past it. */
static void make_group(leak_group *g, leak_frame *f, char *text)
{
    memset(g, 0, sizeof(*g));
    memset(f, 0, 2 * sizeof(*f));
    f[0].function = "open";
    f[0].module = "/lib/x86_64-linux-gnu/libc.so.6";
    f[1].function = text;
    f[1].file = text;
    f[1].line = 7;
    f[1].module = text;
    g->resource = "fd";
    g->kind = "socket";
    g->name = text;
    g->origin = f;
    g->n_origin = 2;
}

static void check_rules(const leak_suppressions *s, size_t from)
{
    for (size_t i = from; i < s->n_rules; i++) {
        const leak_rule *r = &s->rules[i];
        FUZZ_PROMISE(r->n_terms > 0 && r->where && strncmp(r->where, "supp:", 5) == 0);
        for (size_t t = 0; t < r->n_terms; t++)
            FUZZ_PROMISE(r->terms[t].pattern && r->terms[t].pattern[0]);
    }
}

static void match_all(leak_suppressions *s, const leak_group *g)
{
    uint64_t before = 0, after = 0;
    for (size_t i = 0; i < s->n_rules; i++)
        before += s->rules[i].hits;
    leak_rule *hit = leak_suppress_match(s, g);
    for (size_t i = 0; i < s->n_rules; i++)
        after += s->rules[i].hits;
    FUZZ_PROMISE(after == before + (hit != NULL));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    leak_suppressions *s = leak_suppress_new();
    char err[512];
    if (!s)
        return 0;
    FUZZ_PROMISE(leak_suppress_parse(s, good, sizeof(good) - 1, "good", err, sizeof(err)) == 0);
    FUZZ_PROMISE(s->n_rules == 2);
    size_t known = s->n_rules;
    err[0] = '\0';
    int rc = leak_suppress_parse(s, (const char *)data, size, "supp", err, sizeof(err));
    if (rc != 0) {
        FUZZ_PROMISE(rc == -1 && s->n_rules == known);
        FUZZ_PROMISE(strncmp(err, "supp:", 5) == 0);
        for (const char *p = err; *p; p++)
            FUZZ_PROMISE((unsigned char)*p >= 0x20 && *p != 0x7f); /* one line */
    } else {
        check_rules(s, known);
    }

    /* The input's first line (at most 255 bytes, NUL-free) as the names. */
    char text[256];
    size_t n = 0;
    while (n < size && n < sizeof(text) - 1 && data[n] != '\n' && data[n] != '\0') {
        text[n] = (char)data[n];
        n++;
    }
    text[n] = '\0';
    leak_group g;
    leak_frame f[2];
    make_group(&g, f, text);
    match_all(s, &g);
    g.name = NULL;
    g.n_origin = 1;
    match_all(s, &g);
    g.n_origin = 0;
    match_all(s, &g);
    /* A literal pattern matches itself; '*' matches anything. */
    if (!strpbrk(text, "*?"))
        FUZZ_PROMISE(leak_glob_match(text, text, n));
    FUZZ_PROMISE(leak_glob_match("*", text, n));
    leak_suppress_free(s);
    return 0;
}
