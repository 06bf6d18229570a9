/*
 * sig_normalize.c - function names in the form crash signatures compare
 * (sig_normalize.h): one pass over the name that copies identifiers and
 * collapses or drops bracketed parts.
 */
#include "sig_normalize.h"

#include <stdlib.h>
#include <string.h>

#include "symbolizer.h"

typedef struct name_out {
    char *p;
    size_t len, cap; /* cap: room for characters, the terminator excluded */
} name_out;

static void put(name_out *o, const char *s, size_t n)
{
    for (size_t i = 0; i < n && o->len < o->cap; i++)
        o->p[o->len++] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
}

static void put_c(name_out *o, char c)
{
    put(o, &c, 1);
}

static int starts(const char *s, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n >= l && memcmp(s, lit, l) == 0;
}

static int is_ident(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '$';
}

static int is_open(char c)
{
    return c == '<' || c == '(' || c == '[' || c == '{';
}

static int is_close(char c)
{
    return c == '>' || c == ')' || c == ']' || c == '}';
}

/* The index just past the bracket closing the one at s[i], or n. */
static size_t skip_balanced(const char *s, size_t i, size_t n)
{
    size_t depth = 0;
    for (; i < n; i++) {
        if (is_open(s[i]))
            depth++;
        else if (is_close(s[i]) && depth && --depth == 0)
            return i + 1;
    }
    return n;
}

/* The index of the next "::" outside brackets at or after i, or n. */
static size_t next_scope(const char *s, size_t i, size_t n)
{
    while (i < n) {
        if (is_open(s[i]))
            i = skip_balanced(s, i, n);
        else if (starts(s + i, n - i, "::"))
            return i;
        else
            i++;
    }
    return n;
}

/* Suffixes GCC and Clang give clones and split parts of a function. */
static const char *const clone_suffixes[] = {
    ".constprop", ".isra", ".part", ".cold", ".hot", ".lto_priv", ".llvm",
    ".localalias", ".clone", ".specialized", ".__uniq",
};

static int is_clone_suffix(const char *s, size_t n)
{
    if (n >= 2 && s[1] >= '0' && s[1] <= '9')
        return 1;
    for (size_t k = 0; k < sizeof(clone_suffixes) / sizeof(*clone_suffixes); k++) {
        size_t l = strlen(clone_suffixes[k]);
        if (n >= l && memcmp(s, clone_suffixes[k], l) == 0 &&
            (n == l || s[l] == '.' || s[l] == ':' || s[l] == ' '))
            return 1;
    }
    return 0;
}

/* "operator" at s[i] (already known to be the word): its symbol copied;
 * returns the index after it.  *conversion is set for "operator TYPE". */
static size_t put_operator(const char *s, size_t i, size_t n, name_out *o, int *conversion)
{
    static const char op_chars[] = "<>=!+-*/%^&|~,";
    put(o, "operator", 8);
    i += 8;
    if (starts(s + i, n - i, "()") || starts(s + i, n - i, "[]")) {
        put(o, s + i, 2);
        return i + 2;
    }
    if (i < n && s[i] == ' ' && i + 1 < n && is_ident(s[i + 1])) {
        size_t j = i + 1;
        while (j < n && is_ident(s[j]))
            j++;
        put(o, s + i, j - i);
        if (starts(s + j, n - j, "[]")) {
            put(o, "[]", 2);
            j += 2;
        }
        *conversion = !starts(s + i + 1, n - i - 1, "new") &&
                      !starts(s + i + 1, n - i - 1, "delete");
        return j;
    }
    if (starts(s + i, n - i, "\"\"")) { /* a literal operator: operator"" _km */
        put(o, "\"\"", 2);
        return i + 2;
    }
    size_t j = i;
    while (j < n && j - i < 3 && s[j] && strchr(op_chars, s[j]))
        j++;
    put(o, s + i, j - i);
    return j;
}

/* "{lambda(ARGS)#N}" at s[i]: "{lambda#N}"; returns the index after it. */
static size_t put_lambda(const char *s, size_t i, size_t n, name_out *o)
{
    size_t end = skip_balanced(s, i, n);
    put(o, "{lambda", 7);
    size_t j = skip_balanced(s, i + 7, end);
    for (; j < end; j++)
        if (s[j] == '#' || (s[j] >= '0' && s[j] <= '9') || s[j] == '}')
            put_c(o, s[j]);
    if (end == n && (o->len == 0 || o->p[o->len - 1] != '}'))
        put_c(o, '}');
    return end;
}

static void norm_seg(const char *s, size_t n, name_out *o, int level);

/* One character (or bracketed part) of a name at s[i]; returns the next
 * index, n to stop.  `start` is where this name's output began. */
static size_t norm_step(const char *s, size_t i, size_t n, name_out *o, size_t start,
                        int level, int *conversion)
{
    char c = s[i];
    int word_start = i == 0 || !is_ident(s[i - 1]);
    int scope_start = i == 0 || s[i - 1] == ':' || s[i - 1] == '<';
    if (c == 'o' && word_start && starts(s + i, n - i, "operator") &&
        (i + 8 == n || !is_ident(s[i + 8])))
        return put_operator(s, i, n, o, conversion);
    if (c == '_' && scope_start &&
        (starts(s + i, n - i, "__cxx11::") || starts(s + i, n - i, "__1::")))
        return i + (s[i + 2] == 'c' ? 9 : 5);
    switch (c) {
    case '(':
        if (starts(s + i, n - i, "(anonymous namespace)")) {
            put(o, s + i, 21);
            return i + 21;
        }
        return next_scope(s, skip_balanced(s, i, n), n); /* arguments and qualifiers */
    case '<':
        if (o->len == start && level < 4) { /* Rust's <Type as Trait>::f */
            size_t end = skip_balanced(s, i, n);
            put_c(o, '<');
            norm_seg(s + i + 1, end - i - 1 - (end > i + 1 && s[end - 1] == '>'), o, level + 1);
            put_c(o, '>');
            return end;
        }
        put(o, "<T>", 3);
        return skip_balanced(s, i, n);
    case '[':
        return skip_balanced(s, i, n); /* [abi:cxx11], [clone .cold] */
    case '{':
        if (starts(s + i, n - i, "{lambda("))
            return put_lambda(s, i, n, o);
        {
            size_t end = skip_balanced(s, i, n);
            put(o, s + i, end - i);
            return end;
        }
    case ' ':
        if (i + 1 == n || s[i + 1] == '<' || s[i + 1] == '[' || s[i + 1] == ' ')
            return i + 1;
        if (level == 0 && !*conversion)
            o->len = start; /* what came before was a return type */
        else
            put_c(o, ' ');
        return i + 1;
    case '+':
        return starts(s + i, n - i, "+0x") ? n : (put_c(o, c), i + 1);
    case '@':
        return n;
    case '.':
        if (is_clone_suffix(s + i, n - i))
            return n;
        put_c(o, c);
        return i + 1;
    case ':':
        if (starts(s + i, n - i, "::"))
            *conversion = 0;
        put_c(o, c);
        return i + 1;
    default:
        if (is_close(c))
            return i + 1; /* unbalanced: dropped */
        put_c(o, c);
        return i + 1;
    }
}

static void norm_seg(const char *s, size_t n, name_out *o, int level)
{
    size_t start = o->len;
    int conversion = 0;
    for (size_t i = 0; i < n;)
        i = norm_step(s, i, n, o, start, level, &conversion);
}

static int is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Rust's legacy "::h" + 16 hex digits at the end, dropped. */
static void drop_rust_hash(name_out *o)
{
    if (o->len < 19 || memcmp(o->p + o->len - 19, "::h", 3) != 0)
        return;
    for (size_t k = o->len - 16; k < o->len; k++)
        if (!is_hex(o->p[k]))
            return;
    o->len -= 19;
}

size_t sig_normalize_name(const char *name, char *out, size_t outlen)
{
    if (!out || !outlen)
        return 0;
    name_out o = { out, 0, outlen - 1 };
    size_t n = name ? strnlen(name, SIG_NAME_INPUT_MAX) : 0;
    char *demangled = NULL;
    if (n >= 2 && n <= SIG_DEMANGLE_MAX && name[0] == '_' && name[1] == 'Z') {
        char copy[SIG_DEMANGLE_MAX + 1];
        memcpy(copy, name, n);
        copy[n] = 0;
        demangled = sym_demangle_alloc(copy);
    }
    const char *s = demangled ? demangled : name;
    if (s)
        norm_seg(s, demangled ? strnlen(s, SIG_NAME_INPUT_MAX) : n, &o, 0);
    free(demangled);
    drop_rust_hash(&o);
    while (o.len && o.p[o.len - 1] == ' ')
        o.len--;
    out[o.len] = 0;
    return o.len;
}
