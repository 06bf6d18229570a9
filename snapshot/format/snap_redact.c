/*
 * snap_redact.c - the redaction policy shared by the collector and `bbx
 * scrub` (snap_redact.h): part names, the list parser, the secret filter for
 * command lines, and the path rules.  Pure functions, async-signal-safe.
 */
#include "snap_redact.h"

#include <string.h>

#include "snap_format.h"

static const char *const part_names[] = {
    "secrets", "cmdline", "registers", "paths", "peers", "host", "breadcrumbs", "annotations",
    "env",
};

#define N_PARTS (sizeof(part_names) / sizeof(part_names[0]))
_Static_assert((1u << N_PARTS) - 1 == SNAP_REDACT_ALL, "a name for every part");

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* s[n] equals the lower-case word w, ignoring case. */
static int word_is(const char *s, size_t n, const char *w)
{
    size_t i = 0;
    for (; i < n && w[i]; i++)
        if (lower(s[i]) != w[i])
            return 0;
    return i == n && !w[i];
}

const char *snap_redact_part_name(unsigned part)
{
    for (unsigned i = 0; i < N_PARTS; i++)
        if (part == 1u << i)
            return part_names[i];
    return NULL;
}

/* One item of a list: a mask change, or -1. */
static int apply_item(const char *s, size_t n, unsigned *parts)
{
    int minus = n > 0 && s[0] == '-';
    if (minus) {
        s++;
        n--;
    }
    if (!minus && word_is(s, n, "all")) {
        *parts = SNAP_REDACT_ALL;
        return 0;
    }
    if (!minus && word_is(s, n, "none")) {
        *parts = 0;
        return 0;
    }
    for (unsigned i = 0; i < N_PARTS; i++) {
        if (word_is(s, n, part_names[i])) {
            *parts = minus ? *parts & ~(1u << i) : *parts | 1u << i;
            return 0;
        }
    }
    return -1;
}

int snap_redact_parse(const char *list, unsigned *parts)
{
    unsigned p = SNAP_REDACT_SECRETS;
    const char *s = list ? list : "";
    while (*s) {
        size_t n = 0;
        while (s[n] && s[n] != ',')
            n++;
        if (n && apply_item(s, n, &p) != 0)
            return -1;
        s += n;
        if (*s == ',')
            s++;
    }
    *parts = p;
    return 0;
}

/* ---- the secret filter ---- */

/* Words that make a name secret wherever they appear in it ("db-password",
 * "AWS_SECRET_ACCESS_KEY"), and words that do only as its last word
 * ("--auth", "basic-auth", but not "--auth-method"). */
static const char *const secret_words[] = {
    "password", "passwd", "passphrase", "secret", "token", "apikey", "authorization",
    "credential", "credentials", "bearer",
};
static const char *const secret_last_words[] = { "pass", "auth", "cookie" };
/* Pairs of adjacent words: "api-key", "x_api_key", "access.key". */
static const char *const secret_pairs[][2] = {
    { "api", "key" }, { "access", "key" }, { "private", "key" },
};
/* Endings of the whole name without separators, for run-together and
 * camelCase names: "PGPASSWORD", "accessToken", "apiKey", "clientSecret". */
static const char *const secret_endings[] = {
    "password", "passwd", "passphrase", "secret", "token", "apikey", "accesskey",
    "privatekey",
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static int is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '-' || c == '.';
}

static int is_word_sep(char c)
{
    return c == '-' || c == '_' || c == '.';
}

static int in_list(const char *s, size_t n, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (word_is(s, n, list[i]))
            return 1;
    return 0;
}

/* The name ends with `end` (lower case), separators skipped. */
static int ends_with(const char *s, size_t n, const char *end)
{
    size_t k = strlen(end);
    while (k > 0) {
        while (n > 0 && is_word_sep(s[n - 1]))
            n--;
        if (n == 0 || lower(s[n - 1]) != end[k - 1])
            return 0;
        n--;
        k--;
    }
    return 1;
}

/* Does the option or key name s[n] (leading dashes allowed) name a secret? */
static int secret_name(const char *s, size_t n)
{
    const char *prev = NULL;
    size_t prev_n = 0;
    while (n > 0 && *s == '-') {
        s++;
        n--;
    }
    if (n == 0)
        return 0;
    for (size_t i = 0; i < ARRAY_LEN(secret_endings); i++)
        if (ends_with(s, n, secret_endings[i]))
            return 1;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && !is_word_sep(s[j]))
            j++;
        const char *w = s + i;
        size_t wn = j - i;
        if (in_list(w, wn, secret_words, ARRAY_LEN(secret_words)) ||
            (j == n && in_list(w, wn, secret_last_words, ARRAY_LEN(secret_last_words))))
            return 1;
        for (size_t p = 0; prev && p < ARRAY_LEN(secret_pairs); p++)
            if (word_is(prev, prev_n, secret_pairs[p][0]) && word_is(w, wn, secret_pairs[p][1]))
                return 1;
        prev = w;
        prev_n = wn;
        i = j < n ? j + 1 : j;
    }
    return 0;
}

/* Words that make an environment variable's name secret wherever they
 * stand in it, beyond those of secret_name(): "GPG_KEY", "SSH_PASS",
 * "GH_AUTH_X", "SESSION_COOKIE_VALUE". */
static const char *const env_secret_words[] = {
    "key", "pass", "pw", "auth", "cookie", "private", "signature", "sig", "cred", "creds",
};

int snap_redact_env_secret(const char *name, size_t n)
{
    if (secret_name(name, n))
        return 1;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && !is_word_sep(name[j]))
            j++;
        if (in_list(name + i, j - i, env_secret_words, ARRAY_LEN(env_secret_words)))
            return 1;
        i = j < n ? j + 1 : j;
    }
    return 0;
}

/* Output with a hard end: a put that does not fit marks it full. */
typedef struct out_buf {
    char *p;
    size_t cap, len;
    int full;
} out_buf;

static void put(out_buf *o, const char *s, size_t n)
{
    if (o->full || n > o->cap - o->len) {
        o->full = 1;
        return;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

static void put_redacted(out_buf *o, int *changed)
{
    put(o, SNAP_REDACTED_TEXT, sizeof(SNAP_REDACTED_TEXT) - 1);
    *changed = 1;
}

static int is_value_sep(char c)
{
    return c == '&' || c == ',' || c == ';' || c == ' ';
}

/* "NAME: VALUE" / "NAME:VALUE" with a secret NAME (an HTTP header given to
 * curl -H, "password:x"): the length of "NAME:" plus spaces, or 0. */
static size_t header_prefix(const char *a, size_t n)
{
    size_t i = 0;
    while (i < n && is_name_char(a[i]))
        i++;
    if (i == 0 || i >= n || a[i] != ':' || !secret_name(a, i))
        return 0;
    i++;
    while (i < n && a[i] == ' ')
        i++;
    return i;
}

/* At a[i] == '=': the value to replace is a[i+1, *end), or 0 when the name
 * before '=' is not secret or the value is empty.  A name at the start of
 * the argument ("--password=", "PGPASSWORD=") owns the rest of it; one inside
 * ("a=1&token=x", "user=u,password=p") ends at & , ; or a space. */
static int secret_value_at(const char *a, size_t n, size_t i, size_t *end)
{
    size_t k = i;
    while (k > 0 && is_name_char(a[k - 1]))
        k--;
    if (!secret_name(a + k, i - k) || i + 1 >= n)
        return 0;
    size_t e = i + 1;
    if (k == 0)
        e = n;
    else
        while (e < n && !is_value_sep(a[e]))
            e++;
    *end = e;
    return e > i + 1;
}

/* At a[i] == ':' followed by "//": the password of "scheme://user:pw@host"
 * is a[*pw, *at) (the last '@' before the path), or 0. */
static int url_password_at(const char *a, size_t n, size_t i, size_t *pw, size_t *at)
{
    size_t j = i + 3, last_at = 0;
    const char *colon;
    if (i + 2 >= n || a[i + 1] != '/' || a[i + 2] != '/')
        return 0;
    for (; j < n && a[j] != '/' && a[j] != '?' && a[j] != '#' && a[j] != ' '; j++)
        if (a[j] == '@')
            last_at = j;
    if (!last_at || !(colon = memchr(a + i + 3, ':', last_at - (i + 3))))
        return 0;
    *pw = (size_t)(colon - a) + 1;
    *at = last_at;
    return *at > *pw;
}

/* Filter one argument a[n] into o; *next_secret is set when it is a bare
 * option naming a secret, whose value is the next argument. */
static void filter_arg(out_buf *o, const char *a, size_t n, int *next_secret, int *changed)
{
    size_t h = header_prefix(a, n);
    if (h && h < n) {
        put(o, a, h);
        put_redacted(o, changed);
        return;
    }
    if (n > 1 && a[0] == '-' && !memchr(a, '=', n) && secret_name(a, n))
        *next_secret = 1;
    for (size_t i = 0; i < n;) {
        size_t end, pw;
        if (a[i] == '=' && secret_value_at(a, n, i, &end)) {
            put(o, "=", 1);
            put_redacted(o, changed);
            i = end;
        } else if (a[i] == ':' && url_password_at(a, n, i, &pw, &end)) {
            put(o, a + i, pw - i);
            put_redacted(o, changed);
            i = end;
        } else {
            put(o, a + i, 1);
            i++;
        }
    }
}

size_t snap_redact_args(const char *in, size_t n, char *out, size_t cap, int *changed)
{
    out_buf o = { out, cap, 0, 0 };
    int next_secret = 0, dummy = 0;
    if (!changed)
        changed = &dummy;
    *changed = 0;
    for (size_t pos = 0; pos < n;) {
        const char *a = in + pos;
        const char *nul = memchr(a, '\0', n - pos);
        size_t len = nul ? (size_t)(nul - a) : n - pos;
        size_t mark = o.len;
        if (next_secret && len > 0) {
            next_secret = 0;
            put_redacted(&o, changed);
        } else {
            next_secret = 0;
            filter_arg(&o, a, len, &next_secret, changed);
        }
        if (nul)
            put(&o, "", 1);
        if (o.full) {
            o.len = mark; /* this argument does not fit: left out whole */
            break;
        }
        pos += len + (nul ? 1 : 0);
    }
    return o.len;
}

const char *snap_redact_basename(const char *path, size_t n, size_t *len)
{
    size_t i = n;
    while (i > 0 && path[i - 1] != '/')
        i--;
    if (i == n) { /* ends in '/' (or is empty): nothing better to keep */
        *len = n;
        return path;
    }
    *len = n - i;
    return path + i;
}

int snap_redact_target_is_path(const char *s, size_t n)
{
    return n > 0 && s[0] == '/';
}

int snap_redact_sockaddr_is_name(const char *s, size_t n)
{
    return n > 0 && (s[0] == '/' || s[0] == '@');
}
