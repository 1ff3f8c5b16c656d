/* http/internal.h: the HTTP module's structs and the interfaces between its files. */
#ifndef STEMD_HTTP_INTERNAL_H
#define STEMD_HTTP_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "dsp/mix.h"
#include "dsp/params.h"
#include "http/http.h"
#include "osc/osc.h"
#include "server/control.h"
#include "server/metertable.h"

/* json.c: a growing text buffer for replies. Out of memory sticks (oom) and is checked once. */
struct jbuf {
    char *p;
    size_t len, cap;
    int oom;
};
void jb_free(struct jbuf *b);
void jb_add(struct jbuf *b, const char *s, size_t n);
void jb_puts(struct jbuf *b, const char *s);
void jb_printf(struct jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s as a JSON string, quotes included. */
void jb_str(struct jbuf *b, const char *s);
/* A number as JSON (finite: %.9g, which a float survives; else null). */
void jb_num(struct jbuf *b, double v);
/* A float as the shortest JSON number that reads back as the same float. */
void jb_float(struct jbuf *b, float v);

/* The namespace tree (oscquery.c): containers from the paths' segments, leaves for the
 * parameters (in params_ref_at order) and the meters. */
enum oscq_kind { NODE_CONTAINER, NODE_PARAM, NODE_METER };
struct oscq_node {
    const char *name; /* the segment ("" for the root) */
    char *path;       /* FULL_PATH */
    enum oscq_kind kind;
    unsigned idx;                  /* the parameter's (params_ref_at) or the meter's index */
    int parent, first, last, next; /* indices into the node array; -1 for none */
};

/* The meters a node can show: per stem 4 (oscq_meter_stem), then the bus's. */
#define OSCQ_STEM_METERS SM_COUNT /* server/meters.def */
#define OSCQ_BUS_METERS  BM_COUNT
struct oscq {
    struct stemd *sd;
    unsigned nstems, nparams, nmeters;
    struct param_ref *refs;  /* nparams */
    struct oscq_node *nodes; /* nnodes */
    unsigned nnodes, cap;
    int *param_node, *meter_node; /* the leaf of each */
    unsigned osc_port;
    char host_name[64];
};

/* Build the tree for sd's stems. Returns 0 or -ENOMEM. */
int oscq_init(struct oscq *q, struct stemd *sd, unsigned osc_port, const char *name);
void oscq_fini(struct oscq *q);
/* The node at path ("/" for the root, no trailing slash), or -1. */
int oscq_find(const struct oscq *q, const char *path);
/* The meter index for (stem 0-based or -1 for the bus, which), the name of meter i into buf. */
const char *oscq_meter_name(const struct oscq *q, unsigned i, char *buf, size_t len);
/* Answer GET path?query into out (JSON). meters: the latest reading of each meter (nmeters
 * values, dB or LUFS, -120 for silence). Returns the HTTP status: 200, 204 (no such attribute
 * on this node), 400 (bad attribute or path), 404 (no node); out holds the body for 200. */
int oscq_answer(const struct oscq *q, const char *path, const char *query, const float *meters,
                struct jbuf *out);
/* One OSC message (binary, osc/wire.h) with node's current value: for LISTEN. Returns its
 * length, or -1 when it does not fit. */
int oscq_osc_value(const struct oscq *q, int node, const float *meters, unsigned char *buf,
                   size_t cap);

/* status.c: what the status page shows, as one JSON object. */
struct http_status_src {
    struct stemd *sd;
    const struct mix_meters *m; /* the latest meter reading */
    const struct stemd_loudness *loud;
    const char *name, *jack_server;
    unsigned osc_port, http_port, ws_clients;
    uint64_t http_requests;
    const struct osc_client_info *osc_clients; /* osc_clients_snapshot's copy */
    unsigned nosc_clients;
    const struct stemd_midi_conns *midi; /* stemd_midi_connections' copy */
};
void http_status_json(const struct http_status_src *s, struct jbuf *out);
/* The meters as the namespace shows them (oscq_meter_name's order), in dB/LUFS. */
void http_meter_values(const struct oscq *q, const struct mix_meters *m,
                       const struct stemd_loudness *l, float *out);

/* mdns.c: Avahi. NULL when not advertising (it said why, once). */
struct http_mdns;
struct http_mdns *http_mdns_start(const char *name, unsigned http_port, unsigned osc_port);
void http_mdns_stop(struct http_mdns *m);

/* status_html.c (generated from http/status.html at build time). */
extern const unsigned char http_status_html[];
extern const unsigned int http_status_html_len;

#endif
