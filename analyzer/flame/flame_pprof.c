/*
 * flame_pprof.c - pprof's profile.proto (flame_write.h), encoded here by
 * hand (varints and length-delimited fields are all it takes) and gzip'd
 * with zlib.
 *
 * Field numbers of perftools.profiles.Profile used: 1 sample_type
 * (ValueType: 1 type, 2 unit), 2 sample (1 location_id packed, leaf first;
 * 2 value packed; 3 label: 1 key, 2 str), 4 location (1 id, 3 address,
 * 4 line: 1 function_id, 2 line), 5 function (1 id, 2 name, 3 system_name,
 * 4 filename), 6 string_table ("" first), 14 default_sample_type.
 * A location is one pc: its inlined frames are lines of it, leaf-most first.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "flame_write.h"
#include "grow_array.h"
#include "hash_fnv.h"

/* ---- a growable byte buffer and the protobuf wire format ---------------- */

typedef struct pbuf {
    uint8_t *p;
    size_t n, cap;
    int oom;
} pbuf;

static void pb_put(pbuf *b, const void *data, size_t n)
{
    if (b->oom)
        return;
    if (GROW_ARRAY(b->p, b->cap, b->n + n, 256) < 0) {
        b->oom = 1;
        return;
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
}

static void pb_varint(pbuf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    pb_put(b, tmp, n);
}

enum { WIRE_VARINT = 0, WIRE_LEN = 2 };

static void pb_tag(pbuf *b, unsigned field, unsigned wire)
{
    pb_varint(b, (uint64_t)field << 3 | wire);
}

static void pb_uint(pbuf *b, unsigned field, uint64_t v)
{
    if (!v)
        return; /* proto3: zero is the default, left out */
    pb_tag(b, field, WIRE_VARINT);
    pb_varint(b, v);
}

static void pb_bytes(pbuf *b, unsigned field, const void *data, size_t n)
{
    pb_tag(b, field, WIRE_LEN);
    pb_varint(b, n);
    pb_put(b, data, n);
}

/* A nested message built in `sub`, appended and then emptied. */
static void pb_message(pbuf *b, unsigned field, pbuf *sub)
{
    if (sub->oom)
        b->oom = 1;
    pb_bytes(b, field, sub->p, sub->n);
    sub->n = 0;
}

/* ---- interning: strings, functions, locations -------------------------- */

#define HASH_MUL 0x9e3779b97f4a7c15ull

typedef struct intern {
    uint64_t *hash;      /* per entry */
    uint32_t *slots;     /* entry index + 1, 0 empty */
    size_t n, cap_entries, cap_slots;
} intern;

/* Find (or make room for) an entry with hash h; eq(ctx, i) compares entry i.
 * Returns the entry index, or SIZE_MAX with *slot where a new one goes. */
static size_t intern_find(intern *t, uint64_t h, int (*eq)(const void *ctx, size_t i),
                          const void *ctx, size_t *slot)
{
    if ((t->n + 1) * 2 > t->cap_slots) {
        size_t cap = t->cap_slots ? t->cap_slots * 2 : 256;
        uint32_t *s = calloc(cap, sizeof(*s));
        if (!s)
            return SIZE_MAX - 1;
        for (size_t i = 0; i < t->n; i++) {
            size_t j = t->hash[i] & (cap - 1);
            while (s[j])
                j = (j + 1) & (cap - 1);
            s[j] = (uint32_t)i + 1;
        }
        free(t->slots);
        t->slots = s;
        t->cap_slots = cap;
    }
    size_t j = h & (t->cap_slots - 1);
    for (uint32_t k; (k = t->slots[j]); j = (j + 1) & (t->cap_slots - 1))
        if (t->hash[k - 1] == h && eq(ctx, k - 1))
            return k - 1;
    *slot = j;
    return SIZE_MAX;
}

/* Record a new entry with hash h at slot; its index, or SIZE_MAX. */
static size_t intern_add(intern *t, uint64_t h, size_t slot)
{
    if (GROW_ARRAY(t->hash, t->cap_entries, t->n + 1, 256) < 0)
        return SIZE_MAX;
    t->hash[t->n] = h;
    t->slots[slot] = (uint32_t)t->n + 1;
    return t->n++;
}

static void intern_release(intern *t)
{
    free(t->hash);
    free(t->slots);
}

typedef struct func_key {
    uint64_t name, file; /* string indexes */
} func_key;

typedef struct writer {
    const flame_set *fs;
    int oom;
    pbuf strings;        /* the string_table fields, already encoded */
    const char **str;    /* the strings, by index (borrowed) */
    size_t cap_str;
    intern str_tab;
    func_key *funcs;
    size_t cap_funcs;
    intern func_tab;
    pbuf locations;      /* location fields, already encoded */
    uint32_t *loc_runs;  /* per location: frame ids, leaf first (offsets below) */
    size_t n_loc_runs, cap_loc_runs;
    size_t *loc_off;     /* per location + 1: start in loc_runs */
    size_t cap_loc_off;
    intern loc_tab;
    pbuf sub, sub2;      /* scratch for nested messages */
    const uint32_t *cur_run;
    size_t cur_len;
    const char *cur_str;
    char **names;        /* per frame: its display name */
} writer;

static uint64_t hash_bytes(const void *p, size_t n)
{
    uint64_t h = fnv1a_bytes(FNV1A_OFFSET, p, n);
    return (h ^ (h >> 31)) * HASH_MUL;
}

static int str_eq(const void *ctx, size_t i)
{
    const writer *w = ctx;
    return strcmp(w->str[i], w->cur_str) == 0;
}

/* The string table index of s (added when new). */
static uint64_t string_index(writer *w, const char *s)
{
    size_t slot, i;
    if (!s)
        s = "";
    uint64_t h = hash_bytes(s, strlen(s));
    w->cur_str = s;
    i = intern_find(&w->str_tab, h, str_eq, w, &slot);
    if (i == SIZE_MAX - 1)
        goto oom;
    if (i != SIZE_MAX)
        return i;
    if (GROW_ARRAY(w->str, w->cap_str, w->str_tab.n + 1, 256) < 0)
        goto oom;
    if ((i = intern_add(&w->str_tab, h, slot)) == SIZE_MAX)
        goto oom;
    w->str[i] = s;
    pb_bytes(&w->strings, 6, s, strlen(s));
    return i;
oom:
    w->oom = 1;
    return 0;
}

static const func_key *cur_func;

static int func_eq(const void *ctx, size_t i)
{
    const writer *w = ctx;
    return w->funcs[i].name == cur_func->name && w->funcs[i].file == cur_func->file;
}

/* The function id (1-based) of frame `fid`; functions are encoded at the end. */
static uint64_t function_id(writer *w, uint32_t fid)
{
    const flame_frame *f = &w->fs->frames[fid];
    func_key k;
    size_t slot, i;
    k.name = string_index(w, w->names[fid]);
    k.file = string_index(w, f->file ? f->file : "");
    uint64_t h = (k.name * HASH_MUL) ^ (k.file + 0x632be59bd9b4e019ull);
    cur_func = &k;
    i = intern_find(&w->func_tab, h, func_eq, w, &slot);
    if (i == SIZE_MAX - 1)
        goto oom;
    if (i != SIZE_MAX)
        return i + 1;
    if (GROW_ARRAY(w->funcs, w->cap_funcs, w->func_tab.n + 1, 256) < 0)
        goto oom;
    if ((i = intern_add(&w->func_tab, h, slot)) == SIZE_MAX)
        goto oom;
    w->funcs[i] = k;
    return i + 1;
oom:
    w->oom = 1;
    return 0;
}

static int loc_eq(const void *ctx, size_t i)
{
    const writer *w = ctx;
    size_t n = w->loc_off[i + 1] - w->loc_off[i];
    return n == w->cur_len &&
           memcmp(w->loc_runs + w->loc_off[i], w->cur_run, n * sizeof(*w->cur_run)) == 0;
}

/* The location id (1-based) of frames run[0..n) (leaf-most first, all but
 * the last inlined), encoded when new. */
static uint64_t location_id(writer *w, const uint32_t *run, size_t n)
{
    size_t slot, i;
    uint64_t h = hash_bytes(run, n * sizeof(*run));
    w->cur_run = run;
    w->cur_len = n;
    i = intern_find(&w->loc_tab, h, loc_eq, w, &slot);
    if (i == SIZE_MAX - 1)
        goto oom;
    if (i != SIZE_MAX)
        return i + 1;
    if (GROW_ARRAY(w->loc_runs, w->cap_loc_runs, w->n_loc_runs + n, 1024) < 0 ||
        GROW_ARRAY(w->loc_off, w->cap_loc_off, w->loc_tab.n + 2, 256) < 0)
        goto oom;
    if ((i = intern_add(&w->loc_tab, h, slot)) == SIZE_MAX)
        goto oom;
    w->loc_off[i] = w->n_loc_runs;
    memcpy(w->loc_runs + w->n_loc_runs, run, n * sizeof(*run));
    w->n_loc_runs += n;
    w->loc_off[i + 1] = w->n_loc_runs;
    /* Location { id, address, line... } */
    pb_uint(&w->sub, 1, i + 1);
    pb_uint(&w->sub, 3, w->fs->frames[run[n - 1]].address);
    for (size_t k = 0; k < n; k++) {
        const flame_frame *f = &w->fs->frames[run[k]];
        pb_uint(&w->sub2, 1, function_id(w, run[k]));
        pb_uint(&w->sub2, 2, f->line);
        pb_message(&w->sub, 4, &w->sub2);
    }
    pb_message(&w->locations, 4, &w->sub);
    return i + 1;
oom:
    w->oom = 1;
    return 0;
}

/* ---- the profile ----------------------------------------------------------- */

/* One sample per stack: its locations leaf first, its count, its group. */
static void encode_samples(writer *w, pbuf *out, uint64_t label_key)
{
    const flame_set *fs = w->fs;
    uint32_t *leaf_first = NULL;
    size_t cap = 0;
    pbuf ids = { 0 };
    for (size_t s = 0; s < fs->n_stacks && !w->oom; s++) {
        const flame_stack *st = &fs->stacks[s];
        if (st->depth > cap) {
            free(leaf_first);
            cap = st->depth;
            if (!(leaf_first = malloc(cap * sizeof(*leaf_first)))) {
                w->oom = 1;
                break;
            }
        }
        for (size_t k = 0; k < st->depth; k++)
            leaf_first[k] = st->frames[st->depth - 1 - k];
        ids.n = 0;
        for (size_t k = 0; k < st->depth;) {
            size_t end = k; /* the location runs while frames are inlined */
            while (end + 1 < st->depth && fs->frames[leaf_first[end]].inlined)
                end++;
            pb_varint(&ids, location_id(w, leaf_first + k, end - k + 1));
            k = end + 1;
        }
        pbuf *sm = &w->sub;
        if (ids.oom)
            w->oom = 1;
        pb_bytes(sm, 1, ids.p, ids.n);
        pb_tag(sm, 2, WIRE_LEN);
        pbuf val = { 0 };
        pb_varint(&val, st->count);
        for (size_t v = 1; v < fs->n_values && v <= FLAME_MORE_VALUES; v++)
            pb_varint(&val, st->more[v - 1]);
        pb_varint(sm, val.n);
        pb_put(sm, val.p, val.n);
        free(val.p);
        pb_uint(&w->sub2, 1, label_key);
        pb_uint(&w->sub2, 2, string_index(w, st->group < fs->n_groups ? fs->groups[st->group]
                                                                      : ""));
        pb_message(sm, 3, &w->sub2);
        pb_message(out, 2, sm);
    }
    free(ids.p);
    free(leaf_first);
}

static int gzip_write(const pbuf *b, FILE *out)
{
    z_stream zs;
    unsigned char chunk[65536];
    int zr;
    memset(&zs, 0, sizeof(zs));
    if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8,
                     Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    zs.next_in = b->p;
    zs.avail_in = (uInt)b->n; /* profiles are far below 4 GiB */
    do {
        zs.next_out = chunk;
        zs.avail_out = sizeof(chunk);
        zr = deflate(&zs, Z_FINISH);
        if (zr == Z_STREAM_ERROR)
            break;
        fwrite(chunk, 1, sizeof(chunk) - zs.avail_out, out);
    } while (zr != Z_STREAM_END);
    deflateEnd(&zs);
    return zr == Z_STREAM_END && !ferror(out) ? 0 : -1;
}

int flame_write_pprof(const flame_set *fs, const char *label_key, FILE *out)
{
    writer w;
    pbuf prof = { 0 }, samples = { 0 };
    int rc = -1;
    memset(&w, 0, sizeof(w));
    w.fs = fs;
    if (!(w.names = calloc(fs->n_frames ? fs->n_frames : 1, sizeof(*w.names))))
        return -1;
    for (size_t i = 0; i < fs->n_frames; i++) {
        char buf[2048];
        if (!(w.names[i] = strdup(flame_frame_name(&fs->frames[i], 0, buf, sizeof(buf)))))
            w.oom = 1;
    }
    string_index(&w, "");
    size_t n_types = fs->n_values > 1 ? fs->n_values : 1;
    uint64_t types[1 + FLAME_MORE_VALUES], units[1 + FLAME_MORE_VALUES];
    if (n_types > 1 + FLAME_MORE_VALUES)
        n_types = 1 + FLAME_MORE_VALUES;
    for (size_t v = 0; v < n_types; v++) {
        types[v] = string_index(&w, fs->n_values > 1 ? fs->value_types[v]
                                    : fs->unit ? fs->unit : "count");
        units[v] = string_index(&w, fs->n_values > 1 ? fs->value_units[v] : "count");
    }
    uint64_t type = types[0];
    uint64_t key = string_index(&w, label_key ? label_key : "group");
    encode_samples(&w, &samples, key);
    for (size_t v = 0; v < n_types; v++) { /* sample_type */
        pb_uint(&w.sub, 1, types[v]);
        pb_uint(&w.sub, 2, units[v]);
        pb_message(&prof, 1, &w.sub);
    }
    pb_put(&prof, samples.p, samples.n);
    pb_put(&prof, w.locations.p, w.locations.n);
    for (size_t i = 0; i < w.func_tab.n; i++) {
        pb_uint(&w.sub, 1, i + 1);
        pb_uint(&w.sub, 2, w.funcs[i].name);
        pb_uint(&w.sub, 3, w.funcs[i].name);
        pb_uint(&w.sub, 4, w.funcs[i].file);
        pb_message(&prof, 5, &w.sub);
    }
    pb_put(&prof, w.strings.p, w.strings.n);
    pb_uint(&prof, 14, type);
    if (!w.oom && !prof.oom && !samples.oom && !w.locations.oom && !w.strings.oom &&
        !w.sub.oom && !w.sub2.oom)
        rc = gzip_write(&prof, out);
    free(prof.p);
    free(samples.p);
    free(w.strings.p);
    free(w.locations.p);
    free(w.sub.p);
    free(w.sub2.p);
    free(w.funcs);
    free(w.loc_runs);
    free(w.loc_off);
    intern_release(&w.str_tab);
    intern_release(&w.func_tab);
    intern_release(&w.loc_tab);
    free(w.str);
    for (size_t i = 0; i < fs->n_frames; i++)
        free(w.names[i]);
    free(w.names);
    return rc;
}
