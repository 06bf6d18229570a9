/*
 * launches_write.c - the LAUNCH records: every launch still in tracking
 * mode's launch table (launch_table.h), oldest first, read on the crash
 * path.
 *
 * The hooks write the table (track/launch_table.c); this only reads it:
 * each slot is copied and kept when its sequence did not move.  Arguments
 * go through the command-line redaction (redact.c), PATH is left out when
 * the environment is held back.  Async-signal-safe; callers hold the
 * capture lock.
 */
#include <string.h>

#include "collector.h"
#include "launch_table.h"
#include "snap_format.h"

const char *const launch_call_names[LAUNCH_N_CALLS] = {
    [LAUNCH_EXECVE] = "execve", [LAUNCH_EXECV] = "execv", [LAUNCH_EXECVP] = "execvp",
    [LAUNCH_EXECVPE] = "execvpe", [LAUNCH_EXECL] = "execl", [LAUNCH_EXECLE] = "execle",
    [LAUNCH_EXECLP] = "execlp", [LAUNCH_FEXECVE] = "fexecve",
    [LAUNCH_POSIX_SPAWN] = "posix_spawn", [LAUNCH_POSIX_SPAWNP] = "posix_spawnp",
    [LAUNCH_SYSTEM] = "system", [LAUNCH_POPEN] = "popen",
};

static struct launch_slot copy; /* under the capture lock */

static void write_launch(snap_writer *w, const struct launch_slot *s)
{
    const char *call = s->call < LAUNCH_N_CALLS ? launch_call_names[s->call] : "unknown";
    unsigned n = s->n_frames <= LAUNCH_FRAMES ? s->n_frames : LAUNCH_FRAMES;
    snap_rec_begin(w, SNAP_REC_LAUNCH);
    snap_put_str(w, SNAP_LAUNCH_CALL, call);
    snap_put_u64(w, SNAP_LAUNCH_SEQ, s->number);
    if (s->pid > 0)
        snap_put_u64(w, SNAP_LAUNCH_PID, (uint64_t)s->pid);
    snap_put_u64(w, SNAP_LAUNCH_LAUNCHER, (uint64_t)s->launcher);
    snap_put_u64(w, SNAP_LAUNCH_TID, (uint64_t)s->creator);
    snap_put_u64(w, SNAP_LAUNCH_TIME_MS, s->time_ms);
    track_put_frames(w, SNAP_LAUNCH_FRAMES, s->frames, n);
    if (s->flags & LAUNCH_F_TRUNCATED)
        snap_put_u64(w, SNAP_LAUNCH_TRUNCATED, 1);
    if (s->args_len)
        redact_put_args(w, SNAP_LAUNCH_ARGS, s->args,
                        s->args_len <= LAUNCH_ARGS_MAX ? s->args_len : LAUNCH_ARGS_MAX);
    if (s->flags & LAUNCH_F_FAILED) {
        snap_put_u64(w, SNAP_LAUNCH_ERRNO, (uint64_t)s->err);
        if (s->path_len && !(redact_parts() & SNAP_REDACT_ENV))
            snap_put_bytes(w, SNAP_LAUNCH_PATH, s->path,
                           s->path_len <= LAUNCH_PATH_MAX ? s->path_len : LAUNCH_PATH_MAX);
    }
    if (s->flags & LAUNCH_F_IN_CHILD)
        snap_put_u64(w, SNAP_LAUNCH_IN_CHILD, 1);
    if (s->state == LAUNCH_ENDED) {
        snap_put_u64(w, SNAP_LAUNCH_STATUS, (uint32_t)s->status);
        snap_put_u64(w, SNAP_LAUNCH_END_MS, s->end_ms);
    }
    if (s->file_len && !(redact_parts() & SNAP_REDACT_CMDLINE)) /* paths: its base name */
        redact_put_path(w, SNAP_LAUNCH_FILE, s->file,
                        s->file_len <= LAUNCH_FILE_MAX ? s->file_len : LAUNCH_FILE_MAX);
    if (s->call == LAUNCH_POPEN && s->fd >= 0)
        snap_put_u64(w, SNAP_LAUNCH_FD, (uint64_t)s->fd);
    snap_rec_end(w);
}

unsigned launches_write(snap_writer *w)
{
    unsigned written = 0;
    if (!launch_tab)
        return 0;
    uint64_t next = atomic_load_explicit(&launch_tab->next, memory_order_acquire);
    uint64_t first = next > LAUNCH_SLOTS ? next - LAUNCH_SLOTS : 0;
    for (uint64_t k = first; k < next; k++) {
        const struct launch_slot *s = &launch_tab->slots[k % LAUNCH_SLOTS];
        if (!track_seq_copy(&copy, s, sizeof(copy)) || copy.state == LAUNCH_FREE ||
            copy.number != k + 1)
            continue;
        write_launch(w, &copy);
        written++;
    }
    return written;
}
