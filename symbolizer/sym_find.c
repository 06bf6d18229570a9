/*
 * sym_find.c - finding a module's code and debug information, once.
 *
 * The main ELF file: the recorded path if its build-id matches, else
 * DIR/.build-id/xx/rest and DIR/.build-id/xx/rest.debug under each debug
 * directory, else libdwfl's own build-id search (which asks debuginfod when
 * DEBUGINFOD_URLS is set).  The file is reported to a libdwfl session of the
 * module's own at its link-time addresses, so lookups use ELF virtual
 * addresses; libdwfl then finds separate debug information (build-id,
 * .gnu_debuglink, the same directories, debuginfod).  What was looked at
 * is kept for the module's one note.
 */
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <libelf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sym_internal.h"

void sym_looked_add(sym_module *m, const char *what)
{
    size_t n = strlen(what);
    if (m->looked_len + n + 3 > m->looked_cap) {
        size_t cap = (m->looked_cap + n + 3) * 2;
        char *p = realloc(m->looked, cap);
        if (!p)
            return;
        m->looked = p;
        m->looked_cap = cap;
    }
    if (m->looked_len) {
        memcpy(m->looked + m->looked_len, ", ", 2);
        m->looked_len += 2;
    }
    memcpy(m->looked + m->looked_len, what, n + 1);
    m->looked_len += n;
}

static void hex(char *out, const uint8_t *b, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = '\0';
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Open `path` if it is an ELF file with the module's build-id (any build-id
 * when none is expected).  *other receives the build-id it has instead. */
static int try_file(sym_module *m, const char *path, char *other, size_t other_cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        char what[4200];
        snprintf(what, sizeof(what), "%s (%s)", path, strerror(errno));
        sym_looked_add(m, what);
        return -1;
    }
    sym_looked_add(m, path);
    Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
    const void *id = NULL;
    ssize_t n = elf ? dwelf_elf_gnu_build_id(elf, &id) : -1;
    int ok = elf && elf_kind(elf) == ELF_K_ELF &&
             (m->build_id_len == 0 ||
              (n == (ssize_t)m->build_id_len && memcmp(id, m->build_id, (size_t)n) == 0));
    if (!ok && other && n > 0 && (size_t)n * 2 < other_cap)
        hex(other, id, (size_t)n);
    elf_end(elf);
    if (!ok) {
        close(fd);
        return -1;
    }
    return fd;
}

/* libdwfl's search by build-id (debug directories' .build-id links, and
 * debuginfod), through a throw-away module that carries the build-id. */
static int dwfl_search(sym_module *m, char **name)
{
    Dwfl *d = dwfl_begin(&m->s->callbacks);
    int fd = -1;
    if (!d)
        return -1;
    dwfl_report_begin(d);
    Dwfl_Module *tmp = dwfl_report_module(d, base_name(m->path), 0, 1);
    dwfl_report_end(d, NULL, NULL);
    if (tmp && dwfl_module_report_build_id(tmp, m->build_id, m->build_id_len, 0) == 0) {
        void *ud = NULL;
        Elf *elf = NULL;
        fd = dwfl_build_id_find_elf(tmp, &ud, base_name(m->path), 0, name, &elf);
        if (elf)
            elf_end(elf);
    }
    dwfl_end(d);
    return fd;
}

/* The main ELF file for m: an open fd and its name (malloc'd), or -1. */
static int find_main_file(sym_module *m, char **name, char *mismatch, size_t cap)
{
    char idhex[2 * SYM_BUILD_ID_MAX + 1], path[4096];
    int fd = try_file(m, m->path, mismatch, cap);
    if (fd >= 0) {
        *name = strdup(m->path);
        return fd;
    }
    if (!m->build_id_len)
        return -1;
    hex(idhex, m->build_id, m->build_id_len);
    for (size_t i = 0; i < m->s->n_dirs; i++) {
        static const char *const suffix[] = { "", ".debug" };
        for (int k = 0; k < 2; k++) {
            snprintf(path, sizeof(path), "%s/.build-id/%.2s/%s%s", m->s->dirs[i], idhex,
                     idhex + 2, suffix[k]);
            fd = try_file(m, path, NULL, 0);
            if (fd >= 0) {
                *name = strdup(path);
                return fd;
            }
        }
    }
    fd = dwfl_search(m, name);
    if (fd >= 0 && *name)
        sym_looked_add(m, *name);
    return fd;
}

__attribute__((format(printf, 2, 3))) static void set_note(sym_module *m, const char *fmt,
                                                           ...)
{
    char buf[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    m->note = sym_strdup(m->s, buf);
}

void sym_module_open(sym_module *m)
{
    char idhex[2 * SYM_BUILD_ID_MAX + 1] = "none", mismatch[2 * SYM_BUILD_ID_MAX + 1] = "";
    char *name = NULL;
    const char *what = base_name(m->path);
    m->opened = 1;
    if (m->build_id_len)
        hex(idhex, m->build_id, m->build_id_len);

    int fd = find_main_file(m, &name, mismatch, sizeof(mismatch));
    if (fd < 0) {
        free(name);
        if (mismatch[0]) {
            char detail[512];
            snprintf(detail, sizeof(detail), "%s has build-id %s, the snapshot's module %s",
                     m->path, mismatch, idhex);
            set_note(m, "build-id mismatch for %s: %s; no other copy found (looked in %s); "
                        "not symbolized",
                     what, detail, m->looked ? m->looked : "nothing");
        } else {
            set_note(m, "no file for %s (build-id %s): looked in %s; not symbolized", what,
                     idhex, m->looked ? m->looked : "nothing");
        }
        return;
    }
    m->file = sym_strdup(m->s, name);
    free(name);

    m->dwfl = dwfl_begin(&m->s->callbacks);
    if (!m->dwfl) {
        close(fd);
        set_note(m, "%s: %s", what, dwfl_errmsg(-1));
        return;
    }
    dwfl_report_begin(m->dwfl);
    m->mod = dwfl_report_elf(m->dwfl, what, m->file, fd, 0, false);
    dwfl_report_end(m->dwfl, NULL, NULL);
    if (!m->mod || !dwfl_module_getelf(m->mod, &m->bias)) {
        set_note(m, "%s: cannot read %s: %s", what, m->file, dwfl_errmsg(-1));
        return;
    }
    m->usable = 1;
    Dwarf_Addr bias;
    m->has_dwarf = dwfl_module_getdwarf(m->mod, &bias) != NULL;
    if (!m->has_dwarf) {
        char dirs[2048] = "";
        size_t len = 0;
        for (size_t i = 0; i < m->s->n_dirs && len < sizeof(dirs) - 2; i++)
            len += (size_t)snprintf(dirs + len, sizeof(dirs) - len, "%s%s", i ? ", " : "",
                                    m->s->dirs[i]);
        char buf[8192];
        snprintf(buf, sizeof(buf),
                 "no debug info for %s (build-id %s): looked in %s and, by build-id and "
                 ".gnu_debuglink, beside it and under %s%s; function names from the ELF "
                 "symbol table only",
                 what, idhex, m->file, dirs, getenv("DEBUGINFOD_URLS") ? ", and debuginfod" : "");
        m->note = sym_strdup(m->s, buf);
    }
}
