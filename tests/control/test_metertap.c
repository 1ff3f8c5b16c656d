/* tests/control/test_metertap.c: two and three readers of the meters (server/metertap.c) on a
 * server that is initialised but never connected to JACK: the test pushes cycles into the
 * process thread's accumulators itself (meters_rt_push, as the callback does) and takes them in
 * turn. Each reader must see every peak since its own last take, whoever took in between; a lone
 * reader reads the accumulators exactly as before taps existed. Run by tests/osc/16-metertap.t. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "server/config.h"
#include "server/server.h"
#include "tests/tap.h"

/* One cycle of n frames in which stem k peaks at peak (both sides) with that rms, the bus too. */
static void push(struct stemd *sd, struct mix_meters *c, unsigned k, float peak, float rms)
{
    memset(c, 0, sizeof *c + c->nstems * sizeof c->stem[0]);
    c->nstems = stemd_nstems(sd);
    c->stem[k].peak_l = c->stem[k].peak_r = peak;
    c->stem[k].rms = rms;
    c->stem[k].gr_db = peak * 10;
    c->stem[k].deess_db = peak * 4;
    c->stem[k].deq_db[2] = -peak * 6; /* a cut */
    c->bus.peak_l = c->bus.true_peak = peak;
    c->bus.compare_gain_db = peak * 3;
    c->bus.gr_limiter_db = peak * 2;
    meters_rt_push(sd->eng.meters, c, 64);
}

int main(void)
{
    char *args[] = {"test_metertap", "--stems", "drums,bass", "--log-level", "error", NULL};
    struct stemd *sd = calloc(1, sizeof *sd);
    if (!sd || config_from_args(&sd->cfg, 5, args) != 0 || stemd_init(sd) < 0) {
        printf("Bail out! cannot initialise the server\n");
        return 1;
    }
    struct mix_meters *c = mix_meters_new(2), *a = mix_meters_new(2), *b = mix_meters_new(2);
    struct stemd_meter_tap *t1 = NULL, *t2 = NULL;

    /* Alone: exactly the accumulators (the rms of 64+64 frames at 0.3 and 0.4 is their RMS). */
    push(sd, c, 0, 0.5f, 0.3f);
    push(sd, c, 0, 0.25f, 0.4f);
    stemd_take_meters(sd, a, NULL);
    ok(a->stem[0].peak_l == 0.5f && a->bus.true_peak == 0.5f, "a lone reader reads the peak (%g)",
       a->stem[0].peak_l);
    ok(fabsf(a->stem[0].rms - sqrtf((0.09f + 0.16f) / 2)) < 1e-6f, "and the frames' rms (%g)",
       a->stem[0].rms);
    stemd_take_meters(sd, a, NULL);
    ok(a->stem[0].peak_l == 0 && a->bus.peak_l == 0, "taken once: the next reading is empty");

    ok(stemd_meter_tap_new(sd, &t1) == 0, "a tap");
    /* A peak, then the first reader takes: the tap still sees it. */
    push(sd, c, 1, 0.9f, 0.2f);
    stemd_take_meters(sd, a, NULL);
    ok(a->stem[1].peak_l == 0.9f, "the first reader sees the peak");
    push(sd, c, 1, 0.1f, 0.2f);
    ok(stemd_meter_tap_take(sd, t1, b, NULL) == 0, "the tap takes");
    ok(b->stem[1].peak_l == 0.9f && b->stem[1].gr_db == 9.0f && b->bus.gr_limiter_db == 1.8f,
       "and sees the peak the first reader took before it (%g, gr %g)", b->stem[1].peak_l,
       b->stem[1].gr_db);
    /* Every meter goes through the taps: the de-esser's and dynamic EQ's largest, the compare
     * gain's latest (before, a tap's readers got 0 for the de-esser and dynamic EQ). */
    ok(b->stem[1].deess_db == 0.9f * 4 && b->stem[1].deq_db[2] == -0.9f * 6 &&
           b->bus.compare_gain_db == 0.1f * 3,
       "... the de-esser's largest (%g), the dynamic EQ's farthest from 0 (%g) and the compare "
       "gain's latest (%g)",
       b->stem[1].deess_db, b->stem[1].deq_db[2], b->bus.compare_gain_db);
    /* ... and the other way round. */
    push(sd, c, 0, 0.7f, 0.1f);
    stemd_meter_tap_take(sd, t1, b, NULL);
    stemd_take_meters(sd, a, NULL);
    ok(a->stem[0].peak_l == 0.7f && a->stem[1].peak_l == 0.1f,
       "the first reader sees what the tap took since its own last take (%g, %g)",
       a->stem[0].peak_l, a->stem[1].peak_l);
    ok(b->stem[0].peak_l == 0.7f && b->stem[1].peak_l == 0, "the tap: only since its own (%g, %g)",
       b->stem[0].peak_l, b->stem[1].peak_l);

    /* A third reader that takes rarely sees the largest of all since it began. */
    ok(stemd_meter_tap_new(sd, &t2) == 0, "a second tap");
    for (int i = 0; i < 10; i++) {
        push(sd, c, 0, i == 4 ? 0.95f : 0.05f, 0.1f);
        if (i % 2)
            stemd_take_meters(sd, a, NULL);
        else
            stemd_meter_tap_take(sd, t1, b, NULL);
    }
    push(sd, c, 0, 0.05f, 0.1f);
    stemd_meter_tap_take(sd, t2, b, NULL);
    ok(b->stem[0].peak_l == 0.95f, "the rare reader sees the peak both others took (%g)",
       b->stem[0].peak_l);
    ok(fabsf(b->stem[0].rms - 0.1f) < 1e-6f, "and the rms of the readings between (%g)",
       b->stem[0].rms);
    stemd_meter_tap_take(sd, t2, b, NULL);
    ok(b->stem[0].peak_l == 0, "taken: its next reading is empty");
    struct mix_meters *one = mix_meters_new(1);
    ok(stemd_meter_tap_take(sd, t2, one, NULL) < 0, "a record of the wrong size is refused");
    free(one);

    stemd_meter_tap_free(sd, t1);
    stemd_meter_tap_free(sd, NULL);
    push(sd, c, 1, 0.6f, 0.2f);
    stemd_take_meters(sd, a, NULL);
    stemd_meter_tap_take(sd, t2, b, NULL);
    ok(a->stem[1].peak_l == 0.6f && b->stem[1].peak_l == 0.6f,
       "after a tap is freed the others read on");
    /* t2 is freed with the server (metertap_fini), as an HTTP layer that never stopped would be. */
    free(a);
    free(b);
    free(c);
    stemd_fini(sd);
    free(sd);
    return done_testing();
}
