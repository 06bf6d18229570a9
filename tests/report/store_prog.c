/*
 * store_prog.c - a program for the crash store page's test
 * (report_store_browser.py): `store_prog VERSION MODE` starts bbx with
 * app_version VERSION and dies in a function of its own, so that its
 * snapshots fall in groups whose crashing function and versions are known:
 *   null   a write through a null pointer in store_null_write (SIGSEGV)
 *   abort  abort() from store_check_failed (SIGABRT)
 *   fpe    a division by zero in store_divide (SIGFPE)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bbx.h>

/* Not folded away by the optimizer: the crashes must happen where named. */
volatile int store_zero;
int *volatile store_null;

__attribute__((noinline)) static void store_null_write(void)
{
    *store_null = 42;
}

__attribute__((noinline)) static void store_check_failed(const char *what)
{
    fprintf(stderr, "store_prog: check failed: %s\n", what);
    abort();
}

__attribute__((noinline)) static int store_divide(int n)
{
    return n / store_zero;
}

int main(int argc, char **argv)
{
    bbx_config c;
    if (argc != 3) {
        fprintf(stderr, "usage: store_prog VERSION null|abort|fpe\n");
        return 2;
    }
    bbx_config_init(&c);
    c.app_version = argv[1];
    int rc = bbx_init(&c);
    if (rc != 0) {
        fprintf(stderr, "store_prog: bbx_init: %s\n", bbx_strerror(rc));
        return 2;
    }
    if (!strcmp(argv[2], "null"))
        store_null_write();
    else if (!strcmp(argv[2], "abort"))
        store_check_failed(argv[1]);
    else if (!strcmp(argv[2], "fpe"))
        printf("%d\n", store_divide(argc));
    fprintf(stderr, "store_prog: unknown mode %s\n", argv[2]);
    return 2;
}
