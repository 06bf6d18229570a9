/*
 * dir_prog.c - a program with the collector built in, for the snapshot-
 * directory tests (dir_safety.py): bbx_init() with bbx_config.dir =
 * argv[1] ("-": NULL, the environment or the default decides), then one
 * snapshot.  Prints "ok PATH" (the snapshot written) or "init N" (the error
 * bbx_init() returned) on stdout; exits 0, or 3 when bbx_init() failed.
 * Built from the collector's objects, not against libbbx.so, so that a copy
 * runs from any directory, setuid too (the loader then ignores
 * LD_LIBRARY_PATH and $ORIGIN).
 */
#include <bbx.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    bbx_config cfg;
    bbx_config_init(&cfg);
    if (argc != 2) {
        fprintf(stderr, "usage: dir_prog DIR|-\n");
        return 2;
    }
    cfg.dir = strcmp(argv[1], "-") == 0 ? NULL : argv[1];
    int rc = bbx_init(&cfg);
    if (rc != 0) {
        printf("init %d\n", rc);
        return 3;
    }
    rc = bbx_snapshot("dir test");
    if (rc == 0)
        printf("ok %s\n", bbx_last_snapshot());
    else
        printf("snapshot %d\n", rc);
    bbx_shutdown();
    return rc == 0 ? 0 : 4;
}
