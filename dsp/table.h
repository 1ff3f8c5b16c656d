/* dsp/table.h: the parameter table's ranges and defaults as constants, for the units.
 *
 * A unit's clamp ranges and initial state are the table's (dsp/params.def), read here rather
 * than written again in the unit, so changing a row changes the unit. The arrays are indexed by
 * a row's first slot (STEM_COMP_RATIO, BUS_EQ_FREQ): an indexed row has one range and one
 * default for all of its slots. Constant data, folded by the compiler where the index is a
 * constant; nothing here allocates or runs at start-up.
 *
 * Enum values (EQ types, slopes, the detector, dither modes) cannot be generated from the
 * table's "a|b|c" strings by the preprocessor: each unit's enum is written in its header and
 * tests/test_table.c compares every one with the table's names, by string. */
#ifndef STEMD_TABLE_H
#define STEMD_TABLE_H

#include "dsp/params.h"

struct table_row {
    float min, max, def;
};

#define TABLE_ROW_(id, name, count, type, unit, min_, max_, def_, ...)                             \
    [id] = {.min = (float)(min_), .max = (float)(max_), .def = (float)(def_)},
static const struct table_row table_stem[STEM_NPARAMS] = {STEMD_STEM_PARAMS(TABLE_ROW_)};
static const struct table_row table_bus[BUS_NPARAMS] = {STEMD_BUS_PARAMS(TABLE_ROW_)};
#undef TABLE_ROW_

/* Every slot of a stem's or the bus's parameter row at the table's default (for a unit's
 * initial state: the unit starts as a snapshot of defaults would set it). */
#define TABLE_FILL_(id, name, count, type, unit, min_, max_, def_, ...)                            \
    for (unsigned i_ = 0; i_ < (unsigned)(count); i_++)                                            \
        v[(id) + i_] = (float)(def_);
static inline void table_stem_defaults(float v[STEM_NPARAMS])
{
    STEMD_STEM_PARAMS(TABLE_FILL_)
}
static inline void table_bus_defaults(float v[BUS_NPARAMS])
{
    STEMD_BUS_PARAMS(TABLE_FILL_)
}
#undef TABLE_FILL_

#endif
