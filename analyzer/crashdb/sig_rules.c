/*
 * sig_rules.c - the crash signature rules: parsing, the shipped file,
 * matching (sig_rules.h).
 */
#include "sig_rules.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "err_text.h"
#include "grow_array.h"
#include "input_file.h"

sig_rules *sig_rules_new(void)
{
    sig_rules *r = calloc(1, sizeof(*r));
    if (r)
        r->frames = SIG_RULES_DEFAULT_FRAMES;
    return r;
}

static void drop_from(sig_rules *r, size_t from)
{
    while (r->n > from)
        free(r->v[--r->n].pattern);
}

void sig_rules_free(sig_rules *r)
{
    if (!r)
        return;
    drop_from(r, 0);
    free(r->v);
    free(r);
}

static const struct {
    const char *word;
    int kind; /* a sig_rule_kind, or -1: frames */
} keywords[] = {
    { "skip", SIG_RULE_SKIP },
    { "skip-module", SIG_RULE_SKIP_MODULE },
    { "prefix", SIG_RULE_PREFIX },
    { "root", SIG_RULE_ROOT },
    { "frames", -1 },
};

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* The next white-space separated word of line[*i..n), into *w, *wl. */
static int next_word(const char *line, size_t n, size_t *i, const char **w, size_t *wl)
{
    while (*i < n && is_space(line[*i]))
        (*i)++;
    if (*i >= n || line[*i] == '#')
        return 0;
    *w = line + *i;
    while (*i < n && !is_space(line[*i]))
        (*i)++;
    *wl = (size_t)(line + *i - *w);
    return 1;
}

/* One line; 0, 1 when blank, or -1 with what is wrong in why[]. */
static int parse_line(sig_rules *r, const char *line, size_t n, unsigned *frames,
                      char *why, size_t whylen)
{
    size_t i = 0, kl, al, xl;
    const char *kw, *arg, *extra;
    if (!next_word(line, n, &i, &kw, &kl))
        return 1;
    int kind = -2;
    for (size_t k = 0; k < sizeof(keywords) / sizeof(*keywords); k++)
        if (strlen(keywords[k].word) == kl && memcmp(kw, keywords[k].word, kl) == 0)
            kind = keywords[k].kind;
    if (kind == -2) {
        err_text_set(why, whylen, "unknown rule '%.*s' (skip, skip-module, prefix, root, frames)",
                     (int)(kl > 40 ? 40 : kl), kw);
        return -1;
    }
    if (!next_word(line, n, &i, &arg, &al)) {
        err_text_set(why, whylen, "'%.*s' needs %s", (int)kl, kw,
                     kind == -1 ? "a number" : "a pattern");
        return -1;
    }
    if (next_word(line, n, &i, &extra, &xl)) {
        err_text_set(why, whylen, "'%.*s' takes one argument", (int)kl, kw);
        return -1;
    }
    if (kind == -1) {
        unsigned v = 0;
        for (size_t k = 0; k < al; k++) {
            if (arg[k] < '0' || arg[k] > '9' || v > SIG_RULES_MAX_FRAMES) {
                v = 0;
                break;
            }
            v = v * 10 + (unsigned)(arg[k] - '0');
        }
        if (v < 1 || v > SIG_RULES_MAX_FRAMES) {
            err_text_set(why, whylen, "frames wants a number from 1 to %d",
                         SIG_RULES_MAX_FRAMES);
            return -1;
        }
        *frames = v;
        return 0;
    }
    char *pat = strndup(arg, al);
    if (!pat || GROW_ARRAY(r->v, r->cap, r->n + 1, 32) < 0) {
        free(pat);
        err_text_set(why, whylen, "out of memory");
        return -1;
    }
    r->v[r->n].kind = (sig_rule_kind)kind;
    r->v[r->n++].pattern = pat;
    return 0;
}

int sig_rules_parse(sig_rules *r, const char *text, size_t len, const char *where,
                    char *err, size_t errlen)
{
    size_t before = r->n, lineno = 0;
    unsigned frames = r->frames;
    char why[160];
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - text - pos) : len - pos;
        lineno++;
        int rc = 0;
        if (n > SIG_RULES_MAX_LINE) {
            err_text_set(why, sizeof(why), "line longer than %d bytes", SIG_RULES_MAX_LINE);
            rc = -1;
        } else if (memchr(text + pos, 0, n)) {
            err_text_set(why, sizeof(why), "a NUL byte");
            rc = -1;
        } else {
            rc = parse_line(r, text + pos, n, &frames, why, sizeof(why));
        }
        if (rc < 0) {
            err_text_set(err, errlen, "%s:%zu: %s", where, lineno, why);
            drop_from(r, before);
            return -1;
        }
        pos += n + (nl != NULL);
    }
    r->frames = frames;
    return 0;
}

int sig_rules_load(sig_rules *r, const char *path, char *err, size_t errlen)
{
    char why[128];
    FILE *f = input_fopen(path, why, sizeof(why)); /* regular files only */
    if (!f) {
        err_text_set(err, errlen, "%s: %s", path, why);
        return -1;
    }
    char *buf = malloc(SIG_RULES_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        err_text_set(err, errlen, "%s: out of memory", path);
        return -1;
    }
    size_t len = fread(buf, 1, SIG_RULES_MAX_BYTES + 1, f);
    int read_error = ferror(f);
    int saved = errno;
    fclose(f);
    int rc = -1;
    if (read_error)
        err_text_set(err, errlen, "%s: cannot read: %s", path, strerror(saved));
    else if (len > SIG_RULES_MAX_BYTES)
        err_text_set(err, errlen, "%s: too large for a rules file (limit 1 MiB)", path);
    else
        rc = sig_rules_parse(r, buf, len, path, err, errlen);
    free(buf);
    return rc;
}

/* dir + "/" + rel into buf when that file is readable. */
static const char *try_path(char *buf, size_t len, const char *dir, const char *rel)
{
    int n = snprintf(buf, len, "%s/%s", dir, rel);
    if (n < 0 || (size_t)n >= len || access(buf, R_OK) != 0)
        return NULL;
    return buf;
}

const char *sig_rules_shipped_path(char *buf, size_t len)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        exe[n] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            if (try_path(buf, len, exe, SIG_RULES_FILE_NAME) ||
                try_path(buf, len, exe, "../share/bbx/" SIG_RULES_FILE_NAME))
                return buf;
        }
    }
#ifdef BBX_DATADIR
    if (try_path(buf, len, BBX_DATADIR, SIG_RULES_FILE_NAME))
        return buf;
#endif
    return NULL;
}

int sig_rules_match(const sig_rules *r, sig_rule_kind kind, const char *name)
{
    if (!r || !name)
        return 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->v[i].kind == kind && fnmatch(r->v[i].pattern, name, 0) == 0)
            return 1;
    return 0;
}
