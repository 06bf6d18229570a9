/*
 * inl_calendar.c - civil dates: days since the epoch and back, weekdays,
 * ISO weeks and formatting, as layers of inline helpers.
 */
#include "inl_common.h"

typedef struct civil {
    int year, month, day;
} civil;

INL_ALWAYS int floor_div(int a, int b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static inline int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static inline int days_in_month(int y, int m)
{
    switch (m) {
    case 2:
        return is_leap(y) ? 29 : 28;
    case 4:
    case 6:
    case 9:
    case 11:
        return 30;
    default:
        return 31;
    }
}

/* days since 1970-01-01 of a proleptic Gregorian date */
static inline int days_from_civil(civil c)
{
    int y = c.year - (c.month <= 2);
    int era = floor_div(y, 400);
    int yoe = y - era * 400;
    int mp = (c.month + 9) % 12;
    int doy = (153 * mp + 2) / 5 + c.day - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static inline civil civil_from_days(int z)
{
    z += 719468;
    int era = floor_div(z, 146097);
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    civil c;
    c.day = doy - (153 * mp + 2) / 5 + 1;
    c.month = mp < 10 ? mp + 3 : mp - 9;
    c.year = yoe + era * 400 + (c.month <= 2);
    return c;
}

INL_ALWAYS int weekday(int days)
{
    /* 1970-01-01 was a Thursday (4); Monday is 1, Sunday 7 */
    int w = (days % 7 + 7 + 3) % 7;
    return w + 1;
}

static inline int iso_week(civil c, int *week_year)
{
    int d = days_from_civil(c);
    int thursday = d - weekday(d) + 4;
    civil t = civil_from_days(thursday);
    civil jan1 = { t.year, 1, 1 };
    *week_year = t.year;
    return (thursday - days_from_civil(jan1)) / 7 + 1;
}

static inline char *put_num(char *p, int v, int width)
{
    char tmp[12];
    int n = 0;
    unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u || n < width);
    if (v < 0)
        *p++ = '-';
    while (n)
        *p++ = tmp[--n];
    return p;
}

static inline int format_date(char *buf, civil c)
{
    char *p = buf;
    p = put_num(p, c.year, 4);
    *p++ = '-';
    p = put_num(p, c.month, 2);
    *p++ = '-';
    p = put_num(p, c.day, 2);
    *p = '\0';
    return (int)(p - buf);
}

static inline int valid(civil c)
{
    return c.month >= 1 && c.month <= 12 && c.day >= 1 && c.day <= days_in_month(c.year, c.month);
}


uint64_t INL_PUBLIC(inl_calendar_run)(int start_days, unsigned n)
{
    uint64_t out = 0;
    char buf[32];
    for (unsigned i = 0; i < n; i++) {
        int d = start_days + (int)(i * 37u);
        civil c = civil_from_days(d);
        if (!valid(c) || days_from_civil(c) != d)
            return UINT64_MAX;
        int wy;
        int w = iso_week(c, &wy);
        int len = format_date(buf, c);
        out = out * 7 + (uint64_t)(w * 10 + weekday(d));
        out ^= inl_hash_bytes(buf, (size_t)len, (uint32_t)wy);
    }
    return out;
}
