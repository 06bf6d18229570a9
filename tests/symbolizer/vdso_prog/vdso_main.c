/*
 * vdso_main.c - a crash inside the vDSO, for e2e_vdso.py.
 *
 * Before crashing, the program tells the test what its own vDSO holds,
 * read with a small ELF reader of its own (not bbx's, not libelf): on
 * stdout, "vdso BASE SIZE" and one "sym NAME VALUE SIZE BIND" line per
 * function symbol of the vDSO's .dynsym (VALUE relative to the image); and
 * the image's bytes into the file argv[1], for eu-addr2line.  Then it
 * calls clock_gettime(CLOCK_MONOTONIC_COARSE) with a pointer nothing is
 * mapped at: the coarse clocks are always answered inside the vDSO, which
 * stores the time through the pointer, so the SIGSEGV's pc is in [vdso].
 */
#include <bbx.h>
#include <elf.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <time.h>

/* The image's size: the end of its section headers or loaded segments. */
static size_t image_size(const unsigned char *base)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
    size_t size = eh->e_shoff + (size_t)eh->e_shnum * eh->e_shentsize;
    for (unsigned i = 0; i < eh->e_phnum; i++) {
        const Elf64_Phdr *ph = (const Elf64_Phdr *)(base + eh->e_phoff) + i;
        if (ph->p_type == PT_LOAD && ph->p_offset + ph->p_filesz > size)
            size = ph->p_offset + ph->p_filesz;
    }
    return size;
}

/* Every STT_FUNC symbol of .dynsym (found by the section headers, which
 * the vDSO image keeps), on stdout. */
static int print_symbols(const unsigned char *base)
{
    const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
    const Elf64_Shdr *sh = (const Elf64_Shdr *)(base + eh->e_shoff);
    int found = 0;
    for (unsigned i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type != SHT_DYNSYM || sh[i].sh_link >= eh->e_shnum)
            continue;
        const Elf64_Sym *sym = (const Elf64_Sym *)(base + sh[i].sh_offset);
        const char *names = (const char *)(base + sh[sh[i].sh_link].sh_offset);
        for (size_t k = 0; k < sh[i].sh_size / sizeof(*sym); k++) {
            if (ELF64_ST_TYPE(sym[k].st_info) != STT_FUNC || sym[k].st_shndx == SHN_UNDEF)
                continue;
            int bind = ELF64_ST_BIND(sym[k].st_info);
            printf("sym %s %llx %llx %s\n", names + sym[k].st_name,
                   (unsigned long long)sym[k].st_value, (unsigned long long)sym[k].st_size,
                   bind == STB_GLOBAL ? "global" : bind == STB_WEAK ? "weak" : "local");
            found++;
        }
    }
    return found;
}

int main(int argc, char **argv)
{
    const unsigned char *base = (const unsigned char *)getauxval(AT_SYSINFO_EHDR);
    if (argc != 2 || !base || memcmp(base, ELFMAG, SELFMAG) != 0) {
        fprintf(stderr, "usage: vdso_prog DUMP (and a process with a vDSO)\n");
        return 2;
    }
    size_t size = image_size(base);
    FILE *f = fopen(argv[1], "wb");
    if (!f || fwrite(base, 1, size, f) != size || fclose(f) != 0) {
        perror(argv[1]);
        return 2;
    }
    printf("vdso %llx %zx\n", (unsigned long long)(uintptr_t)base, size);
    if (print_symbols(base) == 0) {
        fprintf(stderr, "vdso_prog: no function symbols in the vDSO\n");
        return 2;
    }
    fflush(stdout);
    int rc = bbx_init(NULL);
    if (rc != 0) {
        fprintf(stderr, "vdso_prog: bbx_init: %s\n", bbx_strerror(rc));
        return 3;
    }
    clock_gettime(CLOCK_MONOTONIC_COARSE, (struct timespec *)16); /* the crash */
    fprintf(stderr, "vdso_prog: clock_gettime did not crash\n");
    return 4;
}
