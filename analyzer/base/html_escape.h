/*
 * html_escape.h - text from a snapshot (hostile input) into HTML, for
 * `bbx report`.  What comes out is always inert text: the five HTML
 * special characters become entities, and control bytes and bytes that are
 * not valid UTF-8 are shown as "\xNN" (as `bbx show` shows them), so no
 * string from a file can open a tag, end an attribute or smuggle a script.
 * The same output is safe inside element content and inside a quoted
 * attribute value, in HTML and in SVG.
 *
 * Pure functions over the caller's stream; thread-safe for distinct
 * streams; allocate nothing.
 */
#ifndef BBX_HTML_ESCAPE_H
#define BBX_HTML_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

/* Write s[n], escaped.  Newlines and tabs are kept when `keep_newlines`
 * (for <pre> blocks), else a newline is shown as "\x0a" too. */
void html_put_n(FILE *out, const char *s, size_t n, int keep_newlines);

/* Write the NUL-terminated s escaped, or `missing` (written as it is: the
 * caller's literal) when s is NULL. */
void html_put(FILE *out, const char *s, const char *missing);

#endif
