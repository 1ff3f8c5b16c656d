/* tools/layout_tosc.c: the layout model as a TouchOSC document (.tosc): the XML that TouchOSC
 * (1.x) writes, compressed with zlib.
 *
 * The form follows files the editor saved (as documented by shakfu/py2tosc): <lexml version='6'>
 * holding one GROUP node (the canvas; an empty <includes> first), each node with its
 * <properties> in alphabetical order and typed (s b i f r c), its <values>, its <messages> and
 * its <children>; keys and strings in CDATA; empty containers left out. Pages are GROUPs in a
 * PAGER (inside the root GROUP: a PAGER as the root stacks its pages). Controls: FADER (faders
 * and, display-only, meters), RADIAL (knobs), BUTTON (toggles: buttonType 1; actions: 0), RADIO
 * (choices), LABEL (captions, /text values, readouts). A control's <osc> has its address as one
 * CONSTANT path partial and its value as a VALUE argument scaled smin..smax (TouchOSC sends
 * min + x * (max - min), a radio's x being its step index, and maps what it receives back). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "tools/layout.h"

/* The root's script (Lua): subscribe at start (asking for the feedback at the connection's
 * receive port: TouchOSC need not send from it); every 20 s a /ping renews the lease (any packet
 * does); when nothing has come for 15 s (stemd restarted, lease lost), subscribe again. The root
 * sees every message first, so its onReceiveOSC hears all feedback. */
static const char root_script_head[] =
    "-- stemd: /subscribe when the layout starts, keep the lease, subscribe again when the\n"
    "-- feedback stops (stemd restarted).\n"
    "local last_rx, last_sub, last_ping = 0, 0, 0\n"
    "local function subscribe()\n";
static const char root_script_tail[] =
    "  last_sub = getMillis()\n"
    "end\n"
    "function init() subscribe() end\n"
    "function onReceiveOSC(message, connections) last_rx = getMillis() end\n"
    "function update()\n"
    "  local t = getMillis()\n"
    "  if t - last_rx > 15000 and t - last_sub > 15000 then subscribe()\n"
    "  elseif t - last_ping > 20000 then sendOSC('/ping'); last_ping = t end\n"
    "end\n";

struct prop {
    const char *key;
    char type; /* s b i f r c */
    char val[96];
    const char *text; /* a long string value instead of val */
};

struct node {
    struct prop p[48];
    unsigned n;
};

static void prop(struct node *nd, const char *key, char type, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void prop(struct node *nd, const char *key, char type, const char *fmt, ...)
{
    if (nd->n == sizeof nd->p / sizeof nd->p[0]) return;
    struct prop *p = &nd->p[nd->n++];
    va_list ap;
    p->key = key;
    p->type = type;
    p->text = NULL;
    va_start(ap, fmt);
    vsnprintf(p->val, sizeof p->val, fmt, ap);
    va_end(ap);
}

static void prop_text(struct node *nd, const char *key, const char *text)
{
    prop(nd, key, 's', "%s", "");
    nd->p[nd->n - 1].text = text;
}

static int by_key(const void *a, const void *b)
{
    return strcmp(((const struct prop *)a)->key, ((const struct prop *)b)->key);
}

/* The properties every node has (py2tosc's defaults, from the editor's), then the type's. */
static void common(struct node *nd, const char *name, float x, float y, float w, float h,
                   int interactive, int shape)
{
    nd->n = 0;
    prop(nd, "background", 'b', "1");
    prop(nd, "color", 'c', "0.25 0.25 0.25 1");
    prop(nd, "cornerRadius", 'f', "0");
    prop(nd, "frame", 'r', "%.6g %.6g %.6g %.6g", x, y, w, h);
    prop(nd, "grabFocus", 'b', "%d", interactive);
    prop(nd, "interactive", 'b', "%d", interactive);
    prop(nd, "locked", 'b', "0");
    prop(nd, "name", 's', "%s", name);
    prop(nd, "orientation", 'i', "0");
    prop(nd, "outline", 'b', "1");
    prop(nd, "outlineStyle", 'i', "%d", interactive && shape == 1 ? 1 : 0);
    prop(nd, "pointerPriority", 'i', "0");
    prop(nd, "shape", 'i', "%d", shape);
    prop(nd, "visible", 'b', "1");
}

static void set(struct node *nd, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set(struct node *nd, const char *key, const char *fmt, ...)
{
    for (unsigned i = 0; i < nd->n; i++)
        if (!strcmp(nd->p[i].key, key)) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(nd->p[i].val, sizeof nd->p[i].val, fmt, ap);
            va_end(ap);
        }
}

static void text_props(struct node *nd, int size, int align_h)
{
    prop(nd, "font", 'i', "0");
    prop(nd, "textAlignH", 'i', "%d", align_h);
    prop(nd, "textAlignV", 'i', "2");
    prop(nd, "textColor", 'c', "1 1 1 1");
    prop(nd, "textSize", 'i', "%d", size);
    prop(nd, "textClip", 'b', "1");
}

struct w {
    struct layout_buf b;
    unsigned id;
};

static void open_node(struct w *w, const char *type, struct node *nd, int root)
{
    layout_buf_printf(&w->b, "<node ID='5354454d-0000-4000-8000-%012x' type='%s'>", ++w->id, type);
    if (root) layout_buf_printf(&w->b, "<includes></includes>");
    qsort(nd->p, nd->n, sizeof nd->p[0], by_key);
    layout_buf_printf(&w->b, "<properties>");
    for (unsigned i = 0; i < nd->n; i++) {
        const struct prop *p = &nd->p[i];
        layout_buf_printf(&w->b, "<property type='%c'><key><![CDATA[%s]]></key>", p->type, p->key);
        float v[4] = {0, 0, 0, 0};
        if (p->type == 'r' || p->type == 'c') {
            sscanf(p->val, "%f %f %f %f", &v[0], &v[1], &v[2], &v[3]);
            const char *f = p->type == 'r' ? "xywh" : "rgba";
            layout_buf_printf(&w->b, "<value>");
            for (int j = 0; j < 4; j++)
                layout_buf_printf(&w->b, "<%c>%.6g</%c>", f[j], (double)v[j], f[j]);
            layout_buf_printf(&w->b, "</value>");
        } else if (p->type == 's') {
            layout_buf_printf(&w->b, "<value><![CDATA[%s]]></value>", p->text ? p->text : p->val);
        } else {
            layout_buf_printf(&w->b, "<value>%s</value>", p->val);
        }
        layout_buf_printf(&w->b, "</property>");
    }
    layout_buf_printf(&w->b, "</properties>");
}

/* <values>: the keys given ("x", "text", "page"), then touch. */
static void values(struct w *w, const char *key, const char *def)
{
    layout_buf_printf(&w->b, "<values>");
    if (key)
        layout_buf_printf(&w->b,
                          "<value><key><![CDATA[%s]]></key><locked>0</locked>"
                          "<lockedDefaultCurrent>0</lockedDefaultCurrent>"
                          "<default><![CDATA[%s]]></default><defaultPull>0</defaultPull></value>",
                          key, def);
    layout_buf_printf(&w->b, "<value><key><![CDATA[touch]]></key><locked>0</locked>"
                             "<lockedDefaultCurrent>0</lockedDefaultCurrent>"
                             "<default><![CDATA[false]]></default><defaultPull>0</defaultPull>"
                             "</value></values>");
}

static void partial(struct w *w, const char *type, const char *conv, const char *value, double lo,
                    double hi)
{
    /* (CDATA: paths and words, which hold no "]]>") */
    layout_buf_printf(&w->b,
                      "<partial><type>%s</type><conversion>%s</conversion>"
                      "<value><![CDATA[%s]]></value><scaleMin>%.9g</scaleMin>"
                      "<scaleMax>%.9g</scaleMax></partial>",
                      type, conv, value, lo, hi);
}

/* One <osc> binding: send and/or receive addr; the argument is the value key (scaled), or for
 * an action the constant words of args. */
static void osc(struct w *w, const struct layout_ctl *c, int send, int receive, const char *key,
                const char *conv)
{
    layout_buf_printf(&w->b,
                      "<messages><osc><enabled>1</enabled><send>%d</send><receive>%d</receive>"
                      "<feedback>0</feedback><noDuplicates>0</noDuplicates>"
                      "<connections>1111111111</connections>",
                      send, receive);
    if (send)
        layout_buf_printf(&w->b,
                          "<triggers><trigger><var><![CDATA[%s]]></var><condition>%s</condition>"
                          "</trigger></triggers>",
                          key, c->kind == LK_ACTION ? "RISE" : "ANY");
    layout_buf_printf(&w->b, "<path>");
    partial(w, "CONSTANT", "STRING", c->addr, 0, 1);
    layout_buf_printf(&w->b, "</path><arguments>");
    if (c->kind == LK_ACTION) {
        char words[sizeof c->args];
        snprintf(words, sizeof words, "%s", c->args);
        for (char *save = NULL, *t = strtok_r(words, " ", &save); t; t = strtok_r(NULL, " ", &save))
            partial(w, "CONSTANT", strspn(t, "0123456789") == strlen(t) ? "INTEGER" : "STRING", t,
                    0, 1);
    } else {
        partial(w, "VALUE", conv, key, c->smin, c->smax);
    }
    layout_buf_printf(&w->b, "</arguments></osc></messages>");
}

static void control(struct w *w, const struct layout_ctl *c)
{
    struct node nd;
    switch (c->kind) {
    case LK_FADER:
    case LK_METER:
        common(&nd, c->name, c->x, c->y, c->w, c->h, c->kind == LK_FADER, 1);
        prop(&nd, "response", 'i', "0");
        prop(&nd, "responseFactor", 'i', "100");
        prop(&nd, "grid", 'b', "%d", c->kind == LK_FADER);
        prop(&nd, "gridColor", 'c', "0 0 0 0.25");
        prop(&nd, "gridSteps", 'i', "13");
        prop(&nd, "cursor", 'b', "%d", c->kind == LK_FADER);
        prop(&nd, "cursorDisplay", 'i', "0");
        prop(&nd, "bar", 'b', "1");
        prop(&nd, "barDisplay", 'i', "0");
        if (c->kind == LK_METER) set(&nd, "color", "0.2 0.75 0.3 1");
        open_node(w, "FADER", &nd, 0);
        values(w, "x", "0");
        osc(w, c, c->kind == LK_FADER, 1, "x", "FLOAT");
        break;
    case LK_KNOB:
        common(&nd, c->name, c->x, c->y, c->w, c->h, 1, 2);
        prop(&nd, "response", 'i', "0");
        prop(&nd, "responseFactor", 'i', "100");
        prop(&nd, "grid", 'b', "1");
        prop(&nd, "gridColor", 'c', "0 0 0 0.25");
        prop(&nd, "gridSteps", 'i', "20");
        prop(&nd, "cursor", 'b', "1");
        prop(&nd, "cursorDisplay", 'i', "0");
        prop(&nd, "inverted", 'b', "0");
        prop(&nd, "centered", 'b', "0");
        open_node(w, "RADIAL", &nd, 0);
        values(w, "x", "0");
        osc(w, c, 1, 1, "x", "FLOAT");
        break;
    case LK_TOGGLE:
    case LK_ACTION:
        common(&nd, c->name, c->x, c->y, c->w, c->h, 1, 1);
        prop(&nd, "buttonType", 'i', "%d", c->kind == LK_TOGGLE ? 1 : 0);
        prop(&nd, "press", 'b', "1");
        prop(&nd, "release", 'b', "1");
        prop(&nd, "valuePosition", 'b', "0");
        open_node(w, "BUTTON", &nd, 0);
        values(w, "x", "0");
        osc(w, c, 1, c->kind == LK_TOGGLE, "x", "FLOAT");
        break;
    case LK_RADIO:
        common(&nd, c->name, c->x, c->y, c->w, c->h, 1, 1);
        set(&nd, "orientation", "1");
        prop(&nd, "steps", 'i', "%u", c->steps);
        prop(&nd, "radioType", 'i', "0");
        prop_text(&nd, "tag", c->choices); /* the step names, for the person editing it */
        open_node(w, "RADIO", &nd, 0);
        values(w, "x", "0");
        osc(w, c, 1, 1, "x", "FLOAT");
        break;
    case LK_VALUE:
    case LK_READOUT:
    case LK_CAPTION:
        common(&nd, c->name, c->x, c->y, c->w, c->h, 0, 1);
        set(&nd, "background", "0");
        set(&nd, "outline", "0");
        text_props(&nd, c->kind == LK_CAPTION ? 11 : 12, c->kind == LK_CAPTION ? 1 : 2);
        prop(&nd, "textLength", 'i', "0");
        open_node(w, "LABEL", &nd, 0);
        layout_buf_printf(&w->b,
                          "<values><value><key><![CDATA[text]]></key><locked>0</locked>"
                          "<lockedDefaultCurrent>0</lockedDefaultCurrent><default><![CDATA[%s",
                          c->kind == LK_CAPTION ? c->label : "-");
        layout_buf_printf(&w->b, "]]></default><defaultPull>0</defaultPull></value>"
                                 "<value><key><![CDATA[touch]]></key><locked>0</locked>"
                                 "<lockedDefaultCurrent>0</lockedDefaultCurrent>"
                                 "<default><![CDATA[false]]></default><defaultPull>0</defaultPull>"
                                 "</value></values>");
        if (c->kind != LK_CAPTION) osc(w, c, 0, 1, "text", "STRING");
        break;
    }
    layout_buf_printf(&w->b, "</node>");
}

static void group(struct w *w, const char *name, const char *tab, float x, float y, float wd,
                  float h)
{
    struct node nd;
    common(&nd, name, x, y, wd, h, 0, 1);
    set(&nd, "outline", "0");
    if (tab) prop(&nd, "tabLabel", 's', "%s", tab);
    open_node(w, "GROUP", &nd, 0);
    values(w, NULL, NULL);
}

static void pager(struct w *w, const char *name, float x, float y, float wd, float h)
{
    struct node nd;
    common(&nd, name, x, y, wd, h, 0, 1);
    set(&nd, "outline", "0");
    prop(&nd, "tabLabels", 'b', "1");
    prop(&nd, "tabbar", 'b', "1");
    prop(&nd, "tabbarDoubleTap", 'b', "0");
    prop(&nd, "tabbarSize", 'i', "%d", LAYOUT_TABBAR);
    prop(&nd, "textSizeOff", 'i', "14");
    prop(&nd, "textSizeOn", 'i', "14");
    open_node(w, "PAGER", &nd, 0);
    values(w, "page", "0");
}

/* A pager over pages (each a GROUP below the tab bar): controls, or a pager of their own. */
static void pages(struct w *w, const char *name, const struct layout_page *p, unsigned n, float wd,
                  float h)
{
    pager(w, name, 0, 0, wd, h);
    layout_buf_printf(&w->b, "<children>");
    for (unsigned i = 0; i < n; i++) {
        char gname[LAYOUT_NAME_MAX + 8];
        snprintf(gname, sizeof gname, "%s.%u", name, i + 1);
        group(w, gname, p[i].title, 0, LAYOUT_TABBAR, wd, h - LAYOUT_TABBAR);
        if (p[i].nsub || p[i].nctl) layout_buf_printf(&w->b, "<children>");
        if (p[i].nsub) {
            char pname[LAYOUT_NAME_MAX + 16];
            snprintf(pname, sizeof pname, "%s.tabs", gname);
            pages(w, pname, p[i].sub, p[i].nsub, wd, h - LAYOUT_TABBAR);
        }
        for (unsigned k = 0; k < p[i].nctl; k++)
            control(w, &p[i].ctl[k]);
        if (p[i].nsub || p[i].nctl) layout_buf_printf(&w->b, "</children>");
        layout_buf_printf(&w->b, "</node>");
    }
    layout_buf_printf(&w->b, "</children></node>");
}

int layout_write_tosc(const struct layout_doc *d, FILE *f, char *err, size_t errlen)
{
    struct w w = {{0}, 0};
    struct node nd;
    layout_buf_printf(&w.b, "<?xml version='1.0' encoding='UTF-8'?><lexml version='6'>");
    common(&nd, "stemd", 0, 0, LAYOUT_W, LAYOUT_H, 0, 1);
    set(&nd, "outline", "0");
    char script[1024];
    if (d->reply_port)
        snprintf(script, sizeof script, "%s  sendOSC('/subscribe', %u, 'norm', 'names')\n%s",
                 root_script_head, d->reply_port, root_script_tail);
    else
        snprintf(script, sizeof script, "%s  sendOSC('/subscribe', 'norm', 'names')\n%s",
                 root_script_head, root_script_tail);
    prop_text(&nd, "script", script);
    prop(&nd, "metaCreator", 's', "stemctl layout");
    prop(&nd, "metaComments", 's', "stemd %u stems", d->nstems);
    open_node(&w, "GROUP", &nd, 1);
    values(&w, NULL, NULL);
    layout_buf_printf(&w.b, "<children>");
    pages(&w, "pages", d->page, d->npage, LAYOUT_W, LAYOUT_H);
    layout_buf_printf(&w.b, "</children></node></lexml>");
    if (w.b.oom) {
        layout_buf_free(&w.b);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    uLongf zlen = compressBound((uLong)w.b.len);
    unsigned char *z = malloc(zlen);
    int rc = z ? compress2(z, &zlen, (const Bytef *)w.b.p, (uLong)w.b.len, 9) : Z_MEM_ERROR;
    layout_buf_free(&w.b);
    if (rc != Z_OK) {
        free(z);
        snprintf(err, errlen, "zlib: %s", rc == Z_MEM_ERROR ? "out of memory" : "cannot compress");
        return -1;
    }
    size_t put = fwrite(z, 1, zlen, f);
    free(z);
    if (put != zlen) {
        snprintf(err, errlen, "write failed");
        return -1;
    }
    return 0;
}
