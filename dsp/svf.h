/* dsp/svf.h: the state-variable filter every EQ, pass filter and crossover in stemd is built on.
 *
 * Andrew Simper's trapezoidal-integrated SVF ("Linear Trap Integrated SVF", Cytomic, 2013). Its
 * responses equal the bilinear-transformed analogue prototypes (the RBJ cookbook's), and unlike a
 * direct-form biquad its states stay meaningful while the coefficients move, so the EQ can glide
 * a band's frequency, gain and Q sample-block by sample-block without clicks or blow-ups. It is
 * also well conditioned at low frequencies in single precision (a 20 Hz HPF at 192 kHz). */
#ifndef STEMD_SVF_H
#define STEMD_SVF_H

enum svf_type {
    SVF_LOWPASS,
    SVF_HIGHPASS,
    SVF_BANDPASS, /* constant 0 dB peak gain */
    SVF_NOTCH,
    SVF_ALLPASS,
    SVF_BELL,
    SVF_LOWSHELF,
    SVF_HIGHSHELF,
};

/* Output = m0*input + m1*band + m2*low, with a1..a3 the integrator coefficients. */
struct svf_coefs {
    float a1, a2, a3;
    float m0, m1, m2;
};

/* Two channels' integrator states. */
struct svf_state {
    float ic1[2], ic2[2];
};

/* Design one section. freq_hz is clamped to [1 Hz, 0.49 * rate] (the bilinear warp goes to
 * infinity at Nyquist), q to [0.025, 40]. gain_db matters for BELL and the shelves only; for
 * those, gain 0 dB gives m0 = 1, m1 = m2 = 0 (BELL) or the exact identity, so a flat band is
 * transparent bit for bit. Not for the sample loop (it calls tan), but cheap enough per
 * sub-block. */
void svf_design(struct svf_coefs *c, enum svf_type type, double freq_hz, double q, double gain_db,
                double rate);

/* svf_design in two steps, for a unit that redesigns one section at a fixed frequency every
 * sub-block (the dynamic EQ's gain moves, its frequency rests): the prewarped frequency
 * g = tan(pi f / rate), f clamped as above, and the design from it. svf_design is exactly
 * svf_design_warped(c, type, svf_prewarp(freq_hz, rate), q, gain_db). */
double svf_prewarp(double freq_hz, double rate);
void svf_design_warped(struct svf_coefs *c, enum svf_type type, double g, double q, double gain_db);
void svf_reset(struct svf_state *s);

/* RT: filter n samples of two channels in place. */
void svf_process2(const struct svf_coefs *c, struct svf_state *s, float *l, float *r, unsigned n);

/* RT: if a state went non-finite (it cannot with finite input, but a mastering chain must never
 * stay silent because of one bad value), clear it. Returns 1 if it reset. */
int svf_sanitize(struct svf_state *s);

#endif
