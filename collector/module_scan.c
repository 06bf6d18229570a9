/* module_scan.c - in progress */
typedef int bbx_placeholder_module_scan;
