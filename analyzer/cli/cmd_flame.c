/*
 * cmd_flame.c - `bbx flame FILE...|DIR`: the stacks of every thread, or
 * the creation stacks of live fds or threads, as a flame graph (SVG) or in
 * the formats flame-graph tools read (folded, speedscope, pprof).
 * flame_collect.h gathers the stacks; flame_write.h and flame_svg.h write.
 * Exit 0 done, 2 bad usage or unreadable input.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* asprintf */
#endif
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_symbols.h"
#include "cli_output.h"
#include "flame_collect.h"
#include "flame_svg.h"
#include "flame_write.h"

enum flame_format { FORMAT_FOLDED, FORMAT_SVG, FORMAT_SPEEDSCOPE, FORMAT_PPROF };

typedef struct flame_args {
    flame_options fo;
    int what, format, group, leaks_only, no_inline, with_module;
    const char *out_path;
    unsigned width;
    cli_list paths, base;
    cli_symbols sym;
} flame_args;

static const cli_choice whats[] = {
    { "stacks", "thread stacks (default)" },
    { "fd-origins", "creation stacks of the live fds (tracking mode), under a leaf naming "
                    "the fd kind: [socket], [file], ..." },
    { "thread-origins", "creation stacks of the live threads, under a leaf [thread NAME]" },
    { "heap", "the live heap by allocating stack (sampled heap tracking, BBX_TRACK=heap), "
              "weighted by estimated live bytes, under a leaf [malloc] or [mmap]; pprof "
              "has inuse_space, inuse_objects, alloc_space, alloc_objects" },
    { "heap-alloc", "the same weighted by the bytes allocated since tracking started" },
    { 0 },
};

static const cli_choice formats[] = { /* as enum flame_format */
    { "folded", "one line per stack, 'group;root;...;leaf COUNT' (the input of "
                "flamegraph.pl and inferno; default)" },
    { "svg", "an interactive flame graph (default width 1200 px); with several groups "
             "each is the level above the root, as in folded" },
    { "speedscope", "speedscope's JSON file format, a profile per group" },
    { "pprof", "gzip'd profile.proto for 'go tool pprof'; samples labelled with their "
               "group (binary: needs -o or a pipe)" },
    { 0 },
};

static const cli_choice groups[] = {
    { "thread", "group stacks by thread name (default); the group is the root frame of "
                "folded stacks and the first level of the SVG" },
    { "snapshot", "group stacks by snapshot file" },
    { 0 },
};

static const cli_option flame_options_table[] = {
    { .kind = CLI_CHOICE, .name = "--what", .slot = offsetof(flame_args, what),
      .choices = whats },
    { .kind = CLI_FLAG, .name = "--leaks-only", .slot = offsetof(flame_args, leaks_only),
      .help = "origins: only the fds / threads of groups that 'bbx leaks' calls suspects "
              "(each process on its own)" },
    { .kind = CLI_CHOICE, .name = "--format", .slot = offsetof(flame_args, format),
      .choices = formats },
    CLI_GROUP_HELP(flame_args, out_path, cli_group_output,
                   "write to OUT (replaced whole, never half written) instead of standard "
                   "output"),
    { .kind = CLI_CHOICE, .name = "--group", .slot = offsetof(flame_args, group),
      .choices = groups },
    { .kind = CLI_FLAG, .name = "--modules", .slot = offsetof(flame_args, with_module),
      .help = "frame names 'function [module]'" },
    { .kind = CLI_FLAG, .name = "--no-inline", .slot = offsetof(flame_args, no_inline),
      .help = "only the outermost function of each address" },
    { .kind = CLI_OPERANDS, .name = "--diff", .slot = offsetof(flame_args, base),
      .arg = "BASE...",
      .help = "compare with the snapshots BASE (files or dirs, up to the next option): "
              "folded lines 'stack BASE CURRENT' as difffolded.pl writes them, or a "
              "differential SVG" },
    CLI_GROUP_AT(flame_args, sym, cli_group_symbols),
    { .kind = CLI_UINT, .name = "--width", .slot = offsetof(flame_args, width), .arg = "PX",
      .needs = "a number of pixels", .is_not = "a number of pixels from 100 to 100000",
      .min = 100, .max = 100000, .help = "SVG width" },
    CLI_OPTIONS_END,
};

static int cmd_flame(int argc, char **argv);

const cli_command cli_cmd_flame = {
    .name = "flame",
    .summary = "flame graphs of thread stacks, fd/thread creation stacks or the heap",
    .operands = "FILE...|DIR...",
    .about =
        "Fold the stacks found in snapshots into a flame graph: each thread of each\n"
        "snapshot counts once, equal stacks add up.  A DIR stands for the *.bbx files\n"
        "in it.  Frames are symbolized (one frame per inlined call) and written root\n"
        "first; a thread that was not unwound shows what the kernel knew of it\n"
        "([kernel: WCHAN], [blocked in syscall N], [no stack]).  Snapshots of several\n"
        "processes make one graph with each process a root frame 'pid N PROGRAM'\n"
        "(after the group in folded lines); with --diff processes are merged.\n"
        "--what heap draws sampled heap tracking's allocating stacks (BBX_TRACK=heap)\n"
        "weighted by their estimated live bytes, in the group \"heap\"; with --diff BASE\n"
        "the folded lines give each stack's bytes in BASE and now: what grew.\n",
    .more =
        "Exit status: 0 written, 2 bad usage, a file that is not a readable snapshot\n"
        "(a FIFO, device, socket or directory, named or among a DIR's *.bbx, is\n"
        "refused at once, never waited on), an empty directory, or an output that\n"
        "cannot be written.\n",
    .options = flame_options_table,
    .operand_slot = offsetof(flame_args, paths),
    .run = cmd_flame,
};

/* Parse argv into a; 0, 1 after --help, -1 on bad usage (printed). */
static int parse_args(int argc, char **argv, flame_args *a)
{
    int p = cli_parse(&cli_cmd_flame, argc, argv, a);
    if (p != CLI_PARSED)
        return p == CLI_HELP_SHOWN ? 1 : -1;
    if (!a->paths.n) {
        cli_error("flame", "no FILE or DIR given (usage: bbx flame [options] FILE...|DIR)");
        return -1;
    }
    if (a->base.given && !a->base.n) {
        cli_error("flame", "--diff needs BASE snapshots (files or directories)");
        return -1;
    }
    if (a->base.n && (a->format == FORMAT_SPEEDSCOPE || a->format == FORMAT_PPROF)) {
        cli_error("flame", "--diff works with --format folded or svg");
        return -1;
    }
    a->fo.what = (enum flame_what)a->what;
    a->fo.group_by_snapshot = a->group;
    a->fo.leaks_only = a->leaks_only;
    a->fo.inline_frames = !a->no_inline;
    return 0;
}

/* 1 when path names the same file as one of the inputs (or one inside an
 * input): -o must not overwrite a snapshot. */
static int is_input(const flame_args *a, const char *path)
{
    struct stat so, si;
    int same = 0;
    if (stat(path, &so) == 0) {
        for (size_t i = 0; i < a->paths.n + a->base.n && !same; i++) {
            const char *p = i < a->paths.n ? a->paths.v[i] : a->base.v[i - a->paths.n];
            same = stat(p, &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino;
        }
    }
    return same;
}

static int write_format(const flame_args *a, const flame_set *fs, const flame_set *base,
                        FILE *out)
{
    switch (a->format) {
    case FORMAT_FOLDED:
        return flame_write_folded(fs, base, a->with_module, out);
    case FORMAT_SPEEDSCOPE:
        return flame_write_speedscope(fs, a->with_module, out);
    case FORMAT_PPROF:
        return flame_write_pprof(fs, a->fo.group_by_snapshot ? "snapshot" : "thread", out);
    case FORMAT_SVG: {
        flame_svg_options so = { a->width, a->with_module, NULL };
        return flame_write_svg(fs, base, &so, out);
    }
    }
    return -1;
}

/* Write to a->out_path (cli_output.h: whole or not at all) or to stdout.
 * CLI exit code. */
static int emit(const flame_args *a, const flame_set *fs, const flame_set *base)
{
    cli_output o;
    if (!a->out_path && a->format == FORMAT_PPROF && isatty(STDOUT_FILENO)) {
        cli_error("flame", "pprof output is binary: give -o FILE or redirect it");
        return CLI_ERROR;
    }
    if (a->out_path && is_input(a, a->out_path)) {
        cli_error("flame", "%s: is one of the input snapshots; not overwriting it",
                  a->out_path);
        return CLI_ERROR;
    }
    if (cli_output_open(&o, "flame", a->out_path ? a->out_path : "-") < 0)
        return CLI_ERROR;
    int ok = write_format(a, fs, base, o.f) == 0;
    if (!ok)
        cli_error("flame", "%s: cannot write: %s", a->out_path ? a->out_path : "standard output",
                  errno ? strerror(errno) : "out of memory");
    return cli_output_close(&o, "flame", ok) == 0 ? CLI_OK : CLI_ERROR;
}

static int cmd_flame(int argc, char **argv)
{
    flame_args a = { 0 };
    flame_set *fs = NULL, *base = NULL;
    char err[512];
    int rc = CLI_ERROR;
    int p = parse_args(argc, argv, &a);
    if (p != 0) {
        rc = p > 0 ? CLI_OK : CLI_ERROR;
        goto out;
    }
    int dbgd_ms;
    if (cli_symbols_timeout("flame", &a.sym, &dbgd_ms) < 0)
        goto out;
    a.fo.symbols = cli_symbols_open(&a.sym, dbgd_ms);
    a.fo.merge_processes = a.base.n != 0; /* a diff compares stacks, not processes */
    if (!(fs = flame_from_paths(a.paths.v, a.paths.n, &a.fo, err, sizeof(err))) ||
        (a.base.n && !(base = flame_from_paths(a.base.v, a.base.n, &a.fo, err, sizeof(err))))) {
        cli_error("flame", "%s", err);
        goto out;
    }
    rc = emit(&a, fs, base);
out:
    flame_set_free(fs);
    flame_set_free(base);
    sym_session_free(a.fo.symbols);
    cli_release(&cli_cmd_flame, &a);
    return rc;
}
