/*
 * test_api.c - Check tests of libbbx's public calls: lifecycle, safety
 * before init and after shutdown, configuration and environment, the
 * output directory and files, breadcrumbs and annotations as read back.
 * Each test runs in its own process (Check's fork mode).
 */
#include <bbx.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "snap_format.h"
#include "snap_reader.h"
#include "unit_run.h"

static char scratch[64];

static void make_scratch(void)
{
    snprintf(scratch, sizeof(scratch), "/tmp/bbx-api-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(scratch));
    unsetenv("BBX_DIR");
    unsetenv("BBX_APP");
}

static void remove_scratch(void)
{
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
    ck_assert_int_eq(system(cmd), 0);
}

static int count_files(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    if (!d)
        return -1;
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name), s = strlen(suffix);
        n += l > s && strcmp(e->d_name + l - s, suffix) == 0;
    }
    closedir(d);
    return n;
}

static snap *read_last(void)
{
    char err[256];
    const char *path = bbx_last_snapshot();
    ck_assert_ptr_nonnull(path);
    snap *s = snap_read_file(path, err, sizeof(err));
    ck_assert_msg(s != NULL, "%s: %s", path, err);
    ck_assert(s->complete);
    return s;
}

START_TEST(calls_before_init_are_harmless)
{
    ck_assert_int_eq(bbx_snapshot("x"), BBX_ENOTINIT);
    ck_assert_int_eq(bbx_annotate("k", "v"), BBX_ENOTINIT);
    bbx_log("nothing %d", 1);
    bbx_log_raw("nothing");
    bbx_shutdown();
    ck_assert_ptr_null(bbx_last_snapshot());
    ck_assert_str_eq(bbx_strerror(BBX_EBUSY), "another snapshot is in progress");
    ck_assert_str_eq(bbx_strerror(12345), "unknown error");
}
END_TEST

START_TEST(lifecycle)
{
    bbx_config cfg;
    make_scratch();
    bbx_config_init(&cfg);
    cfg.dir = scratch;
    cfg.app_name = "api test/app";
    ck_assert_int_eq(bbx_init(&cfg), 0);
    ck_assert_int_eq(bbx_init(&cfg), BBX_EALREADY);
    ck_assert_int_eq(bbx_snapshot("first"), 0);
    const char *p = bbx_last_snapshot();
    ck_assert_ptr_nonnull(p);
    /* <app>-<pid>-<time>-<trigger>.bbx, the app name made file-safe */
    char want[64];
    snprintf(want, sizeof(want), "/api_test_app-%d-", (int)getpid());
    ck_assert_msg(strstr(p, want) != NULL, "%s", p);
    ck_assert(strstr(p, "-request.bbx") != NULL);
    struct stat st;
    ck_assert_int_eq(stat(p, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(count_files(scratch, ".tmp"), 0);
    bbx_shutdown();
    ck_assert_int_eq(bbx_snapshot("after"), BBX_ENOTINIT);
    bbx_shutdown(); /* twice: harmless */
    /* and again */
    ck_assert_int_eq(bbx_init(&cfg), 0);
    ck_assert_int_eq(bbx_snapshot("second"), 0);
    ck_assert_int_eq(bbx_snapshot("third"), 0);
    ck_assert_int_eq(count_files(scratch, ".bbx"), 3);
    bbx_shutdown();
    remove_scratch();
}
END_TEST

START_TEST(dir_from_environment_created_private)
{
    char dir[128];
    make_scratch();
    snprintf(dir, sizeof(dir), "%s/a/b/snaps", scratch);
    setenv("BBX_DIR", dir, 1);
    setenv("BBX_APP", "envapp", 1);
    ck_assert_int_eq(bbx_init(NULL), 0);
    struct stat st;
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    ck_assert_int_eq(bbx_snapshot(NULL), 0);
    ck_assert(strstr(bbx_last_snapshot(), "/envapp-") != NULL);
    snap *s = read_last();
    ck_assert_str_eq(s->trigger.reason, "bbx_snapshot");
    ck_assert_str_eq(s->process.app, "envapp");
    snap_free(s);
    bbx_shutdown();
    remove_scratch();
}
END_TEST

START_TEST(relative_dir_survives_chdir)
{
    char want[128], cwd[256];
    make_scratch();
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
    ck_assert_int_eq(chdir(scratch), 0);
    setenv("BBX_DIR", "rel/snaps", 1);
    ck_assert_int_eq(bbx_init(NULL), 0);
    ck_assert_int_eq(chdir("/"), 0);
    ck_assert_int_eq(bbx_snapshot("moved"), 0);
    snprintf(want, sizeof(want), "%s/rel/snaps/", scratch);
    ck_assert_msg(strstr(bbx_last_snapshot(), want) != NULL, "%s", bbx_last_snapshot());
    bbx_shutdown();
    ck_assert_int_eq(chdir(cwd), 0);
    remove_scratch();
}
END_TEST

START_TEST(default_dir_is_per_user_state)
{
    char home[128], want[160];
    make_scratch();
    snprintf(home, sizeof(home), "%s/home", scratch);
    mkdir(home, 0700);
    setenv("HOME", home, 1);
    unsetenv("XDG_STATE_HOME");
    ck_assert_int_eq(bbx_init(NULL), 0);
    ck_assert_int_eq(bbx_snapshot("x"), 0);
    snprintf(want, sizeof(want), "%s/.local/state/bbx/", home);
    ck_assert_msg(strncmp(bbx_last_snapshot(), want, strlen(want)) == 0, "%s",
                  bbx_last_snapshot());
    bbx_shutdown();
    remove_scratch();
}
END_TEST

START_TEST(unusable_dir_is_refused)
{
    char file[128];
    bbx_config cfg;
    make_scratch();
    snprintf(file, sizeof(file), "%s/plain-file", scratch);
    int fd = open(file, O_WRONLY | O_CREAT, 0600);
    close(fd);
    bbx_config_init(&cfg);
    cfg.dir = file;
    ck_assert_int_eq(bbx_init(&cfg), BBX_EDIR);
    ck_assert_int_eq(bbx_snapshot("x"), BBX_ENOTINIT);
    /* nothing stays installed: a later init works */
    cfg.dir = scratch;
    ck_assert_int_eq(bbx_init(&cfg), 0);
    bbx_shutdown();
    remove_scratch();
}
END_TEST

START_TEST(bad_config_is_refused)
{
    bbx_config cfg;
    make_scratch();
    bbx_config_init(&cfg);
    cfg.dir = scratch;
    cfg.thread_signal = SIGUSR1; /* not a real-time signal */
    ck_assert_int_eq(bbx_init(&cfg), BBX_EINVAL);
    remove_scratch();
}
END_TEST

START_TEST(breadcrumb_ring_keeps_the_last)
{
    bbx_config cfg;
    make_scratch();
    bbx_config_init(&cfg);
    cfg.dir = scratch;
    cfg.breadcrumbs = 4;
    ck_assert_int_eq(bbx_init(&cfg), 0);
    for (int i = 0; i < 10; i++)
        bbx_log("crumb %d", i);
    char longer[600];
    memset(longer, 'x', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    bbx_log_raw(longer);
    ck_assert_int_eq(bbx_snapshot("crumbs"), 0);
    snap *s = read_last();
    ck_assert_uint_eq(s->n_breadcrumbs, 4);
    ck_assert_str_eq(s->breadcrumbs[0].text, "crumb 7");
    ck_assert_str_eq(s->breadcrumbs[2].text, "crumb 9");
    ck_assert_uint_eq(strlen(s->breadcrumbs[3].text), 255); /* cut, not overflowed */
    ck_assert_uint_eq(s->breadcrumbs[0].tid, (uint64_t)getpid());
    ck_assert_uint_gt(s->breadcrumbs[0].time_ms, 1600000000000ull);
    snap_free(s);
    bbx_shutdown();
    remove_scratch();
}
END_TEST

START_TEST(annotations_set_replace_remove)
{
    bbx_config cfg;
    char key[16];
    make_scratch();
    bbx_config_init(&cfg);
    cfg.dir = scratch;
    cfg.app_version = "9.8.7";
    ck_assert_int_eq(bbx_init(&cfg), 0);
    ck_assert_int_eq(bbx_annotate("user", "alice"), 0);
    ck_assert_int_eq(bbx_annotate("user", "bob"), 0);
    ck_assert_int_eq(bbx_annotate("gone", "soon"), 0);
    ck_assert_int_eq(bbx_annotate("gone", NULL), 0);
    ck_assert_int_eq(bbx_annotate("", "x"), BBX_EINVAL);
    ck_assert_int_eq(bbx_annotate(NULL, "x"), BBX_EINVAL);
    int added = 0;
    for (int i = 0; i < 70; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        added += bbx_annotate(key, "v") == 0;
    }
    ck_assert_int_eq(added, 64 - 2); /* app.version and user hold two slots */
    ck_assert_int_eq(bbx_snapshot("annotations"), 0);
    snap *s = read_last();
    int user = 0, version = 0, gone = 0;
    for (size_t i = 0; i < s->n_annotations; i++) {
        user += strcmp(s->annotations[i].key, "user") == 0 &&
                strcmp(s->annotations[i].value, "bob") == 0;
        version += strcmp(s->annotations[i].key, "app.version") == 0 &&
                   strcmp(s->annotations[i].value, "9.8.7") == 0;
        gone += strcmp(s->annotations[i].key, "gone") == 0;
    }
    ck_assert_int_eq(user, 1);
    ck_assert_int_eq(version, 1);
    ck_assert_int_eq(gone, 0);
    ck_assert_uint_eq(s->n_annotations, 64);
    snap_free(s);
    bbx_shutdown();
    remove_scratch();
}
END_TEST

static void *snapshot_loop(void *arg)
{
    int *ok = arg;
    for (int i = 0; i < 20; i++) {
        int rc = bbx_snapshot("race");
        if (rc == 0)
            ok[0]++;
        else if (rc == BBX_EBUSY)
            ok[1]++;
        else
            ok[2]++;
    }
    return NULL;
}

START_TEST(concurrent_snapshots_serialise)
{
    bbx_config cfg;
    pthread_t t[3];
    int counts[3][3] = { { 0 } };
    make_scratch();
    bbx_config_init(&cfg);
    cfg.dir = scratch;
    ck_assert_int_eq(bbx_init(&cfg), 0);
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, snapshot_loop, counts[i]);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    int ok = 0, other = 0;
    for (int i = 0; i < 3; i++) {
        ok += counts[i][0];
        other += counts[i][2];
    }
    ck_assert_int_eq(other, 0); /* only success or "busy" */
    ck_assert_int_ge(ok, 1);
    ck_assert_int_eq(count_files(scratch, ".bbx"), ok);
    ck_assert_int_eq(count_files(scratch, ".tmp"), 0);
    bbx_shutdown();
    remove_scratch();
}
END_TEST

static Suite *api_suite(void)
{
    Suite *s = suite_create("collector_api");
    TCase *tc = tcase_create("api");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, calls_before_init_are_harmless);
    tcase_add_test(tc, lifecycle);
    tcase_add_test(tc, dir_from_environment_created_private);
    tcase_add_test(tc, relative_dir_survives_chdir);
    tcase_add_test(tc, default_dir_is_per_user_state);
    tcase_add_test(tc, unusable_dir_is_refused);
    tcase_add_test(tc, bad_config_is_refused);
    tcase_add_test(tc, breadcrumb_ring_keeps_the_last);
    tcase_add_test(tc, annotations_set_replace_remove);
    tcase_add_test(tc, concurrent_snapshots_serialise);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(api_suite());
}
