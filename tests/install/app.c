/* An application built outside the tree against the installed collector. */
#include <bbx.h>
#include <stdio.h>

int main(void)
{
    int rc = bbx_init(NULL);
    if (rc != 0) {
        fprintf(stderr, "bbx_init: %s\n", bbx_strerror(rc));
        return 1;
    }
    bbx_log("hello from an installed bbx");
    rc = bbx_snapshot("installed");
    printf("%s\n", rc == 0 ? bbx_last_snapshot() : bbx_strerror(rc));
    bbx_shutdown();
    return rc == 0 ? 0 : 1;
}
