/*
 * launch_table.c - the table of launched programs (launch_table.h): who
 * launched what, from where, and how it ended.
 *
 * Runs in the launch and wait hooks, in the program's normal context or in
 * a child it forked (before exec); never on the crash path, which only
 * reads (crash/launches_write.c).  Nothing here allocates or takes a lock
 * a thread could hold across fork: the slots are seqlocks in a shared
 * mapping, and errno is given back as it was found.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launch_table.h"
#include "sigsafe.h"
#include "track_stack.h"

struct launch_table *launch_tab;

/* Default search path of the exec p-variants when PATH is unset (glibc's
 * confstr(_CS_PATH)). */
#define DEFAULT_PATH "/bin:/usr/bin"

int launch_table_start(void)
{
    if (launch_tab)
        return 0;
    void *p = ss_map_shared(sizeof(struct launch_table));
    if (!p)
        return BBX_ENOMEM;
    launch_tab = p;
    launch_tab->owner = (pid_t)syscall(SYS_getpid);
    return 0;
}

static struct launch_slot *slot_at(int i)
{
    return i >= 0 && launch_tab ? &launch_tab->slots[(unsigned)i % LAUNCH_SLOTS] : NULL;
}

/* Copy a NULL-terminated vector into args (NUL-separated), cut at the cap. */
static uint32_t pack_args(char *out, char *const argv[])
{
    uint32_t len = 0;
    for (size_t i = 0; argv && argv[i] && len < LAUNCH_ARGS_MAX; i++) {
        size_t n = strnlen(argv[i], LAUNCH_ARGS_MAX - len - 1);
        memcpy(out + len, argv[i], n);
        len += (uint32_t)n;
        out[len++] = 0;
    }
    return len;
}

/* Claim the next slot of the ring, locked; -1 when no slot could be had. */
static int claim(void)
{
    for (unsigned k = 0; k < 4; k++) {
        uint64_t n = atomic_fetch_add_explicit(&launch_tab->next, 1, memory_order_relaxed);
        struct launch_slot *s = &launch_tab->slots[n % LAUNCH_SLOTS];
        if (track_seq_lock(&s->seq)) {
            s->number = n + 1;
            return (int)(n % LAUNCH_SLOTS);
        }
    }
    return -1;
}

static int begin(int call, const char *file, char *const argv[], const char *command,
                 uintptr_t ra)
{
    uintptr_t frames[LAUNCH_FRAMES];
    int truncated;
    if (!launch_tab || bbx_busy || !track_exec_on())
        return -1;
    int saved = errno;
    bbx_busy++;
    unsigned n = track_stack_grab(ra, frames, LAUNCH_FRAMES, &truncated);
    int i = claim();
    struct launch_slot *s = slot_at(i);
    if (s) {
        s->state = LAUNCH_STARTED;
        s->call = (uint8_t)call;
        s->n_frames = (uint8_t)n;
        s->flags = truncated ? LAUNCH_F_TRUNCATED : 0;
        s->pid = 0;
        s->launcher = (int32_t)syscall(SYS_getpid);
        if (s->launcher != launch_tab->owner && call <= LAUNCH_FEXECVE)
            s->flags |= LAUNCH_F_IN_CHILD;
        s->creator = ss_gettid();
        s->err = 0;
        s->status = 0;
        s->fd = -1;
        s->time_ms = ss_real_ms();
        s->end_ms = 0;
        s->path_len = 0;
        s->file_len = file ? (uint32_t)strnlen(file, LAUNCH_FILE_MAX) : 0;
        memcpy(s->file, file ? file : "", s->file_len);
        memcpy(s->frames, frames, n * sizeof(uintptr_t));
        if (command) {
            char *const sh[] = { "sh", "-c", (char *)command, NULL };
            s->args_len = pack_args(s->args, sh);
        } else {
            s->args_len = pack_args(s->args, argv);
        }
        track_seq_unlock(&s->seq);
    }
    bbx_busy--;
    errno = saved;
    return i;
}

int launch_begin(int call, const char *file, char *const argv[], uintptr_t ra)
{
    return begin(call, file, argv, NULL, ra);
}

int launch_begin_command(int call, const char *command, uintptr_t ra)
{
    return begin(call, NULL, NULL, command, ra);
}

void launch_started(int slot, pid_t pid, int fd)
{
    struct launch_slot *s = slot_at(slot);
    if (s && track_seq_lock(&s->seq)) {
        if (s->state == LAUNCH_STARTED) {
            s->pid = pid;
            s->fd = fd;
        }
        track_seq_unlock(&s->seq);
    }
}

void launch_failed(int slot, int err, int searched)
{
    struct launch_slot *s = slot_at(slot);
    if (!s)
        return;
    int saved = errno;
    const char *path = NULL;
    if (searched) {
        path = getenv("PATH"); /* what the p-variants search, as they do */
        if (!path)
            path = DEFAULT_PATH;
    }
    if (track_seq_lock(&s->seq)) {
        if (s->state == LAUNCH_STARTED) {
            s->state = LAUNCH_FAILED;
            s->flags |= LAUNCH_F_FAILED;
            s->err = err;
            s->end_ms = ss_real_ms();
            if (s->flags & LAUNCH_F_IN_CHILD)
                s->pid = s->launcher;
            if (path) {
                size_t n = strnlen(path, LAUNCH_PATH_MAX);
                memcpy(s->path, path, n);
                s->path_len = (uint32_t)n;
            }
        }
        track_seq_unlock(&s->seq);
    }
    errno = saved;
}

static void end_slot(struct launch_slot *s, int status)
{
    s->state = LAUNCH_ENDED;
    s->status = status;
    s->end_ms = ss_real_ms();
}

void launch_ended(int slot, int status)
{
    struct launch_slot *s = slot_at(slot);
    if (s && track_seq_lock(&s->seq)) {
        if (s->state != LAUNCH_FREE)
            end_slot(s, status);
        track_seq_unlock(&s->seq);
    }
}

/* A launch still waiting to be reaped: started, or an exec failed in a
 * child that then exits. */
static int awaiting(const struct launch_slot *s)
{
    return s->state == LAUNCH_STARTED ||
           (s->state == LAUNCH_FAILED && (s->flags & LAUNCH_F_IN_CHILD));
}

void launch_reaped(pid_t pid, int status)
{
    if (!launch_tab || pid <= 0 || !(WIFEXITED(status) || WIFSIGNALED(status)))
        return;
    int saved = errno;
    /* every launch of that process: a child may try several programs
     * before one exec works */
    for (unsigned i = 0; i < LAUNCH_SLOTS; i++) {
        struct launch_slot *s = &launch_tab->slots[i];
        if (s->pid != pid || !awaiting(s) || !track_seq_lock(&s->seq))
            continue;
        if (s->pid == pid && awaiting(s))
            end_slot(s, status);
        track_seq_unlock(&s->seq);
    }
    errno = saved;
}

void launch_pclosed(int fd, int status)
{
    if (!launch_tab || fd < 0)
        return;
    for (unsigned i = 0; i < LAUNCH_SLOTS; i++) {
        struct launch_slot *s = &launch_tab->slots[i];
        if (s->call != LAUNCH_POPEN || s->fd != fd || s->state != LAUNCH_STARTED ||
            !track_seq_lock(&s->seq))
            continue;
        if (s->call == LAUNCH_POPEN && s->fd == fd && s->state == LAUNCH_STARTED)
            end_slot(s, status);
        track_seq_unlock(&s->seq);
    }
}
