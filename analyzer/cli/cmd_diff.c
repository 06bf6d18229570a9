/*
 * cmd_diff.c - `bbx diff [options] BASE CURRENT`: compare two leak reports
 * (JSON of `bbx leaks --json`, or snapshot sets analysed here), print what
 * is new, grown, unchanged and fixed, and exit 1 when a leak is new or grew
 * (docs/FORMAT.md, "bbx diff").  Matching and classification live in
 * leak_diff.c, suppression rules in leak_suppress.c.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "err_text.h"
#include "input_file.h"
#include "json_writer.h"
#include "leak_analyze.h"
#include "leak_diff.h"
#include "leak_json_read.h"
#include "leak_suppress.h"
#include "cli_symbols.h"
#include "report.h"
#include "symbolizer.h"

/* Frames of a creation stack printed for a new or grown leak. */
#define DIFF_MAX_FRAMES 16

typedef struct diff_args {
    const char *paths[2]; /* BASE and CURRENT */
    int json, debuginfod_ms;
    unsigned tolerance;
    cli_list supp_files, inputs;
    cli_symbols sym;
} diff_args;

static const cli_option diff_options[] = {
    CLI_GROUP_AT(diff_args, json, cli_group_json),
    { .kind = CLI_LIST, .name = "--suppress", .slot = offsetof(diff_args, supp_files),
      .arg = "FILE", .needs = "a file name",
      .help = "drop the groups FILE's rules match, from both sides, before comparing "
              "(repeatable)" },
    { .kind = CLI_UINT, .name = "--tolerance", .slot = offsetof(diff_args, tolerance),
      .arg = "PCT", .needs = "a percentage", .is_not = "a percentage from 0 to 1000000",
      .min = 0, .max = 1000000,
      .help = "grown only when CURRENT > BASE * (100 + PCT) / 100 (default 0: any "
              "increase)" },
    CLI_GROUP_AT(diff_args, sym, cli_group_symbols),
    CLI_OPTIONS_END,
};

static int cmd_diff(int argc, char **argv);

const cli_command cli_cmd_diff = {
    .name = "diff",
    .summary = "compare two leak reports; exit 1 on a new or grown leak",
    .operands = "BASE CURRENT",
    .about =
        "Compare the leak suspects of BASE (say, the last good build) with those of\n"
        "CURRENT.  Each is the JSON of 'bbx leaks --json' (told apart by its first\n"
        "character, '{'), or a snapshot set: a directory of snapshots or one\n"
        "snapshot file, analysed as 'bbx leaks' does.\n"
        "\n"
        "Groups are matched by a signature that survives a rebuild: resource, kind,\n"
        "name without digits, and per creation-stack frame the function (compiler\n"
        "clone suffixes such as .constprop.0 dropped) and the base name of its\n"
        "source file; never addresses or line numbers.  Each group is then\n"
        "  new        only in CURRENT\n"
        "  grown      more in CURRENT than in BASE (beyond --tolerance)\n"
        "  unchanged  in both, not grown\n"
        "  fixed      only in BASE\n"
        "New and grown groups are printed first, with their creation stack.\n"
        "\n"
        "The symbol options apply to the snapshot sets (with --no-symbols their\n"
        "signatures hold module names).\n",
    .more =
        "Suppression file: one rule a line, '#' comments, blank lines skipped.  A\n"
        "rule is one or more FIELD:PATTERN terms separated by spaces; it drops a\n"
        "group when all of them match.  PATTERN is a glob ('*', '?') over the whole\n"
        "value.  FIELD is\n"
        "  function  any creation-stack frame's function (clone suffixes dropped)\n"
        "  top       the innermost frame's function, looking past libc, the\n"
        "            dynamic loader and libbbx\n"
        "  file      any frame's source file (base name unless PATTERN has a '/')\n"
        "  module    any frame's module (base name unless PATTERN has a '/')\n"
        "  leak      any frame's function, file or module contains PATTERN\n"
        "            (LeakSanitizer's leak: rules)\n"
        "  resource  fd, thread or child;  kind  socket, pipe, zombie, ...\n"
        "  name      the thread's start routine and name, or the child's command\n"
        "e.g.\n"
        "  top:g_thread_pool_new        # GLib's pool threads live on\n"
        "  resource:fd kind:socket function:dbus_*\n"
        "  module:libfontconfig.so*\n"
        "\n"
        "Exit status: 0 nothing new or grown, 1 a leak is new or grew, 2 bad usage,\n"
        "an unreadable input (a FIFO, device, socket or directory where a file is\n"
        "expected is refused at once, never waited on) or a bad suppression line\n"
        "(one line on stderr naming the file and what is wrong).\n",
    .options = diff_options,
    .operand_slot = offsetof(diff_args, inputs),
    .run = cmd_diff,
};

/* 0, or CLI_ERROR after printing why; 1 when --help was printed. */
static int parse_args(int argc, char **argv, diff_args *a)
{
    int p = cli_parse(&cli_cmd_diff, argc, argv, a);
    if (p != CLI_PARSED)
        return p == CLI_HELP_SHOWN ? 1 : CLI_ERROR;
    if (a->inputs.n > 2) {
        cli_usage_error(&cli_cmd_diff, "two inputs only, BASE and CURRENT");
        return CLI_ERROR;
    }
    if (a->inputs.n != 2) {
        cli_error("diff", "BASE and CURRENT needed (usage: bbx diff [options] BASE CURRENT)");
        return CLI_ERROR;
    }
    a->paths[0] = a->inputs.v[0];
    a->paths[1] = a->inputs.v[1];
    if (cli_symbols_timeout("diff", &a->sym, &a->debuginfod_ms) < 0)
        return CLI_ERROR;
    return 0;
}

/* 1 when path holds JSON (its first non-space byte is '{'), 0 when it is a
 * snapshot set (a directory, or a file starting otherwise), -1 with err. */
static int is_json_file(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        err_text_set(err, errlen, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return 0;
    FILE *f = input_fopen(path, err, errlen); /* regular files only, never blocks */
    if (!f)
        return -1;
    int c;
    do
        c = getc(f);
    while (c == ' ' || c == '\t' || c == '\r' || c == '\n');
    fclose(f);
    return c == '{';
}

/* Text from a report, escaped as bbx show escapes it ("?" for NULL). */
static void put_text(FILE *out, const char *s)
{
    if (!s)
        s = "?";
    report_put_safe(out, s, strlen(s));
}

/* "function (file:line)", "function (module)", "?? (module)" or "??". */
static void put_frame(FILE *out, const leak_frame *f)
{
    put_text(out, f->function ? f->function : "??");
    if (f->file) {
        fputs(" (", out);
        put_text(out, f->file);
        if (f->line)
            fprintf(out, ":%llu", (unsigned long long)f->line);
        fputc(')', out);
    } else if (f->module) {
        fputs(" (", out);
        put_text(out, f->module);
        fputc(')', out);
    }
}

/* The group an entry is shown with: CURRENT's, or BASE's when fixed. */
static const leak_group *shown_group(const leak_diff_entry *e)
{
    return e->current ? e->current : e->base;
}

static void text_entry(FILE *out, const leak_diff_entry *e)
{
    const leak_group *g = shown_group(e);
    fprintf(out, "%-9s ", leak_change_name(e->change));
    put_text(out, g->resource); /* as bbx leaks names a group */
    if (!g->kind || strcmp(g->kind, g->resource) != 0) {
        fputc(' ', out);
        put_text(out, g->kind);
    }
    if (g->name) {
        fputc(' ', out);
        put_text(out, g->name);
    }
    fprintf(out, ": %llu", (unsigned long long)e->current_count);
    if (e->change == LEAK_GROWN)
        fprintf(out, " (was %llu, +%llu)", (unsigned long long)e->base_count,
                (unsigned long long)(e->current_count - e->base_count));
    else if (e->change != LEAK_NEW)
        fprintf(out, " (was %llu)", (unsigned long long)e->base_count);
    if (e->change == LEAK_NEW || e->change == LEAK_GROWN) {
        fputc('\n', out);
        if (!g->n_origin)
            fputs("    no creation stack\n", out);
        for (size_t i = 0; i < g->n_origin && i < DIFF_MAX_FRAMES; i++) {
            fputs(i ? "       " : "    at ", out);
            put_frame(out, &g->origin[i]);
            fputc('\n', out);
        }
        if (g->n_origin > DIFF_MAX_FRAMES)
            fprintf(out, "       ... %zu frames more\n", g->n_origin - DIFF_MAX_FRAMES);
    } else if (g->n_origin) {
        fputs(" at ", out);
        put_frame(out, &g->origin[0]);
        fputc('\n', out);
    } else {
        fputc('\n', out);
    }
}

static void text_report(FILE *out, const leak_diff *d, const leak_suppressions *supp)
{
    for (size_t i = 0; i < d->n_entries; i++)
        text_entry(out, &d->entries[i]);
    for (size_t i = 0; supp && i < supp->n_rules; i++) {
        const leak_rule *r = &supp->rules[i];
        fputs("suppression ", out);
        put_text(out, r->where);
        fprintf(out, " matched %llu group%s\n", (unsigned long long)r->hits,
                r->hits == 1 ? "" : "s");
    }
    fprintf(out, "%zu new, %zu grown, %zu unchanged, %zu fixed, %zu suppressed\n",
            d->n_new, d->n_grown, d->n_unchanged, d->n_fixed, d->n_suppressed);
}

static void json_entry(json_writer *w, const leak_diff_entry *e)
{
    const leak_group *g = shown_group(e);
    json_object_begin(w);
    json_kv_string(w, "signature", e->signature);
    json_kv_string(w, "resource", g->resource);
    json_kv_string(w, "kind", g->kind);
    json_kv_string(w, "name", g->name);
    json_kv_u64(w, "base_count", e->base_count);
    json_kv_u64(w, "current_count", e->current_count);
    leak_origin_write_json(w, g);
    json_object_end(w);
}

static int json_report(FILE *out, const diff_args *a, const leak_diff *d)
{
    json_writer w;
    json_init(&w, out, 1);
    json_object_begin(&w);
    json_kv_string(&w, "format", "bbx-diff");
    json_kv_u64(&w, "version", 1);
    json_kv_string(&w, "base", a->paths[0]);
    json_kv_string(&w, "current", a->paths[1]);
    json_kv_u64(&w, "tolerance_pct", a->tolerance);
    for (int c = LEAK_NEW; c <= LEAK_FIXED; c++) {
        json_key(&w, leak_change_name((leak_change)c));
        json_array_begin(&w);
        for (size_t i = 0; i < d->n_entries; i++)
            if ((int)d->entries[i].change == c)
                json_entry(&w, &d->entries[i]);
        json_array_end(&w);
    }
    json_kv_u64(&w, "suppressed", d->n_suppressed);
    json_object_end(&w);
    return json_finish(&w) ? 0 : -1;
}

static void warn_incomplete(void *ctx, const char *message)
{
    (void)ctx;
    cli_error("diff", "warning: %s", message);
}

/* One side: a leaks JSON file or a snapshot set.  NULL after printing the
 * error.  *symbols is created on the first snapshot set (when wanted). */
static leak_report *load_side(const char *path, const diff_args *a, sym_session **symbols)
{
    char err[512];
    int json = is_json_file(path, err, sizeof(err));
    leak_report *r = NULL;
    if (json > 0) {
        r = leak_json_read_file(path, err, sizeof(err));
    } else if (json == 0) {
        if (!*symbols)
            *symbols = cli_symbols_open(&a->sym, a->debuginfod_ms);
        leak_options lo = { .symbols = *symbols };
        char *const paths[1] = { (char *)path };
        r = leaks_from_paths_warn(paths, 1, &lo, warn_incomplete, NULL, err, sizeof(err));
        if (!r) {
            /* the message names the file already */
            cli_error("diff", "%s", err);
            return NULL;
        }
    }
    if (!r)
        cli_error("diff", "%s: %s", path, err);
    return r;
}

static int cmd_diff(int argc, char **argv)
{
    diff_args a = { 0 };
    leak_report *sides[2] = { NULL, NULL };
    leak_suppressions *supp = NULL;
    sym_session *symbols = NULL;
    leak_diff *d = NULL;
    char err[512];
    int rc = CLI_ERROR;
    int parsed = parse_args(argc, argv, &a);
    if (parsed) {
        rc = parsed == 1 ? CLI_OK : CLI_ERROR;
        goto out;
    }
    if (a.supp_files.n && !(supp = leak_suppress_new())) {
        cli_error("diff", "out of memory");
        goto out;
    }
    for (size_t i = 0; i < a.supp_files.n; i++)
        if (leak_suppress_load(supp, a.supp_files.v[i], err, sizeof(err)) < 0) {
            cli_error("diff", "%s", err);
            goto out;
        }
    for (int i = 0; i < 2; i++)
        if (!(sides[i] = load_side(a.paths[i], &a, &symbols)))
            goto out;
    if (!(d = leak_diff_new(sides[0], sides[1], supp, a.tolerance))) {
        cli_error("diff", "out of memory");
        goto out;
    }
    if (a.json) {
        if (json_report(stdout, &a, d) < 0)
            errno = EIO;
    } else {
        text_report(stdout, d, supp);
    }
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("diff", "cannot write the report: %s", strerror(errno));
        goto out;
    }
    rc = d->n_new || d->n_grown ? CLI_FINDINGS : CLI_OK;
out:
    leak_diff_free(d);
    leak_report_free(sides[0]);
    leak_report_free(sides[1]);
    leak_suppress_free(supp);
    sym_session_free(symbols);
    cli_release(&cli_cmd_diff, &a);
    return rc;
}
