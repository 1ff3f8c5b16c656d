/* osc/dispatch.c: one received packet: every message is validated first (a bundle as a whole),
 * then the changes are applied together (one snapshot: the same audio cycle), clamped values
 * echoed, and queries and commands answered. Anything bad: /error s:PATH s:REASON, and nothing
 * changes. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/morph.h"
#include "osc/internal.h"
#include "server/presetlib.h"
#include "server/scenes.h"
#include "server/targets.h"

enum act_kind {
    A_QUERY,
    A_LIST,
    A_DUMP,
    A_INFO,
    A_STATUS,
    A_PING,
    A_SUB,
    A_UNSUB,
    A_METERS,
    A_LRESET,
    A_REC_START,
    A_REC_STOP,
    A_REC_STATUS,
    A_PART,
    A_SESSION,
    A_LEARN,
    A_LEARN_CANCEL,
    A_EXT
};

struct osc_action {
    enum act_kind kind;
    lo_message m;
    char base[OSC_PATH_MAX]; /* A_QUERY: the path (pattern) without its flavour */
    const char *reply_addr;  /* A_QUERY: answer on this address (NULL: canonical paths) */
    enum osc_flavour fl;
    const char *prefix; /* A_LIST, A_DUMP */
    unsigned port;      /* A_SUB: 0 = the source port */
    int by_name;
    unsigned hz;            /* A_METERS */
    const char *name;       /* A_REC_START: the file name, NULL for a timestamp; A_PART: its text */
    int32_t part[3];        /* A_PART: id, index, count */
    enum osc_session_op op; /* A_SESSION: with name and name2, scene and secs */
    const char *name2;
    int scene;
    double secs;
    double learn[3]; /* A_LEARN: target LUFS, ceiling dBTP (NAN: keep), seconds (0: the meter's) */
};

struct osc_req {
    struct osc *o;
    struct osc_client *c;
    const struct osc_addr *from;
    struct osc_out out;
    int64_t now;
    int source;
    unsigned nchg, nact, nerr;
    int in_bundle;
    char ext_prefix[32]; /* osc_set_ext's, copied once per packet */
    osc_ext_fn ext_fn;
    void *ext_ctx;
    struct osc_action *acts;
    lo_message msgs[OSC_MAX_ELEMS];
    unsigned nmsgs;
};

int osc_dispatch_init(struct osc *o)
{
    o->acts = calloc(OSC_MAX_ACTS + 1, sizeof *o->acts);
    o->req = calloc(1, sizeof *o->req);
    o->chg_cap = o->nparams + OSC_MAX_ELEMS;
    o->pc = calloc(o->chg_cap, sizeof *o->pc);
    o->chg = calloc(o->chg_cap, sizeof *o->chg);
    o->applied = calloc(o->chg_cap, sizeof *o->applied);
    return o->acts && o->req && o->pc && o->chg && o->applied ? 0 : -ENOMEM;
}

void osc_dispatch_fini(struct osc *o)
{
    free(o->acts);
    free(o->req);
    free(o->pc);
    free(o->chg);
    free(o->applied);
}

static void fail(struct osc_req *r, const char *path, const char *reason)
{
    if (r->nerr++ < OSC_MAX_ERRORS) out_error(&r->out, path, reason);
}

static int add_change(struct osc_req *r, const struct param_ref *ref, enum osc_flavour fl,
                      const char *addr, char type, lo_arg *arg, const char *errpath)
{
    struct osc *o = r->o;
    char err[256];
    if (r->nchg == o->chg_cap) {
        fail(r, errpath, "too many changes in one packet: split it");
        return -1;
    }
    struct osc_change *ch = &o->chg[r->nchg];
    struct param_change *pc = &o->pc[r->nchg];
    if (osc_coerce(o, ref, fl, type, arg, &pc->value, &ch->sent, err, sizeof err) < 0) {
        char p[OSC_PATH_MAX];
        if (!addr) { /* a pattern's match: name the parameter that refused */
            osc_param_path(o, ref, 1, fl, p, sizeof p);
            errpath = p;
        }
        fail(r, errpath, err);
        return -1;
    }
    pc->ref = *ref;
    ch->flavour = fl;
    ch->addr = addr;
    r->nchg++;
    return 0;
}

struct pattern_set {
    struct osc_req *r;
    enum osc_flavour fl;
    char type;
    lo_arg *arg;
    const char *errpath;
};

static int pattern_set_one(void *ctx, const struct param_ref *ref)
{
    struct pattern_set *ps = ctx;
    return add_change(ps->r, ref, ps->fl, NULL, ps->type, ps->arg, ps->errpath);
}

static int count_match(void *ctx, const struct param_ref *ref)
{
    (void)ref;
    (*(unsigned *)ctx)++;
    return 0;
}

/* Check that a query's path names something now, so a bad one fails in the validation pass. */
static int check_query(struct osc_req *r, const char *base, const char *errpath)
{
    char err[256];
    struct param_ref ref;
    if (osc_is_pattern(base)) {
        unsigned n = 0;
        int rc = osc_match_params(r->o, base, count_match, &n, err, sizeof err);
        if (rc < 0 || n == 0) {
            fail(r, errpath, rc < 0 ? err : "no parameter matches this pattern (send /list)");
            return -1;
        }
        return 0;
    }
    if (params_lookup_resolve(r->o->lookup, base, -1, &ref, err, sizeof err) < 0) {
        fail(r, errpath, err);
        return -1;
    }
    return 0;
}

static struct osc_action *new_act(struct osc_req *r, enum act_kind k, lo_message m)
{
    if (r->nact == OSC_MAX_ACTS) { /* a scratch slot past the end, never run: r failed */
        fail(r, "#bundle", "more than 256 queries and commands in one bundle: split it");
        return &r->acts[OSC_MAX_ACTS];
    }
    struct osc_action *a = &r->acts[r->nact++];
    memset(a, 0, sizeof *a);
    a->kind = k;
    a->m = m;
    return a;
}

static int whole(char type, lo_arg *arg, double lo, double hi, unsigned *out)
{
    double d;
    if (osc_arg_number(type, arg, &d) < 0 || !isfinite(d) || d != floor(d) || d < lo || d > hi)
        return -1;
    *out = (unsigned)d;
    return 0;
}

static int has_prefix(const char *s, const char *prefix)
{
    while (*prefix)
        if (*s++ != *prefix++) return 0;
    return 1;
}

/* The session verbs (osc/session.c): 0 when addr is one of them (queued, or failed with its
 * reason), -1 when it is not. Names are checked here, so a bad one fails a bundle whole. */
static int parse_session(struct osc_req *r, const char *addr, const char *ep, const char *types,
                         lo_arg **argv, int argc, lo_message m)
{
    static const struct {
        const char *addr;
        enum osc_session_op op;
        int min, max; /* string arguments */
        const char *usage;
    } verbs[] = {
        {"/preset/save", SES_SAVE, 1, 2, "use /preset/save s:NAME [s:PREFIX (/bus, /stem/NAME)]"},
        {"/preset/load", SES_LOAD, 1, 1, "use /preset/load s:NAME"},
        {"/preset/list", SES_LIST, 0, 0, "use /preset/list (no arguments)"},
        {"/preset/delete", SES_DELETE, 1, 1, "use /preset/delete s:NAME"},
        {"/preset/rename", SES_RENAME, 2, 2, "use /preset/rename s:OLD s:NEW"},
        {"/undo", SES_UNDO, 0, 0, "use /undo (no arguments)"},
        {"/redo", SES_REDO, 0, 0, "use /redo (no arguments)"},
        {"/undo/list", SES_UNDO_LIST, 0, 0, "use /undo/list (no arguments)"},
        {"/ab/select", SES_AB_SELECT, 1, 1, "use /ab/select s:A|B"},
        {"/ab/copy", SES_AB_COPY, 1, 1, "use /ab/copy s:A>B|B>A"},
        {"/ab", SES_AB_STATUS, 0, 0, "use /ab (no arguments): the active slot"},
    };
    char why[160];
    for (size_t v = 0; v < sizeof verbs / sizeof verbs[0]; v++) {
        if (strcmp(addr, verbs[v].addr)) continue;
        int ok = argc >= verbs[v].min && argc <= verbs[v].max;
        for (int i = 0; ok && i < argc; i++)
            ok = types[i] == LO_STRING || types[i] == LO_SYMBOL;
        if (!ok) {
            fail(r, ep, verbs[v].usage);
            return 0;
        }
        const char *a0 = argc ? (const char *)argv[0] : "";
        if ((verbs[v].op == SES_AB_SELECT && strcmp(a0, "A") && strcmp(a0, "B")) ||
            (verbs[v].op == SES_AB_COPY && strcmp(a0, "A>B") && strcmp(a0, "B>A"))) {
            fail(r, ep, verbs[v].usage);
            return 0;
        }
        /* Preset names (not a save's prefix) are checked now. */
        int names = verbs[v].op == SES_SAVE ? 1 : argc;
        if (verbs[v].op >= SES_AB_SELECT) names = 0;
        for (int i = 0; i < names; i++)
            if (presetlib_name_check((const char *)argv[i], why, sizeof why) < 0) {
                fail(r, ep, why);
                return 0;
            }
        struct osc_action *a = new_act(r, A_SESSION, m);
        a->op = verbs[v].op;
        a->name = argc > 0 ? (const char *)argv[0] : NULL;
        a->name2 = argc > 1 ? (const char *)argv[1] : NULL;
        return 0;
    }
    return -1;
}

/* /scene/store i:N [s:NAME], /scene/recall i:N [f:SECONDS], /scene/list. 0 when addr is one. */
static int parse_scene(struct osc_req *r, const char *addr, const char *ep, const char *types,
                       lo_arg **argv, int argc, lo_message m)
{
    char why[200];
    unsigned n = 0;
    double secs = 0;
    enum osc_session_op op;
    if (!strcmp(addr, "/scene/list")) {
        if (argc) return fail(r, ep, "use /scene/list (no arguments)"), 0;
        new_act(r, A_SESSION, m)->op = SES_SCENE_LIST;
        return 0;
    } else if (!strcmp(addr, "/scene/store")) {
        op = SES_SCENE_STORE;
        if (argc < 1 || argc > 2 || whole(types[0], argv[0], 1, STEMD_SCENES, &n) < 0 ||
            (argc == 2 && types[1] != LO_STRING && types[1] != LO_SYMBOL)) {
            snprintf(why, sizeof why, "use /scene/store i:N [s:NAME] (N 1 to %d)", STEMD_SCENES);
            return fail(r, ep, why), 0;
        }
        if (argc == 2 && presetlib_name_check((const char *)argv[1], why, sizeof why) < 0)
            return fail(r, ep, why), 0;
    } else if (!strcmp(addr, "/scene/recall")) {
        op = SES_SCENE_RECALL;
        if (argc < 1 || argc > 2 || whole(types[0], argv[0], 1, STEMD_SCENES, &n) < 0 ||
            (argc == 2 && osc_arg_number(types[1], argv[1], &secs) < 0)) {
            snprintf(why, sizeof why, "use /scene/recall i:N [f:SECONDS] (N 1 to %d)",
                     STEMD_SCENES);
            return fail(r, ep, why), 0;
        }
        if (!(secs >= 0 && secs <= MORPH_MAX_SECONDS)) {
            snprintf(why, sizeof why, "SECONDS is 0 (at once) to %g", (double)MORPH_MAX_SECONDS);
            return fail(r, ep, why), 0;
        }
    } else {
        return -1;
    }
    struct osc_action *a = new_act(r, A_SESSION, m);
    a->op = op;
    a->scene = (int)n;
    a->secs = secs;
    a->name = op == SES_SCENE_STORE && argc == 2 ? (const char *)argv[1] : NULL;
    return 0;
}

/* Validate one message and record what it asks for. */
static void parse_msg(struct osc_req *r, const unsigned char *data, size_t len)
{
    struct osc *o = r->o;
    char epbuf[OSC_PATH_MAX];
    if (len == 0 || data[0] != '/') {
        fail(r, "",
             data[0] == '#' ? "nested bundles are not accepted: send one flat bundle"
                            : "not an OSC message (an address starts with /)");
        return;
    }
    /* The address for error replies, cut short (a 10 kB address is not echoed whole). */
    size_t al = strnlen((const char *)data, len);
    int terminated = al < len;
    const char *ep = (const char *)data; /* terminated within the packet and short: as it is */
    if (!terminated || al > 200) {
        al = al > 200 ? 200 : al;
        memcpy(epbuf, data, al);
        epbuf[al] = 0;
        ep = epbuf;
    }
    const char *addr = (const char *)data;
    /* Only a terminated address is read as a string (liblo refuses the others). */
    int is_param = terminated && (has_prefix(addr, "/bus/") || has_prefix(addr, "/stem/"));
    /* A set of one number (the common case, thousands a second from a fader) is read in place,
     * with liblo's checks (oscw_read_one): no allocation. Anything else goes through liblo. */
    union {
        unsigned char b[8];
        double align;
    } one;
    char one_type[2] = {0, 0};
    lo_arg *one_argv[1] = {(lo_arg *)(void *)one.b};
    lo_message m = NULL;
    const char *types;
    lo_arg **argv;
    int argc;
    if (is_param && oscw_read_one(data, len, &addr, &one_type[0], one.b) == 1) {
        types = one_type;
        argv = one_argv;
        argc = 1;
    } else {
        int res = 0;
        m = lo_message_deserialise((void *)data, len, &res);
        if (!m) {
            fail(r, ep,
                 "malformed OSC message (address, type tags or argument sizes): nothing done");
            return;
        }
        r->msgs[r->nmsgs++] = m;
        types = lo_message_get_types(m);
        argv = lo_message_get_argv(m);
        argc = lo_message_get_argc(m);
    }
    char base[OSC_PATH_MAX], err[256];
    enum osc_flavour fl;

    /* A parameter skips the commands. */
    if (is_param) goto parameter;
    if (strcmp(addr, "/get") == 0) {
        if (argc != 1 || (types[0] != LO_STRING && types[0] != LO_SYMBOL) ||
            osc_split_flavour((const char *)argv[0], base, &fl) < 0) {
            fail(r, ep, "give the parameter: /get s:PATH (under /bus/ or /stem/)");
            return;
        }
        if (check_query(r, base, (const char *)argv[0]) < 0) return;
        struct osc_action *a = new_act(r, A_QUERY, m);
        memcpy(a->base, base, sizeof base);
        a->fl = fl;
        a->reply_addr = osc_is_pattern(base) ? NULL : (const char *)argv[0];
        return;
    }
    if (strcmp(addr, "/list") == 0 || strcmp(addr, "/dump") == 0) {
        if (argc > 1 || (argc == 1 && types[0] != LO_STRING)) {
            fail(r, ep, "give at most a path prefix: /list [s:PREFIX]");
            return;
        }
        if (argc == 1 && strlen((const char *)argv[0]) >= OSC_PATH_MAX) {
            fail(r, ep, "path prefix too long");
            return;
        }
        struct osc_action *a = new_act(r, addr[1] == 'l' ? A_LIST : A_DUMP, m);
        a->prefix = argc ? (const char *)argv[0] : "";
        a->by_name = 1;
        return;
    }
    if (strcmp(addr, "/info") == 0 || strcmp(addr, "/status") == 0) {
        new_act(r, addr[1] == 'i' ? A_INFO : A_STATUS, m);
        return;
    }
    if (strcmp(addr, "/ping") == 0) {
        new_act(r, A_PING, m);
        return;
    }
    if (strcmp(addr, "/subscribe") == 0) {
        struct osc_action *a = new_act(r, A_SUB, m);
        a->fl = FL_UNITS;
        for (int i = 0; i < argc; i++) {
            if (types[i] == LO_STRING || types[i] == LO_SYMBOL) {
                const char *s = (const char *)argv[i];
                if (!strcmp(s, "units") || !strcmp(s, "norm"))
                    a->fl = s[0] == 'n' ? FL_NORM : FL_UNITS;
                else if (!strcmp(s, "names") || !strcmp(s, "index"))
                    a->by_name = s[0] == 'n';
                else
                    goto bad_sub;
            } else if (whole(types[i], argv[i], 1, 65535, &a->port) < 0) {
                goto bad_sub;
            }
        }
        return;
    bad_sub:
        if (r->nact && &r->acts[r->nact - 1] == a) r->nact--;
        fail(r, ep, "use /subscribe [i:REPLY_PORT 1-65535] [s:units|norm] [s:index|names]");
        return;
    }
    if (strcmp(addr, "/unsubscribe") == 0) {
        new_act(r, A_UNSUB, m);
        return;
    }
    if (strcmp(addr, "/meters") == 0) {
        unsigned hz;
        if (argc != 1 || whole(types[0], argv[0], 0, 100, &hz) < 0) {
            fail(r, ep, "use /meters i:HZ (0 = off, at most 100)");
            return;
        }
        new_act(r, A_METERS, m)->hz = hz;
        return;
    }
    if (strcmp(addr, "/loudness/learn") == 0) {
        static const char usage[] = "use /loudness/learn f:TARGET_LUFS|s:PLATFORM [f:SECONDS]";
        double target = NAN, ceiling = NAN, seconds = 0;
        char why[400], names[256];
        if (argc < 1 || argc > 2 ||
            (argc == 2 && osc_arg_number(types[1], argv[1], &seconds) < 0)) {
            fail(r, ep, usage);
            return;
        }
        if (types[0] == LO_STRING || types[0] == LO_SYMBOL) {
            const struct stemd_target *t = stemd_target_find((const char *)argv[0]);
            if (!t) {
                snprintf(why, sizeof why, "unknown platform '%.64s': one of %s, or a number",
                         (const char *)argv[0], stemd_target_names(names, sizeof names));
                fail(r, ep, why);
                return;
            }
            target = t->lufs;
            ceiling = t->dbtp;
        } else if (osc_arg_number(types[0], argv[0], &target) < 0) {
            fail(r, ep, usage);
            return;
        }
        if (!(target >= -70 && target <= 0)) {
            fail(r, ep, "the target is an integrated loudness from -70 to 0 LUFS");
            return;
        }
        if (!(seconds >= 0 && seconds <= 600)) {
            fail(r, ep,
                 "SECONDS is 0 to 600 (0 or none: what the meter measured since "
                 "/loudness/reset)");
            return;
        }
        if (r->in_bundle) {
            fail(r, ep, "send /loudness/learn on its own, not in a bundle");
            return;
        }
        struct osc_action *a = new_act(r, A_LEARN, m);
        a->learn[0] = target;
        a->learn[1] = ceiling;
        a->learn[2] = seconds;
        return;
    }
    if (strcmp(addr, "/loudness/learn/cancel") == 0) {
        if (argc) {
            fail(r, ep, "use /loudness/learn/cancel (no arguments)");
            return;
        }
        new_act(r, A_LEARN_CANCEL, m);
        return;
    }
    if (strcmp(addr, "/loudness/reset") == 0) {
        new_act(r, A_LRESET, m);
        return;
    }
    if (strcmp(addr, "/preset/part") == 0) {
        unsigned v[3];
        if (argc != 4 || types[3] != LO_STRING ||
            whole(types[0], argv[0], 0, INT32_MAX, &v[0]) < 0 ||
            whole(types[1], argv[1], 0, INT32_MAX, &v[1]) < 0 ||
            whole(types[2], argv[2], 1, INT32_MAX, &v[2]) < 0) {
            fail(r, ep, "use /preset/part i:ID i:INDEX i:COUNT s:TEXT (a preset's text in parts)");
            return;
        }
        if (r->in_bundle) {
            fail(r, ep, "send /preset/part on its own, not in a bundle");
            return;
        }
        struct osc_action *a = new_act(r, A_PART, m);
        a->name = (const char *)argv[3];
        for (int i = 0; i < 3; i++)
            a->part[i] = (int32_t)v[i];
        return;
    }
    if (has_prefix(addr, "/preset/") || has_prefix(addr, "/undo") || !strcmp(addr, "/redo") ||
        has_prefix(addr, "/ab")) {
        if (parse_session(r, addr, ep, types, argv, argc, m) == 0) return;
    }
    if (has_prefix(addr, "/scene/") && parse_scene(r, addr, ep, types, argv, argc, m) == 0) return;
    if (strcmp(addr, "/record/start") == 0) {
        if (argc > 1 || (argc == 1 && types[0] != LO_STRING && types[0] != LO_SYMBOL)) {
            fail(r, ep, "use /record/start [s:FILE_NAME] (in --record-dir; default: a timestamp)");
            return;
        }
        new_act(r, A_REC_START, m)->name = argc ? (const char *)argv[0] : NULL;
        return;
    }
    if (strcmp(addr, "/record/stop") == 0 || strcmp(addr, "/record/status") == 0) {
        new_act(r, strcmp(addr, "/record/stop") == 0 ? A_REC_STOP : A_REC_STATUS, m);
        return;
    }
    if (r->ext_fn && has_prefix(addr, r->ext_prefix)) {
        if (argc > 16) {
            fail(r, ep, "at most 16 arguments");
            return;
        }
        for (int i = 0; i < argc; i++)
            if (types[i] != LO_STRING && types[i] != LO_SYMBOL) {
                fail(r, ep, "give the arguments as strings (s)");
                return;
            }
        if (strlen(addr) >= OSC_PATH_MAX) {
            fail(r, ep, "address too long");
            return;
        }
        struct osc_action *a = new_act(r, A_EXT, m);
        snprintf(a->base, sizeof a->base, "%s", addr);
        return;
    }
parameter:
    if (osc_split_flavour(addr, base, &fl) < 0) {
        fail(r, ep,
             "unknown address: parameters are under /bus/ and /stem/ (send /list); "
             "commands: /get /list /dump /info /status /ping /subscribe /unsubscribe "
             "/meters /loudness/reset /loudness/learn /loudness/learn/cancel /record/start "
             "/record/stop /record/status /preset/part "
             "/preset/save /preset/load /preset/list /preset/delete /preset/rename /undo /redo "
             "/undo/list /ab /ab/select /ab/copy /scene/store /scene/recall /scene/list");
        return;
    }
    if (argc == 0) {
        if (check_query(r, base, ep) < 0) return;
        struct osc_action *a = new_act(r, A_QUERY, m);
        memcpy(a->base, base, sizeof base);
        a->fl = fl;
        a->reply_addr = osc_is_pattern(base) ? NULL : addr;
        return;
    }
    if (argc > 1) {
        fail(r, ep, "give one value (or none to query)");
        return;
    }
    struct param_ref ref;
    /* A path the lookup finds holds no pattern character (params_lookup_find's contract): the
     * common case asks nothing else. */
    if (params_lookup_find(o->lookup, base, -1, &ref) == 0) {
        add_change(r, &ref, fl, addr, types[0], argv[0], ep);
        return;
    }
    if (osc_is_pattern(base)) {
        struct pattern_set ps = {r, fl, types[0], argv[0], ep};
        unsigned before = r->nerr;
        int n = osc_match_params(o, base, pattern_set_one, &ps, err, sizeof err);
        if (n < 0 && r->nerr == before)
            fail(r, ep, err);
        else if (n == 0)
            fail(r, ep, "no parameter matches this pattern (send /list)");
        return;
    }
    if (params_lookup_resolve(o->lookup, base, -1, &ref, err, sizeof err) < 0) {
        fail(r, ep, err);
        return;
    }
    add_change(r, &ref, fl, addr, types[0], argv[0], ep);
}

static int differs(const struct osc *o, const struct param_ref *ref, const struct osc_change *ch,
                   float applied)
{
    if (ch->flavour == FL_NORM)
        return fabsf(params_ref_to_norm(ref, applied, o->nstems) - ch->sent) > 1e-6f;
    return applied != ch->sent;
}

/* Where an error about change i goes: the address it came on, or for a pattern's match the
 * parameter that refused. */
static const char *change_path(struct osc_req *r, unsigned i, char *buf, size_t len)
{
    const struct osc_change *ch = &r->o->chg[i];
    if (ch->addr) {
        size_t al = strlen(ch->addr);
        snprintf(buf, len, "%.*s", (int)(al > 200 ? 200 : al), ch->addr);
    } else {
        osc_param_path(r->o, &r->o->pc[i].ref, 1, ch->flavour, buf, len);
    }
    return buf;
}

/* Apply every change of the packet as one snapshot: one stemd_apply, checked and clamped there
 * (a refused value fails its element, and the bundle), then the clamped values echoed. */
static int apply_changes(struct osc_req *r)
{
    struct osc *o = r->o;
    char err[512], path[OSC_PATH_MAX];
    size_t bad = 0;
    if (r->nchg == 0) return 0;
    int rc = stemd_apply(o->sd, o->pc, r->nchg, r->source, o->applied, &bad, err, sizeof err);
    if (rc == -EINVAL) {
        fail(r, change_path(r, (unsigned)bad, path, sizeof path), err);
        return -1;
    }
    if (rc < 0) {
        fail(r, r->nchg == 1 ? change_path(r, 0, path, sizeof path) : "#bundle",
             "out of memory: nothing changed");
        return -2;
    }
    for (unsigned i = 0; i < r->nchg; i++) {
        const struct osc_change *ch = &o->chg[i];
        const struct param_ref *ref = &o->pc[i].ref;
        if (!differs(o, ref, ch, o->applied[i])) continue; /* the sender already shows it */
        if (ch->addr) {
            osc_add_value(o, &r->out, ch->addr, ref, o->applied[i], ch->flavour);
        } else {
            osc_param_path(o, ref, 1, ch->flavour, path, sizeof path);
            osc_add_value(o, &r->out, path, ref, o->applied[i], ch->flavour);
        }
    }
    return 0;
}

struct query_ctx {
    struct osc_req *r;
    enum osc_flavour fl;
};

static int query_one(void *ctx, const struct param_ref *ref)
{
    struct query_ctx *q = ctx;
    struct osc *o = q->r->o;
    char reply[OSC_PATH_MAX];
    float v = stemd_get_ref(o->sd, ref);
    osc_param_path(o, ref, 1, q->fl, reply, sizeof reply);
    osc_add_value(o, &q->r->out, reply, ref, v, q->fl);
    return 0;
}

static void ping(struct osc_req *r, lo_message m)
{
    struct oscw_builder *b = &r->o->bld;
    const char *types = lo_message_get_types(m);
    lo_arg **argv = lo_message_get_argv(m);
    oscw_b_init(b);
    for (int i = 0; i < lo_message_get_argc(m); i++) {
        double d;
        if (types[i] == LO_STRING || types[i] == LO_SYMBOL)
            oscw_b_str(b, (const char *)argv[i]);
        else if (types[i] == LO_INT32 && osc_arg_number(types[i], argv[i], &d) == 0)
            oscw_b_int(b, (int32_t)d);
        else if (osc_arg_number(types[i], argv[i], &d) == 0)
            oscw_b_float(b, (float)d);
    }
    int len = oscw_b_finish(b, "/pong", r->o->bigmsg, sizeof r->o->bigmsg);
    if (len > 0) out_add(&r->out, r->o->bigmsg, len);
}

/* /record/stopped or /record/status: s:STATE s:PATH f:SECONDS i:DROPPED_FRAMES s:ERROR */
static void record_reply(struct osc_req *r, const char *addr, const struct stemd_record_status *st)
{
    struct oscw_builder *b = &r->o->bld;
    oscw_b_init(b);
    oscw_b_str(b, st->state);
    oscw_b_str(b, st->path);
    oscw_b_float(b, (float)st->seconds);
    oscw_b_int(b, st->dropped > INT32_MAX ? INT32_MAX : (int32_t)st->dropped);
    oscw_b_str(b, st->error);
    int len = oscw_b_finish(b, addr, r->o->bigmsg, sizeof r->o->bigmsg);
    if (len > 0) out_add(&r->out, r->o->bigmsg, len);
}

static void record_action(struct osc_req *r, struct osc_action *a)
{
    struct stemd_record_status st;
    char err[512], path[4096];
    if (a->kind == A_REC_START) {
        if (stemd_record_start(r->o->sd, a->name, path, sizeof path, err, sizeof err) < 0) {
            fail(r, "/record/start", err);
            return;
        }
        struct oscw_builder *b = &r->o->bld;
        oscw_b_init(b);
        oscw_b_str(b, path);
        int len = oscw_b_finish(b, "/record/started", r->o->bigmsg, sizeof r->o->bigmsg);
        if (len > 0) out_add(&r->out, r->o->bigmsg, len);
    } else if (a->kind == A_REC_STOP) {
        int rc = stemd_record_stop(r->o->sd, &st);
        if (rc == -EINVAL)
            fail(r, "/record/stop", "not recording (send /record/status)");
        else
            record_reply(r, "/record/stopped", &st);
    } else {
        stemd_record_status(r->o->sd, &st);
        record_reply(r, "/record/status", &st);
    }
}

static void ext_reply(void *rctx, const char *addr, const char *a, const char *b, const char *c)
{
    struct osc_req *r = rctx;
    if (c)
        out_msg(&r->out, addr, "sss", a, b, c);
    else if (b)
        out_msg(&r->out, addr, "ss", a, b);
    else
        out_msg(&r->out, addr, "s", a);
}

/* Another layer's verb: its string arguments, its answers to the sender. */
static void ext_action(struct osc_req *r, struct osc_action *a)
{
    const char *args[16];
    int n = a->m ? lo_message_get_argc(a->m) : 0;
    lo_arg **argv = a->m ? lo_message_get_argv(a->m) : NULL;
    char err[256];
    for (int i = 0; i < n && i < 16; i++)
        args[i] = (const char *)argv[i];
    r->o->ext_from = *r->from;
    r->o->ext_from_set = 1;
    if (r->ext_fn(r->ext_ctx, a->base, args, n, ext_reply, r, err, sizeof err) < 0)
        fail(r, a->base, err);
}

static void run_action(struct osc_req *r, struct osc_action *a)
{
    struct osc *o = r->o;
    char err[256];
    switch (a->kind) {
    case A_QUERY:
        if (a->reply_addr) {
            struct param_ref ref;
            if (params_lookup_resolve(o->lookup, a->base, -1, &ref, err, sizeof err) == 0)
                osc_add_value(o, &r->out, a->reply_addr, &ref, stemd_get_ref(o->sd, &ref), a->fl);
        } else {
            /* Many matches (a pattern over hundreds of stems) are paced out like /dump, so
             * the client's socket buffer does not overflow and the loop keeps serving. */
            unsigned n = 0;
            struct query_ctx q = {r, a->fl};
            osc_match_params(o, a->base, count_match, &n, err, sizeof err);
            if (n <= OSC_INLINE_MATCHES ||
                osc_job_start(o, JOB_QUERY, r->from, a->fl, 1, a->base) < 0)
                osc_match_params(o, a->base, query_one, &q, err, sizeof err);
        }
        break;
    case A_LIST:
    case A_DUMP:
        if (osc_job_start(o, a->kind == A_LIST ? JOB_LIST : JOB_DUMP, r->from, FL_UNITS, a->by_name,
                          a->prefix) < 0)
            fail(r, a->kind == A_LIST ? "/list" : "/dump",
                 "busy with other long answers: "
                 "try again in a moment");
        break;
    case A_INFO:
        osc_answer_info(o, &r->out);
        break;
    case A_STATUS:
        osc_answer_status(o, &r->out);
        break;
    case A_PING:
        ping(r, a->m);
        break;
    case A_SUB: {
        struct osc_addr dst = *r->from;
        if (a->port) {
            if (dst.ss.ss_family == AF_INET)
                ((struct sockaddr_in *)(void *)&dst.ss)->sin_port = htons((uint16_t)a->port);
            else
                ((struct sockaddr_in6 *)(void *)&dst.ss)->sin6_port = htons((uint16_t)a->port);
        }
        int rc = osc_subscribe(o, r->c, &dst, a->fl, a->by_name, 0, r->now);
        if (rc < 0) {
            fail(r, "/subscribe",
                 rc == -ENOSPC ? "too many subscribers: wait for a lease to "
                                 "end or /unsubscribe another client"
                               : "out of memory");
            break;
        }
        if (osc_job_start(o, JOB_DUMP, &dst, a->fl, a->by_name, "") < 0)
            fail(r, "/subscribe", "subscribed, but the state dump is busy: send /dump later");
        break;
    }
    case A_UNSUB:
        osc_unsubscribe(o, r->c);
        break;
    case A_METERS:
        if (!r->c->sub) {
            fail(r, "/meters", "subscribe first (/subscribe), then choose the meter rate");
            break;
        }
        r->c->meter_hz = a->hz;
        r->c->next_meter_ms = r->now;
        break;
    case A_LRESET:
        stemd_reset_loudness(o->sd);
        break;
    case A_REC_START:
    case A_REC_STOP:
    case A_REC_STATUS:
        record_action(r, a);
        break;
    case A_PART:
        osc_transfer_part(o, &r->out, r->from, r->source, a->part[0], a->part[1], a->part[2],
                          a->name, r->now);
        break;
    case A_SESSION:
        r->nerr +=
            osc_session_run(o, &r->out, a->op, r->source, a->name, a->name2, a->scene, a->secs);
        break;
    case A_LEARN:
        osc_learn_start(o, r->from, r->source, a->learn[0], a->learn[1], a->learn[2], r->now);
        break;
    case A_LEARN_CANCEL:
        osc_learn_cancel(o, &r->out);
        break;
    case A_EXT:
        ext_action(r, a);
        break;
    }
}

void osc_dispatch(struct osc *o, struct osc_client *c, const struct osc_addr *from,
                  const unsigned char *data, size_t len, int64_t now)
{
    struct osc_req *r = o->req;
    /* Field by field: a memset would clear msgs[] too (16 kB a packet), which nmsgs bounds. */
    r->nchg = r->nact = r->nerr = r->nmsgs = 0;
    r->in_bundle = 0;
    r->o = o;
    r->c = c;
    r->from = from;
    r->now = now;
    r->source = STEMD_SRC_USER + (int)c->id;
    r->acts = o->acts;
    pthread_mutex_lock(&o->re_lock);
    r->ext_fn = o->ext_fn;
    r->ext_ctx = o->ext_ctx;
    memcpy(r->ext_prefix, o->ext_prefix, sizeof r->ext_prefix);
    pthread_mutex_unlock(&o->re_lock);
    out_init(&r->out, o, from);

    if (oscw_is_bundle(data, len)) {
        size_t off = 0, elen;
        const unsigned char *elem;
        const char *why;
        int rc;
        unsigned n = 0;
        r->in_bundle = 1;
        while ((rc = oscw_bundle_next(data, len, &off, &elem, &elen, &why)) == 1) {
            if (++n > OSC_MAX_ELEMS) {
                fail(r, "#bundle", "more than 2048 messages in one bundle: split it");
                break;
            }
            parse_msg(r, elem, elen);
        }
        if (rc < 0) fail(r, "#bundle", why);
    } else {
        parse_msg(r, data, len);
    }
    int rc = r->nerr ? -1 : apply_changes(r);
    if (rc == 0) {
        for (unsigned i = 0; i < r->nact; i++)
            run_action(r, &r->acts[i]);
    } else if (rc == -1 && r->in_bundle) {
        char why[128];
        snprintf(why, sizeof why, "bundle not applied: %u bad element%s, nothing changed", r->nerr,
                 r->nerr == 1 ? "" : "s");
        out_error(&r->out, "#bundle", why);
    }
    out_flush(&r->out);
    for (unsigned i = 0; i < r->nmsgs; i++)
        lo_message_free(r->msgs[i]);
}
