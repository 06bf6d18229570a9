/* capture.c - in progress */
typedef int bbx_placeholder_capture;
