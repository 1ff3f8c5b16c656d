/* tests/control/test_mcu.c: the Mackie Control profile (midi/mcu.c) on a server that is
 * initialised but never connected to JACK: byte sequences a surface sends go into mcu_input,
 * what the profile sends is captured from its emit function, and the parameters are read back
 * through the server API. Expected values come from the table's taper (dsp/params.h) and the
 * Mackie Control message layout, never from the module. Run by tests/osc/17-mcu.t. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "midi/mcu.h"
#include "server/config.h"
#include "server/server.h"
#include "tests/tap.h"

#define MAXMSG 4096

/* Everything one mcu_tick (or a few) sent. */
struct cap {
    unsigned n;
    size_t len[MAXMSG];
    uint8_t msg[MAXMSG][128];
};

static void emit(void *ctx, const uint8_t *msg, size_t len)
{
    struct cap *c = ctx;
    if (c->n < MAXMSG && len <= sizeof c->msg[0]) {
        memcpy(c->msg[c->n], msg, len);
        c->len[c->n++] = len;
    }
}

static struct stemd *server(const char *stems)
{
    char *args[] = {"test_mcu", "--stems", (char *)stems, "--log-level", "error", NULL};
    struct stemd *sd = calloc(1, sizeof *sd);
    if (!sd || config_from_args(&sd->cfg, 5, args) != 0 || stemd_init(sd) < 0)
        bail("cannot initialise the server");
    return sd;
}

static void in(struct mcu *m, struct cap *c, size_t len, const uint8_t *msg)
{
    mcu_input(m, msg, len, emit, c);
}
#define IN(m, ...)                                                                                 \
    do {                                                                                           \
        const uint8_t b_[] = {__VA_ARGS__};                                                        \
        mcu_input(m, b_, sizeof b_, NULL, NULL);                                                   \
    } while (0)

static double secs(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static uint64_t now;
static int lcd_apply(const struct cap *c, char *disp);
/* The surface's display as the profile's LCD messages wrote it (0 where never written), and how
 * many malformed LCD messages came. */
static char lcd[112];
static int lcd_bad;
static void show(const struct cap *c)
{
    if (lcd_apply(c, lcd) < 0) lcd_bad++;
}
/* One tick, 10 ms after the last, into a fresh capture. */
static struct cap *tick(struct mcu *m, struct cap *c)
{
    now += 10;
    c->n = 0;
    mcu_tick(m, now, emit, c);
    show(c);
    return c;
}
/* Ticks until dt ms passed, all into one capture. */
static struct cap *ticks(struct mcu *m, struct cap *c, unsigned dt)
{
    c->n = 0;
    for (unsigned t = 0; t < dt; t += 10) {
        now += 10;
        mcu_tick(m, now, emit, c);
    }
    show(c);
    return c;
}

/* The last pitch bend on channel ch (0-based) in c, or -1; *count gets how many. */
static long bend(const struct cap *c, unsigned ch, unsigned *count)
{
    long v = -1;
    unsigned n = 0;
    for (unsigned i = 0; i < c->n; i++)
        if (c->len[i] == 3 && c->msg[i][0] == (0xE0 | ch)) {
            v = c->msg[i][1] | c->msg[i][2] << 7;
            n++;
        }
    if (count) *count = n;
    return v;
}

/* The last value of note (note on, channel 1) or CC num sent, or -1. */
static int last3(const struct cap *c, uint8_t status, uint8_t num)
{
    int v = -1;
    for (unsigned i = 0; i < c->n; i++)
        if (c->len[i] == 3 && c->msg[i][0] == status && c->msg[i][1] == num) v = c->msg[i][2];
    return v;
}

/* A model of the surface's 2 x 56 display: every LCD SysEx of c written into it. Returns how
 * many were well-formed LCD messages; a malformed one makes it -1. */
static int lcd_apply(const struct cap *c, char *disp)
{
    static const uint8_t head[] = {0xF0, 0x00, 0x00, 0x66, 0x14, 0x12};
    int n = 0;
    for (unsigned i = 0; i < c->n; i++) {
        if (c->msg[i][0] != 0xF0) continue;
        if (c->len[i] < 8 || memcmp(c->msg[i], head, sizeof head) ||
            c->msg[i][c->len[i] - 1] != 0xF7)
            return -1;
        size_t off = c->msg[i][6], len = c->len[i] - 8;
        if (off + len > 112) return -1;
        for (size_t j = 0; j < len; j++)
            if (c->msg[i][7 + j] < 0x20 || c->msg[i][7 + j] > 0x7e) return -1;
        memcpy(disp + off, c->msg[i] + 7, len);
        n++;
    }
    return n;
}

static int has_digit(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] >= '0' && p[i] <= '9') return 1;
    return 0;
}

static float get(struct stemd *sd, const char *path)
{
    float v = NAN;
    char err[256];
    if (stemd_get(sd, path, &v, err, sizeof err) < 0) diag("%s: %s", path, err);
    return v;
}

static void set(struct stemd *sd, const char *path, float v)
{
    char err[256];
    if (stemd_set(sd, path, v, STEMD_SRC_API, NULL, err, sizeof err) < 0) diag("%s: %s", path, err);
}

static struct param_ref ref_of(struct stemd *sd, const char *path)
{
    struct param_ref r;
    char err[256];
    if (params_resolve(path, stemd_names(sd), &r, err, sizeof err) < 0) bail(err);
    return r;
}

/* The 14-bit position the table's taper gives the value at path. */
static long pos_of(struct stemd *sd, const char *path)
{
    struct param_ref r = ref_of(sd, path);
    return lrintf(params_ref_to_norm(&r, get(sd, path), stemd_nstems(sd)) * 16383);
}

static const char *names10[] = {"kick",   "snare",  "hats",  "bass",    "keys",
                                "guitar", "vocals", "choir", "strings", "fx"};

/* The top row as the protocol lays it out: a cell of 7 per strip, the name's first 6. */
static void top_row(char *row, unsigned first, unsigned nstems)
{
    memset(row, ' ', 56);
    for (unsigned i = 0; i < 8 && first + i < nstems; i++) {
        size_t n = strlen(names10[first + i]);
        memcpy(row + 7 * i, names10[first + i], n < 6 ? n : 6);
    }
}

static void test_faders(struct stemd *sd, struct mcu *m, struct cap *c)
{
    struct param_ref fr = ref_of(sd, "/stem/kick/fader");
    unsigned ns = stemd_nstems(sd);

    /* Every one of the 16384 positions lands exactly where the taper puts it. */
    unsigned wrong = 0, first_wrong = 0;
    float prev = -INFINITY;
    int monotone = 1;
    double t0 = secs();
    for (unsigned pb = 0; pb <= 16383; pb++) {
        IN(m, 0xE0, pb & 0x7f, pb >> 7);
        float v = get(sd, "/stem/kick/fader");
        if (v != params_ref_from_norm(&fr, pb / 16383.0f, ns) && !wrong++) first_wrong = pb;
        if (v < prev) monotone = 0;
        prev = v;
    }
    diag("16384 fader moves (each a stemd_apply, read back) in %.1f ms: %.2f us each (a figure, "
         "not a test)",
         (secs() - t0) * 1e3, (secs() - t0) * 1e6 / 16384);
    ok(wrong == 0,
       "fader: all 16384 pitch-bend positions are the taper's value (%u wrong, first "
       "at %u)",
       wrong, first_wrong);
    ok(monotone, "fader: the stem fader rises with the pitch bend");
    IN(m, 0xE0, 0, 0);
    ok(get(sd, "/stem/kick/fader") == fr.def->min, "fader at the bottom: the table's minimum (%g)",
       get(sd, "/stem/kick/fader"));
    IN(m, 0xE0, 0x7f, 0x7f);
    ok(get(sd, "/stem/kick/fader") == fr.def->max, "fader at the top: the table's maximum (%g)",
       get(sd, "/stem/kick/fader"));
    IN(m, 0xE0, 0x00, 0x40); /* 8192, the middle */
    ok(get(sd, "/stem/kick/fader") == params_from_norm(fr.def, 8192 / 16383.0f),
       "fader in the middle: the taper's middle (%g dB)", get(sd, "/stem/kick/fader"));
    IN(m, 0xE1, 0x00, 0x40);
    ok(get(sd, "/stem/snare/fader") == params_from_norm(fr.def, 8192 / 16383.0f) &&
           get(sd, "/stem/hats/fader") == fr.def->def,
       "channel 2's pitch bend moves strip 2 (snare) and nothing else");

    /* Its own moves are not sent back, even once the hand is long gone. */
    ticks(m, c, 1000);
    ok(bend(c, 0, NULL) < 0 && bend(c, 1, NULL) < 0, "a fader's own move is not echoed to it");

    /* A change from elsewhere moves the motor, to the taper's position of the value. */
    set(sd, "/stem/kick/fader", -6);
    tick(m, c);
    unsigned nb;
    long pb = bend(c, 0, &nb);
    ok(pb == pos_of(sd, "/stem/kick/fader") && nb == 1,
       "an API change moves motor fader 1 to %ld (sent %u, -6 dB is at %ld)", pb, nb,
       pos_of(sd, "/stem/kick/fader"));
    IN(m, 0xE0, pb & 0x7f, pb >> 7);
    ok(fabsf(get(sd, "/stem/kick/fader") + 6) < 0.01f, "and that position reads back as -6 dB (%g)",
       get(sd, "/stem/kick/fader"));
    ticks(m, c, 300);

    /* Coalesced: three changes in one tick are one message, and two ticks 5 ms apart send one. */
    set(sd, "/stem/kick/fader", -1);
    set(sd, "/stem/kick/fader", -2);
    set(sd, "/stem/kick/fader", -3);
    tick(m, c);
    pb = bend(c, 0, &nb);
    ok(nb == 1 && pb == pos_of(sd, "/stem/kick/fader"),
       "three changes: one motor move, to the "
       "last (%u sent)",
       nb);
    set(sd, "/stem/kick/fader", -4);
    now += 5;
    c->n = 0;
    mcu_tick(m, now - 10 + 5, emit, c); /* 5 ms after the last */
    ok(bend(c, 0, NULL) < 0, "a change 5 ms after a move waits");
    tick(m, c);
    ok(bend(c, 0, NULL) == pos_of(sd, "/stem/kick/fader"), "and goes out 10 ms after it");

    /* Touch: a touched fader is never moved; released, it gets the current value. */
    IN(m, 0x90, 104, 127);
    set(sd, "/stem/kick/fader", -10);
    ticks(m, c, 500);
    ok(bend(c, 0, NULL) < 0, "a touched fader gets no feedback (%u messages in 500 ms)", c->n);
    IN(m, 0x90, 104, 0);
    tick(m, c);
    ok(bend(c, 0, NULL) == pos_of(sd, "/stem/kick/fader"), "released, it gets the current value");
    IN(m, 0x90, 104, 127);
    ticks(m, c, 100);
    IN(m, 0x80, 104, 0); /* note off releases too */
    tick(m, c);
    ok(bend(c, 0, NULL) == pos_of(sd, "/stem/kick/fader"),
       "released by note off: the value again (nothing changed, the hand may have moved it)");

    /* A fader moved without touch (surfaces without touch sense) is left alone a moment. */
    IN(m, 0xE1, 0x00, 0x20);
    set(sd, "/stem/snare/fader", -20);
    tick(m, c);
    ok(bend(c, 1, NULL) < 0, "a fader moved by hand just now is not fought");
    ticks(m, c, 400);
    ok(bend(c, 1, NULL) == pos_of(sd, "/stem/snare/fader"), "after a while it follows again");

    /* The master fader: pitch bend channel 9 is /bus/output through its taper. */
    struct param_ref out = ref_of(sd, "/bus/output");
    IN(m, 0xE8, 0, 0);
    ok(get(sd, "/bus/output") == out.def->min, "master fader at the bottom: /bus/output's minimum");
    IN(m, 0xE8, 0x7f, 0x7f);
    ok(get(sd, "/bus/output") == out.def->max, "at the top: its maximum");
    IN(m, 0xE8, 0x00, 0x40);
    ok(get(sd, "/bus/output") == params_from_norm(out.def, 8192 / 16383.0f), "in the middle: the "
                                                                             "taper's middle");
    ticks(m, c, 300);
    set(sd, "/bus/output", -12);
    tick(m, c);
    ok(bend(c, 8, NULL) == pos_of(sd, "/bus/output"), "an API change moves the master motor");
    IN(m, 0x90, 112, 127);
    set(sd, "/bus/output", -3);
    ticks(m, c, 100);
    ok(bend(c, 8, NULL) < 0, "not while it is touched");
    IN(m, 0x90, 112, 0);
    tick(m, c);
    ok(bend(c, 8, NULL) == pos_of(sd, "/bus/output"), "released: the current value");

    char err[256];
    ok(mcu_set_master(m, "/bus/nonsense", err, sizeof err) < 0, "a bad master path is refused: %s",
       err);
    IN(m, 0xE8, 0, 0);
    ok(get(sd, "/bus/output") == out.def->min, "and the master stays on /bus/output");
    ok(mcu_set_master(m, "/stem/fx/trim", err, sizeof err) == 0, "the master on /stem/fx/trim");
    IN(m, 0xE8, 0x7f, 0x7f);
    struct param_ref trim = ref_of(sd, "/stem/fx/trim");
    ok(get(sd, "/stem/fx/trim") == trim.def->max && get(sd, "/bus/output") == out.def->min,
       "moves that, not /bus/output");
    mcu_set_master(m, "/bus/output", err, sizeof err);
    set(sd, "/stem/fx/trim", trim.def->def);
    ticks(m, c, 300);
}

static void test_banking(struct stemd *sd, struct mcu *m, struct cap *c)
{
    char row[56];
    IN(m, 0x90, 47, 127); /* BANK right */
    IN(m, 0x90, 47, 0);
    ok(mcu_bank(m) == 2, "bank right with 10 stems: strips show stems 3..10 (bank %u)",
       mcu_bank(m));
    ticks(m, c, 20);
    top_row(row, 2, 10);
    ok(!memcmp(lcd, row, 56), "the scribble strip's top row: %.56s", lcd);
    unsigned nb;
    bend(c, 0, &nb);
    unsigned all = 0;
    for (unsigned ch = 0; ch < 8; ch++)
        all += bend(c, ch, NULL) >= 0;
    ok(all == 8, "every strip's motor goes to its new stem (%u of 8)", all);
    ok(bend(c, 0, NULL) == pos_of(sd, "/stem/hats/fader"), "strip 1 is hats now");

    float kick = get(sd, "/stem/kick/fader");
    IN(m, 0xE0, 0x00, 0x10);
    ok(get(sd, "/stem/hats/fader") ==
               params_from_norm(ref_of(sd, "/stem/hats/fader").def, (0x10 << 7) / 16383.0f) &&
           get(sd, "/stem/kick/fader") == kick,
       "fader 1 moves hats, not kick");
    IN(m, 0xE7, 0x00, 0x10);
    ok(get(sd, "/stem/fx/fader") != ref_of(sd, "/stem/fx/fader").def->def, "fader 8 moves fx");
    IN(m, 0x90, 47, 127);
    ok(mcu_bank(m) == 2, "bank right at the end stays (%u)", mcu_bank(m));
    IN(m, 0x90, 46, 127);
    ok(mcu_bank(m) == 0, "bank left: back to the first stems (%u)", mcu_bank(m));
    IN(m, 0x90, 49, 127);
    ok(mcu_bank(m) == 1, "channel right: by one (%u)", mcu_bank(m));
    ticks(m, c, 20);
    top_row(row, 1, 10);
    ok(!memcmp(lcd, row, 56), "the top row follows: %.56s", lcd);
    IN(m, 0x90, 48, 127);
    IN(m, 0x90, 48, 127);
    ok(mcu_bank(m) == 0, "channel left, twice: at the first stem it stays (%u)", mcu_bank(m));
    ticks(m, c, 20);
    top_row(row, 0, 10);
    ok(!memcmp(lcd, row, 56), "top row: %.56s", lcd);
    set(sd, "/stem/hats/fader", 0);
    set(sd, "/stem/fx/fader", 0);
    ticks(m, c, 300);
}

static void test_vpot(struct stemd *sd, struct mcu *m, struct cap *c)
{
    struct param_ref pan = ref_of(sd, "/stem/kick/pan");
    unsigned ns = stemd_nstems(sd);
    float p0 = get(sd, "/stem/kick/pan");
    float n0 = params_ref_to_norm(&pan, p0, ns);

    IN(m, 0xB0, 16, 0x05); /* 5 ticks clockwise */
    float p1 = get(sd, "/stem/kick/pan");
    ok(fabsf(p1 - params_ref_from_norm(&pan, n0 + 0.05f, ns)) < 1e-5f && p1 > p0,
       "V-Pot 1, 5 ticks clockwise: pan %g -> %g (5/100 of its taper)", p0, p1);
    IN(m, 0xB0, 16, 0x45); /* 5 ticks counter-clockwise: bit 6 set */
    float p2 = get(sd, "/stem/kick/pan");
    ok(fabsf(p2 - p0) < 1e-5f, "5 ticks back: pan %g again (%g)", p0, p2);
    IN(m, 0xB0, 16, 0x41);
    ok(get(sd, "/stem/kick/pan") < p0, "one tick counter-clockwise: left of where it was (%g)",
       get(sd, "/stem/kick/pan"));
    ok(get(sd, "/stem/snare/pan") == p0, "strip 2's pan did not move");
    tick(m, c);
    int ring = last3(c, 0xB0, 48);
    ok(ring >= 0 && ((ring >> 4) & 3) == 0 && (ring & 15) >= 1 && (ring & 15) <= 6,
       "its LED ring (CC 48) follows: single-dot mode, left of or at the centre (0x%02x)", ring);
    for (int i = 0; i < 3; i++)
        IN(m, 0xB0, 16, 0x3f); /* 63 ticks clockwise at once: acceleration */
    tick(m, c);
    ring = last3(c, 0xB0, 48);
    ok(get(sd, "/stem/kick/pan") == pan.def->max && (ring & 15) == 11,
       "far right: the table's maximum, the ring's last LED (0x%02x)", ring);
    ok(lcd[56] == 'P' && memchr(lcd + 56, 'R', 7), "the display's bottom row: %.7s", lcd + 56);
    for (int i = 0; i < 4; i++)
        IN(m, 0xB0, 16, 0x7f);
    tick(m, c);
    ring = last3(c, 0xB0, 48);
    ok(get(sd, "/stem/kick/pan") == pan.def->min && (ring & 15) == 1,
       "far left: the minimum, the first LED (0x%02x)", ring);
    ok(lcd[56] == 'P' && memchr(lcd + 56, 'L', 7), "bottom row: %.7s", lcd + 56);
    set(sd, "/stem/kick/pan", p0);
    tick(m, c);
    ring = last3(c, 0xB0, 48);
    ok((ring & 15) == 6 && memchr(lcd + 56, 'C', 7),
       "an API change to the centre: ring at its middle LED, display %.7s", lcd + 56);

    /* Press: pan -> width -> trim -> comp threshold -> pan; the ring's mode follows. */
    const char *paths[] = {"/stem/kick/width", "/stem/kick/trim", "/stem/kick/comp/threshold"};
    int modes_seen = 1 << ((ring >> 4) & 3);
    for (int i = 0; i < 3; i++) {
        IN(m, 0x90, 32, 127);
        IN(m, 0x90, 32, 0);
        tick(m, c);
        ring = last3(c, 0xB0, 48);
        modes_seen |= ring >= 0 ? 1 << ((ring >> 4) & 3) : 0;
        const char *word = strrchr(paths[i], '/') + 1;
        ok(!strncmp(lcd + 56, word, strlen(word) < 6 ? strlen(word) : 6),
           "press %d: the display names the parameter for a moment: %.7s", i + 1, lcd + 56);
        ticks(m, c, 1000);
        ok(lcd[56] == "WTC"[i] && has_digit(lcd + 57, 5), "then its letter and value: %.7s",
           lcd + 56);
        float before = get(sd, paths[i]), pan_before = get(sd, "/stem/kick/pan");
        IN(m, 0xB0, 16, 0x0a);
        struct param_ref r = ref_of(sd, paths[i]);
        float want = params_ref_from_norm(&r, params_ref_to_norm(&r, before, ns) + 0.1f, ns);
        ok(ring >= 0 && fabsf(get(sd, paths[i]) - want) < 1e-4f &&
               get(sd, "/stem/kick/pan") == pan_before,
           "press %d: the V-Pot turns %s (%g -> %g), ring 0x%02x, display %.7s", i + 1, paths[i],
           before, get(sd, paths[i]), ring, lcd + 56);
        set(sd, paths[i], before);
    }
    ok(modes_seen == 15, "the four parameters show in four ring modes (seen 0x%x)", modes_seen);
    IN(m, 0x90, 32, 127);
    IN(m, 0xB0, 16, 0x01);
    ok(get(sd, "/stem/kick/pan") > p0, "a fourth press: back to pan");
    set(sd, "/stem/kick/pan", p0);
    ticks(m, c, 20);
}

static void test_buttons(struct stemd *sd, struct mcu *m, struct cap *c)
{
    set(sd, "/stem/snare/mute", 1);
    tick(m, c);
    ok(last3(c, 0x90, 17) == 127, "mute from the API: strip 2's MUTE LED on (note 17)");
    set(sd, "/stem/snare/mute", 0);
    set(sd, "/stem/bass/solo", 1);
    tick(m, c);
    ok(last3(c, 0x90, 17) == 0 && last3(c, 0x90, 11) == 127,
       "unmuted: LED off; bass soloed: SOLO LED 4 on (note 11)");
    IN(m, 0x90, 11, 127); /* SOLO 4 pressed */
    IN(m, 0x90, 11, 0);
    ok(get(sd, "/stem/bass/solo") == 0, "the SOLO button toggles it off");
    IN(m, 0x90, 16, 127); /* MUTE 1 */
    IN(m, 0x90, 16, 0);
    ok(get(sd, "/stem/kick/mute") == 1, "MUTE 1 mutes kick");
    tick(m, c);
    ok(last3(c, 0x90, 11) == 0 && last3(c, 0x90, 16) == 127, "and the LEDs follow the buttons");
    IN(m, 0x90, 16, 127);
    tick(m, c);
    ok(get(sd, "/stem/kick/mute") == 0 && last3(c, 0x90, 16) == 0,
       "pressed again: unmuted, LED off");

    IN(m, 0x90, 26, 127); /* SELECT 3 */
    tick(m, c);
    int lit = 0;
    for (int n = 24; n < 32; n++)
        lit += last3(c, 0x90, n) == 127;
    ok(last3(c, 0x90, 26) == 127 && lit == 1, "SELECT 3: its LED alone is lit (%d lit)", lit);
    IN(m, 0x90, 29, 127);
    tick(m, c);
    ok(last3(c, 0x90, 26) == 0 && last3(c, 0x90, 29) == 127, "SELECT 6: the selection moves");
    IN(m, 0x90, 29, 127);
    tick(m, c);
    ok(last3(c, 0x90, 29) == 0, "SELECT 6 again: deselected");
}

static void push(struct stemd *sd, struct mix_meters *mm, unsigned k, float peak)
{
    memset(mm, 0, sizeof *mm + mm->nstems * sizeof mm->stem[0]);
    mm->nstems = stemd_nstems(sd);
    mm->stem[k].peak_l = mm->stem[k].peak_r = peak;
    meters_rt_push(sd->eng.meters, mm, 64);
}

/* The last meter level sent for strip s, or -1. */
static int meter(const struct cap *c, unsigned s)
{
    int v = -1;
    for (unsigned i = 0; i < c->n; i++)
        if (c->len[i] == 2 && c->msg[i][0] == 0xD0 && c->msg[i][1] >> 4 == s) v = c->msg[i][1] & 15;
    return v;
}

static void test_meters(struct stemd *sd, struct mcu *m, struct cap *c)
{
    struct mix_meters *mm = mix_meters_new(stemd_nstems(sd)),
                      *other = mix_meters_new(stemd_nstems(sd));
    ticks(m, c, 200);
    stemd_take_meters(sd, other, NULL);
    push(sd, mm, 0, 1.0f);    /* 0 dBFS on kick */
    push(sd, mm, 2, 0.0316f); /* -30 dBFS on hats */
    ticks(m, c, 100);
    int l0 = meter(c, 0), l2 = meter(c, 2), l1 = meter(c, 1);
    ok(l0 == 12, "a full-scale peak: strip 1's meter at the top level 12 (%d)", l0);
    ok(l2 > 0 && l2 < l0, "-30 dBFS: strip 3 in between (%d)", l2);
    ok(l1 <= 0, "a silent stem's meter stays down (%d)", l1);
    stemd_take_meters(sd, other, NULL);
    ok(other->stem[0].peak_l == 1.0f, "the OSC meter sender's reader still sees the peak (%g)",
       other->stem[0].peak_l);
    ticks(m, c, 100);
    int d = meter(c, 0);
    ok(d >= 0 && d < l0, "no new peak: the meter falls (%d after %d)", d, l0);
    ticks(m, c, 3000);
    ok(meter(c, 0) == 0, "and reaches 0 (%d)", meter(c, 0));
    ticks(m, c, 500);
    ok(meter(c, 0) < 0, "then nothing more is sent for it");
    free(mm);
    free(other);
}

/* Another surface changing stems 4..8 (OSC, say) while the MIDI thread works on strips 1..3. */
struct writer {
    struct stemd *sd;
    atomic_int done;
};

static void *write_loop(void *arg)
{
    struct writer *w = arg;
    char path[64];
    for (int i = 0; i < 20000; i++) {
        const char *name = names10[3 + i % 5];
        snprintf(path, sizeof path, "/stem/%s/%s", name, i % 2 ? "mute" : "fader");
        set(w->sd, path, i % 2 ? (float)(i / 2 % 2) : -(float)(i % 90));
    }
    atomic_store(&w->done, 1);
    return NULL;
}

static void test_threads(struct stemd *sd, struct mcu *m, struct cap *c)
{
    struct writer w = {sd, 0};
    pthread_t t;
    if (pthread_create(&t, NULL, write_loop, &w) != 0) bail("no thread");
    unsigned n = 0;
    while (!atomic_load(&w.done)) {
        IN(m, 0xE0, n & 0x7f, (n >> 7) & 0x7f);
        IN(m, 0xE1, n & 0x7f, 0x40);
        IN(m, 0xB0, 18, n % 2 ? 0x01 : 0x41);
        tick(m, c);
        n++;
    }
    pthread_join(t, NULL);
    ticks(m, c, 300);
    /* Banking right and back refreshes every strip: each must show the value now current. */
    IN(m, 0x90, 47, 127);
    IN(m, 0x90, 46, 127);
    ticks(m, c, 300);
    unsigned right = 0;
    char path[64];
    for (unsigned i = 0; i < 8; i++) {
        snprintf(path, sizeof path, "/stem/%s/fader", names10[i]);
        long pb = bend(c, i, NULL);
        snprintf(path + strlen(path) - 5, 6, "mute");
        int mute = get(sd, path) >= 0.5f;
        snprintf(path + strlen(path) - 4, 6, "fader");
        right += pb == pos_of(sd, path) && last3(c, 0x90, 16 + i) == (mute ? 127 : 0);
    }
    ok(right == 8,
       "after %u ticks against 20000 changes from another thread, all 8 strips "
       "show the current fader and mute (%u do)",
       n, right);
    for (unsigned i = 3; i < 8; i++) {
        snprintf(path, sizeof path, "/stem/%s/mute", names10[i]);
        set(sd, path, 0);
    }
    ticks(m, c, 300);
}

/* 10^5 messages of every kind the profile must not act on, then the state must be the same. */
static void test_junk(struct stemd *sd, struct mcu *m, struct cap *c)
{
    struct mcu_counters c0, c1;
    char *before = stemd_format_state(sd, 0);
    ticks(m, c, 300);
    mcu_counters(m, &c0);
    srand(10);
    enum { N = 100000 };
    uint8_t msg[64];
    double t0 = secs();
    for (int i = 0; i < N; i++) {
        size_t len = 0;
        switch (rand() % 9) {
        case 0: /* running status leftovers: data bytes with no status */
            len = 1 + rand() % 3;
            for (size_t j = 0; j < len; j++)
                msg[j] = rand() & 0x7f;
            break;
        case 1: { /* a channel message cut short or too long */
            msg[0] = 0x80 + rand() % 0x70;
            int want = (msg[0] & 0xE0) == 0xC0 ? 2 : 3;
            do
                len = 1 + rand() % 6;
            while ((int)len == want);
            for (size_t j = 1; j < len; j++)
                msg[j] = rand() & 0x7f;
            break;
        }
        case 2: /* the right length, a data byte with bit 7 set */
            msg[0] = 0x80 + rand() % 0x70;
            len = (msg[0] & 0xE0) == 0xC0 ? 2 : 3;
            for (size_t j = 1; j < len; j++)
                msg[j] = rand() & 0x7f;
            msg[1 + rand() % (len - 1)] |= 0x80;
            break;
        case 3: /* SysEx truncated: no F7 */
            msg[0] = 0xF0;
            len = 1 + rand() % 40;
            for (size_t j = 1; j < len; j++)
                msg[j] = rand() & 0x7f;
            break;
        case 4: /* SysEx with a status byte inside, or someone else's */
            msg[0] = 0xF0;
            len = 3 + rand() % 40;
            for (size_t j = 1; j < len - 1; j++)
                msg[j] = rand() & 0x7f;
            if (rand() % 2) msg[1 + rand() % (len - 2)] |= 0x80;
            msg[len - 1] = 0xF7;
            break;
        case 5: /* system common and real time */
            msg[0] = 0xF1 + rand() % 15;
            len = 1 + rand() % 3;
            for (size_t j = 1; j < len; j++)
                msg[j] = rand() & 0x7f;
            break;
        case 6: /* well formed, on another channel (never pitch bend: channels 1-9 are faders) */
            msg[0] = (0x80 + 0x10 * (rand() % 6)) | (1 + rand() % 15);
            len = (msg[0] & 0xE0) == 0xC0 ? 2 : 3;
            msg[1] = rand() & 0x7f, msg[2] = rand() & 0x7f;
            break;
        case 7: { /* well formed on channel 1, controls the profile does not use */
            static const uint8_t notes[] = {0, 5, 7, 40, 45, 50, 60, 70, 80, 90, 94, 100, 113, 127};
            int kind = rand() % 4;
            msg[0] = kind == 0 ? 0x90 : kind == 1 ? 0xB0 : kind == 2 ? 0xA0 : 0xE9 + rand() % 7;
            msg[1] = kind == 1 ? (rand() % 2 ? rand() % 16 : 24 + rand() % 104)
                               : notes[rand() % sizeof notes];
            msg[2] = rand() & 0x7f;
            len = 3;
            break;
        }
        default: /* a V-Pot with no ticks, nothing at all */
            msg[0] = 0xB0, msg[1] = 16 + rand() % 8, msg[2] = rand() % 2 ? 0 : 0x40;
            len = rand() % 4 ? 3 : 0;
        }
        mcu_input(m, len ? msg : NULL, len, emit, c);
        if (i % 1000 == 0) tick(m, c);
    }
    mcu_input(m, NULL, 0, emit, c);
    diag("10^5 junk messages and 100 ticks in %.1f ms (a figure, not a test)", (secs() - t0) * 1e3);
    mcu_counters(m, &c1);
    char *after = stemd_format_state(sd, 0);
    ok(before && after && !strcmp(before, after), "10^5 junk messages change no parameter");
    ok(c1.handled == c0.handled, "none was acted on (handled %llu -> %llu)",
       (unsigned long long)c0.handled, (unsigned long long)c1.handled);
    ok(c1.malformed + c1.unknown - c0.malformed - c0.unknown == N + 1,
       "every one is counted: %llu malformed, %llu unknown",
       (unsigned long long)(c1.malformed - c0.malformed),
       (unsigned long long)(c1.unknown - c0.unknown));
    ok(c1.malformed > c0.malformed && c1.unknown > c0.unknown, "in both counters");
    free(before);
    free(after);

    /* The classic cases, one by one. */
    const uint8_t trunc[] = {0xF0, 0x00, 0x00, 0x66, 0x14, 0x12, 0x00, 'a'};
    const uint8_t foreign[] = {0xF0, 0x7E, 0x7F, 0x06, 0x01, 0xF7};
    const uint8_t half[] = {0xE0, 0x10};
    const uint8_t mute_rs[] = {0x10, 0x7f}; /* MUTE 1 by running status: no status byte */
    mcu_counters(m, &c0);
    in(m, c, sizeof trunc, trunc);
    in(m, c, sizeof half, half);
    in(m, c, sizeof mute_rs, mute_rs);
    mcu_counters(m, &c1);
    ok(c1.malformed - c0.malformed == 3, "a truncated SysEx, half a pitch bend, a running-status "
                                         "MUTE: malformed");
    in(m, c, sizeof foreign, foreign);
    mcu_counters(m, &c0);
    ok(c0.unknown - c1.unknown == 1, "a universal SysEx: unknown");
    ok(get(sd, "/stem/kick/mute") == 0, "and kick is not muted");
}

static void no_listener(void *ctx, const struct param_ref *ref, float v, int source, uint64_t b)
{
    (void)ctx, (void)ref, (void)v, (void)source, (void)b;
}

/* A mix of 3 stems: 5 strips have nothing, and banking has nowhere to go. */
static void test_few(void)
{
    struct stemd *sd = server("drums,bass,keys");
    struct mcu *m = NULL;
    struct cap *c = calloc(1, sizeof *c);
    char err[256];
    ok(mcu_new(sd, &m, err, sizeof err) == 0, "profile on 3 stems");
    memset(lcd, 0, sizeof lcd);
    tick(m, c);
    ok(!memcmp(lcd, "drums  bass   keys   ", 21) &&
           !memcmp(lcd + 21, "                                   ", 35),
       "the top row names the 3, blank beyond: %.56s", lcd);
    ok(bend(c, 5, NULL) == 0 && last3(c, 0x90, 21) == 0, "an empty strip: fader down, LED off");
    struct mcu_counters c0, c1;
    mcu_counters(m, &c0);
    char *before = stemd_format_state(sd, 0);
    IN(m, 0xE5, 0x7f, 0x7f);
    IN(m, 0x90, 21, 127);
    IN(m, 0xB0, 21, 0x05);
    IN(m, 0x90, 47, 127);
    char *after = stemd_format_state(sd, 0);
    mcu_counters(m, &c1);
    ok(!strcmp(before, after) && c1.unknown - c0.unknown == 3 && mcu_bank(m) == 0,
       "strip 6's fader, mute and V-Pot do nothing and are counted; bank right stays");
    free(before);
    free(after);

    /* All 8 listener slots taken: the profile says so. */
    int taken = 1;
    while (stemd_add_listener(sd, no_listener, NULL) == 0 && taken < 20)
        taken++;
    struct mcu *m2 = NULL;
    ok(mcu_new(sd, &m2, err, sizeof err) == -ENOSPC && !m2, "no listener slot left: %s", err);
    mcu_free(m);
    stemd_fini(sd);
    free(sd);
    free(c);
}

int main(void)
{
    struct stemd *sd = server("kick,snare,hats,bass,keys,guitar,vocals,choir,strings,fx");
    struct mcu *m = NULL;
    struct cap *c = calloc(1, sizeof *c);
    char err[256], row[56];
    if (!c || mcu_new(sd, &m, err, sizeof err) < 0) bail("cannot make the profile");

    /* The first tick shows the surface everything: 9 faders, the names, the LEDs. */
    tick(m, c);
    top_row(row, 0, 10);
    ok(!memcmp(lcd, row, 56),
       "first tick: the names on the top row: "
       "%.56s",
       lcd);
    ok(lcd[56] == 'P' && lcd[56 + 7] == 'P', "the bottom row shows the V-Pots on pan: %.14s",
       lcd + 56);
    unsigned faders = 0;
    for (unsigned ch = 0; ch < 9; ch++)
        faders += bend(c, ch, NULL) >= 0;
    ok(faders == 9 && bend(c, 0, NULL) == pos_of(sd, "/stem/kick/fader"),
       "and all 9 motors at their values (%u)", faders);
    ok(last3(c, 0x90, 16) == 0 && last3(c, 0x90, 8) == 0 && last3(c, 0xB0, 48) >= 0,
       "mute, solo LEDs and the rings are set");
    tick(m, c);
    ok(c->n == 0 || (c->n <= 9 && c->msg[0][0] == 0xD0), "the next tick sends nothing new (%u)",
       c->n);

    test_faders(sd, m, c);
    test_banking(sd, m, c);
    test_vpot(sd, m, c);
    test_buttons(sd, m, c);
    test_meters(sd, m, c);
    test_threads(sd, m, c);
    test_junk(sd, m, c);
    mcu_free(m);
    stemd_fini(sd);
    free(sd);
    free(c);
    test_few();
    ok(lcd_bad == 0, "every display message was a well-formed LCD SysEx (%d not)", lcd_bad);
    return done_testing();
}
