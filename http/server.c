/* http/server.c: the HTTP thread: libwebsockets' event loop serving OSCQuery, the status page
 * and their WebSockets on one port, the change listener that feeds LISTEN, and the 20 Hz tick
 * that takes the meters. Everything but the listener and http_reconfigure runs in this thread. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libwebsockets.h>

#include "http/internal.h"
#include "server/log.h"

#define TICK_US      (50 * LWS_US_PER_MS) /* meters and the status page: 20 Hz */
#define CHUNK        16384                /* reply bytes written per writable callback */
#define DENY_LOG_MS  10000
#define PROTO_OSCQ   0
#define PROTO_STATUS 1

struct frame {
    struct frame *next;
    size_t len;
    unsigned char data[]; /* LWS_PRE bytes, then the message */
};

/* One connection: an HTTP transaction, or a WebSocket (OSCQuery's or the status page's). */
struct pss {
    struct lws *wsi;
    /* HTTP: the reply being sent. */
    struct jbuf body;
    size_t boff;
    int head_only;
    /* WebSocket. */
    int is_ws, slot;
    unsigned char *listen; /* a bit per leaf: parameters, then meters */
    unsigned nmeter_listens;
    struct frame *qhead, *qtail;
    size_t qbytes;
    int drop, status_due;
    char rx[HTTP_WS_RX_MAX + 1];
    size_t rxlen;
    int rx_toobig;
};

struct http {
    struct stemd *sd;
    struct http_config cfg;
    pthread_mutex_t net_lock; /* guards net (http_reconfigure) */
    struct osc_config net;
    struct oscq q;
    struct lws_context *ctx;
    pthread_t thread;
    int thread_started;
    atomic_int stop;
    lws_sorted_usec_list_t tick;

    struct stemd_meter_tap *tap;
    struct mix_meters *m;
    struct stemd_loudness loud;
    float *meter_vals;

    /* Parameters changed since the thread last looked (the listener, any thread). */
    pthread_mutex_t chg_lock;
    unsigned char *chg_pending;
    unsigned *chg_list, *chg_work, nchg;

    struct pss *ws[HTTP_MAX_CONN];
    unsigned nws, nstatus;
    uint64_t nrequests;
    size_t body_bytes; /* replies being sent: HTTP_BODY_BUDGET at most */
    struct jbuf status;

    /* The OSC layer, for its client table (http_set_osc); osc_lock keeps it from going away
     * while this thread reads it. */
    pthread_mutex_t osc_lock;
    struct osc *osc;
    struct osc_client_info clients[OSC_MAX_CLIENTS];
    /* midi_in's and midi_out's connections, read from JACK's graph once a second (not at every
     * 20 Hz frame: it takes the engine's lock). */
    struct stemd_midi_conns midi;
    int64_t midi_read_ms;

    unsigned char wbuf[LWS_PRE + CHUNK];
    uint64_t denied, dropped_ws, too_big;
    int64_t deny_log_ms;
    struct http_mdns *mdns;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned param_index(const struct param_ref *ref)
{
    unsigned slot = (unsigned)ref->def->id + ref->index;
    return ref->stem < 0 ? slot : BUS_NPARAMS + (unsigned)ref->stem * STEM_NPARAMS + slot;
}

/* The server's change listener: in the thread that made the change, with the writer lock
 * held. Marks the parameter and wakes the HTTP thread once per batch of marks. */
static void on_change(void *ctx, const struct param_ref *ref, float value, int source,
                      uint64_t batch)
{
    struct http *h = ctx;
    (void)value, (void)source, (void)batch;
    unsigned i = param_index(ref);
    if (i >= h->q.nparams) return;
    pthread_mutex_lock(&h->chg_lock);
    int wake = h->nchg == 0;
    if (!h->chg_pending[i]) {
        h->chg_pending[i] = 1;
        h->chg_list[h->nchg++] = i;
    }
    pthread_mutex_unlock(&h->chg_lock);
    if (wake) lws_cancel_service(h->ctx);
}

static void queue_free(struct pss *s)
{
    while (s->qhead) {
        struct frame *f = s->qhead;
        s->qhead = f->next;
        free(f);
    }
    s->qtail = NULL;
    s->qbytes = 0;
}

/* Queue one frame for a WebSocket. A socket whose queue is full does not read: it is closed. */
static void ws_send(struct http *h, struct pss *s, const void *data, size_t len)
{
    if (s->drop) return;
    if (s->qbytes + len > HTTP_WS_QUEUE) {
        s->drop = 1;
        queue_free(s);
        h->dropped_ws++;
        log_warn("HTTP: closing a WebSocket that does not read (%d kB queued)",
                 HTTP_WS_QUEUE >> 10);
        lws_set_timeout(s->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
        return;
    }
    struct frame *f = malloc(sizeof *f + LWS_PRE + len);
    if (!f) return; /* a meter value lost; the next one follows */
    f->next = NULL;
    f->len = len;
    memcpy(f->data + LWS_PRE, data, len);
    if (s->qtail)
        s->qtail->next = f;
    else
        s->qhead = f;
    s->qtail = f;
    s->qbytes += len;
    lws_callback_on_writable(s->wsi);
}

static int leaf_of(const struct oscq *q, int node)
{
    const struct oscq_node *n = &q->nodes[node];
    return n->kind == NODE_PARAM   ? (int)n->idx
           : n->kind == NODE_METER ? (int)(q->nparams + n->idx)
                                   : -1;
}

/* LISTEN (on 1) or IGNORE (on 0) node and every leaf below it. */
static void mark(struct http *h, struct pss *s, int node, int on)
{
    int leaf = leaf_of(&h->q, node);
    if (leaf >= 0) {
        unsigned char bit = (unsigned char)(1u << (leaf & 7));
        int was = (s->listen[leaf >> 3] & bit) != 0;
        if (on)
            s->listen[leaf >> 3] |= bit;
        else
            s->listen[leaf >> 3] &= (unsigned char)~bit;
        if ((unsigned)leaf >= h->q.nparams && was != on) s->nmeter_listens += on ? 1 : -1u;
        return;
    }
    for (int c = h->q.nodes[node].first; c >= 0; c = h->q.nodes[c].next)
        mark(h, s, c, on);
}

static int listening(const struct pss *s, unsigned leaf)
{
    return s->listen && (s->listen[leaf >> 3] >> (leaf & 7)) & 1;
}

/* The changes the listener marked: one OSC message each to every socket that listens. */
static void deliver_changes(struct http *h)
{
    pthread_mutex_lock(&h->chg_lock);
    unsigned n = h->nchg;
    memcpy(h->chg_work, h->chg_list, n * sizeof *h->chg_work);
    for (unsigned i = 0; i < n; i++)
        h->chg_pending[h->chg_list[i]] = 0;
    h->nchg = 0;
    pthread_mutex_unlock(&h->chg_lock);
    unsigned char msg[512];
    for (unsigned i = 0; i < n; i++) {
        unsigned p = h->chg_work[i];
        int len = -1;
        for (unsigned w = 0; w < h->nws; w++) {
            struct pss *s = h->ws[w];
            if (!listening(s, p)) continue;
            if (len < 0) len = oscq_osc_value(&h->q, h->q.param_node[p], NULL, msg, sizeof msg);
            if (len > 0) ws_send(h, s, msg, (size_t)len);
        }
    }
}

/* /status.json (the request, and the status sockets' frame). */
static void status_json(struct http *h, struct jbuf *out)
{
    pthread_mutex_lock(&h->osc_lock);
    unsigned nclients = osc_clients_snapshot(h->osc, h->clients, OSC_MAX_CLIENTS);
    pthread_mutex_unlock(&h->osc_lock);
    int64_t now = now_ms();
    if (!h->midi_read_ms || now - h->midi_read_ms >= 1000) {
        stemd_midi_connections(h->sd, &h->midi);
        h->midi_read_ms = now;
    }
    struct http_status_src src = {
        h->sd,         h->m,        &h->loud, h->q.host_name, stemd_jack_server(h->sd),
        h->q.osc_port, h->cfg.port, h->nws,   h->nrequests,   h->clients,
        nclients,      &h->midi};
    http_status_json(&src, out);
}

/* The 20 Hz tick: take the meters, send the listened ones and the status page's frame. */
static void tick(lws_sorted_usec_list_t *sul)
{
    struct http *h = lws_container_of(sul, struct http, tick);
    if (stemd_meter_tap_take(h->sd, h->tap, h->m, &h->loud) == 0)
        http_meter_values(&h->q, h->m, &h->loud, h->meter_vals);
    unsigned char msg[256];
    for (unsigned w = 0; w < h->nws; w++) {
        struct pss *s = h->ws[w];
        if (!s->nmeter_listens) continue;
        for (unsigned i = 0; i < h->q.nmeters; i++) {
            if (!listening(s, h->q.nparams + i)) continue;
            int len = oscq_osc_value(&h->q, h->q.meter_node[i], h->meter_vals, msg, sizeof msg);
            if (len > 0) ws_send(h, s, msg, (size_t)len);
        }
    }
    if (h->nstatus) {
        h->status.len = 0;
        h->status.oom = 0;
        status_json(h, &h->status);
        for (unsigned w = 0; w < h->nws; w++)
            if (!h->ws[w]->listen) { /* a status socket */
                h->ws[w]->status_due = 1;
                lws_callback_on_writable(h->ws[w]->wsi);
            }
    }
    lws_sul_schedule(h->ctx, 0, &h->tick, tick, TICK_US);
}

static int allowed(struct http *h, int fd)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0) return 0;
    pthread_mutex_lock(&h->net_lock);
    int ok = osc_config_allows(&h->net, (struct sockaddr *)&ss, len);
    pthread_mutex_unlock(&h->net_lock);
    if (!ok) {
        h->denied++;
        int64_t t = now_ms();
        if (t - h->deny_log_ms >= DENY_LOG_MS) {
            log_warn("HTTP: refused connections from outside --allow (%llu so far)",
                     (unsigned long long)h->denied);
            h->deny_log_ms = t;
        }
    }
    return ok;
}

/* Send status and body (s->body, taken over) as the reply. Returns lws's convention. */
static int reply(struct http *h, struct lws *wsi, struct pss *s, unsigned status, const char *ctype)
{
    unsigned char hb[LWS_PRE + 1024], *start = hb + LWS_PRE, *p = start, *end = hb + sizeof hb - 1;
    if (s->body.oom) {
        jb_free(&s->body);
        status = 500;
        jb_puts(&s->body, "out of memory\n");
        ctype = "text/plain";
    }
    if (lws_add_http_common_headers(wsi, status, ctype, s->body.len, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                    (const unsigned char *)"no-store", 8, &p, end) ||
        lws_add_http_header_by_name(wsi, (const unsigned char *)"access-control-allow-origin:",
                                    (const unsigned char *)"*", 1, &p, end) ||
        lws_finalize_write_http_header(wsi, start, &p, end))
        return 1;
    h->body_bytes += s->body.len;
    s->boff = 0;
    lws_callback_on_writable(wsi);
    return 0;
}

static int reply_text(struct http *h, struct lws *wsi, struct pss *s, unsigned status,
                      const char *text)
{
    jb_free(&s->body);
    jb_puts(&s->body, text);
    jb_puts(&s->body, "\n");
    return reply(h, wsi, s, status, "text/plain");
}

static void body_done(struct http *h, struct pss *s)
{
    h->body_bytes -= s->body.len < h->body_bytes ? s->body.len : h->body_bytes;
    jb_free(&s->body);
    s->boff = 0;
}

static int on_http(struct http *h, struct lws *wsi, struct pss *s, const char *uri)
{
    char query[64] = "", accept[256] = "";
    int get = lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0;
    s->head_only = lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0;
    s->wsi = wsi;
    if (!get && !s->head_only) return reply_text(h, wsi, s, 405, "only GET and HEAD");
    if (h->body_bytes > HTTP_BODY_BUDGET)
        return reply_text(h, wsi, s, 503, "busy: too many replies being sent, try again");
    int nargs = 0;
    while (nargs < 2 && lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, nargs) > 0)
        nargs++;
    if (nargs > 1 || (nargs == 1 && lws_hdr_copy_fragment(wsi, query, sizeof query,
                                                          WSI_TOKEN_HTTP_URI_ARGS, 0) < 0))
        return reply_text(h, wsi, s, 400, "one attribute at a time: ?VALUE, ?HOST_INFO, ...");
    if (strstr(uri, "..")) return reply_text(h, wsi, s, 400, "no '..' in paths");
    if (lws_hdr_copy(wsi, accept, sizeof accept, WSI_TOKEN_HTTP_ACCEPT) < 0) accept[0] = 0;
    jb_free(&s->body);
    if (strcmp(uri, "/status.html") == 0 ||
        (strcmp(uri, "/") == 0 && !query[0] && strstr(accept, "text/html"))) {
        jb_add(&s->body, (const char *)http_status_html, http_status_html_len);
        return reply(h, wsi, s, 200, "text/html; charset=utf-8");
    }
    if (strcmp(uri, "/status.json") == 0) {
        status_json(h, &s->body);
        return reply(h, wsi, s, 200, "application/json");
    }
    int st = oscq_answer(&h->q, uri, query, h->meter_vals, &s->body);
    if (st == 200) return reply(h, wsi, s, 200, "application/json");
    if (st == 204) {
        jb_free(&s->body);
        return reply(h, wsi, s, 204, "application/json");
    }
    return reply_text(h, wsi, s, (unsigned)st,
                      st == 404  ? "no such node"
                      : query[0] ? "unknown attribute or bad path (attributes: FULL_PATH, "
                                   "CONTENTS, TYPE, VALUE, RANGE, UNIT, ACCESS, DESCRIPTION, "
                                   "CLIPMODE, HOST_INFO)"
                                 : "bad path");
}

static int http_writable(struct http *h, struct lws *wsi, struct pss *s)
{
    size_t left = s->head_only ? 0 : s->body.len - s->boff;
    size_t n = left < CHUNK ? left : CHUNK;
    int final = n == left;
    if (!n) { /* HEAD, 204: the headers were all */
        body_done(h, s);
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    memcpy(h->wbuf + LWS_PRE, s->body.p + s->boff, n);
    if (lws_write(wsi, h->wbuf + LWS_PRE, n, final ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) !=
        (int)n)
        return -1;
    s->boff += n;
    if (!final) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    body_done(h, s);
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

static const char *const cmd_paths[] = {"COMMAND", "DATA"};
struct cmd {
    char command[16], data[512];
    size_t dlen;
    int bad;
};

static signed char cmd_cb(struct lejp_ctx *ctx, char reason)
{
    struct cmd *c = ctx->user;
    if (reason != LEJPCB_VAL_STR_CHUNK && reason != LEJPCB_VAL_STR_END) return 0;
    if (ctx->path_match == 1) {
        if (reason == LEJPCB_VAL_STR_END && ctx->npos < sizeof c->command) {
            memcpy(c->command, ctx->buf, ctx->npos);
            c->command[ctx->npos] = 0;
        }
    } else if (ctx->path_match == 2) {
        if (c->dlen + ctx->npos >= sizeof c->data) {
            c->bad = 1;
            return 0;
        }
        memcpy(c->data + c->dlen, ctx->buf, ctx->npos);
        c->dlen += ctx->npos;
        c->data[c->dlen] = 0;
    }
    return 0;
}

/* A text message on an OSCQuery WebSocket: LISTEN or IGNORE a path. Anything else is ignored,
 * as the proposal lets a server do. */
static void ws_command(struct http *h, struct pss *s)
{
    struct cmd c = {0};
    struct lejp_ctx ctx;
    lejp_construct(&ctx, cmd_cb, &c, cmd_paths, 2);
    int rc = lejp_parse(&ctx, (const unsigned char *)s->rx, (int)s->rxlen);
    lejp_destruct(&ctx);
    if ((rc < 0 && rc != LEJP_CONTINUE) || c.bad || !c.dlen) return;
    int on = strcmp(c.command, "LISTEN") == 0;
    if (!on && strcmp(c.command, "IGNORE") != 0) return;
    size_t l = strlen(c.data);
    if (l > 1 && c.data[l - 1] == '/') c.data[l - 1] = 0;
    int node = oscq_find(&h->q, c.data);
    if (node < 0) {
        log_info("HTTP: %s %.200s: no such node", c.command, c.data);
        return;
    }
    mark(h, s, node, on);
}

static int ws_open(struct http *h, struct lws *wsi, struct pss *s, int status_proto)
{
    memset(s, 0, sizeof *s);
    s->wsi = wsi;
    if (h->nws == HTTP_MAX_CONN) return -1;
    if (!status_proto) {
        size_t bits = h->q.nparams + h->q.nmeters;
        if (!(s->listen = calloc((bits + 7) / 8, 1))) return -1;
    } else {
        h->nstatus++;
    }
    s->is_ws = 1;
    s->slot = (int)h->nws;
    h->ws[h->nws++] = s;
    return 0;
}

static void ws_close(struct http *h, struct pss *s)
{
    if (!s->is_ws) return;
    if (!s->listen && h->nstatus) h->nstatus--;
    unsigned i = (unsigned)s->slot;
    if (i < h->nws && h->ws[i] == s) {
        h->ws[i] = h->ws[--h->nws];
        h->ws[i]->slot = (int)i;
    }
    queue_free(s);
    free(s->listen);
    s->listen = NULL;
    s->is_ws = 0;
}

static int ws_receive(struct http *h, struct lws *wsi, struct pss *s, const void *in, size_t len)
{
    if (s->rxlen + len > HTTP_WS_RX_MAX) {
        h->too_big++;
        log_warn("HTTP: closing a WebSocket that sent a message over %d bytes", HTTP_WS_RX_MAX);
        lws_close_reason(wsi, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, NULL, 0);
        return -1;
    }
    memcpy(s->rx + s->rxlen, in, len);
    s->rxlen += len;
    if (lws_is_final_fragment(wsi) && !lws_remaining_packet_payload(wsi)) {
        s->rx[s->rxlen] = 0;
        if (!lws_frame_is_binary(wsi) && s->listen) ws_command(h, s);
        s->rxlen = 0;
    }
    return 0;
}

static int ws_writable(struct http *h, struct lws *wsi, struct pss *s)
{
    if (s->drop) return -1;
    if (!s->listen) { /* the status page: only the newest frame, whenever it can take one */
        if (!s->status_due || !h->status.len) return 0;
        s->status_due = 0;
        unsigned char *b = malloc(LWS_PRE + h->status.len);
        if (!b) return 0;
        memcpy(b + LWS_PRE, h->status.p, h->status.len);
        int n = lws_write(wsi, b + LWS_PRE, h->status.len, LWS_WRITE_TEXT);
        free(b);
        return n < (int)h->status.len ? -1 : 0;
    }
    struct frame *f = s->qhead;
    if (!f) return 0;
    s->qhead = f->next;
    if (!s->qhead) s->qtail = NULL;
    s->qbytes -= f->len;
    int n = lws_write(wsi, f->data + LWS_PRE, f->len, LWS_WRITE_BINARY);
    int ok = n >= (int)f->len;
    free(f);
    if (!ok) return -1;
    if (s->qhead) lws_callback_on_writable(wsi);
    return 0;
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    struct lws_context *cx = lws_get_context(wsi);
    struct http *h = cx ? lws_context_user(cx) : NULL;
    struct pss *s = user;
    int status_proto = lws_get_protocol(wsi) && lws_get_protocol(wsi)->id == PROTO_STATUS;
    if (!h) return 0;
    switch (reason) {
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        return allowed(h, (int)(lws_intptr_t)in) ? 0 : -1;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        if (lws_get_protocol(wsi) && lws_get_protocol(wsi)->id == PROTO_OSCQ) deliver_changes(h);
        return 0;
    case LWS_CALLBACK_HTTP:
        h->nrequests++;
        return on_http(h, wsi, s, in ? (const char *)in : "/");
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return s ? http_writable(h, wsi, s) : 0;
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL: /* the pss goes: a reply cut short (a refused POST) */
        if (s && !s->is_ws) body_done(h, s);
        break;
    case LWS_CALLBACK_ESTABLISHED:
        return ws_open(h, wsi, s, status_proto);
    case LWS_CALLBACK_CLOSED:
        if (s) ws_close(h, s);
        return 0;
    case LWS_CALLBACK_RECEIVE:
        return s ? ws_receive(h, wsi, s, in, len) : -1;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        return s ? ws_writable(h, wsi, s) : 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}

static const struct lws_protocols protocols[] = {
    /* First: the default, for HTTP and for a WebSocket without subprotocol (OSCQuery). */
    {"oscquery", callback, sizeof(struct pss), 1024, PROTO_OSCQ, NULL, 0},
    {"stemd-status", callback, sizeof(struct pss), 1024, PROTO_STATUS, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0}};

static void *http_main(void *arg)
{
    struct http *h = arg;
    lws_sul_schedule(h->ctx, 0, &h->tick, tick, TICK_US);
    while (!atomic_load(&h->stop))
        if (lws_service(h->ctx, 0) < 0) break;
    return NULL;
}

static void lws_log(int level, const char *line)
{
    char b[256];
    snprintf(b, sizeof b, "%s", line);
    size_t l = strlen(b);
    while (l && (b[l - 1] == '\n' || b[l - 1] == '\r'))
        b[--l] = 0;
    if (level & LLL_ERR)
        log_warn("HTTP (libwebsockets): %s", b);
    else
        log_debug("HTTP (libwebsockets): %s", b);
}

static void destroy(struct http *h)
{
    if (h->ctx) lws_context_destroy(h->ctx);
    http_mdns_stop(h->mdns);
    stemd_meter_tap_free(h->sd, h->tap);
    oscq_fini(&h->q);
    free(h->m);
    free(h->meter_vals);
    free(h->chg_pending);
    free(h->chg_list);
    free(h->chg_work);
    jb_free(&h->status);
    pthread_mutex_destroy(&h->net_lock);
    pthread_mutex_destroy(&h->chg_lock);
    pthread_mutex_destroy(&h->osc_lock);
    free(h);
}

int http_start(struct stemd *sd, const struct http_config *c, const struct osc_config *net,
               struct http **out, char *err, size_t errlen)
{
    *out = NULL;
    if (!c->port) return 0;
    struct http *h = calloc(1, sizeof *h);
    if (!h) goto oom;
    h->sd = sd;
    h->cfg = *c;
    h->net = *net;
    pthread_mutex_init(&h->net_lock, NULL);
    pthread_mutex_init(&h->chg_lock, NULL);
    pthread_mutex_init(&h->osc_lock, NULL);
    if (oscq_init(&h->q, sd, net->port, net->name) < 0) goto oom_h;
    h->m = mix_meters_new(h->q.nstems);
    h->meter_vals = calloc(h->q.nmeters, sizeof *h->meter_vals);
    h->chg_pending = calloc(h->q.nparams, 1);
    h->chg_list = calloc(h->q.nparams, sizeof *h->chg_list);
    h->chg_work = calloc(h->q.nparams, sizeof *h->chg_work);
    if (!h->m || !h->meter_vals || !h->chg_pending || !h->chg_list || !h->chg_work ||
        stemd_meter_tap_new(sd, &h->tap) < 0)
        goto oom_h;
    for (unsigned i = 0; i < h->q.nmeters; i++)
        h->meter_vals[i] = -120.0f;
    h->loud.momentary_lufs = h->loud.short_term_lufs = h->loud.integrated_lufs = -120;

    lws_set_log_level(LLL_ERR, lws_log);
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.port = (int)c->port;
    /* OSC's --bind: all addresses for 0.0.0.0 and :: (lws takes NULL for that), else the one. */
    int any = strcmp(net->bind, "0.0.0.0") == 0 || strcmp(net->bind, "::") == 0;
    info.iface = any ? NULL : net->bind;
    info.protocols = protocols;
    info.user = h;
    info.server_string = "stemd";
    info.fd_limit_per_thread = HTTP_MAX_CONN + 8; /* + the listening sockets and lws's pipe */
    info.timeout_secs = 10;                       /* a slow handshake or request is dropped */
    info.keepalive_timeout = 5;
    info.max_http_header_data = 4096;
    info.max_http_header_pool = 16;
    info.options = LWS_SERVER_OPTION_VALIDATE_UTF8;
    if (strchr(net->bind, '.') && !any) info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    h->ctx = lws_create_context(&info);
    if (!h->ctx || !lws_get_vhost_by_name(h->ctx, "default")) {
        snprintf(err, errlen,
                 "HTTP: cannot listen on %s port %u (in use by another program? choose another "
                 "with --http-port, or 0 to turn HTTP off)",
                 net->bind, c->port);
        destroy(h);
        return -EADDRINUSE;
    }
    int rc = pthread_create(&h->thread, NULL, http_main, h);
    if (rc != 0) {
        snprintf(err, errlen, "HTTP: cannot start its thread: %s", strerror(rc));
        destroy(h);
        return -rc;
    }
    h->thread_started = 1;
    /* Last: once added, the listener cannot be removed, so h lives until http_stop. */
    if ((rc = stemd_add_listener(sd, on_change, h)) < 0) {
        snprintf(err, errlen, "HTTP: the server has no room for another change listener");
        http_stop(h);
        return rc;
    }
    log_info("HTTP: OSCQuery and the status page on %s port %u", net->bind, c->port);
    if (!c->no_mdns) {
        h->mdns = http_mdns_start(net->name, c->port, net->port);
        if (h->mdns && (strncmp(net->bind, "127.", 4) == 0 || strcmp(net->bind, "::1") == 0))
            log_notice("mDNS: HTTP and OSC listen on %s only: other machines that find stemd "
                       "cannot connect (open a LAN with --bind 0.0.0.0 --allow NETWORK/BITS)",
                       net->bind);
    }
    *out = h;
    return 0;
oom_h:
    destroy(h);
oom:
    snprintf(err, errlen, "HTTP: out of memory");
    return -ENOMEM;
}

void http_reconfigure(struct http *h, const struct http_config *c, const struct osc_config *net)
{
    if (!h) return;
    pthread_mutex_lock(&h->net_lock);
    memcpy(h->net.allow, net->allow, sizeof h->net.allow);
    h->net.nallow = net->nallow;
    pthread_mutex_unlock(&h->net_lock);
    if (c->port != h->cfg.port || c->no_mdns != h->cfg.no_mdns || net->port != h->net.port ||
        strcmp(net->bind, h->net.bind) != 0)
        log_warn("SIGHUP: http-port, no-mdns and bind change only on a restart of stemd; keeping "
                 "tcp %s port %u",
                 h->net.bind, h->cfg.port);
    else
        log_info("SIGHUP: HTTP takes the new allow list (%u networks)", net->nallow);
}

void http_set_osc(struct http *h, struct osc *o)
{
    if (!h) return;
    pthread_mutex_lock(&h->osc_lock);
    h->osc = o;
    pthread_mutex_unlock(&h->osc_lock);
}

void http_stop(struct http *h)
{
    if (!h) return;
    if (h->thread_started) {
        atomic_store(&h->stop, 1);
        lws_cancel_service(h->ctx);
        pthread_join(h->thread, NULL);
    }
    destroy(h);
}
