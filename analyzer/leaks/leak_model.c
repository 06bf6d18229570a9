/*
 * leak_model.c - freeing a leak report (its groups and freezes), and group
 * signatures: the text by which `bbx diff` matches a leak of one build with
 * the same leak of another.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grow_array.h"
#include "leak_model.h"
#include "path_name.h"

void leak_report_free(leak_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_leaks; i++)
        leak_group_release(&r->leaks[i]);
    free(r->leaks);
    for (size_t i = 0; i < r->n_freezes; i++) {
        free(r->freezes[i].thread);
        free(r->freezes[i].state);
    }
    free(r->freezes);
    free(r->app);
    free(r->exe);
    leak_vanished_free(r->vanished);
    leak_launches_free(r->launches, r->n_launches);
    free(r);
}

void leak_launches_free(leak_launch *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].kind);
        free(v[i].text);
        free(v[i].function);
        free(v[i].file);
    }
    free(v);
}

void leak_vanished_free(leak_vanished *v)
{
    if (!v)
        return;
    free(v->verdict);
    free(v->cause);
    free(v->text);
    for (size_t i = 0; i < v->n_evidence; i++)
        free(v->evidence[i]);
    free(v->evidence);
    free(v);
}

void leak_group_release(leak_group *g)
{
    {
        free(g->resource);
        free(g->kind);
        for (size_t j = 0; j < g->n_origin; j++) {
            free(g->origin[j].function);
            free(g->origin[j].file);
            free(g->origin[j].module);
        }
        free(g->origin);
        free(g->name);
        for (size_t j = 0; j < g->n_examples; j++)
            free(g->examples[j]);
        free(g->examples);
        free(g->confidence);
        free(g->why);
        free(g->signature);
        free(g->unit);
        free(g->limit);
    }
}

/* ---- the program's own site ---------------------------------------------- */

/* Append "fn (file:line)" or "fn [module]" of f to buf[len] at *pos. */
static void site_frame(char *buf, size_t len, size_t *pos, const leak_frame *f, int module)
{
    const char *file = f->file ? strrchr(f->file, '/') : NULL;
    file = file ? file + 1 : f->file;
    int n;
    if (file && !module)
        n = snprintf(buf + *pos, len - *pos, "%s (%s:%" PRIu64 ")",
                     f->function ? f->function : "??", file, f->line);
    else
        n = snprintf(buf + *pos, len - *pos, "%s [%s]", f->function ? f->function : "??",
                     f->module ? f->module : "?");
    if (n > 0)
        *pos = (size_t)n < len - *pos ? *pos + (size_t)n : len - 1;
}

char *leak_group_site(const leak_group *g)
{
    char buf[768];
    size_t pos = 0;
    if (!g->n_origin)
        return NULL;
    buf[0] = 0;
    if (g->app_frame < g->n_origin) {
        site_frame(buf, sizeof(buf), &pos, &g->origin[g->app_frame], 0);
        if (g->app_frame > 0 && pos + 6 < sizeof(buf)) {
            strcpy(buf + pos, " via ");
            pos += 5;
            site_frame(buf, sizeof(buf), &pos, &g->origin[g->app_frame - 1], 1);
        }
    } else {
        site_frame(buf, sizeof(buf), &pos, &g->origin[0], 1);
        snprintf(buf + pos, sizeof(buf) - pos, " (no frame in the program's own code)");
    }
    return strdup(buf);
}

/* ---- signatures ---------------------------------------------------------
 *
 * A signature is one line of text built only from what a rebuild of the
 * same source keeps:
 *
 *   RESOURCE|KIND|NAME|FRAME;FRAME;...
 *
 * NAME is the group's name with every decimal digit dropped ("worker-3"
 * and "worker-12" are one thread kind), empty when there is none.  Each
 * origin frame, innermost first, is
 *   FUNCTION@FILE   function known, FILE the base name of its source file
 *   FUNCTION        function known, no file
 *   MODULE          no function: base name of the module, its ".so" version
 *                   dropped ("libfoo.so.1.2" -> "libfoo.so")
 *   ?               neither
 * FUNCTION has the clone suffixes compilers add dropped (leak_function_key).
 * Line numbers and addresses never take part.
 */

/* Suffixes GCC and Clang append to a function's symbol when they clone or
 * split it; from the first of these on, the name is the compiler's. */
static const char *const clone_suffixes[] = {
    ".constprop", ".isra", ".part", ".cold", ".hot", ".lto_priv",
    ".llvm", ".localalias", ".specialized", ".clone",
};

size_t leak_function_key_len(const char *fn)
{
    size_t n = strlen(fn);
    /* demangled C++ clones: "f(int) [clone .constprop.0]" */
    const char *clone = strstr(fn, " [clone ");
    if (clone)
        n = (size_t)(clone - fn);
    for (const char *dot = memchr(fn, '.', n); dot;
         dot = memchr(dot + 1, '.', n - (size_t)(dot + 1 - fn))) {
        for (size_t i = 0; i < sizeof(clone_suffixes) / sizeof(*clone_suffixes); i++) {
            size_t sl = strlen(clone_suffixes[i]);
            if ((size_t)(fn + n - dot) >= sl && memcmp(dot, clone_suffixes[i], sl) == 0 &&
                (dot + sl == fn + n || dot[sl] == '.'))
                return (size_t)(dot - fn);
        }
    }
    return n;
}

size_t leak_module_key_len(const char *module)
{
    const char *base = path_base_name(module);
    const char *so = strstr(base, ".so.");
    return (size_t)(base - module) + (so ? (size_t)(so + 3 - base) : strlen(base));
}

typedef struct sig_buf {
    char *p;
    size_t len, cap;
    int failed;
} sig_buf;

static void sig_put(sig_buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (GROW_ARRAY(b->p, b->cap, b->len + n + 1, 128) < 0) {
        b->failed = 1;
        return;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sig_puts(sig_buf *b, const char *s)
{
    sig_put(b, s, strlen(s));
}

char *leak_signature(const leak_group *g)
{
    sig_buf b = { 0 };
    sig_puts(&b, g->resource ? g->resource : "?");
    sig_puts(&b, "|");
    sig_puts(&b, g->kind ? g->kind : "?");
    sig_puts(&b, "|");
    for (const char *s = g->name; s && *s; s++)
        if (!isdigit((unsigned char)*s))
            sig_put(&b, s, 1);
    sig_puts(&b, "|");
    for (size_t i = 0; i < g->n_origin; i++) {
        const leak_frame *f = &g->origin[i];
        if (i)
            sig_puts(&b, ";");
        if (f->function && *f->function) {
            sig_put(&b, f->function, leak_function_key_len(f->function));
            if (f->file && *f->file) {
                sig_puts(&b, "@");
                sig_puts(&b, path_base_name(f->file));
            }
        } else if (f->module && *f->module) {
            const char *base = path_base_name(f->module);
            sig_put(&b, base, leak_module_key_len(f->module) - (size_t)(base - f->module));
        } else {
            sig_puts(&b, "?");
        }
    }
    if (b.failed) {
        free(b.p);
        return NULL;
    }
    return b.p ? b.p : strdup("");
}
