/*
 * gen_crashes.c - writes crash snapshots of real builds of samples/crasher
 * for the crash store benchmark (bench/run_ingest.py, `bbx ingest`).
 *
 * What it knows of the builds comes from a layout file the script makes
 * from real snapshots of each build (`bbx show --json`) and from the
 * build's symbol table (nm): the modules the crasher had loaded (paths,
 * load biases, build-ids), the crashing thread's frames and registers of
 * each crash mode, the stacks of its parked threads, and pcs inside its
 * functions.  So every frame written is an address in a real module of a
 * real build, and `bbx ingest` symbolizes it against that build.
 *
 * Layout file (one item a line, numbers in hex without 0x):
 *   build VERSION
 *   module BIAS START END BUILD-ID|- PATH
 *   crash MODE SIGNAL CODE ADDR MAIN NREGS REG... NPCS PC...
 *        (MAIN 1: the main thread crashed; 0: another thread)
 *   thread NPCS PC...
 *   fn NAME PC
 * Every build lists the same fn names in the same order.
 *
 * The crash sites: site 0 is the stack overflow as it happened; each other
 * site is the stack of one crash mode with two of the crasher's functions
 * put between the crashing function and its caller, a different pair per
 * site, so SITES stacks give as many signatures.  Some sites exist only in
 * the last build (new there), some not in it (fixed), some from the second
 * one on; a mode a build did not crash in (divzero at -O2) has no sites
 * there.  How often a site crashes falls off with its number (1/(s+1)).
 *
 * Snapshot i (deterministic in i): a build (30%, 35%, 35%) and a time in
 * its part of DAYS days before END_MS (the builds overlap), one of HOSTS
 * hosts (skewed), an app.version annotation (the build's version), 20 to 60
 * threads (the crashing one and parked ones: the real parked stacks, a
 * few frames shorter or longer), 100 fds of mixed kinds, the build's
 * modules, three breadcrumbs and a CAPTURE record.
 *
 * usage: gen_crashes LAYOUT DIR FIRST COUNT END_MS
 *   writes DIR/snap-NNNNN.bbx for i = FIRST .. FIRST+COUNT-1.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "series_writer.h"

#define PROG "gen_crashes"
#define MAX_BUILDS 3
#define MAX_CRASHES 16
#define MAX_THREAD_STACKS 32
#define MAX_FNS 128
#define SITES 50
#define DAYS 30
#define HOSTS 24
#define FDS 100
#define DAY_MS 86400000ull

typedef struct stack {
    uint64_t pcs[SERIES_MAX_FRAMES];
    size_t n;
} stack;

typedef struct crash_mode {
    char name[32];
    uint64_t signal, code, addr;
    int main_thread;
    uint64_t regs[SNAP_X86_64_REG_COUNT];
    size_t n_regs;
    stack st;
} crash_mode;

typedef struct build {
    char version[32];
    series_module modules[SERIES_MAX_MODULES];
    size_t n_modules;
    crash_mode crashes[MAX_CRASHES];
    size_t n_crashes;
    stack threads[MAX_THREAD_STACKS];
    size_t n_threads;
    uint64_t fn_pc[MAX_FNS];
    size_t n_fns;
} build;

typedef struct site {
    char mode[32];
    int fn_a, fn_b;     /* -1: none (the overflow site) */
    unsigned builds;    /* bit b: the site exists in build b */
} site;

static build builds[MAX_BUILDS];
static size_t n_builds;
static char fn_names[MAX_FNS][64];
static size_t n_fn_names;
static site sites[SITES];

static int bad_layout(const char *path, unsigned line, const char *what)
{
    fprintf(stderr, PROG ": %s:%u: %s\n", path, line, what);
    return -1;
}

/* Reads "N X1 ... XN" (hex) from *p into out (at most max kept). */
static int read_list(char **p, uint64_t *out, size_t max, size_t *n)
{
    char *end;
    unsigned long long count = strtoull(*p, &end, 16);
    if (end == *p)
        return -1;
    *p = end;
    *n = 0;
    for (unsigned long long k = 0; k < count; k++) {
        uint64_t v = strtoull(*p, &end, 16);
        if (end == *p)
            return -1;
        *p = end;
        if (*n < max)
            out[(*n)++] = v;
    }
    return 0;
}

static int hex_bytes(const char *hex, uint8_t *out, size_t max, size_t *n)
{
    size_t len = strlen(hex);
    *n = 0;
    if (strcmp(hex, "-") == 0)
        return 0;
    if (len % 2 || len / 2 > max)
        return -1;
    for (size_t k = 0; k < len / 2; k++) {
        unsigned v;
        if (sscanf(hex + 2 * k, "%2x", &v) != 1)
            return -1;
        out[k] = (uint8_t)v;
    }
    *n = len / 2;
    return 0;
}

static int load_layout(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[8192];
    unsigned no = 0;
    build *b = NULL;
    if (!f) {
        perror(path);
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        char word[16], *p;
        int used = 0;
        no++;
        line[strcspn(line, "\n")] = 0;
        if (!line[0] || sscanf(line, "%15s%n", word, &used) != 1)
            continue;
        p = line + used;
        if (strcmp(word, "build") == 0) {
            if (n_builds >= MAX_BUILDS)
                return fclose(f), bad_layout(path, no, "too many builds");
            b = &builds[n_builds++];
            memset(b, 0, sizeof(*b));
            if (sscanf(p, "%31s", b->version) != 1)
                return fclose(f), bad_layout(path, no, "build needs a version");
            continue;
        }
        if (!b)
            return fclose(f), bad_layout(path, no, "no build line first");
        if (strcmp(word, "module") == 0) {
            series_module *m;
            char id[160];
            int pos = 0;
            if (b->n_modules >= SERIES_MAX_MODULES)
                continue;
            m = &b->modules[b->n_modules];
            memset(m, 0, sizeof(*m));
            if (sscanf(p, "%" SCNx64 " %" SCNx64 " %" SCNx64 " %159s %n", &m->bias, &m->start,
                       &m->end, id, &pos) != 4 || !p[pos] ||
                hex_bytes(id, m->build_id, sizeof(m->build_id), &m->build_id_len) != 0)
                return fclose(f), bad_layout(path, no, "bad module line");
            snprintf(m->path, sizeof(m->path), "%s", p + pos);
            b->n_modules++;
        } else if (strcmp(word, "crash") == 0) {
            crash_mode *c;
            int pos = 0;
            if (b->n_crashes >= MAX_CRASHES)
                continue;
            c = &b->crashes[b->n_crashes];
            memset(c, 0, sizeof(*c));
            if (sscanf(p, "%31s %" SCNx64 " %" SCNx64 " %" SCNx64 " %d%n", c->name, &c->signal,
                       &c->code, &c->addr, &c->main_thread, &pos) != 5)
                return fclose(f), bad_layout(path, no, "bad crash line");
            p += pos;
            if (read_list(&p, c->regs, SNAP_X86_64_REG_COUNT, &c->n_regs) != 0 ||
                read_list(&p, c->st.pcs, SERIES_MAX_FRAMES, &c->st.n) != 0 || !c->st.n)
                return fclose(f), bad_layout(path, no, "bad crash registers or frames");
            b->n_crashes++;
        } else if (strcmp(word, "thread") == 0) {
            if (b->n_threads >= MAX_THREAD_STACKS)
                continue;
            stack *st = &b->threads[b->n_threads];
            if (read_list(&p, st->pcs, SERIES_MAX_FRAMES, &st->n) != 0 || !st->n)
                return fclose(f), bad_layout(path, no, "bad thread line");
            b->n_threads++;
        } else if (strcmp(word, "fn") == 0) {
            char name[64];
            uint64_t pc;
            if (sscanf(p, "%63s %" SCNx64, name, &pc) != 2)
                return fclose(f), bad_layout(path, no, "bad fn line");
            if (b->n_fns >= MAX_FNS)
                continue;
            if (b == &builds[0]) {
                snprintf(fn_names[n_fn_names++], sizeof(fn_names[0]), "%s", name);
            } else if (b->n_fns >= n_fn_names || strcmp(fn_names[b->n_fns], name) != 0) {
                return fclose(f), bad_layout(path, no, "fn names differ from the first build's");
            }
            b->fn_pc[b->n_fns++] = pc;
        } else {
            return fclose(f), bad_layout(path, no, "unknown line");
        }
    }
    fclose(f);
    if (!n_builds)
        return bad_layout(path, no, "no build");
    for (size_t k = 0; k < n_builds; k++) {
        if (!builds[k].n_modules || !builds[k].n_crashes || !builds[k].n_threads)
            return bad_layout(path, no, "a build without modules, crashes or threads");
        if (builds[k].n_fns != n_fn_names || n_fn_names < 4)
            return bad_layout(path, no, "every build needs the same fn lines (at least 4)");
    }
    return 0;
}

static const crash_mode *find_mode(const build *b, const char *name)
{
    for (size_t k = 0; k < b->n_crashes; k++)
        if (strcmp(b->crashes[k].name, name) == 0)
            return &b->crashes[k];
    return NULL;
}

/* The crash modes of the first build (where a site's mode comes from). */
static void make_sites(void)
{
    const build *b0 = &builds[0];
    const char *overflow = NULL;
    const char *modes[MAX_CRASHES];
    size_t n_modes = 0;
    unsigned all = (1u << n_builds) - 1;
    for (size_t k = 0; k < b0->n_crashes; k++) {
        if (strstr(b0->crashes[k].name, "overflow"))
            overflow = b0->crashes[k].name;
        else
            modes[n_modes++] = b0->crashes[k].name;
    }
    size_t next = 0;
    unsigned pair = 0, F = (unsigned)n_fn_names;
    if (overflow) {
        snprintf(sites[0].mode, sizeof(sites[0].mode), "%s", overflow);
        sites[0].fn_a = sites[0].fn_b = -1;
        sites[0].builds = all;
        next = 1;
    }
    for (size_t s = next; s < SITES; s++) {
        site *x = &sites[s];
        snprintf(x->mode, sizeof(x->mode), "%s", modes[s % n_modes]);
        /* pairs (a, b), a != b, in an order that mixes them */
        do {
            x->fn_a = (int)((pair * 7u + 1u) % F);
            x->fn_b = (int)((pair / F * 5u + pair * 3u + 2u) % F);
            pair++;
        } while (x->fn_a == x->fn_b);
        x->builds = all;
        if (n_builds == 3) {
            if (s % 6 == 1)
                x->builds = 4u; /* new in the last build */
            else if (s % 6 == 4)
                x->builds = 3u; /* fixed in the last build */
            else if (s % 9 == 2)
                x->builds = 6u; /* from the second build on */
        }
        for (size_t k = 0; k < n_builds; k++)
            if (!find_mode(&builds[k], x->mode))
                x->builds &= ~(1u << k);
    }
}

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

typedef struct rng {
    uint64_t s;
} rng;

static unsigned rnd(rng *r, unsigned n)
{
    r->s = r->s * 6364136223846793005ull + 1442695040888963407ull;
    return n ? (unsigned)((r->s >> 33) % n) : 0;
}

/* A site of build b, 1/(s+1) weighted. */
static int pick_site(rng *r, unsigned b)
{
    double total = 0, x;
    for (size_t s = 0; s < SITES; s++)
        if (sites[s].builds & (1u << b))
            total += 1.0 / (double)(s + 1);
    x = total * (double)rnd(r, 1u << 30) / (double)(1u << 30);
    for (size_t s = 0; s < SITES; s++) {
        if (!(sites[s].builds & (1u << b)))
            continue;
        x -= 1.0 / (double)(s + 1);
        if (x <= 0)
            return (int)s;
    }
    for (size_t s = SITES; s-- > 0;)
        if (sites[s].builds & (1u << b))
            return (int)s;
    return -1;
}

/* The site's crashing stack in build b: the mode's frames up to the first
 * in the executable (the crashing function), the two functions, the rest. */
static void site_stack(const build *b, const site *x, const crash_mode *c, stack *out)
{
    const series_module *exe = &b->modules[0];
    size_t j = 0;
    out->n = 0;
    while (j < c->st.n && !(c->st.pcs[j] >= exe->start && c->st.pcs[j] < exe->end))
        j++;
    for (size_t k = 0; k < c->st.n && out->n < SERIES_MAX_FRAMES; k++) {
        out->pcs[out->n++] = c->st.pcs[k];
        if (k == j && x->fn_a >= 0) {
            if (out->n < SERIES_MAX_FRAMES)
                out->pcs[out->n++] = b->fn_pc[x->fn_a];
            if (out->n < SERIES_MAX_FRAMES)
                out->pcs[out->n++] = b->fn_pc[x->fn_b];
        }
    }
}

static void put_thread(series_snap *s, uint64_t tid, const char *name, const stack *st,
                       const crash_mode *crashed)
{
    snap_writer *w = &s->w;
    snap_rec_begin(w, SNAP_REC_THREAD);
    snap_put_u64(w, SNAP_THR_TID, tid);
    snap_put_str(w, SNAP_THR_NAME, name);
    snap_put_u64(w, SNAP_THR_STATE, crashed ? 'R' : 'S');
    snap_put_u64(w, SNAP_THR_STATUS, SNAP_THREAD_UNWOUND);
    snap_put_u64(w, SNAP_THR_METHOD, crashed ? SNAP_METHOD_CRASH : SNAP_METHOD_CALL);
    if (crashed) {
        uint8_t buf[SNAP_X86_64_REG_COUNT * 10];
        size_t pos = 0;
        snap_put_u64(w, SNAP_THR_CRASHED, 1);
        snap_put_u64(w, SNAP_THR_SIGNAL, crashed->signal);
        for (size_t k = 0; k < crashed->n_regs; k++)
            pos += snap_varint_put(buf + pos, crashed->regs[k]);
        if (pos)
            snap_put_bytes(w, SNAP_THR_REGS, buf, pos);
    }
    series_put_frames(s, SNAP_THR_FRAMES, st->pcs, st->n);
    snap_rec_end(w);
}

/* A parked thread's stack: a real one, with its innermost repeated frame
 * (park_deeper's recursion) once more or a few times less. */
static void parked_stack(rng *r, const build *b, stack *out)
{
    const stack *t = &b->threads[rnd(r, (unsigned)b->n_threads)];
    int change = (int)rnd(r, 5) - 3; /* -3 .. +1 repeats */
    size_t k = 0;
    out->n = 0;
    for (; k < t->n && out->n < SERIES_MAX_FRAMES; k++) {
        int repeat = k > 0 && t->pcs[k] == t->pcs[k - 1];
        if (repeat && change < 0) {
            change++;
            continue;
        }
        out->pcs[out->n++] = t->pcs[k];
        if (repeat && change > 0 && out->n < SERIES_MAX_FRAMES) {
            out->pcs[out->n++] = t->pcs[k];
            change--;
        }
    }
}

static void put_fd(series_snap *s, rng *r, unsigned fd)
{
    static const char *const files[] = { "/var/lib/crasher/cache.db", "/var/log/crasher.log",
                                         "/etc/crasher/crasher.conf", "/usr/share/crasher/data.pak",
                                         "/home/user/.config/crasher/state.json" };
    snap_writer *w = &s->w;
    char text[96];
    unsigned kind = fd < 3 ? 99 : rnd(r, 10);
    snap_rec_begin(w, SNAP_REC_FD);
    snap_put_u64(w, SNAP_FD_NUM, fd);
    switch (kind) {
    case 99:
        snap_put_u64(w, SNAP_FD_KINDF, SNAP_FD_DEVICE);
        snap_put_str(w, SNAP_FD_TARGET, "/dev/null");
        snap_put_u64(w, SNAP_FD_FLAGS, fd ? 0100001 : 0100000);
        break;
    case 0:
    case 1:
    case 2:
        snap_put_u64(w, SNAP_FD_KINDF, SNAP_FD_FILE);
        snap_put_str(w, SNAP_FD_TARGET, files[rnd(r, 5)]);
        snap_put_u64(w, SNAP_FD_FLAGS, 0100002);
        snap_put_u64(w, SNAP_FD_OFFSET, rnd(r, 1u << 20));
        snap_put_u64(w, SNAP_FD_SIZE, (1u << 20) + rnd(r, 1u << 20));
        snap_put_u64(w, SNAP_FD_INODE, 400000 + rnd(r, 1000));
        snap_put_u64(w, SNAP_FD_CLOEXEC, 1);
        break;
    case 3:
    case 4:
    case 5: {
        unsigned port = 1024 + rnd(r, 60000);
        snap_put_u64(w, SNAP_FD_KINDF, SNAP_FD_SOCKET);
        snprintf(text, sizeof(text), "socket:[%u]", 1000000 + rnd(r, 1000000));
        snap_put_str(w, SNAP_FD_TARGET, text);
        snap_put_u64(w, SNAP_FD_FLAGS, 04002);
        snap_put_u64(w, SNAP_FD_SOCK_FAMILY, 2);
        snap_put_u64(w, SNAP_FD_SOCK_TYPE, 1);
        snap_put_u64(w, SNAP_FD_SOCK_PROTO, 6);
        snprintf(text, sizeof(text), "10.1.%u.%u:%u", rnd(r, 256), 1 + rnd(r, 254), port);
        snap_put_str(w, SNAP_FD_SOCK_LOCAL, text);
        snprintf(text, sizeof(text), "10.2.%u.%u:443", rnd(r, 4), 1 + rnd(r, 20));
        snap_put_str(w, SNAP_FD_SOCK_PEER, text);
        snap_put_u64(w, SNAP_FD_CLOEXEC, 1);
        break;
    }
    case 6:
        snap_put_u64(w, SNAP_FD_KINDF, SNAP_FD_PIPE);
        snprintf(text, sizeof(text), "pipe:[%u]", 2000000 + rnd(r, 100000));
        snap_put_str(w, SNAP_FD_TARGET, text);
        snap_put_u64(w, SNAP_FD_FLAGS, 04000);
        break;
    case 7:
        snap_put_u64(w, SNAP_FD_KINDF, SNAP_FD_EVENTFD);
        snap_put_str(w, SNAP_FD_TARGET, "anon_inode:[eventfd]");
        snap_put_u64(w, SNAP_FD_FLAGS, 02004002);
        snprintf(text, sizeof(text), "eventfd-count: %x\neventfd-id: %u", rnd(r, 4), rnd(r, 9999));
        snap_put_str(w, SNAP_FD_DETAILS, text);
        break;
    case 8:
        snap_put_u64(w, SNAP_FD_KINDF, SNAP_FD_EPOLL);
        snap_put_str(w, SNAP_FD_TARGET, "anon_inode:[eventpoll]");
        snap_put_u64(w, SNAP_FD_FLAGS, 02000002);
        snprintf(text, sizeof(text), "tfd: %8u events: 19 data: %16x", 3 + rnd(r, 90),
                 rnd(r, 1u << 30));
        snap_put_str(w, SNAP_FD_DETAILS, text);
        break;
    default:
        snap_put_u64(w, SNAP_FD_KINDF, SNAP_FD_SOCKET);
        snprintf(text, sizeof(text), "socket:[%u]", 1000000 + rnd(r, 1000000));
        snap_put_str(w, SNAP_FD_TARGET, text);
        snap_put_u64(w, SNAP_FD_FLAGS, 02);
        snap_put_u64(w, SNAP_FD_SOCK_FAMILY, 1);
        snap_put_u64(w, SNAP_FD_SOCK_TYPE, 1);
        snap_put_str(w, SNAP_FD_SOCK_PEER, "/run/dbus/system_bus_socket");
        break;
    }
    snap_rec_end(w);
}

static const char *const thread_names[] = { "worker", "io", "timer", "net", "db", "gc",
                                            "render", "log" };

static int write_crash(const char *dir, unsigned i, uint64_t end_ms)
{
    rng r = { mix(i + 1) };
    series_snap s;
    snap_writer *w = &s.w;
    char host[32], name[16], text[128];
    unsigned roll = rnd(&r, 100);
    unsigned b = n_builds < 3 ? rnd(&r, (unsigned)n_builds) : roll < 30 ? 0 : roll < 65 ? 1 : 2;
    const build *bd = &builds[b];
    /* build k of 3 crashes in days [k*10, k*10+14) of the DAYS (oldest first). */
    uint64_t span = DAYS * DAY_MS, from = end_ms - span;
    uint64_t lo = from + (uint64_t)b * span / 3, len = span * 7 / 15;
    if (lo + len > end_ms)
        len = end_ms - lo;
    uint64_t time_ms = lo + (uint64_t)rnd(&r, (unsigned)(len / 1000)) * 1000 + rnd(&r, 1000);
    int sx = pick_site(&r, b);
    if (sx < 0) {
        fprintf(stderr, PROG ": build %s has no crash site\n", bd->version);
        return -1;
    }
    const site *x = &sites[sx];
    const crash_mode *c = find_mode(bd, x->mode);
    uint64_t pid = 1000 + rnd(&r, 4000000);
    unsigned h = rnd(&r, HOSTS);
    h = h * h / HOSTS; /* a few hosts crash more */
    snprintf(host, sizeof(host), "host-%02u.example.net", h);
    unsigned threads = 20 + rnd(&r, 41);

    series_modules_set(PROG, bd->modules, bd->n_modules);
    if (series_snap_open(&s, dir, i) != 0)
        return -1;
    series_put_process(&s, pid, "crasher", time_ms - 1000 * (60 + rnd(&r, 86400)), time_ms, host);
    snap_rec_begin(w, SNAP_REC_TRIGGER);
    snap_put_u64(w, SNAP_TRIG_KIND, SNAP_TRIGGER_CRASH);
    snap_put_u64(w, SNAP_TRIG_SIGNAL, c->signal);
    snap_put_i64(w, SNAP_TRIG_CODE, (int64_t)c->code);
    snap_put_u64(w, SNAP_TRIG_ADDR, c->addr);
    snap_put_u64(w, SNAP_TRIG_TID, c->main_thread ? pid : pid + 1);
    snap_put_u64(w, SNAP_TRIG_SEQ, 1);
    snap_rec_end(w);

    stack st;
    site_stack(bd, x, c, &st);
    for (unsigned t = 0; t < threads; t++) {
        int crashed = c->main_thread ? t == 0 : t == 1;
        if (crashed) {
            put_thread(&s, pid + t, t == 0 ? "crasher" : "worker", &st, c);
            continue;
        }
        stack ps;
        parked_stack(&r, bd, &ps);
        if (t == 0)
            snprintf(name, sizeof(name), "crasher");
        else
            snprintf(name, sizeof(name), "%s-%u", thread_names[t % 8], t / 8);
        put_thread(&s, pid + t, name, &ps, NULL);
    }
    for (unsigned fd = 0; fd < FDS; fd++)
        put_fd(&s, &r, fd);
    series_put_modules(&s);
    for (unsigned k = 0; k < 3; k++) {
        if (k == 0)
            snprintf(text, sizeof(text), "loading /etc/crasher/crasher.conf");
        else if (k == 1)
            snprintf(text, sizeof(text), "request %u done in %u ms", rnd(&r, 100000), rnd(&r, 500));
        else
            snprintf(text, sizeof(text), "cache miss for key %u", rnd(&r, 100000));
        snap_rec_begin(w, SNAP_REC_BREADCRUMB);
        snap_put_u64(w, SNAP_BC_TIME_MS, time_ms - 1000 * (3 - k) - rnd(&r, 1000));
        snap_put_u64(w, SNAP_BC_TID, pid);
        snap_put_str(w, SNAP_BC_TEXT, text);
        snap_rec_end(w);
    }
    snap_rec_begin(w, SNAP_REC_ANNOTATION);
    snap_put_str(w, SNAP_ANN_KEY, "app.version");
    snap_put_str(w, SNAP_ANN_VALUE, bd->version);
    snap_rec_end(w);
    snap_rec_begin(w, SNAP_REC_ANNOTATION);
    snap_put_str(w, SNAP_ANN_KEY, "mode");
    snap_put_str(w, SNAP_ANN_VALUE, c->name);
    snap_rec_end(w);
    snap_rec_begin(w, SNAP_REC_CAPTURE);
    snap_put_u64(w, SNAP_CAP_DURATION_US, 2000 + rnd(&r, 6000));
    snap_put_u64(w, SNAP_CAP_THREADS, threads);
    snap_put_u64(w, SNAP_CAP_UNWOUND, threads);
    snap_put_u64(w, SNAP_CAP_FDS, FDS);
    snap_put_u64(w, SNAP_CAP_MODULES, bd->n_modules);
    snap_put_str(w, SNAP_CAP_VERSION, "0.1.0");
    snap_rec_end(w);
    return series_snap_close(&s);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: gen_crashes LAYOUT DIR FIRST COUNT END_MS\n");
        return 2;
    }
    unsigned first = (unsigned)strtoul(argv[3], NULL, 10);
    unsigned count = (unsigned)strtoul(argv[4], NULL, 10);
    uint64_t end_ms = strtoull(argv[5], NULL, 10);
    if (end_ms < 100 * DAY_MS) {
        fprintf(stderr, PROG ": END_MS must be a Unix time in ms\n");
        return 2;
    }
    if (load_layout(argv[1]) != 0)
        return 2;
    make_sites();
    for (unsigned i = first; i < first + count; i++)
        if (write_crash(argv[2], i, end_ms) != 0)
            return 1;
    return 0;
}
