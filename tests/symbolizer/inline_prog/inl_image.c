/*
 * inl_image.c - filters over a small grey image: pixel access with edge
 * handling, convolution kernels, dithering and a histogram, every per-pixel
 * step an inline helper, several forced inline into more than one filter.
 */
#include <string.h>

#include "inl_common.h"

#define IMG_W (24 + 8 * INL_VARIANT)
#define IMG_H (16 + 4 * INL_VARIANT)

typedef struct image {
    uint8_t px[IMG_H][IMG_W];
} image;

INL_ALWAYS int wrap_coord(int v, int n)
{
    return inl_clamp(v, 0, n - 1);
}

INL_ALWAYS int pixel_at(const image *im, int x, int y)
{
    return im->px[wrap_coord(y, IMG_H)][wrap_coord(x, IMG_W)];
}

INL_ALWAYS uint8_t saturate(int v)
{
    return (uint8_t)inl_clamp(v, 0, 255);
}

static inline int convolve3(const image *im, int x, int y, const int k[9], int div)
{
    int acc = 0;
    for (int dy = -1; dy <= 1; dy++)
        for (int dx = -1; dx <= 1; dx++)
            acc += k[(dy + 1) * 3 + dx + 1] * pixel_at(im, x + dx, y + dy);
    return div ? acc / div : acc;
}

INL_ALWAYS void apply_kernel(image *dst, const image *src, const int k[9], int div)
{
    for (int y = 0; y < IMG_H; y++)
        for (int x = 0; x < IMG_W; x++)
            dst->px[y][x] = saturate(convolve3(src, x, y, k, div));
}

static inline int sobel_mag(const image *im, int x, int y)
{
    static const int gx[9] = { -1, 0, 1, -2, 0, 2, -1, 0, 1 };
    static const int gy[9] = { -1, -2, -1, 0, 0, 0, 1, 2, 1 };
    int a = convolve3(im, x, y, gx, 0), b = convolve3(im, x, y, gy, 0);
    return (int)inl_sqrt_approx((double)(a * a + b * b));
}

INL_NEVER static void blur(image *dst, const image *src)
{
    static const int k[9] = { 1, 2, 1, 2, 4, 2, 1, 2, 1 };
    apply_kernel(dst, src, k, 16);
}

INL_NEVER static void sharpen(image *dst, const image *src)
{
    static const int k[9] = { 0, -1, 0, -1, 5, -1, 0, -1, 0 };
    apply_kernel(dst, src, k, 1);
}

INL_NEVER static void edges(image *dst, const image *src)
{
    for (int y = 0; y < IMG_H; y++)
        for (int x = 0; x < IMG_W; x++)
            dst->px[y][x] = saturate(sobel_mag(src, x, y));
}

static inline void spread_error(int err[IMG_H + 1][IMG_W + 2], int x, int y, int e)
{
    err[y][x + 2] += e * 7 / 16;
    err[y + 1][x] += e * 3 / 16;
    err[y + 1][x + 1] += e * 5 / 16;
    err[y + 1][x + 2] += e / 16;
}

INL_NEVER static void dither(image *dst, const image *src)
{
    int err[IMG_H + 1][IMG_W + 2];
    memset(err, 0, sizeof(err));
    for (int y = 0; y < IMG_H; y++) {
        for (int x = 0; x < IMG_W; x++) {
            int v = pixel_at(src, x, y) + err[y][x + 1];
            int q = v < 128 ? 0 : 255;
            dst->px[y][x] = (uint8_t)q;
            spread_error(err, x, y, v - q);
        }
    }
}

static inline void histogram(const image *im, unsigned h[16], inl_stats *st)
{
    memset(h, 0, 16 * sizeof(h[0]));
    for (int y = 0; y < IMG_H; y++)
        for (int x = 0; x < IMG_W; x++) {
            int v = im->px[y][x];
            h[v >> 4]++;
            inl_stats_add(st, v);
        }
}

static inline uint32_t image_hash(const image *im)
{
    return inl_hash_bytes(im->px, sizeof(im->px), IMG_W * IMG_H);
}


uint64_t INL_PUBLIC(inl_image_run)(uint32_t seed, unsigned rounds)
{
    image a, b;
    unsigned hist[16];
    inl_stats st = { 0, 0, 0, 0, 0 };
    uint64_t out = 0;
    for (int y = 0; y < IMG_H; y++)
        for (int x = 0; x < IMG_W; x++)
            a.px[y][x] = (uint8_t)inl_hash_step(seed, (uint32_t)(y * IMG_W + x));
    for (unsigned r = 0; r < rounds; r++) {
        switch (r % 4) {
        case 0:
            blur(&b, &a);
            break;
        case 1:
            sharpen(&b, &a);
            break;
        case 2:
            edges(&b, &a);
            break;
        default:
            dither(&b, &a);
            break;
        }
        histogram(&b, hist, &st);
        for (int i = 0; i < 16; i++)
            out = out * 17 + hist[i];
        out ^= image_hash(&b);
        a = b;
    }
    return out + (uint64_t)inl_stats_mean(&st);
}
