/* midi/mcu.c: the Mackie Control profile (midi/mcu.h): MCU messages in, stem changes through the
 * typed API, motor faders, LEDs, rings, scribble strip and meters out.
 *
 * The message numbers are Mackie Control's as documented publicly (the protocol itself is
 * licensed, not published): Do-sth-sharp/libMackieControl doc/MackieControl.md (note, CC,
 * pitch bend, channel pressure and SysEx tables), Reaper's MCU surface in
 * deadtrickster/csurf_klinke_mcu mcu_button_defines.h ("B0 1x vv: pan fader move, vv has 40 set
 * if negative", "Ex vv vv: volume fader move, x=0..7, 8=master") and EMATech/TouchMCU
 * doc/mackie_control_protocol.md. Every message from the surface comes on MIDI channel 1. */
#include "midi/mcu.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/mix.h"
#include "dsp/params.h"

/* Note numbers (note on, channel 1; the LEDs are the same notes sent back, velocity 127 on,
 * 0 off, 1 flashing): libMackieControl's "Note Number" table. */
#define NOTE_SOLO       8  /* 8..15: SOLO of strips 1..8 */
#define NOTE_MUTE       16 /* 16..23 */
#define NOTE_SELECT     24 /* 24..31 */
#define NOTE_VPOT_PRESS 32 /* 32..39: the V-Pot pushed */
#define NOTE_BANK_LEFT  46 /* FADER BANKS: BANK Left */
#define NOTE_BANK_RIGHT 47
#define NOTE_CHAN_LEFT  48 /* FADER BANKS: CHANNEL Left */
#define NOTE_CHAN_RIGHT 49
#define NOTE_TOUCH      104 /* 104..111: fader touch, velocity 127 touched, 0 released */
#define NOTE_TOUCH_MAIN 112 /* the master fader's touch */
/* Control changes: V-Pot turns (relative: bit 6 set = counter-clockwise, the low bits the ticks)
 * and the LED rings (bit 6 the centre LED, bits 4-5 the mode, bits 0-3 the position 0..11, 0 =
 * all off): libMackieControl's "CC Events" table. */
#define CC_VPOT     16 /* 16..23 */
#define CC_RING     48 /* 48..55 */
#define RING_DOT    0
#define RING_BOOST  1 /* boost/cut: lit from the centre to the position */
#define RING_WRAP   2 /* lit from the left to the position */
#define RING_SPREAD 3 /* lit from the centre out both ways */
/* Pitch bend channels 1..8 are the strip faders, 9 the master (14 bits, LSB first). */
#define PB_MAIN 8
/* Channel pressure: strip << 4 | level, level 0..12 (12 = full scale). */
#define METER_LEVELS 12
/* SysEx header of a Mackie Control (0x14; an XT extender is 0x15) and the LCD command: offset
 * 0..55 the top row, 56..111 the bottom, then ASCII. */
static const uint8_t sysex_head[] = {0xF0, 0x00, 0x00, 0x66, 0x14};
#define SYSEX_LCD 0x12
#define LCD_CELL  7 /* characters per strip and row */
#define LCD_ROW   (8 * LCD_CELL)

#define STRIPS       8
#define FADER_MAX    16383 /* 14 bits */
#define VPOT_STEP    0.01f /* of the taper (/norm) per V-Pot tick: 100 ticks end to end */
#define FEEDBACK_MS  10    /* at most one motor move per fader per 10 ms */
#define MOVED_MS     250   /* a fader moved (without touch) this recently is left alone */
#define NAME_MS      1000  /* after a V-Pot press, its parameter's name shows this long */
#define METER_MS     100   /* meters sent this often; the shown level falls a segment a time */
#define METER_DB_MIN -60.0 /* level 0 at and below; one segment per 5 dB up to 0 dBFS */

/* What a strip shows of its stem; each is one bit of the dirty flags. */
enum el { EL_PAN, EL_WIDTH, EL_TRIM, EL_THRESH, EL_FADER, EL_MUTE, EL_SOLO, EL_N };
#define VPOT_MODES 4 /* the first elements: what the V-Pot press cycles through */

/* The rows each element is (the V-Pot's four first, in the order a press cycles them): which
 * rows the surface reaches is this profile's choice; what they are (range, taper, unit) is the
 * table's. */
static const int el_ids[EL_N] = {STEM_PAN,   STEM_WIDTH, STEM_TRIM, STEM_COMP_THRESHOLD,
                                 STEM_FADER, STEM_MUTE,  STEM_SOLO};
/* Each V-Pot parameter's letter on the display and its ring mode. */
static const struct {
    char letter;
    int ring;
} vpot_modes[VPOT_MODES] = {
    {'P', RING_DOT}, {'W', RING_SPREAD}, {'T', RING_BOOST}, {'C', RING_WRAP}};

/* A motor fader's feedback state (strips 0..7, the master at STRIPS). */
struct fader {
    int touched;
    int pending;   /* the value changed elsewhere: send it when allowed */
    int moved;     /* pitch bend seen since the last tick */
    int has_moved; /* moved_ms is set */
    uint64_t moved_ms;
    int has_sent;
    uint64_t sent_ms;
};

struct mcu {
    struct stemd *sd;
    unsigned nstems;
    const struct param_def *rows[EL_N];

    /* Shared with the listener, under lock. */
    pthread_mutex_t lock;
    uint8_t *dirty; /* per stem: 1 << enum el */
    int master_dirty;
    struct param_ref master; /* written under lock (the listener reads it) */

    /* The MIDI thread's alone. */
    unsigned bank;
    int refresh;  /* every strip element is due (start, banking) */
    int selected; /* stem, or -1 */
    int select_dirty;
    int mode[STRIPS];
    int ring_dirty[STRIPS];
    int name_due[STRIPS];        /* pressed: show the parameter's name from the next tick */
    uint64_t name_until[STRIPS]; /* ... until then */
    struct fader fader[STRIPS + 1];
    char lcd[2 * LCD_ROW]; /* what the display shows (0 until first written) */
    struct stemd_meter_tap *tap;
    struct mix_meters *meters;
    int meter_shown[STRIPS];
    int has_metered;
    uint64_t metered_ms;

    _Atomic uint64_t handled, unknown, malformed;
};

static void count(_Atomic uint64_t *c)
{
    atomic_fetch_add_explicit(c, 1, memory_order_relaxed);
}

/* The listener: in whatever thread changed a parameter, with the server's writer lock held.
 * Only flags; the tick reads the values. A fader's own moves are not flagged: the motor is
 * where the hand put it. */
static void on_change(void *ctx, const struct param_ref *ref, float value, int source,
                      uint64_t batch)
{
    struct mcu *m = ctx;
    (void)value, (void)batch;
    pthread_mutex_lock(&m->lock);
    if (source != MCU_SOURCE && params_ref_eq(ref, &m->master)) m->master_dirty = 1;
    if (ref->stem >= 0 && (unsigned)ref->stem < m->nstems && ref->index == 0)
        for (int e = 0; e < EL_N; e++)
            if (ref->def == m->rows[e] && !(e == EL_FADER && source == MCU_SOURCE))
                m->dirty[ref->stem] |= (uint8_t)(1u << e);
    pthread_mutex_unlock(&m->lock);
}

int mcu_new(struct stemd *sd, struct mcu **out, char *err, size_t errlen)
{
    int rc = -ENOMEM;
    struct mcu *m = calloc(1, sizeof *m);
    if (!m) goto fail;
    m->sd = sd;
    m->nstems = stemd_nstems(sd);
    m->selected = -1;
    m->refresh = 1;
    for (int e = 0; e < EL_N; e++)
        m->rows[e] = params_row(SCOPE_STEM, el_ids[e]);
    m->dirty = calloc(m->nstems ? m->nstems : 1, 1);
    m->meters = mix_meters_new(m->nstems);
    if (!m->dirty || !m->meters || pthread_mutex_init(&m->lock, NULL) != 0) goto fail_mem;
    /* The bus always has its output gain: this cannot fail. */
    if (mcu_set_master(m, "/bus/output", err, errlen) < 0) goto fail_lock;
    if (stemd_meter_tap_new(sd, &m->tap) < 0) goto fail_lock;
    /* Last: a listener cannot be taken back. */
    if (stemd_add_listener(sd, on_change, m) < 0) {
        rc = -ENOSPC;
        goto fail_tap;
    }
    *out = m;
    return 0;
fail_tap:
    stemd_meter_tap_free(sd, m->tap);
fail_lock:
    pthread_mutex_destroy(&m->lock);
fail_mem:
    free(m->dirty);
    free(m->meters);
    free(m);
fail:
    if (rc == -ENOSPC)
        snprintf(err, errlen,
                 "the Mackie Control profile needs a change listener and all 8 are taken "
                 "(server/control.h)");
    else
        snprintf(err, errlen, "out of memory for the Mackie Control profile");
    return rc;
}

void mcu_free(struct mcu *m)
{
    if (!m) return;
    stemd_meter_tap_free(m->sd, m->tap);
    pthread_mutex_destroy(&m->lock);
    free(m->dirty);
    free(m->meters);
    free(m);
}

int mcu_set_master(struct mcu *m, const char *path, char *err, size_t errlen)
{
    struct param_ref ref;
    char why[256];
    if (params_resolve(path, stemd_names(m->sd), &ref, why, sizeof why) < 0) {
        snprintf(err, errlen, "master fader path %s: %s", path, why);
        return -EINVAL;
    }
    pthread_mutex_lock(&m->lock);
    m->master = ref;
    m->master_dirty = 1;
    pthread_mutex_unlock(&m->lock);
    return 0;
}

void mcu_counters(const struct mcu *m, struct mcu_counters *out)
{
    out->handled = atomic_load_explicit(&m->handled, memory_order_relaxed);
    out->unknown = atomic_load_explicit(&m->unknown, memory_order_relaxed);
    out->malformed = atomic_load_explicit(&m->malformed, memory_order_relaxed);
}

unsigned mcu_bank(const struct mcu *m)
{
    return m->bank;
}

/* ---- input ---- */

static struct param_ref stem_ref(const struct mcu *m, enum el e, unsigned k)
{
    return (struct param_ref){m->rows[e], 0, (int)k};
}

/* One change from the surface, through the one API. A refusal cannot come from values made
 * through the taper; it would be a bug, and then it changes nothing. */
static void apply(struct mcu *m, const struct param_ref *ref, float v)
{
    struct param_change c = {*ref, v};
    char err[256];
    stemd_apply(m->sd, &c, 1, MCU_SOURCE, NULL, NULL, err, sizeof err);
}

/* The stem on strip i, or -1 when the window has none there. */
static int strip_stem(const struct mcu *m, unsigned i)
{
    unsigned k = m->bank + i;
    return i < STRIPS && k < m->nstems ? (int)k : -1;
}

static void set_bank(struct mcu *m, long bank)
{
    long max = m->nstems > STRIPS ? (long)(m->nstems - STRIPS) : 0;
    if (bank < 0) bank = 0;
    if (bank > max) bank = max;
    if ((unsigned)bank == m->bank) return;
    m->bank = (unsigned)bank;
    m->refresh = 1;
}

/* A fader moved to pb (0..16383): its parameter through the taper. */
static void fader_in(struct mcu *m, unsigned f, unsigned pb)
{
    float norm = (float)pb / FADER_MAX;
    struct param_ref ref;
    if (f == PB_MAIN) {
        ref = m->master;
    } else {
        int k = strip_stem(m, f);
        if (k < 0) {
            count(&m->unknown);
            return;
        }
        ref = stem_ref(m, EL_FADER, (unsigned)k);
    }
    m->fader[f].moved = 1;
    apply(m, &ref, params_ref_from_norm(&ref, norm, m->nstems));
    count(&m->handled);
}

/* A V-Pot turned: signed-bit relative, bit 6 = counter-clockwise, bits 0-5 the ticks. */
static void vpot_in(struct mcu *m, unsigned i, unsigned val)
{
    int k = strip_stem(m, i);
    unsigned ticks = val & 0x3f;
    if (k < 0) {
        count(&m->unknown);
        return;
    }
    if (ticks == 0) { /* no movement: not something a V-Pot sends */
        count(&m->malformed);
        return;
    }
    struct param_ref ref = stem_ref(m, (enum el)m->mode[i], (unsigned)k);
    float norm = params_ref_to_norm(&ref, stemd_get_ref(m->sd, &ref), m->nstems);
    norm += (val & 0x40 ? -1.0f : 1.0f) * (float)ticks * VPOT_STEP;
    norm = norm < 0 ? 0 : norm > 1 ? 1 : norm;
    apply(m, &ref, params_ref_from_norm(&ref, norm, m->nstems));
    count(&m->handled);
}

/* A button toggles its stem's BOOL. */
static void toggle(struct mcu *m, enum el e, unsigned k)
{
    struct param_ref ref = stem_ref(m, e, k);
    apply(m, &ref, stemd_get_ref(m->sd, &ref) >= 0.5f ? 0.0f : 1.0f);
}

static void note_in(struct mcu *m, unsigned note, unsigned vel)
{
    int down = vel > 0;
    if (note >= NOTE_TOUCH && note <= NOTE_TOUCH_MAIN) {
        struct fader *f = &m->fader[note - NOTE_TOUCH];
        if (f->touched && !down) {
            f->pending = 1; /* released: it gets the current value at once */
            f->has_moved = 0;
        }
        f->touched = down;
        count(&m->handled);
        return;
    }
    if (note >= NOTE_BANK_LEFT && note <= NOTE_CHAN_RIGHT) {
        static const int by[] = {-STRIPS, STRIPS, -1, 1};
        if (down) set_bank(m, (long)m->bank + by[note - NOTE_BANK_LEFT]);
        count(&m->handled);
        return;
    }
    if (note < NOTE_SOLO || note >= NOTE_VPOT_PRESS + STRIPS) {
        count(&m->unknown); /* rec-arm, assignment, transport, ... */
        return;
    }
    unsigned i = note % STRIPS;
    int k = strip_stem(m, i);
    if (k < 0) {
        count(&m->unknown);
        return;
    }
    count(&m->handled);
    if (!down) return; /* buttons act when pressed */
    switch ((note - NOTE_SOLO) / STRIPS) {
    case 0:
        toggle(m, EL_SOLO, (unsigned)k);
        break;
    case 1:
        toggle(m, EL_MUTE, (unsigned)k);
        break;
    case 2:
        m->selected = m->selected == k ? -1 : k;
        m->select_dirty = 1;
        break;
    default:
        m->mode[i] = (m->mode[i] + 1) % VPOT_MODES;
        m->ring_dirty[i] = 1;
        m->name_due[i] = 1;
    }
}

/* Length of a message by its status byte; 0 for an undefined one, -1 for SysEx (to F7). */
static int msg_len(uint8_t status)
{
    if (status < 0xF0) return (status & 0xE0) == 0xC0 ? 2 : 3; /* program change, pressure */
    switch (status) {
    case 0xF0:
        return -1;
    case 0xF1:
    case 0xF3:
        return 2;
    case 0xF2:
        return 3;
    case 0xF6:
    case 0xF8:
    case 0xFA:
    case 0xFB:
    case 0xFC:
    case 0xFE:
    case 0xFF:
        return 1;
    default:
        return 0; /* F4, F5, F7 alone, F9, FD */
    }
}

void mcu_input(struct mcu *m, const uint8_t *msg, size_t len, midi_emit_fn emit, void *ctx)
{
    (void)emit, (void)ctx;                   /* every answer goes out on the next tick */
    if (!msg || len == 0 || msg[0] < 0x80) { /* nothing, or a running-status leftover */
        count(&m->malformed);
        return;
    }
    int want = msg_len(msg[0]);
    size_t end = want < 0 ? len - 1 : len; /* the data bytes: after the status, before F7 */
    if (want == 0 || (want > 0 && len != (size_t)want) ||
        (want < 0 && (len < 2 || msg[len - 1] != 0xF7))) {
        count(&m->malformed);
        return;
    }
    for (size_t i = 1; i < end; i++)
        if (msg[i] & 0x80) {
            count(&m->malformed);
            return;
        }
    if (msg[0] >= 0xF0) { /* no SysEx from the surface is acted on (handshakes, version) */
        count(&m->unknown);
        return;
    }
    uint8_t type = msg[0] & 0xF0, chan = msg[0] & 0x0F;
    if (type == 0xE0 && chan <= PB_MAIN) {
        fader_in(m, chan, (unsigned)msg[1] | (unsigned)msg[2] << 7);
    } else if (chan != 0) {
        count(&m->unknown);
    } else if (type == 0x90 || type == 0x80) {
        note_in(m, msg[1], type == 0x80 ? 0 : msg[2]);
    } else if (type == 0xB0 && msg[1] >= CC_VPOT && msg[1] < CC_VPOT + STRIPS) {
        vpot_in(m, msg[1] - CC_VPOT, msg[2]);
    } else {
        count(&m->unknown);
    }
}

/* ---- feedback ---- */

static void send3(midi_emit_fn emit, void *ctx, unsigned a, unsigned b, unsigned c)
{
    uint8_t msg[3] = {(uint8_t)a, (uint8_t)b, (uint8_t)c};
    if (emit) emit(ctx, msg, 3);
}

static void send_fader(struct mcu *m, unsigned f, const struct param_ref *ref, midi_emit_fn emit,
                       void *ctx)
{
    unsigned pb = 0;
    if (ref) {
        float norm = params_ref_to_norm(ref, stemd_get_ref(m->sd, ref), m->nstems);
        pb = (unsigned)lrintf(norm * FADER_MAX);
    }
    send3(emit, ctx, 0xE0 | f, pb & 0x7f, pb >> 7);
}

/* A motor fader's turn in a tick: ref its parameter (NULL: a strip with no stem, sent to the
 * bottom). Never moved while touched or just moved by hand; at most once a 10 ms. */
static void fader_tick(struct mcu *m, unsigned idx, const struct param_ref *ref, uint64_t now,
                       midi_emit_fn emit, void *ctx)
{
    struct fader *f = &m->fader[idx];
    if (f->moved) {
        f->moved = 0;
        f->has_moved = 1;
        f->moved_ms = now;
    }
    if (!f->pending || f->touched || (f->has_moved && now - f->moved_ms < MOVED_MS)) return;
    if (f->has_sent && now - f->sent_ms < FEEDBACK_MS) return;
    send_fader(m, idx, ref, emit, ctx);
    f->pending = 0;
    f->has_sent = 1;
    f->sent_ms = now;
}

static unsigned ring_value(struct mcu *m, unsigned i, int k)
{
    if (k < 0) return 0;
    struct param_ref ref = stem_ref(m, (enum el)m->mode[i], (unsigned)k);
    float norm = params_ref_to_norm(&ref, stemd_get_ref(m->sd, &ref), m->nstems);
    return (unsigned)vpot_modes[m->mode[i]].ring << 4 | (1 + (unsigned)lrintf(norm * 10));
}

/* The bottom cell of strip i, 6 characters and a space: for a second after a press the V-Pot
 * parameter's name (the last word of its row's name in the table: "pan", "width", "trim",
 * "thresh"), else its letter and value. Units come from the table; pan shows L/C/R and a
 * percentage of its half of the taper. */
static void vpot_cell(struct mcu *m, unsigned i, unsigned k, uint64_t now, char *cell)
{
    struct param_ref ref = stem_ref(m, (enum el)m->mode[i], k);
    char val[32], buf[48];
    if (now < m->name_until[i]) {
        const char *word = strrchr(ref.def->name, '/');
        snprintf(buf, sizeof buf, "%-6.6s ", word ? word + 1 : ref.def->name);
        memcpy(cell, buf, LCD_CELL);
        return;
    }
    float v = stemd_get_ref(m->sd, &ref);
    if (ref.def->id == STEM_PAN) {
        long pct = lrintf((params_ref_to_norm(&ref, v, m->nstems) * 2 - 1) * 100);
        if (pct == 0)
            snprintf(val, sizeof val, "C");
        else
            snprintf(val, sizeof val, "%c%ld", pct < 0 ? 'L' : 'R', labs(pct));
    } else if (!strcmp(ref.def->unit, "dB")) {
        snprintf(val, sizeof val, "%+.1f", v);
    } else if (!strcmp(ref.def->unit, "%")) {
        snprintf(val, sizeof val, "%.0f%%", v);
    } else {
        snprintf(val, sizeof val, "%.4g", v);
    }
    snprintf(buf, sizeof buf, "%c%5.5s ", vpot_modes[m->mode[i]].letter, val);
    memcpy(cell, buf, LCD_CELL);
}

/* What the display should show, then one SysEx per row for the span that differs. */
static void lcd_update(struct mcu *m, uint64_t now, midi_emit_fn emit, void *ctx)
{
    char want[2 * LCD_ROW];
    memset(want, ' ', sizeof want);
    for (unsigned i = 0; i < STRIPS; i++) {
        int k = strip_stem(m, i);
        if (k < 0) continue;
        const char *name = stemd_stem_name(m->sd, (unsigned)k);
        size_t n = name ? strlen(name) : 0;
        memcpy(want + i * LCD_CELL, name, n < LCD_CELL - 1 ? n : LCD_CELL - 1);
        if (m->name_due[i]) m->name_until[i] = now + NAME_MS;
        m->name_due[i] = 0;
        vpot_cell(m, i, (unsigned)k, now, want + LCD_ROW + i * LCD_CELL);
    }
    for (unsigned row = 0; row < 2; row++) {
        unsigned a = row * LCD_ROW, b = a + LCD_ROW;
        while (a < b && want[a] == m->lcd[a])
            a++;
        while (b > a && want[b - 1] == m->lcd[b - 1])
            b--;
        if (a == b) continue;
        uint8_t msg[sizeof sysex_head + 3 + LCD_ROW];
        size_t n = 0;
        memcpy(msg, sysex_head, sizeof sysex_head);
        n = sizeof sysex_head;
        msg[n++] = SYSEX_LCD;
        msg[n++] = (uint8_t)a;
        memcpy(msg + n, want + a, b - a);
        n += b - a;
        msg[n++] = 0xF7;
        memcpy(m->lcd + a, want + a, b - a);
        if (emit) emit(ctx, msg, n);
    }
}

/* Peak (linear) to a meter level: one segment per 5 dB from -60 dBFS, 12 at full scale. */
static int meter_level(float peak)
{
    if (!(peak > 0)) return 0;
    double l = floor((20 * log10(peak) - METER_DB_MIN) / 5);
    return l < 0 ? 0 : l > METER_LEVELS ? METER_LEVELS : (int)l;
}

static void meters_update(struct mcu *m, uint64_t now, midi_emit_fn emit, void *ctx)
{
    if (m->has_metered && now - m->metered_ms < METER_MS) return;
    m->has_metered = 1;
    m->metered_ms = now;
    if (stemd_meter_tap_take(m->sd, m->tap, m->meters, NULL) < 0) return;
    for (unsigned i = 0; i < STRIPS; i++) {
        int k = strip_stem(m, i);
        int l = 0;
        if (k >= 0) {
            const struct mix_stem_meters *s = &m->meters->stem[k];
            l = meter_level(s->peak_l > s->peak_r ? s->peak_l : s->peak_r);
        }
        int shown = m->meter_shown[i] - 1; /* the decay: a segment a period */
        if (l > shown) shown = l;
        if (shown < 0) shown = 0;
        /* The surface lets a level fall by itself: it is sent again while it is up. */
        if (shown > 0 || m->meter_shown[i] > 0) {
            uint8_t msg[2] = {0xD0, (uint8_t)(i << 4 | (unsigned)shown)};
            if (emit) emit(ctx, msg, 2);
        }
        m->meter_shown[i] = shown;
    }
}

/* A button LED: 127 when stem k's BOOL e is on, 0 when off or no stem. */
static unsigned led(struct mcu *m, enum el e, int k)
{
    if (k < 0) return 0;
    struct param_ref ref = stem_ref(m, e, (unsigned)k);
    return stemd_get_ref(m->sd, &ref) >= 0.5f ? 127 : 0;
}

void mcu_tick(struct mcu *m, uint64_t now, midi_emit_fn emit, void *ctx)
{
    uint8_t flags[STRIPS] = {0};
    int master;
    struct param_ref mref;
    /* Take the flags; the values are read after, without the lock (the listener holds the
     * server's writer lock when it takes this one: never the other way round). */
    pthread_mutex_lock(&m->lock);
    for (unsigned i = 0; i < STRIPS; i++) {
        int k = strip_stem(m, i);
        if (k >= 0) flags[i] = m->dirty[k];
    }
    memset(m->dirty, 0, m->nstems);
    master = m->master_dirty;
    m->master_dirty = 0;
    mref = m->master;
    pthread_mutex_unlock(&m->lock);

    if (m->refresh) {
        memset(flags, 0xff, sizeof flags);
        master = 1;
        m->select_dirty = 1;
        memset(m->meter_shown, 0, sizeof m->meter_shown);
        m->refresh = 0;
    }
    for (unsigned i = 0; i < STRIPS; i++) {
        int k = strip_stem(m, i);
        struct param_ref ref = k >= 0 ? stem_ref(m, EL_FADER, (unsigned)k) : (struct param_ref){0};
        if (flags[i] & 1u << EL_FADER) m->fader[i].pending = 1;
        fader_tick(m, i, k >= 0 ? &ref : NULL, now, emit, ctx);
        if (flags[i] & 1u << EL_MUTE) send3(emit, ctx, 0x90, NOTE_MUTE + i, led(m, EL_MUTE, k));
        if (flags[i] & 1u << EL_SOLO) send3(emit, ctx, 0x90, NOTE_SOLO + i, led(m, EL_SOLO, k));
        if (m->select_dirty)
            send3(emit, ctx, 0x90, NOTE_SELECT + i, k >= 0 && k == m->selected ? 127 : 0);
        if (m->ring_dirty[i] || (flags[i] & 1u << m->mode[i])) {
            send3(emit, ctx, 0xB0, CC_RING + i, ring_value(m, i, k));
            m->ring_dirty[i] = 0;
        }
    }
    m->select_dirty = 0;
    if (master) m->fader[PB_MAIN].pending = 1;
    fader_tick(m, PB_MAIN, &mref, now, emit, ctx);
    lcd_update(m, now, emit, ctx);
    meters_update(m, now, emit, ctx);
}
