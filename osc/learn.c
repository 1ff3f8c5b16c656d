/* osc/learn.c: the live loudness learn (/loudness/learn, /loudness/learn/cancel): measure the
 * master's integrated loudness, set the limiter drive (and, below 0 dB of gain, the output
 * gain: attenuation only, so the ceiling holds) and re-measure, a bounded number of times,
 * until the master integrates within LEARN_TOL_LU of the target.
 *
 * A small state machine on the OSC thread: dispatch.c starts it, osc_tick ticks it every
 * 10 ms, so no handler waits for a measurement and nothing runs in the process callback. Each
 * correction is one stemd_apply with the caller's source (one undo step; subscribers hear it).
 *
 * The gain g the learn moves is drive + output: g >= 0 is all drive (output 0 dB), g < 0 is
 * all output attenuation (drive 0 dB). The output gain follows the limiter, so below 0 dB a
 * step is exact (slope 1); louder goes into the limiter, which compresses, so the loudness
 * rises by less than g: there the next g is a secant step through the last two measurements. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "osc/internal.h"
#include "server/targets.h"

#define LEARN_TOL_LU 0.3 /* the promise */
#define LEARN_AIM_LU 0.1 /* what a step aims for: the windows differ, leave room */
#define LEARN_STEPS  8   /* corrections at most */
#define LEARN_SETTLE_MS                                                                            \
    400                     /* after a change: the limiter's lookahead, JACK's period and the      \
                               meter's 100 ms blocks, so no block mixes old and new gain */
#define LEARN_WAIT_MS 20000 /* a window still without a loudness this much later: give up */

static double clampd(double x, double lo, double hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

static void ref_of(int id, struct param_ref *ref)
{
    memset(ref, 0, sizeof *ref);
    ref->def = params_row(SCOPE_BUS, id);
    ref->index = 0;
    ref->stem = -1;
}

static float get(struct osc *o, int id)
{
    struct param_ref ref;
    ref_of(id, &ref);
    return stemd_get_ref(o->sd, &ref);
}

static void say(struct osc *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An /error to the caller: why the learn stopped or did not start. */
static void say(struct osc *o, const char *fmt, ...)
{
    char why[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    struct osc_out out;
    out_init(&out, o, &o->learn.to);
    out_error(&out, "/loudness/learn", why);
    out_flush(&out);
}

static void reply_to(struct osc *o, const struct osc_addr *to, const char *addr, int step, double a,
                     double b, double c, double d)
{
    struct osc_out out;
    out_init(&out, o, to);
    if (step < 0)
        out_msg(&out, addr, "ffff", a, b, c, d);
    else
        out_msg(&out, addr, "ifff", step, b, c, d);
    out_flush(&out);
}

/* To the caller and every subscriber (a surface showing the chain sees what the learn did):
 * step < 0: "ffff" a b c d, else "ifff" step b c d. */
static void reply(struct osc *o, const char *addr, int step, double a, double b, double c, double d)
{
    int caller_done = 0;
    for (unsigned k = 0; k < OSC_MAX_CLIENTS; k++) {
        struct osc_client *cl = &o->clients[k];
        if (!cl->used || !cl->sub) continue;
        reply_to(o, &cl->dst, addr, step, a, b, c, d);
        if (osc_addr_eq(&cl->dst, &o->learn.to)) caller_done = 1;
    }
    if (!caller_done) reply_to(o, &o->learn.to, addr, step, a, b, c, d);
}

/* Set g (and the ceiling on the first step of a platform's learn): one stemd_apply. */
static int set_gain(struct osc *o, double g, int with_ceiling)
{
    struct osc_learn *l = &o->learn;
    struct param_change c[3];
    size_t n = 0;
    char err[256];
    ref_of(BUS_LIM_DRIVE, &c[n].ref);
    c[n++].value = g > 0 ? (float)g : 0.0f;
    ref_of(BUS_OUTPUT, &c[n].ref);
    c[n++].value = g < 0 ? (float)g : 0.0f;
    if (with_ceiling) {
        ref_of(BUS_LIM_CEILING, &c[n].ref);
        c[n++].value = l->ceiling;
    }
    if (stemd_apply(o->sd, c, n, l->source, NULL, NULL, err, sizeof err) < 0) {
        struct osc_out out;
        out_init(&out, o, &l->to);
        out_error(&out, "/loudness/learn", err);
        out_flush(&out);
        return -1;
    }
    l->g = g;
    return 0;
}

static double integrated(struct osc *o)
{
    struct stemd_loudness loud;
    if (stemd_take_meters(o->sd, NULL, &loud) < 0) return -HUGE_VAL;
    return loud.integrated_lufs;
}

static void finish(struct osc *o)
{
    o->learn.state = LEARN_IDLE;
}

static void measure_from(struct osc *o, int64_t now, double seconds)
{
    struct osc_learn *l = &o->learn;
    stemd_reset_loudness(o->sd);
    l->state = LEARN_MEASURE;
    l->until_ms = now + (int64_t)(seconds * 1000);
    l->give_up_ms = l->until_ms + LEARN_WAIT_MS;
}

/* A correction: the secant through the last two points (g0, L0), (g, L), bounded by what the
 * drive and the output gain can do. Returns 0 when a new g was set, 1 when the learn ended. */
static int correct(struct osc *o, int64_t now, double lufs)
{
    struct osc_learn *l = &o->learn;
    double gmax = params_row(SCOPE_BUS, BUS_LIM_DRIVE)->max,
           gmin = params_row(SCOPE_BUS, BUS_OUTPUT)->min;
    double err = l->target - lufs;
    int need_ceiling = l->has_ceiling && !l->ceiling_set; /* it changes the loudness too */
    if (need_ceiling) {
        /* nothing: measure again at the platform's ceiling whatever the error */
    } else if (fabs(err) <= LEARN_AIM_LU ||
               (l->steps == LEARN_STEPS && fabs(err) <= LEARN_TOL_LU)) {
        reply(o, "/loudness/learned", -1, (double)l->target, lufs, (double)get(o, BUS_LIM_DRIVE),
              (double)get(o, BUS_OUTPUT));
        return 1;
    } else if (l->steps == LEARN_STEPS) {
        say(o,
            "%.1f LUFS not reached in 8 corrections: the master measures %.2f LUFS at limiter "
            "drive %+.2f dB; the material's loudness moves too much between windows, learn "
            "again with more SECONDS",
            (double)l->target, lufs, (double)get(o, BUS_LIM_DRIVE));
        return 1;
    }
    double slope = 1;
    if (l->have_prev && fabs(l->g - l->g0) > 1e-3) slope = (lufs - l->l0) / (l->g - l->g0);
    if (!(slope > 0.05)) slope = 0.05; /* deep in the limiter the loudness barely moves */
    if (slope > 1) slope = 1;          /* a gain never gives more loudness: window noise */
    if (l->g <= 0 && l->g + err <= 0) slope = 1; /* the output gain follows the limiter: exact */
    double next = clampd(l->g + err / slope, gmin, gmax);
    if (!need_ceiling && fabs(next - l->g) < 1e-3) { /* at a limit of the chain: how far */
        if (err > 0)
            say(o,
                "%.1f LUFS is out of reach: the loudest this chain reaches on these stems at "
                "ceiling %.1f dBTP is %.1f LUFS (limiter drive at its maximum): aim there or "
                "lower, or raise the stems, the bus input or the ceiling",
                (double)l->target, (double)get(o, BUS_LIM_CEILING), lufs);
        else
            say(o,
                "%.1f LUFS is out of reach: the quietest this chain reaches on these stems is "
                "%.1f LUFS (output gain at its minimum, %.0f dB): aim there or louder, or lower "
                "the stems or the bus input",
                (double)l->target, lufs, gmin);
        return 1;
    }
    l->g0 = l->g;
    l->l0 = lufs;
    l->have_prev = 1;
    if (set_gain(o, next, need_ceiling) < 0) return 1;
    l->ceiling_set = 1;
    l->steps++;
    reply(o, "/loudness/learn/step", l->steps, 0, lufs, (double)get(o, BUS_LIM_DRIVE),
          (double)get(o, BUS_OUTPUT));
    l->state = LEARN_SETTLE;
    l->until_ms = now + LEARN_SETTLE_MS;
    return 0;
}

void osc_learn_start(struct osc *o, const struct osc_addr *to, int source, double target,
                     double ceiling, double seconds, int64_t now)
{
    struct osc_learn *l = &o->learn;
    struct osc_out out;
    out_init(&out, o, to);
    if (l->state != LEARN_IDLE) {
        out_error(&out, "/loudness/learn",
                  "a learn is running: wait for /loudness/learned or send /loudness/learn/cancel");
        out_flush(&out);
        return;
    }
    memset(l, 0, sizeof *l);
    l->to = *to;
    l->source = source;
    l->target = (float)target;
    l->has_ceiling = isfinite(ceiling);
    l->ceiling = l->has_ceiling ? (float)ceiling : get(o, BUS_LIM_CEILING);
    l->g = (double)get(o, BUS_LIM_DRIVE) + (double)get(o, BUS_OUTPUT);
    /* The windows after a correction: shorter than the first, long enough to integrate. */
    l->window_s = seconds > 0 ? clampd(seconds / 2, 3, 10) : 3;
    double lufs = seconds > 0 ? 0 : integrated(o); /* without SECONDS: what the meter holds */
    if (!isfinite(lufs)) {
        out_error(&out, "/loudness/learn",
                  "nothing measured since /loudness/reset: play the material, or give SECONDS "
                  "to measure for");
        out_flush(&out);
        return;
    }
    out_msg(&out, "/loudness/learn/started", "fff", target, (double)l->ceiling, seconds);
    out_flush(&out);
    l->state = LEARN_MEASURE;
    if (seconds > 0) {
        /* A platform's ceiling first, so the whole window measures the chain as delivered. */
        if (l->has_ceiling && set_gain(o, l->g, 1) < 0) return finish(o);
        l->ceiling_set = l->has_ceiling;
        measure_from(o, now, seconds);
        return;
    }
    if (correct(o, now, lufs)) finish(o);
}

void osc_learn_cancel(struct osc *o, struct osc_out *out)
{
    struct osc_learn *l = &o->learn;
    if (l->state == LEARN_IDLE) {
        out_error(out, "/loudness/learn/cancel", "no learn is running");
        return;
    }
    finish(o);
    out_msg(out, "/loudness/learn/cancelled", "ff", (double)get(o, BUS_LIM_DRIVE),
            (double)get(o, BUS_OUTPUT));
}

void osc_learn_tick(struct osc *o, int64_t now)
{
    struct osc_learn *l = &o->learn;
    if (l->state == LEARN_IDLE || now < l->until_ms) return;
    if (l->state == LEARN_SETTLE) {
        measure_from(o, now, l->window_s);
        return;
    }
    /* LEARN_MEASURE: the window is over once the meter has a loudness. */
    double lufs = integrated(o);
    if (!isfinite(lufs)) {
        if (now < l->give_up_ms) return;
        say(o, "the master stayed silent: nothing to learn from (is the material playing?)");
        return finish(o);
    }
    if (correct(o, now, lufs)) finish(o);
}
