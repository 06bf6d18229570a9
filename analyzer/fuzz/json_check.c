/*
 * json_check.c - recursive-descent JSON validation for tests and fuzzing.
 */
#include "json_check.h"

#include <stdint.h>
#include <string.h>

#include "utf8.h"

typedef struct cursor {
    const unsigned char *p, *start, *end;
} cursor;

static int value(cursor *c, int depth);

static void skip_ws(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int literal(cursor *c, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
        return 0;
    c->p += n;
    return 1;
}

static int is_digit(cursor *c)
{
    return c->p < c->end && *c->p >= '0' && *c->p <= '9';
}

static int number(cursor *c)
{
    if (c->p < c->end && *c->p == '-')
        c->p++;
    if (!is_digit(c))
        return 0;
    if (*c->p == '0')
        c->p++;
    else
        while (is_digit(c))
            c->p++;
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        if (!is_digit(c))
            return 0;
        while (is_digit(c))
            c->p++;
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
            c->p++;
        if (!is_digit(c))
            return 0;
        while (is_digit(c))
            c->p++;
    }
    return 1;
}

static int hex4(cursor *c)
{
    for (int i = 0; i < 4; i++, c->p++) {
        if (c->p == c->end)
            return 0;
        unsigned char h = *c->p;
        if (!((h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F')))
            return 0;
    }
    return 1;
}

static int string(cursor *c)
{
    if (c->p == c->end || *c->p != '"')
        return 0;
    c->p++;
    while (c->p < c->end) {
        uint32_t cp;
        unsigned char b = *c->p;
        if (b == '"') {
            c->p++;
            return 1;
        }
        if (b < 0x20)
            return 0;
        if (b == '\\') {
            c->p++;
            if (c->p == c->end)
                return 0;
            b = *c->p++;
            if (b == 'u') {
                if (!hex4(c))
                    return 0;
            } else if (!strchr("\"\\/bfnrt", b) || b == 0) {
                c->p--;
                return 0;
            }
            continue;
        }
        size_t len = utf8_decode(c->p, (size_t)(c->end - c->p), &cp);
        if (!len)
            return 0;
        c->p += len;
    }
    return 0;
}

static int members(cursor *c, int depth, char close, int keyed)
{
    c->p++; /* the opening bracket */
    skip_ws(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        return 1;
    }
    for (;;) {
        skip_ws(c);
        if (keyed) {
            if (!string(c))
                return 0;
            skip_ws(c);
            if (c->p == c->end || *c->p != ':')
                return 0;
            c->p++;
        }
        if (!value(c, depth + 1))
            return 0;
        skip_ws(c);
        if (c->p == c->end)
            return 0;
        if (*c->p == close) {
            c->p++;
            return 1;
        }
        if (*c->p != ',')
            return 0;
        c->p++;
    }
}

static int value(cursor *c, int depth)
{
    if (depth > JSON_CHECK_MAX_DEPTH)
        return 0;
    skip_ws(c);
    if (c->p == c->end)
        return 0;
    switch (*c->p) {
    case '{': return members(c, depth, '}', 1);
    case '[': return members(c, depth, ']', 0);
    case '"': return string(c);
    case 't': return literal(c, "true");
    case 'f': return literal(c, "false");
    case 'n': return literal(c, "null");
    default: return number(c);
    }
}

int json_check(const char *p, size_t n, size_t *where)
{
    cursor c = { (const unsigned char *)p, (const unsigned char *)p,
                 (const unsigned char *)p + n };
    int ok = value(&c, 0);
    if (ok) {
        skip_ws(&c);
        ok = c.p == c.end;
    }
    if (where)
        *where = (size_t)(c.p - c.start);
    return ok;
}
