/*
 * report_html_flame.c - the flame graphs of the `bbx report` page: the
 * threads' stacks over every snapshot given, and in tracking mode the
 * creation stacks of the fds open in the last one.  flame_collect.h builds
 * the sets, flame_svg.h writes each as an <svg> element made to be inlined
 * (its ids are unique, its script is one closure).
 */
#include <stdlib.h>
#include <string.h>

#include "flame_collect.h"
#include "flame_svg.h"
#include "html_escape.h"
#include "report_html_parts.h"

#define FLAME_WIDTH 1200

/* A flame graph in a <figure>, of `fs`, or built from snapshot s when fs
 * is NULL; a sentence instead when there is nothing to draw or the set
 * cannot be built.  -1 only when memory ran out. */
static int flame_figure(FILE *out, const flame_set *fs, const snap *s, enum flame_what what,
                        sym_session *ss, const char *caption)
{
    flame_options fo = { what, 0, 1, ss, 0, 0 };
    flame_svg_options so = { FLAME_WIDTH, 0, caption };
    flame_set *own = NULL;
    char err[256];
    fprintf(out, "<figure class=\"flame\">\n<figcaption>%s</figcaption>\n", caption);
    if (!fs) {
        snap *one[1] = { (snap *)s };
        if (!(fs = own = flame_from_snapshots(one, 1, &fo, err, sizeof(err)))) {
            fputs("<p class=\"dim\">No flame graph: ", out);
            html_put(out, err, "");
            fputs("</p>\n</figure>\n", out);
            return strstr(err, "out of memory") ? -1 : 0;
        }
    }
    int rc = 0;
    if (!fs->n_stacks)
        fputs("<p class=\"dim\">No stacks to draw.</p>\n", out);
    else if (flame_write_svg(fs, NULL, &so, out) < 0)
        rc = -1;
    fputs("\n</figure>\n", out);
    flame_set_free(own);
    return rc;
}

int html_flame_section(FILE *out, const flame_set *stacks, size_t n, const snap *last,
                       sym_session *ss)
{
    fputs("<section id=\"flame\">\n<h2>Flame graph</h2>\n<p class=\"dim\">Click a frame to "
          "zoom into it; the search box highlights matching frames (needs scripts).</p>\n",
          out);
    if (flame_figure(out, stacks, last, FLAME_STACKS, ss,
                     n > 1 ? "Thread stacks, all snapshots" : "Thread stacks") < 0)
        return -1;
    if (((last->capture.tracking & 1) || last->n_origins) &&
        flame_figure(out, NULL, last, FLAME_FD_ORIGINS, ss,
                     "Creation stacks of the open fds (last snapshot)") < 0)
        return -1;
    fputs("</section>\n", out);
    return 0;
}
