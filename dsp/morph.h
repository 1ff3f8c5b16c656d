/* dsp/morph.h: a scene recall's morph, sample-accurate and the same live and offline.
 *
 * A recall with a time publishes the scene's values as the live parameters together with a
 * plan: the values before the recall (`from`), the length in DSP_SUB sub-blocks, and the
 * parameters that morph (a bit each; a change made during the morph clears its bit, and that
 * parameter follows its new value at once). The process thread (or stemd-render, in the same
 * code) asks morph_run for the values of each sub-block: from the first sub-block boundary
 * where it meets a new plan, every parameter whose value in use differs from the live one moves
 * along its taper (params_to_norm / params_from_norm: a frequency geometrically, a fader along
 * its fader law), linearly in that 0..1 travel, reaching the live value exactly at the plan's
 * last sub-block; a switch, an enum and a stem selector change at the midpoint (the units
 * crossfade their own switches, as for any change). A plan that arrives while another morph
 * runs starts from the values in use, wherever the first one had got to: nothing jumps.
 *
 * Bounded work per sub-block: at most MORPH_BUDGET moving parameters are recomputed (a
 * round-robin over the rest: with more moving, each is refreshed every few sub-blocks; the DSP
 * units glide between). Starting a plan scans every parameter once (compares, no
 * transcendental functions); a snapshot published during a morph costs one copy of the values.
 *
 * Threads: the plan is built and freed by control code (it is immutable in between: readers
 * meet it through the snapshot that points to it); struct morph belongs to the one thread that
 * calls morph_run, which allocates nothing. */
#ifndef STEMD_MORPH_H
#define STEMD_MORPH_H

#include <stdint.h>

#include "dsp/params.h"

/* The longest morph a recall may ask for, in seconds. */
#define MORPH_MAX_SECONDS 10.0f
/* Moving parameters recomputed per sub-block, at most (~50 ns each with a log taper). */
#define MORPH_BUDGET 512

struct morph_plan {
    uint64_t id;         /* a new id is a new recall */
    uint64_t gen;        /* the same id with new bits (its changes): a new gen */
    unsigned len;        /* sub-blocks, >= 1 */
    unsigned nvals;      /* values in a snapshot of this mix */
    struct params *from; /* the values before the recall */
    uint8_t *bits;       /* nvals bits: 1 = this value morphs */
    /* The recall's previous plan, and the values to start from instead of `from` when the
     * process thread never started it (both recalls within one period): from, with that plan's
     * own starting values for its values. 0 and NULL: none. */
    uint64_t prev_id;
    struct params *alt;
};

/* Not RT. A plan of id for a mix of from->nstems stems over seconds (0 < seconds <=
 * MORPH_MAX_SECONDS, rounded to whole sub-blocks, at least one) at rate Hz; every value morphs.
 * NULL when out of memory or the arguments are out of range. */
struct morph_plan *morph_plan_new(uint64_t id, const struct params *from, double seconds,
                                  double rate);
/* Not RT. A copy of plan with the bits of the n values at offs[] cleared (offsets as
 * morph_offset gives). NULL when out of memory. */
struct morph_plan *morph_plan_without(const struct morph_plan *plan, const unsigned *offs,
                                      unsigned n);
/* Does value off (morph_offset) morph in plan? */
int morph_plan_has(const struct morph_plan *plan, unsigned off);
/* Not RT: p follows old (the plan in force when p's recall came): p->prev_id and p->alt are
 * set, and the process thread decides (morph_run) which starting values hold. -1 when out of
 * memory (p is then unchanged: it starts from its own `from`). */
int morph_plan_follow(struct morph_plan *p, const struct morph_plan *old);
void morph_plan_free(void *plan);

/* The offset of ref's value among a snapshot's values (bus first, then stem by stem). */
unsigned morph_offset(const struct param_ref *ref);

struct morph;

/* Not RT: the state for a mix of nstems stems. NULL when out of memory. */
struct morph *morph_new(unsigned nstems);
void morph_free(struct morph *m);
/* RT: forget any morph (a reset of the graph). */
void morph_reset(struct morph *m);
/* RT: take plan id as run already (a new graph for a new sample rate must not replay the morph
 * the old one ran or was running). */
void morph_seed(struct morph *m, uint64_t id);

/* RT: run fn over n frames in pieces, each piece with the parameters of its sub-blocks.
 * phase is the stage's frame position in its current sub-block (mix_phase); live the published
 * values, seq their snapshot's number (a new seq is a new snapshot), plan its plan (NULL: none).
 * Without a morph to run this is one call fn(ctx, live, 0, n). Returns 1 when a plan started in
 * this call, *started_at then its first frame (0..n-1). */
typedef void (*morph_fn)(void *ctx, const struct params *p, unsigned off, unsigned n);
int morph_run(struct morph *m, unsigned phase, const struct params *live, uint64_t seq,
              const struct morph_plan *plan, unsigned n, morph_fn fn, void *ctx,
              unsigned *started_at);
/* RT: the id of the last plan that ran to its end (0 for none). */
uint64_t morph_done_id(const struct morph *m);
/* RT: 1 while a morph moves values. */
int morph_active(const struct morph *m);

#endif
