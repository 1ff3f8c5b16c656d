/* tests/test_table.c: the units hold the parameter table's facts, not copies of their own.
 *
 * Every enum a DSP unit switches on is compared, name by name, with the table row's "a|b|c"
 * names (so swapping "peak|rms" in dsp/params.def fails here); every unit's initial state is
 * compared with the table's defaults and its clamps with the table's ranges, read through
 * params_rows() (the table as the control side sees it). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "dsp/compare.h"
#include "dsp/compressor.h"
#include "dsp/crossover.h"
#include "dsp/dither.h"
#include "dsp/deesser.h"
#include "dsp/dyneq.h"
#include "dsp/eq.h"
#include "dsp/limiter.h"
#include "dsp/params.h"
#include "dsp/passfilter.h"
#include "dsp/strip.h"
#include "tests/tap.h"

#define RATE 48000.0

static const struct param_def *row(enum param_scope scope, int id)
{
    const struct param_def *r = params_row(scope, id);
    if (!r) bail("no such row");
    return r;
}

/* One enum of a unit against its row: value v must be the row's name `name`. */
struct enum_fact {
    enum param_scope scope;
    int id;
    int value;
    const char *name;
    const char *what; /* the C enumerator */
};

static void test_enums(void)
{
    static const struct enum_fact facts[] = {
        {SCOPE_STEM, STEM_EQ_TYPE, EQ_BELL, "bell", "EQ_BELL"},
        {SCOPE_STEM, STEM_EQ_TYPE, EQ_LOWSHELF, "lowshelf", "EQ_LOWSHELF"},
        {SCOPE_STEM, STEM_EQ_TYPE, EQ_HIGHSHELF, "highshelf", "EQ_HIGHSHELF"},
        {SCOPE_STEM, STEM_EQ_TYPE, EQ_NOTCH, "notch", "EQ_NOTCH"},
        {SCOPE_BUS, BUS_EQ_TYPE, EQ_BELL, "bell", "EQ_BELL (bus)"},
        {SCOPE_BUS, BUS_EQ_TYPE, EQ_LOWSHELF, "lowshelf", "EQ_LOWSHELF (bus)"},
        {SCOPE_BUS, BUS_EQ_TYPE, EQ_HIGHSHELF, "highshelf", "EQ_HIGHSHELF (bus)"},
        {SCOPE_BUS, BUS_EQ_TYPE, EQ_NOTCH, "notch", "EQ_NOTCH (bus)"},
        {SCOPE_BUS, BUS_EQ_CHANNEL, EQ_STEREO, "stereo", "EQ_STEREO"},
        {SCOPE_BUS, BUS_EQ_CHANNEL, EQ_MID, "mid", "EQ_MID"},
        {SCOPE_BUS, BUS_EQ_CHANNEL, EQ_SIDE, "side", "EQ_SIDE"},
        {SCOPE_BUS, BUS_EQ_CHANNEL, EQ_LEFT, "left", "EQ_LEFT"},
        {SCOPE_BUS, BUS_EQ_CHANNEL, EQ_RIGHT, "right", "EQ_RIGHT"},
        {SCOPE_STEM, STEM_HPF_SLOPE, PASS_12DB, "12dB", "PASS_12DB (hpf)"},
        {SCOPE_STEM, STEM_HPF_SLOPE, PASS_24DB, "24dB", "PASS_24DB (hpf)"},
        {SCOPE_STEM, STEM_LPF_SLOPE, PASS_12DB, "12dB", "PASS_12DB (lpf)"},
        {SCOPE_STEM, STEM_LPF_SLOPE, PASS_24DB, "24dB", "PASS_24DB (lpf)"},
        {SCOPE_STEM, STEM_COMP_DETECTOR, COMPRESSOR_PEAK, "peak", "COMPRESSOR_PEAK"},
        {SCOPE_STEM, STEM_COMP_DETECTOR, COMPRESSOR_RMS, "rms", "COMPRESSOR_RMS"},
        {SCOPE_STEM, STEM_DEQ_TYPE, DYNEQ_BELL, "bell", "DYNEQ_BELL"},
        {SCOPE_STEM, STEM_DEQ_TYPE, DYNEQ_LOWSHELF, "lowshelf", "DYNEQ_LOWSHELF"},
        {SCOPE_STEM, STEM_DEQ_TYPE, DYNEQ_HIGHSHELF, "highshelf", "DYNEQ_HIGHSHELF"},
        {SCOPE_STEM, STEM_DEQ_KEY_FILTER, DYNEQ_KEY_BAND, "band", "DYNEQ_KEY_BAND"},
        {SCOPE_STEM, STEM_DEQ_KEY_FILTER, DYNEQ_KEY_SEPARATE, "separate", "DYNEQ_KEY_SEPARATE"},
        {SCOPE_STEM, STEM_DEQ_MODE, DYNEQ_ABOVE, "above", "DYNEQ_ABOVE"},
        {SCOPE_STEM, STEM_DEQ_MODE, DYNEQ_BELOW, "below", "DYNEQ_BELOW"},
        {SCOPE_STEM, STEM_DEESS_MODE, DEESS_SPLIT, "split", "DEESS_SPLIT"},
        {SCOPE_STEM, STEM_DEESS_MODE, DEESS_WIDE, "wide", "DEESS_WIDE"},
        {SCOPE_BUS, BUS_DITHER, DITHER_OFF, "off", "DITHER_OFF"},
        {SCOPE_BUS, BUS_DITHER, DITHER_16, "16bit", "DITHER_16"},
        {SCOPE_BUS, BUS_DITHER, DITHER_24, "24bit", "DITHER_24"},
        {SCOPE_BUS, BUS_COMPARE, COMPARE_OFF, "off", "COMPARE_OFF"},
        {SCOPE_BUS, BUS_COMPARE, COMPARE_BYPASS, "bypass", "COMPARE_BYPASS"},
        {SCOPE_BUS, BUS_COMPARE_MATCH, COMPARE_SHORT_TERM, "short-term", "COMPARE_SHORT_TERM"},
        {SCOPE_BUS, BUS_COMPARE_MATCH, COMPARE_INTEGRATED, "integrated", "COMPARE_INTEGRATED"},
    };
    for (unsigned i = 0; i < sizeof facts / sizeof facts[0]; i++) {
        const struct enum_fact *f = &facts[i];
        const struct param_def *d = row(f->scope, f->id);
        char buf[64];
        const char *name = params_enum_name(d, (unsigned)f->value, buf, sizeof buf);
        ok(name && !strcmp(name, f->name), "%s = %d is '%s' in %s's names '%s' (got '%s')", f->what,
           f->value, f->name, d->name, d->enums, name ? name : "(none)");
    }
    /* Each enum has exactly the table's number of names (none missing, none extra). */
    struct {
        enum param_scope scope;
        int id;
        unsigned count;
    } counts[] = {
        {SCOPE_STEM, STEM_EQ_TYPE, EQ_NOTCH + 1},
        {SCOPE_BUS, BUS_EQ_TYPE, EQ_NOTCH + 1},
        {SCOPE_BUS, BUS_EQ_CHANNEL, EQ_RIGHT + 1},
        {SCOPE_STEM, STEM_HPF_SLOPE, PASS_24DB + 1},
        {SCOPE_STEM, STEM_LPF_SLOPE, PASS_24DB + 1},
        {SCOPE_STEM, STEM_COMP_DETECTOR, COMPRESSOR_RMS + 1},
        {SCOPE_STEM, STEM_DEQ_TYPE, DYNEQ_HIGHSHELF + 1},
        {SCOPE_STEM, STEM_DEQ_KEY_FILTER, DYNEQ_KEY_SEPARATE + 1},
        {SCOPE_STEM, STEM_DEQ_MODE, DYNEQ_BELOW + 1},
        {SCOPE_STEM, STEM_DEESS_MODE, DEESS_WIDE + 1},
        {SCOPE_BUS, BUS_DITHER, DITHER_24 + 1},
        {SCOPE_BUS, BUS_COMPARE, COMPARE_BYPASS + 1},
        {SCOPE_BUS, BUS_COMPARE_MATCH, COMPARE_INTEGRATED + 1},
    };
    for (unsigned i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        const struct param_def *d = row(counts[i].scope, counts[i].id);
        ok(params_enum_count(d) == counts[i].count, "%s has %u names, the unit's enum %u", d->name,
           params_enum_count(d), counts[i].count);
    }
}

#define DEF(scope, id) (row(scope, id)->def)
#define MIN(scope, id) (row(scope, id)->min)
#define MAX(scope, id) (row(scope, id)->max)

static void test_compressor(void)
{
    struct compressor c;
    compressor_init(&c, RATE);
    const struct compressor_params *p = &c.p;
    ok(p->on == (DEF(SCOPE_STEM, STEM_COMP_ON) != 0) &&
           p->threshold_db == DEF(SCOPE_STEM, STEM_COMP_THRESHOLD) &&
           p->ratio == DEF(SCOPE_STEM, STEM_COMP_RATIO) &&
           p->knee_db == DEF(SCOPE_STEM, STEM_COMP_KNEE) &&
           p->attack_ms == DEF(SCOPE_STEM, STEM_COMP_ATTACK) &&
           p->release_ms == DEF(SCOPE_STEM, STEM_COMP_RELEASE) &&
           p->makeup_db == DEF(SCOPE_STEM, STEM_COMP_MAKEUP) &&
           p->detector == (int)DEF(SCOPE_STEM, STEM_COMP_DETECTOR) &&
           p->link == DEF(SCOPE_STEM, STEM_COMP_LINK) * 0.01f &&
           p->sc_hpf_on == (DEF(SCOPE_STEM, STEM_COMP_SC_HPF_ON) != 0) &&
           p->sc_hpf_hz == DEF(SCOPE_STEM, STEM_COMP_SC_HPF_FREQ),
       "compressor_init: the table's comp/* defaults (threshold %g, ratio %g, knee %g, attack %g, "
       "release %g, makeup %g, detector %d, link %g, sc_hpf %d at %g)",
       p->threshold_db, p->ratio, p->knee_db, p->attack_ms, p->release_ms, p->makeup_db,
       p->detector, p->link, p->sc_hpf_on, p->sc_hpf_hz);

    /* Clamps: far below and far above every range. */
    for (int hi = 0; hi < 2; hi++) {
        float v = hi ? 1e6f : -1e6f;
        struct compressor_params q = {1, v, v, v, v, v, v, 0, v, 1, v};
        compressor_set(&c, &q);
#define END(id) (hi ? MAX(SCOPE_STEM, id) : MIN(SCOPE_STEM, id))
        ok(c.p.threshold_db == END(STEM_COMP_THRESHOLD) && c.p.ratio == END(STEM_COMP_RATIO) &&
               c.p.knee_db == END(STEM_COMP_KNEE) && c.p.attack_ms == END(STEM_COMP_ATTACK) &&
               c.p.release_ms == END(STEM_COMP_RELEASE) && c.p.makeup_db == END(STEM_COMP_MAKEUP) &&
               c.p.link == END(STEM_COMP_LINK) * 0.01f &&
               c.p.sc_hpf_hz == END(STEM_COMP_SC_HPF_FREQ),
           "compressor_set clamps to the table's comp/* %s", hi ? "maxima" : "minima");
#undef END
    }
    /* The master's band compressors are the same unit: their rows must have the same ranges. */
    static const int pairs[][2] = {{BUS_MB_THRESHOLD, STEM_COMP_THRESHOLD},
                                   {BUS_MB_RATIO, STEM_COMP_RATIO},
                                   {BUS_MB_ATTACK, STEM_COMP_ATTACK},
                                   {BUS_MB_RELEASE, STEM_COMP_RELEASE},
                                   {BUS_MB_MAKEUP, STEM_COMP_MAKEUP}};
    for (unsigned i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
        const struct param_def *b = row(SCOPE_BUS, pairs[i][0]), *s = row(SCOPE_STEM, pairs[i][1]);
        ok(b->min == s->min && b->max == s->max, "bus %s has the range of stem %s (%g..%g)",
           b->name, s->name, s->min, s->max);
    }
}

static void test_filters(void)
{
    struct eq eq;
    eq_init(&eq, STEMD_EQ_BANDS, RATE);
    int good = 1;
    for (unsigned b = 0; b < STEMD_EQ_BANDS; b++) {
        const struct eq_band *k = &eq.band[b];
        good &= k->sw.on == (DEF(SCOPE_STEM, STEM_EQ_ON) != 0) &&
                k->sw.shape_t == (int)DEF(SCOPE_STEM, STEM_EQ_TYPE) &&
                k->freq_t == DEF(SCOPE_STEM, STEM_EQ_FREQ) &&
                k->g_t == DEF(SCOPE_STEM, STEM_EQ_GAIN) && k->q_t == DEF(SCOPE_STEM, STEM_EQ_Q);
    }
    ok(good, "eq_init: every band at the table's eq/N/* defaults");
    eq_set_band(&eq, 0, 1, EQ_BELL, 1e-3f, -1e6f, 1e-6f);
    eq_set_band(&eq, 1, 1, EQ_BELL, 1e9f, 1e6f, 1e6f);
    ok(eq.band[0].freq_t == MIN(SCOPE_STEM, STEM_EQ_FREQ) &&
           eq.band[0].g_t == MIN(SCOPE_STEM, STEM_EQ_GAIN) &&
           eq.band[0].q_t == MIN(SCOPE_STEM, STEM_EQ_Q) &&
           eq.band[1].freq_t == MAX(SCOPE_STEM, STEM_EQ_FREQ) &&
           eq.band[1].g_t == MAX(SCOPE_STEM, STEM_EQ_GAIN) &&
           eq.band[1].q_t == MAX(SCOPE_STEM, STEM_EQ_Q),
       "eq_set_band clamps to the table's eq/N/* ranges (48 kHz: the maximum is under 0.49 rate)");

    static const struct {
        enum pass_kind kind;
        int on, freq, slope;
        const char *what;
    } pf[] = {{PASS_HIGH, STEM_HPF_ON, STEM_HPF_FREQ, STEM_HPF_SLOPE, "high-pass"},
              {PASS_LOW, STEM_LPF_ON, STEM_LPF_FREQ, STEM_LPF_SLOPE, "low-pass"}};
    for (unsigned i = 0; i < 2; i++) {
        struct passfilter f;
        passfilter_init(&f, pf[i].kind, RATE);
        ok(f.sw.on == (DEF(SCOPE_STEM, pf[i].on) != 0) && f.freq_t == DEF(SCOPE_STEM, pf[i].freq) &&
               f.sw.shape_t == (int)DEF(SCOPE_STEM, pf[i].slope),
           "passfilter_init (%s): the table's defaults (on %d, %g Hz, slope %d)", pf[i].what,
           f.sw.on, f.freq_t, f.sw.shape_t);
        passfilter_set(&f, 1, -1e6f, PASS_12DB);
        float lo = f.freq_t;
        passfilter_set(&f, 1, 1e6f, PASS_12DB);
        ok(lo == MIN(SCOPE_STEM, pf[i].freq) && f.freq_t == MAX(SCOPE_STEM, pf[i].freq),
           "passfilter_set (%s) clamps to the table's range (%g..%g Hz)", pf[i].what, lo, f.freq_t);
    }

    struct crossover3 x3;
    struct crossover2 x2;
    crossover3_init(&x3, RATE);
    crossover2_init(&x2, RATE);
    ok(x3.f[0].hz_t == DEF(SCOPE_BUS, BUS_MB_XOVER_LOW) &&
           x3.f[1].hz_t == DEF(SCOPE_BUS, BUS_MB_XOVER_HIGH) &&
           x2.f.hz_t == DEF(SCOPE_BUS, BUS_IMG_BASSMONO_FREQ),
       "crossover inits: the table's mb/xover/* and imager/bassmono/freq defaults");
    crossover2_set(&x2, 1e6f);
    float hi2 = x2.f.hz_t;
    crossover2_set(&x2, -1e6f);
    ok(hi2 == MAX(SCOPE_BUS, BUS_IMG_BASSMONO_FREQ) &&
           x2.f.hz_t == MIN(SCOPE_BUS, BUS_IMG_BASSMONO_FREQ),
       "crossover2_set clamps to the table's imager/bassmono/freq range");
    crossover3_set(&x3, 1.0f, 1e6f);
    ok(x3.f[0].hz_t == MIN(SCOPE_BUS, BUS_MB_XOVER_LOW) &&
           x3.f[1].hz_t == MAX(SCOPE_BUS, BUS_MB_XOVER_HIGH),
       "crossover3_set clamps to the table's mb/xover/* ranges");
}

static void test_dyneq(void)
{
    struct dyneq d;
    dyneq_init(&d, RATE);
    int good = 1;
    for (unsigned b = 0; b < DYNEQ_BANDS; b++) {
        const struct dyneq_band_params *p = &d.band[b].p;
        good &= p->on == (DEF(SCOPE_STEM, STEM_DEQ_ON) != 0) &&
                p->type == (int)DEF(SCOPE_STEM, STEM_DEQ_TYPE) &&
                p->freq_hz == DEF(SCOPE_STEM, STEM_DEQ_FREQ) &&
                p->q == DEF(SCOPE_STEM, STEM_DEQ_Q) &&
                p->threshold_db == DEF(SCOPE_STEM, STEM_DEQ_THRESHOLD) &&
                p->range_db == DEF(SCOPE_STEM, STEM_DEQ_RANGE) &&
                p->ratio == DEF(SCOPE_STEM, STEM_DEQ_RATIO) &&
                p->attack_ms == DEF(SCOPE_STEM, STEM_DEQ_ATTACK) &&
                p->release_ms == DEF(SCOPE_STEM, STEM_DEQ_RELEASE) &&
                p->key_filter == (int)DEF(SCOPE_STEM, STEM_DEQ_KEY_FILTER) &&
                p->key_freq_hz == DEF(SCOPE_STEM, STEM_DEQ_KEY_FREQ) &&
                p->key_q == DEF(SCOPE_STEM, STEM_DEQ_KEY_Q) &&
                p->mode == (int)DEF(SCOPE_STEM, STEM_DEQ_MODE);
    }
    ok(good, "dyneq_init: every band at the table's deq/N/* defaults");
    for (int hi = 0; hi < 2; hi++) {
        float v = hi ? 1e6f : -1e6f;
        struct dyneq_band_params q = {1, 0, v, v, v, v, v, v, v, 1, v, v, 0};
        dyneq_set_band(&d, 1, &q);
        const struct dyneq_band_params *p = &d.band[1].p;
#define END(id) (hi ? MAX(SCOPE_STEM, id) : MIN(SCOPE_STEM, id))
        ok(p->freq_hz == END(STEM_DEQ_FREQ) && p->q == END(STEM_DEQ_Q) &&
               p->threshold_db == END(STEM_DEQ_THRESHOLD) && p->range_db == END(STEM_DEQ_RANGE) &&
               p->ratio == END(STEM_DEQ_RATIO) && p->attack_ms == END(STEM_DEQ_ATTACK) &&
               p->release_ms == END(STEM_DEQ_RELEASE) && p->key_freq_hz == END(STEM_DEQ_KEY_FREQ) &&
               p->key_q == END(STEM_DEQ_KEY_Q),
           "dyneq_set_band clamps to the table's deq/N/* %s (48 kHz: under 0.49 rate)",
           hi ? "maxima" : "minima");
#undef END
    }
}

static void test_deesser(void)
{
    struct deesser d;
    deesser_init(&d, RATE);
    const struct deesser_params *p = &d.p;
    ok(p->on == (DEF(SCOPE_STEM, STEM_DEESS_ON) != 0) &&
           p->freq_hz == DEF(SCOPE_STEM, STEM_DEESS_FREQ) &&
           p->threshold_db == DEF(SCOPE_STEM, STEM_DEESS_THRESHOLD) &&
           p->range_db == DEF(SCOPE_STEM, STEM_DEESS_RANGE) &&
           p->mode == (int)DEF(SCOPE_STEM, STEM_DEESS_MODE) &&
           p->listen == (DEF(SCOPE_STEM, STEM_DEESS_LISTEN) != 0),
       "deesser_init: the table's deess/* defaults");
    for (int hi = 0; hi < 2; hi++) {
        float v = hi ? 1e6f : -1e6f;
        deesser_set(&d, &(struct deesser_params){1, v, v, v, 0, 0});
#define END(id) (hi ? MAX(SCOPE_STEM, id) : MIN(SCOPE_STEM, id))
        ok(d.p.freq_hz == END(STEM_DEESS_FREQ) && d.p.threshold_db == END(STEM_DEESS_THRESHOLD) &&
               d.p.range_db == END(STEM_DEESS_RANGE),
           "deesser_set clamps to the table's deess/* %s", hi ? "maxima" : "minima");
#undef END
    }
}

static void test_limiter(void)
{
    struct limiter lim;
    if (limiter_init(&lim, RATE) < 0) bail("limiter_init");
    ok(lim.on_t == (DEF(SCOPE_BUS, BUS_LIM_ON) != 0) &&
           lim.ceiling_db_t == DEF(SCOPE_BUS, BUS_LIM_CEILING) &&
           lim.release_ms_t == DEF(SCOPE_BUS, BUS_LIM_RELEASE) &&
           lim.lookahead_ms_t == DEF(SCOPE_BUS, BUS_LIM_LOOKAHEAD) &&
           lim.drive_db_t == DEF(SCOPE_BUS, BUS_LIM_DRIVE),
       "limiter_init: the table's limiter/* defaults (ceiling %g, release %g, lookahead %g, "
       "drive %g)",
       lim.ceiling_db_t, lim.release_ms_t, lim.lookahead_ms_t, lim.drive_db_t);
    limiter_set(&lim, 1, -1e6f, -1e6f, -1e6f, -1e6f);
    ok(lim.ceiling_db_t == MIN(SCOPE_BUS, BUS_LIM_CEILING) &&
           lim.release_ms_t == MIN(SCOPE_BUS, BUS_LIM_RELEASE) &&
           lim.lookahead_ms_t == MIN(SCOPE_BUS, BUS_LIM_LOOKAHEAD) &&
           lim.drive_db_t == MIN(SCOPE_BUS, BUS_LIM_DRIVE),
       "limiter_set clamps to the table's minima");
    limiter_set(&lim, 1, 1e6f, 1e6f, 1e6f, 1e6f);
    ok(lim.ceiling_db_t == MAX(SCOPE_BUS, BUS_LIM_CEILING) &&
           lim.release_ms_t == MAX(SCOPE_BUS, BUS_LIM_RELEASE) &&
           lim.drive_db_t == MAX(SCOPE_BUS, BUS_LIM_DRIVE) &&
           lim.lookahead_ms_t >= MAX(SCOPE_BUS, BUS_LIM_LOOKAHEAD),
       "limiter_set clamps to the table's maxima (the lookahead to at least the table's)");
    limiter_free(&lim);
}

/* The strip starts where a snapshot of defaults puts it: trim and polarity, and its gains at
 * rest (a changed default trim or width moves them). */
static void test_strip(void)
{
    struct strip s;
    strip_init(&s, RATE);
    float trim = dsp_db_to_lin(DEF(SCOPE_STEM, STEM_TRIM));
    float gl = DEF(SCOPE_STEM, STEM_POL_L) != 0 ? -trim : trim;
    float gr = DEF(SCOPE_STEM, STEM_POL_R) != 0 ? -trim : trim;
    ok(s.in[0].cur == gl && s.in[1].cur == gr && smooth_still(&s.in[0]) && smooth_still(&s.in[1]),
       "strip_init: input gains at the table's trim and polarity (%g, %g)", s.in[0].cur,
       s.in[1].cur);
    float w = DEF(SCOPE_STEM, STEM_WIDTH) * 0.01f;
    ok(s.mat_still && s.mat[0].cur == s.mat[0].target && s.mat[1].cur == s.mat[1].target &&
           (w == 1.0f && DEF(SCOPE_STEM, STEM_PAN) == 0 && DEF(SCOPE_STEM, STEM_FADER) == 0) ==
               s.mat_identity,
       "strip_init: the output matrix at rest on the table's width, pan and fader");
    strip_free(&s);
}

int main(void)
{
    test_strip();
    test_enums();
    test_dyneq();
    test_deesser();
    test_compressor();
    test_filters();
    test_limiter();
    return done_testing();
}
