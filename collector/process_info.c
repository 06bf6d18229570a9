/* process_info.c - in progress */
typedef int bbx_placeholder_process_info;
