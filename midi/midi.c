/* midi/midi.c: the MIDI layer: its thread, the mappings, learn, pickup, feedback and the
 * "/midi/" lines of the state file (see midi.h). */
#include "midi/midi.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dsp/lookup.h"
#include "midi/emit.h"
#include "midi/map.h"
#include "midi/parse.h"
#include "midi/profile.h"
#include "server/control.h"
#include "server/log.h"

#define TICK_MS         2    /* the thread's period: input waits at most this long */
#define FEEDBACK_MS     10   /* one feedback message (or 14-bit pair) per control per 10 ms */
#define LEARN_PAIR_MS   60   /* learn: how long a CC 0-31 waits for its LSB (CC n+32) */
#define PICKUP_NEAR     0.02 /* pickup: this close (of the travel) counts as caught */
#define DRAIN_MAX       4096 /* events taken from the ring per tick (bounded work) */
#define PROFILE_TICK_MS 5

struct mapping {
    uint32_t id;
    struct param_ref ref;
    unsigned slot;
    struct midi_map_spec s;
    /* The control's state. */
    int picked, has_last;
    float last;
    unsigned msb;
    int msb_valid;
    int fb_pending;
    int64_t fb_sent_ms;
};

struct pending_maps {
    struct mapping maps[MIDI_MAX_MAPS];
    unsigned n;
};

struct midi {
    struct stemd *sd;
    unsigned nstems, nslots;
    pthread_t thread;
    int started;
    atomic_int stop;
    midi_notice_fn notice;
    void *nctx;

    pthread_mutex_t lock; /* maps, learn, the parser: the MIDI thread and the OSC verbs */
    struct mapping maps[MIDI_MAX_MAPS];
    unsigned nmaps;
    uint32_t next_id;
    /* NRPN as each channel selected it (CC 99, 98) and its data MSB (CC 6). */
    unsigned nrpn[16], nrpn_msb[16];
    int nrpn_sel[16], nrpn_msb_valid[16];
    /* Learn: armed for ref; a CC 0-31 seen waits LEARN_PAIR_MS for its LSB. */
    int learn_armed, learn_wait;
    struct param_ref learn_ref;
    unsigned learn_ch, learn_num;
    int64_t learn_at_ms;
    struct midi_parser parser;
    uint64_t ignored, unmapped, applied;

    /* Feedback: the listener (any thread, the writer lock held) marks slots here. A leaf lock:
     * nothing is called while it is held. */
    pthread_mutex_t fb_lock;
    unsigned char *fb_flag;
    int *fb_src;
    unsigned *fb_dirty, fb_n;

    int want_profile;
    struct midi_profile *profile; /* the MCU profile, or NULL */
    int64_t profile_ms;
    struct stemd_lines lines;
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Where ref's value lives in a snapshot (struct params: bus, then each stem's row). */
static unsigned slot_of(const struct param_ref *r)
{
    unsigned s = (unsigned)r->def->id + r->index;
    return r->stem < 0 ? s : BUS_NPARAMS + (unsigned)r->stem * STEM_NPARAMS + s;
}

static void path_of(struct midi *m, const struct param_ref *r, char *buf, size_t len)
{
    params_path(r, stemd_names(m->sd), buf, len);
}

/* ---- feedback ------------------------------------------------------------------------------ */

static void listener(void *ctx, const struct param_ref *ref, float value, int source,
                     uint64_t batch)
{
    struct midi *m = ctx;
    (void)value;
    (void)batch;
    unsigned s = slot_of(ref);
    if (s >= m->nslots) return;
    pthread_mutex_lock(&m->fb_lock);
    if (!m->fb_flag[s]) {
        m->fb_flag[s] = 1;
        m->fb_dirty[m->fb_n++] = s;
    }
    m->fb_src[s] = source;
    pthread_mutex_unlock(&m->fb_lock);
}

static void emit(void *ctx, const uint8_t *msg, size_t len)
{
    struct midi *m = ctx;
    stemd_midi_write(m->sd, msg, len);
}

static void send_feedback(struct midi *m, struct mapping *p, int64_t now)
{
    uint8_t out[4][3];
    size_t lens[4];
    float c = midi_map_to_pos(&p->s, &p->ref, m->nstems, stemd_get_ref(m->sd, &p->ref));
    unsigned n = midi_map_feedback(&p->s, c, out, lens);
    for (unsigned i = 0; i < n; i++)
        emit(m, out[i], lens[i]);
    p->fb_pending = 0;
    p->fb_sent_ms = now;
}

/* The slots that changed since the last tick: their mappings owe feedback (except the one that
 * moved it), and pickup mappings must catch the new value again. Lock held. */
static void feedback_tick(struct midi *m, int64_t now)
{
    enum { BATCH = 512 };
    unsigned slots[BATCH];
    int srcs[BATCH];
    for (;;) {
        unsigned n = 0;
        pthread_mutex_lock(&m->fb_lock);
        while (m->fb_n && n < BATCH) {
            unsigned s = m->fb_dirty[--m->fb_n];
            m->fb_flag[s] = 0;
            slots[n] = s;
            srcs[n++] = m->fb_src[s];
        }
        pthread_mutex_unlock(&m->fb_lock);
        if (!n) break;
        for (unsigned i = 0; i < n; i++)
            for (unsigned k = 0; k < m->nmaps; k++) {
                struct mapping *p = &m->maps[k];
                if (p->slot != slots[i] || srcs[i] == MIDI_SRC_BASE + (int)p->id) continue;
                p->fb_pending = 1;
                if (p->s.pickup) p->picked = p->has_last = 0;
            }
    }
    for (unsigned k = 0; k < m->nmaps; k++) {
        struct mapping *p = &m->maps[k];
        if (p->fb_pending && now - p->fb_sent_ms >= FEEDBACK_MS) send_feedback(m, p, now);
    }
}

/* ---- input --------------------------------------------------------------------------------- */

static void apply_pos(struct midi *m, struct mapping *p, float c)
{
    if (p->s.pickup && !p->picked) {
        float cur = midi_map_to_pos(&p->s, &p->ref, m->nstems, stemd_get_ref(m->sd, &p->ref));
        /* Caught when near the current value, or when it crossed it since the last message. */
        if (fabsf(c - cur) <= PICKUP_NEAR || (p->has_last && (p->last - cur) * (c - cur) <= 0))
            p->picked = 1;
        p->last = c;
        p->has_last = 1;
        if (!p->picked) {
            m->ignored++;
            return;
        }
    }
    struct param_change ch = {p->ref, midi_map_to_value(&p->s, &p->ref, m->nstems, c)};
    char err[256];
    if (stemd_apply(m->sd, &ch, 1, MIDI_SRC_BASE + (int)p->id, NULL, NULL, err, sizeof err) == 0)
        m->applied++;
    else
        m->ignored++;
}

static void apply_ticks(struct midi *m, struct mapping *p, int ticks)
{
    if (!ticks) return;
    float k = (float)abs(ticks);
    float move = p->s.step * (float)ticks * (1.f + p->s.accel * (k - 1.f));
    float cur = midi_map_to_pos(&p->s, &p->ref, m->nstems, stemd_get_ref(m->sd, &p->ref));
    apply_pos(m, p, cur + move);
    /* The LED ring follows its own turn at once (no fight: it is not a motor). */
    p->fb_pending = 1;
}

static struct mapping *find(struct midi *m, enum midi_kind kind, unsigned ch, unsigned num,
                            unsigned *from)
{
    for (unsigned k = *from; k < m->nmaps; k++) {
        struct mapping *p = &m->maps[k];
        if (p->s.kind == kind && p->s.ch == ch && p->s.num == num) {
            *from = k + 1;
            return p;
        }
    }
    return NULL;
}

static int add_mapping(struct midi *m, const struct param_ref *ref, const struct midi_map_spec *s);

static void learned(struct midi *m, struct midi_map_spec *s)
{
    char path[160], desc[96];
    m->learn_armed = m->learn_wait = 0;
    if (add_mapping(m, &m->learn_ref, s) < 0) return;
    path_of(m, &m->learn_ref, path, sizeof path);
    midi_map_describe(s, desc, sizeof desc);
    log_info("MIDI learn: %s <- %s", path, desc);
    if (m->notice) m->notice(m->nctx, "/midi/learned", path, desc);
}

/* Learn: the control this message belongs to (a CC 0-31 waits for its LSB). Lock held. */
static void learn_msg(struct midi *m, uint8_t type, unsigned ch, const uint8_t *msg, int64_t now)
{
    struct midi_map_spec s = {.ch = ch, .step = 0.01f};
    if (type == 0xE0) {
        s.kind = MK_PB;
    } else if (type == 0x90 && msg[2]) {
        s.kind = MK_NOTE;
        s.num = msg[1];
    } else if (type == 0xB0) {
        unsigned num = msg[1];
        if (m->learn_wait && ch == m->learn_ch && num == m->learn_num + 32) {
            s.kind = MK_CC14;
            s.num = m->learn_num;
        } else if ((num == 6 || num == 38) && m->nrpn_sel[ch] == 3) {
            s.kind = MK_NRPN;
            s.num = m->nrpn[ch];
        } else if (num == 98 || num == 99) {
            return; /* an NRPN being selected: its data comes next */
        } else if (num < 32) {
            m->learn_wait = 1;
            m->learn_ch = ch;
            m->learn_num = num;
            m->learn_at_ms = now;
            return;
        } else if (num < 120) {
            s.kind = MK_CC;
            s.num = num;
        } else {
            return; /* channel mode messages are no control */
        }
    } else {
        return;
    }
    learned(m, &s);
}

static void on_message(void *ctx, const uint8_t *msg, size_t len)
{
    struct midi *m = ctx;
    int64_t now = now_ms();
    if (m->profile) midi_profile_input(m->profile, msg, len, emit, m);
    uint8_t st = msg[0];
    if (st >= 0xF0 || len < 2) return; /* SysEx, System: the profile's, if any */
    uint8_t type = st & 0xF0;
    unsigned ch = st & 0x0F, from = 0;
    struct mapping *p;
    /* NRPN selection is tracked whatever is mapped (CC 99 MSB, 98 LSB; RPN 101/100 cancels). */
    if (type == 0xB0) {
        if (msg[1] == 99)
            m->nrpn[ch] = (m->nrpn[ch] & 0x7F) | (unsigned)msg[2] << 7, m->nrpn_sel[ch] |= 1;
        if (msg[1] == 98) m->nrpn[ch] = (m->nrpn[ch] & ~0x7Fu) | msg[2], m->nrpn_sel[ch] |= 2;
        if (msg[1] == 101 || msg[1] == 100) m->nrpn_sel[ch] = 0;
    }
    if (m->learn_armed) {
        if (m->learn_wait && !(type == 0xB0 && ch == m->learn_ch)) {
            struct midi_map_spec s = {.kind = MK_CC, .num = m->learn_num, .ch = m->learn_ch};
            learned(m, &s);
            if (!m->learn_armed) return;
        }
        learn_msg(m, type, ch, msg, now);
        if (type == 0xB0 && msg[1] == 6) m->nrpn_msb[ch] = msg[2], m->nrpn_msb_valid[ch] = 1;
        return;
    }
    int hit = 0;
    switch (type) {
    case 0xB0: {
        unsigned num = msg[1], v = msg[2];
        while ((p = find(m, MK_CC, ch, num, &from)))
            hit = 1, apply_pos(m, p, (float)v / 127.f);
        from = 0;
        while ((p = find(m, MK_ENC, ch, num, &from)))
            hit = 1, apply_ticks(m, p, midi_enc_ticks(p->s.enc, (uint8_t)v));
        from = 0;
        if (num < 32)
            while ((p = find(m, MK_CC14, ch, num, &from)))
                hit = 1, p->msb = v, p->msb_valid = 1;
        from = 0;
        if (num >= 32 && num < 64)
            while ((p = find(m, MK_CC14, ch, num - 32, &from)))
                if ((hit = 1) && p->msb_valid) apply_pos(m, p, (float)(p->msb << 7 | v) / 16383.f);
        if (num == 6) m->nrpn_msb[ch] = v, m->nrpn_msb_valid[ch] = 1, hit = 1;
        from = 0;
        if (num == 38 && m->nrpn_sel[ch] == 3 && m->nrpn_msb_valid[ch])
            while ((p = find(m, MK_NRPN, ch, m->nrpn[ch], &from)))
                hit = 1, apply_pos(m, p, (float)(m->nrpn_msb[ch] << 7 | v) / 16383.f);
        if (num >= 96 && num <= 101) hit = 1;
        break;
    }
    case 0x90:
    case 0x80: {
        int on = type == 0x90 && msg[2] > 0;
        while ((p = find(m, MK_NOTE, ch, msg[1], &from))) {
            hit = 1;
            if (p->s.momentary)
                apply_pos(m, p, on ? 1.f : 0.f);
            else if (on)
                apply_pos(m, p,
                          midi_map_to_pos(&p->s, &p->ref, m->nstems,
                                          stemd_get_ref(m->sd, &p->ref)) >= 0.5f
                              ? 0.f
                              : 1.f);
        }
        break;
    }
    case 0xE0:
        if (len == 3)
            while ((p = find(m, MK_PB, ch, 0, &from)))
                hit = 1, apply_pos(m, p, (float)(msg[1] | msg[2] << 7) / 16383.f);
        break;
    }
    if (!hit) m->unmapped++;
}

static void *thread_main(void *arg)
{
    struct midi *m = arg;
    uint8_t buf[STEMD_MIDI_MSG_MAX];
    pthread_setname_np(pthread_self(), "stemd-midi"); /* top -H, and 50-junk.t's CPU figure */
    while (!atomic_load(&m->stop)) {
        int64_t now = now_ms();
        pthread_mutex_lock(&m->lock);
        size_t len;
        for (unsigned i = 0; i < DRAIN_MAX && (len = stemd_midi_read(m->sd, buf, sizeof buf)); i++)
            midi_parse_bytes(&m->parser, buf, len, on_message, m);
        if (m->learn_armed && m->learn_wait && now - m->learn_at_ms >= LEARN_PAIR_MS) {
            struct midi_map_spec s = {.kind = MK_CC, .num = m->learn_num, .ch = m->learn_ch};
            learned(m, &s);
        }
        feedback_tick(m, now);
        if (m->profile && now - m->profile_ms >= PROFILE_TICK_MS) {
            m->profile_ms = now;
            midi_profile_tick(m->profile, (uint64_t)now, emit, m);
        }
        pthread_mutex_unlock(&m->lock);
        nanosleep(&(struct timespec){0, TICK_MS * 1000000L}, NULL);
    }
    return NULL;
}

/* ---- the mapping table ----------------------------------------------------------------------- */

/* The family of numbers a control's number belongs to: a CC number is one physical control
 * whether it is read as 7-bit, 14-bit or relative. */
static int family(enum midi_kind k)
{
    return k == MK_CC || k == MK_CC14 || k == MK_ENC ? MK_CC : (int)k;
}

/* Add s for ref, replacing the mapping of the same control (a control drives one parameter).
 * Lock held. Returns 0, or -ENOSPC. */
static int add_mapping(struct midi *m, const struct param_ref *ref, const struct midi_map_spec *s)
{
    unsigned k;
    for (k = 0; k < m->nmaps; k++)
        if (family(m->maps[k].s.kind) == family(s->kind) && m->maps[k].s.ch == s->ch &&
            m->maps[k].s.num == s->num)
            break;
    if (k == m->nmaps) {
        if (m->nmaps == MIDI_MAX_MAPS) return -ENOSPC;
        m->nmaps++;
    }
    struct mapping *p = &m->maps[k];
    memset(p, 0, sizeof *p);
    p->id = ++m->next_id;
    p->ref = *ref;
    p->slot = slot_of(ref);
    p->s = *s;
    p->picked = 0;
    p->fb_pending = 1; /* show the current value on the control */
    stemd_mark_changed(m->sd);
    return 0;
}

static unsigned remove_path(struct midi *m, const struct param_ref *ref)
{
    unsigned kept = 0, n = m->nmaps;
    for (unsigned k = 0; k < n; k++)
        if (!params_ref_eq(&m->maps[k].ref, ref)) m->maps[kept++] = m->maps[k];
    m->nmaps = kept;
    if (n != kept) stemd_mark_changed(m->sd);
    return n - kept;
}

/* "/midi/map PATH SPEC" (the state's line) or PATH and SPEC (OSC) into ref and s. */
static int parse_map(struct midi *m, const char *path, const char *spec, struct param_ref *ref,
                     struct midi_map_spec *s, char *err, size_t errlen)
{
    char why[200];
    if (params_lookup_resolve(stemd_lookup(m->sd), path, -1, ref, why, sizeof why) < 0) {
        snprintf(err, errlen, "%s", why);
        return -EINVAL;
    }
    if (midi_map_parse(spec, ref, s, why, sizeof why) < 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        return -EINVAL;
    }
    return 0;
}

/* ---- the state file's lines ------------------------------------------------------------------ */

static void *lines_begin(void *ctx)
{
    (void)ctx;
    return calloc(1, sizeof(struct pending_maps));
}

static int lines_line(void *ctx, void *h, const char *line, char *err, size_t errlen)
{
    struct midi *m = ctx;
    struct pending_maps *pm = h;
    char path[256];
    const char *s = line;
    if (strncmp(s, "/midi/map", 9) != 0 || (s[9] != ' ' && s[9] != '\t')) {
        snprintf(err, errlen, "unknown line '%.60s': MIDI lines are '/midi/map PATH CONTROL...'",
                 line);
        return -EINVAL;
    }
    s += 9;
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strcspn(s, " \t");
    if (!n || n >= sizeof path) {
        snprintf(err, errlen, "/midi/map: give the parameter path, then the control (cc 7 ch 1)");
        return -EINVAL;
    }
    memcpy(path, s, n);
    path[n] = 0;
    s += n;
    while (*s == ' ' || *s == '\t')
        s++;
    if (pm->n == MIDI_MAX_MAPS) {
        snprintf(err, errlen, "more than %d MIDI mappings", MIDI_MAX_MAPS);
        return -EINVAL;
    }
    struct mapping *p = &pm->maps[pm->n];
    if (parse_map(m, path, s, &p->ref, &p->s, err, errlen) < 0) return -EINVAL;
    pm->n++;
    return 0;
}

static void lines_end(void *ctx, void *h, int commit, unsigned nlines)
{
    struct midi *m = ctx;
    struct pending_maps *pm = h;
    /* A preset without MIDI lines leaves the mappings alone; one with them replaces them all. */
    if (commit && nlines) {
        pthread_mutex_lock(&m->lock);
        m->nmaps = 0;
        for (unsigned i = 0; i < pm->n; i++)
            add_mapping(m, &pm->maps[i].ref, &pm->maps[i].s);
        pthread_mutex_unlock(&m->lock);
        log_info("MIDI: %u mapping%s loaded", pm->n, pm->n == 1 ? "" : "s");
    }
    free(pm);
}

static char *lines_format(void *ctx)
{
    struct midi *m = ctx;
    pthread_mutex_lock(&m->lock);
    size_t cap = 64 + (size_t)m->nmaps * 400, len = 0;
    char *out = malloc(cap);
    if (out) {
        out[0] = 0;
        for (unsigned k = 0; k < m->nmaps; k++) {
            char path[160], spec[256];
            path_of(m, &m->maps[k].ref, path, sizeof path);
            midi_map_format(&m->maps[k].s, spec, sizeof spec);
            len += (size_t)snprintf(out + len, cap - len, "/midi/map %s %s\n", path, spec);
        }
    }
    pthread_mutex_unlock(&m->lock);
    return out;
}

/* ---- OSC verbs ------------------------------------------------------------------------------- */

int midi_command(struct midi *m, const char *addr, const char *const *args, int nargs,
                 midi_reply_fn reply, void *rctx, char *err, size_t errlen)
{
    struct param_ref ref;
    char why[256], path[160], spec[256], desc[96];
    int rc = 0;
    pthread_mutex_lock(&m->lock);
    if (!strcmp(addr, "/midi/learn")) {
        if (nargs != 1 ||
            params_lookup_resolve(stemd_lookup(m->sd), args[0], -1, &ref, why, sizeof why) < 0) {
            snprintf(err, errlen, "%s", nargs == 1 ? why : "use /midi/learn s:PATH");
            rc = -EINVAL;
        } else {
            m->learn_armed = 1;
            m->learn_wait = 0;
            m->learn_ref = ref;
            path_of(m, &ref, path, sizeof path);
            reply(rctx, "/midi/learn/armed", path, NULL, NULL);
        }
    } else if (!strcmp(addr, "/midi/learn/cancel")) {
        int was = m->learn_armed;
        m->learn_armed = m->learn_wait = 0;
        reply(rctx, "/midi/learn/cancelled", was ? "armed" : "not armed", NULL, NULL);
    } else if (!strcmp(addr, "/midi/unmap")) {
        if (nargs != 1 ||
            params_lookup_resolve(stemd_lookup(m->sd), args[0], -1, &ref, why, sizeof why) < 0) {
            snprintf(err, errlen, "%s", nargs == 1 ? why : "use /midi/unmap s:PATH");
            rc = -EINVAL;
        } else {
            unsigned n = remove_path(m, &ref);
            path_of(m, &ref, path, sizeof path);
            if (!n) {
                snprintf(err, errlen, "no MIDI mapping for %s (see /midi/list)", path);
                rc = -EINVAL;
            } else {
                snprintf(desc, sizeof desc, "%u", n);
                reply(rctx, "/midi/unmapped", path, desc, NULL);
            }
        }
    } else if (!strcmp(addr, "/midi/list")) {
        for (unsigned k = 0; k < m->nmaps; k++) {
            path_of(m, &m->maps[k].ref, path, sizeof path);
            midi_map_format(&m->maps[k].s, spec, sizeof spec);
            midi_map_describe(&m->maps[k].s, desc, sizeof desc);
            reply(rctx, "/midi/map", path, spec, desc);
        }
        snprintf(desc, sizeof desc, "%u", m->nmaps);
        reply(rctx, "/midi/list/end", desc, NULL, NULL);
    } else if (!strcmp(addr, "/midi/clear")) {
        snprintf(desc, sizeof desc, "%u", m->nmaps);
        if (m->nmaps) stemd_mark_changed(m->sd);
        m->nmaps = 0;
        reply(rctx, "/midi/cleared", desc, NULL, NULL);
    } else if (!strcmp(addr, "/midi/map")) {
        /* PATH, then the control in one string or in words. */
        size_t o = 0;
        spec[0] = 0;
        for (int i = 1; i < nargs && o < sizeof spec; i++)
            o += (size_t)snprintf(spec + o, sizeof spec - o, "%s%s", i > 1 ? " " : "", args[i]);
        struct midi_map_spec s;
        if (nargs < 2) {
            snprintf(err, errlen, "use /midi/map s:PATH s:CONTROL (e.g. \"cc14 7 ch 1 pickup\")");
            rc = -EINVAL;
        } else if ((rc = parse_map(m, args[0], spec, &ref, &s, err, errlen)) == 0) {
            if (add_mapping(m, &ref, &s) < 0) {
                snprintf(err, errlen, "%d mappings already: /midi/unmap some", MIDI_MAX_MAPS);
                rc = -EINVAL;
            } else {
                path_of(m, &ref, path, sizeof path);
                midi_map_format(&s, spec, sizeof spec);
                midi_map_describe(&s, desc, sizeof desc);
                reply(rctx, "/midi/mapped", path, spec, desc);
            }
        }
    } else if (!strcmp(addr, "/midi/stats")) {
        struct stemd_midi_counters c;
        stemd_midi_counters(m->sd, &c);
        const struct midi_parse_counts *n = &m->parser.n;
        snprintf(why, sizeof why,
                 "rx=%llu rx_dropped=%llu tx=%llu tx_dropped=%llu messages=%llu applied=%llu "
                 "ignored=%llu unmapped=%llu stray=%llu truncated=%llu sysex_too_long=%llu "
                 "undefined=%llu maps=%u",
                 (unsigned long long)c.rx_events, (unsigned long long)c.rx_dropped,
                 (unsigned long long)c.tx_events, (unsigned long long)c.tx_dropped,
                 (unsigned long long)n->messages, (unsigned long long)m->applied,
                 (unsigned long long)m->ignored, (unsigned long long)m->unmapped,
                 (unsigned long long)n->stray, (unsigned long long)n->truncated,
                 (unsigned long long)n->sysex_too_long, (unsigned long long)n->undefined, m->nmaps);
        reply(rctx, "/midi/stats", why, NULL, NULL);
    } else {
        snprintf(err, errlen,
                 "unknown MIDI command (/midi/learn /midi/learn/cancel /midi/unmap /midi/list "
                 "/midi/clear /midi/map /midi/stats)");
        rc = -EINVAL;
    }
    pthread_mutex_unlock(&m->lock);
    return rc;
}

/* ---- life ------------------------------------------------------------------------------------ */

int midi_new(struct stemd *sd, const struct midi_config *c, midi_notice_fn notice, void *nctx,
             struct midi **out, char *err, size_t errlen)
{
    struct midi *m = calloc(1, sizeof *m);
    *out = NULL;
    if (!m) goto nomem;
    m->sd = sd;
    m->nstems = stemd_nstems(sd); /* from the parsed config: ready before stemd_init */
    m->nslots = BUS_NPARAMS + m->nstems * STEM_NPARAMS;
    m->notice = notice;
    m->nctx = nctx;
    m->want_profile = c->mcu;
    pthread_mutex_init(&m->lock, NULL);
    pthread_mutex_init(&m->fb_lock, NULL);
    midi_parse_init(&m->parser);
    m->fb_flag = calloc(m->nslots, 1);
    m->fb_src = calloc(m->nslots, sizeof *m->fb_src);
    m->fb_dirty = calloc(m->nslots, sizeof *m->fb_dirty);
    if (!m->fb_flag || !m->fb_src || !m->fb_dirty) goto nomem;
    m->lines = (struct stemd_lines){"/midi/", m, lines_begin, lines_line, lines_end, lines_format};
    if (stemd_add_lines(sd, &m->lines) < 0) {
        snprintf(err, errlen, "MIDI: the state file's line family is taken");
        midi_free(m);
        return -EBUSY;
    }
    *out = m;
    return 0;
nomem:
    snprintf(err, errlen, "MIDI: out of memory");
    midi_free(m);
    return -ENOMEM;
}

int midi_start(struct midi *m, char *err, size_t errlen)
{
    if (m->want_profile && midi_profile_new(m->sd, &m->profile, err, errlen) < 0) return -EINVAL;
    if (stemd_add_listener(m->sd, listener, m) < 0) {
        snprintf(err, errlen, "MIDI: no change listener left (8 in use)");
        return -ENOSPC;
    }
    if (pthread_create(&m->thread, NULL, thread_main, m) != 0) {
        snprintf(err, errlen, "MIDI: cannot start its thread");
        return -EAGAIN;
    }
    m->started = 1;
    log_info("MIDI: midi_in and midi_out ready%s", m->profile ? ", Mackie Control profile" : "");
    return 0;
}

void midi_halt(struct midi *m)
{
    if (!m || !m->started) return;
    atomic_store(&m->stop, 1);
    pthread_join(m->thread, NULL);
    m->started = 0;
}

void midi_free(struct midi *m)
{
    if (!m) return;
    midi_halt(m);
    midi_profile_free(m->profile);
    free(m->fb_flag);
    free(m->fb_src);
    free(m->fb_dirty);
    pthread_mutex_destroy(&m->lock);
    pthread_mutex_destroy(&m->fb_lock);
    free(m);
}
