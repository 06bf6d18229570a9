/*
 * cmd_symbolize.c - `bbx symbolize -e BINARY [ADDR...]`: addresses of a
 * binary to functions and source lines, every inlined call its own frame,
 * in the layout of `eu-addr2line -f -i` so scripts can switch; --json for
 * machines.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cli_symbols.h"
#include "input_file.h"
#include "json_writer.h"
#include "symbolizer.h"

typedef struct symbolize_args {
    const char *binary;
    int json;
    cli_symbols sym;
    cli_list addrs;
} symbolize_args;

static const cli_option symbolize_options[] = {
    { .kind = CLI_TEXT, .letter = 'e', .slot = offsetof(symbolize_args, binary),
      .arg = "BINARY", .needs = "a file name", .required = 1,
      .help = "the executable or shared library" },
    CLI_GROUP_HELP(symbolize_args, json, cli_group_json,
                   "a JSON array: [{address, frames: [{function, file, line, column, "
                   "inlined}]}]"),
    CLI_GROUP_AT(symbolize_args, sym, cli_group_symbol_sources),
    CLI_OPTIONS_END,
};

static int cmd_symbolize(int argc, char **argv);

const cli_command cli_cmd_symbolize = {
    .name = "symbolize",
    .summary = "addresses of a binary to functions and source lines",
    .operands = "[ADDR...]",
    .about =
        "Print, for each address (hexadecimal, 0x optional; read from standard\n"
        "input, one a line, when none is given), the function and the file:line:column,\n"
        "then one more pair for each call it is inlined into, innermost first -\n"
        "the layout of 'eu-addr2line -f -i -e BINARY'.  Addresses are the binary's\n"
        "own (ELF virtual addresses).  '?" "?' and '?" "?:0' stand for what is unknown.\n",
    .more =
        "Exit status: 0 done, 2 bad usage, an unreadable BINARY or a malformed address.\n",
    .options = symbolize_options,
    .operand_slot = offsetof(symbolize_args, addrs),
    .dash_digit_operands = 1,
    .run = cmd_symbolize,
};

struct out {
    FILE *f;
    int json;
    json_writer jw;
};

/* Output is built by hand into a line buffer: printf was a sixth of the
 * time on cached addresses. */
struct line {
    char buf[8192];
    size_t len;
};

static void put(struct line *l, const char *s)
{
    size_t n = strlen(s);
    if (n > sizeof(l->buf) - 1 - l->len)
        n = sizeof(l->buf) - 1 - l->len;
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

static void put_u(struct line *l, unsigned v)
{
    char t[12];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n && l->len < sizeof(l->buf) - 1)
        l->buf[l->len++] = t[--n];
}

/* FILE:LINE[:COL] (no column when unknown), or ??:0 */
static void put_loc(struct line *l, const char *file, unsigned line, unsigned col)
{
    if (!file) {
        put(l, "??:0");
        return;
    }
    put(l, file);
    put(l, ":");
    put_u(l, line);
    if (col) {
        put(l, ":");
        put_u(l, col);
    }
}

static void emit(struct out *o, uint64_t addr, const sym_frame *fr, size_t n)
{
    if (o->json) {
        json_object_begin(&o->jw);
        json_kv_hex(&o->jw, "address", addr);
        json_key(&o->jw, "frames");
        json_array_begin(&o->jw);
        for (size_t i = 0; i < n; i++) {
            json_object_begin(&o->jw);
            json_kv_string(&o->jw, "function", fr[i].function);
            json_kv_string(&o->jw, "file", fr[i].file);
            json_kv_u64(&o->jw, "line", fr[i].line);
            json_kv_u64(&o->jw, "column", fr[i].column);
            json_kv_bool(&o->jw, "inlined", fr[i].inlined);
            json_object_end(&o->jw);
        }
        json_array_end(&o->jw);
        json_object_end(&o->jw);
        return;
    }
    struct line l;
    l.len = 0;
    if (n == 0)
        put(&l, "??\n??:0\n");
    for (size_t i = 0; i < n; i++) {
        put(&l, fr[i].function ? fr[i].function : "??");
        if (i == 0 && fr[0].inlined) {
            /* eu-addr2line names the ELF symbol after "in" */
            const char *outer = fr[0].symbol ? fr[0].symbol : fr[n - 1].function;
            put(&l, " inlined at ");
            put_loc(&l, fr[0].call_file ? fr[0].call_file : "??", fr[0].call_line,
                    fr[0].call_column);
            put(&l, " in ");
            put(&l, outer ? outer : "??");
        }
        put(&l, "\n");
        put_loc(&l, fr[i].file, fr[i].line, fr[i].column);
        put(&l, "\n");
    }
    fwrite_unlocked(l.buf, 1, l.len, o->f);
}

/* Parse a hexadecimal address (0x optional, surrounding blanks allowed). */
static int parse_addr(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    int digits = 0;
    while (*s == ' ' || *s == '\t')
        s++;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    for (;; s++, digits++) {
        int d;
        if (*s >= '0' && *s <= '9')
            d = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            d = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F')
            d = *s - 'A' + 10;
        else
            break;
        if (v >> 60)
            return -1; /* more than 64 bits */
        v = v << 4 | (uint64_t)d;
    }
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    if (!digits || *s)
        return -1;
    *out = v;
    return 0;
}

/* BINARY is a readable regular file that starts as an ELF file does;
 * else one line on stderr.  -1 or 0. */
static int check_binary(const char *binary)
{
    char err[256];
    unsigned char magic[4];
    int fd = input_open(binary, err, sizeof(err));
    if (fd < 0) {
        cli_error("symbolize", "%s: %s", binary, err);
        return -1;
    }
    ssize_t n = read(fd, magic, sizeof(magic));
    close(fd);
    if (n != (ssize_t)sizeof(magic) || memcmp(magic, "\177ELF", 4) != 0) {
        cli_error("symbolize", "%s: not an ELF file", binary);
        return -1;
    }
    return 0;
}

static int one(struct out *o, sym_session *ss, sym_module *m, const char *text)
{
    uint64_t addr;
    const sym_frame *fr = NULL;
    if (parse_addr(text, &addr) < 0) {
        cli_error("symbolize", "'%s' is not a hexadecimal address", text);
        return -1;
    }
    size_t n = sym_lookup(ss, m, addr, 0, &fr);
    emit(o, addr, fr, n);
    return 0;
}

static int cmd_symbolize(int argc, char **argv)
{
    symbolize_args a = { 0 };
    int rc = CLI_ERROR, dbgd_ms;
    struct out o;
    sym_session *ss = NULL;
    int parsed = cli_parse(&cli_cmd_symbolize, argc, argv, &a);
    if (parsed != CLI_PARSED) {
        rc = cli_parse_exit(parsed);
        goto out;
    }
    if (cli_symbols_timeout("symbolize", &a.sym, &dbgd_ms) < 0)
        goto out;
    const char *binary = a.binary;
    int json = a.json;
    if (!binary) {
        cli_error("symbolize", "no binary given (usage: bbx symbolize -e BINARY [ADDR...])");
        goto out;
    }
    if (check_binary(binary) < 0)
        goto out;

    ss = cli_symbols_open(&a.sym, dbgd_ms);
    sym_module *m = ss ? sym_module_get(ss, binary, NULL, 0) : NULL;
    if (!m) {
        cli_error("symbolize", "out of memory");
        goto out;
    }
    if (!sym_module_usable(m)) {
        cli_error("symbolize", "%s: %s", binary,
                  sym_module_note(m) ? sym_module_note(m) : "not an ELF file");
        goto out;
    }
    o.f = stdout;
    o.json = json;
    setvbuf(stdout, NULL, _IOFBF, 1 << 16);
    if (json) {
        json_init(&o.jw, stdout, 0);
        json_array_begin(&o.jw);
    }
    rc = CLI_OK;
    if (a.addrs.n) {
        for (size_t i = 0; i < a.addrs.n && rc == CLI_OK; i++)
            if (one(&o, ss, m, a.addrs.v[i]) < 0)
                rc = CLI_ERROR;
    } else {
        char line[256];
        while (rc == CLI_OK && fgets_unlocked(line, sizeof(line), stdin)) {
            const char *p = line;
            while (*p == ' ' || *p == '\t')
                p++;
            if (*p == '\n' || *p == '\0' || *p == '#')
                continue;
            line[strcspn(line, "\r\n")] = '\0';
            if (one(&o, ss, m, line) < 0)
                rc = CLI_ERROR;
        }
    }
    if (json) {
        json_array_end(&o.jw);
        fputc('\n', stdout);
        if (!json_finish(&o.jw) && rc == CLI_OK)
            rc = CLI_ERROR;
    }
    if (sym_module_note(m))
        fprintf(stderr, "bbx symbolize: note: %s\n", sym_module_note(m));
    if ((fflush(stdout) != 0 || ferror(stdout)) && rc == CLI_OK) {
        cli_error("symbolize", "cannot write the output: %s", strerror(errno));
        rc = CLI_ERROR;
    }
out:
    sym_session_free(ss);
    cli_release(&cli_cmd_symbolize, &a);
    return rc;
}
