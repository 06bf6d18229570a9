/*
 * vdso_image.c - a copy of the vDSO, taken at init, for the [vdso] module's
 * record of every snapshot (SNAP_MOD_IMAGE, docs/FORMAT.md).
 *
 * No file on disk holds the vDSO: the kernel maps it into each process.  An
 * analyzer on another machine, or after a kernel update, can only name the
 * frames in it (clock_gettime, gettimeofday, ...) from its bytes, so the
 * snapshot carries them: about 8 KiB.  The copy is made here, at init,
 * into memory of the module table's own, so the crash path writes it
 * without reading memory it did not allocate.
 */
#include <elf.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#include "module_scan.h"
#include "safe_mem.h"
#include "sigsafe.h"

/* Larger than any vDSO (x86_64 and arm64 ones are 8 KiB): a header that
 * says more is not believed. */
#define VDSO_IMAGE_MAX (256u << 10)

/* Through the kernel when it lets us (safe_mem.h); else plain loads: at
 * init the vDSO is where the kernel said it is. */
static int read_at(void *dst, uintptr_t addr, size_t len)
{
    if (safe_mem_kernel())
        return safe_mem_read(dst, addr, len);
    memcpy(dst, (const void *)addr, len);
    return 0;
}

static size_t grow(size_t size, uint64_t off, uint64_t len)
{
    return off + len > size ? (size_t)(off + len) : size;
}

/* The image's size from its ELF headers: the end of the furthest of the
 * headers, the loaded segments and the section headers; 0 when they do
 * not read as a 64-bit ELF image. */
static size_t image_size(uintptr_t base)
{
    Elf64_Ehdr eh;
    Elf64_Phdr ph;
    if (read_at(&eh, base, sizeof(eh)) < 0 || memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
        eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_phentsize != sizeof(Elf64_Phdr) ||
        eh.e_phnum == 0 || eh.e_phnum > 64 || eh.e_phoff > VDSO_IMAGE_MAX)
        return 0;
    size_t size = grow(sizeof(eh), eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(ph));
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        if (read_at(&ph, base + eh.e_phoff + i * sizeof(ph), sizeof(ph)) < 0 ||
            ph.p_offset > VDSO_IMAGE_MAX || ph.p_filesz > VDSO_IMAGE_MAX)
            return 0;
        if (ph.p_type == PT_LOAD)
            size = grow(size, ph.p_offset, ph.p_filesz);
    }
    if (eh.e_shoff && eh.e_shoff <= VDSO_IMAGE_MAX && eh.e_shentsize == sizeof(Elf64_Shdr))
        size = grow(size, eh.e_shoff, (uint64_t)eh.e_shnum * eh.e_shentsize);
    return size <= VDSO_IMAGE_MAX ? size : 0;
}

int vdso_image_prepare(struct module_table *t)
{
    uintptr_t base = (uintptr_t)getauxval(AT_SYSINFO_EHDR);
    size_t size = base ? image_size(base) : 0;
    if (!size)
        return -1;
    size_t map_len = (size + 4095u) & ~(size_t)4095u;
    void *p = ss_map(map_len, 0);
    if (!p)
        return -1;
    if (read_at(p, base, size) < 0) {
        ss_unmap(p, map_len);
        return -1;
    }
    t->vdso_image = p;
    t->vdso_len = size;
    t->vdso_map_len = map_len;
    t->vdso_base = base;
    return 0;
}
