/*
 * cmd_scrub.c - `bbx scrub [--redact LIST] IN -o OUT`: write a copy of a
 * snapshot without the parts that must not leave the machine (snap_scrub.h).
 * IN is only read; OUT is written whole or not at all (cli_output.h), and
 * may not be IN under any name.  Exit 0 written (also from an incomplete
 * IN, whose copy is incomplete too: stderr says so), 2 bad usage, an
 * unreadable IN, or OUT not writable.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_output.h"
#include "input_file.h"
#include "snap_format.h"
#include "snap_redact.h"
#include "snap_scrub.h"

typedef struct scrub_args {
    const char *in, *out;
    unsigned parts;
    cli_list inputs;
} scrub_args;

static int parse_parts(const char *value, void *slot)
{
    return snap_redact_parse(value, slot) != 0 ? -1 : 0;
}

static const cli_option scrub_options[] = {
    { .kind = CLI_CHECKED, .name = "--redact", .slot = offsetof(scrub_args, parts),
      .arg = "LIST", .needs = "a list", .is_not = "a list of parts such as paths,peers",
      .parse = parse_parts,
      .help = "comma-separated parts to hold back, listed below (default: all); 'all' "
              "is every part; secrets are always included unless the list says "
              "'-secrets' or 'none'" },
    { .kind = CLI_GROUP, .slot = offsetof(scrub_args, out), .group = cli_group_output,
      .required = 1,
      .help = "where to write the copy (a regular file, written under a temporary name "
              "and renamed; '-' for standard output when it is not a terminal); OUT "
              "may not be IN" },
    CLI_OPTIONS_END,
};

static int cmd_scrub(int argc, char **argv);

const cli_command cli_cmd_scrub = {
    .name = "scrub",
    .summary = "copy a snapshot without private parts, before sharing it",
    .operands = "IN",
    .about =
        "Write a copy of the snapshot IN to OUT without what must not leave the\n"
        "machine, e.g. before attaching it to a bug report.  IN is never changed.\n",
    .more =
        "The parts of --redact LIST:\n"
        "  secrets      values of secret-looking arguments in command\n"
        "               lines (--password=X, token=X, user:X@host...)\n"
        "  cmdline      the command lines (process and children)\n"
        "  registers    every thread's register values\n"
        "  paths        file paths and unix socket names; exe and\n"
        "               module paths keep their file name\n"
        "  peers        socket peer addresses\n"
        "  host         the host name\n"
        "  breadcrumbs  the breadcrumb log lines\n"
        "  annotations  the annotations (key/value pairs)\n"
        "\n"
        "Only what this bbx knows is copied: records and fields of a newer format are\n"
        "dropped (a privacy tool cannot tell whether they are private).  The copy's\n"
        "CAPTURE record lists what was held back (bbx show: 'redacted:').  An\n"
        "incomplete IN (cut short, corrupt) gives an incomplete OUT with every record\n"
        "that could be read, and a warning.\n"
        "\n"
        "Exit status: 0 written, 2 bad usage, an IN that is not a readable snapshot,\n"
        "OUT is IN, or OUT cannot be written.\n",
    .options = scrub_options,
    .operand_slot = offsetof(scrub_args, inputs),
    .run = cmd_scrub,
};

/* 0 parsed, 1 help printed, -1 error printed. */
static int parse_args(int argc, char **argv, scrub_args *a)
{
    a->parts = SNAP_REDACT_ALL;
    int p = cli_parse(&cli_cmd_scrub, argc, argv, a);
    size_t n_in = a->inputs.n;
    a->in = n_in ? a->inputs.v[0] : NULL;
    cli_release(&cli_cmd_scrub, a); /* a->in is argv's */
    if (p != CLI_PARSED)
        return p == CLI_HELP_SHOWN ? 1 : -1;
    if (n_in > 1) {
        cli_usage_error(&cli_cmd_scrub, "one IN only");
        return -1;
    }
    if (!a->in || !a->out) {
        cli_error("scrub", "usage: bbx scrub [--redact LIST] IN -o OUT");
        return -1;
    }
    return 0;
}

/* IN must be a regular file, and OUT must not be it under another name. */
static int check_files(const scrub_args *a)
{
    struct stat in, out;
    if (stat(a->in, &in) != 0) {
        cli_error("scrub", "%s: cannot open: %s", a->in, strerror(errno));
        return -1;
    }
    if (!S_ISREG(in.st_mode)) { /* never opened: a FIFO would block */
        cli_error("scrub", "%s: not a regular file (%s)", a->in, input_kind_name(in.st_mode));
        return -1;
    }
    if (strcmp(a->out, "-") == 0) {
        if (isatty(STDOUT_FILENO)) {
            cli_error("scrub", "will not write a snapshot to a terminal (use -o FILE)");
            return -1;
        }
        return 0;
    }
    if (strcmp(a->in, a->out) == 0 ||
        (stat(a->out, &out) == 0 && out.st_dev == in.st_dev && out.st_ino == in.st_ino)) {
        cli_error("scrub", "%s: OUT is the input file; write the copy elsewhere", a->out);
        return -1;
    }
    return 0;
}

static void say_what_happened(const scrub_args *a, const snap_scrub_result *r)
{
    if (!r->complete)
        cli_error("scrub", "%s: incomplete snapshot (%s): %s is incomplete too", a->in,
                  r->incomplete_why, a->out);
    if (r->unknown_records || r->unknown_fields)
        cli_error("scrub", "%s: dropped %llu records and %llu fields this bbx does not know",
                  a->in, (unsigned long long)r->unknown_records,
                  (unsigned long long)r->unknown_fields);
    if (r->too_large)
        cli_error("scrub", "%s: dropped %llu records over 1 MiB", a->in,
                  (unsigned long long)r->too_large);
}

static int cmd_scrub(int argc, char **argv)
{
    scrub_args a = { 0 };
    snap_scrub_result r;
    cli_output o;
    char err[256];
    int rc = parse_args(argc, argv, &a);
    if (rc != 0)
        return rc > 0 ? CLI_OK : CLI_ERROR;
    if (check_files(&a) != 0 || cli_output_open(&o, "scrub", a.out) != 0)
        return CLI_ERROR;
    fflush(o.f);
    if (snap_scrub(a.in, fileno(o.f), a.parts, &r, err, sizeof(err)) != 0) {
        cli_output_close(&o, "scrub", 0);
        cli_error("scrub", "%s: %s", a.in, err);
        return CLI_ERROR;
    }
    if (cli_output_close(&o, "scrub", 1) != 0)
        return CLI_ERROR;
    say_what_happened(&a, &r);
    return CLI_OK;
}
