/* osc/internal.h: the OSC module's one struct and the interfaces between its files. */
#ifndef STEMD_OSC_INTERNAL_H
#define STEMD_OSC_INTERNAL_H

#include <lo/lo_lowlevel.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dsp/mix.h"
#include "dsp/lookup.h"
#include "dsp/params.h"
#include "osc/osc.h"
#include "osc/wire.h"
#include "server/control.h"

/* Bounds that keep memory fixed whatever clients send. */
/* OSC_MAX_CLIENTS (senders remembered) is osc.h's: the snapshot's bound too. */
#define OSC_NEW_CLIENTS      256  /* new senders taken in per second */
#define OSC_MAX_SUBS         32   /* of them subscribed at once */
#define OSC_MAX_JOBS         8    /* /list and /dump answers being paced out */
#define OSC_MAX_ELEMS        2048 /* messages in one bundle (a whole preset fits) */
#define OSC_MAX_ACTS         256  /* queries and commands in one bundle */
#define OSC_MAX_ERRORS       8    /* /error replies for one bad bundle */
#define OSC_FB_PERIOD_MS     33   /* feedback: at most 30 Hz per address */
#define OSC_PUB_PERIOD_MS    250  /* the client table's copy for the status page */
#define OSC_JOB_BURST        16   /* datagrams per job and tick: a reader keeps up, nothing drops */
#define OSC_INLINE_MATCHES   256  /* a pattern query answers this many at once, more are paced */
#define OSC_RX_MAX           65536
#define OSC_PATH_MAX         256
#define OSC_MAX_TRANSFERS    4         /* presets arriving in parts at once (transfer.c) */
#define OSC_TRANSFER_MAX     (4 << 20) /* bytes of preset text: 256 stems take ~0.6 MB */
#define OSC_TRANSFER_IDLE_MS 5000      /* a transfer without a part this long is dropped */
#define OSC_TRANSFER_PARTS   65536     /* parts of one transfer at most */

enum osc_flavour { FL_UNITS, FL_NORM, FL_TEXT };

struct osc_addr {
    struct sockaddr_storage ss;
    socklen_t len;
};

/* Meters gathered for one subscriber since its last meters bundle. */
struct osc_meter_acc {
    struct mix_meters *m; /* peaks and reductions: maxima; rms: sum of squares */
    unsigned takes;
};

/* A sender we remember, and possibly a subscriber (then dst gets the feedback). */
struct osc_client {
    int used;
    uint32_t id;          /* unique; the change source is STEMD_SRC_USER + id */
    struct osc_addr addr; /* where its packets come from */
    int64_t last_ms;
    int64_t win_ms; /* rate limit: the current one-second window and its count */
    unsigned win_count;
    int64_t flood_told_ms;
    uint64_t flood_dropped; /* in this window (reset each second) */
    uint64_t dropped_total; /* since it appeared (the status page) */
    /* Subscription. */
    int sub, permanent; /* permanent: a --feedback target, never expires */
    struct osc_addr dst;
    enum osc_flavour flavour;
    int by_name; /* feedback paths name stems (else 1-based index) */
    int64_t lease_until_ms;
    unsigned meter_hz;
    int64_t next_meter_ms;
    struct osc_meter_acc acc;
};

/* A preset arriving in parts (/preset/part, transfer.c). */
struct osc_transfer {
    int used;
    struct osc_addr from;
    int32_t id, count;
    unsigned next; /* the index expected next */
    char *text;
    size_t len, cap;
    int64_t last_ms;
    int finished, applied; /* the last part is in; the preset was applied */
    char why[512];         /* ... or why not */
};

/* Paced multi-datagram answers (/list, /dump, the dump that answers /subscribe). */
/* JOB_QUERY: the answer to a pattern query with many matches (prefix holds the pattern). */
enum osc_job_kind { JOB_NONE, JOB_LIST, JOB_DUMP, JOB_QUERY };
struct osc_job {
    enum osc_job_kind kind;
    struct osc_addr to;
    enum osc_flavour flavour;
    int by_name;
    char prefix[OSC_PATH_MAX];
    unsigned next, count;
};

/* Feedback state of one parameter (index as params_ref_at). */
struct osc_fb {
    float value;
    int source;
    int pending;
    int64_t sent_ms;
};

/* What the OSC layer keeps of one change of a set or a bundle, beside the typed change itself
 * (struct osc's pc[]): what the client sent, to echo a clamped value, and where it came. */
struct osc_change {
    float sent; /* what the client asked for (units, or norm) */
    enum osc_flavour flavour;
    const char *addr; /* the address the client used (NULL for a pattern match) */
};

/* The live loudness learn (learn.c): one at a time, on the OSC thread. */
enum osc_learn_state { LEARN_IDLE, LEARN_MEASURE, LEARN_SETTLE };
struct osc_learn {
    enum osc_learn_state state;
    struct osc_addr to; /* the caller: replies and errors */
    int source;         /* the caller's change source: its undo steps */
    float target, ceiling;
    int has_ceiling, ceiling_set; /* a platform's ceiling, and whether it is applied yet */
    double window_s;              /* the windows after a correction */
    int64_t until_ms, give_up_ms; /* the state's end; a window's last chance for a loudness */
    int steps;                    /* corrections made */
    double g, g0, l0;             /* the gain now (drive + output), the previous and its LUFS */
    int have_prev;
};

typedef void (*osc_send_fn)(void *ctx, const struct osc_addr *to, const void *data, size_t len);

struct osc {
    struct stemd *sd;
    struct osc_config cfg;
    const struct params_names *names;
    const struct params_lookup *lookup; /* the server's: paths of its stems */
    unsigned nstems, nparams;
    int fd, sock_family;
    pthread_t thread;
    int thread_started;
    atomic_int stop;
    osc_send_fn send;
    void *send_ctx;

    struct osc_client clients[OSC_MAX_CLIENTS];
    uint32_t next_id;
    struct osc_job jobs[OSC_MAX_JOBS];
    struct osc_transfer transfers[OSC_MAX_TRANSFERS];

    /* Feedback: written by the listener (any thread that changes a parameter), read here. */
    pthread_mutex_t fb_lock;
    struct osc_fb *fb;
    unsigned *dirty, ndirty;

    /* Dispatch scratch, sized at start. */
    struct osc_req *req;
    struct osc_action *acts;
    struct param_change *pc; /* the changes of one packet: one stemd_apply */
    struct osc_change *chg;  /* and what the OSC layer keeps of each */
    float *applied;          /* the values stemd_apply applied (clamped) */
    unsigned chg_cap;

    /* Large messages (/info with many stems) are built here, off the stack. */
    struct oscw_builder bld;
    unsigned char bigmsg[sizeof(((struct oscw_builder *)0)->args) + 1024];

    /* Settings a SIGHUP reloaded (osc_reconfigure, any thread): applied by the OSC thread. */
    pthread_mutex_t re_lock;
    struct osc_config re_cfg;
    atomic_int re_pending;

    /* The client table as others may read it (osc_clients_snapshot): a copy taken at the tick,
     * 4 times a second, under pub_lock, which the OSC thread takes for nothing else. */
    pthread_mutex_t pub_lock;
    struct osc_client_info pub[OSC_MAX_CLIENTS];
    unsigned npub;
    int64_t pub_ms, next_pub_ms;

    /* Another layer's verbs (osc_set_ext), set under re_lock, read by the OSC thread. */
    char ext_prefix[32];
    osc_ext_fn ext_fn;
    void *ext_ctx;
    struct osc_addr ext_from; /* the last sender of an ext verb (osc_notice's extra target) */
    int ext_from_set;
    /* Notices from other threads (osc_notice), sent at the tick. */
    pthread_mutex_t notice_lock;
    struct osc_notice_item {
        char addr[48], a[256], b[160];
        int has_b;
    } notices[16];
    unsigned nnotices;

    struct osc_learn learn;

    /* Meters. */
    struct mix_meters *mtake;
    int64_t next_meter_take_ms;

    /* New senders this second (OSC_NEW_CLIENTS at most): bounds the churn of the table when
     * a sender uses ever new source ports. */
    int64_t global_win_ms;
    unsigned global_count;
    uint64_t churn_dropped; /* packets from senders not taken in, told at most once a second */
    int64_t churn_told_ms;

    /* Counters and rate-limited logging. */
    uint64_t rx_packets, denied, not_osc, flood_dropped;
    uint64_t denied_logged;
    int64_t denied_log_ms;
};

/* A reply being collected for one destination: messages go out packed in bundles under
 * OSC_DGRAM_MAX (a lone message as itself). */
struct osc_out {
    struct osc *o;
    const struct osc_addr *to;
    struct oscw_bundle b;
};
void out_init(struct osc_out *out, struct osc *o, const struct osc_addr *to);
/* Append one built message; sends the bundle first when it would overflow. */
void out_add(struct osc_out *out, const unsigned char *msg, int len);
void out_flush(struct osc_out *out);
/* Build and append one message: tags i (int), f (double), s (const char *), h (int64_t). */
void out_msg(struct osc_out *out, const char *addr, const char *types, ...);
void out_error(struct osc_out *out, const char *path, const char *reason);

/* server.c */
int64_t osc_now_ms(void);
/* Create everything but the socket and thread (for the fuzzer: send goes to fn). */
int osc_create(struct stemd *sd, const struct osc_config *c, osc_send_fn fn, void *ctx,
               struct osc **out, char *err, size_t errlen);
void osc_destroy(struct osc *o);
/* Register the change listener (feedback). Once done, o must live as long as the server. */
int osc_attach(struct osc *o, char *err, size_t errlen);
/* One received datagram from `from`. */
void osc_input(struct osc *o, const unsigned char *data, size_t len, const struct osc_addr *from,
               int64_t now_ms);
/* Timers: paced answers, feedback, meters, leases. */
void osc_tick(struct osc *o, int64_t now_ms);

/* net.c: socket addresses, host:port, CIDR allow list. */
int osc_addr_eq(const struct osc_addr *a, const struct osc_addr *b);
void osc_addr_str(const struct osc_addr *a, char *buf, size_t len);
int osc_resolve_hostport(const char *spec, struct osc_addr *out, char *err, size_t errlen);
int osc_parse_cidr(const char *s, struct osc_cidr *out);
int osc_allowed(const struct osc_config *c, const struct osc_addr *a);

/* address.c: the address space. */
int osc_is_pattern(const char *s);
/* Split a parameter address into its base and flavour (/norm, /text suffix). Returns 0, or -1
 * when it is not under /bus or /stem. base gets at most OSC_PATH_MAX bytes. */
int osc_split_flavour(const char *addr, char *base, enum osc_flavour *fl);
/* Glob match of one OSC pattern against a string, segment-wise ('*' stops at '/'). Returns 1,
 * 0, or -1 when the pattern is malformed or too costly. */
int osc_glob(const char *pat, const char *s);
/* Every parameter matching pattern base (no flavour suffix): fn(ctx, ref) per match. Returns the
 * number of matches, or -1 (malformed pattern; err says why). */
int osc_match_params(struct osc *o, const char *base,
                     int (*fn)(void *ctx, const struct param_ref *ref), void *ctx, char *err,
                     size_t errlen);
/* Index of ref in params_ref_at order. */
unsigned osc_param_index(const struct osc *o, const struct param_ref *ref);
/* The path of ref with stems by name or by 1-based index, plus the flavour suffix. */
void osc_param_path(const struct osc *o, const struct param_ref *ref, int by_name,
                    enum osc_flavour fl, char *buf, size_t len);

/* values.c: argument coercion. */
/* A number from an OSC argument (i h f d T F). Returns 0, or -1 for another type. */
int osc_arg_number(char type, const void *arg, double *out);
/* Turn the one argument of a set into the value for ref, in its units (a /norm through the
 * taper; not clamped or range-checked: stemd_apply does that, once), and what was sent. Returns
 * 0, or -1 with a reason in err (wrong type, NaN, inf, unknown name, read-only). */
int osc_coerce(struct osc *o, const struct param_ref *ref, enum osc_flavour fl, char type,
               lo_arg *arg, float *value, float *sent, char *err, size_t errlen);
/* Add one parameter's message in flavour fl (for /text the label) to out. */
void osc_add_value(struct osc *o, struct osc_out *out, const char *addr,
                   const struct param_ref *ref, float v, enum osc_flavour fl);

/* clients.c */
/* The table entry of a sender; a new one (evicting the longest-silent non-subscriber) only when
 * may_create. NULL when there is none. */
struct osc_client *osc_client_get(struct osc *o, const struct osc_addr *from, int64_t now,
                                  int may_create);
/* Count one message against the client's rate limit. Returns 1 when it may pass. */
int osc_client_admit(struct osc *o, struct osc_client *c, unsigned nmsgs, int64_t now);
int osc_subscribe(struct osc *o, struct osc_client *c, const struct osc_addr *dst,
                  enum osc_flavour fl, int by_name, int permanent, int64_t now);
void osc_unsubscribe(struct osc *o, struct osc_client *c);
void osc_clients_renew(struct osc *o, const struct osc_addr *from, int64_t now);
void osc_clients_expire(struct osc *o, int64_t now);
/* Copy the table for osc_clients_snapshot (the tick, OSC_PUB_PERIOD_MS apart). */
void osc_clients_publish(struct osc *o, int64_t now);
unsigned osc_subscribers(const struct osc *o);
int osc_add_feedback_targets(struct osc *o, char *err, size_t errlen);

/* dispatch.c */
int osc_dispatch_init(struct osc *o);
void osc_dispatch_fini(struct osc *o);
void osc_dispatch(struct osc *o, struct osc_client *c, const struct osc_addr *from,
                  const unsigned char *data, size_t len, int64_t now);

/* feedback.c */
int osc_feedback_init(struct osc *o);
void osc_feedback_fini(struct osc *o);
void osc_listener(void *ctx, const struct param_ref *ref, float value, int source, uint64_t batch);
void osc_feedback_flush(struct osc *o, int64_t now);

/* introspect.c */
int osc_job_start(struct osc *o, enum osc_job_kind kind, const struct osc_addr *to,
                  enum osc_flavour fl, int by_name, const char *prefix);
void osc_jobs_run(struct osc *o);
void osc_answer_info(struct osc *o, struct osc_out *out);
void osc_answer_status(struct osc *o, struct osc_out *out);

/* transfer.c */
/* One /preset/part from `from`; answers into out. */
void osc_transfer_part(struct osc *o, struct osc_out *out, const struct osc_addr *from, int source,
                       int32_t id, int32_t index, int32_t count, const char *text, int64_t now);
void osc_transfers_expire(struct osc *o, int64_t now);
void osc_transfers_free(struct osc *o);

/* session.c: the preset library and undo verbs, their arguments checked by dispatch.c. */
enum osc_session_op {
    SES_SAVE, /* a NAME, b PREFIX or NULL */
    SES_LOAD, /* a NAME */
    SES_LIST,
    SES_DELETE, /* a NAME */
    SES_RENAME, /* a OLD, b NEW */
    SES_UNDO,
    SES_REDO,
    SES_UNDO_LIST,
    SES_AB_SELECT, /* a "A" or "B" */
    SES_AB_COPY,   /* a "A>B" or "B>A" */
    SES_AB_STATUS,
    SES_SCENE_STORE,  /* n the slot, a NAME or NULL */
    SES_SCENE_RECALL, /* n the slot, secs the morph */
    SES_SCENE_LIST
};
/* Run one and answer into out (errors as /error). Returns the /error replies sent. */
unsigned osc_session_run(struct osc *o, struct osc_out *out, enum osc_session_op op, int source,
                         const char *a, const char *b, int n, double secs);
/* notice.c: osc_notice's queue, sent by the tick. */
void osc_notices_flush(struct osc *o);

/* learn.c: /loudness/learn (arguments checked by dispatch.c; ceiling NAN keeps the current
 * one, seconds 0 uses what the meter holds) and /loudness/learn/cancel; the tick runs it. */
void osc_learn_start(struct osc *o, const struct osc_addr *to, int source, double target,
                     double ceiling, double seconds, int64_t now);
void osc_learn_cancel(struct osc *o, struct osc_out *out);
void osc_learn_tick(struct osc *o, int64_t now);

/* meters.c */
void osc_meters_tick(struct osc *o, int64_t now);
int osc_meter_acc_init(struct osc *o, struct osc_meter_acc *a);
void osc_meter_acc_free(struct osc_meter_acc *a);

/* log: the server's logger (one format in the journal). */
#include "server/log.h"

#endif
