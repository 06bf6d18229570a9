/*
 * module_scan.h - the loaded modules and readable memory, from /proc/self/maps.
 *
 * modscan_run() reads /proc/self/maps with raw reads into memory reserved at
 * init, finds every mapped ELF image (path, extent, load bias, build-id,
 * executable range, .eh_frame_hdr) by reading its headers in memory, and
 * keeps the list of readable ranges so that the unwinder never touches an
 * unmapped address.  Async-signal-safe after modscan_prepare().
 */
#ifndef BBX_MODULE_SCAN_H
#define BBX_MODULE_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "safe_mem.h"

#define MODSCAN_PATH_MAX 512
#define MODSCAN_BUILD_ID_MAX 64

struct bbx_module {
    uintptr_t start, end;            /* whole extent of its mappings */
    uintptr_t bias;                  /* load bias */
    uintptr_t text_start, text_end;  /* executable PT_LOAD */
    uintptr_t eh_frame_hdr;          /* 0 when absent */
    uintptr_t eh_table, eh_fde_count;/* binary search table, parsed */
    unsigned long inode;
    uint8_t build_id[MODSCAN_BUILD_ID_MAX];
    unsigned build_id_len;
    int is_elf;
    char path[MODSCAN_PATH_MAX];
};

struct mem_range {
    uintptr_t start, end;
};

struct module_table {
    struct bbx_module *mods;
    unsigned n_mods, cap_mods;
    struct mem_range *ranges;
    unsigned n_ranges, cap_ranges;
    char *buf;                       /* maps read buffer */
    size_t buf_cap;
    struct bbx_module *prev;         /* the previous scan's modules */
    unsigned n_prev;
    int changed;                     /* the last scan found modules the
                                        previous one did not have */
    /* The vDSO's image, copied at init (vdso_image_prepare, runtime/):
     * snapshots carry it in the [vdso] module's record (SNAP_MOD_IMAGE). */
    uint8_t *vdso_image;             /* NULL: no vDSO, or it could not be read */
    size_t vdso_len, vdso_map_len;   /* image bytes; bytes mapped for the copy */
    uintptr_t vdso_base;             /* where the vDSO was mapped at init */
    struct safe_mem_cache hdr_cache; /* ELF headers read in lines, not
                                        field by field; emptied per scan */
};

/* Reserve memory for up to cap_mods modules and cap_ranges ranges (init). */
int modscan_prepare(struct module_table *t, unsigned cap_mods, unsigned cap_ranges);
void modscan_release(struct module_table *t);

/* Rescan /proc/self/maps.  Returns 0 or -1 (table left empty). */
int modscan_run(struct module_table *t);

/* The readable range holding addr, or NULL. */
const struct mem_range *modscan_range_of(const struct module_table *t, uintptr_t addr);

/* Is [addr, addr+len) inside one readable mapping? */
int modscan_readable(const struct module_table *t, uintptr_t addr, size_t len);

/* The image of module m when m is the vDSO copied at init (the [vdso]
 * mapping is still where it was then, and as large), with its length in
 * *len; else NULL.  Async-signal-safe. */
const uint8_t *modscan_vdso_image(const struct module_table *t, const struct bbx_module *m,
                                  size_t *len);

/* runtime/vdso_image.c: copy the vDSO (getauxval(AT_SYSINFO_EHDR), its
 * size from its ELF headers) into memory of t's own.  Init only, after
 * modscan_prepare(); 0, or -1 when there is no vDSO to copy (not an error:
 * snapshots then carry no image). */
int vdso_image_prepare(struct module_table *t);

/* The ELF module whose executable range contains pc, or NULL. */
const struct bbx_module *modscan_find_text(const struct module_table *t, uintptr_t pc);

#endif
