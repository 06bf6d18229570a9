/*
 * process_info_init.c - what the PROCESS record holds that cannot change
 * (host name, kernel release, clock ticks), read once at init for
 * crash/process_info.c.  Init only (sysconf).
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "collector.h"
#include "sigsafe.h"

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
        s[--n] = '\0';
}

void process_info_init(void)
{
    if (ss_read_file(AT_FDCWD, "/proc/sys/kernel/hostname", process_hostname,
                     sizeof(process_hostname)) < 0)
        process_hostname[0] = '\0';
    if (ss_read_file(AT_FDCWD, "/proc/sys/kernel/osrelease", process_kernel,
                     sizeof(process_kernel)) < 0)
        process_kernel[0] = '\0';
    chomp(process_hostname);
    chomp(process_kernel);
    bbx_g.clk_tck = sysconf(_SC_CLK_TCK);
}
