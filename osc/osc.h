/* osc/osc.h: the OSC control surface of stemd: its options, and starting and stopping it.
 *
 * One UDP socket and one control thread serve the whole address space derived from the
 * parameter table (dsp/params.def). The thread changes parameters only through the server's
 * C API (server/control.h) and never touches the audio thread otherwise.
 *
 * Protocol (replies always leave from the server's socket, to the sender's address and port):
 *   PARAM [value]          set (i h f d T F, or s: an enum/switch/stem name) or, with no
 *                          argument, query. PARAM is /bus/... or /stem/S/... (S: 1-based
 *                          index or name). PARAM/norm: 0..1 through the taper. PARAM/text: a
 *                          read-only label (s). Patterns (* ? [] {}) match within a segment.
 *                          Out of range: clamped, applied, the applied value echoed back.
 *   /get s:PATH            like a query of PATH
 *   /list [s:PREFIX]       /list/reply s:PATH s:TYPE s:UNIT f:MIN f:MAX f:DEFAULT s:DESC ...,
 *                          then /list/end i:COUNT (TYPE: float, bool, enum:a|b|c, stem)
 *   /dump [s:PREFIX]       PATH f:VALUE for every parameter, then /dump/end i:COUNT
 *   /info                  /info s:NAME s:VERSION i:RATE_HZ i:PERIOD i:NSTEMS s:STEM...
 *   /status                /status f:DSP_LOAD_% i:XRUNS i:LATENCY_FRAMES f:UPTIME_S
 *                          i:SUBSCRIBERS i:CONNECTED i:RATE_HZ i:PERIOD
 *   /ping [args]           /pong [the same args]
 *   /subscribe [i:PORT] [s:units|norm] [s:index|names]
 *                          feedback of every change (and meters) to the sender's address at
 *                          PORT (default: its source port); answered with a /dump
 *   /unsubscribe, /meters i:HZ (0 = off), /loudness/reset
 *   /record/start [s:NAME] record the master into --record-dir/NAME.wav (default: a
 *                          timestamp): /record/started s:PATH
 *   /record/stop           finish it: /record/stopped s:STATE s:PATH f:SECONDS i:LOST_FRAMES
 *                          s:ERROR (STATE idle, or failed with ERROR saying why)
 *   /record/status         /record/status, the same fields (STATE idle|recording|failed)
 *   /preset/part i:ID i:INDEX i:COUNT s:TEXT
 *                          a preset's text in parts (one that no bundle of 64 kB holds):
 *                          /preset/part/ok i:ID i:INDEX each; after the last, /preset/applied
 *                          i:ID, or /error with the preset's line reasons and nothing applied.
 *                          Parts from one address, in order; a repeat is acknowledged again
 *                          (see osc/transfer.c)
 *   /preset/save s:NAME [s:PREFIX]
 *                          save the state (or the part under PREFIX: /bus, /stem/NAME...) as
 *                          --preset-dir/NAME: /preset/saved s:NAME i:VALUES
 *   /preset/load s:NAME    apply it as one snapshot (one undo step): /preset/loaded s:NAME
 *                          i:VALUES, or an /error per bad line "NAME:LINE: reason", nothing set
 *   /preset/list           /preset/list/reply s:NAME s:MTIME (UTC, ISO 8601) each, then
 *                          /preset/list/end i:COUNT
 *   /preset/delete s:NAME, /preset/rename s:OLD s:NEW
 *                          /preset/deleted s:NAME, /preset/renamed s:OLD s:NEW (never onto an
 *                          existing name). Names: server/presetlib.h
 *   /undo, /redo           /undo/done s:WHAT, /redo/done s:WHAT ("PATH OLD -> NEW", "preset
 *                          NAME (N changes)", "bundle of N changes: ..."); nothing to: /error
 *   /undo/list             /undo/list/reply i:N s:WHAT s:undo|redo each, oldest first, then
 *                          /undo/list/end i:UNDOABLE i:REDOABLE
 *   /ab                    /ab s:A|B, the live slot
 *   /ab/select s:A|B       make that slot live (its values in one snapshot): /ab s:SLOT
 *   /ab/copy s:A>B|B>A     copy one slot onto the other: /ab/copied s:WHICH (server/ab.h)
 *   /midi/...              the MIDI layer's verbs (osc_set_ext; midi/midi.h): /midi/learn
 *                          s:PATH, /midi/learn/cancel, /midi/unmap s:PATH, /midi/list,
 *                          /midi/clear, /midi/map s:PATH s:CONTROL, /midi/stats
 *   errors                 /error s:PATH s:REASON; nothing changes.
 * Bundles are validated whole, then applied as one snapshot (same audio cycle); a bundle with
 * any bad element changes nothing. Timetags are ignored (applied on arrival). */
#ifndef STEMD_OSC_H
#define STEMD_OSC_H

#include <stddef.h>

#define OSC_MAX_ALLOW    32
#define OSC_MAX_FEEDBACK 16
#define OSC_HOST_MAX     256

/* One allowed network: family (4 or 6), address bytes (network order), prefix length. */
struct osc_cidr {
    int family;
    unsigned char addr[16];
    unsigned prefix;
};

struct osc_config {
    unsigned port;           /* --osc-port, default 7770; 0 = no OSC at all */
    char bind[OSC_HOST_MAX]; /* --bind, default 127.0.0.1 (:: or 0.0.0.0 for all) */
    struct osc_cidr allow[OSC_MAX_ALLOW];
    unsigned nallow;                               /* --allow, default 127.0.0.1/32 and ::1/128 */
    int allow_given;                               /* the first --allow replaces the defaults */
    double lease_s;                                /* --lease, default 60 */
    char feedback[OSC_MAX_FEEDBACK][OSC_HOST_MAX]; /* --feedback HOST:PORT, never expire */
    unsigned nfeedback;
    unsigned meter_rate_hz; /* --meter-rate, default 20; 0 = no meters */
    unsigned rate_limit;    /* --rate-limit, messages/s per client, default 5000 */
    char name[64];          /* reported by /info; the daemon puts its JACK name here */
};

/* The defaults above. */
void osc_config_defaults(struct osc_config *c);

/* Apply one option by its long name without the dashes ("osc-port", "bind", "allow", "lease",
 * "feedback", "meter-rate", "rate-limit"), from the command line or a config file. Returns 0;
 * -ENOENT when key is not an OSC option (the caller tries its own); -EINVAL with a reason a
 * person can act on in err. */
int osc_config_option(struct osc_config *c, const char *key, const char *value, char *err,
                      size_t errlen);

/* Take the OSC options ("--key VALUE" or "--key=VALUE") out of argv, applying them to c, and
 * close the gap (*argc shrinks; argv[*argc] stays NULL). Stops at "--". Returns 0 or -EINVAL
 * (err says which option and why). For programs whose own parser rejects unknown options. */
int osc_config_take_args(struct osc_config *c, int *argc, char **argv, char *err, size_t errlen);

/* The options' lines for --help (each starts with two spaces and ends with a newline). */
const char *osc_options_help(void);

/* The options' long names, as osc_config_option takes them; NULL-terminated. */
const char *const *osc_config_keys(void);

/* A list option (allow, feedback) starts over: the command line's first --allow or --feedback
 * replaces the config file's list. Other keys: nothing. */
void osc_config_list_restart(struct osc_config *c, const char *key);

/* Is a peer at sa (AF_INET or AF_INET6, a v4-mapped v6 address as its IPv4) in c's --allow
 * list? 1 or 0. For the other network surfaces (HTTP), which follow OSC's rules. */
struct sockaddr;
int osc_config_allows(const struct osc_config *c, const struct sockaddr *sa, unsigned salen);

struct stemd;
struct osc;

/* Open the socket and start the control thread. Call after stemd_init (the stem names and the
 * parameter API must be ready; JACK need not be). c is copied. *out is NULL when c->port is 0
 * (OSC off; returns 0). Returns 0; -EADDRINUSE, -EACCES, -EINVAL (bad --bind or --feedback),
 * -ENOMEM, with the reason in err. */
int osc_start(struct stemd *sd, const struct osc_config *c, struct osc **out, char *err,
              size_t errlen);

/* Hand a running OSC layer the settings a SIGHUP re-read: the allow list, lease, rate limit and
 * meter rate (for subscriptions made from now on, and the --feedback targets) take effect at the
 * OSC thread's next tick (within 10 ms), and the --feedback targets are replaced (unless one no
 * longer resolves: then the running ones stay). osc-port and bind change only on a restart (a
 * warning says so). Any thread; o NULL (OSC off) is fine. */
void osc_reconfigure(struct osc *o, const struct osc_config *c);

/* One remembered OSC sender, as a person reads it (the status page). Text fields always end. */
#define OSC_MAX_CLIENTS     64 /* senders remembered (rate limits, subscriptions) */
#define OSC_CLIENT_ADDR_MAX 64 /* "[v6 address]:port" */
struct osc_client_info {
    char addr[OSC_CLIENT_ADDR_MAX];     /* where its packets come from: "127.0.0.1:9000" */
    double idle_s;                      /* since its last packet */
    int subscribed;                     /* feedback goes to feedback[] */
    int permanent;                      /* a --feedback target: never expires */
    char feedback[OSC_CLIENT_ADDR_MAX]; /* "" when not subscribed */
    const char *flavour;                /* "units" or "norm" (static text) */
    const char *paths;                  /* "index" or "names": how feedback names stems */
    double lease_s;                     /* left (0 for a permanent one or none) */
    unsigned meter_hz;                  /* meters' rate to it, 0 = none */
    unsigned long long dropped;         /* its messages over --rate-limit since it appeared */
};

/* A copy of the senders the OSC thread remembers, at most max of them into out; returns how
 * many. The thread publishes its table 4 times a second, so a change shows within ~250 ms
 * (idle_s and lease_s are brought to the moment of the call). Any thread; o NULL (OSC off)
 * gives 0. Costs the OSC thread nothing per packet. */
unsigned osc_clients_snapshot(struct osc *o, struct osc_client_info *out, unsigned max);

/* Another layer's verbs: every message whose address starts with prefix ("/midi/") goes to fn
 * with its arguments as strings (numbers are refused), on the OSC thread; fn answers the sender
 * through reply (one message of up to three strings per call; unused ones NULL) or fails with
 * a reason (then /error ADDR REASON). Any thread, once; o NULL is fine. */
typedef void (*osc_ext_reply_fn)(void *rctx, const char *addr, const char *a, const char *b,
                                 const char *c);
typedef int (*osc_ext_fn)(void *ctx, const char *addr, const char *const *args, int nargs,
                          osc_ext_reply_fn reply, void *rctx, char *err, size_t errlen);
void osc_set_ext(struct osc *o, const char *prefix, osc_ext_fn fn, void *ctx);
/* Send addr with the strings a and b (b may be NULL) to every subscriber, and to the last
 * sender of a message to the ext prefix when it is not one (the client that armed a learn),
 * at the OSC thread's next tick. Any thread; queued (16 at most, further ones dropped).
 * o NULL is fine. */
void osc_notice(struct osc *o, const char *addr, const char *a, const char *b);

/* Stop the thread, close the socket, free everything. NULL is fine. The server API has no way
 * to remove a listener: call this after stemd_run has returned and before stemd_fini, when
 * nothing changes parameters any more. */
void osc_stop(struct osc *o);

#endif
