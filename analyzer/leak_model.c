/*
 * leak_model.c - freeing a leak report, and group signatures.
 * STUB: leak_signature to be written (issue 4).
 */
#include <stdlib.h>

#include "leak_model.h"

void leak_report_free(leak_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_leaks; i++) {
        leak_group *g = &r->leaks[i];
        free(g->resource);
        free(g->kind);
        for (size_t j = 0; j < g->n_origin; j++) {
            free(g->origin[j].function);
            free(g->origin[j].file);
            free(g->origin[j].module);
        }
        free(g->origin);
        free(g->name);
        for (size_t j = 0; j < g->n_examples; j++)
            free(g->examples[j]);
        free(g->examples);
        free(g->confidence);
        free(g->why);
        free(g->signature);
    }
    free(r->leaks);
    free(r->app);
    free(r);
}

char *leak_signature(const leak_group *g)
{
    (void)g;
    return NULL;
}
