/* dsp/limiter.c: the lookahead true-peak limiter (see limiter.h for the design and its margins). */
#include "dsp/limiter.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dsp/table.h"

#define ONE_Q     (1u << 24) /* 1.0 in the boxcar's fixed point */
#define SMOOTH_MS 8.0        /* ceiling and drive: one-pole time constant, 99 % in 37 ms */
/* The release lands on the envelope once closer than this (-170 dB: no step anyone hears, and
 * no crawl through denormals). */
#define DEPTH_SNAP 3e-9f

static unsigned look_frames(const struct limiter *lim, float ms)
{
    long f = lround(ms * 0.001 * lim->rate);
    if (f < 1) f = 1;
    return f > (long)lim->look_max ? lim->look_max : (unsigned)f;
}

/* Store v at frame idx of a ring mirrored DSP_SUB frames past its end, so that any DSP_SUB
 * frames from any position can be read as one contiguous run. */
static inline void ring_put(float *a, unsigned mask, int64_t idx, float v)
{
    unsigned s = (unsigned)idx & mask;
    a[s] = v;
    if (s < DSP_SUB) a[s + mask + 1] = v;
}

/* Start the gain computer afresh at the current frame: nothing pending, no reduction; the
 * gains not yet computed read as the plain drive. */
static void gain_restart(struct limiter *lim)
{
    unsigned size = lim->mask + 1;
    truepeak_reset(&lim->tp);
    truepeak_reset(&lim->tpm);
    for (unsigned s = 0; s < size; s++) {
        lim->uq[s] = ONE_Q;
        lim->req[s] = 1.0f;
        lim->mpk[s] = 0.0f;
    }
    for (unsigned s = 0; s < size + DSP_SUB; s++)
        lim->gain[s] = lim->drv[s & lim->mask];
    lim->k_pushed = lim->n_in;
    lim->i_next = lim->n_in - (int64_t)(lim->look + LIMITER_HOLD + lim->tp_delay);
    lim->last_below = INT64_MIN / 2;
    lim->deficit = 0;
    lim->depth = 0.0f;
    lim->dq_head = lim->dq_tail = 0;
}

static void set_look(struct limiter *lim, unsigned look)
{
    lim->look = look;
    lim->inv_look = 1.0 / ((double)look * ONE_Q);
}

static void set_release(struct limiter *lim, float ms)
{
    lim->rel_ms = ms;
    lim->rel = (float)dsp_onepole_coef(ms, lim->rate, 1);
}

int limiter_init(struct limiter *lim, double rate_hz)
{
    memset(lim, 0, sizeof *lim);
    if (!(rate_hz >= 8000.0)) return -EINVAL;
    lim->rate = rate_hz;
    truepeak_init_fine(&lim->tp, rate_hz, LIMITER_TP_RATE, LIMITER_TP_TAPS);
    lim->tp_delay = truepeak_delay(&lim->tp);
    truepeak_init_meter(&lim->tpm, rate_hz);
    /* The meter's interpolator is the shorter at every rate (5, 11 or 0 frames against 23), so
     * its readings wait in mpk until the fine detector's of the same interval come. */
    lim->tpm_lag = lim->tp_delay - truepeak_delay(&lim->tpm);
    lim->latency = (unsigned)lround(LIMITER_LATENCY_MS * 0.001 * rate_hz);
    if (lim->latency < lim->tp_delay + LIMITER_HOLD + 1)
        lim->latency = lim->tp_delay + LIMITER_HOLD + 1;
    lim->look_max = lim->latency - lim->tp_delay - LIMITER_HOLD;
    unsigned size = 64;
    while (size < lim->latency + 2 * DSP_SUB)
        size *= 2;
    lim->mask = size - 1;

    /* one block: int64 first for alignment, then the 4-byte arrays */
    size_t n64 = size, nf = 3 * (size + DSP_SUB) + 4 * (size_t)size, nu = size;
    char *m = calloc(1, n64 * sizeof(int64_t) + nf * sizeof(float) + nu * sizeof(uint32_t));
    if (!m) return -ENOMEM;
    lim->mem = m;
    lim->dq_idx = (int64_t *)(void *)m;
    float *f = (float *)(void *)(m + n64 * sizeof(int64_t));
    lim->dl = f, f += size + DSP_SUB;
    lim->dr = f, f += size + DSP_SUB;
    lim->gain = f, f += size + DSP_SUB;
    lim->drv = f, f += size;
    lim->req = f, f += size;
    lim->dq_val = f, f += size;
    lim->mpk = f, f += size;
    lim->uq = (uint32_t *)(void *)f;

    lim->k_smooth = smooth_coef(rate_hz, SMOOTH_MS);
    const struct table_row *t = table_bus;
    lim->on_t = t[BUS_LIM_ON].def != 0.0f;
    lim->ceiling_db_t = t[BUS_LIM_CEILING].def;
    lim->release_ms_t = t[BUS_LIM_RELEASE].def;
    lim->lookahead_ms_t = t[BUS_LIM_LOOKAHEAD].def;
    lim->drive_db_t = t[BUS_LIM_DRIVE].def;
    lim->look_t = look_frames(lim, lim->lookahead_ms_t);
    limiter_reset(lim);
    return 0;
}

void limiter_free(struct limiter *lim)
{
    free(lim->mem);
    lim->mem = NULL;
}

void limiter_reset(struct limiter *lim)
{
    unsigned size = lim->mask + 1;
    lim->ceiling_db = lim->ceiling_db_t;
    lim->drive_db = lim->drive_db_t;
    lim->ceil_lin = dsp_db_to_lin(lim->ceiling_db - LIMITER_MARGIN_DB);
    lim->drive0 = lim->drive1 = dsp_db_to_lin(lim->drive_db);
    set_release(lim, lim->release_ms_t);
    set_look(lim, lim->look_t);
    xfade_init(&lim->on, lim->rate, lim->on_t);
    memset(lim->dl, 0, (size + DSP_SUB) * sizeof *lim->dl);
    memset(lim->dr, 0, (size + DSP_SUB) * sizeof *lim->dr);
    for (unsigned s = 0; s < size; s++)
        lim->drv[s] = lim->drive1;
    lim->n_in = 0;
    lim->sub_pos = 0;
    lim->depth_max = 0.0f;
    gain_restart(lim);
}

unsigned limiter_latency(const struct limiter *lim)
{
    return lim->latency;
}

int limiter_set(struct limiter *lim, int on, float ceiling_db, float release_ms, float lookahead_ms,
                float drive_db)
{
    int bad = 0;
    lim->on_t = !!on;
    if (isfinite(ceiling_db))
        lim->ceiling_db_t =
            dsp_clampf(ceiling_db, table_bus[BUS_LIM_CEILING].min, table_bus[BUS_LIM_CEILING].max);
    else
        bad = 1;
    if (isfinite(release_ms))
        lim->release_ms_t =
            dsp_clampf(release_ms, table_bus[BUS_LIM_RELEASE].min, table_bus[BUS_LIM_RELEASE].max);
    else
        bad = 1;
    if (isfinite(drive_db))
        lim->drive_db_t =
            dsp_clampf(drive_db, table_bus[BUS_LIM_DRIVE].min, table_bus[BUS_LIM_DRIVE].max);
    else
        bad = 1;
    if (isfinite(lookahead_ms)) {
        lookahead_ms =
            dsp_clampf(lookahead_ms, table_bus[BUS_LIM_LOOKAHEAD].min, LIMITER_LOOKAHEAD_MAX_MS);
        if (lookahead_ms != lim->lookahead_ms_t) {
            lim->lookahead_ms_t = lookahead_ms;
            lim->look_t = look_frames(lim, lookahead_ms);
        }
    } else {
        bad = 1;
    }
    return bad ? -EINVAL : 0;
}

/* The ceiling's and drive's one-pole glides land exactly on the target when within 1e-4 dB. */
#define GLIDE_SNAP_DB 1e-4f

/* At each sub-block start: move the smoothed parameters one step. */
static void sub_block_start(struct limiter *lim)
{
    /* Recovery: no state can go non-finite with finite parameters, but never stay broken. */
    if (!(lim->depth >= 0.0f && lim->depth <= 1.0f) || !isfinite(lim->ceiling_db) ||
        !isfinite(lim->drive_db))
        limiter_reset(lim);

    int idle = xfade_idle_off(&lim->on);
    if (lim->on_t && idle) {
        set_look(lim, lim->look_t);
        gain_restart(lim);
        idle = 0;
    }
    xfade_set(&lim->on, lim->on_t);

    if (lim->ceiling_db != lim->ceiling_db_t) {
        lim->ceiling_db =
            smooth_pole(lim->ceiling_db, lim->ceiling_db_t, lim->k_smooth, GLIDE_SNAP_DB);
        lim->ceil_lin = dsp_db_to_lin(lim->ceiling_db - LIMITER_MARGIN_DB);
    }
    lim->drive0 = lim->drive1;
    if (lim->drive_db != lim->drive_db_t) {
        lim->drive_db = smooth_pole(lim->drive_db, lim->drive_db_t, lim->k_smooth, GLIDE_SNAP_DB);
        lim->drive1 = dsp_db_to_lin(lim->drive_db);
    }
    if (lim->release_ms_t != lim->rel_ms) set_release(lim, lim->release_ms_t);

    /* The attack length moves one frame per sub-block. Growing adds the next older window
     * minimum to the boxcar, shrinking drops the oldest, so the boxcar changes by at most one
     * frame's share, like one step of a normal ramp. */
    if (lim->look != lim->look_t) {
        if (idle) {
            set_look(lim, lim->look_t);
        } else if (lim->look < lim->look_t) {
            int64_t old = lim->i_next - (int64_t)lim->look - 1;
            lim->deficit += ONE_Q - lim->uq[(uint64_t)old & lim->mask];
            set_look(lim, lim->look + 1);
        } else {
            int64_t old = lim->i_next - (int64_t)lim->look;
            lim->deficit -= ONE_Q - lim->uq[(uint64_t)old & lim->mask];
            set_look(lim, lim->look - 1);
        }
    }
}

/* Compute the gains of every frame whose window is complete once interval `top` is known. */
static void gain_compute(struct limiter *lim, int64_t top)
{
    const unsigned mask = lim->mask;
    const int64_t ahead = (int64_t)(lim->look + LIMITER_HOLD + lim->tp_delay);
    const int64_t back = (int64_t)lim->tp_delay - LIMITER_HOLD;
    int64_t i = lim->i_next, i_end = top - ahead;
    if (i > i_end) return;

    /* Idle: no reduction and none coming. The slow path would do exactly this. */
    if (lim->depth == 0.0f && lim->deficit == 0 && lim->last_below < lim->k_pushed &&
        (lim->dq_head == lim->dq_tail || lim->dq_val[lim->dq_head & mask] == 1.0f)) {
        for (; i <= i_end; i++) {
            lim->uq[(uint64_t)i & mask] = ONE_Q;
            ring_put(lim->gain, mask, i, lim->drv[(uint64_t)i & mask]);
        }
        lim->dq_head = 0;
        lim->dq_tail = 1;
        lim->dq_idx[0] = top;
        lim->dq_val[0] = 1.0f;
        lim->k_pushed = top + 1;
        lim->i_next = i;
        return;
    }

    uint64_t deficit = lim->deficit;
    float depth = lim->depth, dmax = lim->depth_max, rel = lim->rel;
    unsigned head = lim->dq_head, tail = lim->dq_tail;
    int64_t kp = lim->k_pushed;
    const unsigned look = lim->look;
    const double inv = lim->inv_look;
    for (; i <= i_end; i++) {
        /* the window of intervals [i + G - HOLD, i + L + HOLD + G] */
        for (; kp <= i + ahead; kp++) {
            float v = lim->req[(uint64_t)kp & mask];
            while (tail != head && lim->dq_val[(tail - 1) & mask] >= v)
                tail--;
            lim->dq_idx[tail & mask] = kp;
            lim->dq_val[tail & mask] = v;
            tail++;
        }
        while (lim->dq_idx[head & mask] < i + back)
            head++;
        uint32_t q = (uint32_t)(lim->dq_val[head & mask] * (float)ONE_Q); /* rounds down */
        deficit += ONE_Q - q;
        deficit -= ONE_Q - lim->uq[(uint64_t)(i - look) & mask];
        lim->uq[(uint64_t)i & mask] = q;
        float e = (float)((double)deficit * inv); /* 1 - boxcar average */
        if (e >= depth) {
            depth = e; /* attack: follow the ramp */
        } else {
            depth -= rel * (depth - e); /* release, never above the envelope */
            if (depth - e < DEPTH_SNAP) depth = e;
        }
        dmax = depth > dmax ? depth : dmax;
        ring_put(lim->gain, mask, i, (1.0f - depth) * lim->drv[(uint64_t)i & mask]);
    }
    lim->deficit = deficit;
    lim->depth = depth;
    lim->depth_max = dmax;
    lim->dq_head = head;
    lim->dq_tail = tail;
    lim->k_pushed = kp;
    lim->i_next = i;
}

/* How many of the next n frames xfade_mix2 must mix: it stops where w lands on 0 or 1. From
 * there on the output must be exactly the dry (or wet) signal, as it is for a host that slices
 * the frames differently and so skips the mix once xfade_idle_off / xfade_full_on holds: mixing
 * with w = 1 gives dry + (wet - dry), which can differ from wet in the last bit. */
static unsigned fade_frames(const struct xfade *x, unsigned n)
{
    float w = x->w, d = x->target ? x->step : -x->step;
    for (unsigned j = 0; j < n; j++) {
        w += d;
        w = w < 0.0f ? 0.0f : w > 1.0f ? 1.0f : w;
        if (w == 0.0f || w == 1.0f) return j + 1;
    }
    return n;
}

/* n <= DSP_SUB - sub_pos frames, all inside the current sub-block. */
static void run(struct limiter *lim, float *l, float *r, unsigned n)
{
    const unsigned mask = lim->mask;
    const int64_t n0 = lim->n_in;
    int idle = xfade_idle_off(&lim->on);

    float d0 = lim->drive0, dd = (lim->drive1 - lim->drive0) * (1.0f / DSP_SUB);
    for (unsigned j = 0; j < n; j++) {
        float g = d0 + dd * (float)(lim->sub_pos + j + 1);
        lim->drv[(uint64_t)(n0 + j) & mask] = g;
        lim->xl[j] = l[j] * g;
        lim->xr[j] = r[j] * g;
        ring_put(lim->dl, mask, n0 + j, l[j]);
        ring_put(lim->dr, mask, n0 + j, r[j]);
    }
    lim->n_in = n0 + n;

    if (!idle) {
        truepeak_process(&lim->tp, lim->xl, lim->xr, n, lim->pk);
        truepeak_process(&lim->tpm, lim->xl, lim->xr, n, lim->pkm);
        for (unsigned j = 0; j < n; j++)
            lim->mpk[(uint64_t)(n0 + j) & mask] = lim->pkm[j];
        const float c = lim->ceil_lin;
        int64_t below = lim->last_below;
        for (unsigned j = 0; j < n; j++) {
            /* the larger of the fine reading and the common meter's of the same interval */
            float p = lim->pk[j], pm = lim->mpk[(uint64_t)(n0 + j - lim->tpm_lag) & mask];
            p = pm > p ? pm : p;           /* NaN in pm never wins; NaN in p stays NaN -> q = 1 */
            float q = c / (p > c ? p : c); /* exactly 1.0f at or under the ceiling; NaN -> 1 */
            lim->req[(uint64_t)(n0 + j) & mask] = q;
            below = q < 1.0f ? n0 + (int64_t)j : below;
        }
        lim->last_below = below;
        gain_compute(lim, n0 + n - 1);
    }

    unsigned s = (uint64_t)(n0 - lim->latency) & mask;
    const float *al = lim->dl + s, *ar = lim->dr + s;
    if (idle) {
        memcpy(l, al, n * sizeof *l);
        memcpy(r, ar, n * sizeof *r);
        return;
    }
    const float *g = lim->gain + s;
    for (unsigned j = 0; j < n; j++) {
        l[j] = al[j] * g[j];
        r[j] = ar[j] * g[j];
    }
    if (!xfade_full_on(&lim->on)) {
        unsigned k = fade_frames(&lim->on, n);
        xfade_mix2(&lim->on, al, ar, l, r, k);
        if (k < n && lim->on.w == 0.0f) {
            memcpy(l + k, al + k, (n - k) * sizeof *l);
            memcpy(r + k, ar + k, (n - k) * sizeof *r);
        }
    }
}

void limiter_process(struct limiter *lim, float *l, float *r, unsigned n)
{
    DSP_SUB_WALK (w, &lim->sub_pos, n) {
        if (w.off == 0) sub_block_start(lim);
        run(lim, l + w.done, r + w.done, w.n);
    }
}

float limiter_gr_db(const struct limiter *lim)
{
    if (xfade_idle_off(&lim->on)) return 0.0f;
    return -dsp_lin_to_db(1.0f - lim->depth);
}

float limiter_take_max_gr_db(struct limiter *lim)
{
    float d = lim->depth_max;
    lim->depth_max = 0.0f;
    return d > 0.0f ? -dsp_lin_to_db(1.0f - d) : 0.0f;
}
