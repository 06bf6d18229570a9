/*
 * inl_math.c - vectors, small matrices, polynomials and fixed-point
 * arithmetic, built from the header's inline helpers and local ones nested
 * three and four levels deep.
 */
#include "inl_common.h"

typedef struct mat3 {
    inl_vec r[3];
} mat3;

typedef int32_t fix16;

static inline fix16 fix_from_int(int v)
{
    return (fix16)((uint32_t)v << 16);
}

static inline fix16 fix_mul(fix16 a, fix16 b)
{
    return (fix16)(((int64_t)a * b) >> 16);
}

static inline fix16 fix_div(fix16 a, fix16 b)
{
    if (b == 0)
        return a < 0 ? INT32_MIN : INT32_MAX;
    return (fix16)(((int64_t)a * 65536) / b);
}

INL_ALWAYS fix16 fix_lerp(fix16 a, fix16 b, fix16 t)
{
    return a + fix_mul(b - a, t);
}

static inline fix16 fix_poly(const fix16 *c, int n, fix16 x)
{
    fix16 acc = 0;
    for (int i = n - 1; i >= 0; i--)
        acc = fix_mul(acc, x) + c[i];
    return acc;
}

static inline inl_vec mat_apply(const mat3 *m, inl_vec v)
{
    inl_vec r = { inl_dot(m->r[0], v), inl_dot(m->r[1], v), inl_dot(m->r[2], v) };
    return r;
}

static inline mat3 mat_mul(const mat3 *a, const mat3 *b)
{
    mat3 out;
    for (int i = 0; i < 3; i++) {
        inl_vec col0 = { b->r[0].x, b->r[1].x, b->r[2].x };
        inl_vec col1 = { b->r[0].y, b->r[1].y, b->r[2].y };
        inl_vec col2 = { b->r[0].z, b->r[1].z, b->r[2].z };
        out.r[i].x = inl_dot(a->r[i], col0);
        out.r[i].y = inl_dot(a->r[i], col1);
        out.r[i].z = inl_dot(a->r[i], col2);
    }
    return out;
}

static inline double mat_det(const mat3 *m)
{
    return inl_dot(m->r[0], inl_cross(m->r[1], m->r[2]));
}

static inline mat3 mat_rotation(double c, double s, int axis)
{
    mat3 m = { { { 1, 0, 0 }, { 0, 1, 0 }, { 0, 0, 1 } } };
    switch (axis) {
    case 0:
        m.r[1] = (inl_vec){ 0, c, -s };
        m.r[2] = (inl_vec){ 0, s, c };
        break;
    case 1:
        m.r[0] = (inl_vec){ c, 0, s };
        m.r[2] = (inl_vec){ -s, 0, c };
        break;
    default:
        m.r[0] = (inl_vec){ c, -s, 0 };
        m.r[1] = (inl_vec){ s, c, 0 };
        break;
    }
    return m;
}

/* Gram-Schmidt on the rows: three levels of inlined helpers per row. */
static inline void mat_orthonormalize(mat3 *m)
{
    m->r[0] = inl_normalize(m->r[0]);
    inl_vec p = inl_scale(m->r[0], inl_dot(m->r[0], m->r[1]));
    m->r[1] = inl_normalize(inl_add(m->r[1], inl_scale(p, -1.0)));
    m->r[2] = inl_normalize(inl_cross(m->r[0], m->r[1]));
}

static inline double sin_poly(double x)
{
    /* x in [-pi, pi]: a Taylor polynomial, good enough for a test */
    double x2 = x * x;
    return x * (1.0 - x2 / 6.0 * (1.0 - x2 / 20.0 * (1.0 - x2 / 42.0 * (1.0 - x2 / 72.0))));
}

static inline double cos_poly(double x)
{
    double x2 = x * x;
    return 1.0 - x2 / 2.0 * (1.0 - x2 / 12.0 * (1.0 - x2 / 30.0 * (1.0 - x2 / 56.0)));
}

static inline double angle_from_seed(uint32_t *seed)
{
    *seed = inl_hash_step(*seed, INL_SALT);
    return ((double)(*seed % 6283u) / 1000.0) - 3.1415;
}

INL_NEVER static double spin(inl_vec *pts, size_t n, uint32_t seed, inl_stats *st)
{
    double total = 0.0;
    for (int axis = 0; axis < 3; axis++) {
        double a = angle_from_seed(&seed);
        mat3 rot = mat_rotation(cos_poly(a), sin_poly(a), axis);
        mat3 twice = mat_mul(&rot, &rot);
        mat_orthonormalize(&twice);
        total += mat_det(&twice);
        for (size_t i = 0; i < n; i++) {
            pts[i] = mat_apply(&twice, pts[i]);
            inl_stats_add(st, inl_len2(pts[i]));
        }
    }
    return total;
}

INL_NEVER static int64_t fixed_series(uint32_t seed, unsigned n)
{
    fix16 coef[6];
    for (int i = 0; i < 6; i++)
        coef[i] = fix_from_int(inl_clamp((int)(inl_hash_step(seed, (uint32_t)i) % 9u) - 4, -3, 3));
    int64_t acc = 0;
    fix16 x = fix_from_int(-2);
    fix16 step = fix_div(fix_from_int(4), fix_from_int((int)n + 1));
    for (unsigned i = 0; i < n; i++) {
        fix16 y = fix_poly(coef, 6, x);
        fix16 mid = fix_lerp(y, fix_poly(coef, 3, x), fix_from_int(1) / 2);
        acc += mid / 256;
        x += step;
    }
    return acc;
}

static inline uint64_t centroid_bits(const inl_vec *pts, size_t n)
{
    inl_vec c = { 0, 0, 0 };
    for (size_t i = 0; i < n; i++)
        c = inl_add(c, pts[i]);
    c = inl_scale(c, n ? 1.0 / (double)n : 0.0);
    return (uint64_t)(int64_t)(inl_len2(c) * 1e6);
}

uint64_t INL_PUBLIC(inl_math_run)(unsigned rounds, uint32_t seed)
{
    inl_vec pts[32];
    inl_stats st = { 0, 0, 0, 0, 0 };
    uint64_t out = 0;
    for (size_t i = 0; i < 32; i++) {
        uint32_t h = inl_hash_bytes(&i, sizeof(i), seed);
        pts[i] = (inl_vec){ (double)(h & 0xff) / 32.0, (double)((h >> 8) & 0xff) / 32.0,
                            (double)((h >> 16) & 0xff) / 32.0 };
    }
    for (unsigned r = 0; r < rounds; r++) {
        double d = spin(pts, 32, seed + r, &st);
        out += (uint64_t)(int64_t)(d * 1000.0);
        out ^= (uint64_t)fixed_series(seed ^ r, 16 + r % 8);
        out += centroid_bits(pts, 32);
    }
    return out + (uint64_t)(int64_t)inl_stats_mean(&st);
}
