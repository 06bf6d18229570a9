/*
 * inl_text.c - a tokenizer over UTF-8 text: a decoder, character classes,
 * case folding and a state machine, each step an inline helper.
 */
#include "inl_common.h"

enum tok_kind { TOK_WORD, TOK_NUMBER, TOK_PUNCT, TOK_SPACE, TOK_OTHER };

typedef struct tok_counts {
    unsigned n[5];
    uint32_t word_hash;
    uint64_t number_sum;
    unsigned longest;
} tok_counts;

/* Decode one UTF-8 sequence at s; *len receives its length (1 on error). */
static inline uint32_t utf8_next(const unsigned char *s, unsigned *len)
{
    unsigned char c = s[0];
    if (c < 0x80) {
        *len = 1;
        return c;
    }
    if ((c & 0xe0) == 0xc0 && (s[1] & 0xc0) == 0x80) {
        *len = 2;
        return (uint32_t)(c & 0x1f) << 6 | (s[1] & 0x3f);
    }
    if ((c & 0xf0) == 0xe0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80) {
        *len = 3;
        return (uint32_t)(c & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 | (s[2] & 0x3f);
    }
    if ((c & 0xf8) == 0xf0 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
        (s[3] & 0xc0) == 0x80) {
        *len = 4;
        return (uint32_t)(c & 0x07) << 18 | (uint32_t)(s[1] & 0x3f) << 12 |
               (uint32_t)(s[2] & 0x3f) << 6 | (s[3] & 0x3f);
    }
    *len = 1;
    return 0xfffd;
}

INL_ALWAYS int is_ascii_alpha(uint32_t c)
{
    return (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
}

INL_ALWAYS int is_digit(uint32_t c)
{
    return c >= '0' && c <= '9';
}

static inline int is_word_char(uint32_t c)
{
    if (is_ascii_alpha(c) || c == '_')
        return 1;
    /* Latin-1 letters and the Greek and Cyrillic blocks count as letters */
    return (c >= 0xc0 && c <= 0x24f && c != 0xd7 && c != 0xf7) || (c >= 0x370 && c <= 0x4ff);
}

static inline enum tok_kind classify(uint32_t c)
{
    if (is_word_char(c))
        return TOK_WORD;
    if (is_digit(c))
        return TOK_NUMBER;
    switch (c) {
    case ' ':
    case '\t':
    case '\n':
    case '\r':
        return TOK_SPACE;
    case '.':
    case ',':
    case ';':
    case ':':
    case '!':
    case '?':
    case '(':
    case ')':
    case '-':
        return TOK_PUNCT;
    default:
        return TOK_OTHER;
    }
}

static inline uint32_t fold_case(uint32_t c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if (c >= 0xc0 && c <= 0xde && c != 0xd7)
        return c + 32;
    if (c >= 0x391 && c <= 0x3a9)
        return c + 32;
    if (c >= 0x410 && c <= 0x42f)
        return c + 32;
    return c;
}

static inline uint32_t word_hash_add(uint32_t h, uint32_t c)
{
    return inl_hash_step(h, fold_case(c));
}

INL_NEVER static void tokenize(const char *text, tok_counts *tc)
{
    const unsigned char *s = (const unsigned char *)text;
    enum tok_kind state = TOK_SPACE;
    unsigned run = 0;
    uint64_t number = 0;
    uint32_t h = 0;
    while (*s) {
        unsigned len;
        uint32_t c = utf8_next(s, &len);
        enum tok_kind k = classify(c);
        if (k != state || k == TOK_PUNCT || k == TOK_OTHER) {
            switch (state) {
            case TOK_WORD:
                tc->word_hash ^= inl_avalanche(h);
                break;
            case TOK_NUMBER:
                tc->number_sum += number;
                break;
            default:
                break;
            }
            if (run > tc->longest)
                tc->longest = run;
            tc->n[k]++;
            state = k;
            run = 0;
            number = 0;
            h = 0x811c9dc5u;
        }
        run++;
        switch (k) {
        case TOK_WORD:
            h = word_hash_add(h, c);
            break;
        case TOK_NUMBER:
            number = number * 10 + (c - '0');
            break;
        default:
            break;
        }
        s += len;
    }
    if (state == TOK_WORD)
        tc->word_hash ^= inl_avalanche(h);
    if (state == TOK_NUMBER)
        tc->number_sum += number;
}

/* Run-length encode into out (at most cap bytes), returning the length. */
static inline size_t rle(const char *in, unsigned char *out, size_t cap)
{
    size_t o = 0;
    while (*in && o + 2 <= cap) {
        unsigned n = 1;
        while (in[n] == in[0] && n < 255)
            n++;
        out[o++] = (unsigned char)n;
        out[o++] = (unsigned char)in[0];
        in += n;
    }
    return o;
}

static inline unsigned count_lines(const char *s, unsigned *longest)
{
    unsigned lines = 0, len = 0;
    *longest = 0;
    for (; *s; s++) {
        if (*s == '\n') {
            lines++;
            if (len > *longest)
                *longest = len;
            len = 0;
        } else {
            len++;
        }
    }
    return lines + (len > 0);
}

uint64_t INL_PUBLIC(inl_text_run)(const char *text, unsigned rounds)
{
    uint64_t out = 0;
    unsigned char buf[512];
    for (unsigned r = 0; r < rounds; r++) {
        tok_counts tc = { { 0 }, 0, 0, 0 };
        tokenize(text, &tc);
        for (int k = 0; k < 5; k++)
            out = out * 31 + tc.n[k];
        out ^= tc.word_hash;
        out += tc.number_sum + tc.longest;
        size_t n = rle(text, buf, sizeof(buf));
        out ^= inl_hash_bytes(buf, n, r);
        unsigned longest;
        out += count_lines(text, &longest) * 7u + longest;
    }
    return out;
}
