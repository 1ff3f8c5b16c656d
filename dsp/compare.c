/* dsp/compare.c: the loudness-matched bypass (see .h). */
#include "dsp/compare.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/dsp.h"
#include "dsp/params.h"

int compare_init(struct compare *c, double rate, unsigned max_block)
{
    memset(c, 0, sizeof *c);
    c->rate = rate;
    c->max_block = max_block;
    if (max_block == 0 || loudness_kw_init(&c->kw_wet, rate) < 0 ||
        loudness_kw_init(&c->kw_dry, rate) < 0)
        return -EINVAL;
    if (loudness_gate_create(&c->g_wet) < 0 || loudness_gate_create(&c->g_dry) < 0 ||
        limiter_init(&c->lim, rate) < 0)
        goto oom;
    c->delay = limiter_latency(&c->lim);
    for (unsigned ch = 0; ch < 2; ch++)
        if (!(c->dry[ch] = calloc(max_block, sizeof(float))) ||
            !(c->dd[ch] = calloc(max_block, sizeof(float))) ||
            !(c->line[ch] = calloc(c->delay + 1, sizeof(float))))
            goto oom;
    c->coef = dsp_onepole_coef(COMPARE_GAIN_TAU_S * 1000.0, rate, 1);
    compare_reset(c);
    return 0;
oom:
    compare_free(c);
    return -ENOMEM;
}

void compare_free(struct compare *c)
{
    for (unsigned ch = 0; ch < 2; ch++) {
        free(c->dry[ch]), free(c->dd[ch]), free(c->line[ch]);
        c->dry[ch] = c->dd[ch] = c->line[ch] = NULL;
    }
    loudness_gate_destroy(c->g_wet);
    loudness_gate_destroy(c->g_dry);
    c->g_wet = c->g_dry = NULL;
    limiter_free(&c->lim);
}

unsigned compare_latency(const struct compare *c)
{
    return limiter_latency(&c->lim);
}

void compare_reset(struct compare *c)
{
    for (unsigned ch = 0; ch < 2; ch++)
        memset(c->line[ch], 0, (c->delay + 1) * sizeof(float));
    c->pos = 0;
    loudness_kw_reset(&c->kw_wet);
    loudness_kw_reset(&c->kw_dry);
    loudness_gate_reset(c->g_wet);
    loudness_gate_reset(c->g_dry);
    c->match = COMPARE_SHORT_TERM;
    c->target_db = 0.0f;
    c->gain = 1.0f;
    c->phase = 0;
    c->warm = 0;
    limiter_reset(&c->lim);
    xfade_init(&c->x, c->rate, 0);
}

void compare_pre(struct compare *c, const float *l, const float *r, unsigned n)
{
    memcpy(c->dry[0], l, n * sizeof(float));
    memcpy(c->dry[1], r, n * sizeof(float));
    /* The sum's meter sees it delayed as the processed master is, so both meters read the same
     * stretch of music (a 3 s window 2 ms apart reads up to 0.01 dB differently). */
    const float *in[2] = {l, r};
    unsigned len = c->delay + 1;
    for (unsigned ch = 0; ch < 2; ch++) {
        float *line = c->line[ch], *out = c->dd[ch];
        unsigned pos = c->pos;
        for (unsigned i = 0; i < n; i++) {
            line[pos] = in[ch][i];
            if (++pos == len) pos = 0;
            out[i] = line[pos]; /* the oldest: written `delay` frames ago */
        }
    }
    c->pos = (unsigned)((c->pos + n) % len);
}

/* The bypass's limiter on the master limiter's settings, with no drive. */
static void set_limiter(struct compare *c, const float *bp)
{
    limiter_set(&c->lim, bp[BUS_LIM_ON] != 0.0f, bp[BUS_LIM_CEILING], bp[BUS_LIM_RELEASE],
                bp[BUS_LIM_LOOKAHEAD], 0.0f);
}

/* A quarter completed on both sides: the gain the loudness asks for. Silence on either side
 * (or nothing measured yet) says nothing: the gain stays. */
static void update_target(struct compare *c)
{
    double wet, dry;
    if (c->match == COMPARE_INTEGRATED) {
        wet = loudness_integrated(c->g_wet);
        dry = loudness_integrated(c->g_dry);
    } else {
        wet = loudness_short_term(c->g_wet);
        dry = loudness_short_term(c->g_dry);
    }
    if (isfinite(wet) && isfinite(dry) && wet > -70.0 && dry > -70.0)
        c->target_db = dsp_clampf((float)(wet - dry), -COMPARE_GAIN_MAX_DB, COMPARE_GAIN_MAX_DB);
}

void compare_post(struct compare *c, const float *bp, float *l, float *r, unsigned n)
{
    int match = (int)bp[BUS_COMPARE_MATCH];
    if (match != c->match) {
        /* Integrated from now: what the engineer asked to match is this take, not the past. */
        c->match = match;
        loudness_gate_reset(c->g_wet);
        loudness_gate_reset(c->g_dry);
    }
    float *dl = c->dry[0], *dr = c->dry[1];
    int want = (int)bp[BUS_COMPARE] == COMPARE_BYPASS;
    int active = !xfade_idle_off(&c->x) || c->warm;
    if (want && !active) {
        /* Asked for: the limiter starts clean on the master limiter's settings (set first: a
         * reset lands its glides on what it was given last) and runs its delay's worth (2 ms)
         * before the fade begins, so the fade never mixes in the silence of an empty delay line.
         * The gain starts at its target, whatever the last fade-out left. */
        set_limiter(c, bp);
        limiter_reset(&c->lim);
        c->phase = 0;
        c->warm = limiter_latency(&c->lim);
        c->gain = dsp_db_to_lin(c->target_db);
        active = 1;
    }
    /* In pieces that end where a quarter does, so a new target applies from the same frame
     * however the host slices the signal. Both sides are metered on one grid (reset together),
     * the sum before it is raised. The one-pole glides the gain, so it never steps; while the
     * bypass is not heard it waits at its target, so a switch starts matched. */
    double g = c->gain, k = c->coef;
    for (unsigned done = 0, m; done < n; done += m) {
        m = c->kw_dry.len - c->kw_dry.pos;
        if (m > n - done) m = n - done;
        double qw[2], qd[2];
        unsigned nw = loudness_kw_process(&c->kw_wet, l + done, r + done, m, qw, 2);
        unsigned nd = loudness_kw_process(&c->kw_dry, c->dd[0] + done, c->dd[1] + done, m, qd, 2);
        double gt = dsp_db_to_lin(c->target_db);
        if (!active) {
            g = gt;
        } else {
            for (unsigned i = done; i < done + m; i++) {
                g += k * (gt - g);
                dl[i] = (float)(dl[i] * g);
                dr[i] = (float)(dr[i] * g);
            }
        }
        if (nw && nd) {
            loudness_gate_add(c->g_wet, qw[0]);
            loudness_gate_add(c->g_dry, qd[0]);
            update_target(c);
        }
    }
    c->gain = g;
    if (!active) return; /* not heard, not asked for: only the meters ran */
    /* The raised sum through its own limiter, set at each sub-block start as the bus's. */
    DSP_SUB_WALK (w, &c->phase, n) {
        if (w.off == 0) set_limiter(c, bp);
        limiter_process(&c->lim, dl + w.done, dr + w.done, w.n);
    }
    unsigned w0 = c->warm < n ? c->warm : n; /* frames still warming: the processed stays */
    c->warm -= w0;
    if (w0 == n) return;
    xfade_set(&c->x, want);
    if (xfade_idle_off(&c->x)) return;
    unsigned m = n - w0;
    if (!xfade_full_on(&c->x))
        xfade_mix2(&c->x, l + w0, r + w0, dl + w0, dr + w0, m); /* bypass "on" */
    memcpy(l + w0, dl + w0, m * sizeof(float));
    memcpy(r + w0, dr + w0, m * sizeof(float));
}

float compare_gain_db(const struct compare *c)
{
    return dsp_lin_to_db((float)c->gain);
}
