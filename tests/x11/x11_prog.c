/*
 * x11_prog.c - an X client for the X resource tests (tests/x11): it opens
 * an X connection (libxcb, linked), maps a small window and then, by mode:
 *   leak    creates one 64x64 pixmap every tick and never frees it;
 *   fixed   creates 8 pixmaps and 2 GCs once, then only ticks (no X
 *           request after that: a stopped X server does not stop it);
 *   none    no X at all (run without DISPLAY): only ticks.
 * Ticks are 50 ms (leak: a round trip each, so the server has the
 * requests); it runs `ticks` ticks, then exits normally.  It prints
 * "pid N" first, "ready" once its setup reached the server, "done" last.
 * bbx comes with LD_PRELOAD.
 * Usage: x11_prog MODE TICKS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xcb/xcb.h>

static void tick(void)
{
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    nanosleep(&ts, NULL);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: x11_prog leak|fixed|none TICKS\n");
        return 2;
    }
    const char *mode = argv[1];
    int ticks = atoi(argv[2]);
    printf("pid %d\n", (int)getpid());
    fflush(stdout);
    if (strcmp(mode, "none") == 0) {
        for (int i = 0; i < ticks; i++)
            tick();
        printf("done\n");
        return 0;
    }
    xcb_connection_t *c = xcb_connect(NULL, NULL);
    if (xcb_connection_has_error(c)) {
        fprintf(stderr, "x11_prog: cannot connect to the X server\n");
        return 1;
    }
    xcb_screen_t *scr = xcb_setup_roots_iterator(xcb_get_setup(c)).data;
    xcb_window_t win = xcb_generate_id(c);
    xcb_create_window(c, XCB_COPY_FROM_PARENT, win, scr->root, 0, 0, 100, 100, 0,
                      XCB_WINDOW_CLASS_INPUT_OUTPUT, scr->root_visual, 0, NULL);
    xcb_map_window(c, win);
    if (strcmp(mode, "fixed") == 0) {
        for (int i = 0; i < 8; i++)
            xcb_create_pixmap(c, scr->root_depth, xcb_generate_id(c), win, 64, 64);
        for (int i = 0; i < 2; i++)
            xcb_create_gc(c, xcb_generate_id(c), win, 0, NULL);
    }
    free(xcb_get_input_focus_reply(c, xcb_get_input_focus(c), NULL)); /* a round trip */
    printf("ready\n");
    fflush(stdout);
    int leak = strcmp(mode, "leak") == 0;
    for (int i = 0; i < ticks; i++) {
        if (leak) {
            xcb_create_pixmap(c, scr->root_depth, xcb_generate_id(c), win, 64, 64);
            free(xcb_get_input_focus_reply(c, xcb_get_input_focus(c), NULL));
        }
        tick();
    }
    printf("done\n");
    fflush(stdout);
    xcb_disconnect(c);
    return 0;
}
