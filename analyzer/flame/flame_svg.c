/*
 * flame_svg.c - the SVG flame graph: builds the frame tree of a flame set,
 * lays it out (x by share of the total count, y by depth, root at the
 * bottom), drops frames narrower than a pixel and writes the document with
 * its style and the script of flame_svg_script.c.
 *
 * The tree is never built whole: stacks are sorted by their frames (frames
 * ranked by name, so siblings come out in alphabetical order), so every node
 * is a run of consecutive stacks and only nodes wide enough to be drawn are
 * made.  A differential graph sorts the base stacks the same way and walks
 * both runs side by side.
 */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "flame_svg.h"
#include "flame_svg_script.h"
#include "grow_array.h"
#include "hash_fnv.h"
#include "html_escape.h"
#include "utf8.h"

#define SVG_DEFAULT_WIDTH 1200u
#define SVG_MIN_WIDTH 200u
#define SVG_PAD 10.0        /* left and right margins, px */
#define SVG_ROW 16.0        /* one depth level, px */
#define SVG_BAR 15.0        /* a frame's height, px */
#define SVG_TOP 56.0        /* title and controls above the graph */
#define SVG_BOTTOM 28.0     /* the status line below it */
#define SVG_CHAR_PX 7.2     /* width of a 12px monospace character */
#define SVG_MIN_FRAME_PX 1.0
#define NAME_MAX_LEN 1024

#define RANK_END UINT32_MAX     /* the stack has no frame at this depth */
#define RANK_ABSENT (UINT32_MAX - 1) /* a base frame not in the current set */

/* A stack with the rank table of its set, for sorting without globals. */
typedef struct svg_stack {
    const flame_stack *s;
    const uint32_t *rank;  /* frame index -> rank */
    size_t n_frames;       /* size of rank[] */
} svg_stack;

/* A drawn node: the run of stacks under it, its position and counts. */
typedef struct svg_node {
    size_t lo, hi;         /* current stacks */
    size_t blo, bhi;       /* base stacks */
    uint32_t rank;         /* RANK_END for the root */
    uint32_t depth;        /* 0 for the root */
    uint64_t left;         /* x, in counts from the left edge */
    uint64_t count;
    uint64_t base;
} svg_node;

typedef struct svg_nodes {
    svg_node *v;
    size_t n, cap;
} svg_nodes;

/* A frame with its display name, for ranking. */
typedef struct svg_named {
    char *name;
    const flame_frame *f;
    uint32_t index;
} svg_named;

static int cmp_str(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

static int cmp_named(const void *pa, const void *pb)
{
    const svg_named *a = pa, *b = pb;
    int c = strcmp(a->name, b->name);
    if (!c)
        c = cmp_str(a->f->file, b->f->file);
    if (!c)
        c = (a->f->line > b->f->line) - (a->f->line < b->f->line);
    if (!c)
        c = cmp_str(a->f->module, b->f->module);
    if (!c)
        c = (a->index > b->index) - (a->index < b->index);
    return c;
}

static uint32_t rank_at(const svg_stack *st, size_t d)
{
    uint32_t fi;

    if (d >= st->s->depth)
        return RANK_END;
    fi = st->s->frames[d];
    return fi < st->n_frames ? st->rank[fi] : RANK_ABSENT;
}

/* Lexicographic by rank; a stack that ends sorts before its extensions. */
static int cmp_stack(const void *pa, const void *pb)
{
    const svg_stack *a = pa, *b = pb;
    size_t n = a->s->depth < b->s->depth ? a->s->depth : b->s->depth;

    for (size_t d = 0; d < n; d++) {
        uint32_t ra = rank_at(a, d), rb = rank_at(b, d);
        if (ra != rb)
            return ra < rb ? -1 : 1;
    }
    return (a->s->depth > b->s->depth) - (a->s->depth < b->s->depth);
}

/* rank[] of fs's frames by display name; names[] in rank order. */
static svg_named *rank_frames(const flame_set *fs, int with_module, uint32_t *rank)
{
    svg_named *named = calloc(fs->n_frames ? fs->n_frames : 1, sizeof *named);
    char buf[NAME_MAX_LEN];

    if (!named)
        return NULL;
    for (size_t i = 0; i < fs->n_frames; i++) {
        named[i].name = strdup(flame_frame_name(&fs->frames[i], with_module, buf, sizeof buf));
        named[i].f = &fs->frames[i];
        named[i].index = (uint32_t)i;
        if (!named[i].name) {
            for (size_t j = 0; j < i; j++)
                free(named[j].name);
            free(named);
            return NULL;
        }
    }
    qsort(named, fs->n_frames, sizeof *named, cmp_named);
    for (size_t i = 0; i < fs->n_frames; i++)
        rank[named[i].index] = (uint32_t)i;
    return named;
}

static void free_named(svg_named *named, size_t n)
{
    if (!named)
        return;
    for (size_t i = 0; i < n; i++)
        free(named[i].name);
    free(named);
}

static int same_frame(const flame_frame *a, const flame_frame *b)
{
    return !cmp_str(a->function, b->function) && !cmp_str(a->file, b->file) &&
           a->line == b->line && !cmp_str(a->module, b->module) &&
           a->inlined == b->inlined &&
           (a->function || a->address == b->address);
}

/*
 * base_rank[] for base's frames: the rank of the same frame in the current
 * set (named[] is in rank order), found by binary search on the name, or
 * RANK_ABSENT.
 */
static void rank_base_frames(const flame_set *base, const svg_named *named, size_t n_named,
                             int with_module, uint32_t *base_rank)
{
    char buf[NAME_MAX_LEN];

    for (size_t i = 0; i < base->n_frames; i++) {
        const flame_frame *f = &base->frames[i];
        const char *name = flame_frame_name(f, with_module, buf, sizeof buf);
        size_t lo = 0, hi = n_named;
        base_rank[i] = RANK_ABSENT;
        while (lo < hi) {                 /* first entry with this name */
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(named[mid].name, name) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        for (; lo < n_named && !strcmp(named[lo].name, name); lo++)
            if (same_frame(named[lo].f, f)) {
                base_rank[i] = (uint32_t)lo;
                break;
            }
    }
}

static svg_stack *sorted_stacks(const flame_set *fs, const uint32_t *rank, size_t *n_out,
                                uint64_t *total)
{
    svg_stack *v = malloc((fs->n_stacks ? fs->n_stacks : 1) * sizeof *v);
    size_t n = 0;

    *total = 0;
    if (!v)
        return NULL;
    for (size_t i = 0; i < fs->n_stacks; i++) {
        if (!fs->stacks[i].count)
            continue;
        v[n].s = &fs->stacks[i];
        v[n].rank = rank;
        v[n].n_frames = fs->n_frames;
        *total += fs->stacks[i].count;
        n++;
    }
    qsort(v, n, sizeof *v, cmp_stack);
    *n_out = n;
    return v;
}

static int nodes_push(svg_nodes *ns, const svg_node *node)
{
    if (GROW_ARRAY(ns->v, ns->cap, ns->n + 1, 256) < 0)
        return -1;
    ns->v[ns->n++] = *node;
    return 0;
}

/*
 * The drawn nodes, parents before children: a depth-first walk over runs of
 * the sorted stacks; a child narrower than min_count is not made (its count
 * stays in its parent's).
 */
static int layout(const svg_stack *cur, size_t n_cur, const svg_stack *base, size_t n_base,
                  uint64_t total, uint64_t base_total, double min_count, svg_nodes *out)
{
    svg_nodes todo = { 0 };
    svg_node root = { 0, n_cur, 0, n_base, RANK_END, 0, 0, total, base_total };
    int rc = 0;

    if (nodes_push(&todo, &root))
        return -1;
    while (todo.n && !rc) {
        svg_node node = todo.v[--todo.n];
        size_t i = node.lo, bi = node.blo;
        uint64_t left = node.left;

        if (nodes_push(out, &node)) {
            rc = -1;
            break;
        }
        while (i < node.hi && cur[i].s->depth <= node.depth)
            i++;                                  /* stacks ending here */
        while (bi < node.bhi && base[bi].s->depth <= node.depth)
            bi++;
        while (i < node.hi) {
            svg_node child = { 0 };
            uint32_t r = rank_at(&cur[i], node.depth);
            child.lo = i;
            for (; i < node.hi && rank_at(&cur[i], node.depth) == r; i++)
                child.count += cur[i].s->count;
            child.hi = i;
            child.rank = r;
            child.depth = node.depth + 1;
            child.left = left;
            left += child.count;
            if ((double)child.count < min_count || r == RANK_ABSENT)
                continue;                         /* stays in the parent */
            while (bi < node.bhi && rank_at(&base[bi], node.depth) < r)
                bi++;                             /* ended, or ranked before */
            child.blo = bi;
            for (; bi < node.bhi && rank_at(&base[bi], node.depth) == r; bi++)
                child.base += base[bi].s->count;
            child.bhi = bi;
            if (nodes_push(&todo, &child))
                rc = -1;
        }
    }
    free(todo.v);
    return rc;
}

/* Deterministic warm colour from a name. */
static void warm_colour(const char *name, int known, char *buf, size_t len)
{
    uint32_t h = 2166136261u;

    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        h = (h ^ *p) * 16777619u;
    h ^= h >> 15;
    h *= 0x2c1b3c6du;
    h ^= h >> 12;
    if (!known) {                 /* no function name: a dull sand colour */
        unsigned v = 170 + (h % 40);
        snprintf(buf, len, "rgb(%u,%u,%u)", v + 20, v + 10, v - 40);
        return;
    }
    snprintf(buf, len, "rgb(%u,%u,%u)", 205 + (h & 0xff) % 51,
             60 + ((h >> 8) & 0xff) % 171, 20 + ((h >> 16) & 0xff) % 56);
}

/* Differential colour: red when the count grew, blue when it shrank, the
 * shade by the change relative to the larger of the two counts. */
static void diff_colour(uint64_t now, uint64_t before, char *buf, size_t len)
{
    uint64_t big = now > before ? now : before;
    double rel = big ? (double)(now > before ? now - before : before - now) / (double)big : 0;
    unsigned fade = (unsigned)(220.0 * (1.0 - rel));

    if (now > before)
        snprintf(buf, len, "rgb(255,%u,%u)", fade + 20, fade + 20);
    else if (now < before)
        snprintf(buf, len, "rgb(%u,%u,255)", fade + 20, fade + 20);
    else
        snprintf(buf, len, "rgb(235,235,235)");
}

static double percent(uint64_t n, uint64_t total)
{
    return total ? 100.0 * (double)n / (double)total : 0.0;
}

/* The frame's location line of its title: "file:line in module (inlined)". */
static void put_location(FILE *out, const flame_frame *f)
{
    int any = 0;

    if (f->file) {
        html_put(out, f->file, NULL);
        if (f->line)
            fprintf(out, ":%" PRIu32, f->line);
        any = 1;
    }
    if (f->module) {
        fputs(any ? " in " : "in ", out);
        html_put(out, f->module, NULL);
        any = 1;
    }
    if (!f->function && f->address) {
        fprintf(out, "%s+0x%" PRIx64, any ? " at " : "at ", f->address);
        any = 1;
    }
    if (f->inlined) {
        fputs(any ? " (inlined)" : "(inlined)", out);
        any = 1;
    }
    if (!any)
        fputs("location unknown", out);
}

/*
 * The number of bytes of s[n] that hold its first `chars` characters (an
 * invalid byte counts as one), so a cut never splits a UTF-8 sequence;
 * *total (out, may be NULL) gets the number of characters in s[n].
 */
static size_t text_prefix(const char *s, size_t n, size_t chars, size_t *total)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t off = 0, count = 0, cut = n;

    while (off < n) {
        uint32_t cp;
        size_t len = utf8_decode(p + off, n - off, &cp);
        if (count == chars)
            cut = off;
        off += len ? len : 1;
        count++;
    }
    if (total)
        *total = count;
    return count <= chars ? n : cut;
}

typedef struct svg_doc {
    FILE *out;
    const flame_set *fs;
    const svg_named *named;  /* rank -> name and frame */
    const char *unit;
    int diff;
    uint64_t total, base_total;
    double gw;               /* graph width, px */
    double root_y;           /* y of the root row */
} svg_doc;

static void put_node(const svg_doc *doc, const svg_node *node)
{
    FILE *out = doc->out;
    const char *name = node->rank == RANK_END ? "all" : doc->named[node->rank].name;
    const flame_frame *f = node->rank == RANK_END ? NULL : doc->named[node->rank].f;
    double x = SVG_PAD + doc->gw * (double)node->left / (double)doc->total;
    double w = doc->gw * (double)node->count / (double)doc->total;
    double y = doc->root_y - SVG_ROW * node->depth;
    char fill[32];
    size_t name_len = strlen(name), fit, chars;

    if (doc->diff)
        diff_colour(node->count, node->base, fill, sizeof fill);
    else if (!f)
        snprintf(fill, sizeof fill, "rgb(225,215,200)");
    else
        warm_colour(name, f->function != NULL, fill, sizeof fill);

    fprintf(out, "<g class=\"f\" data-n=\"%" PRIu64 "\"><title>", node->count);
    html_put(out, name, NULL);
    fputs("\n", out);
    if (f)
        put_location(out, f);
    else
        fputs("every stack", out);
    fprintf(out, "\n%" PRIu64 " ", node->count);
    html_put(out, doc->unit, NULL);
    fprintf(out, ", %.2f%%", percent(node->count, doc->total));
    if (doc->diff) {
        int64_t delta = (int64_t)(node->count - node->base);
        fprintf(out, "\nbase %" PRIu64 " (%.2f%%), now %" PRIu64 " (%.2f%%), %+" PRId64,
                node->base, percent(node->base, doc->base_total), node->count,
                percent(node->count, doc->total), delta);
    }
    fprintf(out, "</title><rect x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\" fill=\"%s\"/>",
            x, y, w, SVG_BAR, fill);

    /* A label when at least three characters fit: cut with "..". */
    fit = w > 6.0 ? (size_t)((w - 6.0) / SVG_CHAR_PX) : 0;
    if (fit >= 3) {
        size_t cut = text_prefix(name, name_len, fit, &chars);
        fprintf(out, "<text x=\"%.2f\" y=\"%.1f\">", x + 3.0, y + 11.5);
        if (chars > fit) {
            cut = text_prefix(name, name_len, fit - 2, NULL);
            html_put_n(out, name, cut, 0);
            fputs("..", out);
        } else {
            html_put_n(out, name, cut, 0);
        }
        fputs("</text>", out);
    }
    fputs("</g>\n", out);
}

/* A document-unique id prefix: a hash of what is drawn, the process, the
 * time and a call counter, so graphs inlined in one HTML page (from one
 * run or several) never share an id. */
static void make_prefix(const svg_doc *doc, size_t n_nodes, char *buf, size_t len)
{
    static atomic_uint calls;
    struct timespec ts;
    uint64_t h = FNV1A_OFFSET;
    uint64_t parts[6];

    clock_gettime(CLOCK_REALTIME, &ts);
    parts[0] = doc->total;
    parts[1] = doc->base_total;
    parts[2] = n_nodes;
    parts[3] = atomic_fetch_add(&calls, 1);
    parts[4] = (uint64_t)getpid();
    parts[5] = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
    for (int i = 0; i < 6; i++)
        h = fnv1a_u64(h, parts[i]);
    snprintf(buf, len, "bbxfg%08" PRIx32, (uint32_t)(h ^ (h >> 32)));
}

static void put_style(FILE *out, const char *p)
{
    fprintf(out,
            "<style>"
            "#%s .f{cursor:pointer}"
            "#%s .f text{font-size:12px;fill:#000;pointer-events:none}"
            "#%s .f:hover rect{stroke:#222;stroke-width:0.5}"
            "#%s .f.dim rect{opacity:0.45}"
            "#%s .f.m rect{fill:rgb(220,0,220)}"
            "#%s .btn{cursor:pointer;fill:#124;text-decoration:underline}"
            "#%s .btn.off{opacity:0.3;cursor:default}"
            "</style>\n",
            p, p, p, p, p, p, p);
}

static void put_document(const svg_doc *doc, const svg_nodes *nodes, unsigned width,
                         const char *title, uint32_t max_depth)
{
    FILE *out = doc->out;
    double height = SVG_TOP + SVG_ROW * (max_depth + 1) + SVG_BOTTOM;
    char p[32];

    make_prefix(doc, nodes->n, p, sizeof p);
    fprintf(out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" id=\"%s\" "
            "class=\"bbx-flame\" width=\"%u\" height=\"%.0f\" viewBox=\"0 0 %u %.0f\" "
            "font-family=\"monospace\" font-size=\"12\" data-x0=\"%.0f\" data-gw=\"%.0f\" "
            "data-total=\"%" PRIu64 "\" data-root-y=\"%.1f\" data-row=\"%.0f\" "
            "data-diff=\"%d\">\n",
            p, width, height, width, height, SVG_PAD, doc->gw, doc->total, doc->root_y,
            SVG_ROW, doc->diff);
    put_style(out, p);
    fprintf(out, "<rect x=\"0\" y=\"0\" width=\"%u\" height=\"%.0f\" fill=\"#fbfaf5\"/>\n",
            width, height);
    fprintf(out, "<text x=\"%.1f\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">",
            width / 2.0);
    html_put(out, title, NULL);
    fputs("</text>\n", out);
    fprintf(out, "<text x=\"%.1f\" y=\"40\" text-anchor=\"middle\" fill=\"#555\">", width / 2.0);
    if (doc->diff)
        fprintf(out, "differential: widths now (%" PRIu64 " ", doc->total);
    else
        fprintf(out, "%" PRIu64 " ", doc->total);
    html_put(out, doc->unit, NULL);
    if (doc->diff)
        fprintf(out, "), red: more than in the base (%" PRIu64 "), blue: fewer",
                doc->base_total);
    fputs("</text>\n", out);
    fprintf(out, "<text id=\"%s-reset\" class=\"btn off\" x=\"%.0f\" y=\"40\">Reset zoom</text>\n",
            p, SVG_PAD);
    fprintf(out, "<text id=\"%s-search\" class=\"btn\" x=\"%.0f\" y=\"40\" "
            "text-anchor=\"end\">Search</text>\n", p, width - SVG_PAD);
    fprintf(out, "<text id=\"%s-matched\" x=\"%.0f\" y=\"40\" text-anchor=\"end\" "
            "fill=\"#a0a\"></text>\n", p, width - SVG_PAD - 60);
    fprintf(out, "<g id=\"%s-frames\">\n", p);
    for (size_t i = 0; i < nodes->n; i++)
        put_node(doc, &nodes->v[i]);
    fputs("</g>\n", out);
    fprintf(out, "<text id=\"%s-status\" x=\"%.0f\" y=\"%.0f\" fill=\"#333\">"
            "Click a frame to zoom in, Search (or Ctrl-F) to highlight</text>\n",
            p, SVG_PAD, height - 10);
    fputs("<script><![CDATA[\n", out);
    fputs(flame_svg_script, out);
    fprintf(out, "('%s');\n]]></script>\n</svg>\n", p);
}

static int write_svg(const flame_set *fs, const flame_set *base, const flame_svg_options *o,
                     FILE *out);

/* The groups (thread names, processes) are the first level above the root,
 * as in the folded output, when there are several. */
int flame_write_svg(const flame_set *fs, const flame_set *base, const flame_svg_options *o,
                    FILE *out)
{
    if (fs->n_groups <= 1 && (!base || base->n_groups <= 1))
        return write_svg(fs, base, o, out);
    flame_set *g = flame_set_grouped(fs), *gb = base ? flame_set_grouped(base) : NULL;
    int rc = g && (!base || gb) ? write_svg(g, gb, o, out) : -1;
    flame_set_free(g);
    flame_set_free(gb);
    return rc;
}

static int write_svg(const flame_set *fs, const flame_set *base, const flame_svg_options *o,
                     FILE *out)
{
    unsigned width = o && o->width ? o->width : SVG_DEFAULT_WIDTH;
    int with_module = o ? o->with_module : 0;
    const char *title = o && o->title ? o->title : fs->title ? fs->title : "bbx flame";
    uint32_t *rank = malloc((fs->n_frames ? fs->n_frames : 1) * sizeof *rank);
    uint32_t *base_rank = NULL;
    svg_named *named = NULL;
    svg_stack *cur = NULL, *old = NULL;
    svg_nodes nodes = { 0 };
    size_t n_cur = 0, n_old = 0;
    uint64_t total = 0, base_total = 0;
    uint32_t max_depth = 0;
    int rc = -1;

    if (width < SVG_MIN_WIDTH)
        width = SVG_MIN_WIDTH;
    if (!rank || !(named = rank_frames(fs, with_module, rank)))
        goto done;
    if (!(cur = sorted_stacks(fs, rank, &n_cur, &total)))
        goto done;
    if (base) {
        base_rank = malloc((base->n_frames ? base->n_frames : 1) * sizeof *base_rank);
        if (!base_rank)
            goto done;
        rank_base_frames(base, named, fs->n_frames, with_module, base_rank);
        if (!(old = sorted_stacks(base, base_rank, &n_old, &base_total)))
            goto done;
    }

    svg_doc doc = { out, fs, named, fs->unit ? fs->unit : "samples", base != NULL,
                    total, base_total, width - 2 * SVG_PAD, 0 };
    if (total) {
        double min_count = SVG_MIN_FRAME_PX * (double)total / doc.gw;
        if (layout(cur, n_cur, old, n_old, total, base_total, min_count, &nodes))
            goto done;
    }
    for (size_t i = 0; i < nodes.n; i++)
        if (nodes.v[i].depth > max_depth)
            max_depth = nodes.v[i].depth;
    doc.root_y = SVG_TOP + SVG_ROW * max_depth;
    doc.total = total ? total : 1;
    put_document(&doc, &nodes, width, title, max_depth);
    rc = fflush(out) || ferror(out) ? -1 : 0;
done:
    free(nodes.v);
    free(cur);
    free(old);
    free(base_rank);
    free_named(named, fs->n_frames);
    free(rank);
    return rc;
}
