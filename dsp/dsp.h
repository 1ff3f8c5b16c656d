/* dsp/dsp.h: what every DSP unit shares: the sub-block size, dB helpers, denormal flushing. */
#ifndef STEMD_DSP_H
#define STEMD_DSP_H

#include <float.h>
#include <math.h>

/* Every unit updates its smoothed parameters and control-rate gains once per sub-block of
 * DSP_SUB frames, counted from the unit's reset, so the output never depends on how the host
 * (JACK's period, the renderer's file chunks) slices the signal. 32 frames is 0.67 ms at 48 kHz:
 * fine enough that parameter steps are inaudible, coarse enough that coefficient updates cost
 * little. */
#define DSP_SUB 32

/* The sub-block driver every unit's process loop is: it walks `frames` frames in pieces that
 * never cross a sub-block boundary, from the unit's phase (its frame position in the current
 * sub-block, 0..DSP_SUB-1), which it advances piece by piece. In the body, w.off is the
 * piece's position in its sub-block (0: the piece starts one, the time for control work), w.n
 * its length, w.done the frames before it, and the phase still reads w.off:
 *
 *     DSP_SUB_WALK(w, &u->phase, n) {
 *         if (w.off == 0) control(u);
 *         work(u, l + w.done, r + w.done, w.n);
 *         if (dsp_sub_ends(&w)) land(u);
 *     }
 */
struct dsp_sub_walk {
    unsigned *phase;
    unsigned left, done, off, n;
};

static inline struct dsp_sub_walk dsp_sub_begin(unsigned *phase, unsigned frames)
{
    return (struct dsp_sub_walk){.phase = phase, .left = frames, .done = 0, .off = *phase, .n = 0};
}

/* Move *phase on by n frames (for a stage whose pieces walk a copy of it). */
static inline void dsp_sub_advance(unsigned *phase, unsigned n)
{
    *phase = (*phase + n) % DSP_SUB;
}

/* Close the piece just done and open the next; 0 when every frame is walked. */
static inline int dsp_sub_next(struct dsp_sub_walk *w)
{
    w->done += w->n;
    w->left -= w->n;
    dsp_sub_advance(w->phase, w->n);
    w->off = *w->phase;
    if (w->left == 0) return 0;
    w->n = DSP_SUB - w->off < w->left ? DSP_SUB - w->off : w->left;
    return 1;
}

/* The piece ends its sub-block. */
static inline int dsp_sub_ends(const struct dsp_sub_walk *w)
{
    return w->off + w->n == DSP_SUB;
}

#define DSP_SUB_WALK(w, phase, frames)                                                             \
    for (struct dsp_sub_walk w = dsp_sub_begin((phase), (frames)); dsp_sub_next(&w);)

/* The coefficient b of a one-pole y += b (x - y) with time constant ms, stepped once every
 * `every` frames at rate: 1 - e^(-every / (tau fs)) (Giannoulis & Reiss's alpha, as 1 - alpha).
 * By expm1, so a 2 s release at 192 kHz (b = 2.6e-6) keeps its precision. */
static inline double dsp_onepole_coef(double ms, double rate, unsigned every)
{
    return -expm1(-(double)every * 1000.0 / (ms * rate));
}

/* Gains below this are silence: -90 dB is far under 24-bit dither. */
#define DSP_SILENCE_DB (-90.0f)

static inline float dsp_db_to_lin(float db)
{
    return db <= DSP_SILENCE_DB ? 0.0f : powf(10.0f, db * 0.05f);
}

static inline float dsp_lin_to_db(float lin)
{
    return lin > 1e-9f ? 20.0f * log10f(lin) : -180.0f;
}

/* x clamped to [lo, hi]; NaN becomes lo (every comparison with NaN fails, the first picks lo). */
static inline float dsp_clampf(float x, float lo, float hi)
{
    return x >= lo ? (x <= hi ? x : hi) : lo;
}

/* Replace a non-finite sample by 0 so NaN/Inf on an input never reaches a filter state. */
static inline float dsp_finite_or_zero(float x)
{
    return (fabsf(x) <= FLT_MAX) ? x : 0.0f;
}

/* A filter state this small (-600 dB) is silence. Zero it once per sub-block: a float recursion
 * written as state += increment can sit at such a value for ever (the increment is below the
 * state's ulp and is lost), which keeps a silent output off exact zero. */
#define DSP_TINY 1e-30f
static inline void dsp_zero_tiny(float *x, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        x[i] = fabsf(x[i]) < DSP_TINY ? 0.0f : x[i];
}

/* Flush denormals to zero (FTZ) and treat denormal inputs as zero (DAZ) in the calling thread.
 * A decaying IIR state otherwise crawls through the denormal range at 10-100x the cost per
 * operation. Call once at the start of the process thread and of the renderer. RT-safe: a
 * register write, no system call. */
#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
static inline void dsp_flush_denormals(void)
{
    _mm_setcsr(_mm_getcsr() | 0x8040); /* FTZ (bit 15) | DAZ (bit 6) */
}
#elif defined(__aarch64__)
static inline void dsp_flush_denormals(void)
{
    unsigned long fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    __asm__ volatile("msr fpcr, %0" ::"r"(fpcr | (1UL << 24)));
}
#else
static inline void dsp_flush_denormals(void)
{
}
#endif

#endif
