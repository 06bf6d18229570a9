/*
 * process_info_init.c - what the PROCESS record holds that cannot change
 * (host name, kernel release, clock ticks), read once at init for
 * crash/process_info.c.  Init only (sysconf).  One uname() rather than
 * six system calls on /proc/sys/kernel/{hostname,osrelease}: the same
 * strings (the UTS namespace's node name and the kernel's release), at a
 * fraction of the start-up cost (issue 13).
 */
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "collector.h"
#include "sigsafe.h"

/* src is a uname() field: NUL-terminated, shorter than dst (65 < 128). */
static void copy(char *dst, size_t cap, const char *src, size_t src_cap)
{
    size_t n = strnlen(src, src_cap < cap ? src_cap : cap - 1);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void process_info_init(void)
{
    struct utsname u;
    if (uname(&u) == 0) {
        copy(process_hostname, sizeof(process_hostname), u.nodename, sizeof(u.nodename));
        copy(process_kernel, sizeof(process_kernel), u.release, sizeof(u.release));
    } else {
        process_hostname[0] = process_kernel[0] = '\0';
    }
    bbx_g.clk_tck = sysconf(_SC_CLK_TCK);
}
