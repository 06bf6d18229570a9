/* thread_hooks.c - in progress */
typedef int bbx_placeholder_thread_hooks;
