/*
 * sym_internal.h - what the symbolizer's files share: the session and
 * module structures, the per-CU index, the result cache.
 */
#ifndef BBX_SYM_INTERNAL_H
#define BBX_SYM_INTERNAL_H

#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>

#include "symbolizer.h"

#define SYM_BUILD_ID_MAX 64

/* A function or an inlined call, in one CU's index. */
struct sym_node {
    const char *name;
    const char *call_file;        /* for an inlined call: the call site */
    unsigned call_line, call_column;
    uint32_t parent;              /* SYM_NONE for a function */
    uint32_t child_first, n_child;/* slice of cu_index.child */
    int inlined;
};

#define SYM_NONE UINT32_MAX

struct sym_range {
    uint64_t lo, hi;
    uint32_t node;
    uint32_t parent; /* only while building */
};

/* Sorted ranges of one compilation unit, built on its first lookup. */
struct sym_file_name {
    const char *raw, *full;
};

struct sym_cu_index {
    Dwarf_Off offset;             /* of the CU DIE: the key */
    const char *comp_dir;         /* DW_AT_comp_dir, or NULL */
    struct sym_file_name *names;  /* relative file names made absolute */
    size_t n_names, cap_names;
    struct sym_node *nodes;
    size_t n_nodes;
    struct sym_range *top;        /* functions, sorted by lo */
    size_t n_top;
    struct sym_range *child;      /* inlined calls, grouped by parent, sorted */
    size_t n_child;
};

struct sym_symbol {
    uint64_t value, size;
    const char *name;
    uint32_t index;
    uint8_t rank;                 /* 0 global, 1 weak, 2 local */
};

struct sym_module {
    sym_session *s;
    uint32_t id;
    char *path;                   /* as asked */
    uint8_t build_id[SYM_BUILD_ID_MAX];
    size_t build_id_len;
    int opened, usable, has_dwarf;
    char *file;                   /* main ELF used */
    uint8_t *image;               /* an image in memory (the vDSO): used instead
                                     of any file (sym_module_get_image) */
    size_t image_len;
    int absent;                   /* nothing to look in (sym_module_get_absent) */
    char *note;
    Dwfl *dwfl;
    Dwfl_Module *mod;
    Dwarf_Addr bias;              /* dwfl address = ELF vaddr + bias */
    /* CU indexes by CU offset: open addressing */
    struct sym_cu_index **cus;
    size_t cu_cap, n_cus;
    /* ELF symbols by address, built on first need */
    struct sym_symbol *syms;
    size_t n_syms;
    int symtab_built;
    /* where we looked, for the note */
    char *looked;
    size_t looked_len, looked_cap;
    /* debuginfod: asked for the executable / the debuginfo already; why it
     * was given up on (arena), or NULL */
    int dbgd_asked_exe, dbgd_asked_debug;
    const char *dbgd_note;
};

struct sym_cache_entry {
    uint64_t key_addr;            /* address | is_return in bit 63 */
    uint32_t module;              /* module id + 1; 0 = empty */
    uint32_t n_frames;
    const sym_frame *frames;
};

struct sym_session {
    sym_options opt;
    char **dirs;                  /* debug directories, in search order */
    size_t n_dirs;
    char *dwfl_path;              /* libdwfl's debuginfo_path string */
    Dwfl_Callbacks callbacks;
    Dwfl_Callbacks image_callbacks; /* for modules with an image: find_elf
                                       hands libdwfl the image */
    sym_module **mods;
    size_t n_mods, cap_mods;
    struct sym_cache_entry *cache;
    size_t cache_cap, cache_used;
    /* debuginfod (sym_debuginfod.c) */
    char *dbgd_urls;              /* DEBUGINFOD_URLS as found, or NULL */
    char *dbgd_maxtime;           /* DEBUGINFOD_MAXTIME as found, or NULL */
    char **servers;               /* the URLs in it */
    unsigned char *server_gone;   /* 1: timed out or unreachable: not asked again */
    size_t n_servers;
    struct debuginfod_client *dbgd;
    int dbgd_null_fd;             /* its verbose fd when not verbose; 0: none */
    double dbgd_spent;            /* seconds, all requests together */
    int dbgd_shown;               /* progress reported for the request running */
    double dbgd_t0;
    const char *dbgd_module, *dbgd_what, *dbgd_asking;
    /* arena for frames and strings */
    char **blocks;
    size_t n_blocks, cap_blocks;
    char *arena;
    size_t arena_left;
};

/* sym_session.c */
void *sym_alloc(sym_session *s, size_t n);   /* arena: never freed alone */
char *sym_strdup(sym_session *s, const char *str);

/* sym_find.c: open the module's files (once). */
void sym_module_open(sym_module *m);
void sym_looked_add(sym_module *m, const char *what);
/* libdwfl's find_debuginfo callback: its standard search, then debuginfod. */
int sym_find_debuginfo(Dwfl_Module *mod, void **userdata, const char *modname,
                       Dwarf_Addr base, const char *file_name, const char *debuglink_file,
                       GElf_Word debuglink_crc, char **debuginfo_file_name);

/* libdwfl's find_elf callback for a module with an image: an Elf over it. */
int sym_find_image_elf(Dwfl_Module *mod, void **userdata, const char *modname,
                       Dwarf_Addr base, char **file_name, Elf **elfp);

/* sym_debuginfod.c: the session's debuginfod client and its time. */
int sym_dbgd_init(sym_session *s);  /* 0, or -1 out of memory */
void sym_dbgd_free(sym_session *s);
/* Ask for the executable (debuginfo 0) or debuginfo (1) of build-id id,
 * once per module m: an open fd and its path in *path (malloc'd), or -1
 * (m->dbgd_note may say why). */
int sym_dbgd_find(sym_module *m, int debuginfo, const uint8_t *id, size_t id_len, char **path);
/* Around libdwfl's own searches: DEBUGINFOD_URLS hidden, then put back. */
void sym_dbgd_env_off(sym_session *s);
void sym_dbgd_env_back(sym_session *s);
/* "URL URL" of the servers, or NULL when none are set. */
const char *sym_dbgd_urls(const sym_session *s);

/* sym_cu_index.c */
struct sym_cu_index *sym_cu_index_build(sym_module *m, Dwarf_Die *cudie);
void sym_cu_index_free(struct sym_cu_index *ci);
/* A file name as eu-addr2line prints it by default: relative names joined
 * to the CU's compilation directory.  Cached per CU. */
const char *sym_cu_file_name(sym_session *s, struct sym_cu_index *ci, const char *raw);
/* Innermost-last chain of nodes containing addr; returns its length.  The
 * start of the function's part (a function split into hot and cold parts
 * has one range each) holding addr goes to *part_start. */
size_t sym_cu_index_chain(const struct sym_cu_index *ci, uint64_t addr, uint32_t *chain,
                          size_t max, uint64_t *part_start);

/* sym_symtab.c: the ELF symbol eu-addr2line would name at addr (dwfl
 * address), or NULL. */
const struct sym_symbol *sym_symtab_find(sym_module *m, uint64_t addr);

/* sym_demangle.c: a demangled copy in the arena, or name itself. */
const char *sym_demangle(sym_session *s, const char *name);

#endif
