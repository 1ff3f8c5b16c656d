/* dsp/bus.h: the master bus: input gain, EQ, multiband compressor and imager, bass mono,
 * true-peak limiter, output gain, dither; and the master's meters.
 *
 * Driven like the strip: bus_set at every sub-block start, bus_process on n <= DSP_SUB - off
 * frames at position off of the sub-block. */
#ifndef STEMD_BUS_H
#define STEMD_BUS_H

#include "dsp/crossover.h"
#include "dsp/dither.h"
#include "dsp/eq.h"
#include "dsp/limiter.h"
#include "dsp/multiband.h"
#include "dsp/params.h"
#include "dsp/smooth.h"
#include "dsp/truepeak.h"
#include "dsp/xfade.h"

struct bus {
    double rate;
    float k, k_corr;
    struct smooth input, output;
    struct eq eq;
    struct multiband mb;
    struct crossover2 bass;
    struct xfade bass_on;
    int bass_idle, bass_full; /* decided at each sub-block start */
    struct limiter lim;
    struct dither dither;
    int dither_mode;
    struct truepeak tp;
    float lo[2][DSP_SUB], hi[2][DSP_SUB], dry[2][DSP_SUB];
    /* meters since the last take (skipped while meters is 0) */
    int meters;
    float peak_l, peak_r;
    double corr_lr, corr_ll, corr_rr; /* smoothed products for the correlation meter */
    double acc[3];                    /* this sub-block's products so far */
};

int bus_init(struct bus *b, double rate);
void bus_free(struct bus *b);
/* RT: clear states and meters. */
void bus_reset(struct bus *b);
unsigned bus_latency(const struct bus *b);
/* RT */
void bus_set(struct bus *b, const float *bp);
/* RT: in place. */
void bus_process(struct bus *b, float *l, float *r, unsigned off, unsigned n);

#endif
