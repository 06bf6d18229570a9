/*
 * inl_common.h - inline helpers shared by every file of the inline-heavy
 * test program: small arithmetic, hashing and vector steps that call one
 * another several levels deep, some forced inline, so that one address of
 * the optimized program sits inside a chain of inlined calls that crosses
 * from a .c file into this header and back.
 */
#ifndef INL_COMMON_H
#define INL_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define INL_ALWAYS static inline __attribute__((always_inline))
#define INL_NEVER __attribute__((noinline))

/*
 * Every part is compiled three times, with INL_VARIANT 0, 1 and 2 (other
 * sizes and constants), so the program has more inlined code to look at;
 * INL_PUBLIC gives each copy's entry point its own name.
 */
#ifndef INL_VARIANT
#define INL_VARIANT 0
#endif
#define INL_CAT2(a, b) a##_v##b
#define INL_CAT(a, b) INL_CAT2(a, b)
#define INL_PUBLIC(name) INL_CAT(name, INL_VARIANT)
#define INL_SALT (0x9e3779b9u * (INL_VARIANT + 1u))

#define INL_DECLARE_PARTS(v)                                                     \
    uint64_t inl_math_run_v##v(unsigned rounds, uint32_t seed);                 \
    uint64_t inl_text_run_v##v(const char *text, unsigned rounds);              \
    uint64_t inl_table_run_v##v(unsigned n, uint32_t seed);                     \
    uint64_t inl_vm_run_v##v(const uint8_t *code, size_t len, int64_t arg);     \
    uint64_t inl_image_run_v##v(uint32_t seed, unsigned rounds);                \
    uint64_t inl_calendar_run_v##v(int start_days, unsigned n);                 \
    uint64_t inl_parse_run_v##v(unsigned rounds);
INL_DECLARE_PARTS(0)
INL_DECLARE_PARTS(1)
INL_DECLARE_PARTS(2)

typedef struct inl_vec {
    double x, y, z;
} inl_vec;

typedef struct inl_stats {
    uint64_t count;
    double sum, sum_sq, lo, hi;
} inl_stats;

INL_ALWAYS uint32_t inl_rotl(uint32_t v, unsigned r)
{
    r &= 31u;
    return r ? (v << r) | (v >> (32u - r)) : v;
}

INL_ALWAYS uint32_t inl_avalanche(uint32_t h)
{
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

static inline uint32_t inl_hash_step(uint32_t h, uint32_t v)
{
    v *= 0xcc9e2d51u;
    v = inl_rotl(v, 15);
    v *= 0x1b873593u;
    h ^= v;
    h = inl_rotl(h, 13);
    return h * 5u + (0xe6546b64u ^ INL_SALT);
}

static inline uint32_t inl_hash_bytes(const void *data, size_t n, uint32_t seed)
{
    const uint8_t *p = data;
    uint32_t h = seed;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        uint32_t w = (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
                     (uint32_t)p[i + 3] << 24;
        h = inl_hash_step(h, w);
    }
    uint32_t tail = 0;
    switch (n & 3u) {
    case 3:
        tail ^= (uint32_t)p[i + 2] << 16;
        /* fall through */
    case 2:
        tail ^= (uint32_t)p[i + 1] << 8;
        /* fall through */
    case 1:
        tail ^= p[i];
        h ^= inl_rotl(tail * 0xcc9e2d51u, 15) * 0x1b873593u;
        break;
    default:
        break;
    }
    return inl_avalanche(h ^ (uint32_t)n);
}

static inline int inl_clamp(int v, int lo, int hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

INL_ALWAYS double inl_dot(inl_vec a, inl_vec b)
{
    return a.x * b.x + a.y * b.y + a.z * b.z;
}

INL_ALWAYS inl_vec inl_add(inl_vec a, inl_vec b)
{
    inl_vec r = { a.x + b.x, a.y + b.y, a.z + b.z };
    return r;
}

INL_ALWAYS inl_vec inl_scale(inl_vec a, double k)
{
    inl_vec r = { a.x * k, a.y * k, a.z * k };
    return r;
}

static inline inl_vec inl_cross(inl_vec a, inl_vec b)
{
    inl_vec r = { a.y * b.z - a.z * b.y, a.z * b.x - a.x * b.z, a.x * b.y - a.y * b.x };
    return r;
}

static inline double inl_len2(inl_vec a)
{
    return inl_dot(a, a);
}

/* Newton steps instead of sqrt(): more inlined code, no libm. */
static inline double inl_sqrt_approx(double v)
{
    if (v <= 0.0)
        return 0.0;
    double g = v > 1.0 ? v / 2.0 : 1.0;
    for (int i = 0; i < 8; i++)
        g = 0.5 * (g + v / g);
    return g;
}

static inline inl_vec inl_normalize(inl_vec a)
{
    double l = inl_sqrt_approx(inl_len2(a));
    return l > 0.0 ? inl_scale(a, 1.0 / l) : a;
}

static inline void inl_stats_add(inl_stats *s, double v)
{
    if (s->count == 0 || v < s->lo)
        s->lo = v;
    if (s->count == 0 || v > s->hi)
        s->hi = v;
    s->count++;
    s->sum += v;
    s->sum_sq += v * v;
}

static inline double inl_stats_mean(const inl_stats *s)
{
    return s->count ? s->sum / (double)s->count : 0.0;
}

#endif
