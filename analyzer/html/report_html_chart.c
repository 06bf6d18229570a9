/*
 * report_html_chart.c - the SVG line chart of report_html_chart.h: axes with
 * round tick values, one polyline per line, a legend below as HTML.
 */
#include "report_html_chart.h"

#include <inttypes.h>
#include <math.h>

#include "html_escape.h"

#define CHART_W 900
#define CHART_H 280
#define MARGIN_L 56
#define MARGIN_R 16
#define MARGIN_T 12
#define MARGIN_B 36
#define MAX_TICKS 6

static const char *const palette[] = {
    "#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd",
    "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
};
#define N_COLORS (sizeof(palette) / sizeof(palette[0]))

/* A round step (1, 2 or 5 times a power of ten) so that [0, max] needs at
 * most MAX_TICKS steps. */
static double nice_step(double max)
{
    if (max <= 0)
        return 1;
    double raw = max / MAX_TICKS, p = pow(10, floor(log10(raw)));
    double m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
}

static const char *color_of(const html_chart_line *l, size_t i)
{
    return l->dashed ? "#333333" : palette[i % N_COLORS];
}

void html_line_chart(FILE *out, const char *title, const char *y_unit, const uint64_t *x_ms,
                     size_t n, const html_chart_line *lines, size_t n_lines)
{
    fprintf(out, "<figure class=\"chart\">\n<figcaption>%s</figcaption>\n", title);
    if (n < 2 || !n_lines) {
        fputs("<p>Not enough snapshots for a chart.</p>\n</figure>\n", out);
        return;
    }
    uint64_t y_max = 1, t0 = x_ms[0], span = x_ms[n - 1] > t0 ? x_ms[n - 1] - t0 : 0;
    for (size_t l = 0; l < n_lines; l++)
        for (size_t i = 0; i < n; i++)
            if (lines[l].y[i] > y_max)
                y_max = lines[l].y[i];
    double y_step = ceil(nice_step((double)y_max));
    double y_top = ceil((double)y_max / y_step) * y_step;
    /* Seconds on the x axis; when every snapshot has one time, their index. */
    int by_index = span == 0;
    double x_span = by_index ? (double)(n - 1) : (double)span / 1000.0;
    double x_step = nice_step(x_span);
    double pw = CHART_W - MARGIN_L - MARGIN_R, ph = CHART_H - MARGIN_T - MARGIN_B;

    fprintf(out, "<svg class=\"linechart\" xmlns=\"http://www.w3.org/2000/svg\" "
            "viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" "
            "aria-label=\"%s\">\n", CHART_W, CHART_H, CHART_W, CHART_H, title);
    /* Grid and y ticks. */
    for (double v = 0; v <= y_top + y_step / 2; v += y_step) {
        double y = MARGIN_T + ph - v / y_top * ph;
        fprintf(out, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>"
                "<text x=\"%d\" y=\"%.1f\" class=\"tick\" text-anchor=\"end\">%.0f</text>\n",
                MARGIN_L, CHART_W - MARGIN_R, y, y, MARGIN_L - 6, y + 4, v);
    }
    for (double v = 0; v <= x_span + x_step / 1000; v += x_step) {
        double x = MARGIN_L + (x_span > 0 ? v / x_span * pw : 0);
        fprintf(out, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%.1f\" class=\"axis\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\">%g%s</text>\n",
                x, x, MARGIN_T + (int)ph, MARGIN_T + ph + 5, x, MARGIN_T + ph + 18, v,
                by_index ? "" : " s");
    }
    fprintf(out, "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\">%s</text>\n"
            "<text x=\"12\" y=\"%.1f\" class=\"tick\" text-anchor=\"middle\" "
            "transform=\"rotate(-90 12 %.1f)\">%s</text>\n",
            MARGIN_L + pw / 2, CHART_H - 4,
            by_index ? "snapshot" : "time since the first snapshot", MARGIN_T + ph / 2,
            MARGIN_T + ph / 2, y_unit);
    for (size_t l = 0; l < n_lines; l++) {
        fprintf(out, "<polyline class=\"series\" fill=\"none\" stroke=\"%s\" "
                "stroke-width=\"2\"%s points=\"", color_of(&lines[l], l),
                lines[l].dashed ? " stroke-dasharray=\"6 4\"" : "");
        for (size_t i = 0; i < n; i++) {
            double xv = by_index ? (double)i : (double)(x_ms[i] - t0) / 1000.0;
            double x = MARGIN_L + (x_span > 0 ? xv / x_span * pw : 0);
            double y = MARGIN_T + ph - (double)lines[l].y[i] / y_top * ph;
            fprintf(out, "%s%.1f,%.1f", i ? " " : "", x, y);
        }
        fputs("\"><title>", out);
        html_put(out, lines[l].label, "?");
        fprintf(out, " (last %" PRIu64 ")</title></polyline>\n", lines[l].y[n - 1]);
    }
    fputs("</svg>\n<ul class=\"legend\">\n", out);
    for (size_t l = 0; l < n_lines; l++) {
        uint64_t peak = 0;
        for (size_t i = 0; i < n; i++)
            peak = lines[l].y[i] > peak ? lines[l].y[i] : peak;
        fprintf(out, "<li><span class=\"swatch%s\" style=\"border-color:%s\"></span>",
                lines[l].dashed ? " dashed" : "", color_of(&lines[l], l));
        html_put(out, lines[l].label, "?");
        fprintf(out, " <span class=\"dim\">first %" PRIu64 ", last %" PRIu64 ", peak %" PRIu64
                "</span></li>\n", lines[l].y[0], lines[l].y[n - 1], peak);
    }
    fputs("</ul>\n</figure>\n", out);
}
