/*
 * hostile_prog.c - a program whose snapshot carries markup and bytes that
 * are not UTF-8 in every string a user can set: an annotation key and
 * value, breadcrumbs, a thread name and an open file's path.  It opens
 * DIR/<name> (DIR from argv[1]), names its main thread, takes one snapshot
 * on request and exits.  report_hostile.py checks that `bbx report` shows
 * all of it as text.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include <bbx.h>

#define MARKUP "<script>alert(1)</script><img src=x onerror=alert(2)>"

int main(int argc, char **argv)
{
    char path[4096];
    if (argc != 2) {
        fprintf(stderr, "usage: hostile_prog DIR\n");
        return 2;
    }
    int rc = bbx_init(NULL);
    if (rc != 0) {
        fprintf(stderr, "hostile_prog: bbx_init: %s\n", bbx_strerror(rc));
        return 2;
    }
    snprintf(path, sizeof(path), "%s/<b>bold&amp;\"q'\xff.txt", argv[1]);
    int fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror("hostile_prog: open");
        return 2;
    }
    pthread_setname_np(pthread_self(), "<i>x</i>\"'");
    bbx_annotate("<key onclick=x>", MARKUP "\xc3\x28");
    bbx_log_raw("crumb " MARKUP);
    bbx_log_raw("bytes \x01\x1b[31m\xfe\xff end");
    rc = bbx_snapshot("reason " MARKUP);
    printf("snapshot %s\n", rc == 0 ? bbx_last_snapshot() : bbx_strerror(rc));
    close(fd);
    unlink(path);
    bbx_shutdown();
    return rc == 0 ? 0 : 1;
}
