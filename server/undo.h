/* server/undo.h: undo and redo of parameter changes from every source, one step per batch (a
 * set, an OSC bundle, a preset load), recorded by a change listener (server/control.h).
 *
 * The design (docs/ARCHITECTURE.md, "Undo"): the listener hears only new values, so the module
 * keeps a shadow copy of every parameter (a struct params) and takes the old value from it. A
 * change is a record (parameter, old, new) appended to one ring of records allocated at start,
 * 2N + 8192 of them for N parameters; a step is a run of consecutive records (one batch) in a
 * ring of UNDO_MAX_STEPS step headers. The oldest steps are dropped when either ring is full, so
 * the listener never allocates and does a bounded amount of work per change; a whole-preset step
 * (at most N records: each parameter is heard once per batch) always fits. Steps before the
 * cursor can be undone, those after it redone; a new step drops the redo steps. An undo or redo
 * applies its records' old or new values as one stemd_apply with the source STEMD_SRC_UNDO,
 * which the listener follows in the shadow but does not record. All of it is guarded by the
 * server's writer lock (the listener runs with it held; the functions below take it). */
#ifndef STEMD_UNDO_H
#define STEMD_UNDO_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/params.h"

struct stemd;

#define UNDO_MAX_STEPS 256
#define UNDO_LABEL_MAX 80
#define UNDO_DESC_MAX  200

struct undo_rec {
    struct param_ref ref;
    float old_v, new_v;
};

struct undo_step {
    uint64_t batch;
    size_t start; /* first record (index into recs) */
    unsigned n;   /* records */
    char label[UNDO_LABEL_MAX];
};

struct undo {
    int ready;
    struct params *shadow; /* every value as the listener last heard it */
    struct undo_rec *recs; /* the ring of records */
    size_t rcap, rhead;    /* capacity; the oldest step's first record */
    size_t rused;          /* records held by the steps */
    struct undo_step steps[UNDO_MAX_STEPS];
    unsigned first, nsteps;       /* the oldest step's slot; steps held (undo and redo) */
    unsigned cur;                 /* steps that can be undone (the first cur of them) */
    int open;                     /* the newest step may take more records of its batch */
    char label[UNDO_LABEL_MAX];   /* for the next step opened (undo_label_next) */
    struct param_change *scratch; /* the changes of one undo or redo (N at most) */
    uint64_t dropped;             /* records that found no room (never, by the sizes) */
};

/* Start recording: after the state is loaded (that load is not a step). Registers the
 * listener. Returns 0, -ENOMEM or -ENOSPC (no listener slot left). */
int undo_init(struct stemd *sd);
void undo_fini(struct stemd *sd);

/* The label of the next step opened ("preset NAME"), NULL to clear it. The caller holds the
 * writer lock (sd->ctl.wlock) across this and its change, so the label meets its own batch. */
void undo_label_next(struct stemd *sd, const char *label);

/* Undo the newest step (redo the oldest undone one): its old (new) values as one snapshot.
 * desc gets the step's description. Returns 0; -ENOENT when there is nothing to undo (redo);
 * -ENODEV when undo is not running; -ENOMEM; err says why. */
int stemd_undo(struct stemd *sd, char *desc, size_t desclen, char *err, size_t errlen);
int stemd_redo(struct stemd *sd, char *desc, size_t desclen, char *err, size_t errlen);

/* The steps, oldest first: a description each ("/stem/vocals/fader -3 -> -6", "preset mix1
 * (212 changes)", "bundle of 3 changes: /bus/input 0 -> 2, ..."), and whether it is undone (can
 * be redone). *out malloc'd (free it), *n entries. Returns 0, -ENODEV or -ENOMEM. */
struct stemd_undo_entry {
    char desc[UNDO_DESC_MAX];
    int undone;
};
int stemd_undo_list(struct stemd *sd, struct stemd_undo_entry **out, size_t *n);

#endif
