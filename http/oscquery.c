/* http/oscquery.c: the OSCQuery namespace (Vidvox OSCQueryProposal) generated from the parameter
 * table and the live stems: a tree of containers and leaves built once at start, each node's
 * JSON written on request with the values of that moment, HOST_INFO, and the OSC message a
 * LISTEN sends. Nothing here lists a parameter: paths, types, ranges, enum names, units and
 * descriptions all come from dsp/params.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/internal.h"
#include "osc/wire.h"

/* The meters as read-only nodes: server/meters.def's, as the OSC meter bundles send them. */
static const struct meter_row *meter_def(const struct oscq *q, unsigned i)
{
    unsigned ns = q->nstems * OSCQ_STEM_METERS;
    return i < ns ? stem_meter_row(i % OSCQ_STEM_METERS) : bus_meter_row(i - ns);
}

const char *oscq_meter_name(const struct oscq *q, unsigned i, char *buf, size_t len)
{
    unsigned ns = q->nstems * OSCQ_STEM_METERS;
    if (i < ns)
        snprintf(buf, len, "/stem/%s/meter/%s", stemd_stem_name(q->sd, i / OSCQ_STEM_METERS),
                 stem_meter_row(i % OSCQ_STEM_METERS)->name);
    else
        snprintf(buf, len, "/bus/meter/%s", bus_meter_row(i - ns)->name);
    return buf;
}

/* The proposal's unit for the table's ("dB", "Hz", "ms"); NULL when it has none that fits
 * (":1", "%"): then UNIT is left out. */
static const char *unit_of(const char *u)
{
    static const struct {
        const char *ours, *theirs;
    } map[] = {{"dB", "gain.db"}, {"dBTP", "gain.db"}, {"Hz", "time.hz"}, {"ms", "time.ms"}};
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(u, map[i].ours) == 0) return map[i].theirs;
    return NULL;
}

static int new_node(struct oscq *q, const char *path, enum oscq_kind kind, unsigned idx, int parent)
{
    if (q->nnodes == q->cap) {
        unsigned cap = q->cap ? 2 * q->cap : 1024;
        struct oscq_node *n = realloc(q->nodes, cap * sizeof *n);
        if (!n) return -1;
        q->nodes = n;
        q->cap = cap;
    }
    struct oscq_node *n = &q->nodes[q->nnodes];
    n->path = strdup(path);
    if (!n->path) return -1;
    const char *slash = strrchr(n->path, '/');
    n->name = slash ? slash + 1 : n->path;
    n->kind = kind;
    n->idx = idx;
    n->parent = parent;
    n->first = n->last = n->next = -1;
    if (parent >= 0) {
        struct oscq_node *p = &q->nodes[parent];
        if (p->last >= 0)
            q->nodes[p->last].next = (int)q->nnodes;
        else
            p->first = (int)q->nnodes;
        p->last = (int)q->nnodes;
    }
    return (int)q->nnodes++;
}

static int child(const struct oscq *q, int parent, const char *name, size_t len)
{
    for (int c = q->nodes[parent].first; c >= 0; c = q->nodes[c].next)
        if (strlen(q->nodes[c].name) == len && memcmp(q->nodes[c].name, name, len) == 0) return c;
    return -1;
}

/* Add the leaf at path, with every container above it that is not there yet. */
static int add_leaf(struct oscq *q, const char *path, enum oscq_kind kind, unsigned idx)
{
    int at = 0;
    const char *s = path + 1;
    char prefix[512];
    for (;;) {
        const char *e = strchr(s, '/');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        size_t plen = (size_t)(s - path) + l;
        if (plen >= sizeof prefix) return -1;
        int c = child(q, at, s, l);
        if (!e) {
            if (c >= 0) return -1; /* two leaves of one path: the table is wrong */
            return new_node(q, path, kind, idx, at);
        }
        if (c < 0) {
            memcpy(prefix, path, plen);
            prefix[plen] = 0;
            if ((c = new_node(q, prefix, NODE_CONTAINER, 0, at)) < 0) return -1;
        }
        at = c;
        s = e + 1;
    }
}

int oscq_init(struct oscq *q, struct stemd *sd, unsigned osc_port, const char *name)
{
    memset(q, 0, sizeof *q);
    q->sd = sd;
    q->nstems = stemd_nstems(sd);
    q->nparams = params_count(q->nstems);
    q->nmeters = q->nstems * OSCQ_STEM_METERS + OSCQ_BUS_METERS;
    q->osc_port = osc_port;
    snprintf(q->host_name, sizeof q->host_name, "%s", name);
    q->refs = calloc(q->nparams, sizeof *q->refs);
    q->param_node = calloc(q->nparams, sizeof *q->param_node);
    q->meter_node = calloc(q->nmeters, sizeof *q->meter_node);
    if (!q->refs || !q->param_node || !q->meter_node || new_node(q, "/", NODE_CONTAINER, 0, -1) < 0)
        goto oom;
    q->nodes[0].name = "";
    char path[512];
    for (unsigned i = 0; i < q->nparams; i++) {
        params_ref_at(q->nstems, i, &q->refs[i]);
        params_path(&q->refs[i], stemd_names(sd), path, sizeof path);
        if ((q->param_node[i] = add_leaf(q, path, NODE_PARAM, i)) < 0) goto oom;
    }
    for (unsigned i = 0; i < q->nmeters; i++) {
        oscq_meter_name(q, i, path, sizeof path);
        if ((q->meter_node[i] = add_leaf(q, path, NODE_METER, i)) < 0) goto oom;
    }
    return 0;
oom:
    oscq_fini(q);
    return -ENOMEM;
}

void oscq_fini(struct oscq *q)
{
    for (unsigned i = 0; i < q->nnodes; i++)
        free(q->nodes[i].path);
    free(q->nodes);
    free(q->refs);
    free(q->param_node);
    free(q->meter_node);
    memset(q, 0, sizeof *q);
}

int oscq_find(const struct oscq *q, const char *path)
{
    if (path[0] != '/') return -1;
    int at = 0;
    const char *s = path + 1;
    while (*s) {
        const char *e = strchr(s, '/');
        size_t l = e ? (size_t)(e - s) : strlen(s);
        if (l == 0) return -1;
        if ((at = child(q, at, s, l)) < 0) return -1;
        if (!e) break;
        s = e + 1;
    }
    return at;
}

/* The attributes, in the order a node's JSON gives them. */
enum attr {
    A_FULL_PATH,
    A_TYPE,
    A_ACCESS,
    A_VALUE,
    A_RANGE,
    A_CLIPMODE,
    A_UNIT,
    A_DESCRIPTION,
    A_CONTENTS,
    A_COUNT
};
static const char *const attr_names[A_COUNT] = {
    "FULL_PATH", "TYPE", "ACCESS", "VALUE", "RANGE", "CLIPMODE", "UNIT", "DESCRIPTION", "CONTENTS"};

static void stem_val(const struct oscq *q, unsigned k, struct jbuf *out)
{
    /* A stem selector: 0 is the stem itself ("self", which params_parse_value reads). */
    jb_str(out, k == 0 ? "self" : stemd_stem_name(q->sd, k - 1));
}

static void value_json(const struct oscq *q, const struct param_ref *ref, float v, struct jbuf *out)
{
    char name[64];
    switch (ref->def->type) {
    case PT_BOOL:
        jb_puts(out, v != 0 ? "true" : "false");
        break;
    case PT_ENUM:
        jb_str(out, params_enum_name(ref->def, (unsigned)v, name, sizeof name) ? name : "");
        break;
    case PT_STEM:
        stem_val(q, (unsigned)v, out);
        break;
    default:
        jb_float(out, v);
    }
}

static void node_json(const struct oscq *q, int node, const float *meters, struct jbuf *out);

/* Attribute a of node (without its key) into out. Returns 0 when the node has none. */
static int attr_json(const struct oscq *q, int node, enum attr a, const float *meters,
                     struct jbuf *out)
{
    const struct oscq_node *n = &q->nodes[node];
    const struct param_ref *ref = n->kind == NODE_PARAM ? &q->refs[n->idx] : NULL;
    const struct param_def *d = ref ? ref->def : NULL;
    const struct meter_row *m = n->kind == NODE_METER ? meter_def(q, n->idx) : NULL;
    char buf[64];
    switch (a) {
    case A_FULL_PATH:
        jb_str(out, n->path);
        return 1;
    case A_CONTENTS:
        /* A parameter may hold others (/bus/compare and /bus/compare/match): the proposal lets
         * a node have both a value and CONTENTS. */
        if (n->kind != NODE_CONTAINER && n->first < 0) return 0;
        jb_puts(out, "{");
        for (int c = n->first; c >= 0; c = q->nodes[c].next) {
            jb_str(out, q->nodes[c].name);
            jb_puts(out, ":");
            node_json(q, c, meters, out);
            if (q->nodes[c].next >= 0) jb_puts(out, ",");
        }
        jb_puts(out, "}");
        return 1;
    case A_ACCESS:
        jb_puts(out, n->kind == NODE_PARAM ? "3" : n->kind == NODE_METER ? "1" : "0");
        return 1;
    case A_DESCRIPTION:
        if (d) {
            jb_str(out, d->desc);
        } else if (m) {
            jb_str(out, m->desc);
        } else if (node == 0) {
            jb_str(out, "stemd: stem-mastering server for JACK");
        } else {
            return 0;
        }
        return 1;
    case A_TYPE:
        if (n->kind == NODE_CONTAINER) return 0;
        jb_puts(out, m || d->type == PT_FLOAT ? "\"f\"" : d->type == PT_BOOL ? "\"T\"" : "\"s\"");
        return 1;
    case A_VALUE:
        if (n->kind == NODE_CONTAINER) return 0;
        jb_puts(out, "[");
        if (m)
            jb_float(out, meters ? meters[n->idx] : -120.0f);
        else
            value_json(q, ref, stemd_get_ref(q->sd, ref), out);
        jb_puts(out, "]");
        return 1;
    case A_RANGE:
        if (!d || d->type == PT_BOOL) return 0;
        if (d->type == PT_FLOAT) {
            jb_puts(out, "[{\"MIN\":");
            jb_float(out, d->min);
            jb_puts(out, ",\"MAX\":");
            jb_float(out, d->max);
            jb_puts(out, "}]");
        } else if (d->type == PT_ENUM) {
            jb_puts(out, "[{\"VALS\":[");
            for (unsigned i = 0; params_enum_name(d, i, buf, sizeof buf); i++) {
                if (i) jb_puts(out, ",");
                jb_str(out, buf);
            }
            jb_puts(out, "]}]");
        } else { /* PT_STEM: the live stems, not the table's 256 */
            jb_puts(out, "[{\"VALS\":[");
            for (unsigned k = 0; k <= q->nstems; k++) {
                if (k) jb_puts(out, ",");
                stem_val(q, k, out);
            }
            jb_puts(out, "]}]");
        }
        return 1;
    case A_CLIPMODE:
        if (!d || d->type != PT_FLOAT) return 0;
        jb_puts(out, "[\"both\"]"); /* out of range: clamped at both ends (stemd_apply) */
        return 1;
    case A_UNIT: {
        const char *u = d ? unit_of(d->unit) : m ? m->unit : NULL;
        if (!u) return 0;
        jb_puts(out, "[");
        jb_str(out, u);
        jb_puts(out, "]");
        return 1;
    }
    default:
        return 0;
    }
}

static void node_json(const struct oscq *q, int node, const float *meters, struct jbuf *out)
{
    int first = 1;
    jb_puts(out, "{");
    for (int a = 0; a < A_COUNT; a++) {
        size_t mark = out->len;
        if (!first) jb_puts(out, ",");
        jb_str(out, attr_names[a]);
        jb_puts(out, ":");
        if (attr_json(q, node, (enum attr)a, meters, out)) {
            first = 0;
        } else if (!out->oom) {
            out->len = mark; /* the node has none: take the key back */
            out->p[mark] = 0;
        }
    }
    jb_puts(out, "}");
}

static void host_info(const struct oscq *q, struct jbuf *out)
{
    /* EXTENSIONS: true for what this server does. Stems are fixed while stemd runs, so no
     * path is ever added, removed or renamed. */
    static const struct {
        const char *name;
        int on;
    } ext[] = {{"ACCESS", 1},        {"VALUE", 1},        {"RANGE", 1},      {"DESCRIPTION", 1},
               {"UNIT", 1},          {"CLIPMODE", 1},     {"LISTEN", 1},     {"TAGS", 0},
               {"EXTENDED_TYPE", 0}, {"CRITICAL", 0},     {"OVERLOADS", 0},  {"HTML", 0},
               {"PATH_CHANGED", 0},  {"PATH_RENAMED", 0}, {"PATH_ADDED", 0}, {"PATH_REMOVED", 0}};
    jb_puts(out, "{\"NAME\":");
    jb_str(out, q->host_name);
    jb_printf(out, ",\"OSC_PORT\":%u,\"OSC_TRANSPORT\":\"UDP\",\"EXTENSIONS\":{", q->osc_port);
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
        jb_printf(out, "%s\"%s\":%s", i ? "," : "", ext[i].name, ext[i].on ? "true" : "false");
    jb_puts(out, "}}");
}

int oscq_answer(const struct oscq *q, const char *path, const char *query, const float *meters,
                struct jbuf *out)
{
    char p[512];
    size_t l = strlen(path);
    if (path[0] != '/' || l >= sizeof p || strstr(path, "..") || strstr(path, "//")) return 400;
    memcpy(p, path, l + 1);
    if (l > 1 && p[l - 1] == '/') p[l - 1] = 0; /* "/bus/" is "/bus" */
    if (query && strcmp(query, "HOST_INFO") == 0) {
        host_info(q, out);
        return 200;
    }
    int node = oscq_find(q, p);
    if (node < 0) return 404;
    if (!query || !query[0]) {
        node_json(q, node, meters, out);
        return 200;
    }
    for (int a = 0; a < A_COUNT; a++) {
        if (strcmp(query, attr_names[a]) != 0) continue;
        jb_puts(out, "{");
        jb_str(out, attr_names[a]);
        jb_puts(out, ":");
        return attr_json(q, node, (enum attr)a, meters, out) ? (jb_puts(out, "}"), 200) : 204;
    }
    return 400;
}

int oscq_osc_value(const struct oscq *q, int node, const float *meters, unsigned char *buf,
                   size_t cap)
{
    const struct oscq_node *n = &q->nodes[node];
    char name[64];
    if (n->kind == NODE_METER) return oscw_message(buf, cap, n->path, "f", (double)meters[n->idx]);
    if (n->kind != NODE_PARAM) return -1;
    const struct param_ref *ref = &q->refs[n->idx];
    float v = stemd_get_ref(q->sd, ref);
    switch (ref->def->type) {
    case PT_BOOL:
        return oscw_message(buf, cap, n->path, v != 0 ? "T" : "F");
    case PT_ENUM:
        return oscw_message(buf, cap, n->path, "s",
                            params_enum_name(ref->def, (unsigned)v, name, sizeof name) ? name : "");
    case PT_STEM:
        return oscw_message(buf, cap, n->path, "s",
                            v == 0 ? "self" : stemd_stem_name(q->sd, (unsigned)v - 1));
    default:
        return oscw_message(buf, cap, n->path, "f", (double)v);
    }
}
