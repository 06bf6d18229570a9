/*
 * gtk-app - a GTK3 sample that links libbbx and misbehaves on a click.
 *
 *   gtk-app [--mode=M] [--seconds=N] [--click-after=MS] [--quit-after=S]
 *
 * One window ("gtk-app") with a label and one button, "Do it".  A click on
 * the button (by a person, by xdotool through the X server, or by the
 * program itself with --click-after) does what --mode says:
 *
 *   crash           NULL dereference in the handler, on the UI thread
 *                   (on_button_crash -> crash_in_handler)
 *   crash-worker    the handler starts a thread "blocked-worker" with every
 *                   signal blocked (as GLib and Mesa start theirs), which
 *                   dereferences NULL (crash_in_worker)
 *   hang-spin       the handler spins on the CPU for N seconds (spin_for)
 *   hang-sleep      the handler sleeps N seconds in nanosleep (sleep_for)
 *   hang-mutex      the handler locks a mutex held by the thread "loader",
 *                   which is blocked in read() on a pipe nobody writes
 *                   (lock_shared_resource; loader_read_forever)
 *   deadlock        the handler and the thread "worker" take two mutexes in
 *                   opposite orders (ui_take_locks; worker_take_locks)
 *   freeze-recover  the handler sleeps N seconds (default 8; freeze_for),
 *                   then returns and the window is idle again
 *   leak-tick       the handler starts a tick (every 100 ms) that leaks,
 *                   each time, a file (fopen: leak_a_file), a UDP socket
 *                   (GIO's g_socket_new: leak_a_udp_socket), a thread
 *                   "leaked-worker" that never ends (g_thread_new:
 *                   leak_a_thread), all from the program's own lines, and
 *                   an X pixmap in the X server (XCreatePixmap on GDK's
 *                   display: leak_an_x_pixmap), the GDI leak of X11
 *   leak-two-sites  a tick that leaks two UDP sockets through the same GIO
 *                   call from two places of the program (leak_udp_site_a,
 *                   leak_udp_site_b): two leaks, not one
 *   idle            (default) nothing
 *
 * --seconds=N: how long hang-spin and hang-sleep (default 30) and
 * freeze-recover (default 8) last.  --click-after=MS: the program clicks
 * its own button (gtk_button_clicked) MS milliseconds after the window
 * first drew.  --quit-after=S: the main loop ends S seconds after the
 * window first drew (later if the loop is blocked then: a frozen handler
 * runs to its end first) and the program exits 0.  Both timers start at
 * the same moment, so --click-after=0 --quit-after=1 --mode=freeze-recover
 * always clicks, freezes, recovers and then quits.
 *
 * Oracle lines on stdout, each flushed at once:
 *   ready pid=N tid=T button=X,Y,W,H   the window drew for the first time;
 *                                      T is the UI thread, X,Y,W,H the
 *                                      button's box inside the window
 *   action MODE tid=T                  a click is about to do MODE
 *   thread NAME tid=T                  a worker thread of the mode started
 *   recovered seconds=N                freeze-recover: the handler returned
 *   quit                               --quit-after ended the main loop
 *
 * bbx: bbx_init() with app name "gtk-app" and version, at start; under
 * LD_PRELOAD=libbbx-preload.so it returns BBX_EALREADY and the program
 * goes on with the preload's collector (adding the version as the
 * annotation "app.version").  GTK_APP_NO_BBX=1 skips bbx_init()
 * (the program then crashes as it would without bbx, for comparison).
 *
 * The functions named above are noinline and compiled -O0, so tests find
 * them by name in the frames and their lines by a pattern in this file.
 */
#include <bbx.h>
#include <errno.h>
#include <gdk/gdkx.h>
#include <gtk/gtk.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))
#define GTK_APP_VERSION "1.0"

struct options {
    const char *mode;
    int seconds;      /* -1: the mode's default */
    int click_after;  /* milliseconds; -1: never */
    int quit_after;   /* seconds; -1: never */
};

static struct options opt = { "idle", -1, -1, -1 };
static GtkWidget *the_button;
static GtkWidget *the_label;

/* Shared by the hang-mutex and deadlock modes. */
static pthread_mutex_t resource_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static sem_t worker_ready;
static int never_written[2] = { -1, -1 };

static long current_tid(void)
{
    return (long)syscall(SYS_gettid);
}

static void say(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static void announce(void)
{
    say("action %s tid=%ld", opt.mode, current_tid());
    bbx_log("button clicked: %s", opt.mode);
}

static int seconds_or(int fallback)
{
    return opt.seconds >= 0 ? opt.seconds : fallback;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A thread named NAME running FN; exits the program if it cannot start. */
static void start_thread(void *(*fn)(void *), const char *name, int block_all)
{
    pthread_t t;
    sigset_t all, old;
    if (block_all) {
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
    }
    int rc = pthread_create(&t, NULL, fn, NULL);
    if (block_all)
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        fprintf(stderr, "gtk-app: pthread_create %s: %s\n", name, strerror(rc));
        exit(1);
    }
    pthread_setname_np(t, name);
    pthread_detach(t);
}

/* ---- crash ---------------------------------------------------------- */

NOINLINE static void crash_in_handler(void)
{
    volatile int *p = NULL;
    *p = 42; /* crash_in_handler: the fault */
}

NOINLINE static void on_button_crash(GtkButton *b, gpointer data)
{
    announce();
    crash_in_handler();
}

/* ---- crash-worker --------------------------------------------------- */

NOINLINE static void crash_in_worker(void)
{
    volatile int *p = NULL;
    *p = 7; /* crash_in_worker: the fault */
}

NOINLINE static void *blocked_worker_main(void *arg)
{
    pthread_setname_np(pthread_self(), "blocked-worker");
    say("thread blocked-worker tid=%ld", current_tid());
    crash_in_worker();
    return NULL;
}

NOINLINE static void on_button_crash_worker(GtkButton *b, gpointer data)
{
    announce();
    start_thread(blocked_worker_main, "blocked-worker", 1);
}

/* ---- hang-spin ------------------------------------------------------ */

NOINLINE static void spin_for(int seconds)
{
    volatile unsigned long spins = 0;
    double end = now_seconds() + seconds;
    while (now_seconds() < end) /* spin_for: the busy loop */
        spins++;
}

NOINLINE static void on_button_hang_spin(GtkButton *b, gpointer data)
{
    announce();
    spin_for(seconds_or(30));
}

/* ---- hang-sleep ----------------------------------------------------- */

NOINLINE static void sleep_for(int seconds)
{
    struct timespec left = { seconds, 0 };
    while (nanosleep(&left, &left) != 0 && errno == EINTR) /* sleep_for: the sleep */
        continue;
}

NOINLINE static void on_button_hang_sleep(GtkButton *b, gpointer data)
{
    announce();
    sleep_for(seconds_or(30));
}

/* ---- hang-mutex ----------------------------------------------------- */

NOINLINE static void loader_read_forever(void)
{
    char c;
    /* Nobody writes never_written[1]: read() blocks for good. */
    while (read(never_written[0], &c, 1) < 0 && errno == EINTR) /* loader: the read */
        continue;
}

NOINLINE static void *loader_main(void *arg)
{
    pthread_setname_np(pthread_self(), "loader");
    pthread_mutex_lock(&resource_lock);
    say("thread loader tid=%ld", current_tid());
    sem_post(&worker_ready);
    loader_read_forever();
    pthread_mutex_unlock(&resource_lock);
    return NULL;
}

/* Before the window shows: the loader holds resource_lock from then on. */
static void start_loader(void)
{
    if (pipe(never_written) != 0) {
        perror("gtk-app: pipe");
        exit(1);
    }
    start_thread(loader_main, "loader", 0);
    while (sem_wait(&worker_ready) != 0)
        continue;
}

NOINLINE static void lock_shared_resource(void)
{
    pthread_mutex_lock(&resource_lock); /* lock_shared_resource: blocks */
    pthread_mutex_unlock(&resource_lock);
}

NOINLINE static void on_button_hang_mutex(GtkButton *b, gpointer data)
{
    announce();
    lock_shared_resource();
}

/* ---- deadlock ------------------------------------------------------- */

NOINLINE static void worker_take_locks(void)
{
    pthread_mutex_lock(&lock_a);
    sem_post(&worker_ready);
    pthread_mutex_lock(&lock_b); /* worker_take_locks: blocks on B */
    pthread_mutex_unlock(&lock_b);
    pthread_mutex_unlock(&lock_a);
}

NOINLINE static void *deadlock_worker_main(void *arg)
{
    pthread_setname_np(pthread_self(), "worker");
    say("thread worker tid=%ld", current_tid());
    worker_take_locks();
    return NULL;
}

NOINLINE static void ui_take_locks(void)
{
    pthread_mutex_lock(&lock_b);
    start_thread(deadlock_worker_main, "worker", 0);
    while (sem_wait(&worker_ready) != 0) /* until the worker holds A */
        continue;
    pthread_mutex_lock(&lock_a); /* ui_take_locks: blocks on A */
    pthread_mutex_unlock(&lock_a);
    pthread_mutex_unlock(&lock_b);
}

NOINLINE static void on_button_deadlock(GtkButton *b, gpointer data)
{
    announce();
    ui_take_locks();
}

/* ---- freeze-recover ------------------------------------------------- */

NOINLINE static void freeze_for(int seconds)
{
    struct timespec left = { seconds, 0 };
    while (nanosleep(&left, &left) != 0 && errno == EINTR) /* freeze_for: the sleep */
        continue;
}

NOINLINE static void on_button_freeze_recover(GtkButton *b, gpointer data)
{
    announce();
    int seconds = seconds_or(8);
    freeze_for(seconds);
    say("recovered seconds=%d", seconds);
    gtk_label_set_text(GTK_LABEL(the_label), "recovered");
}

/* ---- leak-tick and leak-two-sites ------------------------------------ */

NOINLINE static void leak_a_file(void)
{
    FILE *f = fopen("/proc/self/stat", "r"); /* leak_a_file: the fopen */
    (void)f;
}

/* The arguments of g_socket_new() for a UDP socket (one line per call site,
 * so the call's line is the marked one). */
#define UDP_SOCKET G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP

NOINLINE static void leak_a_udp_socket(void)
{
    GSocket *s = g_socket_new(UDP_SOCKET, NULL); /* leak_a_udp_socket: g_socket_new */
    (void)s;
}

NOINLINE static gpointer leaked_worker_main(gpointer data)
{
    for (;;)
        pause();
    return NULL;
}

NOINLINE static void leak_a_thread(void)
{
    GThread *t =
        g_thread_new("leaked-worker", leaked_worker_main, NULL); /* leak_a_thread: g_thread_new */
    (void)t;
}

NOINLINE static void leak_udp_site_a(void)
{
    GSocket *s = g_socket_new(UDP_SOCKET, NULL); /* leak_udp_site_a: g_socket_new */
    (void)s;
}

NOINLINE static void leak_udp_site_b(void)
{
    GSocket *s = g_socket_new(UDP_SOCKET, NULL); /* leak_udp_site_b: g_socket_new */
    (void)s;
}

/* A 32x32 pixmap of the screen's depth, held by this client in the X
 * server and never freed: no fd, no thread, invisible but to the server. */
NOINLINE static void leak_an_x_pixmap(void)
{
    GdkDisplay *gd = gdk_display_get_default();
    if (!GDK_IS_X11_DISPLAY(gd))
        return;
    Display *dpy = gdk_x11_display_get_xdisplay(gd);
    Window root = DefaultRootWindow(dpy);
    XCreatePixmap(dpy, root, 32, 32, (unsigned)DefaultDepth(dpy, DefaultScreen(dpy)));
    XFlush(dpy);
}

static gboolean leak_tick(gpointer data)
{
    leak_a_file();
    leak_a_udp_socket();
    leak_a_thread();
    leak_an_x_pixmap();
    return G_SOURCE_CONTINUE;
}

static gboolean leak_two_sites_tick(gpointer data)
{
    leak_udp_site_a();
    leak_udp_site_b();
    return G_SOURCE_CONTINUE;
}

NOINLINE static void on_button_leak_tick(GtkButton *b, gpointer data)
{
    announce();
    g_timeout_add(100, leak_tick, NULL);
}

NOINLINE static void on_button_leak_two_sites(GtkButton *b, gpointer data)
{
    announce();
    g_timeout_add(100, leak_two_sites_tick, NULL);
}

/* ---- idle ----------------------------------------------------------- */

NOINLINE static void on_button_idle(GtkButton *b, gpointer data)
{
    announce();
}

/* ---- the window ----------------------------------------------------- */

struct mode {
    const char *name;
    void (*handler)(GtkButton *, gpointer);
};

static const struct mode modes[] = {
    { "crash", on_button_crash },
    { "crash-worker", on_button_crash_worker },
    { "hang-spin", on_button_hang_spin },
    { "hang-sleep", on_button_hang_sleep },
    { "hang-mutex", on_button_hang_mutex },
    { "deadlock", on_button_deadlock },
    { "freeze-recover", on_button_freeze_recover },
    { "leak-tick", on_button_leak_tick },
    { "leak-two-sites", on_button_leak_two_sites },
    { "idle", on_button_idle },
};

static const struct mode *find_mode(const char *name)
{
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++)
        if (strcmp(modes[i].name, name) == 0)
            return &modes[i];
    return NULL;
}

static gboolean click_own_button(gpointer data)
{
    gtk_button_clicked(GTK_BUTTON(the_button));
    return G_SOURCE_REMOVE;
}

static gboolean quit_main_loop(gpointer data)
{
    say("quit");
    gtk_main_quit();
    return G_SOURCE_REMOVE;
}

/* After the first frame reached the X server: tell the tests. */
static gboolean report_ready(gpointer window)
{
    int x = 0, y = 0;
    GtkAllocation a;
    gdk_display_flush(gdk_display_get_default());
    gtk_widget_get_allocation(the_button, &a);
    gtk_widget_translate_coordinates(the_button, GTK_WIDGET(window), 0, 0, &x, &y);
    say("ready pid=%ld tid=%ld button=%d,%d,%d,%d", (long)getpid(), current_tid(), x, y,
        a.width, a.height);
    if (opt.click_after >= 0)
        g_timeout_add((guint)opt.click_after, click_own_button, NULL);
    if (opt.quit_after >= 0)
        g_timeout_add((guint)opt.quit_after * 1000u, quit_main_loop, NULL);
    return G_SOURCE_REMOVE;
}

static gboolean on_first_draw(GtkWidget *window, cairo_t *cr, gpointer data)
{
    static int drawn;
    if (!drawn) {
        drawn = 1;
        g_idle_add(report_ready, window);
    }
    return FALSE;
}

static void build_window(const struct mode *m)
{
    GtkWidget *window = gtk_window_new(GTK_WINDOW_TOPLEVEL);
    gtk_window_set_title(GTK_WINDOW(window), "gtk-app");
    gtk_window_set_default_size(GTK_WINDOW(window), 320, 160);
    g_signal_connect(window, "destroy", G_CALLBACK(gtk_main_quit), NULL);
    g_signal_connect_after(window, "draw", G_CALLBACK(on_first_draw), NULL);

    GtkWidget *box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
    gtk_container_set_border_width(GTK_CONTAINER(box), 16);
    char text[96];
    snprintf(text, sizeof text, "bbx GTK sample, mode %s", m->name);
    the_label = gtk_label_new(text);
    the_button = gtk_button_new_with_label("Do it");
    g_signal_connect(the_button, "clicked", G_CALLBACK(m->handler), NULL);
    gtk_box_pack_start(GTK_BOX(box), the_label, FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(box), the_button, TRUE, TRUE, 0);
    gtk_container_add(GTK_CONTAINER(window), box);
    gtk_widget_show_all(window);
    gtk_widget_grab_focus(the_button); /* Return or space clicks it too */
}

/* ---- start ---------------------------------------------------------- */

static void usage(const char *why)
{
    fprintf(stderr, "gtk-app: %s\n"
            "usage: gtk-app [--mode=crash|crash-worker|hang-spin|hang-sleep|hang-mutex|"
            "deadlock|freeze-recover|leak-tick|leak-two-sites|idle] [--seconds=N] [--click-after=MS] "
            "[--quit-after=S]\n", why);
    exit(2);
}

/* A non-negative decimal number for option NAME, or usage(). */
static int number(const char *name, const char *text)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (errno || end == text || *end || v < 0 || v > 2000000L) {
        char why[128];
        snprintf(why, sizeof why, "%s wants a non-negative number, not '%s'", name, text);
        usage(why);
    }
    return (int)v;
}

static void parse_options(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--mode=", 7) == 0)
            opt.mode = a + 7;
        else if (strncmp(a, "--seconds=", 10) == 0)
            opt.seconds = number("--seconds", a + 10);
        else if (strncmp(a, "--click-after=", 14) == 0)
            opt.click_after = number("--click-after", a + 14);
        else if (strncmp(a, "--quit-after=", 13) == 0)
            opt.quit_after = number("--quit-after", a + 13);
        else {
            char why[128];
            snprintf(why, sizeof why, "unknown argument '%s'", a);
            usage(why);
        }
    }
}

/* bbx_init() unless GTK_APP_NO_BBX=1; BBX_EALREADY (the preload started
 * it) is fine, another error is said once and the program goes on. */
static void start_bbx(void)
{
    const char *off = getenv("GTK_APP_NO_BBX");
    if (off && strcmp(off, "1") == 0)
        return;
    bbx_config cfg;
    bbx_config_init(&cfg);
    cfg.app_name = "gtk-app";
    cfg.app_version = GTK_APP_VERSION;
    int rc = bbx_init(&cfg);
    if (rc == BBX_EALREADY) /* libbbx-preload.so started it: name the version */
        bbx_annotate("app.version", GTK_APP_VERSION);
    else if (rc != 0)
        fprintf(stderr, "gtk-app: bbx_init: %s (going on without bbx)\n", bbx_strerror(rc));
}

int main(int argc, char **argv)
{
    start_bbx();
    gtk_init(&argc, &argv);
    parse_options(argc, argv);
    const struct mode *m = find_mode(opt.mode);
    if (!m) {
        char why[128];
        snprintf(why, sizeof why, "unknown mode '%s'", opt.mode);
        usage(why);
    }
    sem_init(&worker_ready, 0, 0);
    if (strcmp(m->name, "hang-mutex") == 0)
        start_loader();
    build_window(m);
    gtk_main();
    return 0;
}
