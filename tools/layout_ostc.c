/* tools/layout_ostc.c: the layout model as an Open Stage Control session (JSON, 1.x).
 *
 * {"version", "type": "session", "content": {"type": "root", "widgets", "tabs"}}: the version is
 * above 1.24.2, so the app loads it as it is (its converters only touch older sessions); a
 * widget lacks no property it needs, and the app fills in the rest with its defaults. Pages are
 * tabs (a page of pages: a tab with tabs). Widgets: fader (faders; display-only meters), knob,
 * button (toggle; tap for actions: the "on" value is sent after preArgs), switch or, for many
 * choices, dropdown, and text (captions, /text values, readouts). A widget's address is the
 * control's, its range smin..smax; target is HOST:PORT when one was given (else the server's
 * --send decides). The root's onCreate subscribes and pings every 20 s to keep the lease. */
#include <string.h>

#include "tools/layout.h"

#define OSC_VERSION "1.26.2"

/* The root's onCreate: "/subscribe" and its words from the model, then the renewal. */
static const char renew[] = "setInterval(function () { send('/ping') }, 20000)\n";

struct w {
    struct layout_buf b;
    const struct layout_doc *d;
    char target[300];
    unsigned tabs;
};

static void str(struct w *w, const char *key, const char *value)
{
    layout_buf_printf(&w->b, "\"%s\": \"", key);
    layout_buf_escaped(&w->b, value, 0);
    layout_buf_printf(&w->b, "\"");
}

static void widget_head(struct w *w, const struct layout_ctl *c, const char *type)
{
    layout_buf_printf(&w->b, "{");
    str(w, "type", type);
    layout_buf_printf(&w->b, ", ");
    str(w, "id", c->name);
    layout_buf_printf(&w->b, ", \"left\": %.0f, \"top\": %.0f, \"width\": %.0f, \"height\": %.0f, ",
                      (double)c->x, (double)c->y, (double)c->w, (double)c->h);
    if (c->kind == LK_CAPTION || c->kind == LK_VALUE || c->kind == LK_READOUT)
        layout_buf_printf(&w->b, "\"label\": false"); /* a text widget shows its value only */
    else
        str(w, "label", c->label);
    layout_buf_printf(&w->b, ", ");
    str(w, "target", w->target);
}

/* An argument word: a number as a number (sent as an int), else a string. */
static void word(struct w *w, const char *t)
{
    if (*t && strspn(t, "0123456789") == strlen(t)) {
        layout_buf_printf(&w->b, "%s", t);
        return;
    }
    layout_buf_printf(&w->b, "\"");
    layout_buf_escaped(&w->b, t, 0);
    layout_buf_printf(&w->b, "\"");
}

/* A value as stemd sends it: PATH/norm is a float32, and the app compares what it receives
 * with a switch's values: the same float32, printed exactly. */
static double f32(double v)
{
    return (double)(float)v;
}

static void control(struct w *w, const struct layout_ctl *c, int first)
{
    if (!first) layout_buf_printf(&w->b, ",\n");
    switch (c->kind) {
    case LK_FADER:
    case LK_METER:
    case LK_KNOB:
        widget_head(w, c, c->kind == LK_KNOB ? "knob" : "fader");
        layout_buf_printf(&w->b, ", \"range\": {\"min\": %.9g, \"max\": %.9g}", c->smin, c->smax);
        layout_buf_printf(&w->b, ", \"interaction\": %s", c->kind == LK_METER ? "false" : "true");
        if (c->kind == LK_METER) layout_buf_printf(&w->b, ", \"design\": \"compact\"");
        break;
    case LK_TOGGLE:
        widget_head(w, c, "button");
        layout_buf_printf(&w->b, ", \"mode\": \"toggle\", \"on\": 1, \"off\": 0");
        break;
    case LK_ACTION: {
        /* tap: sends "on" only, after preArgs: the last word is "on", the others preArgs */
        char words[sizeof c->args];
        snprintf(words, sizeof words, "%s", c->args);
        char *last = strrchr(words, ' ');
        widget_head(w, c, "button");
        layout_buf_printf(&w->b, ", \"mode\": \"tap\", \"off\": 0, \"on\": ");
        if (*words) {
            word(w, last ? last + 1 : words);
            if (last) *last = 0;
        } else {
            layout_buf_printf(&w->b, "1");
        }
        layout_buf_printf(&w->b, ", \"preArgs\": [");
        int n = 0;
        if (last)
            for (char *save = NULL, *t = strtok_r(words, " ", &save); t;
                 t = strtok_r(NULL, " ", &save)) {
                layout_buf_printf(&w->b, "%s", n++ ? ", " : "");
                word(w, t);
            }
        layout_buf_printf(&w->b, "]");
        break;
    }
    case LK_RADIO: {
        widget_head(w, c, c->steps > 8 ? "dropdown" : "switch");
        if (c->steps <= 8) layout_buf_printf(&w->b, ", \"layout\": \"horizontal\"");
        layout_buf_printf(&w->b, ", \"values\": {");
        const char *s = c->choices;
        for (unsigned k = 0; k < c->steps; k++) {
            size_t l = strcspn(s, "|");
            char name[128];
            snprintf(name, sizeof name, "%.*s", (int)(l < sizeof name ? l : sizeof name - 1), s);
            layout_buf_printf(&w->b, "%s\"", k ? ", " : "");
            layout_buf_escaped(&w->b, name, 0);
            layout_buf_printf(&w->b, "\": %.17g", f32(c->smin + k * c->smax));
            s += l + (s[l] == '|');
        }
        layout_buf_printf(&w->b, "}");
        break;
    }
    case LK_VALUE:
    case LK_READOUT:
    case LK_CAPTION:
        widget_head(w, c, "text");
        layout_buf_printf(&w->b, ", ");
        str(w, "value", c->kind == LK_CAPTION ? c->label : "-");
        layout_buf_printf(&w->b, ", ");
        str(w, "default", c->kind == LK_CAPTION ? c->label : "-");
        if (c->kind == LK_CAPTION) layout_buf_printf(&w->b, ", \"align\": \"left\"");
        break;
    }
    /* a caption is no OSC widget: it neither sends nor listens */
    layout_buf_printf(&w->b, ", ");
    str(w, "address", c->kind == LK_CAPTION ? "/layout/caption" : c->addr);
    if (c->kind == LK_CAPTION) layout_buf_printf(&w->b, ", \"bypass\": true");
    if (c->kind != LK_ACTION) layout_buf_printf(&w->b, ", \"preArgs\": []");
    layout_buf_printf(&w->b, "}");
}

static void tabs(struct w *w, const struct layout_page *p, unsigned n)
{
    layout_buf_printf(&w->b, "[");
    for (unsigned i = 0; i < n; i++) {
        layout_buf_printf(&w->b, "%s{\"type\": \"tab\", \"id\": \"tab_%u\", ", i ? ",\n" : "\n",
                          ++w->tabs);
        str(w, "label", p[i].title);
        layout_buf_printf(&w->b, ", \"widgets\": [\n");
        for (unsigned k = 0; k < p[i].nctl; k++)
            control(w, &p[i].ctl[k], k == 0);
        layout_buf_printf(&w->b, "], \"tabs\": ");
        tabs(w, p[i].sub, p[i].nsub);
        layout_buf_printf(&w->b, "}");
    }
    layout_buf_printf(&w->b, "]");
}

int layout_write_ostc(const struct layout_doc *d, FILE *f, char *err, size_t errlen)
{
    struct w w = {{0}, d, "", 0};
    if (*d->host) snprintf(w.target, sizeof w.target, "%s:%u", d->host, d->port);
    layout_buf_printf(&w.b,
                      "{\"version\": \"%s\", \"createdWith\": \"stemctl layout\", "
                      "\"type\": \"session\",\n\"content\": {\"type\": \"root\", "
                      "\"id\": \"root\", ",
                      OSC_VERSION);
    char script[512], args[128] = "";
    char words[sizeof d->subscribe];
    snprintf(words, sizeof words, "%s", d->subscribe);
    for (char *save = NULL, *t = strtok_r(words, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        size_t l = strlen(args);
        snprintf(args + l, sizeof args - l,
                 strspn(t, "0123456789") == strlen(t) ? ", %s" : ", '%s'", t);
    }
    snprintf(script, sizeof script, "send('/subscribe'%s)\n%s", args, renew);
    str(&w, "onCreate", script);
    layout_buf_printf(&w.b, ", ");
    str(&w, "comments", "stemd: generated by stemctl layout from the parameter table");
    layout_buf_printf(&w.b, ", \"widgets\": [], \"tabs\": ");
    tabs(&w, d->page, d->npage);
    layout_buf_printf(&w.b, "}}\n");
    if (w.b.oom) {
        layout_buf_free(&w.b);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    size_t len = w.b.len, put = fwrite(w.b.p, 1, len, f);
    layout_buf_free(&w.b);
    if (put != len) {
        snprintf(err, errlen, "write failed");
        return -1;
    }
    return 0;
}
