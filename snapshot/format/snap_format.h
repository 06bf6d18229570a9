/*
 * snap_format.h - the numbers of the snapshot format (docs/FORMAT.md).
 *
 * Shared by the writer (collector) and the reader (analyzer).  Changing a
 * number here changes the file format: add, never renumber.
 *
 * File = 16-byte header, then a zstd stream whose content is a sequence of
 * records: varint type, varint payload length, payload.  A payload is a
 * sequence of fields: varint key (field number << 3 | wire type), then a
 * varint (wire type 0) or a varint length and that many bytes (wire type 2).
 * Unknown record types and unknown fields are skipped by readers.
 */
#ifndef BBX_SNAP_FORMAT_H
#define BBX_SNAP_FORMAT_H

#define SNAP_MAGIC "\x89" "BBX\r\n\x1a\n" /* 8 bytes */
#define SNAP_MAGIC_LEN 8
#define SNAP_HEADER_LEN 16
#define SNAP_VERSION_MAJOR 1 /* a reader refuses other majors */
#define SNAP_VERSION_MINOR 6 /* additions only: 1 added ORIGIN, CHILD, trigger kinds 3-5;
                                2 added trigger kinds 6-7 and the HUNG fields;
                                3 added FD BBX, CAPTURE BBX_MAPPED, MODULE IMAGE (the
                                  vDSO's bytes), X11_RESOURCES;
                                4 added MEMORY, HEAP, HEAP_STACK, trigger kind 8;
                                5 added SESSION, redact part ENV;
                                6 added LAUNCH, CHILD WCHAN and STDIN/STDOUT/STDERR */

#define SNAP_MAX_RECORD (16u << 20) /* a reader refuses larger records */

enum snap_wire { SNAP_WIRE_VARINT = 0, SNAP_WIRE_BYTES = 2 };

enum snap_record_type {
    SNAP_REC_PROCESS = 1,
    SNAP_REC_TRIGGER = 2,
    SNAP_REC_THREAD = 3,
    SNAP_REC_FD = 4,
    SNAP_REC_MODULE = 5,
    SNAP_REC_BREADCRUMB = 6,
    SNAP_REC_ANNOTATION = 7,
    SNAP_REC_CAPTURE = 8,
    SNAP_REC_ORIGIN = 9,       /* tracking mode: who created a live fd or thread */
    SNAP_REC_CHILD = 10,       /* a child process */
    SNAP_REC_X11_RESOURCES = 11, /* what this process's X clients hold in the
                                  X server (X-Resource extension) */
    SNAP_REC_MEMORY = 12,      /* memory by kind, cgroup, malloc totals (prepared
                                  off the crash path) */
    SNAP_REC_HEAP = 13,        /* sampled heap tracking: totals */
    SNAP_REC_HEAP_STACK = 14,  /* sampled heap tracking: one allocating stack */
    SNAP_REC_END = 15,
    SNAP_REC_SESSION = 16,     /* the session and context the process runs in
                                  (prepared off the crash path) */
    SNAP_REC_LAUNCH = 17,      /* tracking mode (exec): a program launched */
};

enum snap_process_field {
    SNAP_PROC_PID = 1,         /* varint */
    SNAP_PROC_PPID = 2,        /* varint */
    SNAP_PROC_EXE = 3,         /* bytes: /proc/self/exe target */
    SNAP_PROC_CMDLINE = 4,     /* bytes: arguments separated by NUL */
    SNAP_PROC_START_MS = 5,    /* varint: process start, Unix ms */
    SNAP_PROC_RLIMIT = 6,      /* bytes, repeated: 3 varints resource, cur, max
                                  (RLIM_INFINITY as 2^64-1) */
    SNAP_PROC_VM_RSS_KB = 7,   /* varint */
    SNAP_PROC_VM_SIZE_KB = 8,  /* varint */
    SNAP_PROC_VM_HWM_KB = 9,   /* varint: peak RSS */
    SNAP_PROC_THREADS = 10,    /* varint: thread count the kernel reported */
    SNAP_PROC_UID = 11,        /* varint */
    SNAP_PROC_APP = 12,        /* bytes: application name */
    SNAP_PROC_TIME_MS = 13,    /* varint: when the capture started, Unix ms */
    SNAP_PROC_HOSTNAME = 14,   /* bytes */
    SNAP_PROC_KERNEL = 15,     /* bytes: kernel release */
    SNAP_PROC_ARCH = 16,       /* bytes: "x86_64", "aarch64", ... */
    SNAP_PROC_FD_LIMIT = 17,   /* varint: RLIMIT_NOFILE soft limit */
};

enum snap_trigger_kind {
    SNAP_TRIGGER_CRASH = 1,    /* a fatal signal */
    SNAP_TRIGGER_REQUEST = 2,  /* bbx_snapshot() */
    SNAP_TRIGGER_SIGNAL = 3,   /* the on-demand signal (BBX_SIGNAL) */
    SNAP_TRIGGER_PERIODIC = 4, /* the collector thread (BBX_INTERVAL_MS) */
    SNAP_TRIGGER_EXIT = 5,     /* normal exit (BBX_AT_EXIT) */
    SNAP_TRIGGER_HANG = 6,     /* the hang watchdog: a watched thread has not come
                                  back to its event-loop wait within its limit */
    SNAP_TRIGGER_HANG_END = 7, /* the watchdog: that thread came back (HUNG_MS is
                                  then the whole freeze) */
    SNAP_TRIGGER_MEMORY = 8,   /* memory crossed BBX_MEM_WATERMARK of a limit (REASON
                                  says which); once per crossing */
};

/* HUNG_STATE: what the hung thread did while it was stuck. */
enum snap_hung_state {
    SNAP_HUNG_BUSY = 1,        /* it used CPU for at least half the time */
    SNAP_HUNG_BLOCKED = 2,     /* it waited (a lock, I/O, a sleep) */
};

enum snap_trigger_field {
    SNAP_TRIG_KIND = 1,        /* varint: snap_trigger_kind */
    SNAP_TRIG_SIGNAL = 2,      /* varint */
    SNAP_TRIG_CODE = 3,        /* varint zigzag: si_code */
    SNAP_TRIG_ADDR = 4,        /* varint: si_addr */
    SNAP_TRIG_SENDER_PID = 5,  /* varint: si_pid for user-sent signals */
    SNAP_TRIG_REASON = 6,      /* bytes */
    SNAP_TRIG_TID = 7,         /* varint: thread that triggered */
    SNAP_TRIG_SENDER_UID = 8,  /* varint */
    SNAP_TRIG_SEQ = 9,         /* varint: the process's snapshot number, 1 for its first
                                  (orders snapshots of one millisecond) */
    /* HANG and HANG_END only: */
    SNAP_TRIG_HUNG_TID = 10,   /* varint: the watched thread that is (was) stuck */
    SNAP_TRIG_HUNG_MS = 11,    /* varint: how long it has been away from its
                                  event-loop wait (HANG_END: the whole freeze) */
    SNAP_TRIG_HUNG_CPU_MS = 12, /* varint: CPU time it used meanwhile */
    SNAP_TRIG_HUNG_LIMIT_MS = 13, /* varint: its limit */
    SNAP_TRIG_HUNG_STATE = 14, /* varint: snap_hung_state */
    SNAP_TRIG_HUNG_NAME = 15,  /* bytes: its thread name when the watchdog saw it */
};

enum snap_thread_status {
    SNAP_THREAD_UNWOUND = 0,   /* the thread unwound its own stack */
    SNAP_THREAD_BLOCKED = 1,   /* it blocks the capture signal: kernel data only */
    SNAP_THREAD_TIMEOUT = 2,   /* it did not answer in time: kernel data only */
    SNAP_THREAD_SKIPPED = 3,   /* not asked (limits, zombie, capture budget) */
};

/* How a thread's stack was obtained (SNAP_THR_METHOD). */
enum snap_thread_method {
    SNAP_METHOD_SIGNAL = 0,    /* asked with the thread signal: it unwound itself */
    SNAP_METHOD_CALL = 1,      /* blocked in a call bbx wraps: unwound from the
                                  registers the wrapper saved on the way in, not
                                  interrupted */
    SNAP_METHOD_KERNEL = 2,    /* blocked in another system call: unwound from the
                                  stack and instruction pointers the kernel reports
                                  (/proc/self/task/TID/syscall), not interrupted;
                                  may stop early where a frame needs a register
                                  the kernel does not report */
    SNAP_METHOD_CRASH = 3,     /* the crashing or requesting thread's own context */
};

enum snap_thread_field {
    SNAP_THR_TID = 1,          /* varint */
    SNAP_THR_NAME = 2,         /* bytes */
    SNAP_THR_STATE = 3,        /* varint: state letter from /proc (R, S, D...) */
    SNAP_THR_CRASHED = 4,      /* varint: 1 for the thread that crashed */
    SNAP_THR_FRAMES = 5,       /* bytes: varints, zigzag(pc - previous pc) */
    SNAP_THR_REGS = 6,         /* bytes: varints, registers in arch order */
    SNAP_THR_STATUS = 7,       /* varint: snap_thread_status */
    SNAP_THR_WCHAN = 8,        /* bytes: kernel wait channel */
    SNAP_THR_KERNEL_PC = 9,    /* varint: user pc the kernel reports (syscall) */
    SNAP_THR_SYSCALL = 10,     /* varint zigzag: syscall number, -1 running */
    SNAP_THR_TRUNCATED = 11,   /* varint: 1 when max_frames cut the stack */
    SNAP_THR_SIGNAL = 12,      /* varint: a fatal signal this thread was in */
    SNAP_THR_BBX = 13,         /* varint: 1 for a thread of bbx itself (the
                                  collector thread of BBX_INTERVAL_MS/BBX_SIGNAL) */
    SNAP_THR_METHOD = 14,      /* varint: snap_thread_method, how the stack was
                                  obtained (absent: 0, the thread unwound itself) */
    SNAP_THR_REUSED = 15,      /* varint: 1 when the thread had not run since the
                                  previous snapshot and its stack was reused */
    SNAP_THR_LOCK_ADDR = 16,   /* varint: address of the pthread mutex the thread
                                  is blocked on (only with LOCK_OWNER) */
    SNAP_THR_LOCK_OWNER = 17,  /* varint: tid of that mutex's owner, a thread of
                                  this process other than this one */
    SNAP_THR_LOCK_KIND = 18,   /* varint: snap_lock_kind (absent: a mutex) */
};

/* What a blocked thread waits for (SNAP_THR_LOCK_KIND). */
enum snap_lock_kind {
    SNAP_LOCK_MUTEX = 1,       /* a glibc pthread mutex (FUTEX_WAIT on __lock) */
    SNAP_LOCK_MUTEX_PI = 2,    /* a priority-inheritance mutex (FUTEX_LOCK_PI) */
};

enum snap_fd_kind {
    SNAP_FD_OTHER = 0,
    SNAP_FD_FILE = 1,
    SNAP_FD_DIR = 2,
    SNAP_FD_PIPE = 3,
    SNAP_FD_FIFO = 4,
    SNAP_FD_SOCKET = 5,
    SNAP_FD_EVENTFD = 6,
    SNAP_FD_TIMERFD = 7,
    SNAP_FD_SIGNALFD = 8,
    SNAP_FD_EPOLL = 9,
    SNAP_FD_INOTIFY = 10,
    SNAP_FD_MEMFD = 11,
    SNAP_FD_DEVICE = 12,
    SNAP_FD_KIND_COUNT
};

enum snap_fd_field {
    SNAP_FD_NUM = 1,           /* varint */
    SNAP_FD_KINDF = 2,         /* varint: snap_fd_kind */
    SNAP_FD_TARGET = 3,        /* bytes: /proc/self/fd link */
    SNAP_FD_FLAGS = 4,         /* varint: open flags (F_GETFL) */
    SNAP_FD_OFFSET = 5,        /* varint: file offset */
    SNAP_FD_INODE = 6,         /* varint */
    SNAP_FD_SOCK_FAMILY = 7,   /* varint: AF_* */
    SNAP_FD_SOCK_TYPE = 8,     /* varint: SOCK_* */
    SNAP_FD_SOCK_LOCAL = 9,    /* bytes: text address */
    SNAP_FD_SOCK_PEER = 10,    /* bytes: text address */
    SNAP_FD_DETAILS = 11,      /* bytes: kind-specific lines of fdinfo */
    SNAP_FD_SOCK_PROTO = 12,   /* varint: protocol */
    SNAP_FD_CLOEXEC = 13,      /* varint: FD_CLOEXEC set */
    SNAP_FD_SIZE = 14,         /* varint: st_size for files */
    SNAP_FD_CLOSED_BY_BBX = 15, /* varint: 1 when the crash path closed this
                                  fd of the program's to make room for the
                                  snapshot (fd table full, no spare fd
                                  left); the fields describe it as it was */
    SNAP_FD_BBX = 16,          /* varint: snap_fd_bbx: the fd is bbx's, not the
                                  program's (minor 3) */
};

/* Whose an fd marked SNAP_FD_BBX is. */
enum snap_fd_bbx {
    SNAP_FD_BBX_OWN = 1,       /* opened for bbx by a library it runs (libunwind's
                                  pipes, its X connection) */
    SNAP_FD_BBX_SPARE = 2,     /* one of bbx's spare fds (room for a crash
                                  capture in a full table) */
};

enum snap_module_field {
    SNAP_MOD_PATH = 1,         /* bytes */
    SNAP_MOD_BIAS = 2,         /* varint: load bias (address - ELF vaddr) */
    SNAP_MOD_BUILD_ID = 3,     /* bytes: raw build-id */
    SNAP_MOD_START = 4,        /* varint: lowest mapped address */
    SNAP_MOD_END = 5,          /* varint: end of highest mapping */
    SNAP_MOD_IMAGE = 6,        /* bytes: the module's whole ELF image as mapped;
                                  written for the vDSO only (no file on disk
                                  holds it), so its frames can be named on any
                                  machine (minor 3) */
};

enum snap_breadcrumb_field {
    SNAP_BC_TIME_MS = 1,       /* varint: Unix ms */
    SNAP_BC_TID = 2,           /* varint */
    SNAP_BC_TEXT = 3,          /* bytes */
};

enum snap_annotation_field { SNAP_ANN_KEY = 1, SNAP_ANN_VALUE = 2 };

enum snap_capture_field {
    SNAP_CAP_DURATION_US = 1,  /* varint: trigger to last record */
    SNAP_CAP_THREADS = 2,      /* varint: threads written */
    SNAP_CAP_UNWOUND = 3,      /* varint: of which unwound */
    SNAP_CAP_FDS = 4,          /* varint: fds of the program written (not FD BBX) */
    SNAP_CAP_VERSION = 5,      /* bytes: collector version */
    SNAP_CAP_MODULES = 6,      /* varint */
    SNAP_CAP_THREADS_US = 7,   /* varint: time the capturing thread spent on threads
                                  (module scan, asking, waiting, writing), not
                                  overlapping FDS_US */
    SNAP_CAP_FDS_US = 8,       /* varint: time spent on the fd table */
    SNAP_CAP_TRACKING = 9,     /* varint: tracking flags (1 fds, 2 threads); absent
                                  or 0 when tracking was off */
    SNAP_CAP_ORIGINS = 10,     /* varint: ORIGIN records written */
    SNAP_CAP_TRACK_LOST = 11,  /* varint: creations tracking could not record
                                  (table full, fd beyond the table) */
    SNAP_CAP_CHILDREN = 12,    /* varint: CHILD records written */
    SNAP_CAP_THREADS_OMITTED = 13, /* varint: threads not written because of
                                  max_threads (BBX_MAX_THREADS) */
    SNAP_CAP_REDACTED = 14,    /* varint: what BBX_REDACT held back (bit mask,
                                  docs/FORMAT.md) */
    SNAP_CAP_BBX_MAPPED = 15,  /* varint: bytes of memory bbx has mapped for
                                  itself (tables, rings, buffers, stacks; minor 3) */
};

/* Bits of SNAP_CAP_REDACTED: what the collector (BBX_REDACT) or `bbx scrub`
 * held back.  The same values are BBX_REDACT_* in bbx.h; names and the rules
 * of each part are in snap_redact.h and docs/FORMAT.md. */
enum snap_redact_part {
    SNAP_REDACT_SECRETS = 1u << 0,     /* secret-looking argument values in command
                                          lines replaced by "[redacted]" (the default) */
    SNAP_REDACT_CMDLINE = 1u << 1,     /* command lines left out (process, children) */
    SNAP_REDACT_REGISTERS = 1u << 2,   /* THREAD REGS left out */
    SNAP_REDACT_PATHS = 1u << 3,       /* fd targets that are paths and unix socket
                                          names replaced by "[redacted]"; exe and
                                          module paths cut to their file name */
    SNAP_REDACT_PEERS = 1u << 4,       /* socket peer addresses left out */
    SNAP_REDACT_HOST = 1u << 5,        /* host name left out */
    SNAP_REDACT_BREADCRUMBS = 1u << 6, /* BREADCRUMB records left out */
    SNAP_REDACT_ANNOTATIONS = 1u << 7, /* ANNOTATION records left out */
    SNAP_REDACT_ENV = 1u << 8,         /* SESSION ENV left out (minor 5) */
    SNAP_REDACT_ALL = (1u << 9) - 1,
};

enum snap_origin_resource { SNAP_ORIGIN_FD = 1, SNAP_ORIGIN_THREAD = 2 };

/* ORIGIN: one per live tracked fd or thread, written after the FD and THREAD
 * records (readers join on fd number / tid). */
enum snap_origin_field {
    SNAP_ORIG_RESOURCE = 1,    /* varint: snap_origin_resource */
    SNAP_ORIG_ID = 2,          /* varint: fd number or tid */
    SNAP_ORIG_FRAMES = 3,      /* bytes: as SNAP_THR_FRAMES, innermost first; every
                                  entry is a return address (look up pc - 1) */
    SNAP_ORIG_TIME_MS = 4,     /* varint: creation time, Unix ms */
    SNAP_ORIG_TID = 5,         /* varint: the creating thread */
    SNAP_ORIG_CALL = 6,        /* bytes: the call that created it ("socket",
                                  "openat", "fopen", "pthread_create", ...) */
    SNAP_ORIG_UNKNOWN = 7,     /* varint: 1 = existed before tracking started */
    SNAP_ORIG_START = 8,       /* varint: thread start routine address */
    SNAP_ORIG_TRUNCATED = 9,   /* varint: 1 when the stack was cut at the limit */
};

/* CHILD: one per child process (a process whose parent is this one). */
enum snap_child_field {
    SNAP_CHILD_PID = 1,        /* varint */
    SNAP_CHILD_STATE = 2,      /* varint: state letter from /proc (Z = zombie) */
    SNAP_CHILD_ZOMBIE = 3,     /* varint: 1 when exited but not reaped */
    SNAP_CHILD_CMDLINE = 4,    /* bytes: arguments separated by NUL (empty for
                                  zombies) */
    SNAP_CHILD_COMM = 5,       /* bytes: the kernel's command name */
    SNAP_CHILD_START_MS = 6,   /* varint: start time, Unix ms */
    SNAP_CHILD_WCHAN = 7,      /* bytes: where the kernel has it waiting
                                  (/proc/PID/wchan: "anon_pipe_write", "do_wait") */
    SNAP_CHILD_STDIN = 8,      /* bytes: what its fd 0 is ("pipe:[12345]", a path) */
    SNAP_CHILD_STDOUT = 9,     /* bytes: its fd 1 */
    SNAP_CHILD_STDERR = 10,    /* bytes: its fd 2 */
};

/* LAUNCH: tracking mode (exec), one per launch still in the collector's
 * table (the last 128): an exec, posix_spawn, system or popen call of the
 * process or of a child it forked, and what became of it. */
enum snap_launch_field {
    SNAP_LAUNCH_CALL = 1,      /* bytes: "execve", "execvp", "posix_spawnp",
                                  "system", "popen", ... */
    SNAP_LAUNCH_SEQ = 2,       /* varint: launch number, from 1 (a gap below
                                  the first one written: older launches were
                                  overwritten) */
    SNAP_LAUNCH_PID = 3,       /* varint: the launched process (absent: not known,
                                  as for system and popen) */
    SNAP_LAUNCH_LAUNCHER = 4,  /* varint: the process that made the call (a
                                  forked child calling exec: its own pid) */
    SNAP_LAUNCH_TID = 5,       /* varint: the calling thread */
    SNAP_LAUNCH_TIME_MS = 6,   /* varint: when, Unix ms */
    SNAP_LAUNCH_FRAMES = 7,    /* bytes: as SNAP_ORIG_FRAMES: the calling stack */
    SNAP_LAUNCH_TRUNCATED = 8, /* varint: 1 when the stack was cut at the limit */
    SNAP_LAUNCH_ARGS = 9,      /* bytes: the argument vector separated by NUL,
                                  redacted as command lines are (system, popen:
                                  "sh", "-c", the command) */
    SNAP_LAUNCH_ERRNO = 10,    /* varint: the call failed with this errno */
    SNAP_LAUNCH_PATH = 11,     /* bytes: PATH as searched by a p-variant that
                                  failed (absent when the ENV part is redacted) */
    SNAP_LAUNCH_IN_CHILD = 12, /* varint: 1 = exec called in a forked child */
    SNAP_LAUNCH_STATUS = 13,   /* varint: wait status (as waitpid's) once the
                                  process was reaped, or system's / pclose's */
    SNAP_LAUNCH_END_MS = 14,   /* varint: when it was reaped, Unix ms */
    SNAP_LAUNCH_FD = 15,       /* varint: popen: the stream's fd */
    SNAP_LAUNCH_FILE = 16,     /* bytes: the exec and spawn calls' path or file
                                  argument (what was searched for or run) */
};

/* X11_RESOURCES: at most one.  Prepared on the collector thread through
 * bbx's own X connection (never on the crash path); a snapshot writes the
 * last values prepared, with their age. */
enum snap_x11_field {
    SNAP_X11_DISPLAY = 1,      /* bytes: the display (DISPLAY) */
    SNAP_X11_AGE_MS = 2,       /* varint: how old the values were when the
                                  snapshot was taken */
    SNAP_X11_CLIENTS = 3,      /* varint: X clients of this process (bbx's own
                                  connection not counted) */
    SNAP_X11_TYPE = 4,         /* bytes, repeated: varint count, then the
                                  resource type's atom name ("PIXMAP") */
    SNAP_X11_PIXMAP_BYTES = 5, /* varint: bytes of pixmap memory of those clients */
    SNAP_X11_QUERY_US = 6,     /* varint: how long the query took */
    SNAP_X11_STALE = 7,        /* varint: why the last refresh failed (snap_x11_stale);
                                  the values are from an earlier one */
};

enum snap_x11_stale {
    SNAP_X11_STALE_TIMEOUT = 1, /* the X server did not answer in time */
    SNAP_X11_STALE_LOST = 2,    /* the connection failed or was closed */
};

/* MEMORY: at most one.  Prepared outside the crash path (the collector
 * thread, a snapshot's own thread when not in a crash); a crash writes the
 * last values prepared, with their age.  Sizes in KiB are the kernel's
 * (/proc/self/smaps); cgroup and malloc figures are bytes. */
enum snap_mem_kind {
    SNAP_MEM_HEAP = 1,         /* [heap]: the brk heap */
    SNAP_MEM_ANON = 2,         /* private anonymous mappings (malloc arenas, large
                                  allocations, the program's own mmaps) */
    SNAP_MEM_STACK = 3,        /* [stack] and thread stacks (anonymous mappings
                                  right above a guard page) */
    SNAP_MEM_CODE = 4,         /* executable file mappings (programs, libraries) */
    SNAP_MEM_FILE = 5,         /* other file mappings (data, read-only, fonts...) */
    SNAP_MEM_SHM = 6,          /* shared memory (MAP_SHARED anonymous, /dev/shm,
                                  memfd, SysV) */
    SNAP_MEM_GPU = 7,          /* GPU/DRM buffers (/dev/dri, /dev/nvidia*, dmabuf,
                                  kgsl, mali) */
    SNAP_MEM_OTHER = 8,        /* [vdso], [vvar] and anything else */
    SNAP_MEM_KIND_COUNT
};

enum snap_memory_field {
    SNAP_MEM_AGE_MS = 1,       /* varint: how old the values were at the capture */
    SNAP_MEM_KINDF = 2,        /* bytes, repeated: varints kind, size_kb, rss_kb,
                                  pss_kb, swap_kb, mappings */
    SNAP_MEM_RSS_KB = 3,       /* varint: totals over every mapping */
    SNAP_MEM_PSS_KB = 4,       /* varint */
    SNAP_MEM_SWAP_KB = 5,      /* varint */
    SNAP_MEM_CGROUP = 6,       /* bytes: the process's cgroup (v2 path, or the v1
                                  memory controller's) */
    SNAP_MEM_CG_CURRENT = 7,   /* varint: memory.current (v1 usage_in_bytes) */
    SNAP_MEM_CG_MAX = 8,       /* varint: memory.max (v1 limit_in_bytes); absent
                                  when unlimited */
    SNAP_MEM_CG_OOM_KILLS = 9, /* varint: memory.events oom_kill */
    SNAP_MEM_CG_OOM = 10,      /* varint: memory.events oom (limit hit) */
    SNAP_MEM_CG_SWAP = 11,     /* varint: memory.swap.current */
    SNAP_MEM_CG_HIGH = 12,     /* varint: memory.high; absent when unlimited */
    SNAP_MEM_PHYS_KB = 13,     /* varint: MemTotal (physical memory) */
    SNAP_MEM_AVAIL_KB = 14,    /* varint: MemAvailable */
    SNAP_MEM_MALLOC_ARENA = 15, /* varint: malloc's heap bytes from the system
                                  (mallinfo2 arena) */
    SNAP_MEM_MALLOC_MMAP = 16, /* varint: malloc's mmapped chunks (hblkhd) */
    SNAP_MEM_MALLOC_INUSE = 17, /* varint: bytes allocated and not freed
                                  (uordblks + hblkhd) */
    SNAP_MEM_MALLOC_FREE = 18, /* varint: free bytes held by malloc (fordblks) */
    SNAP_MEM_WATERMARK = 19,   /* varint: BBX_MEM_WATERMARK in permille */
    SNAP_MEM_READ_US = 20,     /* varint: how long reading the kernel's figures took */
    SNAP_MEM_VM_SIZE_KB = 21,  /* varint: address space (for RLIMIT_AS) */
};

/* HEAP: at most one, in heap tracking mode (BBX_TRACK=heap).  Estimates
 * are unbiased: a sampled allocation of n bytes counts 1/p times, p =
 * 1 - exp(-n / INTERVAL). */
enum snap_heap_field {
    SNAP_HEAP_INTERVAL = 1,    /* varint: mean bytes between samples */
    SNAP_HEAP_SAMPLES = 2,     /* varint: allocations sampled since tracking started */
    SNAP_HEAP_LIVE_SAMPLES = 3, /* varint: of those, not freed */
    SNAP_HEAP_ALLOC_BYTES = 4, /* varint: estimated bytes allocated since start */
    SNAP_HEAP_ALLOC_OBJECTS = 5, /* varint: estimated allocations since start */
    SNAP_HEAP_LIVE_BYTES = 6,  /* varint: estimated live bytes */
    SNAP_HEAP_LIVE_OBJECTS = 7, /* varint: estimated live allocations */
    SNAP_HEAP_LOST = 8,        /* varint: samples not recorded (tables full) */
    SNAP_HEAP_START_MS = 9,    /* varint: when heap tracking started, Unix ms */
    SNAP_HEAP_STACKS = 10,     /* varint: HEAP_STACK records written */
};

/* HEAP_STACK: one per allocating stack with sampled allocations, after HEAP. */
enum snap_heap_stack_field {
    SNAP_HSTK_FRAMES = 1,      /* bytes: as SNAP_ORIG_FRAMES (return addresses,
                                  innermost first: the caller of malloc) */
    SNAP_HSTK_LIVE_BYTES = 2,  /* varint: estimated live bytes */
    SNAP_HSTK_LIVE_OBJECTS = 3, /* varint: estimated live allocations */
    SNAP_HSTK_ALLOC_BYTES = 4, /* varint: estimated bytes allocated since start */
    SNAP_HSTK_ALLOC_OBJECTS = 5, /* varint: estimated allocations since start */
    SNAP_HSTK_LIVE_SAMPLES = 6, /* varint: sampled allocations not freed */
    SNAP_HSTK_SAMPLES = 7,     /* varint: sampled allocations since start */
    SNAP_HSTK_TRUNCATED = 8,   /* varint: 1 when the stack was cut at the limit */
    SNAP_HSTK_MMAP = 9,        /* varint: 1 for anonymous mmap, not malloc */
    SNAP_HSTK_ID = 10,         /* varint: the stack's number in this process
                                  (stable across its snapshots) */
};

/* SESSION: the context the process runs in, prepared at init and refreshed
 * by the collector thread (never read on the crash path).  Ids, groups,
 * umask, capabilities, no_new_privs and seccomp come from
 * /proc/self/status. */
enum snap_session_field {
    SNAP_SES_TAKEN_MS = 1,     /* varint: when it was read, Unix ms */
    SNAP_SES_ENV = 2,          /* bytes, repeated: NAME=VALUE of an allowed
                                  variable; a secret-looking name's value is
                                  "[redacted]" (never its text) */
    SNAP_SES_CWD = 3,          /* bytes: the working directory */
    SNAP_SES_UMASK = 4,        /* varint: the umask */
    SNAP_SES_IDS = 5,          /* bytes: 8 varints: real, effective, saved,
                                  file-system uid, then the same gids */
    SNAP_SES_GROUPS = 6,       /* bytes: varints, the supplementary groups */
    SNAP_SES_CAPS = 7,         /* bytes: 5 varints: inheritable, permitted,
                                  effective, bounding, ambient capability sets */
    SNAP_SES_NO_NEW_PRIVS = 8, /* varint: 1 set, 0 not */
    SNAP_SES_SECCOMP = 9,      /* varint: 0 off, 1 strict, 2 filter */
    SNAP_SES_SANDBOX = 10,     /* bytes, repeated: what this runs inside
                                  ("flatpak", "snap", "docker", "podman",
                                  "lxc", "systemd-nspawn", "wsl", "container") */
    SNAP_SES_CGROUP = 11,      /* bytes: the process's cgroup v2 path (or the
                                  v1 line of its memory controller) */
    SNAP_SES_PARENT = 12,      /* bytes: the parent's command name when read */
    SNAP_SES_TTY = 13,         /* varint: bit k set when fd k (0-2) is a terminal */
    SNAP_SES_LSM = 14,         /* bytes: the security label (AppArmor, SELinux) */
    SNAP_SES_DRI = 15,         /* bytes, repeated: varint access (bit 0 read,
                                  bit 1 write, for this process), then the name
                                  of a node of /dev/dri ("renderD128", "card0") */
    SNAP_SES_ENV_OMITTED = 16, /* varint: allowed variables left out (no room) */
};

enum snap_end_field { SNAP_END_RECORDS = 1 /* varint: records before END */ };

/* x86_64 register order in SNAP_THR_REGS. */
#define SNAP_X86_64_REG_NAMES                                                  \
    "rip", "rsp", "rbp", "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", \
        "r10", "r11", "r12", "r13", "r14", "r15", "eflags"
#define SNAP_X86_64_REG_COUNT 18

#endif /* BBX_SNAP_FORMAT_H */
