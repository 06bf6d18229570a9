/*
 * unwind.c - stack unwinding inside a signal handler, with libunwind.
 *
 * libunwind's local unwinder finds unwind tables with dl_iterate_phdr(),
 * which takes the dynamic loader's lock: a crash while another thread is
 * inside dlopen() would deadlock.  So this file drives libunwind's *remote*
 * interface against our own address space, with accessors that
 *  - find unwind tables in the module table scanned from /proc/self/maps
 *    (the .eh_frame_hdr binary search table, read in place), and
 *  - read memory only through safe_mem (never a second fault, even when a
 *    library is unmapped or a thread exits while we read).
 * The address space is created at init (runtime/unwind_setup.c: libunwind
 * allocates then).  Its
 * unwind-info cache is shared by the threads that unwind themselves during
 * a capture; the cache's lock belongs to this private address space, which
 * only the (serialised) capture uses, so no application code can hold it,
 * and libunwind blocks signals while holding it.  The cache is flushed at
 * the start of every capture, as modules may have moved since the last.
 */
#include <libunwind.h>
#include <string.h>

#include "collector.h"
#include "safe_mem.h"
#include "sigsafe.h"
#include "snap_format.h"

/* Exported by libunwind-generic, not declared in its headers. */
extern int _Ux86_64_dwarf_search_unwind_table(unw_addr_space_t as, unw_word_t ip,
                                              unw_dyn_info_t *di, unw_proc_info_t *pi,
                                              int need_unwind_info, void *arg);

unw_addr_space_t unwind_as; /* made by unwind_init() (runtime) */

/* Per cursor: the registers to start from, and the last readable range hit
 * (most reads fall in the same stack or the same module). */
struct regs_arg {
    const ucontext_t *uc;
    struct safe_mem_cache cache;
};

static int find_proc_info(unw_addr_space_t as, unw_word_t ip, unw_proc_info_t *pi,
                          int need_unwind_info, void *arg)
{
    const struct bbx_module *m = modscan_find_text(&bbx_g.mods, ip);
    unw_dyn_info_t di;
    if (!m || !m->eh_table || !m->eh_fde_count)
        return -UNW_ENOINFO;
    memset(&di, 0, sizeof(di));
    di.format = UNW_INFO_FORMAT_REMOTE_TABLE;
    di.start_ip = m->text_start;
    di.end_ip = m->text_end;
    di.u.rti.segbase = m->eh_frame_hdr;
    di.u.rti.table_data = m->eh_table;
    di.u.rti.table_len = m->eh_fde_count * 8 / sizeof(unw_word_t);
    return _Ux86_64_dwarf_search_unwind_table(as, ip, &di, pi, need_unwind_info, arg);
}

static void put_unwind_info(unw_addr_space_t as, unw_proc_info_t *pi, void *arg)
{
}

static int get_dyn_info_list_addr(unw_addr_space_t as, unw_word_t *dilap, void *arg)
{
    return -UNW_ENOINFO;
}

/* Stacks and unwind tables can vanish under us (a thread exits, a library
 * is dlclosed): every read goes through safe_mem, cached per cursor. */
static int access_mem(unw_addr_space_t as, unw_word_t addr, unw_word_t *valp, int write,
                      void *arg)
{
    struct regs_arg *ra = arg;
    if (write)
        return -UNW_EINVAL;
    if (safe_mem_cached_read(&ra->cache, valp, addr, sizeof(*valp)) != 0)
        return -UNW_EINVAL;
    return 0;
}

static int greg_for(unw_regnum_t reg)
{
    switch (reg) {
    case UNW_X86_64_RAX: return REG_RAX;
    case UNW_X86_64_RDX: return REG_RDX;
    case UNW_X86_64_RCX: return REG_RCX;
    case UNW_X86_64_RBX: return REG_RBX;
    case UNW_X86_64_RSI: return REG_RSI;
    case UNW_X86_64_RDI: return REG_RDI;
    case UNW_X86_64_RBP: return REG_RBP;
    case UNW_X86_64_RSP: return REG_RSP;
    case UNW_X86_64_R8: return REG_R8;
    case UNW_X86_64_R9: return REG_R9;
    case UNW_X86_64_R10: return REG_R10;
    case UNW_X86_64_R11: return REG_R11;
    case UNW_X86_64_R12: return REG_R12;
    case UNW_X86_64_R13: return REG_R13;
    case UNW_X86_64_R14: return REG_R14;
    case UNW_X86_64_R15: return REG_R15;
    case UNW_X86_64_RIP: return REG_RIP;
    default: return -1;
    }
}

static int access_reg(unw_addr_space_t as, unw_regnum_t reg, unw_word_t *valp, int write,
                      void *arg)
{
    const struct regs_arg *ra = arg;
    int g = greg_for(reg);
    if (write || g < 0)
        return -UNW_EBADREG;
    *valp = (unw_word_t)ra->uc->uc_mcontext.gregs[g];
    return 0;
}

static int access_fpreg(unw_addr_space_t as, unw_regnum_t reg, unw_fpreg_t *val, int write,
                        void *arg)
{
    return -UNW_EBADREG;
}

static int resume(unw_addr_space_t as, unw_cursor_t *c, void *arg)
{
    return -UNW_EINVAL;
}

static int get_proc_name(unw_addr_space_t as, unw_word_t addr, char *buf, size_t len,
                         unw_word_t *offp, void *arg)
{
    return -UNW_ENOINFO;
}

static unw_accessors_t accessors = {
    .find_proc_info = find_proc_info,
    .put_unwind_info = put_unwind_info,
    .get_dyn_info_list_addr = get_dyn_info_list_addr,
    .access_mem = access_mem,
    .access_reg = access_reg,
    .access_fpreg = access_fpreg,
    .resume = resume,
    .get_proc_name = get_proc_name,
};

struct unw_accessors *unwind_accessors(void)
{
    return &accessors;
}

void unwind_new_capture(void)
{
    /* cached unwind information stays right while the modules do */
    if (unwind_as && bbx_g.mods.changed)
        unw_flush_cache(unwind_as, 0, 0);
}

unsigned unwind_context(const ucontext_t *uc, uintptr_t *pcs, unsigned max, int *truncated)
{
    struct regs_arg ra;
    unw_cursor_t cur;
    unsigned n = 0;
    unw_word_t last_ip = 0, last_sp = 0;
    *truncated = 0;
    if (max == 0)
        return 0;
    ra.uc = uc;
    safe_mem_cache_init(&ra.cache);
    pcs[n++] = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
    if (!unwind_as || unw_init_remote(&cur, unwind_as, &ra) < 0)
        return n;
    for (;;) {
        unw_word_t ip, sp;
        if (unw_step(&cur) <= 0)
            break;
        if (unw_get_reg(&cur, UNW_REG_IP, &ip) < 0 || ip == 0)
            break;
        unw_get_reg(&cur, UNW_REG_SP, &sp);
        if (ip == last_ip && sp == last_sp)
            break; /* no progress: a loop in bad unwind data */
        last_ip = ip;
        last_sp = sp;
        if (n == max) {
            *truncated = 1;
            break;
        }
        pcs[n++] = ip;
    }
    return n;
}

unsigned unwind_regs(const ucontext_t *uc, uint64_t *regs)
{
    static const int order[SNAP_X86_64_REG_COUNT - 1] = {
        REG_RIP, REG_RSP, REG_RBP, REG_RAX, REG_RBX, REG_RCX, REG_RDX, REG_RSI, REG_RDI,
        REG_R8,  REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15,
    };
    unsigned n = 0;
    for (; n < SNAP_X86_64_REG_COUNT - 1; n++)
        regs[n] = (uint64_t)uc->uc_mcontext.gregs[order[n]];
    regs[n++] = (uint64_t)uc->uc_mcontext.gregs[REG_EFL];
    return n;
}
