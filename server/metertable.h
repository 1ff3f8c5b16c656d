/* server/metertable.h: the meters of server/meters.def as enums and rows, and their values in
 * the table's order. The rows are header-only (stemctl reads them without the server library);
 * the values need libstemd-server. Any thread. */
#ifndef STEMD_METERTABLE_H
#define STEMD_METERTABLE_H

#include "dsp/mix.h"
#include "server/control.h"

enum stem_meter {
#define STEM_METER(id, name, unit, lo, hi, desc) SM_##id,
#define BUS_METER(id, name, unit, lo, hi, desc)
#include "server/meters.def"
#undef STEM_METER
#undef BUS_METER
    SM_COUNT
};
enum bus_meter {
#define STEM_METER(id, name, unit, lo, hi, desc)
#define BUS_METER(id, name, unit, lo, hi, desc) BM_##id,
#include "server/meters.def"
#undef STEM_METER
#undef BUS_METER
    BM_COUNT
};

/* Room for either scope's readings. */
#define METER_MAX ((int)SM_COUNT > (int)BM_COUNT ? (int)SM_COUNT : (int)BM_COUNT)

struct meter_row {
    const char *name; /* the last part of its address */
    const char *unit; /* OSCQuery's, or NULL */
    float lo, hi;     /* a bar's empty and full ends */
    const char *desc;
};

/* Row i (< SM_COUNT) of the stem meters, and (< BM_COUNT) of the master's. */
static inline const struct meter_row *stem_meter_row(unsigned i)
{
    static const struct meter_row rows[SM_COUNT] = {
#define STEM_METER(id, name, unit, lo, hi, desc) {name, unit, lo, hi, desc},
#define BUS_METER(id, name, unit, lo, hi, desc)
#include "server/meters.def"
#undef STEM_METER
#undef BUS_METER
    };
    return &rows[i];
}
static inline const struct meter_row *bus_meter_row(unsigned i)
{
    static const struct meter_row rows[BM_COUNT] = {
#define STEM_METER(id, name, unit, lo, hi, desc)
#define BUS_METER(id, name, unit, lo, hi, desc) {name, unit, lo, hi, desc},
#include "server/meters.def"
#undef STEM_METER
#undef BUS_METER
    };
    return &rows[i];
}

#define METER_FLOOR_DB (-120.0) /* silence, and loudness not measured yet */

/* One stem's readings in the table's order (dB, floored at METER_FLOOR_DB); rms_lin replaces
 * s->rms (a reader that accumulated several takes has its own mean). */
void meter_stem_values(const struct mix_stem_meters *s, double rms_lin, float out[SM_COUNT]);
/* The master's, with the loudness. */
void meter_bus_values(const struct mix_bus_meters *b, const struct stemd_loudness *l,
                      float out[BM_COUNT]);

#endif
