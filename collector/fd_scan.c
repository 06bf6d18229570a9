/* fd_scan.c - in progress */
typedef int bbx_placeholder_fd_scan;
