/*
 * cmd_ingest.c - `bbx ingest [--db PATH] FILE...|DIR...`: snapshots into
 * the crash store, each stored once and grouped under its crash signature.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_store.h"
#include "cli_symbols.h"
#include "snap_set.h"

typedef struct ingest_args {
    const char *db, *rules;
    int quiet;
    cli_symbols sym;
    cli_list paths;
} ingest_args;

static const cli_option ingest_options[] = {
    CLI_GROUP_AT(ingest_args, db, cli_group_db),
    { .kind = CLI_TEXT, .name = "--rules", .slot = offsetof(ingest_args, rules), .arg = "FILE",
      .needs = "a file name",
      .help = "group with the rules in FILE (signature.rules syntax, docs/FORMAT.md); only "
              "for a new store or one grouped with the same rules: to change the rules of "
              "a store, run bbx regroup --rules FILE" },
    { .kind = CLI_FLAG, .name = "--quiet", .slot = offsetof(ingest_args, quiet),
      .help = "no progress line and no line per rejected file (the summary stays)" },
    CLI_GROUP_AT(ingest_args, sym, cli_group_symbols),
    CLI_OPTIONS_END,
};

static int cmd_ingest(int argc, char **argv);

const cli_command cli_cmd_ingest = {
    .name = "ingest",
    .summary = "store snapshots in the crash store, grouped by crash signature",
    .operands = "FILE...|DIR...",
    .about =
        "Store snapshots in the crash store, an SQLite database (its tables:\n"
        "docs/FORMAT.md, \"The crash store\").  A DIR stands for its *.bbx files and\n"
        "those of every directory below it.  Each snapshot is stored once, keyed by\n"
        "its content: the same file ingested again, under any name, is counted as\n"
        "\"already stored\".  Its metadata (time, host, kernel, program, app version\n"
        "and the other annotations, the main module's build-id, trigger, signal and\n"
        "code, fault address, thread and fd counts) and a copy of its bytes are\n"
        "kept, so bbx crash can show the report after the files are gone.\n"
        "The thread that decides the signature (the crashing one; for a hang the\n"
        "stuck one; for a request the requesting one) is symbolized with the symbol\n"
        "options, as in bbx show, and the snapshot is counted under its signature\n"
        "(docs/FORMAT.md, \"Crash signatures\").\n"
        "A file that is not a readable snapshot is rejected: a line on stderr names\n"
        "it and why, the store records it (table rejected), and the batch goes on.\n"
        "On a terminal a progress line shows files, files per second, groups so far\n"
        "and the time left; it is not printed when stderr is not a terminal.\n"
        "Several bbx ingest may run at once on one store: nothing is stored twice.\n"
        "Writes are committed every 4096 snapshots or every second: an ingest that is\n"
        "killed keeps what was committed, and running it again finishes the job.\n"
        "The last line on stdout sums up: \"ingested N files: A new, D already\n"
        "stored, R rejected; G groups in PATH\".\n" CLI_STORE_WHERE,
    .more = "Exit status: 0 every file was stored or already there, 1 some files were\n"
            "rejected (the others are stored), 2 bad usage, a path that cannot be read,\n"
            "or a store that cannot be opened or written (a full disk: nothing of the\n"
            "last batch is stored, the rest of the store is intact).\n",
    .options = ingest_options,
    .operand_slot = offsetof(ingest_args, paths),
    .run = cmd_ingest,
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct progress {
    int on;
    double start, last;
    size_t width;
} progress;

static void progress_show(progress *p, store_ingest *in, size_t done, size_t total, int force)
{
    double t = now_s();
    if (!p->on || (!force && t - p->last < 0.25))
        return;
    p->last = t;
    double rate = t > p->start ? (double)done / (t - p->start) : 0;
    double eta = rate > 0 ? (double)(total - done) / rate : 0;
    char line[160];
    int n = snprintf(line, sizeof(line), "ingest: %zu/%zu files, %.0f files/s, %llu groups, %.0f s left",
                     done, total, rate, (unsigned long long)store_ingest_groups(in), eta);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
    fprintf(stderr, "\r%s%*s", line, p->width > len ? (int)(p->width - len) : 0, "");
    p->width = len;
    fflush(stderr);
}

static void progress_clear(progress *p)
{
    if (p->on && p->width)
        fprintf(stderr, "\r%*s\r", (int)p->width, "");
}

static int cmd_ingest(int argc, char **argv)
{
    ingest_args a = { 0 };
    int rc = CLI_ERROR, dbgd_ms;
    char err[1024], **files = NULL, *rules_text = NULL;
    size_t n_files = 0;
    crash_store *st = NULL;
    sym_session *ss = NULL;
    store_ingest *in = NULL;
    int parsed = cli_parse(&cli_cmd_ingest, argc, argv, &a);
    if (parsed != CLI_PARSED) {
        rc = cli_parse_exit(parsed);
        goto out;
    }
    if (!a.paths.n) {
        cli_error("ingest", "no FILE or DIR given (usage: bbx ingest [--db PATH] FILE...|DIR...)");
        goto out;
    }
    if (cli_symbols_timeout("ingest", &a.sym, &dbgd_ms) < 0)
        goto out;
    if (snapset_expand_tree(a.paths.v, a.paths.n, &files, &n_files, err, sizeof(err)) < 0) {
        cli_error("ingest", "%s", err);
        goto out;
    }
    if (a.rules && !(rules_text = store_rules_file(a.rules, err, sizeof(err)))) {
        cli_error("ingest", "%s", err);
        goto out;
    }
    if (!(st = cli_store_open("ingest", a.db, STORE_CREATE)))
        goto out;
    ss = cli_symbols_open(&a.sym, dbgd_ms);
    if (!(in = store_ingest_begin(st, rules_text, ss, err, sizeof(err)))) {
        cli_error("ingest", "%s", err);
        goto out;
    }
    progress p = { .on = !a.quiet && isatty(STDERR_FILENO), .start = now_s() };
    size_t added = 0, known = 0, rejected = 0, i = 0;
    int failed = 0;
    for (; i < n_files; i++) {
        store_outcome o = store_ingest_file(in, files[i], err, sizeof(err));
        if (o == STORE_FAILED) {
            failed = 1;
            break;
        }
        added += o == STORE_ADDED;
        known += o == STORE_KNOWN;
        if (o == STORE_REJECTED) {
            rejected++;
            if (!a.quiet) {
                progress_clear(&p);
                p.width = 0;
                cli_error("ingest", "%s: rejected: %s", files[i], err);
            }
        }
        progress_show(&p, in, i + 1, n_files, 0);
    }
    progress_clear(&p);
    if (failed) {
        cli_error("ingest", "%s", err);
        store_ingest_end(in, err, sizeof(err));
        in = NULL;
        goto out;
    }
    uint64_t groups = store_ingest_groups(in);
    int end = store_ingest_end(in, err, sizeof(err));
    in = NULL;
    if (end < 0) {
        cli_error("ingest", "%s", err);
        goto out;
    }
    printf("ingested %zu files: %zu new, %zu already stored, %zu rejected; %llu groups in %s\n",
           n_files, added, known, rejected, (unsigned long long)groups, store_path(st));
    if (fflush(stdout) != 0 || ferror(stdout)) {
        cli_error("ingest", "cannot write: %s", strerror(errno));
        goto out;
    }
    rc = rejected ? CLI_FINDINGS : CLI_OK;
out:
    sym_session_free(ss);
    store_close(st);
    free(rules_text);
    snapset_files_free(files, n_files);
    cli_release(&cli_cmd_ingest, &a);
    return rc;
}
