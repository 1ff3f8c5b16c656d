/* http/http.h: stemd's HTTP and WebSocket surface on one TCP port: OSCQuery (the Vidvox
 * OSCQueryProposal: the namespace as JSON, HOST_INFO, LISTEN/IGNORE over WebSocket), a read-only
 * status page with live meters, and mDNS advertisement through Avahi.
 *
 * One thread of its own runs libwebsockets' event loop (HTTP/1.1 and WebSocket on the same
 * port, as OSCQuery clients expect: libossia opens its WebSocket on the HTTP host:port without
 * reading HOST_INFO). It reads stemd only through the server's API (server/control.h): values,
 * status, the recorder, a meter tap, and a change listener that marks changed parameters for
 * LISTEN; and the OSC senders through osc_clients_snapshot (osc/osc.h). It changes nothing:
 * parameters are set over OSC (UDP), which HOST_INFO names.
 *
 * Requests:
 *   GET /                     the whole namespace (application/json); a browser asking for
 *                             text/html gets the status page instead
 *   GET /PATH                 one node: /bus/limiter/ceiling, /stem/bass, /stem/bass/meter/rms
 *   GET /PATH?ATTR            {"ATTR": ...} for FULL_PATH, CONTENTS, TYPE, VALUE, RANGE, UNIT,
 *                             ACCESS, DESCRIPTION, CLIPMODE; 204 when the node has none of it,
 *                             400 for another attribute
 *   GET /?HOST_INFO           NAME, OSC_PORT, OSC_TRANSPORT "UDP", EXTENSIONS
 *   GET /status.html          the status page; /status.json the figures it shows
 *   unknown node: 404; a path with "..", a bad query or a method other than GET/HEAD: 400/405.
 * WebSocket (no subprotocol, or "oscquery"): text {"COMMAND":"LISTEN","DATA":"/path"} makes every
 * change of that node (or of every node below it) arrive as a binary frame holding one OSC
 * message; "IGNORE" stops it; closing the socket ends them all. Meters listened to arrive at
 * 20 Hz. Subprotocol "stemd-status": a JSON text frame of /status.json 20 times a second.
 *
 * Bounds: HTTP_MAX_CONN connections (more wait in the kernel's backlog), HTTP_WS_QUEUE bytes of
 * frames queued per WebSocket (one that does not read is closed once it is full), incoming
 * WebSocket messages of HTTP_WS_RX_MAX bytes (a bigger one closes the socket), request headers
 * of 4 kB, HTTP_BODY_BUDGET bytes of replies being sent at once (beyond: 503). */
#ifndef STEMD_HTTP_H
#define STEMD_HTTP_H

#include <stddef.h>

#define HTTP_MAX_CONN    64
#define HTTP_WS_QUEUE    (256 << 10)
#define HTTP_WS_RX_MAX   4096
#define HTTP_BODY_BUDGET (64 << 20)

struct http_config {
    unsigned port; /* --http-port, default 7771; 0 = no HTTP (and no mDNS) */
    int no_mdns;   /* --no-mdns: do not advertise through Avahi */
};

void http_config_defaults(struct http_config *c);
/* Apply one option by its long name ("http-port", "no-mdns"; the flag takes "1"/"0" and the
 * like). Returns 0; -ENOENT when key is not an HTTP option; -EINVAL with the reason in err. */
int http_config_option(struct http_config *c, const char *key, const char *value, char *err,
                       size_t errlen);
/* Option names taking a value / taking none (NULL-terminated), and their --help lines. */
const char *const *http_config_keys(void);
const char *const *http_config_flags(void);
const char *http_options_help(void);

struct stemd;
struct osc_config;
struct http;

/* Start the HTTP thread on c->port, bound and filtered like OSC (net: its --bind and --allow,
 * and its port, which HOST_INFO and mDNS announce). Call after stemd_init. *out is NULL when
 * c->port is 0 (returns 0). Returns 0; -EADDRINUSE (or another -errno) when the port cannot be
 * opened, -ENOMEM, with the reason in err. */
int http_start(struct stemd *sd, const struct http_config *c, const struct osc_config *net,
               struct http **out, char *err, size_t errlen);
/* SIGHUP: take net's --allow list (for connections from now on); a new port, bind or mDNS setting
 * waits for a restart (a warning says so). Any thread; NULL is fine. */
void http_reconfigure(struct http *h, const struct http_config *c, const struct osc_config *net);
/* The OSC layer whose senders /status.json lists ("clients", through osc_clients_snapshot), or
 * NULL: none from now on (returns once the HTTP thread no longer reads it, so osc_stop may
 * follow). Any thread; h NULL is fine. */
struct osc;
void http_set_osc(struct http *h, struct osc *o);
/* Stop the thread, close every connection, withdraw the mDNS records, free everything. NULL is
 * fine. As with osc_stop: after stemd_run returned, before stemd_fini (its change listener). */
void http_stop(struct http *h);

#endif
