/*
 * sym_symtab.c - a module's ELF symbols sorted by address, built once.
 *
 * libdwfl's dwfl_module_addrsym() scans the symbol table on every call; a
 * symbolizer answering hundreds of thousands of addresses cannot.  The
 * choice among symbols follows it: the symbol with the highest address not
 * above the address and covering it (sizeless symbols cover up to the next
 * one), a global one before a weak one before a local one at the same
 * address, then the first in the table.
 */
#include <gelf.h>
#include <stdlib.h>

#include "sym_internal.h"

static int rank(unsigned char info)
{
    switch (GELF_ST_BIND(info)) {
    case STB_GLOBAL: return 0;
    case STB_WEAK: return 1;
    default: return 2;
    }
}

static int by_value(const void *a, const void *b)
{
    const struct sym_symbol *x = a, *y = b;
    if (x->value != y->value)
        return x->value < y->value ? -1 : 1;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static void build(sym_module *m)
{
    int n = dwfl_module_getsymtab(m->mod);
    m->symtab_built = 1;
    if (n <= 1)
        return;
    m->syms = calloc((size_t)n, sizeof(*m->syms));
    if (!m->syms)
        return;
    for (int i = 1; i < n; i++) {
        GElf_Sym sym;
        GElf_Addr value;
        const char *name = dwfl_module_getsym_info(m->mod, i, &sym, &value, NULL, NULL, NULL);
        int type = GELF_ST_TYPE(sym.st_info);
        if (!name || !*name || sym.st_shndx == SHN_UNDEF ||
            (type != STT_FUNC && type != STT_GNU_IFUNC && type != STT_NOTYPE &&
             type != STT_OBJECT))
            continue;
        m->syms[m->n_syms++] = (struct sym_symbol){ value, sym.st_size, name,
                                                    (uint32_t)i, (uint8_t)rank(sym.st_info) };
    }
    qsort(m->syms, m->n_syms, sizeof(*m->syms), by_value);
}

const struct sym_symbol *sym_symtab_find(sym_module *m, uint64_t addr)
{
    if (!m->symtab_built)
        build(m);
    size_t lo = 0, hi = m->n_syms;
    while (lo < hi) { /* first symbol above addr */
        size_t mid = (lo + hi) / 2;
        if (m->syms[mid].value <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* the highest address at or below addr whose symbol covers it */
    for (size_t k = lo; k > 0;) {
        uint64_t v = m->syms[k - 1].value;
        size_t first = k - 1;
        while (first > 0 && m->syms[first - 1].value == v)
            first--;
        for (size_t j = first; j < k; j++) {
            const struct sym_symbol *s = &m->syms[j];
            /* a sizeless symbol reaches to the next one, not past the last */
            if (s->size ? addr < s->value + s->size : (k == lo && lo < m->n_syms))
                return s;
        }
        k = first;
        if (lo - k > 64)
            break; /* a long run of symbols that end below addr: give up */
    }
    return NULL;
}
