/*
 * launch_facts.h - what a snapshot says of the programs the process
 * launched (LAUNCH records, BBX_TRACK exec) and of its children (CHILD):
 * the stories worth reading at a glance ("launched `chrome` from
 * open_browser (ui.c:88): not found in PATH=/usr/bin:/bin", "helper
 * `thumbnailer` exited with status 1, 3 times in 2.0 s", "helper blocked
 * writing to pipe:[N], which this program holds open at fd 17 and does not
 * read", "2 children left running at exit"), and each launch on its own,
 * for `bbx show`, the report page, the JSON and `bbx leaks`.
 *
 * Every function takes any snapshot the reader produced (no LAUNCH or
 * CHILD records: nothing to say).  Stories point into the snapshot.
 */
#ifndef BBX_LAUNCH_FACTS_H
#define BBX_LAUNCH_FACTS_H

#include <stddef.h>
#include <stdint.h>

#include "report_facts.h"
#include "snap_reader.h"
#include "symbolizer.h"

typedef enum launch_story_kind {
    LAUNCH_STORY_NOT_FOUND,    /* the program was not found (ENOENT) */
    LAUNCH_STORY_FAILED,       /* the launch call failed otherwise */
    LAUNCH_STORY_EXIT_STATUS,  /* the program exited with a non-zero status */
    LAUNCH_STORY_SIGNALED,     /* the program was killed by a signal */
    LAUNCH_STORY_BLOCKED_PIPE, /* a child blocked writing into a pipe whose
                                  other end this process holds */
    LAUNCH_STORY_LEFT_RUNNING, /* children still running when it exited */
} launch_story_kind;

typedef struct launch_story {
    launch_story_kind kind;
    const snap_launch *launch; /* the first launch of the group; for the
                                  two child stories the child's launch, or NULL */
    size_t count;              /* launches in the group; LEFT_RUNNING: children */
    uint64_t first_ms, last_ms; /* the group's first launch, its last end */
    const snap_child *child;   /* BLOCKED_PIPE */
    const snap_fd *fd;         /* BLOCKED_PIPE: this process's end of the pipe */
    int child_fd;              /* BLOCKED_PIPE: the child's fd (1 or 2) */
} launch_story;

/* The stories of s into a new array (*out, freed by the caller; NULL when
 * none): how many, or (size_t)-1 when memory ran out. */
size_t launch_stories(const snap *s, launch_story **out);

/* One story as a sentence (LEFT_RUNNING: one line per child after it). */
void facts_launch_story(const facts_sink *k, const snap *s, const launch_story *st,
                        sym_session *ss);
/* The same as plain text into buf[cap] (NUL-terminated, cut at cap; the
 * lines of LEFT_RUNNING joined by "; "): its length. */
size_t launch_story_text(char *buf, size_t cap, const snap *s, const launch_story *st,
                         sym_session *ss);
/* "not_found", "failed", "exit_status", "signaled", "blocked_pipe",
 * "left_running". */
const char *launch_story_kind_name(launch_story_kind kind);

/* The name a launch goes by: argv[0]'s base name, or the command of
 * system and popen; "?" when the record has neither. */
void facts_launch_program(const facts_sink *k, const snap_launch *l);
/* "make_thumbnail (launcher.c:131)": the first frame of the launch's stack
 * in the program's own code (as for an ORIGIN); "?" without frames. */
void facts_launch_site(const facts_sink *k, const snap *s, const snap_launch *l,
                       sym_session *ss);
/* The first frame of the launch's stack in the program's own code (or the
 * first outside the collector): its index, SIZE_MAX without frames. */
size_t launch_site_frame(const snap *s, const snap_launch *l);
/* What became of it: "exited with status 1 after 0.2 s", "killed by
 * SIGSEGV", "failed: ENOENT (No such file or directory)", "running". */
void facts_launch_outcome(const facts_sink *k, const snap_launch *l);
/* One launch on one line: "#3 posix_spawn() thumbnailer (pid 42) from
 * make_thumbnail (launcher.c:131): exited with status 1 after 0.0 s". */
void facts_launch(const facts_sink *k, const snap *s, const snap_launch *l, sym_session *ss);

/* The errno name ("ENOENT"), or NULL when this system has none for it. */
const char *launch_errno_name(uint64_t err);

#endif
