/* thread_capture.c - in progress */
typedef int bbx_placeholder_thread_capture;
