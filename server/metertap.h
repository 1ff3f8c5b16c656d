/* server/metertap.h: the meter taps' side of server/ (their public API is control.h's
 * stemd_meter_tap_*): stemd_take_meters' share and the teardown. Internal to server/. */
#ifndef STEMD_METERTAP_H
#define STEMD_METERTAP_H

#include "dsp/mix.h"

struct stemd;

/* stemd_take_meters' reading, with ctl.mlock held: straight from the accumulators while no tap
 * exists, else its share of every take. */
void metertap_take_primary(struct stemd *sd, struct mix_meters *out);
/* Free every tap and the shared records (control_fini: no reader is left). */
void metertap_fini(struct stemd *sd);

#endif
