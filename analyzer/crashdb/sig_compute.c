/*
 * sig_compute.c - a crash's signature and id from its frames and kind facts
 * (sig_compute.h), and the input built from a snapshot.
 */
#include "sig_compute.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frame_symbols.h"
#include "grow_array.h"
#include "hash_fnv.h"
#include "path_name.h"
#include "sig_normalize.h"
#include "snap_format.h"

static const char *const kind_names[] = {
    [SIG_KIND_CRASH] = "crash",
    [SIG_KIND_ABORT] = "abort",
    [SIG_KIND_HANG] = "hang",
    [SIG_KIND_OOM] = "oom",
    [SIG_KIND_STACK_OVERFLOW] = "stack-overflow",
    [SIG_KIND_REQUEST] = "request",
    [SIG_KIND_SNAPSHOT] = "snapshot",
};

const char *sig_kind_name(sig_kind k)
{
    return (unsigned)k < sizeof(kind_names) / sizeof(*kind_names) ? kind_names[k] : "crash";
}

int sig_kind_from_name(const char *name)
{
    for (size_t k = 0; name && k < sizeof(kind_names) / sizeof(*kind_names); k++)
        if (strcmp(kind_names[k], name) == 0)
            return (int)k;
    return -1;
}

static int near_stack(const sig_facts *f)
{
    if (!f->has_fault_addr || !f->has_sp)
        return 0;
    if (f->fault_addr <= f->sp)
        return f->sp - f->fault_addr <= SIG_STACK_NEAR;
    return f->fault_addr - f->sp <= SIG_STACK_ABOVE;
}

int sig_oom_evidence(const char *reason, const sig_frame *frames, size_t n)
{
    static const char *const said[] = { "out of memory", "Out of memory", "OUT OF MEMORY",
                                        "failed to allocate", "Cannot allocate memory",
                                        "bad_alloc", "memory allocation of" };
    static const char *const raised[] = { "__throw_bad_alloc", "__throw_bad_array_new_length",
                                          "handle_alloc_error", "rust_oom", "__rg_oom" };
    for (size_t i = 0; reason && i < sizeof(said) / sizeof(*said); i++)
        if (strstr(reason, said[i]))
            return 1;
    for (size_t k = 0; k < n; k++)
        for (size_t i = 0; frames[k].function && i < sizeof(raised) / sizeof(*raised); i++)
            if (strstr(frames[k].function, raised[i]))
                return 1;
    return 0;
}

sig_kind sig_kind_of(const sig_facts *f)
{
    if (f->has_kind)
        return (sig_kind)f->kind;
    if (f->trigger == SNAP_TRIGGER_HANG || f->trigger == SNAP_TRIGGER_HANG_END)
        return SIG_KIND_HANG;
    if (f->oom)
        return SIG_KIND_OOM;
    if (f->trigger == SNAP_TRIGGER_REQUEST || f->trigger == SNAP_TRIGGER_SIGNAL)
        return SIG_KIND_REQUEST;
    if (f->trigger != SNAP_TRIGGER_CRASH)
        return SIG_KIND_SNAPSHOT;
    if ((f->signal == SIGSEGV || f->signal == SIGBUS) && near_stack(f))
        return SIG_KIND_STACK_OVERFLOW;
    if (f->signal == SIGABRT && f->abort_message && f->abort_message[0])
        return SIG_KIND_ABORT;
    return SIG_KIND_CRASH;
}

void sig_id(const char *text, char id[SIG_ID_LEN + 1])
{
    char hex[17];
    snprintf(hex, sizeof(hex), "%016" PRIx64, fnv1a_str(FNV1A_OFFSET, text));
    memcpy(id, hex, SIG_ID_LEN);
    id[SIG_ID_LEN] = 0;
}

/* The prefix of a plain crash by a signal other than SIGSEGV (and SIGABRT,
 * which without a message stays plain): the signal's name, so that a
 * division by zero and a NULL write in the same function under the same
 * callers are two groups.  NULL: no prefix. */
static const struct {
    int sig;
    const char *name;
} signal_names[] = {
    { SIGILL, "SIGILL" },   { SIGTRAP, "SIGTRAP" }, { SIGBUS, "SIGBUS" },
    { SIGFPE, "SIGFPE" },   { SIGSYS, "SIGSYS" },   { SIGXCPU, "SIGXCPU" },
    { SIGXFSZ, "SIGXFSZ" }, { SIGKILL, "SIGKILL" }, { SIGTERM, "SIGTERM" },
};

static const char *crash_signal_prefix(const sig_facts *f, char *buf, size_t len)
{
    if (f->trigger != SNAP_TRIGGER_CRASH || !f->signal || f->signal == SIGSEGV ||
        f->signal == SIGABRT)
        return NULL;
    for (size_t i = 0; i < sizeof(signal_names) / sizeof(*signal_names); i++)
        if (f->signal == (uint64_t)signal_names[i].sig)
            return signal_names[i].name;
    snprintf(buf, len, "signal %" PRIu64, f->signal);
    return buf;
}

void sig_facts_of_stack_kind(const char *stack_kind, sig_facts *f)
{
    uint64_t n;
    char end;
    int k = sig_kind_from_name(stack_kind);
    memset(f, 0, sizeof(*f));
    f->has_kind = 1;
    f->kind = k < 0 ? SIG_KIND_CRASH : k;
    if (k >= 0 || !stack_kind)
        return;
    for (size_t i = 0; i < sizeof(signal_names) / sizeof(*signal_names); i++)
        if (strcmp(stack_kind, signal_names[i].name) == 0)
            f->signal = (uint64_t)signal_names[i].sig;
    if (!f->signal && sscanf(stack_kind, "signal %" SCNu64 "%c", &n, &end) == 1)
        f->signal = n;
    if (f->signal)
        f->trigger = SNAP_TRIGGER_CRASH;
}

/* What frame f contributes, into buf[SIG_NAME_MAX]; "" when nothing. */
static void frame_text(const sig_frame *f, char *buf)
{
    if (sig_normalize_name(f->function, buf, SIG_NAME_MAX) > 0)
        return;
    if (!f->module || !f->module[0]) {
        snprintf(buf, SIG_NAME_MAX, "?");
        return;
    }
    char base[SIG_NAME_MAX];
    snprintf(base, sizeof(base), "%s", path_base_name(f->module));
    for (char *p = base; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    if (f->has_offset)
        snprintf(buf, SIG_NAME_MAX, "%.400s+0x%" PRIx64, base, f->offset);
    else
        snprintf(buf, SIG_NAME_MAX, "%s", base);
}

static int skipped(const sig_rules *r, const sig_frame *f, const char *name)
{
    if (f->module && sig_rules_match(r, SIG_RULE_SKIP_MODULE, path_base_name(f->module)))
        return 1;
    return f->function && sig_rules_match(r, SIG_RULE_SKIP, name);
}

/* When frame i has no name and only frames without a name of its module
 * lie between it and a named frame of that module that is skipped (a
 * library's internal frames whose symbols are not installed: libstdc++'s
 * terminate handler between abort and std::terminate), the index of that
 * named frame; 0 otherwise. */
static size_t unnamed_run_skipped(const sig_rules *r, const sig_input *in, size_t i)
{
    const char *module = in->frames[i].module;
    if (in->frames[i].function || !module)
        return 0;
    for (size_t j = i + 1; j < in->n_frames; j++) {
        const sig_frame *g = &in->frames[j];
        if (!g->module || strcmp(g->module, module) != 0)
            return 0;
        if (g->function) {
            char name[SIG_NAME_MAX];
            frame_text(g, name);
            return skipped(r, g, name) ? j : 0;
        }
    }
    return 0;
}

/* The index of the first frame of interest: the frames above it are
 * skipped (a skip or skip-module rule, or unnamed_run_skipped). */
static size_t first_of_interest(const sig_rules *r, const sig_input *in)
{
    char name[SIG_NAME_MAX];
    size_t i = 0;
    while (i < in->n_frames) {
        frame_text(&in->frames[i], name);
        if (skipped(r, &in->frames[i], name)) {
            i++;
            continue;
        }
        size_t to = unnamed_run_skipped(r, in, i); /* frame `to` is skipped next */
        if (!to)
            break;
        i = to;
    }
    return i;
}

static void append(sig_result *out, size_t *len, const char *s)
{
    size_t room = sizeof(out->text) - 1 - *len, n = strlen(s);
    if (n > room)
        n = room;
    memcpy(out->text + *len, s, n);
    *len += n;
    out->text[*len] = 0;
}

void sig_compute(const sig_rules *r, const sig_input *in, sig_result *out)
{
    unsigned want = r ? r->frames : SIG_RULES_DEFAULT_FRAMES;
    char name[SIG_NAME_MAX], sigbuf[sizeof(out->stack_kind)];
    size_t len = 0, i, counted = 0;
    memset(out, 0, sizeof(*out));
    out->kind = sig_kind_of(&in->facts);
    const char *prefix = out->kind != SIG_KIND_CRASH
                             ? sig_kind_name(out->kind)
                             : crash_signal_prefix(&in->facts, sigbuf, sizeof(sigbuf));
    if (prefix) {
        append(out, &len, prefix);
        append(out, &len, ": ");
    }
    const char *sk = prefix ? prefix : sig_kind_name(out->kind);
    size_t skl = strlen(sk);
    if (skl >= sizeof(out->stack_kind))
        skl = sizeof(out->stack_kind) - 1; /* never: "signal " and 20 digits fit */
    memcpy(out->stack_kind, sk, skl);
    out->stack_kind[skl] = 0;
    i = out->skipped = first_of_interest(r, in);
    for (; i < in->n_frames && counted < want; i++) {
        const sig_frame *f = &in->frames[i];
        frame_text(f, name);
        if (f->function && sig_rules_match(r, SIG_RULE_ROOT, name))
            break;
        if (out->used)
            append(out, &len, " | ");
        append(out, &len, name);
        out->used++;
        if (!(f->function && sig_rules_match(r, SIG_RULE_PREFIX, name)))
            counted++;
    }
    if (!out->used)
        append(out, &len, "(no frames)");
    sig_id(out->text, out->id);
}

void sig_variant_text(const sig_rules *r, const sig_input *in, size_t max, char *out,
                      size_t len)
{
    char name[SIG_NAME_MAX];
    size_t i, used = 0, n = 0;
    out[0] = 0;
    i = first_of_interest(r, in);
    for (; i < in->n_frames && used < max && n + 1 < len; i++, used++) {
        frame_text(&in->frames[i], name);
        if (in->frames[i].function && sig_rules_match(r, SIG_RULE_ROOT, name))
            break;
        int k = snprintf(out + n, len - n, "%s%s", used ? " | " : "", name);
        if (k < 0 || (size_t)k >= len - n)
            break;
        n += (size_t)k;
    }
    if (!used)
        snprintf(out, len, "(no frames)");
}

/* The stack pointer of thread t, when the arch's register order is known. */
static int thread_sp(const snap *s, const snap_thread *t, uint64_t *sp)
{
    if (!s->process.arch || strcmp(s->process.arch, "x86_64") != 0 || t->n_regs < 2)
        return 0;
    *sp = t->regs[1]; /* rip, rsp, ... (docs/FORMAT.md) */
    return 1;
}

static int push(sig_frame **v, size_t *n, size_t *cap, sig_frame f)
{
    if (GROW_ARRAY(*v, *cap, *n + 1, 32) < 0)
        return -1;
    (*v)[(*n)++] = f;
    return 0;
}

int sig_input_from_snap(sym_session *ss, const snap *s, sig_input *in, sig_frame **frames)
{
    const snap_thread *t = snap_trigger_thread(s);
    size_t n = 0, cap = 0;
    memset(in, 0, sizeof(*in));
    *frames = NULL;
    in->facts.trigger = s->trigger.kind;
    in->facts.signal = s->trigger.kind == SNAP_TRIGGER_CRASH ? s->trigger.signal : 0;
    in->facts.fault_addr = s->trigger.addr;
    in->facts.has_fault_addr = s->trigger.present && s->trigger.addr != 0;
    if (in->facts.signal == SIGABRT)
        in->facts.abort_message = s->trigger.reason;
    if (t)
        in->facts.has_sp = thread_sp(s, t, &in->facts.sp);
    for (size_t i = 0; t && i < t->n_frames; i++) {
        const sym_frame *sf;
        const snap_module *m = snap_module_for_pc(s, t->frames[i]);
        sig_frame base = { .module = m ? m->path : NULL,
                           .offset = m ? t->frames[i] - m->bias : 0, .has_offset = m != NULL };
        size_t k = frame_symbols(ss, s, t, i, &sf);
        for (size_t j = 0; j < k; j++) {
            sig_frame f = base;
            f.function = sf[j].function;
            if (push(frames, &n, &cap, f) < 0)
                goto oom;
        }
        if (!k && push(frames, &n, &cap, base) < 0)
            goto oom;
    }
    in->frames = *frames;
    in->n_frames = n;
    in->facts.oom = s->trigger.kind == SNAP_TRIGGER_CRASH &&
                    sig_oom_evidence(s->trigger.reason, *frames, n);
    return 0;
oom:
    free(*frames);
    *frames = NULL;
    return -1;
}
