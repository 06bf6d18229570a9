/*
 * sym_find.c - finding a module's code and debug information, once.
 *
 * A module with an image in memory (the vDSO a snapshot carries) is read
 * from that image only: it is reported to libdwfl by its address range and
 * handed over by a find_elf callback, so neither a file nor the running
 * system's own vDSO is ever looked at for it.
 *
 * The main ELF file: the recorded path if its build-id matches, else
 * DIR/.build-id/xx/rest and DIR/.build-id/xx/rest.debug under each debug
 * directory, else debuginfod (sym_debuginfod.c).  The file is reported to a
 * libdwfl session of the module's own at its link-time addresses, so
 * lookups use ELF virtual addresses; libdwfl then finds separate debug
 * information (build-id, .gnu_debuglink, the same directories) and, through
 * sym_find_debuginfo(), the session's debuginfod.  What was looked at is
 * kept for the module's one note.
 */
#include <elfutils/libdwelf.h>
#include <gelf.h>
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

int sym_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
                       Dwarf_Addr base, const char *file_name, const char *debuglink_file,
                       GElf_Word debuglink_crc, char **debuginfo_file_name)
{
    sym_module *m = *userdata;
    if (m)
        sym_dbgd_env_off(m->s);
    int fd = dwfl_standard_find_debuginfo(mod, userdata, modname, base, file_name,
                                          debuglink_file, debuglink_crc, debuginfo_file_name);
    if (m)
        sym_dbgd_env_back(m->s);
    if (fd >= 0 || !m)
        return fd;
    free(*debuginfo_file_name);
    *debuginfo_file_name = NULL;
    /* the file's own build-id: the expected one, or any when none was */
    const unsigned char *id = NULL;
    GElf_Addr vaddr;
    int len = dwfl_module_build_id(mod, &id, &vaddr);
    return len > 0 ? sym_dbgd_find(m, 1, id, (size_t)len, debuginfo_file_name) : -1;
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
    fd = sym_dbgd_find(m, 0, m->build_id, m->build_id_len, name);
    if (fd >= 0 && *name)
        sym_looked_add(m, *name);
    else if (sym_dbgd_urls(m->s))
        sym_looked_add(m, "debuginfod");
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
    if (m->dbgd_note) {
        size_t len = strlen(buf);
        snprintf(buf + len, sizeof(buf) - len, "; %s", m->dbgd_note);
    }
    m->note = sym_strdup(m->s, buf);
}

/* The note of a usable module without DWARF: where its code came from
 * (its file, or NULL: the image it was given), where debug information was
 * looked for. */
static void no_dwarf_note(sym_module *m, const char *what, const char *idhex, const char *from)
{
    Dwarf_Addr bias;
    m->has_dwarf = dwfl_module_getdwarf(m->mod, &bias) != NULL;
    if (m->has_dwarf)
        return;
    char dirs[2048] = "";
    size_t len = 0;
    for (size_t i = 0; i < m->s->n_dirs && len < sizeof(dirs) - 2; i++)
        len += (size_t)snprintf(dirs + len, sizeof(dirs) - len, "%s%s", i ? ", " : "",
                                m->s->dirs[i]);
    const char *urls = sym_dbgd_urls(m->s);
    if (!from) {
        set_note(m,
                 "no debug info for %s (build-id %s): looked for by build-id under %s%s%s%s; "
                 "function names from the ELF symbol table of the image the snapshot carries",
                 what, idhex, dirs, urls ? ", and debuginfod (" : "", urls ? urls : "",
                 urls ? ")" : "");
        return;
    }
    set_note(m,
             "no debug info for %s (build-id %s): looked in %s and, by build-id and "
             ".gnu_debuglink, beside it and under %s%s%s%s; function names from the ELF "
             "symbol table only",
             what, idhex, from, dirs, urls ? ", and debuginfod (" : "", urls ? urls : "",
             urls ? ")" : "");
}

int sym_find_image_elf(Dwfl_Module *mod, void **userdata, const char *modname,
                       Dwarf_Addr base, char **file_name, Elf **elfp)
{
    (void)mod, (void)modname, (void)base;
    const sym_module *m = *userdata;
    *file_name = NULL;
    *elfp = m && m->image ? elf_memory((char *)m->image, m->image_len) : NULL;
    return -1;
}

/* The image's address range (its PT_LOAD segments) and whether its
 * build-id is the expected one; 0, or -1 with the note set. */
static int check_image(sym_module *m, const char *what, const char *idhex, GElf_Addr *lo,
                       GElf_Addr *hi)
{
    Elf *elf = elf_memory((char *)m->image, m->image_len);
    GElf_Ehdr eh;
    size_t n = 0;
    *lo = UINT64_MAX;
    *hi = 0;
    if (!elf || elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh) ||
        elf_getphdrnum(elf, &n) != 0) {
        elf_end(elf);
        set_note(m, "%s: the snapshot's image of it (%zu bytes) is not an ELF file; "
                    "not symbolized", what, m->image_len);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        GElf_Phdr ph;
        if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD) {
            if (ph.p_vaddr < *lo)
                *lo = ph.p_vaddr & ~(GElf_Addr)0xfff;
            if (ph.p_vaddr + ph.p_memsz > *hi)
                *hi = ph.p_vaddr + ph.p_memsz;
        }
    }
    const void *id = NULL;
    ssize_t len = dwelf_elf_gnu_build_id(elf, &id);
    char other[2 * SYM_BUILD_ID_MAX + 1] = "none";
    int same = m->build_id_len == 0 ||
               (len == (ssize_t)m->build_id_len && memcmp(id, m->build_id, (size_t)len) == 0);
    if (!same && len > 0 && (size_t)len <= SYM_BUILD_ID_MAX)
        hex(other, id, (size_t)len);
    elf_end(elf);
    if (!same) {
        set_note(m, "build-id mismatch for %s: the snapshot's image of it has build-id %s, "
                    "its module %s; not symbolized", what, other, idhex);
        return -1;
    }
    if (*lo >= *hi) {
        set_note(m, "%s: the snapshot's image of it has no loadable segment; not symbolized",
                 what);
        return -1;
    }
    return 0;
}

/* A module with an image: libdwfl reads it through sym_find_image_elf(). */
static void open_image(sym_module *m, const char *what, const char *idhex)
{
    GElf_Addr lo, hi;
    if (check_image(m, what, idhex, &lo, &hi) < 0)
        return;
    m->dwfl = dwfl_begin(&m->s->image_callbacks);
    if (!m->dwfl) {
        set_note(m, "%s: %s", what, dwfl_errmsg(-1));
        return;
    }
    dwfl_report_begin(m->dwfl);
    m->mod = dwfl_report_module(m->dwfl, what, lo, hi);
    void **userdata = NULL;
    if (m->mod && dwfl_module_info(m->mod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL))
        *userdata = m; /* for sym_find_image_elf() and sym_find_debuginfo() */
    dwfl_report_end(m->dwfl, NULL, NULL);
    if (!m->mod || !dwfl_module_getelf(m->mod, &m->bias)) {
        set_note(m, "%s: cannot read the snapshot's image of it: %s", what, dwfl_errmsg(-1));
        return;
    }
    m->usable = 1;
    no_dwarf_note(m, what, idhex, NULL);
}

void sym_module_open(sym_module *m)
{
    char idhex[2 * SYM_BUILD_ID_MAX + 1] = "none", mismatch[2 * SYM_BUILD_ID_MAX + 1] = "";
    char *name = NULL;
    const char *what = base_name(m->path);
    m->opened = 1;
    if (m->build_id_len)
        hex(idhex, m->build_id, m->build_id_len);
    if (m->image) {
        open_image(m, what, idhex);
        return;
    }

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
    void **userdata = NULL;
    if (m->mod && dwfl_module_info(m->mod, &userdata, NULL, NULL, NULL, NULL, NULL, NULL))
        *userdata = m; /* for sym_find_debuginfo() */
    dwfl_report_end(m->dwfl, NULL, NULL);
    if (!m->mod || !dwfl_module_getelf(m->mod, &m->bias)) {
        set_note(m, "%s: cannot read %s: %s", what, m->file, dwfl_errmsg(-1));
        return;
    }
    m->usable = 1;
    no_dwarf_note(m, what, idhex, m->file);
}
