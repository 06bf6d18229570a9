/*
 * session_read.c - read the session and context of this process and
 * publish them for the crash path (session_prepared.h, the SESSION record).
 *
 * What is read, and from where (docs/FORMAT.md, "SESSION"):
 *   - the environment variables on the allow-list below, and those named
 *     by BBX_ENV_KEYS; the value of a name that looks secret
 *     (snap_redact_env_secret) is never copied, only "[redacted]";
 *   - the working directory (getcwd), /proc/self/status (umask, ids,
 *     groups, capabilities, no_new_privs, seccomp), /proc/self/cgroup,
 *     /proc/PPID/comm, /proc/self/attr/current, the sandbox markers, which
 *     of fds 0-2 are terminals, and the nodes of /dev/dri with the access
 *     this process has to them.
 * Not async-signal-safe (the environment, snprintf): bbx_init(), the
 * collector thread before each of its snapshots, and the exit path call
 * session_refresh().  It allocates nothing and takes no lock, so the
 * watchdog refreshes it before a hang snapshot too.  One refresh at a time (a flag); the files it opens
 * are bbx's (bbx_busy).  Reading `environ` races with setenv() in another
 * thread exactly as getenv() does; nothing here writes it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <termios.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>

#include "collector.h"
#include "session_prepared.h"
#include "sigsafe.h"
#include "snap_redact.h"

extern char **environ;

/* The allow-list: what tells how a GUI program was started and how its
 * toolkit, GL and loader were told to behave.  A name ending in '*' takes
 * every name that begins so.  README.md, "The session", lists the same. */
static const char *const allowed[] = {
    /* the display server and the desktop */
    "DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET", "XDG_SESSION_TYPE", "XDG_SESSION_CLASS",
    "XDG_CURRENT_DESKTOP", "XDG_SESSION_DESKTOP", "DESKTOP_SESSION", "XDG_RUNTIME_DIR",
    "XAUTHORITY", "DBUS_SESSION_BUS_ADDRESS", "DBUS_SYSTEM_BUS_ADDRESS",
    /* how it was launched */
    "INVOCATION_ID", "JOURNAL_STREAM", "SYSTEMD_EXEC_PID", "GIO_LAUNCHED_DESKTOP_FILE",
    "GIO_LAUNCHED_DESKTOP_FILE_PID", "DESKTOP_STARTUP_ID", "XDG_ACTIVATION_TOKEN", "SSH_TTY",
    "TERM", "SHELL", "HOME", "USER", "LOGNAME", "PATH",
    /* sandboxes */
    "container", "FLATPAK_ID", "FLATPAK_SANDBOX_DIR", "SNAP", "SNAP_NAME", "SNAP_REVISION",
    "APPIMAGE", "APPDIR", "WSL_DISTRO_NAME",
    /* toolkits */
    "GDK_*", "GTK_*", "GSK_RENDERER", "GSETTINGS_BACKEND", "QT_*", "XMODIFIERS",
    "CLUTTER_BACKEND", "SDL_VIDEODRIVER", "SDL_VIDEO_DRIVER", "MOZ_ENABLE_WAYLAND",
    "ELECTRON_OZONE_PLATFORM_HINT", "NO_AT_BRIDGE",
    /* GL, EGL, Vulkan and video drivers */
    "LIBGL_*", "MESA_*", "GALLIUM_*", "__GLX_VENDOR_LIBRARY_NAME", "__EGL_VENDOR_LIBRARY_*",
    "__NV_PRIME_RENDER_OFFLOAD", "__GL_*", "DRI_PRIME", "EGL_PLATFORM", "VK_ICD_FILENAMES",
    "VK_DRIVER_FILES", "VK_LOADER_*", "LIBVA_*", "VDPAU_*",
    /* the loader, the locale */
    "LD_PRELOAD", "LD_LIBRARY_PATH", "LD_BIND_NOW", "LANG", "LANGUAGE", "LC_*", "TZ",
};

#define N_ALLOWED (sizeof(allowed) / sizeof(allowed[0]))
#define ENV_VALUE_MAX 1024 /* longer values are cut here */

static _Atomic int busy;
static struct session_values next; /* filled, then published */

/* name[n] matches the pattern p[pn] (a trailing '*' matches any ending). */
static int name_matches(const char *name, size_t n, const char *p, size_t pn)
{
    if (pn && p[pn - 1] == '*')
        return n >= pn - 1 && memcmp(name, p, pn - 1) == 0;
    return n == pn && memcmp(name, p, n) == 0;
}

static int in_keys(const char *name, size_t n, const char *keys)
{
    for (const char *p = keys; p && *p;) {
        size_t len = strcspn(p, ",");
        if (len && name_matches(name, n, p, len))
            return 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

static int is_allowed(const char *name, size_t n, const char *keys)
{
    for (size_t i = 0; i < N_ALLOWED; i++)
        if (name_matches(name, n, allowed[i], strlen(allowed[i])))
            return 1;
    return in_keys(name, n, keys);
}

/* Append NAME=VALUE (or NAME=[redacted]) to v->env; 0, or -1 when full. */
static int add_env(struct session_values *v, const char *name, size_t n, const char *value)
{
    const char *val = snap_redact_env_secret(name, n) ? SNAP_REDACTED_TEXT : value;
    size_t vl = strnlen(val, ENV_VALUE_MAX);
    size_t need = n + 1 + vl + 1;
    if (v->env_len + need > SES_ENV_CAP)
        return -1;
    char *d = v->env + v->env_len;
    memcpy(d, name, n);
    d[n] = '=';
    memcpy(d + n + 1, val, vl);
    d[n + 1 + vl] = '\0';
    v->env_len += (uint32_t)need;
    return 0;
}

static void read_env(struct session_values *v)
{
    const char *keys = config_getenv("BBX_ENV_KEYS");
    if (keys && config_env_keys_valid(keys) != 0)
        keys = NULL;
    for (char **e = environ; e && *e; e++) {
        const char *eq = strchr(*e, '=');
        if (!eq || eq == *e)
            continue;
        size_t n = (size_t)(eq - *e);
        if (!is_allowed(*e, n, keys))
            continue;
        if (add_env(v, *e, n, eq + 1) != 0)
            v->env_omitted++;
    }
}

/* The hexadecimal or decimal number after "\nKEY:" in a status text. */
static int status_num(const char *status, const char *key, int base, uint64_t *out)
{
    const char *s = strstr(status, key);
    if (!s)
        return -1;
    s += strlen(key);
    while (*s == ' ' || *s == '\t')
        s++;
    char *end;
    errno = 0;
    unsigned long long x = strtoull(s, &end, base);
    if (end == s || errno)
        return -1;
    *out = x;
    return 0;
}

/* "\nUid:\t0\t0\t0\t0": four numbers into ids[0..3]. */
static int status_four(const char *status, const char *key, uint32_t *ids)
{
    const char *s = strstr(status, key);
    if (!s)
        return -1;
    s += strlen(key);
    for (int i = 0; i < 4; i++) {
        char *end;
        unsigned long x = strtoul(s, &end, 10);
        if (end == s)
            return -1;
        ids[i] = (uint32_t)x;
        s = end;
    }
    return 0;
}

static void read_status(struct session_values *v)
{
    static char buf[8192];
    uint64_t x;
    if (ss_read_file(AT_FDCWD, "/proc/self/status", buf, sizeof(buf)) <= 0)
        return;
    if (status_num(buf, "\nUmask:", 8, &x) == 0)
        v->umask = (uint32_t)x + 1;
    v->has_ids = status_four(buf, "\nUid:", v->ids) == 0 &&
                 status_four(buf, "\nGid:", v->ids + 4) == 0;
    const char *g = strstr(buf, "\nGroups:");
    if (g) {
        g += strlen("\nGroups:");
        while (*g && *g != '\n' && v->n_groups < SES_MAX_GROUPS) {
            char *end;
            unsigned long id = strtoul(g, &end, 10);
            if (end == g)
                break;
            v->groups[v->n_groups++] = (uint32_t)id;
            g = end;
        }
    }
    static const char *const caps[5] = { "\nCapInh:", "\nCapPrm:", "\nCapEff:",
                                         "\nCapBnd:", "\nCapAmb:" };
    v->has_caps = 1;
    for (int i = 0; i < 5; i++)
        if (status_num(buf, caps[i], 16, &v->caps[i]) != 0)
            v->has_caps = 0;
    if (status_num(buf, "\nNoNewPrivs:", 10, &x) == 0)
        v->no_new_privs = (uint32_t)x + 1;
    if (status_num(buf, "\nSeccomp:", 10, &x) == 0)
        v->seccomp = (uint32_t)x + 1;
}

/* The first line of a small file into dst (NUL-terminated); its length. */
static size_t read_line(const char *path, char *dst, size_t cap)
{
    char buf[512];
    ssize_t n = ss_read_file(AT_FDCWD, path, buf, sizeof(buf));
    dst[0] = '\0';
    if (n <= 0)
        return 0;
    size_t len = strcspn(buf, "\n");
    while (len && buf[len - 1] == '\0')
        len--;
    if (len >= cap)
        len = cap - 1;
    memcpy(dst, buf, len);
    dst[len] = '\0';
    return len;
}

static void read_cgroup(struct session_values *v)
{
    static char buf[4096];
    if (ss_read_file(AT_FDCWD, "/proc/self/cgroup", buf, sizeof(buf)) <= 0)
        return;
    const char *v2 = NULL, *v1 = NULL;
    for (const char *s = buf; *s;) {
        size_t len = strcspn(s, "\n");
        const char *mem = strstr(s, ":memory:");
        if (strncmp(s, "0::", 3) == 0)
            v2 = s + 3; /* cgroup v2: the path */
        else if (mem && mem < s + len && !v1)
            v1 = mem + 1; /* v1: "memory:/path" */
        s += len + (s[len] == '\n');
    }
    /* hybrid hierarchies put everything at v2's root: the memory
     * controller's v1 path says more */
    const char *line = v2 && !(v1 && v2[0] == '/' && (v2[1] == '\n' || !v2[1])) ? v2 : v1;
    if (line) {
        size_t n = strcspn(line, "\n");
        if (n >= sizeof(v->cgroup))
            n = sizeof(v->cgroup) - 1;
        memcpy(v->cgroup, line, n);
        v->cgroup[n] = '\0';
    }
}

static void add_sandbox(struct session_values *v, const char *what)
{
    for (uint32_t i = 0; i < v->n_sandbox; i++)
        if (strcmp(v->sandbox[i], what) == 0)
            return;
    if (v->n_sandbox < SES_MAX_SANDBOX)
        snprintf(v->sandbox[v->n_sandbox++], sizeof(v->sandbox[0]), "%s", what);
}

/* The markers each sandbox or container leaves where its programs see them. */
static void read_sandbox(struct session_values *v)
{
    if (access("/.flatpak-info", F_OK) == 0)
        add_sandbox(v, "flatpak");
    if (getenv("SNAP") && getenv("SNAP_NAME"))
        add_sandbox(v, "snap");
    if (access("/.dockerenv", F_OK) == 0)
        add_sandbox(v, "docker");
    if (access("/run/.containerenv", F_OK) == 0)
        add_sandbox(v, "podman");
    const char *c = getenv("container"); /* systemd's convention: lxc, docker, ... */
    if (c && *c && strlen(c) < sizeof(v->sandbox[0]))
        add_sandbox(v, c);
    if (strstr(v->cgroup, "kubepods"))
        add_sandbox(v, "kubernetes");
    else if (strstr(v->cgroup, "/docker") || strstr(v->cgroup, "docker-"))
        add_sandbox(v, "docker");
    else if (strstr(v->cgroup, "/lxc"))
        add_sandbox(v, "lxc");
    if (access("/proc/sys/fs/binfmt_misc/WSLInterop", F_OK) == 0 || getenv("WSL_DISTRO_NAME"))
        add_sandbox(v, "wsl");
}

/* The nodes of /dev/dri: getdents64 into a static buffer (no opendir: no
 * malloc, so a hang snapshot can refresh while a hung thread holds
 * malloc's lock). */
static void read_dri(struct session_values *v)
{
    static char buf[4096] __attribute__((aligned(8)));
    int fd = open("/dev/dri", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
    close(fd);
    for (long off = 0; off < n && v->n_dri < SES_MAX_DRI;) {
        const struct dirent64 *e = (const struct dirent64 *)(buf + off);
        off += e->d_reclen;
        if (strncmp(e->d_name, "renderD", 7) != 0 && strncmp(e->d_name, "card", 4) != 0)
            continue;
        if (strlen(e->d_name) >= sizeof(v->dri[0].name))
            continue;
        char path[64];
        snprintf(path, sizeof(path), "/dev/dri/%s", e->d_name);
        uint32_t a = 0;
        if (faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) == 0)
            a |= 1;
        if (faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0)
            a |= 2;
        v->dri[v->n_dri].access = a;
        snprintf(v->dri[v->n_dri].name, sizeof(v->dri[0].name), "%s", e->d_name);
        v->n_dri++;
    }
}

static void read_tty(struct session_values *v)
{
    v->tty = 8;
    for (int fd = 0; fd < 3; fd++) {
        struct termios t;
        if (ioctl(fd, TCGETS, &t) == 0)
            v->tty |= 1u << fd;
    }
}

void session_refresh(void)
{
    if (atomic_exchange(&busy, 1))
        return;
    int saved_errno = errno; /* nothing here changes what the program sees */
    bbx_busy++;
    struct session_values *v = &next;
    memset(v, 0, sizeof(*v));
    read_env(v);
    if (!getcwd(v->cwd, sizeof(v->cwd)))
        v->cwd[0] = '\0';
    read_status(v);
    read_cgroup(v);
    read_sandbox(v);
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/comm", (int)getppid());
    read_line(path, v->parent, sizeof(v->parent));
    read_tty(v);
    read_line("/proc/self/attr/current", v->lsm, sizeof(v->lsm));
    read_dri(v);
    struct timeval tv;
    gettimeofday(&tv, NULL);
    v->taken_ms = (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
    session_publish(v);
    bbx_busy--;
    errno = saved_errno;
    atomic_store(&busy, 0);
}
