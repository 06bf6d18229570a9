/*
 * inl_parse.c - an arithmetic expression evaluator: a scanner of inline
 * helpers under a recursive-descent parser whose lower levels are inlined
 * into the levels above them.
 */
#include "inl_common.h"

typedef struct parser {
    const char *s;
    int error;
    unsigned depth;
} parser;

static int64_t parse_expr(parser *p);

INL_ALWAYS void skip_space(parser *p)
{
    while (*p->s == ' ' || *p->s == '\t')
        p->s++;
}

static inline int accept(parser *p, char c)
{
    skip_space(p);
    if (*p->s != c)
        return 0;
    p->s++;
    return 1;
}

static inline int64_t parse_number(parser *p)
{
    int64_t v = 0;
    int any = 0, base = 10;
    skip_space(p);
    if (p->s[0] == '0' && (p->s[1] == 'x' || p->s[1] == 'X')) {
        base = 16;
        p->s += 2;
    }
    for (;; p->s++) {
        int d;
        char c = *p->s;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (base == 16 && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            break;
        v = (int64_t)((uint64_t)v * (uint64_t)base + (uint64_t)d);
        any = 1;
    }
    if (!any)
        p->error = 1;
    return v;
}

static inline int64_t parse_primary(parser *p)
{
    if (accept(p, '(')) {
        if (++p->depth > 64) {
            p->error = 2;
            return 0;
        }
        int64_t v = parse_expr(p);
        p->depth--;
        if (!accept(p, ')'))
            p->error = 3;
        return v;
    }
    if (accept(p, '-'))
        return (int64_t)(0 - (uint64_t)parse_primary(p));
    if (accept(p, '#'))
        return inl_hash_step(0, (uint32_t)parse_primary(p));
    return parse_number(p);
}

static inline int64_t apply_mul(parser *p, char op, int64_t a, int64_t b)
{
    switch (op) {
    case '*':
        return (int64_t)((uint64_t)a * (uint64_t)b);
    case '/':
        if (b == 0 || (a == INT64_MIN && b == -1)) {
            p->error = 4;
            return 0;
        }
        return a / b;
    default:
        if (b == 0 || (a == INT64_MIN && b == -1)) {
            p->error = 4;
            return 0;
        }
        return a % b;
    }
}

static inline int64_t parse_term(parser *p)
{
    int64_t v = parse_primary(p);
    for (;;) {
        skip_space(p);
        char op = *p->s;
        if (op != '*' && op != '/' && op != '%')
            return v;
        p->s++;
        v = apply_mul(p, op, v, parse_primary(p));
    }
}

static inline int64_t parse_sum(parser *p)
{
    int64_t v = parse_term(p);
    for (;;) {
        if (accept(p, '+'))
            v = (int64_t)((uint64_t)v + (uint64_t)parse_term(p));
        else if (accept(p, '-'))
            v = (int64_t)((uint64_t)v - (uint64_t)parse_term(p));
        else
            return v;
    }
}

static int64_t parse_expr(parser *p)
{
    int64_t v = parse_sum(p);
    while (!p->error) {
        if (accept(p, '&'))
            v &= parse_sum(p);
        else if (accept(p, '|'))
            v |= parse_sum(p);
        else if (accept(p, '^'))
            v ^= parse_sum(p);
        else
            break;
    }
    return v;
}

static inline int evaluate(const char *text, int64_t *out)
{
    parser p = { text, 0, 0 };
    *out = parse_expr(&p);
    skip_space(&p);
    if (!p.error && *p.s)
        p.error = 5;
    return p.error;
}


uint64_t INL_PUBLIC(inl_parse_run)(unsigned rounds)
{
    static const char *const exprs[] = {
        "1 + 2 * 3",
        "(7 - 10) * (2 + 0x1f) % 5",
        "#(12345) ^ 0xff & 0x0f0f | 3",
        "-(-(4)) * 1000 / 7",
        "((((1))))+((2))*(((3)))",
        "8 / 0",
        "2 * (3 + ",
    };
    uint64_t out = 0;
    for (unsigned r = 0; r < rounds; r++) {
        for (size_t i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
            int64_t v;
            int err = evaluate(exprs[i], &v);
            out = out * 13 + (uint64_t)(err ? 1000 + err : v);
        }
    }
    return out;
}
