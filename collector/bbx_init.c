/* bbx_init.c - in progress */
typedef int bbx_placeholder_bbx_init;
