/*
 * sym_cu_index.c - one compilation unit's functions and inlined calls as
 * sorted address ranges, built with one walk of its DIE tree on first use.
 *
 * Asking libdw for the scopes of every address (dwarf_getscopes) walks the
 * DIE tree each time; here the walk happens once per CU, and a lookup is a
 * binary search among the CU's functions followed by a binary search among
 * the inlined calls of each level it descends into.
 */
#include <dwarf.h>
#include <stdlib.h>
#include <string.h>

#include "sym_internal.h"

struct builder {
    sym_module *m;
    struct sym_cu_index *ci;
    Dwarf_Files *files;
    size_t n_files;
    struct sym_node *nodes;
    size_t n_nodes, cap_nodes;
    struct sym_range *ranges;
    size_t n_ranges, cap_ranges;
    int failed;
};

static void *grow(void *p, size_t *cap, size_t need, size_t size, int *failed)
{
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap * 2 : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(p, n * size);
    if (!q) {
        *failed = 1;
        return p;
    }
    *cap = n;
    return q;
}

/* The name eu-addr2line prints: the linkage name when there is one
 * (demangled unless asked not to), else DW_AT_name, following abstract
 * origins and specifications. */
static const char *die_name(sym_session *s, Dwarf_Die *die)
{
    Dwarf_Attribute a;
    const char *n = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_linkage_name, &a));
    if (!n)
        n = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &a));
    if (n)
        return sym_demangle(s, n);
    return dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name, &a));
}

static unsigned attr_udata(Dwarf_Die *die, unsigned name)
{
    Dwarf_Attribute a;
    Dwarf_Word v = 0;
    if (dwarf_attr(die, name, &a) && dwarf_formudata(&a, &v) == 0)
        return (unsigned)v;
    return 0;
}

/* Add the node for a function or inlined call, with its ranges; returns its
 * index, or SYM_NONE when it has no code. */
static uint32_t add_node(struct builder *b, Dwarf_Die *die, int inlined, uint32_t parent)
{
    Dwarf_Addr base, lo, hi;
    ptrdiff_t off = 0;
    size_t first_range = b->n_ranges;
    uint32_t id = (uint32_t)b->n_nodes;

    while ((off = dwarf_ranges(die, off, &base, &lo, &hi)) > 0) {
        if (hi <= lo)
            continue;
        b->ranges = grow(b->ranges, &b->cap_ranges, b->n_ranges + 1, sizeof(*b->ranges),
                         &b->failed);
        if (b->failed)
            return SYM_NONE;
        b->ranges[b->n_ranges++] = (struct sym_range){ lo, hi, id, parent };
    }
    if (b->n_ranges == first_range)
        return SYM_NONE;
    b->nodes = grow(b->nodes, &b->cap_nodes, b->n_nodes + 1, sizeof(*b->nodes), &b->failed);
    if (b->failed) {
        b->n_ranges = first_range;
        return SYM_NONE;
    }
    struct sym_node *n = &b->nodes[b->n_nodes++];
    memset(n, 0, sizeof(*n));
    n->name = die_name(b->m->s, die);
    n->parent = parent;
    n->inlined = inlined;
    if (inlined) {
        unsigned file = attr_udata(die, DW_AT_call_file);
        if (b->files && file < b->n_files)
            n->call_file = sym_cu_file_name(b->m->s, b->ci,
                                            dwarf_filesrc(b->files, file, NULL, NULL));
        n->call_line = attr_udata(die, DW_AT_call_line);
        n->call_column = attr_udata(die, DW_AT_call_column);
    }
    return id;
}

static void walk(struct builder *b, Dwarf_Die *die, uint32_t parent, int depth)
{
    Dwarf_Die child;
    if (depth > 256 || dwarf_child(die, &child) != 0)
        return;
    do {
        switch (dwarf_tag(&child)) {
        case DW_TAG_subprogram: {
            /* a function defined inside another is a function of its own */
            uint32_t id = add_node(b, &child, 0, SYM_NONE);
            if (id != SYM_NONE)
                walk(b, &child, id, depth + 1);
            break;
        }
        case DW_TAG_inlined_subroutine: {
            if (parent == SYM_NONE)
                break;
            uint32_t id = add_node(b, &child, 1, parent);
            walk(b, &child, id == SYM_NONE ? parent : id, depth + 1);
            break;
        }
        case DW_TAG_lexical_block:
        case DW_TAG_namespace:
        case DW_TAG_class_type:
        case DW_TAG_structure_type:
        case DW_TAG_module:
            walk(b, &child, parent, depth + 1);
            break;
        default:
            break;
        }
    } while (!b->failed && dwarf_siblingof(&child, &child) == 0);
}

static int by_parent_then_lo(const void *a, const void *b)
{
    const struct sym_range *x = a, *y = b;
    if (x->parent != y->parent)
        return x->parent < y->parent ? -1 : 1;
    if (x->lo != y->lo)
        return x->lo < y->lo ? -1 : 1;
    return x->node < y->node ? -1 : x->node > y->node; /* DIE order */
}

struct sym_cu_index *sym_cu_index_build(sym_module *m, Dwarf_Die *cudie)
{
    struct builder b;
    struct sym_cu_index *ci = calloc(1, sizeof(*ci));
    if (!ci)
        return NULL;
    memset(&b, 0, sizeof(b));
    b.m = m;
    b.ci = ci;
    Dwarf_Attribute a;
    ci->comp_dir = dwarf_formstring(dwarf_attr(cudie, DW_AT_comp_dir, &a));
    if (dwarf_getsrcfiles(cudie, &b.files, &b.n_files) != 0) {
        b.files = NULL;
        b.n_files = 0;
    }
    walk(&b, cudie, SYM_NONE, 0);
    ci->offset = dwarf_dieoffset(cudie);
    if (b.failed) {
        free(b.nodes);
        free(b.ranges);
        return ci; /* empty: lookups fall back to the symbol table */
    }
    /* SYM_NONE sorts last: children grouped by parent first, then the
     * functions. */
    qsort(b.ranges, b.n_ranges, sizeof(*b.ranges), by_parent_then_lo);
    size_t n_child = 0;
    while (n_child < b.n_ranges && b.ranges[n_child].parent != SYM_NONE)
        n_child++;
    for (size_t i = 0; i < n_child;) {
        size_t j = i;
        uint32_t p = b.ranges[i].parent;
        while (j < n_child && b.ranges[j].parent == p)
            j++;
        b.nodes[p].child_first = (uint32_t)i;
        b.nodes[p].n_child = (uint32_t)(j - i);
        i = j;
    }
    ci->nodes = b.nodes;
    ci->n_nodes = b.n_nodes;
    ci->child = b.ranges;
    ci->n_child = n_child;
    ci->top = b.ranges + n_child;
    ci->n_top = b.n_ranges - n_child;
    return ci;
}

const char *sym_cu_file_name(sym_session *s, struct sym_cu_index *ci, const char *raw)
{
    if (!raw || raw[0] == '/' || !ci->comp_dir)
        return raw;
    for (size_t i = 0; i < ci->n_names; i++)
        if (ci->names[i].raw == raw)
            return ci->names[i].full;
    size_t a = strlen(ci->comp_dir), b = strlen(raw);
    char *full = sym_alloc(s, a + b + 2);
    if (!full)
        return raw;
    memcpy(full, ci->comp_dir, a);
    full[a] = '/';
    memcpy(full + a + 1, raw, b + 1);
    if (ci->n_names == ci->cap_names) {
        size_t cap = ci->cap_names ? ci->cap_names * 2 : 8;
        struct sym_file_name *n = realloc(ci->names, cap * sizeof(*n));
        if (!n)
            return full;
        ci->names = n;
        ci->cap_names = cap;
    }
    ci->names[ci->n_names++] = (struct sym_file_name){ raw, full };
    return full;
}

void sym_cu_index_free(struct sym_cu_index *ci)
{
    if (!ci)
        return;
    free(ci->names);
    free(ci->nodes);
    free(ci->child); /* top lives in the same array */
    free(ci);
}

/* The range of r[0..n) (sorted by lo, mostly disjoint) holding addr. */
static const struct sym_range *find(const struct sym_range *r, size_t n, uint64_t addr)
{
    size_t lo = 0, hi = n;
    while (lo < hi) { /* first range with lo > addr */
        size_t mid = (lo + hi) / 2;
        if (r[mid].lo <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* the candidates end just before; overlaps are rare and short */
    for (size_t k = lo, tries = 0; k > 0 && tries < 16; k--, tries++) {
        if (addr >= r[k - 1].hi)
            continue;
        /* several DIEs for the same code (aliases): the first one, as
         * eu-addr2line names it */
        while (k > 1 && r[k - 2].lo == r[k - 1].lo && addr < r[k - 2].hi)
            k--;
        return &r[k - 1];
    }
    return NULL;
}

size_t sym_cu_index_chain(const struct sym_cu_index *ci, uint64_t addr, uint32_t *chain,
                          size_t max, uint64_t *part_start)
{
    size_t n = 0;
    const struct sym_range *r = find(ci->top, ci->n_top, addr);
    if (r)
        *part_start = r->lo;
    while (r && n < max) {
        const struct sym_node *node = &ci->nodes[r->node];
        chain[n++] = r->node;
        r = node->n_child ? find(ci->child + node->child_first, node->n_child, addr) : NULL;
    }
    return n;
}
