/*
 * x11_resources.c - what this process holds in the X server (windows,
 * pixmaps, GCs, pictures, glyph sets, ...), asked through bbx's own X
 * connection with the X-Resource extension, and published for the
 * snapshots to write (x11_prepared.h).  The Linux face of the GDI and
 * window-handle counts of Windows: a pixmap leaked per redraw is invisible
 * in the fd table but not here.
 *
 * When: on the collector thread, before every periodic and on-demand
 * signal snapshot, when a bbx_snapshot() asks for it (it waits at most
 * X11_REQUEST_WAIT_MS), and every X11_CADENCE_MS; on the exiting thread
 * before the exit snapshot (the collector has stopped by then).  Never on
 * the crash path: a crash writes the last values with their age.
 *
 * Only when DISPLAY names a local display (":N", "unix:N") and the program
 * has a unix socket connected to /tmp/.X11-unix/XN (named or abstract)
 * does bbx connect, itself: a raw socket (bbx's: ss_fd_own_take moves it
 * above the program's numbers and registers it), the MIT-MAGIC-COOKIE-1 of XAUTHORITY (or ~/.Xauthority)
 * when there is one, and libxcb over that fd.  libxcb.so.1 and
 * libxcb-res.so.0 are loaded with dlopen at the first use: no link-time
 * dependency on X, and nothing at all happens without them.
 *
 * Never blocks for long: every poll() libxcb makes on this thread is cut at
 * a deadline X11_QUERY_MS away (blocking_calls.h: bbx_poll_deadline_us); a
 * server that does not answer in time loses the connection, the values
 * published stay (marked stale) and bbx tries again X11_BACKOFF_MS later.
 * A server without X-Resource 1.2 is not asked again.
 *
 * Which clients: QueryClientIds with the LOCAL_CLIENT_PID mask lists every
 * client and its pid; the ones whose pid is ours, bbx's own connection
 * (its resource-id base) left out, are counted, summed over the clients.
 *
 * Not async-signal-safe; called from one thread at a time (collector
 * thread, or the exiting thread after the collector stopped).
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>
#include <linux/futex.h>

#include <xcb/res.h>
#include <xcb/xcb.h>

#include "blocking_calls.h"
#include "collector.h"
#include "hang_watch.h"
#include "sigsafe.h"
#include "snap_format.h"
#include "x11_prepared.h"
#include "x11_resources.h"

#define X11_CADENCE_MS 2000u
#define X11_QUERY_MS 250u
#define X11_BACKOFF_MS 30000u
#define X11_REQUEST_WAIT_MS 100u
#define X11_MAX_CLIENTS 16
#define X11_ATOMS 96
#define X11_AUTH_MAX 16384

/* The libxcb functions used, resolved with dlsym. */
#define X11_FUNCS(F)                                                            \
    F(xcb, xcb_connect_to_fd) F(xcb, xcb_connection_has_error)                 \
    F(xcb, xcb_disconnect) F(xcb, xcb_get_setup) F(xcb, xcb_get_extension_data) \
    F(xcb, xcb_get_atom_name) F(xcb, xcb_get_atom_name_reply)                  \
    F(xcb, xcb_get_atom_name_name) F(xcb, xcb_get_atom_name_name_length)       \
    F(res, xcb_res_query_version) F(res, xcb_res_query_version_reply)          \
    F(res, xcb_res_query_client_ids) F(res, xcb_res_query_client_ids_reply)    \
    F(res, xcb_res_query_client_ids_ids_iterator)                              \
    F(res, xcb_res_client_id_value_next) F(res, xcb_res_client_id_value_value) \
    F(res, xcb_res_query_client_resources)                                     \
    F(res, xcb_res_query_client_resources_reply)                               \
    F(res, xcb_res_query_client_resources_types)                               \
    F(res, xcb_res_query_client_resources_types_length)                        \
    F(res, xcb_res_query_client_pixmap_bytes)                                  \
    F(res, xcb_res_query_client_pixmap_bytes_reply)

#define X11_FIELD(lib, name) __typeof__(&name) name;
static struct {
    X11_FUNCS(X11_FIELD)
    xcb_extension_t *res_id;
} xf;

struct atom_name {
    uint32_t atom;
    char name[X11_NAME_MAX];
};

static struct {
    int enabled;              /* DISPLAY names a local display */
    int loaded;               /* 1 libraries loaded, -1 they cannot be */
    int unsupported;          /* the server lacks X-Resource 1.2 */
    char display[64];
    unsigned number;          /* the display number */
    char xauthority[BBX_PATH_MAX];
    char hostname[256];
    xcb_connection_t *c;
    int fd;                   /* the connection's socket, -1 none */
    uint32_t own_base;        /* our connection's resource-id base */
    uint64_t next_us;         /* the next refresh on the cadence */
    uint64_t retry_us;        /* no new connection before this */
    struct atom_name atoms[X11_ATOMS];
    unsigned n_atoms;
    char dirbuf[4096] __attribute__((aligned(8)));
    _Atomic int want;         /* bbx_snapshot() asks for a refresh */
    _Atomic uint32_t done;    /* refreshes finished (futex word) */
} xr = { .fd = -1 };

/* ---- setup ---------------------------------------------------------------- */

/* ":N", ":N.S", "unix:N" -> N; -1 for anything else (TCP, other paths). */
static int display_number(const char *d)
{
    if (strncmp(d, "unix:", 5) == 0)
        d += 4;
    if (d[0] != ':' || d[1] < '0' || d[1] > '9')
        return -1;
    const char *p = d + 1;
    uint64_t n = ss_parse_u64(&p, 10);
    if ((*p && *p != '.') || n > 65535)
        return -1;
    return (int)n;
}

void x11_res_init(void)
{
    memset(xr.display, 0, sizeof(xr.display));
    xr.enabled = 0;
    if (config_privileged())
        return; /* privileged programs ignore their environment */
    const char *d = getenv("DISPLAY");
    int n = d ? display_number(d) : -1;
    if (n < 0 || strlen(d) >= sizeof(xr.display))
        return;
    snprintf(xr.display, sizeof(xr.display), "%s", d);
    xr.number = (unsigned)n;
    const char *xa = getenv("XAUTHORITY"), *home = getenv("HOME");
    xr.xauthority[0] = '\0';
    if (xa && *xa)
        snprintf(xr.xauthority, sizeof(xr.xauthority), "%s", xa);
    else if (home && *home)
        snprintf(xr.xauthority, sizeof(xr.xauthority), "%s/.Xauthority", home);
    if (gethostname(xr.hostname, sizeof(xr.hostname)) != 0)
        xr.hostname[0] = '\0';
    xr.hostname[sizeof(xr.hostname) - 1] = '\0';
    xr.enabled = 1;
    xr.next_us = ss_mono_us() + (uint64_t)X11_CADENCE_MS * 1000;
}

static int load_libraries(void)
{
    if (xr.loaded)
        return xr.loaded > 0 ? 0 : -1;
    xr.loaded = -1;
    void *xcb = dlopen("libxcb.so.1", RTLD_LAZY | RTLD_LOCAL);
    void *res = xcb ? dlopen("libxcb-res.so.0", RTLD_LAZY | RTLD_LOCAL) : NULL;
    if (!res)
        return -1; /* not installed: X resources are simply not collected */
#define X11_RESOLVE(lib, name)                                                  \
    if (!(*(void **)&xf.name = dlsym(lib, #name)))                             \
        return -1;
    X11_FUNCS(X11_RESOLVE)
    if (!(xf.res_id = dlsym(res, "xcb_res_id")))
        return -1;
    xr.loaded = 1; /* never unloaded: the values may outlive a connection */
    return 0;
}

/* ---- is the program connected to the display? ------------------------------ */

struct x_scan {
    int found;
};

static int is_display_socket(const struct sockaddr_un *a, socklen_t len, unsigned number)
{
    char want[64];
    snprintf(want, sizeof(want), "/tmp/.X11-unix/X%u", number);
    size_t wl = strlen(want), off = offsetof(struct sockaddr_un, sun_path);
    if (a->sun_family != AF_UNIX || len <= off)
        return 0;
    const char *p = a->sun_path;
    size_t n = (size_t)len - off;
    if (p[0] == '\0') { /* abstract: "@/tmp/.X11-unix/XN", no terminator */
        p++;
        n--;
    } else {
        n = strnlen(p, n);
    }
    return n == wl && memcmp(p, want, wl) == 0;
}

static void scan_fd(void *ctx, int listing_fd, uint64_t number, const char *name)
{
    struct x_scan *s = ctx;
    struct stat st;
    struct sockaddr_un a;
    socklen_t len = sizeof(a);
    int fd = (int)number;
    (void)name;
    if (s->found || fd == listing_fd || fd == xr.fd || fd != (int64_t)number)
        return;
    if (fstat(fd, &st) != 0 || !S_ISSOCK(st.st_mode))
        return;
    memset(&a, 0, sizeof(a));
    if (getpeername(fd, (struct sockaddr *)&a, &len) == 0 &&
        is_display_socket(&a, len, xr.number))
        s->found = 1;
}

static int program_has_x_connection(void)
{
    struct x_scan s = { 0 };
    ss_for_each_numbered("/proc/self/fd", xr.dirbuf, sizeof(xr.dirbuf), scan_fd, &s);
    return s.found;
}

/* ---- bbx's own connection ------------------------------------------------- */

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* The MIT-MAGIC-COOKIE-1 for this display in the Xauthority file (family
 * local with our host name, or wild; display number ours or empty), copied
 * into cookie[16].  1 found, 0 none. */
static int find_cookie(uint8_t cookie[16])
{
    static const char proto[] = "MIT-MAGIC-COOKIE-1";
    char num[16];
    int found = 0;
    if (!xr.xauthority[0])
        return 0;
    uint8_t *buf = malloc(X11_AUTH_MAX);
    if (!buf)
        return 0;
    ssize_t n = ss_read_file(AT_FDCWD, xr.xauthority, (char *)buf, X11_AUTH_MAX);
    snprintf(num, sizeof(num), "%u", xr.number);
    for (size_t at = 0; n > 0 && !found && at + 2 <= (size_t)n;) {
        const uint8_t *f[4];
        size_t l[4];
        uint16_t family = be16(buf + at);
        at += 2;
        int ok = 1;
        for (int k = 0; k < 4 && ok; k++) {
            if (at + 2 > (size_t)n) {
                ok = 0;
                break;
            }
            l[k] = be16(buf + at);
            f[k] = buf + at + 2;
            at += 2 + l[k];
            ok = at <= (size_t)n;
        }
        if (!ok)
            break;
        int host_ok = family == 65535 ||
                      (family == 256 && l[0] == strlen(xr.hostname) &&
                       memcmp(f[0], xr.hostname, l[0]) == 0);
        int num_ok = l[1] == 0 || (l[1] == strlen(num) && memcmp(f[1], num, l[1]) == 0);
        if (host_ok && num_ok && l[2] == sizeof(proto) - 1 &&
            memcmp(f[2], proto, l[2]) == 0 && l[3] == 16) {
            memcpy(cookie, f[3], 16);
            found = 1;
        }
    }
    free(buf);
    return found;
}

/* A unix socket connected to the display (abstract name first, as libxcb
 * does), made with raw system calls: bbx's fd, never the program's. */
static int connect_socket(void)
{
    struct sockaddr_un a;
    for (int abstract = 1; abstract >= 0; abstract--) {
        int fd = (int)syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
            return -1;
        memset(&a, 0, sizeof(a));
        a.sun_family = AF_UNIX;
        int n = snprintf(a.sun_path + abstract, sizeof(a.sun_path) - 1, "/tmp/.X11-unix/X%u",
                         xr.number);
        socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)abstract +
                                    (size_t)n + (abstract ? 0 : 1));
        if (syscall(SYS_connect, fd, (struct sockaddr *)&a, len) == 0)
            return ss_fd_own_take(fd); /* bbx's, moved out of the program's low numbers */
        ss_close(fd);
    }
    return -1;
}

static void disconnect(void)
{
    if (xr.c) {
        int fd = xr.fd;
        xf.xcb_disconnect(xr.c); /* closes fd */
        ss_fd_own_remove(fd);
    }
    xr.c = NULL;
    xr.fd = -1;
}

/* Connect, check the extension; 0, or -1 (no server, no extension). */
static int connect_server(void)
{
    uint8_t cookie[16];
    static char proto[] = "MIT-MAGIC-COOKIE-1";
    xcb_auth_info_t auth = { (int)sizeof(proto) - 1, proto, 16, (char *)cookie };
    int fd = connect_socket();
    if (fd < 0)
        return -1;
    xr.fd = fd;
    xr.c = xf.xcb_connect_to_fd(fd, find_cookie(cookie) ? &auth : NULL);
    if (!xr.c || xf.xcb_connection_has_error(xr.c)) {
        if (!xr.c) {
            ss_close(fd);
            ss_fd_own_remove(fd);
            xr.fd = -1;
        } else {
            disconnect();
        }
        return -1;
    }
    xr.own_base = xf.xcb_get_setup(xr.c)->resource_id_base;
    const xcb_query_extension_reply_t *ext = xf.xcb_get_extension_data(xr.c, xf.res_id);
    xcb_res_query_version_reply_t *v = NULL;
    if (ext && ext->present)
        v = xf.xcb_res_query_version_reply(xr.c, xf.xcb_res_query_version(xr.c, 1, 2), NULL);
    int ok = v && (v->server_major > 1 || (v->server_major == 1 && v->server_minor >= 2));
    if (!ok && !xf.xcb_connection_has_error(xr.c) && (v || (ext && !ext->present)))
        xr.unsupported = 1; /* the server answered: it has no X-Resource 1.2 */
    free(v);
    if (!ok) {
        disconnect();
        return -1;
    }
    return 0;
}

/* ---- the query ------------------------------------------------------------- */

/* The name of atom a, asked of the server the first time (several at once
 * would save round trips; the types of one server are few and fixed). */
static const char *atom_name(uint32_t a)
{
    for (unsigned i = 0; i < xr.n_atoms; i++)
        if (xr.atoms[i].atom == a)
            return xr.atoms[i].name;
    xcb_get_atom_name_reply_t *r =
        xf.xcb_get_atom_name_reply(xr.c, xf.xcb_get_atom_name(xr.c, a), NULL);
    if (!r)
        return NULL;
    struct atom_name *e = &xr.atoms[xr.n_atoms < X11_ATOMS ? xr.n_atoms++ : X11_ATOMS - 1];
    int n = xf.xcb_get_atom_name_name_length(r);
    if (n < 0)
        n = 0;
    if ((size_t)n >= sizeof(e->name))
        n = (int)sizeof(e->name) - 1;
    e->atom = a;
    memcpy(e->name, xf.xcb_get_atom_name_name(r), (size_t)n);
    e->name[n] = '\0';
    free(r);
    return e->name;
}

static void add_type(struct x11_values *v, const char *name, uint32_t count)
{
    for (uint32_t i = 0; i < v->n_types; i++)
        if (strcmp(v->types[i].name, name) == 0) {
            v->types[i].count += count;
            return;
        }
    if (v->n_types >= X11_MAX_TYPES)
        return;
    struct x11_type_count *t = &v->types[v->n_types++];
    snprintf(t->name, sizeof(t->name), "%s", name);
    t->count = count;
}

/* The resource-id bases of our clients other than bbx's: up to max. */
static unsigned our_clients(uint32_t *base, unsigned max)
{
    xcb_res_client_id_spec_t spec = { 0, XCB_RES_CLIENT_ID_MASK_LOCAL_CLIENT_PID };
    xcb_res_query_client_ids_reply_t *r =
        xf.xcb_res_query_client_ids_reply(xr.c, xf.xcb_res_query_client_ids(xr.c, 1, &spec),
                                          NULL);
    unsigned n = 0;
    if (!r)
        return UINT32_MAX;
    uint32_t pid = (uint32_t)getpid();
    for (xcb_res_client_id_value_iterator_t it = xf.xcb_res_query_client_ids_ids_iterator(r);
         it.rem > 0; xf.xcb_res_client_id_value_next(&it)) {
        const xcb_res_client_id_value_t *id = it.data;
        if (!(id->spec.mask & XCB_RES_CLIENT_ID_MASK_LOCAL_CLIENT_PID) || id->length < 4)
            continue;
        uint32_t *val = xf.xcb_res_client_id_value_value(id);
        if (val[0] == pid && id->spec.client != xr.own_base && n < max)
            base[n++] = id->spec.client;
    }
    free(r);
    return n;
}

/* Ask the server; 0 with *v filled, or -1 (the connection failed). */
static int query(struct x11_values *v)
{
    uint32_t base[X11_MAX_CLIENTS];
    xcb_res_query_client_resources_cookie_t rc[X11_MAX_CLIENTS];
    xcb_res_query_client_pixmap_bytes_cookie_t pc[X11_MAX_CLIENTS];
    unsigned n = our_clients(base, X11_MAX_CLIENTS);
    if (n == UINT32_MAX)
        return -1;
    v->clients = n;
    for (unsigned i = 0; i < n; i++) { /* one round trip for all of them */
        rc[i] = xf.xcb_res_query_client_resources(xr.c, base[i]);
        pc[i] = xf.xcb_res_query_client_pixmap_bytes(xr.c, base[i]);
    }
    for (unsigned i = 0; i < n; i++) {
        xcb_res_query_client_resources_reply_t *r =
            xf.xcb_res_query_client_resources_reply(xr.c, rc[i], NULL);
        xcb_res_query_client_pixmap_bytes_reply_t *p =
            xf.xcb_res_query_client_pixmap_bytes_reply(xr.c, pc[i], NULL);
        if (r) {
            xcb_res_type_t *t = xf.xcb_res_query_client_resources_types(r);
            int nt = xf.xcb_res_query_client_resources_types_length(r);
            for (int k = 0; k < nt; k++) {
                const char *name = atom_name(t[k].resource_type);
                add_type(v, name ? name : "?", t[k].count);
            }
        }
        if (p)
            v->pixmap_bytes += (uint64_t)p->bytes | (uint64_t)p->bytes_overflow << 32;
        free(r);
        free(p);
    }
    return xf.xcb_connection_has_error(xr.c) ? -1 : 0;
}

/* ---- when --------------------------------------------------------------- */

static void finish(void)
{
    atomic_fetch_add(&xr.done, 1);
    syscall(SYS_futex, &xr.done, FUTEX_WAKE_PRIVATE, INT32_MAX, NULL, NULL, 0);
}

void x11_res_refresh(void)
{
    uint64_t t0 = ss_mono_us();
    atomic_store(&xr.want, 0);
    if (!xr.enabled || xr.unsupported) {
        finish();
        return;
    }
    xr.next_us = t0 + (uint64_t)X11_CADENCE_MS * 1000;
    bbx_busy++;
    if (!xr.c && t0 >= xr.retry_us && program_has_x_connection() && load_libraries() == 0) {
        bbx_poll_deadline_us = t0 + (uint64_t)X11_QUERY_MS * 1000;
        if (connect_server() != 0)
            xr.retry_us = ss_mono_us() + (uint64_t)X11_BACKOFF_MS * 1000;
    }
    if (xr.c) {
        struct x11_values v;
        memset(&v, 0, sizeof(v));
        snprintf(v.display, sizeof(v.display), "%s", xr.display);
        bbx_poll_deadline_us = ss_mono_us() + (uint64_t)X11_QUERY_MS * 1000;
        int rc = query(&v);
        uint64_t t1 = ss_mono_us();
        if (rc == 0) {
            v.taken_us = t1;
            v.query_us = t1 - t0;
            x11_publish(&v);
        } else {
            x11_mark_stale(t1 >= bbx_poll_deadline_us ? SNAP_X11_STALE_TIMEOUT
                                                      : SNAP_X11_STALE_LOST);
            disconnect();
            xr.retry_us = t1 + (uint64_t)X11_BACKOFF_MS * 1000;
        }
    }
    bbx_poll_deadline_us = 0;
    bbx_busy--;
    finish();
}

uint64_t x11_res_due_us(void)
{
    return xr.enabled && !xr.unsupported ? xr.next_us : 0;
}

int x11_res_wanted(void)
{
    return atomic_load(&xr.want);
}

void x11_res_before_request(void)
{
    if (!xr.enabled || xr.unsupported || !xr.c || !triggers_running() ||
        atomic_load(&bbx_g.collector_tid) == ss_gettid())
        return;
    uint32_t seen = atomic_load(&xr.done);
    uint64_t end = ss_mono_us() + (uint64_t)X11_REQUEST_WAIT_MS * 1000;
    atomic_store(&xr.want, 1);
    triggers_wake();
    for (uint64_t now = ss_mono_us(); atomic_load(&xr.done) == seen && now < end;
         now = ss_mono_us()) {
        struct timespec ts = { 0, (long)((end - now) * 1000) };
        syscall(SYS_futex, &xr.done, FUTEX_WAIT_PRIVATE, seen, &ts, NULL, 0);
    }
}

void x11_res_stop(void)
{
    if (xr.c) {
        bbx_busy++;
        disconnect();
        bbx_busy--;
    }
}

void x11_res_after_fork(void)
{
    /* The connection is the parent's (same socket): forget it untouched. */
    xr.c = NULL;
    xr.fd = -1;
    x11_unpublish();
}
