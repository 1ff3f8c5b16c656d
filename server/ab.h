/* server/ab.h: two live slots, A and B, for comparing two versions of the whole mix.
 *
 * The live parameters are the active slot's; the other slot is a full copy of every value kept
 * beside them. Selecting the other slot swaps the two: the live values go into the slot being
 * left, the other slot's become live, in one snapshot (one undo step, "A/B select B"). A copy
 * A>B makes B equal to A (live when A is active); when the copy's target is the active slot the
 * live values change (one snapshot, one undo step). With --state-dir the active slot's name and
 * the other slot's values are kept in STATE_DIR/JACKNAME.ab (preset text, stems by name, written
 * atomically after every select and copy; the live values are the state file's, as ever), and
 * read back at start. Control threads only; ab_lock serialises the operations, the writer lock is
 * held only for the swap. */
#ifndef STEMD_AB_H
#define STEMD_AB_H

#include <pthread.h>
#include <stddef.h>

#include "dsp/params.h"

struct stemd;

struct ab {
    int ready;
    pthread_mutex_t lock;
    char active;                  /* 'A' or 'B' */
    struct params *other;         /* the slot not active */
    struct param_change *scratch; /* every parameter: one apply */
};

/* After the state is loaded: the other slot from the .ab file when there is one (one that does
 * not fit the mix is logged and set aside as JACKNAME.ab.rejected), else a copy of the live
 * values; A active. Returns 0 or -ENOMEM. */
int ab_init(struct stemd *sd);
void ab_fini(struct stemd *sd);

/* Make slot ('A' or 'B') the live one. Returns 0 (also when it already is); -EINVAL for another
 * slot name; -ENOMEM; err says why. */
int stemd_ab_select(struct stemd *sd, char slot, int source, char *err, size_t errlen);
/* Copy slot from to slot to (the two differ). Returns 0, -EINVAL, -ENOMEM. */
int stemd_ab_copy(struct stemd *sd, char from, char to, int source, char *err, size_t errlen);
/* The active slot: 'A' or 'B'. */
char stemd_ab_active(struct stemd *sd);

#endif
