/* server/metertable.c: each meter's value from the server's readings (server/metertable.h).
 * The one place that says which reading a meter of server/meters.def is. */
#include "server/metertable.h"

#include <math.h>

static float db(double lin)
{
    double d = lin > 0 ? 20 * log10(lin) : METER_FLOOR_DB;
    return (float)(d < METER_FLOOR_DB ? METER_FLOOR_DB : d);
}

static float lufs(double v)
{
    return (float)(isfinite(v) && v > METER_FLOOR_DB ? v : METER_FLOOR_DB);
}

void meter_stem_values(const struct mix_stem_meters *s, double rms_lin, float out[SM_COUNT])
{
    out[SM_PEAK_L] = db(s->peak_l);
    out[SM_PEAK_R] = db(s->peak_r);
    out[SM_RMS] = db(rms_lin);
    out[SM_GR] = s->gr_db;
    out[SM_DEESS] = s->deess_db;
    _Static_assert(SM_DEQ4 - SM_DEQ1 + 1 == STEMD_DEQ_BANDS, "a meter per dynamic EQ band");
    for (unsigned b = 0; b < STEMD_DEQ_BANDS; b++)
        out[SM_DEQ1 + b] = s->deq_db[b];
}

void meter_bus_values(const struct mix_bus_meters *b, const struct stemd_loudness *l,
                      float out[BM_COUNT])
{
    out[BM_PEAK_L] = db(b->peak_l);
    out[BM_PEAK_R] = db(b->peak_r);
    out[BM_TRUE_PEAK] = db(b->true_peak);
    out[BM_LUFS_M] = lufs(l->momentary_lufs);
    out[BM_LUFS_S] = lufs(l->short_term_lufs);
    out[BM_LUFS_I] = lufs(l->integrated_lufs);
    out[BM_LRA] = (float)(isfinite(l->lra_lu) ? l->lra_lu : 0);
    out[BM_CORRELATION] = b->correlation;
    out[BM_GR_LIMITER] = b->gr_limiter_db;
    _Static_assert(BM_GR_BAND3 - BM_GR_BAND1 + 1 == STEMD_MB_BANDS, "a meter per band");
    for (unsigned k = 0; k < STEMD_MB_BANDS; k++)
        out[BM_GR_BAND1 + k] = b->gr_band_db[k];
    out[BM_COMPARE_GAIN] = b->compare_gain_db;
}
