/* crash_handler.c - in progress */
typedef int bbx_placeholder_crash_handler;
