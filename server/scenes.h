/* server/scenes.h: 8 scene slots, each a stored copy of every value, recalled at once or with a
 * morph of up to MORPH_MAX_SECONDS (dsp/morph.h: sample-accurate, the same in stemd-render
 * --scene).
 *
 * A store copies the live values into slot N (1..8) with a name (presetlib's rules; "scene N"
 * when none is given). With --state-dir each slot is kept in STATE_DIR/JACKNAME.sceneN: a
 * preset (stems by name) under a "# stemd scene N: NAME" line, written atomically after each
 * store, read back at start (a file that does not fit the mix is logged and set aside as
 * .rejected). stemd-render takes that file as it is: --scene FILE@TIME[:SECONDS].
 *
 * A recall applies the slot's values as one change (one snapshot, one undo step "scene recall
 * N"); with SECONDS > 0 the snapshot carries a morph plan from the values before it, which the
 * process thread runs from its next sub-block boundary. Control threads only; the scenes' lock
 * is taken before the writer lock. */
#ifndef STEMD_SCENES_H
#define STEMD_SCENES_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "dsp/params.h"

#define STEMD_SCENES         8
#define STEMD_SCENE_NAME_MAX 65 /* bytes with the NUL: presetlib's 64 */

struct stemd;

struct scene {
    int used;
    char name[STEMD_SCENE_NAME_MAX];
    int64_t stored_s; /* Unix time of the store */
    struct params *p;
};

struct scenes {
    int ready;
    pthread_mutex_t lock;
    struct scene slot[STEMD_SCENES];
    struct param_change *scratch; /* every parameter: one apply */
    uint64_t next_id;             /* morph plan ids */
    int last;                     /* the last recall's slot (0: none yet) */
    float last_seconds;
    uint64_t last_id; /* its plan (0: an instant recall) */
};

/* After the state and the A/B slots: the slots from their files. 0 or -ENOMEM. */
int scenes_init(struct stemd *sd);
void scenes_fini(struct stemd *sd);

/* Store the live values in slot n (1..STEMD_SCENES) as name (NULL or "": "scene N"). Returns 0;
 * -EINVAL (a slot out of range, a bad name), -ENOMEM, or the state file's -errno (the slot is
 * kept in memory all the same); err says why. */
int stemd_scene_store(struct stemd *sd, int n, const char *name, char *err, size_t errlen);
/* Recall slot n, morphing over seconds (0: at once; up to MORPH_MAX_SECONDS). Returns 0, or
 * -EINVAL (no such slot, an empty one, seconds out of range), -ENOMEM; err says why. */
int stemd_scene_recall(struct stemd *sd, int n, double seconds, int source, char *err,
                       size_t errlen);

struct stemd_scene_info {
    int used;
    char name[STEMD_SCENE_NAME_MAX];
    int64_t stored_s;
};
/* Every slot, 1..STEMD_SCENES in out[0..7]. */
void stemd_scene_list(struct stemd *sd, struct stemd_scene_info out[STEMD_SCENES]);

/* The last recall: its slot (0: none), seconds, and its morph: 0 not started yet (or an instant
 * recall: then *frame is 0), 1 running, 2 done; *frame its first JACK frame. */
struct stemd_scene_morph {
    int slot;
    float seconds;
    int state;
    uint64_t frame;
};
void stemd_scene_morph(struct stemd *sd, struct stemd_scene_morph *m);

#endif
