/* dsp/multiband.h: the master's 3-band compressor and per-band stereo imager, on one LR4 split.
 *
 * The imager's bands are the multiband's bands: the signal is split once (crossover.h), each
 * band is compressed (unless bypassed), widened or narrowed in M/S, soloed or not, and summed.
 * Split and sum are an allpass, not the identity, so while the compressor is off and every width
 * is 100 % the whole block is skipped (bit-exact), with a crossfade between the two paths. */
#ifndef STEMD_MULTIBAND_H
#define STEMD_MULTIBAND_H

#include "dsp/compressor.h"
#include "dsp/crossover.h"
#include "dsp/params.h"
#include "dsp/smooth.h"
#include "dsp/xfade.h"

struct multiband {
    float k;
    struct crossover3 xo;
    struct compressor comp[STEMD_MB_BANDS];
    struct smooth gain[STEMD_MB_BANDS][2]; /* per band: direct and cross terms of width x solo */
    struct xfade active;                   /* split path in use */
    int idle, full;                        /* decided at each sub-block start */
    float band[STEMD_MB_BANDS][2][DSP_SUB];
    float dry[2][DSP_SUB];
};

int multiband_init(struct multiband *mb, double rate);
void multiband_free(struct multiband *mb);
/* RT */
void multiband_reset(struct multiband *mb);
/* RT: at a sub-block start, from the bus parameters (BUS_NPARAMS values). */
void multiband_set(struct multiband *mb, const float *bp);
/* RT: in place, n <= DSP_SUB - off. */
void multiband_process(struct multiband *mb, float *l, float *r, unsigned off, unsigned n);
/* RT: the largest gain reduction of band b since the last take, dB. */
float multiband_take_gr_db(struct multiband *mb, unsigned b);

#endif
