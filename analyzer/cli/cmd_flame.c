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

static const char flame_usage[] =
    "usage: bbx flame [--what stacks|fd-origins|thread-origins]\n"
    "                 [--format folded|svg|speedscope|pprof] [-o OUT] [--leaks-only]\n"
    "                 [--modules] [--no-inline] [--group thread|snapshot]\n"
    "                 [--diff BASE...] [--no-symbols] [--debug-dir DIR]... [--width PX]\n"
    "                 [--debuginfod-timeout SECONDS] FILE...|DIR...\n"
    "\n"
    "Fold the stacks found in snapshots into a flame graph: each thread of each\n"
    "snapshot counts once, equal stacks add up.  A DIR stands for the *.bbx files\n"
    "in it.  Frames are symbolized (one frame per inlined call) and written root\n"
    "first; a thread that was not unwound shows what the kernel knew of it\n"
    "([kernel: WCHAN], [blocked in syscall N], [no stack]).  Snapshots of several\n"
    "processes make one graph with each process a root frame 'pid N PROGRAM'\n"
    "(after the group in folded lines); with --diff processes are merged.\n"
    "\n"
    "  --what stacks           thread stacks (default)\n"
    "  --what fd-origins       creation stacks of the live fds (tracking mode), under\n"
    "                          a leaf naming the fd kind: [socket], [file], ...\n"
    "  --what thread-origins   creation stacks of the live threads, under a leaf\n"
    "                          [thread NAME]\n"
    "  --leaks-only            origins: only the fds / threads of groups that\n"
    "                          'bbx leaks' calls suspects (each process on its own)\n"
    "  --format folded         one line per stack, 'group;root;...;leaf COUNT' (the\n"
    "                          input of flamegraph.pl and inferno; default)\n"
    "  --format svg            an interactive flame graph (default width 1200 px)\n"
    "  --format speedscope     speedscope's JSON file format, a profile per group\n"
    "  --format pprof          gzip'd profile.proto for 'go tool pprof'; samples\n"
    "                          labelled with their group (binary: needs -o or a pipe)\n"
    "  -o OUT                  write to OUT (replaced whole, never half written)\n"
    "                          instead of standard output\n"
    "  --group thread          group stacks by thread name (default); the group is\n"
    "                          the root frame of folded stacks\n"
    "  --group snapshot        group stacks by snapshot file\n"
    "  --modules               frame names 'function [module]'\n"
    "  --no-inline             only the outermost function of each address\n"
    "  --diff BASE...          compare with the snapshots BASE (files or dirs, up to\n"
    "                          the next option): folded lines 'stack BASE CURRENT'\n"
    "                          as difffolded.pl writes them, or a differential SVG\n"
    "  --no-symbols            module+offset names only\n"
    "  --debug-dir DIR         also look for binaries and debug files under DIR\n"
    "                          (repeatable; as for bbx show)\n"
    "  --debuginfod-timeout SECONDS\n"
    "                          most time spent on debuginfod in the whole run\n"
    "                          (default $BBX_DEBUGINFOD_TIMEOUT, else 5; 0: not\n"
    "                          asked; as for bbx show)\n"
    "  --width PX              SVG width\n"
    "  -h, --help              this help\n"
    "\n"
    "Exit status: 0 written, 2 bad usage, a file that is not a readable snapshot\n"
    "(a FIFO, device, socket or directory, named or among a DIR's *.bbx, is\n"
    "refused at once, never waited on), an empty directory, or an output that\n"
    "cannot be written.\n";

enum flame_format { FORMAT_FOLDED, FORMAT_SVG, FORMAT_SPEEDSCOPE, FORMAT_PPROF };

typedef struct flame_args {
    flame_options fo;
    enum flame_format format;
    const char *out_path;
    int with_module, symbols;
    unsigned width;
    char **paths, **base;
    size_t n_paths, n_base;
    const char **dirs;
    size_t n_dirs;
    const char *debuginfod;
} flame_args;

static int pick(const char *v, const char *const *names, int n)
{
    for (int i = 0; v && i < n; i++)
        if (strcmp(v, names[i]) == 0)
            return i;
    return -1;
}

/* Parse argv into a; 0, 1 after --help, -1 on bad usage (printed). */
static int parse_args(int argc, char **argv, flame_args *a)
{
    static const char *const whats[] = { "stacks", "fd-origins", "thread-origins" };
    static const char *const formats[] = { "folded", "svg", "speedscope", "pprof" };
    static const char *const groups[] = { "thread", "snapshot" };
    int opts = 1, in_diff = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
        int k;
        if (opts && arg[0] == '-' && arg[1])
            in_diff = 0;
        if (opts && strcmp(arg, "--") == 0) {
            opts = 0;
        } else if (opts && (strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0)) {
            fputs(flame_usage, stdout);
            return 1;
        } else if (opts && strcmp(arg, "--what") == 0) {
            if ((k = pick(val, whats, 3)) < 0) {
                cli_error("flame", "--what needs stacks, fd-origins or thread-origins, not "
                          "'%s'", val ? val : "");
                return -1;
            }
            a->fo.what = (enum flame_what)k;
            i++;
        } else if (opts && strcmp(arg, "--format") == 0) {
            if ((k = pick(val, formats, 4)) < 0) {
                cli_error("flame", "--format needs folded, svg, speedscope or pprof, not "
                          "'%s'", val ? val : "");
                return -1;
            }
            a->format = (enum flame_format)k;
            i++;
        } else if (opts && strcmp(arg, "--group") == 0) {
            if ((k = pick(val, groups, 2)) < 0) {
                cli_error("flame", "--group needs thread or snapshot, not '%s'",
                          val ? val : "");
                return -1;
            }
            a->fo.group_by_snapshot = k;
            i++;
        } else if (opts && (strcmp(arg, "-o") == 0 || strcmp(arg, "--output") == 0)) {
            if (!val || !*val) {
                cli_error("flame", "-o needs a file name (see 'bbx flame --help')");
                return -1;
            }
            a->out_path = val;
            i++;
        } else if (opts && strcmp(arg, "--width") == 0) {
            char *end;
            unsigned long w = val ? strtoul(val, &end, 10) : 0;
            if (!val || !*val || *end || w < 100 || w > 100000) {
                cli_error("flame", "--width needs a number of pixels, 100 to 100000");
                return -1;
            }
            a->width = (unsigned)w;
            i++;
        } else if (opts && strcmp(arg, "--debug-dir") == 0) {
            if (!val) {
                cli_error("flame", "--debug-dir needs a directory (see 'bbx flame --help')");
                return -1;
            }
            a->dirs[a->n_dirs++] = val;
            i++;
        } else if (opts && strcmp(arg, CLI_DEBUGINFOD_TIMEOUT) == 0) {
            if (!val) {
                cli_error("flame", "%s needs seconds (see 'bbx flame --help')", arg);
                return -1;
            }
            a->debuginfod = val;
            i++;
        } else if (opts && strcmp(arg, "--leaks-only") == 0) {
            a->fo.leaks_only = 1;
        } else if (opts && strcmp(arg, "--modules") == 0) {
            a->with_module = 1;
        } else if (opts && strcmp(arg, "--no-inline") == 0) {
            a->fo.inline_frames = 0;
        } else if (opts && strcmp(arg, "--no-symbols") == 0) {
            a->symbols = 0;
        } else if (opts && strcmp(arg, "--diff") == 0) {
            in_diff = 1;
        } else if (opts && arg[0] == '-' && arg[1]) {
            cli_error("flame", "unknown option '%s' (see 'bbx flame --help')", arg);
            return -1;
        } else if (in_diff) {
            a->base[a->n_base++] = argv[i];
        } else {
            a->paths[a->n_paths++] = argv[i];
        }
    }
    if (!a->n_paths) {
        cli_error("flame", "no FILE or DIR given (usage: bbx flame [options] FILE...|DIR)");
        return -1;
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--diff") == 0 && !a->n_base) {
            cli_error("flame", "--diff needs BASE snapshots (files or directories)");
            return -1;
        }
    }
    if (a->n_base && (a->format == FORMAT_SPEEDSCOPE || a->format == FORMAT_PPROF)) {
        cli_error("flame", "--diff works with --format folded or svg");
        return -1;
    }
    return 0;
}

/* 1 when path names the same file as one of the inputs (or one inside an
 * input): -o must not overwrite a snapshot. */
static int is_input(const flame_args *a, const char *path)
{
    struct stat so, si;
    int same = 0;
    if (stat(path, &so) == 0) {
        for (size_t i = 0; i < a->n_paths + a->n_base && !same; i++) {
            const char *p = i < a->n_paths ? a->paths[i] : a->base[i - a->n_paths];
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

int cmd_flame(int argc, char **argv)
{
    flame_args a;
    flame_set *fs = NULL, *base = NULL;
    char err[512];
    int rc = CLI_ERROR;
    memset(&a, 0, sizeof(a));
    a.fo.what = FLAME_STACKS;
    a.fo.inline_frames = 1;
    a.symbols = 1;
    a.paths = calloc((size_t)argc, sizeof(*a.paths));
    a.base = calloc((size_t)argc, sizeof(*a.base));
    a.dirs = calloc((size_t)argc, sizeof(*a.dirs));
    if (!a.paths || !a.base || !a.dirs) {
        cli_error("flame", "out of memory");
        goto out;
    }
    int p = parse_args(argc, argv, &a);
    if (p != 0) {
        rc = p > 0 ? CLI_OK : CLI_ERROR;
        goto out;
    }
    int dbgd_ms;
    if (cli_debuginfod_timeout("flame", a.debuginfod, &dbgd_ms) < 0)
        goto out;
    sym_options so = cli_sym_options(a.dirs, a.n_dirs, 0, dbgd_ms);
    a.fo.symbols = a.symbols ? sym_session_new(&so) : NULL;
    a.fo.merge_processes = a.n_base != 0; /* a diff compares stacks, not processes */
    if (!(fs = flame_from_paths(a.paths, a.n_paths, &a.fo, err, sizeof(err))) ||
        (a.n_base && !(base = flame_from_paths(a.base, a.n_base, &a.fo, err, sizeof(err))))) {
        cli_error("flame", "%s", err);
        goto out;
    }
    rc = emit(&a, fs, base);
out:
    flame_set_free(fs);
    flame_set_free(base);
    sym_session_free(a.fo.symbols);
    free(a.paths);
    free(a.base);
    free(a.dirs);
    return rc;
}
