/*
 * cli_options.c - the option parser of every `bbx` subcommand and the help
 * generated from the same tables (cli_options.h), with the shared groups
 * --json, -o/--output and --pid.  Every parsing error is worded here.
 */
#include "cli_options.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define LINE_WIDTH 79
#define SPEC_MAX 24 /* a longer option spec puts its help on the next line */

/* ---- walking a table, groups included ------------------------------------ */

/* fn sees every option (groups flattened) with its slot made absolute.
 * A group entry's help/arg/required apply to a one-option group. */
typedef int (*visit_fn)(const cli_option *o, size_t slot, void *ctx);

static int walk(const cli_option *t, size_t base, const cli_option *over, visit_fn fn,
                void *ctx)
{
    for (; t->kind != CLI_END; t++) {
        int r;
        if (t->kind == CLI_GROUP) {
            r = walk(t->group, base + t->slot, t, fn, ctx);
        } else if (over && (over->help || over->arg || over->required)) {
            cli_option c = *t;
            c.help = over->help ? over->help : c.help;
            c.arg = over->arg ? over->arg : c.arg;
            c.required |= over->required;
            r = fn(&c, base + t->slot, ctx);
        } else {
            r = fn(t, base + t->slot, ctx);
        }
        if (r)
            return r;
    }
    return 0;
}

typedef struct lookup {
    const char *name; /* "--json" (len bytes), or NULL to look for letter */
    size_t len;
    char letter;
    cli_option found;
    size_t slot;
} lookup;

static int match(const cli_option *o, size_t slot, void *ctx)
{
    lookup *l = ctx;
    int hit = l->name ? o->name && strlen(o->name) == l->len &&
                            memcmp(o->name, l->name, l->len) == 0
                      : o->letter && o->letter == l->letter;
    if (hit) {
        l->found = *o;
        l->slot = slot;
    }
    return hit;
}

/* ---- errors ------------------------------------------------------------- */

/* "stacks, fd-origins or thread-origins" */
static void choice_words(const cli_choice *c, char *buf, size_t len)
{
    size_t n = 0, used = 0;
    while (c[n].name)
        n++;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s",
                                 i == 0 ? "" : i + 1 == n ? " or " : ", ", c[i].name);
}

static const char *needs_words(const cli_option *o, char *buf, size_t len)
{
    if (o->kind != CLI_CHOICE)
        return o->needs;
    choice_words(o->choices, buf, len);
    return buf;
}

/* ---- values ------------------------------------------------------------- */

static int list_add(cli_list *l, char *v, int argc)
{
    if (!l->v && !(l->v = calloc((size_t)argc, sizeof(*l->v))))
        return -1;
    l->v[l->n++] = v; /* at most argc - 1 values or operands */
    return 0;
}

static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
    char *end;
    if (!*s || strspn(s, "0123456789") != strlen(s))
        return -1;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* Store value (NULL for the kinds that take none).  0; 1 bad value; -1 out
 * of memory. */
static int apply(const cli_option *o, void *slot, char *value, int argc)
{
    switch (o->kind) {
    case CLI_FLAG:
        *(int *)slot = 1;
        return 0;
    case CLI_TEXT:
        *(const char **)slot = value;
        return 0;
    case CLI_LIST:
        ((cli_list *)slot)->given = 1;
        return list_add(slot, value, argc);
    case CLI_UINT:
        return parse_uint(value, o->min, o->max, slot) < 0;
    case CLI_CHOICE:
        for (int i = 0; o->choices[i].name; i++)
            if (strcmp(value, o->choices[i].name) == 0) {
                *(int *)slot = i;
                return 0;
            }
        return 1;
    case CLI_CHECKED:
        return o->parse(value, slot) < 0;
    case CLI_OPERANDS:
        ((cli_list *)slot)->given = 1;
        return 0;
    case CLI_END:
    case CLI_GROUP:
        break;
    }
    return 1;
}

/* ---- the parser ---------------------------------------------------------- */

static int is_option(const cli_command *cmd, const char *a)
{
    if (a[0] != '-' || !a[1])
        return 0;
    return !(cmd->dash_digit_operands && isdigit((unsigned char)a[1]));
}

/* Find argv[*i]'s option, take its value and store it.  0, or -1 after
 * the error.  *sink is where the next operands go. */
static int one_option(const cli_command *cmd, int argc, char **argv, int *i, char *args,
                      cli_list **sink)
{
    const char *a = argv[*i];
    char *value = NULL, spelled[128], words[256];
    lookup l = { 0 };
    if (a[1] == '-') {
        const char *eq = strchr(a, '=');
        l.name = a;
        l.len = eq ? (size_t)(eq - a) : strlen(a);
        value = eq ? (char *)eq + 1 : NULL;
    } else {
        l.letter = a[1];
        value = a[2] ? (char *)a + 2 : NULL;
    }
    if (!walk(cmd->options, 0, NULL, match, &l)) {
        cli_usage_error(cmd, "unknown option '%s'", a);
        return -1;
    }
    snprintf(spelled, sizeof(spelled), "%.*s", l.name ? (int)l.len : 2, a);
    const cli_option *o = &l.found;
    void *slot = args + l.slot;
    *sink = (cli_list *)(args + cmd->operand_slot);
    if (o->kind == CLI_FLAG || o->kind == CLI_OPERANDS) {
        if (value) {
            cli_usage_error(cmd, "%s takes no value", spelled);
            return -1;
        }
        if (o->kind == CLI_OPERANDS)
            *sink = slot;
        return apply(o, slot, NULL, argc);
    }
    if (!value && *i + 1 < argc)
        value = argv[++*i];
    if (!value || !*value) {
        cli_usage_error(cmd, "%s needs %s", spelled, needs_words(o, words, sizeof(words)));
        return -1;
    }
    int r = apply(o, slot, value, argc);
    if (r > 0)
        cli_usage_error(cmd, "%s: '%s' is not %s", spelled, value,
                        o->is_not ? o->is_not : needs_words(o, words, sizeof(words)));
    return r ? -1 : 0;
}

int cli_parse(const cli_command *cmd, int argc, char **argv, void *args)
{
    char *base = args;
    cli_list *sink = (cli_list *)(base + cmd->operand_slot);
    int opts = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (opts && strcmp(a, "--") == 0) {
            opts = 0;
            sink = (cli_list *)(base + cmd->operand_slot);
        } else if (!opts || !is_option(cmd, a)) {
            if (!cmd->operands[0] && sink == (cli_list *)(base + cmd->operand_slot)) {
                cli_usage_error(cmd, "unexpected operand '%s' (it takes options only)", a);
                return CLI_BAD_USAGE;
            }
            if (list_add(sink, argv[i], argc) < 0) {
                cli_error(cmd->name, "out of memory");
                return CLI_BAD_USAGE;
            }
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            cli_help(cmd, stdout);
            return CLI_HELP_SHOWN;
        } else if (one_option(cmd, argc, argv, &i, base, &sink) < 0) {
            return CLI_BAD_USAGE;
        }
    }
    return CLI_PARSED;
}

static int release_one(const cli_option *o, size_t slot, void *ctx)
{
    if (o->kind == CLI_LIST || o->kind == CLI_OPERANDS) {
        cli_list *l = (cli_list *)((char *)ctx + slot);
        free(l->v);
        l->v = NULL;
        l->n = 0;
    }
    return 0;
}

void cli_release(const cli_command *cmd, void *args)
{
    if (cmd->operands[0]) { /* a command without operands has no list for them */
        cli_list *ops = (cli_list *)((char *)args + cmd->operand_slot);
        free(ops->v);
        ops->v = NULL;
        ops->n = 0;
    }
    walk(cmd->options, 0, NULL, release_one, args);
}

/* ---- help ------------------------------------------------------------ */

/* How an option is written in the option list ("-o, --output OUT"), once
 * per value for a choice. */
static void spec(const cli_option *o, const char *choice, char *buf, size_t len)
{
    const char *arg = choice ? choice : o->kind == CLI_FLAG ? NULL : o->arg;
    if (o->letter && o->name)
        snprintf(buf, len, "-%c, %s%s%s", o->letter, o->name, arg ? " " : "", arg ? arg : "");
    else if (o->name)
        snprintf(buf, len, "%s%s%s", o->name, arg ? " " : "", arg ? arg : "");
    else
        snprintf(buf, len, "-%c%s%s", o->letter, arg ? " " : "", arg ? arg : "");
}

/* The words of text from column indent (already reached) up to LINE_WIDTH,
 * continuation lines indented as far; '\n' breaks a line. */
static void wrap(FILE *out, const char *text, int indent)
{
    int at = indent;
    const char *p = text;
    while (*p) {
        if (*p == '\n') {
            fprintf(out, "\n%*s", indent, "");
            at = indent;
            p++;
            continue;
        }
        if (*p == ' ') {
            p++;
            continue;
        }
        int n = (int)strcspn(p, " \n");
        if (at > indent && at + 1 + n > LINE_WIDTH) {
            fprintf(out, "\n%*s", indent, "");
            at = indent;
        } else if (at > indent) {
            fputc(' ', out);
            at++;
        }
        fwrite(p, 1, (size_t)n, out);
        at += n;
        p += n;
    }
    fputc('\n', out);
}

typedef struct help_ctx {
    FILE *out;
    int col;  /* the help column */
    int widest;
    int markdown;
} help_ctx;

static int measure(const cli_option *o, size_t slot, void *ctx)
{
    help_ctx *h = ctx;
    char buf[160];
    (void)slot;
    for (int i = 0; o->kind != CLI_CHOICE || o->choices[i].name; i++) {
        spec(o, o->kind == CLI_CHOICE ? o->choices[i].name : NULL, buf, sizeof(buf));
        int n = (int)strlen(buf);
        if (n <= SPEC_MAX && n > h->widest)
            h->widest = n;
        if (o->kind != CLI_CHOICE)
            break;
    }
    return 0;
}

static void md_text(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '|' || *s == '*' || *s == '_' || *s == '<' || *s == '`' || *s == '[' ||
            *s == '\\')
            fputc('\\', out);
        fputc(*s == '\n' ? ' ' : *s, out);
    }
}

static void option_line(help_ctx *h, const char *sp, const char *text)
{
    if (h->markdown) {
        fprintf(h->out, "| `%s` | ", sp);
        md_text(h->out, text);
        fputs(" |\n", h->out);
        return;
    }
    int n = fprintf(h->out, "  %s", sp);
    if (n + 2 > h->col) {
        fprintf(h->out, "\n%*s", h->col, "");
    } else {
        fprintf(h->out, "%*s", h->col - n, "");
    }
    wrap(h->out, text, h->col);
}

static int describe(const cli_option *o, size_t slot, void *ctx)
{
    help_ctx *h = ctx;
    char buf[160];
    (void)slot;
    if (o->kind == CLI_CHOICE) {
        for (int i = 0; o->choices[i].name; i++) {
            spec(o, o->choices[i].name, buf, sizeof(buf));
            option_line(h, buf, o->choices[i].help);
        }
        return 0;
    }
    spec(o, NULL, buf, sizeof(buf));
    option_line(h, buf, o->help);
    return 0;
}

typedef struct usage_ctx {
    FILE *out;
    int at, indent;
} usage_ctx;

static void usage_word(usage_ctx *u, const char *w)
{
    int n = (int)strlen(w);
    if (u->at > u->indent && u->at + 1 + n > LINE_WIDTH) {
        fprintf(u->out, "\n%*s", u->indent, "");
        u->at = u->indent;
    } else if (u->at > u->indent) {
        fputc(' ', u->out);
        u->at++;
    }
    fputs(w, u->out);
    u->at += n;
}

static int usage_item(const cli_option *o, size_t slot, void *ctx)
{
    char flag[64], arg[192], item[256];
    (void)slot;
    if (o->letter)
        snprintf(flag, sizeof(flag), "-%c", o->letter);
    else
        snprintf(flag, sizeof(flag), "%s", o->name);
    arg[0] = '\0';
    if (o->kind == CLI_CHOICE) {
        size_t used = 0;
        for (int i = 0; o->choices[i].name && used < sizeof(arg); i++)
            used += (size_t)snprintf(arg + used, sizeof(arg) - used, "%s%s", i ? "|" : "",
                                     o->choices[i].name);
    } else if (o->kind != CLI_FLAG) {
        snprintf(arg, sizeof(arg), "%s", o->arg);
    }
    snprintf(item, sizeof(item), "%s%s%s%s%s%s", o->required ? "" : "[", flag,
             arg[0] ? " " : "", arg, o->required ? "" : "]",
             o->kind == CLI_LIST ? "..." : "");
    usage_word(ctx, item);
    return 0;
}

static void usage_line(const cli_command *cmd, FILE *out)
{
    usage_ctx u = { out, 0, 0 };
    u.at = u.indent = fprintf(out, "usage: bbx %s ", cmd->name);
    walk(cmd->options, 0, NULL, usage_item, &u);
    usage_word(&u, cmd->operands);
    fputc('\n', out);
}

static const cli_option help_option = {
    .kind = CLI_FLAG, .name = "--help", .letter = 'h', .help = "this help",
};

void cli_help(const cli_command *cmd, FILE *out)
{
    help_ctx h = { out, 0, 10, 0 };
    usage_line(cmd, out);
    fprintf(out, "\n%s\n", cmd->about);
    walk(cmd->options, 0, NULL, measure, &h);
    h.col = 2 + h.widest + 2;
    walk(cmd->options, 0, NULL, describe, &h);
    describe(&help_option, 0, &h);
    if (cmd->more)
        fprintf(out, "\n%s", cmd->more);
}

void cli_help_markdown(const cli_command *cmd, FILE *out)
{
    help_ctx h = { out, 0, 0, 1 };
    fprintf(out, "## bbx %s\n\n%c%s.\n\n```\n", cmd->name,
            toupper((unsigned char)cmd->summary[0]), cmd->summary + 1);
    usage_line(cmd, out);
    fprintf(out, "```\n\n```text\n%s```\n\n| option | meaning |\n| --- | --- |\n", cmd->about);
    walk(cmd->options, 0, NULL, describe, &h);
    describe(&help_option, 0, &h);
    if (cmd->more)
        fprintf(out, "\n```text\n%s```\n", cmd->more);
}

/* ---- shared groups ----------------------------------------------------- */

const cli_option cli_group_json[] = {
    { .kind = CLI_FLAG, .name = "--json",
      .help = "one JSON document instead (fields: docs/JSON.md)" },
    CLI_OPTIONS_END,
};

const cli_option cli_group_all_threads[] = {
    { .kind = CLI_FLAG, .name = "--all-threads",
      .help = "every thread's stack on its own (default: threads with identical stacks "
              "folded into one entry)" },
    CLI_OPTIONS_END,
};

const cli_option cli_group_output[] = {
    { .kind = CLI_TEXT, .name = "--output", .letter = 'o', .arg = "OUT",
      .needs = "a file name", .help = "write to OUT ('-': standard output)" },
    CLI_OPTIONS_END,
};

/* A process id: decimal digits only, not 0. */
static int parse_pid(const char *s, void *slot)
{
    char *end;
    if (strspn(s, "0123456789") != strlen(s))
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v == 0)
        return -1;
    *(uint64_t *)slot = v;
    return 0;
}

const cli_option cli_group_pid[] = {
    { .kind = CLI_CHECKED, .name = "--pid", .arg = "N", .needs = "a process id",
      .parse = parse_pid, .help = "use only the snapshots of process N" },
    CLI_OPTIONS_END,
};
