/*
 * test_symbolizer.c - Check tests of the symbolizer's API (symbolizer.h):
 * sessions and modules, lookups in this very program (whose own source and
 * load address tell what the answers must be), return addresses, notes,
 * the debug-file search by build-id, and the result cache; the chain of
 * inlined calls of the -O2 inline test program is checked against its
 * source text (names, call sites) and eu-addr2line (innermost location).
 */
#include <check.h>
#include <elfutils/libdwelf.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "symbolizer.h"
#include "unit_run.h"

#ifndef INLINE_PROG_PATH
#error "INLINE_PROG_PATH must name the inline test program"
#endif

#if defined(__clang__)
#define NOIPA __attribute__((noinline, used))
#else
#define NOIPA __attribute__((noinline, noipa, used))
#endif

/* What the lookups look for.  sym_test_target sits on one line, and so
 * does the call in sym_test_caller, so their instructions have that line
 * whatever the optimization; the tests find the line by its marker. */
NOIPA int sym_test_target(int x);
NOIPA int sym_test_target(int x) { return x * 3 + 1; } /* MARK:target */

NOIPA void *sym_test_callee(void);
NOIPA void *sym_test_callee(void) { return __builtin_return_address(0); }

NOIPA int sym_test_caller(void **ret);
NOIPA int sym_test_caller(void **ret)
{
    void *r = sym_test_callee(); /* MARK:call */
    *ret = r;
    return r != NULL;
}

/* ---- what this program is ---- */

/* The line of this file that carries `marker`. */
static unsigned marker_line(const char *marker)
{
    FILE *f = fopen(__FILE__, "r");
    char buf[512], needle[64];
    unsigned n = 0, found = 0;
    ck_assert_msg(f != NULL, "cannot open %s", __FILE__);
    snprintf(needle, sizeof(needle), "/* MARK:%s */", marker);
    while (fgets(buf, sizeof(buf), f)) {
        n++;
        if (strstr(buf, needle)) {
            found = n;
            break;
        }
    }
    fclose(f);
    ck_assert_msg(found, "no %s in %s", needle, __FILE__);
    return found;
}

static char self_path[PATH_MAX];
static uint8_t self_id[64];
static size_t self_id_len;

static int main_bias_cb(struct dl_phdr_info *info, size_t size, void *data)
{
    *(uintptr_t *)data = (uintptr_t)info->dlpi_addr;
    return 1; /* the first object is the program */
}

/* An address of this program as an ELF virtual address (what a snapshot's
 * pc minus load bias is). */
static uint64_t self_vaddr(const void *p)
{
    uintptr_t bias = 0;
    dl_iterate_phdr(main_bias_cb, &bias);
    return (uint64_t)((uintptr_t)p - bias);
}

static size_t file_build_id(const char *path, uint8_t *out, size_t cap)
{
    const void *id = NULL;
    ssize_t n = -1;
    elf_version(EV_CURRENT);
    int fd = open(path, O_RDONLY);
    Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
    if (elf)
        n = dwelf_elf_gnu_build_id(elf, &id);
    if (n > 0 && (size_t)n <= cap)
        memcpy(out, id, (size_t)n);
    else
        n = 0;
    elf_end(elf);
    if (fd >= 0)
        close(fd);
    return (size_t)n;
}

static void self_setup(void)
{
    ssize_t n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
    ck_assert_int_gt(n, 0);
    self_path[n] = '\0';
    self_id_len = file_build_id(self_path, self_id, sizeof(self_id));
    ck_assert_msg(self_id_len >= 8, "%s has no build-id", self_path);
}

static void hex(char *out, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", b[i]);
}

static int ends_with(const char *s, const char *tail)
{
    size_t a = s ? strlen(s) : 0, b = strlen(tail);
    return s && a >= b && strcmp(s + a - b, tail) == 0;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

/* A fresh directory under /tmp; the test removes it with rm_rf(). */
static void scratch_dir(char *out, size_t cap)
{
    snprintf(out, cap, "/tmp/bbx-symtest-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(out));
}

static void rm_rf(const char *dir)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void copy_file(const char *from, const char *to)
{
    char cmd[3 * PATH_MAX];
    snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", from, to);
    ck_assert_int_eq(system(cmd), 0);
}

/* DIR/.build-id/xx/rest<suffix> for this program's build-id, directories made. */
static void build_id_path(char *out, size_t cap, const char *dir, const char *suffix)
{
    char idhex[2 * sizeof(self_id) + 1];
    hex(idhex, self_id, self_id_len);
    snprintf(out, cap, "%s/.build-id", dir);
    mkdir(out, 0700);
    snprintf(out, cap, "%s/.build-id/%.2s", dir, idhex);
    mkdir(out, 0700);
    snprintf(out, cap, "%s/.build-id/%.2s/%s%s", dir, idhex, idhex + 2, suffix);
}

/* The frames for sym_test_target's entry + off, checked. */
static void expect_target(sym_session *s, sym_module *m, uint64_t off)
{
    const sym_frame *fr = NULL;
    uint64_t at = self_vaddr((const void *)sym_test_target) + off;
    size_t n = sym_lookup(s, m, at, 0, &fr);
    ck_assert_uint_eq(n, 1);
    ck_assert_ptr_nonnull(fr);
    ck_assert_str_eq(fr[0].function, "sym_test_target");
    ck_assert_msg(ends_with(fr[0].file, "/test_symbolizer.c"), "file %s", fr[0].file);
    ck_assert_uint_eq(fr[0].line, marker_line("target"));
    ck_assert_int_eq(fr[0].inlined, 0);
    ck_assert_int_eq(fr[0].has_offset, 1);
    ck_assert_uint_eq(fr[0].offset, off);
}

/* ---- sessions and modules ---- */

START_TEST(session_free_null)
{
    sym_session_free(NULL);
}
END_TEST

START_TEST(session_null_options)
{
    self_setup();
    sym_session *s = sym_session_new(NULL);
    ck_assert_ptr_nonnull(s);
    sym_module *m = sym_module_get(s, self_path, NULL, 0);
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(sym_module_usable(m), 1);
    ck_assert_str_eq(sym_module_path(m), self_path);
    ck_assert_str_eq(sym_module_file(m), self_path);
    expect_target(s, m, 0);
    sym_session_free(s);
}
END_TEST

START_TEST(session_empty_options)
{
    self_setup();
    sym_options opt = { .use_env = 0 };
    sym_session *s = sym_session_new(&opt);
    ck_assert_ptr_nonnull(s);
    sym_module *m = sym_module_get(s, self_path, self_id, self_id_len);
    expect_target(s, m, 0);
    sym_session_free(s);
}
END_TEST

START_TEST(module_same_build_id)
{
    self_setup();
    uint8_t other[20];
    memcpy(other, self_id, sizeof(other));
    other[0] ^= 0xff;
    sym_session *s = sym_session_new(NULL);
    sym_module *a = sym_module_get(s, self_path, self_id, self_id_len);
    sym_module *b = sym_module_get(s, "/elsewhere/copy-of-it", self_id, self_id_len);
    sym_module *c = sym_module_get(s, self_path, other, sizeof(other));
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_eq(a, b);   /* the build-id says it is the same file */
    ck_assert_ptr_ne(a, c);   /* same path, another build: another module */
    sym_module *const *mods;
    ck_assert_uint_eq(sym_session_modules(s, &mods), 2);
    ck_assert_ptr_eq(mods[0], a);
    ck_assert_ptr_eq(mods[1], c);
    ck_assert_str_eq(sym_module_path(a), self_path); /* the first path asked */
    sym_session_free(s);
}
END_TEST

START_TEST(module_same_path)
{
    self_setup();
    sym_session *s = sym_session_new(NULL);
    sym_module *a = sym_module_get(s, self_path, NULL, 0);
    sym_module *b = sym_module_get(s, self_path, NULL, 0);
    sym_module *c = sym_module_get(s, INLINE_PROG_PATH, NULL, 0);
    ck_assert_ptr_eq(a, b);
    ck_assert_ptr_ne(a, c);
    sym_module *const *mods;
    ck_assert_uint_eq(sym_session_modules(s, &mods), 2);
    sym_session_free(s);
}
END_TEST

/* ---- lookups ---- */

START_TEST(lookup_known_function)
{
    self_setup();
    sym_session *s = sym_session_new(NULL);
    sym_module *m = sym_module_get(s, self_path, self_id, self_id_len);
    expect_target(s, m, 0);
    expect_target(s, m, 1);
    expect_target(s, m, 3);
    ck_assert_ptr_null(sym_module_note(m)); /* it has DWARF */
    sym_session_free(s);
}
END_TEST

START_TEST(lookup_outside_module)
{
    self_setup();
    sym_session *s = sym_session_new(NULL);
    sym_module *m = sym_module_get(s, self_path, self_id, self_id_len);
    const sym_frame *fr = (const sym_frame *)&fr;
    ck_assert_uint_eq(sym_lookup(s, m, 0xfffffffff0ull, 0, &fr), 0);
    ck_assert_ptr_null(fr);
    sym_session_free(s);
}
END_TEST

START_TEST(return_address)
{
    self_setup();
    void *ret = NULL;
    ck_assert_int_eq(sym_test_caller(&ret), 1);
    uint64_t r = self_vaddr(ret);
    sym_session *s = sym_session_new(NULL);
    sym_module *m = sym_module_get(s, self_path, self_id, self_id_len);
    const sym_frame *as_ret, *before;
    size_t n1 = sym_lookup(s, m, r, 1, &as_ret);
    size_t n0 = sym_lookup(s, m, r - 1, 0, &before);
    ck_assert_uint_ge(n1, 1);
    ck_assert_uint_eq(n1, n0);
    const sym_frame *f1 = &as_ret[n1 - 1], *f0 = &before[n0 - 1];
    ck_assert_str_eq(f1->function, "sym_test_caller");
    ck_assert_str_eq(f1->function, f0->function);
    ck_assert_str_eq(as_ret[0].file, before[0].file);
    ck_assert_uint_eq(as_ret[0].line, before[0].line);
    /* looked up at the call: the line of the call */
    ck_assert_uint_eq(as_ret[0].line, marker_line("call"));
    /* the offset is still the address's own */
    ck_assert(f1->has_offset && f0->has_offset);
    ck_assert_uint_eq(f1->offset, f0->offset + 1);
    ck_assert_uint_eq(f1->offset, r - self_vaddr((const void *)sym_test_caller));
    sym_session_free(s);
}
END_TEST

START_TEST(cache_same_pointers)
{
    self_setup();
    sym_session *s = sym_session_new(NULL);
    sym_module *m = sym_module_get(s, self_path, self_id, self_id_len);
    uint64_t at = self_vaddr((const void *)sym_test_target);
    const sym_frame *a, *b, *c, *d;
    size_t na = sym_lookup(s, m, at, 0, &a);
    size_t nb = sym_lookup(s, m, at, 0, &b);
    ck_assert_uint_ge(na, 1);
    ck_assert_uint_eq(na, nb);
    ck_assert_ptr_eq(a, b);
    /* as a return address it is another question: the line before */
    size_t nc = sym_lookup(s, m, at + 1, 1, &c);
    size_t nd = sym_lookup(s, m, at + 1, 1, &d);
    ck_assert_uint_eq(nc, nd);
    ck_assert_ptr_eq(c, d);
    ck_assert_uint_eq(c[nc - 1].offset, 1);
    ck_assert_uint_eq(a[na - 1].offset, 0);
    /* many lookups in between do not move what was returned */
    for (uint64_t k = 0; k < 20000; k++) {
        const sym_frame *x;
        sym_lookup(s, m, at + k, (int)(k & 1), &x);
    }
    ck_assert_uint_eq(sym_lookup(s, m, at, 0, &b), na);
    ck_assert_ptr_eq(a, b);
    ck_assert_str_eq(a[na - 1].function, "sym_test_target");
    sym_session_free(s);
}
END_TEST

/* A function symbol of an ELF file. */
typedef struct fsym {
    char name[128];
    uint64_t lo, hi;
} fsym;

/* The function symbols of `path` with a size, in *out (caller frees);
 * returns their number. */
static size_t function_symbols(const char *path, fsym **out)
{
    size_t n_out = 0, cap = 0;
    *out = NULL;
    elf_version(EV_CURRENT);
    int fd = open(path, O_RDONLY);
    ck_assert_msg(fd >= 0, "cannot open %s", path);
    Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
    Elf_Scn *scn = NULL;
    while (elf && (scn = elf_nextscn(elf, scn)) != NULL) {
        GElf_Shdr sh;
        if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_SYMTAB || !sh.sh_entsize)
            continue;
        Elf_Data *data = elf_getdata(scn, NULL);
        for (size_t i = 0; i < sh.sh_size / sh.sh_entsize; i++) {
            GElf_Sym sym;
            const char *name;
            if (!gelf_getsym(data, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
                !sym.st_size || !(name = elf_strptr(elf, sh.sh_link, sym.st_name)))
                continue;
            if (n_out == cap) {
                cap = cap ? cap * 2 : 64;
                *out = realloc(*out, cap * sizeof(**out));
                ck_assert_ptr_nonnull(*out);
            }
            fsym *f = &(*out)[n_out++];
            snprintf(f->name, sizeof(f->name), "%s", name);
            f->lo = sym.st_value;
            f->hi = sym.st_value + sym.st_size;
        }
    }
    elf_end(elf);
    close(fd);
    return n_out;
}

static const fsym *find_fsym(const fsym *f, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(f[i].name, name) == 0)
            return &f[i];
    return NULL;
}

/* A source file of the inline program, split into lines (kept for the
 * whole test: a few files, read once). */
typedef struct src_file {
    char path[PATH_MAX];
    char *text;
    char **line;
    size_t n;
} src_file;

static src_file srcs[16];
static size_t n_srcs;

static const src_file *src_get(const char *path)
{
    for (size_t i = 0; i < n_srcs; i++)
        if (strcmp(srcs[i].path, path) == 0)
            return &srcs[i];
    ck_assert_uint_lt(n_srcs, sizeof(srcs) / sizeof(srcs[0]));
    src_file *f = &srcs[n_srcs++];
    snprintf(f->path, sizeof(f->path), "%s", path);
    FILE *fp = fopen(path, "r");
    ck_assert_msg(fp != NULL, "cannot read the source %s", path);
    size_t cap = 0, len = 0, got;
    char buf[4096];
    while ((got = fread(buf, 1, sizeof(buf), fp)) > 0) {
        if (len + got + 1 > cap) {
            cap = (len + got + 1) * 2;
            f->text = realloc(f->text, cap);
            ck_assert_ptr_nonnull(f->text);
        }
        memcpy(f->text + len, buf, got);
        len += got;
    }
    fclose(fp);
    f->text[len] = '\0';
    f->line = calloc(len + 2, sizeof(char *));
    ck_assert_ptr_nonnull(f->line);
    for (char *p = f->text; p && *p;) {
        f->line[f->n++] = p;
        p = strchr(p, '\n');
        if (p)
            *p++ = '\0';
    }
    return f;
}

static void src_free_all(void)
{
    for (size_t i = 0; i < n_srcs; i++) {
        free(srcs[i].text);
        free(srcs[i].line);
    }
    memset(srcs, 0, sizeof(srcs));
    n_srcs = 0;
}

static int ident_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_';
}

/* Whether `name(` occurs in s as a whole word (a call of name). */
static int calls(const char *s, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = strstr(s, name); p; p = strstr(p + 1, name)) {
        const char *q = p + n;
        while (*q == ' ')
            q++;
        if ((p == s || !ident_char(p[-1])) && *q == '(')
            return 1;
    }
    return 0;
}

/* The lines [*first, *last] of function `name`'s definition in f, read from
 * the text: the line at column 1 that names it followed by '(' (or
 * INL_PUBLIC(base) for name base_vN) and is no declaration, through the next
 * line that is "}".  0 when not found. */
static int src_extent(const src_file *f, const char *name, size_t *first, size_t *last)
{
    char pub[160];
    size_t n = strlen(name);
    pub[0] = '\0';
    if (n > 3 && name[n - 3] == '_' && name[n - 2] == 'v')
        snprintf(pub, sizeof(pub), "INL_PUBLIC(%.*s)", (int)(n - 3), name);
    for (size_t i = 0; i < f->n; i++) {
        const char *l = f->line[i];
        size_t ll = strlen(l);
        if (!ident_char(l[0]) || (ll && l[ll - 1] == ';'))
            continue;
        if (!calls(l, name) && !(pub[0] && strstr(l, pub)))
            continue;
        for (size_t j = i + 1; j < f->n; j++) {
            if (strcmp(f->line[j], "}") == 0) {
                *first = i + 1;
                *last = j + 1;
                return 1;
            }
        }
        return 0;
    }
    return 0;
}

/* Checks one inline level against the program's source text: the caller
 * (level k + 1, named `caller`, at file:line:column, which is the call
 * site) has a definition whose lines hold the call site, and the text at
 * the call site's column starts a call (a whole identifier and '(') whose
 * line calls the inlined function `callee` at or after that column. */
static void check_call_site(uint64_t a, const char *callee, const char *caller, const char *file,
                            unsigned line, unsigned column)
{
    const src_file *f = src_get(file);
    size_t first, last;
    ck_assert_msg(src_extent(f, caller, &first, &last), "0x%llx: %s not defined in %s",
                  (unsigned long long)a, caller, file);
    ck_assert_msg(line >= first && line <= last,
                  "0x%llx: call site %s:%u not inside %s (lines %zu-%zu)", (unsigned long long)a,
                  file, line, caller, first, last);
    const char *l = f->line[line - 1];
    ck_assert_msg(column >= 1 && column <= strlen(l), "0x%llx: column %u past %s:%u",
                  (unsigned long long)a, column, file, line);
    const char *at = l + column - 1, *q = at;
    while (ident_char(*q))
        q++;
    while (*q == ' ')
        q++;
    ck_assert_msg((at == l || !ident_char(at[-1])) && q > at && *q == '(',
                  "0x%llx: %s:%u:%u is not the start of a call: \"%s\"", (unsigned long long)a,
                  file, line, column, at);
    ck_assert_msg(calls(at, callee), "0x%llx: %s:%u:%u (\"%s\") does not call %s",
                  (unsigned long long)a, file, line, column, at, callee);
}

/* eu-addr2line's file:line:column for each of n addresses of path (its
 * first level, taken from the line table at the address). */
static char **addr2line_locations(const char *path, const uint64_t *addrs, size_t n)
{
    char in[] = "/tmp/bbx-test-sym-XXXXXX", cmd[PATH_MAX + 128], buf[PATH_MAX + 64];
    int fd = mkstemp(in);
    ck_assert_int_ge(fd, 0);
    FILE *w = fdopen(fd, "w");
    for (size_t i = 0; i < n; i++)
        fprintf(w, "0x%llx\n", (unsigned long long)addrs[i]);
    fclose(w);
    snprintf(cmd, sizeof(cmd), "eu-addr2line -e '%s' < '%s'", path, in);
    FILE *r = popen(cmd, "r");
    ck_assert_msg(r != NULL, "cannot run eu-addr2line");
    char **out = calloc(n, sizeof(char *));
    size_t got = 0;
    while (got < n && fgets(buf, sizeof(buf), r)) {
        buf[strcspn(buf, "\n")] = '\0';
        out[got++] = strdup(buf);
    }
    ck_assert_int_eq(pclose(r), 0);
    unlink(in);
    ck_assert_msg(got == n, "eu-addr2line answered %zu of %zu addresses", got, n);
    return out;
}

/* Every address of the -O2 functions full of inlined calls (each part's
 * inl_*_run_v0), checked against what is known without the symbolizer:
 * - the outermost level is the ELF symbol the address is in, at its offset;
 * - every inlined level's name is what the source calls at the call site
 *   (the caller's file:line:column, read as text: a call starts at that
 *   column and the line calls the inlined function), and the call site is
 *   inside the caller's definition in the source;
 * - the innermost file:line:column is eu-addr2line's.
 * Some addresses are 3 and more levels deep (fetch_imm <- fetch <- step <-
 * inl_vm_run_v0 and such). */
START_TEST(inline_chain_matches_source)
{
    fsym *syms;
    size_t n_syms = function_symbols(INLINE_PROG_PATH, &syms);
    sym_session *s = sym_session_new(NULL);
    sym_module *m = sym_module_get(s, INLINE_PROG_PATH, NULL, 0);
    size_t deepest = 0, inside = 0, total = 0, n_runs = 0, cap = 4096, n_loc = 0;
    uint64_t *addrs = malloc(cap * sizeof(*addrs));
    char **locs = malloc(cap * sizeof(*locs));
    for (size_t si = 0; si < n_syms; si++) {
        size_t len = strlen(syms[si].name);
        if (strncmp(syms[si].name, "inl_", 4) != 0 || len < 8 ||
            strcmp(syms[si].name + len - 7, "_run_v0") != 0)
            continue;
        n_runs++;
        const fsym *run = &syms[si];
        for (uint64_t a = run->lo; a < run->hi; a++) {
            const sym_frame *fr;
            size_t n = sym_lookup(s, m, a, 0, &fr);
            ck_assert_msg(n >= 1, "nothing at 0x%llx", (unsigned long long)a);
            ck_assert_str_eq(fr[n - 1].function, run->name);
            ck_assert_int_eq(fr[n - 1].inlined, 0);
            ck_assert_int_eq(fr[n - 1].has_offset, 1);
            ck_assert_uint_eq(fr[n - 1].offset, a - run->lo);
            for (size_t k = 0; k + 1 < n; k++) {
                ck_assert_int_eq(fr[k].inlined, 1);
                ck_assert_int_eq(fr[k].has_offset, 0);
                ck_assert_ptr_nonnull(fr[k].function);
                ck_assert_ptr_nonnull(fr[k + 1].file);
                check_call_site(a, fr[k].function, fr[k + 1].function, fr[k + 1].file,
                                fr[k + 1].line, fr[k + 1].column);
            }
            if (n_loc == cap) {
                cap *= 2;
                addrs = realloc(addrs, cap * sizeof(*addrs));
                locs = realloc(locs, cap * sizeof(*locs));
            }
            char loc[PATH_MAX + 64];
            snprintf(loc, sizeof(loc), "%s:%u:%u", fr[0].file ? fr[0].file : "??", fr[0].line,
                     fr[0].column);
            addrs[n_loc] = a;
            locs[n_loc++] = strdup(loc);
            inside += n > 1;
            total++;
            if (n > deepest)
                deepest = n;
        }
    }
    ck_assert_uint_eq(n_runs, 7); /* one per part of the program */
    char **theirs = addr2line_locations(INLINE_PROG_PATH, addrs, n_loc);
    for (size_t i = 0; i < n_loc; i++) {
        ck_assert_msg(strcmp(locs[i], theirs[i]) == 0, "0x%llx: bbx says %s, eu-addr2line %s",
                      (unsigned long long)addrs[i], locs[i], theirs[i]);
        free(locs[i]);
        free(theirs[i]);
    }
    free(theirs);
    free(locs);
    free(addrs);
    free(syms);
    src_free_all();
    ck_assert_uint_ge(deepest, 4);
    ck_assert_uint_gt(inside, total / 2);
    ck_assert_ptr_null(sym_module_note(m));
    sym_session_free(s);
}
END_TEST

/* A function split by the compiler into its body and a .cold part placed
 * elsewhere (below it, here): offsets are from the function's entry, its
 * symbol's address, not from the lowest address of its ranges. */
START_TEST(offset_of_split_function)
{
    fsym *syms;
    size_t n_syms = function_symbols(INLINE_PROG_PATH, &syms), checked = 0;
    sym_session *s = sym_session_new(NULL);
    sym_module *m = sym_module_get(s, INLINE_PROG_PATH, NULL, 0);
    for (size_t i = 0; i < n_syms; i++) {
        char parent[128];
        size_t len = strlen(syms[i].name);
        if (len < 6 || strcmp(syms[i].name + len - 5, ".cold") != 0)
            continue;
        snprintf(parent, sizeof(parent), "%.*s", (int)(len - 5), syms[i].name);
        const fsym *p = find_fsym(syms, n_syms, parent);
        if (!p)
            continue;
        for (uint64_t off = 0; off < 8 && p->lo + off < p->hi; off += 4) {
            const sym_frame *fr;
            size_t n = sym_lookup(s, m, p->lo + off, 0, &fr);
            ck_assert_uint_ge(n, 1);
            ck_assert_str_eq(fr[n - 1].function, parent);
            ck_assert_int_eq(fr[n - 1].has_offset, 1);
            ck_assert_msg(fr[n - 1].offset == off,
                          "%s+0x%llx (its .cold part at 0x%llx) comes out as %s+0x%llx",
                          parent, (unsigned long long)off, (unsigned long long)syms[i].lo,
                          fr[n - 1].function, (unsigned long long)fr[n - 1].offset);
        }
        checked++;
    }
    if (!checked)
        fprintf(stderr, "offset_of_split_function: the compiler split no function; "
                        "nothing to check\n");
    sym_session_free(s);
    free(syms);
}
END_TEST

/* ---- notes and the search for files ---- */

START_TEST(note_missing_file)
{
    static const uint8_t id[20] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6,
                                    7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
    sym_options opt = { .use_env = 0 };
    sym_session *s = sym_session_new(&opt);
    sym_module *m = sym_module_get(s, "/nonexistent-bbx-dir/libmissing.so.1", id, sizeof(id));
    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(sym_module_usable(m), 0);
    const sym_frame *fr = (const sym_frame *)&fr;
    ck_assert_uint_eq(sym_lookup(s, m, 0x1000, 0, &fr), 0);
    ck_assert_ptr_null(fr);
    const char *note = sym_module_note(m);
    ck_assert_ptr_nonnull(note);
    ck_assert_msg(strstr(note, "libmissing.so.1") != NULL, "note: %s", note);
    ck_assert_msg(strstr(note, "deadbeef0102030405060708090a0b0c0d0e0f10") != NULL, "note: %s",
                  note);
    ck_assert_ptr_null(strchr(note, '\n'));
    ck_assert_ptr_null(sym_module_file(m));
    sym_session_free(s);
}
END_TEST

/* The note of a module that was not found says where it was looked for:
 * the recorded path and every debug directory, even those that hold
 * nothing (the places a user would put the file). */
START_TEST(note_missing_names_places)
{
    static const uint8_t id[20] = { 0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5, 6,
                                    7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
    char dir[64];
    scratch_dir(dir, sizeof(dir));
    const char *dirs[] = { dir };
    sym_options opt = { .debug_dirs = dirs, .n_debug_dirs = 1 };
    sym_session *s = sym_session_new(&opt);
    sym_module *m = sym_module_get(s, "/nonexistent-bbx-dir/libmissing.so.1", id, sizeof(id));
    ck_assert_int_eq(sym_module_usable(m), 0);
    const char *note = sym_module_note(m);
    ck_assert_ptr_nonnull(note);
    rm_rf(dir);
    ck_assert_msg(strstr(note, "/nonexistent-bbx-dir/libmissing.so.1") != NULL,
                  "the note does not name the recorded path: %s", note);
    ck_assert_msg(strstr(note, dir) != NULL, "the note does not name the debug directory %s: %s",
                  dir, note);
    sym_session_free(s);
}
END_TEST

START_TEST(note_build_id_mismatch)
{
    self_setup();
    uint8_t other[20];
    memcpy(other, self_id, sizeof(other));
    other[19] ^= 0x5a;
    sym_options opt = { .use_env = 0 };
    sym_session *s = sym_session_new(&opt);
    sym_module *m = sym_module_get(s, self_path, other, sizeof(other));
    ck_assert_int_eq(sym_module_usable(m), 0);
    const sym_frame *fr;
    ck_assert_uint_eq(sym_lookup(s, m, self_vaddr((const void *)sym_test_target), 0, &fr), 0);
    const char *note = sym_module_note(m);
    ck_assert_ptr_nonnull(note);
    ck_assert_msg(strstr(note, "mismatch") != NULL, "note: %s", note);
    ck_assert_msg(strstr(note, base_name(self_path)) != NULL, "note: %s", note);
    sym_session_free(s);
}
END_TEST

/* A copy without DWARF (objcopy --strip-debug): a note, and function names
 * from the ELF symbol table, without file and line. */
START_TEST(note_no_debug_info)
{
    self_setup();
    char dir[64], copy[PATH_MAX], cmd[3 * PATH_MAX];
    scratch_dir(dir, sizeof(dir));
    snprintf(copy, sizeof(copy), "%s/stripped", dir);
    snprintf(cmd, sizeof(cmd), "objcopy --strip-debug '%s' '%s'", self_path, copy);
    ck_assert_msg(system(cmd) == 0, "%s failed", cmd);
    sym_options opt = { .use_env = 0 };
    sym_session *s = sym_session_new(&opt);
    sym_module *m = sym_module_get(s, copy, self_id, self_id_len);
    ck_assert_int_eq(sym_module_usable(m), 1);
    const sym_frame *fr;
    size_t n = sym_lookup(s, m, self_vaddr((const void *)sym_test_target) + 2, 0, &fr);
    rm_rf(dir);
    ck_assert_uint_eq(n, 1);
    ck_assert_str_eq(fr[0].function, "sym_test_target");
    ck_assert_int_eq(fr[0].has_offset, 1);
    ck_assert_uint_eq(fr[0].offset, 2);
    ck_assert_ptr_null(fr[0].file);
    ck_assert_uint_eq(fr[0].line, 0);
    const char *note = sym_module_note(m);
    ck_assert_ptr_nonnull(note);
    ck_assert_msg(strstr(note, "stripped") != NULL && strstr(note, "debug") != NULL, "note: %s",
                  note);
    sym_session_free(s);
}
END_TEST

/* The recorded path is gone; a copy under DIR/.build-id/xx/rest is found
 * through the options, through BBX_DEBUG_PATH, and not through the
 * environment when use_env is 0. */
START_TEST(find_by_build_id_dir)
{
    self_setup();
    char dir[64], dir2[64], copy[PATH_MAX], env[256];
    scratch_dir(dir, sizeof(dir));
    scratch_dir(dir2, sizeof(dir2));
    build_id_path(copy, sizeof(copy), dir, "");
    copy_file(self_path, copy);
    const char *gone = "/nonexistent-bbx-dir/test_symbolizer";

    const char *dirs[] = { dir2, dir };
    sym_options opt = { .debug_dirs = dirs, .n_debug_dirs = 2 };
    sym_session *s = sym_session_new(&opt);
    sym_module *m = sym_module_get(s, gone, self_id, self_id_len);
    ck_assert_int_eq(sym_module_usable(m), 1);
    ck_assert_str_eq(sym_module_file(m), copy);
    ck_assert_str_eq(sym_module_path(m), gone);
    expect_target(s, m, 0);
    ck_assert_ptr_null(sym_module_note(m));
    sym_session_free(s);

    snprintf(env, sizeof(env), "%s:%s", dir2, dir);
    setenv("BBX_DEBUG_PATH", env, 1);
    s = sym_session_new(NULL);
    m = sym_module_get(s, gone, self_id, self_id_len);
    ck_assert_int_eq(sym_module_usable(m), 1);
    ck_assert_str_eq(sym_module_file(m), copy);
    expect_target(s, m, 0);
    sym_session_free(s);

    sym_options no_env = { .use_env = 0 };
    s = sym_session_new(&no_env);
    m = sym_module_get(s, gone, self_id, self_id_len);
    ck_assert_int_eq(sym_module_usable(m), 0);
    sym_session_free(s);
    unsetenv("BBX_DEBUG_PATH");
    rm_rf(dir);
    rm_rf(dir2);
}
END_TEST

/* The file at the recorded path has another build-id; the right one is in
 * a debug directory as DIR/.build-id/xx/rest.debug: that one is used. */
START_TEST(find_past_mismatch)
{
    self_setup();
    char dir[64], copy[PATH_MAX];
    scratch_dir(dir, sizeof(dir));
    build_id_path(copy, sizeof(copy), dir, ".debug");
    copy_file(self_path, copy);
    const char *dirs[] = { dir };
    sym_options opt = { .debug_dirs = dirs, .n_debug_dirs = 1 };
    sym_session *s = sym_session_new(&opt);
    sym_module *m = sym_module_get(s, INLINE_PROG_PATH, self_id, self_id_len);
    ck_assert_int_eq(sym_module_usable(m), 1);
    ck_assert_str_eq(sym_module_file(m), copy);
    expect_target(s, m, 0);
    sym_session_free(s);
    rm_rf(dir);
}
END_TEST

/* ---- debuginfod ---- */

/* A session with DEBUGINFOD_URLS naming a port nobody listens on, a fresh
 * cache; two missing modules looked up with debuginfod_ms. */
static void two_missing(int debuginfod_ms, const char **note1, const char **note2,
                        sym_session **out, char *cache)
{
    static const uint8_t id1[20] = { 0xde, 0xad, 0xbe, 0xef, 9, 9, 9, 9, 9, 9,
                                     1, 1, 1, 1, 1, 1, 1, 1, 1, 1 };
    static const uint8_t id2[20] = { 0xde, 0xad, 0xbe, 0xef, 9, 9, 9, 9, 9, 9,
                                     2, 2, 2, 2, 2, 2, 2, 2, 2, 2 };
    ck_assert_ptr_nonnull(mkdtemp(cache));
    setenv("DEBUGINFOD_CACHE_PATH", cache, 1);
    setenv("DEBUGINFOD_URLS", "http://127.0.0.1:1", 1);
    unsetenv("DEBUGINFOD_MAXTIME");
    sym_options opt = { .use_env = 0, .debuginfod_ms = debuginfod_ms };
    sym_session *s = sym_session_new(&opt);
    sym_module *m1 = sym_module_get(s, "/nonexistent-bbx-dir/libone.so", id1, sizeof(id1));
    sym_module *m2 = sym_module_get(s, "/nonexistent-bbx-dir/libtwo.so", id2, sizeof(id2));
    ck_assert_int_eq(sym_module_usable(m1), 0);
    ck_assert_int_eq(sym_module_usable(m2), 0);
    *note1 = sym_module_note(m1);
    *note2 = sym_module_note(m2);
    ck_assert_ptr_nonnull(*note1);
    ck_assert_ptr_nonnull(*note2);
    /* the environment is the user's again */
    ck_assert_str_eq(getenv("DEBUGINFOD_URLS"), "http://127.0.0.1:1");
    ck_assert_ptr_null(getenv("DEBUGINFOD_MAXTIME"));
    *out = s;
}

/* A server that cannot be reached is asked once, and the notes say so. */
START_TEST(debuginfod_unreachable_asked_once)
{
    char cache[] = "/tmp/bbx-sym-cache-XXXXXX";
    const char *n1, *n2;
    sym_session *s;
    two_missing(0, &n1, &n2, &s, cache);
    ck_assert_msg(strstr(n1, "debuginfod: ") && strstr(n1, "(server http://127.0.0.1:1); "
                  "not asked again in this run"), "note: %s", n1);
    ck_assert_msg(strstr(n2, "debuginfod: not asked (server http://127.0.0.1:1 "), "note: %s",
                  n2);
    sym_session_free(s);
    rm_rf(cache);
}
END_TEST

/* debuginfod_ms < 0: not asked, and the note says so. */
START_TEST(debuginfod_off)
{
    char cache[] = "/tmp/bbx-sym-cache-XXXXXX";
    const char *n1, *n2;
    sym_session *s;
    two_missing(-1, &n1, &n2, &s, cache);
    ck_assert_msg(strstr(n1, "debuginfod: not asked (its time is set to 0)"), "note: %s", n1);
    ck_assert_msg(strstr(n2, "debuginfod: not asked (its time is set to 0)"), "note: %s", n2);
    sym_session_free(s);
    rm_rf(cache);
}
END_TEST

/* ---- modules from an image in memory (the vDSO a snapshot carries) ---- */

/* The whole file at path, malloc'd, its size in *n. */
static uint8_t *read_whole(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    ck_assert_int_gt(size, 0);
    rewind(f);
    uint8_t *buf = malloc((size_t)size);
    ck_assert_ptr_nonnull(buf);
    ck_assert_uint_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
    fclose(f);
    *n = (size_t)size;
    return buf;
}

/* This program's bytes handed over as an image under a name no file has:
 * looked up as from the file (DWARF included), and the caller's buffer is
 * not needed afterwards (it was copied). */
START_TEST(image_lookup)
{
    self_setup();
    size_t n;
    uint8_t *image = read_whole(self_path, &n);
    sym_options opt = { .use_env = 0 };
    sym_session *s = sym_session_new(&opt);
    sym_module *m = sym_module_get_image(s, "[no such file]", self_id, self_id_len, image, n);
    memset(image, 0, n);
    free(image);
    ck_assert_ptr_nonnull(m);
    expect_target(s, m, 0);
    expect_target(s, m, 3);
    ck_assert_ptr_null(sym_module_note(m));
    ck_assert_ptr_null(sym_module_file(m));
    /* the same build-id: the same module, not a file search */
    ck_assert_ptr_eq(sym_module_get_image(s, "[other]", self_id, self_id_len, "x", 1), m);
    ck_assert_ptr_eq(sym_module_get_absent(s, "[other]", self_id, self_id_len, "gone"), m);
    /* a file module of that build-id is not the image's */
    ck_assert_ptr_ne(sym_module_get(s, self_path, self_id, self_id_len), m);
    sym_session_free(s);
}
END_TEST

START_TEST(image_build_id_mismatch)
{
    self_setup();
    size_t n;
    uint8_t *image = read_whole(self_path, &n);
    uint8_t other[64];
    memcpy(other, self_id, self_id_len);
    other[0] ^= 0x5a;
    sym_options opt = { .use_env = 0 };
    sym_session *s = sym_session_new(&opt);
    sym_module *m = sym_module_get_image(s, "[vdso]", other, self_id_len, image, n);
    free(image);
    const sym_frame *fr;
    ck_assert_uint_eq(sym_lookup(s, m, self_vaddr((const void *)sym_test_target), 0, &fr), 0);
    ck_assert_int_eq(sym_module_usable(m), 0);
    const char *note = sym_module_note(m);
    ck_assert_msg(note && strstr(note, "mismatch") && strstr(note, "[vdso]"), "note: %s", note);
    sym_session_free(s);
}
END_TEST

START_TEST(image_not_elf)
{
    static const char junk[] = "not an ELF image at all";
    sym_options opt = { .use_env = 0 };
    sym_session *s = sym_session_new(&opt);
    sym_module *m = sym_module_get_image(s, "[vdso]", NULL, 0, junk, sizeof(junk));
    const sym_frame *fr;
    ck_assert_uint_eq(sym_lookup(s, m, 0x10, 0, &fr), 0);
    const char *note = sym_module_note(m);
    ck_assert_msg(note && strstr(note, "not an ELF file"), "note: %s", note);
    /* without a build-id, other bytes are another module */
    ck_assert_ptr_ne(sym_module_get_image(s, "[vdso]", NULL, 0, junk, 3), m);
    ck_assert_ptr_eq(sym_module_get_image(s, "[vdso]", NULL, 0, junk, sizeof(junk)), m);
    sym_session_free(s);
}
END_TEST

/* A module with nothing to read: its note as given, no answers, no file
 * looked for; an image of the same build-id asked for later is a module of
 * its own (the absent one's empty answers are cached), and is what an
 * absent request finds from then on. */
START_TEST(absent_module)
{
    self_setup();
    sym_options opt = { .use_env = 0 };
    sym_session *s = sym_session_new(&opt);
    sym_module *a = sym_module_get_absent(s, "[vdso]", self_id, self_id_len, "why it is gone");
    ck_assert_ptr_nonnull(a);
    const sym_frame *fr;
    uint64_t at = self_vaddr((const void *)sym_test_target);
    ck_assert_uint_eq(sym_lookup(s, a, at, 0, &fr), 0);
    ck_assert_int_eq(sym_module_usable(a), 0);
    ck_assert_str_eq(sym_module_note(a), "why it is gone");
    ck_assert_ptr_eq(sym_module_get_absent(s, "[vdso]", self_id, self_id_len, "again"), a);
    size_t n;
    uint8_t *image = read_whole(self_path, &n);
    sym_module *m = sym_module_get_image(s, "[vdso]", self_id, self_id_len, image, n);
    free(image);
    ck_assert_ptr_ne(m, a);
    expect_target(s, m, 0);
    ck_assert_ptr_eq(sym_module_get_absent(s, "[vdso]", self_id, self_id_len, "gone"), m);
    sym_session_free(s);
}
END_TEST

static Suite *symbolizer_suite(void)
{
    Suite *s = suite_create("symbolizer");
    TCase *tc = tcase_create("session");
    tcase_add_test(tc, session_free_null);
    tcase_add_test(tc, session_null_options);
    tcase_add_test(tc, session_empty_options);
    tcase_add_test(tc, module_same_build_id);
    tcase_add_test(tc, module_same_path);
    suite_add_tcase(s, tc);
    tc = tcase_create("lookup");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, lookup_known_function);
    tcase_add_test(tc, lookup_outside_module);
    tcase_add_test(tc, return_address);
    tcase_add_test(tc, cache_same_pointers);
    tcase_add_test(tc, inline_chain_matches_source);
    tcase_add_test(tc, offset_of_split_function);
    suite_add_tcase(s, tc);
    tc = tcase_create("files");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, note_missing_file);
    tcase_add_test(tc, note_missing_names_places);
    tcase_add_test(tc, note_build_id_mismatch);
    tcase_add_test(tc, note_no_debug_info);
    tcase_add_test(tc, find_by_build_id_dir);
    tcase_add_test(tc, find_past_mismatch);
    suite_add_tcase(s, tc);
    tc = tcase_create("images");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, image_lookup);
    tcase_add_test(tc, image_build_id_mismatch);
    tcase_add_test(tc, image_not_elf);
    tcase_add_test(tc, absent_module);
    suite_add_tcase(s, tc);
    tc = tcase_create("debuginfod");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, debuginfod_unreachable_asked_once);
    tcase_add_test(tc, debuginfod_off);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    /* the search must not depend on the machine's debuginfod or paths */
    unsetenv("DEBUGINFOD_URLS");
    unsetenv("BBX_DEBUG_PATH");
    return unit_run(symbolizer_suite());
}
