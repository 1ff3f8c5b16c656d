/* tools/layout.c: the layout model (tools/layout.h) from the parameter table: pages, sections,
 * controls and where the meters go. The writers draw it. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "server/metertable.h"
#include "tools/layout.h"

/* A control's cell, and the gaps (points, before a page is fitted). */
#define CELL_W    72
#define CELL_H    96
#define STEP_W    40 /* a radio step */
#define TITLE_H   18 /* a section's title */
#define GAP       8
#define MARGIN    8
#define CAPTION_H 14
#define VALUE_H   16

/* The rows a mixer strip shows, by name below /stem/<s>/ (whatever else the table holds stays on
 * the stem page). A name the table lacks is left out of the strip. */
static const char *const mixer_rows[] = {"fader", "mute", "solo"};

/* stemd's /meters feedback (osc/meters.c) and the section each meter joins: a section that the
 * table has (first path segment, or segment and band), else one of its own at the page's end.
 * The test checks every address against what a live stemd sends. */
struct meter_place {
    enum param_scope scope;
    const char *section, *title; /* title: for a section of its own */
    const char *meter;           /* below /stem/<index>/meter/ or /bus/meter/ */
    enum layout_kind kind;
    int mixer; /* also beside the fader on the mixer page */
};
static const struct meter_place meters[] = {
    {SCOPE_STEM, "comp", NULL, "gr", LK_METER, 1},
    {SCOPE_STEM, "fader", NULL, "peak_l", LK_METER, 1},
    {SCOPE_STEM, "fader", NULL, "peak_r", LK_METER, 1},
    {SCOPE_STEM, "fader", NULL, "rms", LK_METER, 1},
    /* a dynamic EQ band's gain is signed (a cut below the bar's middle, a boost above) */
    {SCOPE_STEM, "deq/1", NULL, "deq1", LK_METER, 0},
    {SCOPE_STEM, "deq/2", NULL, "deq2", LK_METER, 0},
    {SCOPE_STEM, "deq/3", NULL, "deq3", LK_METER, 0},
    {SCOPE_STEM, "deq/4", NULL, "deq4", LK_METER, 0},
    {SCOPE_STEM, "deess", NULL, "deess", LK_METER, 0},
    {SCOPE_BUS, "mb/1", NULL, "gr_band1", LK_METER, 0},
    {SCOPE_BUS, "mb/2", NULL, "gr_band2", LK_METER, 0},
    {SCOPE_BUS, "mb/3", NULL, "gr_band3", LK_METER, 0},
    {SCOPE_BUS, "limiter", NULL, "gr_limiter", LK_METER, 0},
    {SCOPE_BUS, "output", NULL, "peak_l", LK_METER, 0},
    {SCOPE_BUS, "output", NULL, "peak_r", LK_METER, 0},
    {SCOPE_BUS, "compare", NULL, "compare_gain", LK_METER, 0},
    {SCOPE_BUS, "loudness", "loudness", "lufs_m", LK_READOUT, 0},
    {SCOPE_BUS, "loudness", "loudness", "lufs_s", LK_READOUT, 0},
    {SCOPE_BUS, "loudness", "loudness", "lufs_i", LK_READOUT, 0},
    {SCOPE_BUS, "loudness", "loudness", "lra", LK_READOUT, 0},
    {SCOPE_BUS, "loudness", "loudness", "true_peak", LK_READOUT, 0},
    {SCOPE_BUS, "loudness", "loudness", "correlation", LK_READOUT, 0},
    /* an action, not a meter: meter holds its address, title its label */
    {SCOPE_BUS, "loudness", "reset", "/loudness/reset", LK_ACTION, 0},
};
#define NMETERS (sizeof meters / sizeof meters[0])

/* A meter bar's ends: server/meters.def's (0..1 for a name it lacks, or a readout's: the
 * layout test checks every address against a live stemd). */
static void meter_range(enum param_scope scope, const char *name, double *lo, double *hi)
{
    *lo = 0, *hi = 1;
    unsigned n = scope == SCOPE_STEM ? SM_COUNT : BM_COUNT;
    for (unsigned i = 0; i < n; i++) {
        const struct meter_row *r = scope == SCOPE_STEM ? stem_meter_row(i) : bus_meter_row(i);
        if (!strcmp(r->name, name)) *lo = r->lo, *hi = r->hi;
    }
}

/* --- the text buffer ------------------------------------------------------------------------- */

void layout_buf_printf(struct layout_buf *b, const char *fmt, ...)
{
    va_list ap;
    if (b->oom) return;
    for (;;) {
        size_t room = b->cap - b->len;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? room : 0, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->oom = 1;
            return;
        }
        if (b->p && (size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 65536;
        while (cap - b->len <= (size_t)n)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

void layout_buf_escaped(struct layout_buf *b, const char *s, int xml)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (xml && c == '&')
            layout_buf_printf(b, "&amp;");
        else if (xml && c == '<')
            layout_buf_printf(b, "&lt;");
        else if (xml && c == '>')
            layout_buf_printf(b, "&gt;");
        else if (xml && c == '\'')
            layout_buf_printf(b, "&apos;");
        else if (!xml && (c == '"' || c == '\\'))
            layout_buf_printf(b, "\\%c", c);
        else if (!xml && c == '\n')
            layout_buf_printf(b, "\\n");
        else if (!xml && c < 0x20)
            layout_buf_printf(b, "\\u%04x", c);
        else
            layout_buf_printf(b, "%c", c);
    }
}

void layout_buf_free(struct layout_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* --- pages and controls ---------------------------------------------------------------------- */

struct builder {
    struct layout_doc *d;
    struct params_names pn;
    const char *name_ptr[STEMD_MAX_STEMS];
    unsigned serial; /* makes control names unique */
    int oom;
    int full; /* a page had more sections, or a section more items, than a flow holds */
};

/* Room for n more controls: pointers to the page's controls stay valid until n are added. */
static int reserve(struct builder *bl, struct layout_page *p, unsigned n)
{
    if (p->nctl + n > p->capctl) {
        unsigned cap = p->capctl ? p->capctl * 2 : 64;
        while (cap < p->nctl + n)
            cap *= 2;
        struct layout_ctl *c = realloc(p->ctl, cap * sizeof *c);
        if (!c) {
            bl->oom = 1;
            return -1;
        }
        p->ctl = c;
        p->capctl = cap;
    }
    return 0;
}

static struct layout_ctl *add_ctl(struct builder *bl, struct layout_page *p, enum layout_kind k)
{
    if (p->nctl == p->capctl) {
        unsigned cap = p->capctl ? p->capctl * 2 : 64;
        struct layout_ctl *c = realloc(p->ctl, cap * sizeof *c);
        if (!c) {
            bl->oom = 1;
            return NULL;
        }
        p->ctl = c;
        p->capctl = cap;
    }
    struct layout_ctl *c = &p->ctl[p->nctl++];
    memset(c, 0, sizeof *c);
    c->kind = k;
    c->smax = 1;
    snprintf(c->name, sizeof c->name, "c%u", ++bl->serial);
    return c;
}

static struct layout_page *add_pages(struct builder *bl, struct layout_page **v, unsigned *n,
                                     unsigned more)
{
    struct layout_page *p = realloc(*v, (*n + more) * sizeof *p);
    if (!p) {
        bl->oom = 1;
        return NULL;
    }
    memset(p + *n, 0, more * sizeof *p);
    *v = p;
    *n += more;
    return p + *n - more;
}

static void free_page(struct layout_page *p)
{
    for (unsigned i = 0; i < p->nsub; i++)
        free_page(&p->sub[i]);
    free(p->sub);
    free(p->ctl);
}

void layout_free(struct layout_doc *d)
{
    for (unsigned i = 0; i < d->npage; i++)
        free_page(&d->page[i]);
    free(d->page);
    d->page = NULL;
    d->npage = 0;
}

/* --- sections: a row's place on its page ----------------------------------------------------- */

/* The section of a row's slot: its name up to and with the band ("eq/3") for an indexed row,
 * else its first segment ("comp" for comp/sc_hpf/on). The caption is what is left ("freq",
 * "sc_hpf/on"). */
static void section_of(const struct param_def *def, unsigned index, char *key, size_t klen,
                       char *caption, size_t clen)
{
    const char *pct = strstr(def->name, "%d");
    if (pct) {
        snprintf(key, klen, "%.*s%u", (int)(pct - def->name), def->name, index + 1);
        snprintf(caption, clen, "%s", pct[2] == '/' ? pct + 3 : def->name);
        return;
    }
    const char *slash = strchr(def->name, '/');
    snprintf(key, klen, "%.*s", slash ? (int)(slash - def->name) : (int)strlen(def->name),
             def->name);
    snprintf(caption, clen, "%s", slash ? slash + 1 : def->name);
}

/* One section: its items in order (a row's slot, or a meter), then laid out as one block. */
struct item {
    struct param_ref ref;
    const struct meter_place *m; /* or a meter (ref unused) */
    char caption[LAYOUT_NAME_MAX];
};

struct section {
    char key[48], title[48];
    struct item item[64];
    unsigned n;
    float x0, y0; /* top left (of the title) */
    float cx, cy; /* the next cell */
    float right, bottom;
};

struct flow {
    struct section sec[64];
    unsigned n;
    float x, y, line_bottom; /* where the next section goes */
    float width;             /* the page's */
};

static struct section *find_section(struct flow *f, const char *key)
{
    for (unsigned i = 0; i < f->n; i++)
        if (!strcmp(f->sec[i].key, key)) return &f->sec[i];
    return NULL;
}

/* The section of that key, a new one at the end when there is none (NULL when full). */
static struct section *section(struct flow *f, const char *key, const char *title)
{
    struct section *s = find_section(f, key);
    if (s || f->n == sizeof f->sec / sizeof f->sec[0]) return s;
    s = &f->sec[f->n++];
    snprintf(s->key, sizeof s->key, "%s", key);
    snprintf(s->title, sizeof s->title, "%s", title ? title : key);
    return s;
}

static struct item *add_item(struct section *s)
{
    if (!s || s->n == sizeof s->item / sizeof s->item[0]) return NULL;
    struct item *it = &s->item[s->n++];
    memset(it, 0, sizeof *it);
    return it;
}

/* A section's block (w wide in all) starts after the previous one, or on a new line when it
 * does not fit there; its title goes on top. Only a block wider than the page wraps. */
static void open_section(struct builder *bl, struct flow *f, struct layout_page *p,
                         struct section *s, float w)
{
    float room = f->width - 2 * MARGIN;
    if (w > room) w = room;
    if (f->x + w > f->width - MARGIN && f->x > MARGIN) {
        f->x = MARGIN;
        f->y = f->line_bottom + GAP;
    }
    s->x0 = s->cx = s->right = f->x;
    s->y0 = f->y;
    s->cy = f->y + TITLE_H;
    s->bottom = s->cy + CELL_H;
    struct layout_ctl *t = add_ctl(bl, p, LK_CAPTION);
    if (t) {
        snprintf(t->label, sizeof t->label, "%s", s->title);
        t->x = s->x0, t->y = s->y0, t->w = w - 4, t->h = TITLE_H - 2;
    }
}

static void close_section(struct flow *f, const struct section *s)
{
    f->x = s->right + GAP;
    if (s->bottom > f->line_bottom) f->line_bottom = s->bottom;
}

/* Room for a cell w wide in s: a block that would pass the page's edge wraps its cells onto
 * another line below its own. */
static void cell(struct flow *f, struct section *s, float w, float *x, float *y)
{
    if (s->cx + w > f->width - MARGIN && s->cx > s->x0) {
        s->cx = s->x0;
        s->cy = s->bottom + GAP / 2;
        s->bottom = s->cy + CELL_H;
    }
    *x = s->cx;
    *y = s->cy;
    s->cx += w;
    if (s->cx > s->right) s->right = s->cx;
}

/* The page's controls scaled about its top left so that its content fits w x h. */
static void fit(struct layout_page *p, float w, float h)
{
    float right = 0, bottom = 0;
    for (unsigned i = 0; i < p->nctl; i++) {
        const struct layout_ctl *c = &p->ctl[i];
        if (c->x + c->w > right) right = c->x + c->w;
        if (c->y + c->h > bottom) bottom = c->y + c->h;
    }
    float k = 1;
    if (right > w - MARGIN) k = (w - MARGIN) / right;
    if (bottom * k > h - MARGIN) k = (h - MARGIN) / bottom;
    if (k >= 1) return;
    for (unsigned i = 0; i < p->nctl; i++) {
        struct layout_ctl *c = &p->ctl[i];
        c->x *= k, c->y *= k, c->w *= k, c->h *= k;
    }
}

/* --- one parameter --------------------------------------------------------------------------- */

static void choices(struct builder *bl, const struct param_ref *ref, struct layout_ctl *c)
{
    char nb[64];
    size_t len = 0;
    c->choices[0] = 0;
    for (unsigned i = 0; i < c->steps; i++) {
        const char *nm;
        if (ref->def->type == PT_STEM)
            nm = i == 0 ? "self" : bl->d->stems[i - 1];
        else
            nm = params_enum_name(ref->def, i, nb, sizeof nb);
        int n = snprintf(c->choices + len, sizeof c->choices - len, "%s%s", i ? "|" : "",
                         nm ? nm : "?");
        if (n < 0 || (size_t)n >= sizeof c->choices - len) break;
        len += (size_t)n;
    }
}

static void add_action(struct builder *bl, struct layout_page *p, float x, float y,
                       const char *label, const char *addr, const char *args)
{
    struct layout_ctl *c = add_ctl(bl, p, LK_ACTION);
    if (!c) return;
    snprintf(c->label, sizeof c->label, "%s", label);
    snprintf(c->addr, sizeof c->addr, "%s", addr);
    snprintf(c->args, sizeof c->args, "%s", args);
    c->x = x, c->y = y, c->w = 2 * CELL_W, c->h = 32;
}

/* The control(s) of one parameter in its cell: caption, control, and the /text label. */
static void add_param(struct builder *bl, struct layout_page *p, const struct item *it, float x,
                      float y, float w)
{
    const struct param_ref *ref = &it->ref;
    const struct param_def *def = ref->def;
    char path[LAYOUT_ADDR_MAX - 8]; /* room for /norm or /text */
    params_path(ref, &bl->pn, path, sizeof path);
    enum layout_kind k = def->type == PT_BOOL                           ? LK_TOGGLE
                         : def->type == PT_ENUM || def->type == PT_STEM ? LK_RADIO
                         : def->taper == TAPER_FADER                    ? LK_FADER
                                                                        : LK_KNOB;
    if (reserve(bl, p, 3) < 0) return;
    struct layout_ctl *cap = add_ctl(bl, p, LK_CAPTION);
    struct layout_ctl *c = add_ctl(bl, p, k);
    if (!cap || !c) return;
    snprintf(cap->label, sizeof cap->label, "%s", it->caption);
    cap->x = x, cap->y = y, cap->w = w - 4, cap->h = CAPTION_H;
    snprintf(c->label, sizeof c->label, "%s", it->caption);
    snprintf(c->addr, sizeof c->addr, "%s/norm", path);
    c->x = x + 2, c->y = y + CAPTION_H, c->w = w - 8;
    c->h = k == LK_TOGGLE || k == LK_RADIO ? 40 : CELL_H - CAPTION_H - VALUE_H - 2;
    if (k == LK_RADIO) {
        /* step j is j/(steps-1) in /norm: the j-th choice (stemd rounds to the nearest) */
        c->steps = def->type == PT_STEM ? bl->d->nstems + 1 : params_enum_count(def);
        c->smin = 0;
        c->smax = c->steps > 1 ? 1.0 / (c->steps - 1) : 1;
        choices(bl, ref, c);
    }
    if (k == LK_TOGGLE) return; /* the button says on or off itself */
    struct layout_ctl *v = add_ctl(bl, p, LK_VALUE);
    if (!v) return;
    snprintf(v->addr, sizeof v->addr, "%s/text", path);
    snprintf(v->label, sizeof v->label, "%s", it->caption);
    v->x = x, v->y = y + CELL_H - VALUE_H, v->w = w - 4, v->h = VALUE_H;
}

/* A meter or readout of stemd's /meters feedback (stem -1: the bus's), or the loudness reset. */
static void add_meter(struct builder *bl, struct layout_page *p, const struct item *it, int stem,
                      float x, float y)
{
    const struct meter_place *m = it->m;
    if (m->kind == LK_ACTION) {
        add_action(bl, p, x, y + CAPTION_H, m->title, m->meter, "");
        return;
    }
    int bar = m->kind == LK_METER;
    if (reserve(bl, p, 2) < 0) return;
    struct layout_ctl *cap = add_ctl(bl, p, LK_CAPTION);
    struct layout_ctl *c = add_ctl(bl, p, m->kind);
    if (!cap || !c) return;
    snprintf(cap->label, sizeof cap->label, "%s", m->meter);
    cap->x = x, cap->y = y, cap->w = bar ? CELL_W / 3 - 2 : CELL_W - 4, cap->h = CAPTION_H;
    if (stem >= 0)
        snprintf(c->addr, sizeof c->addr, "/stem/%d/meter/%s", stem + 1, m->meter);
    else
        snprintf(c->addr, sizeof c->addr, "/bus/meter/%s", m->meter);
    snprintf(c->label, sizeof c->label, "%s", m->meter);
    c->smin = 0, c->smax = 1;
    if (m->kind == LK_METER) meter_range(m->scope, m->meter, &c->smin, &c->smax);
    c->x = x + 2, c->y = y + CAPTION_H, c->w = bar ? CELL_W / 3 - 6 : CELL_W - 8;
    c->h = bar ? CELL_H - CAPTION_H - 2 : 24;
}

/* --- pages ------------------------------------------------------------------------------------ */

/* The width of an item's cell (a radio's grows with its steps). */
static float item_w(const struct builder *bl, const struct flow *f, const struct item *it)
{
    float w = CELL_W;
    if (it->m)
        return it->m->kind == LK_METER ? CELL_W / 3 : it->m->kind == LK_ACTION ? 2 * CELL_W : w;
    const struct param_def *def = it->ref.def;
    if (def->type == PT_ENUM || def->type == PT_STEM) {
        unsigned steps = def->type == PT_STEM ? bl->d->nstems + 1 : params_enum_count(def);
        w = (float)(steps < 2 ? 2 : steps) * STEP_W;
    }
    return w > f->width - 2 * MARGIN - GAP ? f->width - 2 * MARGIN - GAP : w;
}

/* A scope's page: every row of the table in order, in sections, the meters in theirs. stem -1:
 * the bus. */
static void scope_page(struct builder *bl, struct layout_page *p, enum param_scope scope, int stem,
                       float width, float height)
{
    struct flow *f = calloc(1, sizeof *f);
    if (!f) {
        bl->oom = 1;
        return;
    }
    f->x = MARGIN, f->y = MARGIN, f->width = width;
    unsigned n;
    const struct param_def *rows = params_rows(scope, &n);
    for (unsigned r = 0; r < n; r++)
        for (unsigned i = 0; i < (unsigned)rows[r].count; i++) {
            char key[48], caption[LAYOUT_NAME_MAX];
            section_of(&rows[r], i, key, sizeof key, caption, sizeof caption);
            struct item *it = add_item(section(f, key, key));
            if (!it) {
                bl->full = 1;
                continue;
            }
            it->ref = (struct param_ref){&rows[r], i, stem};
            snprintf(it->caption, sizeof it->caption, "%s", caption);
        }
    for (unsigned m = 0; m < NMETERS; m++) {
        if (meters[m].scope != scope) continue;
        struct item *it = add_item(section(f, meters[m].section, meters[m].title));
        if (it)
            it->m = &meters[m];
        else
            bl->full = 1;
    }
    for (unsigned k = 0; k < f->n; k++) {
        struct section *s = &f->sec[k];
        if (!s->n) continue;
        float w = 0;
        for (unsigned i = 0; i < s->n; i++)
            w += item_w(bl, f, &s->item[i]);
        open_section(bl, f, p, s, w);
        for (unsigned i = 0; i < s->n; i++) {
            float x, y;
            cell(f, s, item_w(bl, f, &s->item[i]), &x, &y);
            if (s->item[i].m)
                add_meter(bl, p, &s->item[i], stem, x, y);
            else
                add_param(bl, p, &s->item[i], x, y, item_w(bl, f, &s->item[i]));
        }
        close_section(f, s);
    }
    fit(p, width, height);
    free(f);
}

/* A mixer page: strips for stems first..last-1. */
static void mixer_page(struct builder *bl, struct layout_page *p, unsigned first, unsigned last)
{
    /* strips share the width, but no wider than a sixth of it */
    unsigned slots = last - first < 6 ? 6 : last - first;
    float sw = (float)(LAYOUT_W - 2 * MARGIN) / (float)slots;
    float top = 44; /* under the connect button */
    float h = LAYOUT_H - LAYOUT_TABBAR - top - MARGIN;
    unsigned n;
    const struct param_def *rows = params_rows(SCOPE_STEM, &n);
    for (unsigned k = first; k < last; k++) {
        float x = MARGIN + (float)(k - first) * sw, y = top;
        struct layout_ctl *t = add_ctl(bl, p, LK_CAPTION);
        if (!t) return;
        snprintf(t->label, sizeof t->label, "%s", bl->d->stems[k]);
        t->x = x, t->y = y, t->w = sw - 4, t->h = 20;
        y += 22;
        float fader_h = h - 22 - 3 * 44 - VALUE_H;
        float mx = x;
        /* the meters on the left of the fader: peaks and the compressor's GR */
        for (unsigned m = 0; m < NMETERS; m++) {
            if (meters[m].scope != SCOPE_STEM || meters[m].kind != LK_METER || !meters[m].mixer)
                continue;
            struct layout_ctl *c = add_ctl(bl, p, LK_METER);
            if (!c) return;
            snprintf(c->addr, sizeof c->addr, "/stem/%u/meter/%s", k + 1, meters[m].meter);
            snprintf(c->label, sizeof c->label, "%s", meters[m].meter);
            meter_range(SCOPE_STEM, meters[m].meter, &c->smin, &c->smax);
            c->x = mx, c->y = y, c->w = 8, c->h = fader_h;
            mx += 10;
        }
        float by = y + fader_h + VALUE_H + 4;
        for (size_t j = 0; j < sizeof mixer_rows / sizeof mixer_rows[0]; j++) {
            for (unsigned r = 0; r < n; r++) {
                if (strcmp(rows[r].name, mixer_rows[j]) || rows[r].count != 1) continue;
                struct param_ref ref = {&rows[r], 0, (int)k};
                char path[LAYOUT_ADDR_MAX - 8]; /* room for /norm or /text */
                params_path(&ref, &bl->pn, path, sizeof path);
                int toggle = rows[r].type == PT_BOOL;
                struct layout_ctl *c = add_ctl(bl, p, toggle ? LK_TOGGLE : LK_FADER);
                if (!c) return;
                snprintf(c->addr, sizeof c->addr, "%s/norm", path);
                snprintf(c->label, sizeof c->label, "%s", rows[r].name);
                if (toggle) {
                    c->x = x, c->y = by, c->w = sw - 8, c->h = 36;
                    by += 44;
                    continue;
                }
                c->x = mx + 2, c->y = y, c->w = sw - (mx - x) - 10, c->h = fader_h;
                struct layout_ctl *v = add_ctl(bl, p, LK_VALUE);
                if (!v) return;
                snprintf(v->addr, sizeof v->addr, "%s/text", path);
                snprintf(v->label, sizeof v->label, "%s", rows[r].name);
                v->x = x, v->y = y + fader_h + 2, v->w = sw - 4, v->h = VALUE_H;
            }
        }
    }
}

/* A mixer page has the button that (re)subscribes: the layouts also do it by themselves, and
 * this one is there for an app that refuses a script's send. */
static void connect_button(struct builder *bl, struct layout_page *p)
{
    add_action(bl, p, LAYOUT_W - MARGIN - 2 * CELL_W, 4, "connect", "/subscribe", bl->d->subscribe);
}

static int stem_pages(struct builder *bl, struct layout_page *p, unsigned first, unsigned last,
                      float height)
{
    for (unsigned k = first; k < last; k++) {
        struct layout_page *sp = &p[k - first];
        snprintf(sp->title, sizeof sp->title, "%s", bl->d->stems[k]);
        scope_page(bl, sp, SCOPE_STEM, (int)k, LAYOUT_W, height);
        if (bl->oom) return -1;
    }
    return 0;
}

int layout_build(struct layout_doc *d, unsigned nstems, const char *const *names, const char *host,
                 unsigned port, unsigned reply_port, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    if (nstems == 0 || nstems > STEMD_MAX_STEMS) {
        snprintf(err, errlen, "a layout needs 1 to %d stems (got %u)", STEMD_MAX_STEMS, nstems);
        return -1;
    }
    struct builder bl = {.d = d};
    for (unsigned k = 0; k < nstems; k++) {
        char why[160];
        if (params_stem_name_valid(names[k], why, sizeof why) < 0) {
            snprintf(err, errlen, "stem %u: %s", k + 1, why);
            return -1;
        }
        for (unsigned j = 0; j < k; j++)
            if (!strcmp(names[j], names[k])) {
                snprintf(err, errlen, "stem name '%s' given twice", names[k]);
                return -1;
            }
        snprintf(d->stems[k], sizeof d->stems[k], "%s", names[k]);
        bl.name_ptr[k] = d->stems[k];
    }
    d->nstems = nstems;
    bl.pn.n = nstems;
    bl.pn.names = bl.name_ptr;
    snprintf(d->host, sizeof d->host, "%s", host ? host : "");
    d->port = port;
    d->reply_port = reply_port;
    if (reply_port)
        snprintf(d->subscribe, sizeof d->subscribe, "%u norm names", reply_port);
    else
        snprintf(d->subscribe, sizeof d->subscribe, "norm names");

    float page_h = LAYOUT_H - LAYOUT_TABBAR;
    /* mixer tabs */
    unsigned nmix = (nstems + LAYOUT_MIX_STRIPS - 1) / LAYOUT_MIX_STRIPS;
    for (unsigned m = 0; m < nmix; m++) {
        struct layout_page *p = add_pages(&bl, &d->page, &d->npage, 1);
        if (!p) break;
        unsigned first = m * LAYOUT_MIX_STRIPS;
        unsigned last = first + LAYOUT_MIX_STRIPS < nstems ? first + LAYOUT_MIX_STRIPS : nstems;
        if (nmix == 1)
            snprintf(p->title, sizeof p->title, "mixer");
        else
            snprintf(p->title, sizeof p->title, "mixer %u-%u", first + 1, last);
        connect_button(&bl, p);
        struct layout_ctl *c = add_ctl(&bl, p, LK_CAPTION);
        if (c) {
            if (*d->host)
                snprintf(c->label, sizeof c->label, "stemd at %.40s:%u (UDP)", d->host, port);
            else
                snprintf(c->label, sizeof c->label, "stemd (UDP port %u)", port);
            c->x = MARGIN, c->y = 8, c->w = 6 * CELL_W, c->h = 24;
        }
        mixer_page(&bl, p, first, last);
    }
    /* stem tabs: one each, or for many stems a tab of up to LAYOUT_STEMS_PER_GROUP tabs */
    if (!bl.oom && nstems <= LAYOUT_STEMS_PER_GROUP) {
        struct layout_page *p = add_pages(&bl, &d->page, &d->npage, nstems);
        if (p) stem_pages(&bl, p, 0, nstems, page_h);
    } else if (!bl.oom) {
        for (unsigned first = 0; first < nstems && !bl.oom; first += LAYOUT_STEMS_PER_GROUP) {
            unsigned last = first + LAYOUT_STEMS_PER_GROUP;
            if (last > nstems) last = nstems;
            struct layout_page *g = add_pages(&bl, &d->page, &d->npage, 1);
            if (!g) break;
            snprintf(g->title, sizeof g->title, "stems %u-%u", first + 1, last);
            struct layout_page *p = add_pages(&bl, &g->sub, &g->nsub, last - first);
            if (p) stem_pages(&bl, p, first, last, page_h - LAYOUT_TABBAR);
        }
    }
    /* the master */
    if (!bl.oom) {
        struct layout_page *p = add_pages(&bl, &d->page, &d->npage, 1);
        if (p) {
            snprintf(p->title, sizeof p->title, "master");
            scope_page(&bl, p, SCOPE_BUS, -1, LAYOUT_W, page_h);
        }
    }
    if (bl.oom || bl.full) {
        layout_free(d);
        snprintf(err, errlen,
                 bl.oom ? "out of memory"
                        : "the table has more sections (or rows in one) than a "
                          "layout page holds (tools/layout.c: struct flow)");
        return -1;
    }
    return 0;
}
