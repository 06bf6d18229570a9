/*
 * html_escape.c - escaping of snapshot text for HTML (html_escape.h).
 */
#include "html_escape.h"

#include <stdint.h>
#include <string.h>

#include "utf8.h"

void html_put_n(FILE *out, const char *s, size_t n, int keep_newlines)
{
    const uint8_t *p = (const uint8_t *)s, *end = p + n;
    while (p < end) {
        uint32_t cp;
        size_t len = utf8_decode(p, (size_t)(end - p), &cp);
        if (len && keep_newlines && (cp == '\n' || cp == '\t')) {
            fputc((int)cp, out);
        } else if (len == 0 || (cp < 0x20 && cp != '\t') || cp == 0x7f ||
                   (cp >= 0x80 && cp < 0xa0) || cp == 0xfffe || cp == 0xffff) {
            if (len == 0)
                len = 1;
            for (size_t i = 0; i < len; i++)
                fprintf(out, "\\x%02x", p[i]);
        } else if (cp == '&') {
            fputs("&amp;", out);
        } else if (cp == '<') {
            fputs("&lt;", out);
        } else if (cp == '>') {
            fputs("&gt;", out);
        } else if (cp == '"') {
            fputs("&quot;", out);
        } else if (cp == '\'') {
            fputs("&#39;", out);
        } else {
            fwrite(p, 1, len, out);
        }
        p += len;
    }
}

void html_put(FILE *out, const char *s, const char *missing)
{
    if (s)
        html_put_n(out, s, strlen(s), 0);
    else if (missing)
        fputs(missing, out);
}
