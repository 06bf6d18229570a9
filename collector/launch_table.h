/*
 * launch_table.h - tracking mode's table of launched programs (BBX_TRACK
 * exec): written by the interposed launch and wait calls
 * (track/launch_hooks.c, track_stdio_hooks.c's popen and pclose, through
 * track/launch_table.c), read by the capture (crash/launches_write.c).
 *
 * The table is one shared anonymous mapping made at track_start(): a child
 * the program forks inherits it shared, not copied, so an exec that fails
 * in the child is in the parent's next snapshot without a pipe or any other
 * fd of bbx's in the child.  It is a ring of the last LAUNCH_SLOTS launches;
 * each slot is a seqlock as in track_table.h (writers never wait long,
 * readers copy and check), so every function here may run in a forked
 * child, in a signal handler or on any thread.
 */
#ifndef BBX_LAUNCH_TABLE_H
#define BBX_LAUNCH_TABLE_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/types.h>

#include "collector.h"
#include "track_table.h"

#define LAUNCH_SLOTS 128u
#define LAUNCH_FRAMES 32u
#define LAUNCH_ARGS_MAX 1024u
#define LAUNCH_PATH_MAX 512u
#define LAUNCH_FILE_MAX 256u

/* The calls that launch: the CALL field of LAUNCH. */
enum launch_call {
    LAUNCH_EXECVE, LAUNCH_EXECV, LAUNCH_EXECVP, LAUNCH_EXECVPE, LAUNCH_EXECL,
    LAUNCH_EXECLE, LAUNCH_EXECLP, LAUNCH_FEXECVE, LAUNCH_POSIX_SPAWN,
    LAUNCH_POSIX_SPAWNP, LAUNCH_SYSTEM, LAUNCH_POPEN,
    LAUNCH_N_CALLS
};

enum launch_state { LAUNCH_FREE, LAUNCH_STARTED, LAUNCH_FAILED, LAUNCH_ENDED };

#define LAUNCH_F_TRUNCATED 1u /* the stack was cut at LAUNCH_FRAMES */
#define LAUNCH_F_IN_CHILD 2u  /* exec called in a forked child */
#define LAUNCH_F_FAILED 4u    /* the call failed (err); kept once ENDED */

struct launch_slot {
    _Atomic uint32_t seq; /* odd while written */
    uint8_t state;        /* enum launch_state */
    uint8_t call;         /* enum launch_call */
    uint8_t n_frames;
    uint8_t flags;        /* LAUNCH_F_* */
    int32_t pid;          /* the launched process, 0 when not known */
    int32_t launcher;     /* the process that called */
    int32_t creator;      /* the calling thread */
    int32_t err;          /* errno of a failed call */
    int32_t status;       /* wait status once ENDED */
    int32_t fd;           /* popen: the stream's fd, else -1 */
    uint32_t args_len;    /* bytes of args used (NUL-separated) */
    uint32_t path_len;    /* bytes of path used: PATH a failed p-variant searched */
    uint32_t file_len;    /* bytes of file used */
    uint64_t number;      /* launch number, from 1 */
    uint64_t time_ms, end_ms;
    char args[LAUNCH_ARGS_MAX];
    char path[LAUNCH_PATH_MAX];
    char file[LAUNCH_FILE_MAX]; /* the path or file argument of exec, spawn */
    uintptr_t frames[LAUNCH_FRAMES];
};

struct launch_table {
    _Atomic uint64_t next; /* launches claimed so far */
    pid_t owner;           /* the process that made the table */
    struct launch_slot slots[LAUNCH_SLOTS];
};

/* NULL until exec tracking first starts; then for the life of the process. */
extern struct launch_table *launch_tab;

/* Map the table (once); 0 or BBX_ENOMEM. */
int launch_table_start(void);

/* A launch of `file` (the path or name given; NULL: none, as fexecve's)
 * is about to be made by `call` from return address `ra` with the argument
 * vector argv (NULL-terminated; NULL: none): record the stack, thread,
 * time, file and arguments.  Returns the slot or -1 (off, inside bbx).
 * errno is left as it was. */
int launch_begin(int call, const char *file, char *const argv[], uintptr_t ra);
/* The same for a shell command (system, popen): "sh", "-c", command. */
int launch_begin_command(int call, const char *command, uintptr_t ra);
/* The launch made process `pid` (posix_spawn, or exec in a child: its own
 * pid) or stream fd `fd` (popen; -1 otherwise). */
void launch_started(int slot, pid_t pid, int fd);
/* The call failed with `err`; `searched`: a p-variant searched PATH for a
 * name without '/', whose value is kept. */
void launch_failed(int slot, int err, int searched);
/* The launch in `slot` ended with wait status `status` (system). */
void launch_ended(int slot, int status);
/* Process `pid` was reaped with wait status `status`. */
void launch_reaped(pid_t pid, int status);
/* popen's stream on fd `fd` was closed by pclose with `status`. */
void launch_pclosed(int fd, int status);

/* The names of enum launch_call, for the CALL field. */
extern const char *const launch_call_names[LAUNCH_N_CALLS];

static inline int track_exec_on(void)
{
    return __builtin_expect((atomic_load_explicit(&track_active, memory_order_relaxed) &
                             BBX_TRACK_EXEC) != 0, 0);
}

#endif
