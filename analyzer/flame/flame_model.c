/*
 * flame_model.c - freeing a flame set and naming its frames.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "flame_model.h"

void flame_set_free(flame_set *fs)
{
    if (!fs)
        return;
    for (size_t i = 0; i < fs->n_frames; i++) {
        free(fs->frames[i].function);
        free(fs->frames[i].file);
        free(fs->frames[i].module);
    }
    free(fs->frames);
    for (size_t i = 0; i < fs->n_stacks; i++)
        free(fs->stacks[i].frames);
    free(fs->stacks);
    for (size_t i = 0; i < fs->n_groups; i++)
        free(fs->groups[i]);
    free(fs->groups);
    free(fs->title);
    free(fs->unit);
    free(fs);
}

char *flame_frame_name(const flame_frame *f, int with_module, char *buf, size_t len)
{
    if (!len)
        return buf;
    if (f->function && with_module && f->module)
        snprintf(buf, len, "%s [%s]", f->function, f->module);
    else if (f->function)
        snprintf(buf, len, "%s", f->function);
    else if (f->module && f->address)
        snprintf(buf, len, "%s+0x%" PRIx64, f->module, f->address);
    else if (f->module)
        snprintf(buf, len, "%s", f->module);
    else
        snprintf(buf, len, "??");
    return buf;
}
