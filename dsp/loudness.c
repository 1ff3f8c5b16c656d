/* dsp/loudness.c: BS.1770-4 / EBU R128 loudness meter: K-weighting, gating, loudness range. */
#include "dsp/loudness.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/dsp.h"

/* The analogue prototypes of the K-weighting, found by inverting the bilinear transform of the
 * BS.1770-4 Annex 1 48 kHz coefficients: with K = tan(pi f0 / 48000), K^2 = (1+a1+a2)/(1-a1+a2),
 * K/Q = 2(1-a2)/(1-a1+a2), Vh = (b0-b1+b2)/(1-a1+a2), Vb K/Q = 2(b0-b2)/(1-a1+a2). They agree
 * with libebur128's constants. The shelf is H(s) = (Vh s^2 + Vb (w0/Q) s + w0^2) /
 * (s^2 + (w0/Q) s + w0^2): Vh = +3.99984 dB at high frequencies, Vb ~ sqrt(Vh). */
static const double shelf_f0_hz = 1681.974450955533;
static const double shelf_q = 0.7071752369554196;
static const double shelf_vh = 1.584864701130855;
static const double shelf_vb = 1.258720930232562;
/* The RLB high-pass: s^2 / (s^2 + (w0/Q) s + w0^2), scaled so that, like the published 48 kHz
 * filter (numerator exactly 1, -2, 1), its passband gain is 1 + K48/Q + K48^2 = +0.0432 dB. */
static const double hpf_f0_hz = 38.13547087602444;
static const double hpf_q = 0.5003270373238773;

static const double loudness_offset = -0.691;  /* BS.1770-4 Annex 1, eq. (2) */
static const double abs_gate_lufs = -70.0;     /* BS.1770-4 Annex 1; Tech 3342 */
static const double rel_gate_integrated = 0.1; /* -10 LU, as an energy ratio */
static const double rel_gate_lra = 0.01;       /* -20 LU, Tech 3342 */

/* Histogram: 0.01 LU bins from -70 LUFS; the top bin also takes everything above +10 LUFS. */
#define BINS        8000
#define BINS_PER_LU 100.0
#define RING        30 /* short-term window, quarters */
#define MOMENTARY   4

/* Filter states below this are flushed at each quarter's end. With FTZ/DAZ off (tests, a host
 * that forgets dsp_flush_denormals) a decaying state would crawl through the denormal range at
 * 10-100x the cost per operation: the shelf gets there within part of a quarter of silence, the
 * RLB high-pass (e^-24 per quarter at any rate) never does once flushed from 1e-30. So a silence
 * costs at most part of one slow quarter. 1e-30 (-600 dBFS) is far below anything measurable. */
static const double flush_below = 1e-30;

static void kw_design(struct loudness_kw *kw, double rate)
{
    double k = tan(M_PI * shelf_f0_hz / rate);
    double kq = k / shelf_q;
    double a0 = 1.0 + kq + k * k;
    kw->shelf.b0 = (shelf_vh + shelf_vb * kq + k * k) / a0;
    kw->shelf.b1 = 2.0 * (k * k - shelf_vh) / a0;
    kw->shelf.b2 = (shelf_vh - shelf_vb * kq + k * k) / a0;
    kw->shelf.a1 = 2.0 * (k * k - 1.0) / a0;
    kw->shelf.a2 = (1.0 - kq + k * k) / a0;

    double k48 = tan(M_PI * hpf_f0_hz / 48000.0);
    double gain = 1.0 + k48 / hpf_q + k48 * k48;
    k = tan(M_PI * hpf_f0_hz / rate);
    kq = k / hpf_q;
    a0 = 1.0 + kq + k * k;
    kw->hpf.b0 = gain / a0;
    kw->hpf.b1 = -2.0 * gain / a0;
    kw->hpf.b2 = gain / a0;
    kw->hpf.a1 = 2.0 * (k * k - 1.0) / a0;
    kw->hpf.a2 = (1.0 - kq + k * k) / a0;
}

/* Length of the next quarter: boundaries at floor(k * rate_hz / 10). */
static void kw_next_quarter(struct loudness_kw *kw)
{
    kw->rem += kw->rate_hz;
    kw->len = kw->rem / 10;
    kw->rem %= 10;
    kw->pos = 0;
    kw->sum = 0.0;
}

int loudness_kw_init(struct loudness_kw *kw, double rate_hz)
{
    if (!(rate_hz >= 8000.0 && rate_hz <= 768000.0)) return -EINVAL;
    memset(kw, 0, sizeof *kw);
    kw_design(kw, rate_hz);
    kw->rate_hz = (unsigned)lround(rate_hz);
    loudness_kw_reset(kw);
    return 0;
}

void loudness_kw_reset(struct loudness_kw *kw)
{
    memset(kw->z, 0, sizeof kw->z);
    kw->rem = 0;
    kw->dropped = 0;
    kw_next_quarter(kw);
}

/* Filter m frames into the running quarter sum. The sum is accumulated frame by frame in one
 * fixed order, so any slicing gives the same bits. */
static void kw_run(struct loudness_kw *kw, const float *l, const float *r, unsigned m)
{
    const struct loudness_biquad s = kw->shelf, h = kw->hpf;
    double l0 = kw->z[0][0], l1 = kw->z[0][1], l2 = kw->z[0][2], l3 = kw->z[0][3];
    double r0 = kw->z[1][0], r1 = kw->z[1][1], r2 = kw->z[1][2], r3 = kw->z[1][3];
    double acc = kw->sum;
    for (unsigned i = 0; i < m; i++) {
        double xl = dsp_finite_or_zero(l[i]);
        double xr = dsp_finite_or_zero(r[i]);
        /* transposed direct form II, both stages, both channels */
        double ul = s.b0 * xl + l0;
        l0 = s.b1 * xl - s.a1 * ul + l1;
        l1 = s.b2 * xl - s.a2 * ul;
        double ur = s.b0 * xr + r0;
        r0 = s.b1 * xr - s.a1 * ur + r1;
        r1 = s.b2 * xr - s.a2 * ur;
        double yl = h.b0 * ul + l2;
        l2 = h.b1 * ul - h.a1 * yl + l3;
        l3 = h.b2 * ul - h.a2 * yl;
        double yr = h.b0 * ur + r2;
        r2 = h.b1 * ur - h.a1 * yr + r3;
        r3 = h.b2 * ur - h.a2 * yr;
        acc += yl * yl + yr * yr;
    }
    kw->z[0][0] = l0, kw->z[0][1] = l1, kw->z[0][2] = l2, kw->z[0][3] = l3;
    kw->z[1][0] = r0, kw->z[1][1] = r1, kw->z[1][2] = r2, kw->z[1][3] = r3;
    kw->sum = acc;
}

unsigned loudness_kw_process(struct loudness_kw *kw, const float *l, const float *r, unsigned n,
                             double *quarters, unsigned max_quarters)
{
    unsigned done = 0;
    while (n > 0) {
        unsigned m = kw->len - kw->pos;
        if (m > n) m = n;
        kw_run(kw, l, r, m);
        l += m, r += m, n -= m;
        kw->pos += m;
        if (kw->pos < kw->len) break;
        double e = kw->sum / (double)kw->len;
        if (done < max_quarters)
            quarters[done++] = e;
        else
            kw->dropped++;
        for (int c = 0; c < 2; c++)
            for (int j = 0; j < 4; j++)
                if (fabs(kw->z[c][j]) < flush_below) kw->z[c][j] = 0.0;
        kw_next_quarter(kw);
    }
    return done;
}

struct bin {
    uint64_t count;
    double energy; /* exact sum of the energies counted here */
};

struct loudness_gate {
    double ring[RING]; /* the last 30 quarters; zeros before they exist */
    unsigned head;     /* where the next quarter goes */
    uint64_t quarters;
    double momentary, short_term; /* energies of the current windows */
    double momentary_max, short_term_max;
    struct bin blocks[BINS];      /* 400 ms blocks: integrated */
    struct bin short_terms[BINS]; /* 3 s values: LRA */
};

static double to_lufs(double energy)
{
    return energy > 0.0 ? loudness_offset + 10.0 * log10(energy) : -HUGE_VAL;
}

/* Histogram a value if it passes the absolute gate. */
static void hist_add(struct bin *h, double energy)
{
    double lufs = to_lufs(energy);
    if (!(lufs > abs_gate_lufs)) return;
    double x = floor((lufs - abs_gate_lufs) * BINS_PER_LU);
    size_t i = x < (double)(BINS - 1) ? (size_t)x : BINS - 1;
    h[i].count++;
    h[i].energy += energy;
}

int loudness_gate_create(struct loudness_gate **out)
{
    *out = calloc(1, sizeof **out);
    return *out ? 0 : -ENOMEM;
}

void loudness_gate_destroy(struct loudness_gate *g)
{
    free(g);
}

void loudness_gate_reset(struct loudness_gate *g)
{
    memset(g, 0, sizeof *g);
}

void loudness_gate_add(struct loudness_gate *g, double quarter)
{
    if (!(isfinite(quarter) && quarter >= 0.0)) quarter = 0.0;
    g->ring[g->head] = quarter;
    g->head = (g->head + 1) % RING;
    g->quarters++;

    /* Sum the windows afresh each time (34 additions) instead of a running sum, which would
     * drift and could go negative after hours of add/subtract rounding. */
    double m = 0.0, s = 0.0;
    for (unsigned k = 1; k <= RING; k++) {
        double q = g->ring[(g->head + RING - k) % RING];
        if (k <= MOMENTARY) m += q;
        s += q;
    }
    g->momentary = m / MOMENTARY;
    g->short_term = s / RING;
    if (g->momentary > g->momentary_max) g->momentary_max = g->momentary;
    if (g->short_term > g->short_term_max) g->short_term_max = g->short_term;
    if (g->quarters >= MOMENTARY) hist_add(g->blocks, g->momentary);
    if (g->quarters >= RING) hist_add(g->short_terms, g->short_term);
}

uint64_t loudness_gate_quarters(const struct loudness_gate *g)
{
    return g->quarters;
}

double loudness_momentary(const struct loudness_gate *g)
{
    return to_lufs(g->momentary);
}

double loudness_short_term(const struct loudness_gate *g)
{
    return to_lufs(g->short_term);
}

double loudness_momentary_max(const struct loudness_gate *g)
{
    return to_lufs(g->momentary_max);
}

double loudness_short_term_max(const struct loudness_gate *g)
{
    return to_lufs(g->short_term_max);
}

/* Relative gate: the energy mean of every histogrammed value times ratio; 0 if none. */
static double relative_gate(const struct bin *h, double ratio)
{
    uint64_t n = 0;
    double e = 0.0;
    for (size_t i = 0; i < BINS; i++)
        n += h[i].count, e += h[i].energy;
    return n ? e / (double)n * ratio : 0.0;
}

/* A bin passes the relative gate when its values' mean energy is above it: exact for every bin
 * that does not straddle the gate, and for straddling bins whose values are equal. */
static int passes(const struct bin *b, double gate)
{
    return b->count && b->energy > gate * (double)b->count;
}

double loudness_integrated(const struct loudness_gate *g)
{
    double gate = relative_gate(g->blocks, rel_gate_integrated);
    uint64_t n = 0;
    double e = 0.0;
    for (size_t i = 0; i < BINS; i++)
        if (passes(&g->blocks[i], gate)) n += g->blocks[i].count, e += g->blocks[i].energy;
    return n ? to_lufs(e / (double)n) : -HUGE_VAL;
}

double loudness_lra(const struct loudness_gate *g)
{
    const struct bin *h = g->short_terms;
    double gate = relative_gate(h, rel_gate_lra);
    uint64_t n = 0;
    for (size_t i = 0; i < BINS; i++)
        if (passes(&h[i], gate)) n += h[i].count;
    if (!n) return 0.0;
    uint64_t rank_lo = (uint64_t)((double)(n - 1) * 0.10 + 0.5);
    uint64_t rank_hi = (uint64_t)((double)(n - 1) * 0.95 + 0.5);
    double lo = 0.0, hi = 0.0;
    uint64_t below = 0; /* values in the passing bins under bin i */
    for (size_t i = 0; i < BINS; i++) {
        if (!passes(&h[i], gate)) continue;
        uint64_t next = below + h[i].count;
        double lufs = to_lufs(h[i].energy / (double)h[i].count);
        if (rank_lo >= below && rank_lo < next) lo = lufs;
        if (rank_hi >= below && rank_hi < next) {
            hi = lufs;
            break;
        }
        below = next;
    }
    return hi - lo;
}

int loudness_meter_init(struct loudness_meter *m, double rate_hz)
{
    int err = loudness_kw_init(&m->kw, rate_hz);
    if (err) return err;
    return loudness_gate_create(&m->gate);
}

void loudness_meter_free(struct loudness_meter *m)
{
    loudness_gate_destroy(m->gate);
    m->gate = NULL;
}

void loudness_meter_process(struct loudness_meter *m, const float *l, const float *r, unsigned n)
{
    /* Slices that end at the latest on a quarter boundary complete at most one quarter. */
    while (n > 0) {
        unsigned c = m->kw.len - m->kw.pos;
        if (c > n) c = n;
        double q;
        if (loudness_kw_process(&m->kw, l, r, c, &q, 1)) loudness_gate_add(m->gate, q);
        l += c, r += c, n -= c;
    }
}
