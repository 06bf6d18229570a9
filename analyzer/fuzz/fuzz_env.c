/*
 * fuzz_env.c - libFuzzer target for the collector's BBX_* environment
 * parser, config_from_env() in collector/runtime/env_config.c.
 *
 * The input is a list of values separated by NUL bytes; the i-th value is
 * set as the i-th variable of `vars` below (an empty one is unset), then
 * config_from_env() fills a bbx_config.  If the input's last byte is odd,
 * the config starts with every field already set, and then none may
 * change (the program's own settings win over the environment).
 * Promises checked:
 *   - the result is 0 or BBX_EINVAL; after BBX_EINVAL config_env_error()
 *     is one printable line "BBX_NAME=\"value\" is invalid: why";
 *   - after 0 every field filled is within its documented range.
 * Built with fuzz_replay.c instead of libFuzzer it replays a corpus.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collector.h"
#include "fuzz_promise.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const vars[] = {
    "BBX_THREAD_SIGNAL", "BBX_SIGNAL",      "BBX_INTERVAL_MS", "BBX_AT_EXIT",
    "BBX_MAX_FILES",     "BBX_MAX_BYTES",   "BBX_TRACK",       "BBX_TRACK_FRAMES",
    "BBX_MAX_FRAMES",    "BBX_MAX_THREADS", "BBX_BREADCRUMBS", "BBX_NO_CRASH_HANDLERS",
    "BBX_REDACT",        "BBX_HEAP_SAMPLE",   "BBX_MEM_WATERMARK",
};
#define N_VARS (sizeof(vars) / sizeof(vars[0]))

static void set_vars(const uint8_t *data, size_t size)
{
    size_t pos = 0;
    for (size_t i = 0; i < N_VARS; i++) {
        const uint8_t *nul = pos < size ? memchr(data + pos, 0, size - pos) : NULL;
        size_t n = pos < size ? (nul ? (size_t)(nul - data) : size) - pos : 0;
        char *v = malloc(n + 1);
        if (!v)
            abort();
        if (n)
            memcpy(v, data + pos, n);
        v[n] = '\0';
        if (n)
            setenv(vars[i], v, 1);
        else
            unsetenv(vars[i]);
        free(v);
        pos += n + 1;
    }
}

static void check_error(void)
{
    const char *e = config_env_error();
    FUZZ_PROMISE(e && strncmp(e, "BBX_", 4) == 0 && strstr(e, " is invalid: "));
    for (const char *p = e; *p; p++)
        FUZZ_PROMISE((unsigned char)*p >= 0x20 && *p != 0x7f);
}

static void check_ranges(const bbx_config *c)
{
    FUZZ_PROMISE(c->interval_ms == 0 || (c->interval_ms >= 10 && c->interval_ms <= 86400000u));
    FUZZ_PROMISE(c->at_exit == 0 || c->at_exit == 1);
    FUZZ_PROMISE(c->no_crash_handlers == 0 || c->no_crash_handlers == 1);
    FUZZ_PROMISE(c->max_files <= 1000000u);
    FUZZ_PROMISE((c->track & ~(BBX_TRACK_FD | BBX_TRACK_THREAD | BBX_TRACK_EXEC | BBX_TRACK_HEAP)) == 0);
    FUZZ_PROMISE(c->heap_sample <= (64ull << 30));
    FUZZ_PROMISE(c->track_frames <= 64);
    FUZZ_PROMISE(c->max_frames == 0 || (c->max_frames >= 8 && c->max_frames <= 1024));
    FUZZ_PROMISE(c->max_threads <= 8192 && c->breadcrumbs <= 4096);
    FUZZ_PROMISE(c->thread_signal == 0 ||
                 (c->thread_signal >= SIGRTMIN && c->thread_signal <= SIGRTMAX));
    FUZZ_PROMISE(c->snapshot_signal == 0 ||
                 config_snapshot_signal_ok(c->snapshot_signal, c->thread_signal));
    FUZZ_PROMISE((c->redact & ~(BBX_REDACT_ALL | BBX_REDACT_KEEP_SECRETS)) == 0);
    FUZZ_PROMISE(c->mem_watermark >= 0 && c->mem_watermark <= 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bbx_config c, preset;
    memset(&c, 0, sizeof(c));
    memset(&preset, 0, sizeof(preset));
    int keep = size && (data[size - 1] & 1);
    if (keep) {
        preset.thread_signal = SIGRTMIN + 1;
        preset.snapshot_signal = SIGUSR2;
        preset.interval_ms = 1000;
        preset.at_exit = 1;
        preset.max_files = 5;
        preset.max_bytes = 1 << 20;
        preset.track = BBX_TRACK_FD;
        preset.track_frames = 4;
        preset.max_frames = 16;
        preset.max_threads = 3;
        preset.breadcrumbs = 2;
        preset.no_crash_handlers = 1;
        preset.redact = BBX_REDACT_HOST;
        preset.mem_watermark = 0.5;
        c = preset;
    }
    set_vars(data, size);
    int rc = config_from_env(&c);
    FUZZ_PROMISE(rc == 0 || rc == BBX_EINVAL);
    if (keep)
        FUZZ_PROMISE(rc == 0 && memcmp(&c, &preset, sizeof(c)) == 0);
    else if (rc != 0)
        check_error();
    else
        check_ranges(&c);
    return 0;
}
