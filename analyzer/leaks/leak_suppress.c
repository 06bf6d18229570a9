/*
 * leak_suppress.c - parsing suppression files and matching their rules
 * against leak groups (syntax in leak_suppress.h and docs/FORMAT.md).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "err_text.h"
#include "input_file.h"
#include "leak_suppress.h"
#include "path_name.h"

static const struct {
    const char *name;
    leak_field field;
} field_names[] = {
    { "resource", LEAK_FIELD_RESOURCE }, { "kind", LEAK_FIELD_KIND },
    { "name", LEAK_FIELD_NAME },         { "function", LEAK_FIELD_FUNCTION },
    { "top", LEAK_FIELD_TOP },           { "file", LEAK_FIELD_FILE },
    { "module", LEAK_FIELD_MODULE },     { "leak", LEAK_FIELD_LEAK },
};

#define N_FIELDS (sizeof(field_names) / sizeof(field_names[0]))

/* Modules whose frames `top:` looks past: the C library, the dynamic
 * loader and the collector itself. */
static const char *const runtime_modules[] = {
    "libc.so*", "libpthread.so*", "libdl.so*", "ld-linux*", "ld-*.so*", "libbbx*",
};

int leak_glob_match(const char *pattern, const char *s, size_t n)
{
    const char *star = NULL; /* the last '*' seen, to retry from */
    size_t i = 0, star_i = 0;
    while (i < n || *pattern) {
        if (*pattern == '*') {
            star = pattern++;
            star_i = i;
        } else if (i < n && (*pattern == '?' || *pattern == s[i])) {
            pattern++;
            i++;
        } else if (star && star_i < n) {
            pattern = star + 1;
            i = ++star_i;
        } else {
            return 0;
        }
    }
    return 1;
}

static int match_str(const char *pattern, const char *value)
{
    return leak_glob_match(pattern, value ? value : "", value ? strlen(value) : 0);
}

static int match_function(const char *pattern, const char *fn)
{
    return fn && leak_glob_match(pattern, fn, leak_function_key_len(fn));
}

/* file and module: a pattern without '/' is for the base name. */
static int match_path(const char *pattern, const char *path)
{
    if (!path)
        return 0;
    return match_str(pattern, strchr(pattern, '/') ? path : path_base_name(path));
}

static int in_runtime(const leak_frame *f)
{
    if (!f->module)
        return 0;
    for (size_t i = 0; i < sizeof(runtime_modules) / sizeof(*runtime_modules); i++)
        if (match_str(runtime_modules[i], path_base_name(f->module)))
            return 1;
    return 0;
}

static const leak_frame *top_frame(const leak_group *g)
{
    for (size_t i = 0; i < g->n_origin; i++)
        if (!in_runtime(&g->origin[i]))
            return &g->origin[i];
    return g->n_origin ? &g->origin[0] : NULL;
}

static int term_matches(const leak_term *t, const leak_group *g)
{
    const char *p = t->pattern;
    switch (t->field) {
    case LEAK_FIELD_RESOURCE: return match_str(p, g->resource);
    case LEAK_FIELD_KIND: return match_str(p, g->kind);
    case LEAK_FIELD_NAME: return g->name && match_str(p, g->name);
    case LEAK_FIELD_TOP: {
        const leak_frame *f = top_frame(g);
        return f && match_function(p, f->function);
    }
    case LEAK_FIELD_FUNCTION:
    case LEAK_FIELD_FILE:
    case LEAK_FIELD_MODULE:
    case LEAK_FIELD_LEAK:
        break;
    }
    for (size_t i = 0; i < g->n_origin; i++) {
        const leak_frame *f = &g->origin[i];
        switch (t->field) {
        case LEAK_FIELD_FUNCTION:
            if (match_function(p, f->function))
                return 1;
            break;
        case LEAK_FIELD_FILE:
            if (match_path(p, f->file))
                return 1;
            break;
        case LEAK_FIELD_MODULE:
            if (match_path(p, f->module))
                return 1;
            break;
        default:
            /* the pattern was stored as "*PATTERN*" */
            if (match_str(p, f->function) || match_str(p, f->file) || match_str(p, f->module))
                return 1;
            break;
        }
    }
    return 0;
}

leak_rule *leak_suppress_match(leak_suppressions *s, const leak_group *g)
{
    for (size_t i = 0; s && i < s->n_rules; i++) {
        leak_rule *r = &s->rules[i];
        size_t t = 0;
        while (t < r->n_terms && term_matches(&r->terms[t], g))
            t++;
        if (t == r->n_terms) {
            r->hits++;
            return r;
        }
    }
    return NULL;
}

leak_suppressions *leak_suppress_new(void)
{
    return calloc(1, sizeof(leak_suppressions));
}

static void rule_release(leak_rule *r)
{
    for (size_t t = 0; t < r->n_terms; t++)
        free(r->terms[t].pattern);
    free(r->terms);
    free(r->where);
}

void leak_suppress_free(leak_suppressions *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n_rules; i++)
        rule_release(&s->rules[i]);
    free(s->rules);
    free(s);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* One line (no newline, comment already cut) into rule r.  0 for a rule,
 * 1 for a blank line, -1 with err set. */
static int parse_line(char *line, leak_rule *r, char *err, size_t errlen)
{
    char *p = line;
    while (*p) {
        while (is_space(*p))
            p++;
        if (!*p)
            break;
        char *term = p;
        while (*p && !is_space(*p))
            p++;
        if (*p)
            *p++ = '\0';
        char *colon = strchr(term, ':');
        if (!colon) {
            err_text_set(err, errlen, "'%.64s' is not FIELD:PATTERN (e.g. function:open_*)", term);
            return -1;
        }
        *colon = '\0';
        size_t f = 0;
        while (f < N_FIELDS && strcmp(field_names[f].name, term) != 0)
            f++;
        if (f == N_FIELDS) {
            err_text_set(err, errlen,
                         "unknown field '%.32s' (expected resource, kind, name, function, top, "
                         "file, module or leak)", term);
            return -1;
        }
        if (!colon[1]) {
            err_text_set(err, errlen, "empty pattern after '%s:'", term);
            return -1;
        }
        leak_term *terms = realloc(r->terms, (r->n_terms + 1) * sizeof(*terms));
        if (!terms) {
            err_text_set(err, errlen, "out of memory");
            return -1;
        }
        r->terms = terms;
        terms[r->n_terms].field = field_names[f].field;
        /* leak: is LeakSanitizer's "contains": store it as *PATTERN* */
        int contains = field_names[f].field == LEAK_FIELD_LEAK;
        size_t plen = strlen(colon + 1);
        char *pattern = malloc(plen + 3);
        if (pattern) {
            memcpy(pattern + contains, colon + 1, plen);
            if (contains)
                pattern[0] = pattern[plen + 1] = '*';
            pattern[plen + 2 * (size_t)contains] = '\0';
        }
        if (!(terms[r->n_terms].pattern = pattern)) {
            err_text_set(err, errlen, "out of memory");
            return -1;
        }
        r->n_terms++;
    }
    return r->n_terms ? 0 : 1;
}

int leak_suppress_parse(leak_suppressions *s, const char *text, size_t len,
                        const char *name, char *err, size_t errlen)
{
    size_t first_new = s->n_rules, line_no = 0, pos = 0;
    char line[LEAK_SUPPRESS_MAX_LINE + 1], why[200];
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        size_t n = (nl ? (size_t)(nl - text) : len) - pos;
        leak_rule r = { 0 };
        int rc;
        line_no++;
        if (n > LEAK_SUPPRESS_MAX_LINE) {
            snprintf(why, sizeof(why), "line longer than %d bytes", LEAK_SUPPRESS_MAX_LINE);
            goto bad;
        }
        memcpy(line, text + pos, n);
        line[n] = '\0';
        pos += n + 1;
        if (strlen(line) != n) {
            snprintf(why, sizeof(why), "NUL byte in the line");
            goto bad;
        }
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        rc = parse_line(line, &r, why, sizeof(why));
        if (rc < 0) {
            rule_release(&r);
            goto bad;
        }
        if (rc > 0)
            continue;
        char where[64];
        snprintf(where, sizeof(where), ":%zu", line_no);
        leak_rule *rules = realloc(s->rules, (s->n_rules + 1) * sizeof(*rules));
        size_t name_len = strlen(name);
        if (!rules || !(r.where = malloc(name_len + strlen(where) + 1))) {
            if (rules)
                s->rules = rules;
            rule_release(&r);
            snprintf(why, sizeof(why), "out of memory");
            goto bad;
        }
        memcpy(r.where, name, name_len);
        strcpy(r.where + name_len, where);
        s->rules = rules;
        s->rules[s->n_rules++] = r;
    }
    return 0;
bad:
    /* why may quote the line: its control characters as '?', one line */
    for (char *p = why; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    err_text_set(err, errlen, "%s:%zu: %s", name, line_no, why);
    while (s->n_rules > first_new)
        rule_release(&s->rules[--s->n_rules]);
    return -1;
}

int leak_suppress_load(leak_suppressions *s, const char *path, char *err, size_t errlen)
{
    struct stat st;
    char why[128];
    FILE *f = input_fopen(path, why, sizeof(why)); /* regular files only, never blocks */
    if (!f) {
        err_text_set(err, errlen, "%s: %s", path, why);
        return -1;
    }
    if (fstat(fileno(f), &st) != 0) {
        err_text_set(err, errlen, "%s: cannot stat: %s", path, strerror(errno));
        fclose(f);
        return -1;
    }
    char *buf = malloc(LEAK_SUPPRESS_MAX_BYTES + 1);
    if (!buf) {
        err_text_set(err, errlen, "%s: out of memory", path);
        fclose(f);
        return -1;
    }
    size_t len = fread(buf, 1, LEAK_SUPPRESS_MAX_BYTES + 1, f);
    int read_error = ferror(f);
    fclose(f);
    int rc = -1;
    if (read_error)
        err_text_set(err, errlen, "%s: cannot read: %s", path, strerror(errno));
    else if (len > LEAK_SUPPRESS_MAX_BYTES)
        err_text_set(err, errlen, "%s: too large for a suppression file (limit 1 MiB)", path);
    else
        rc = leak_suppress_parse(s, buf, len, path, err, errlen);
    free(buf);
    return rc;
}
