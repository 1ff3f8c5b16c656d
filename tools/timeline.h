/* tools/timeline.h: stemd-render's scene recalls (--scene FILE@TIME[:SECONDS]): what the server
 * does on /scene/recall, at a frame of the render, through the same morph (dsp/morph.h).
 *
 * A recall takes effect at the first DSP_SUB-frame boundary at or after its time (the process
 * thread starts one at a period boundary, which is one); SECONDS 0 or none is at once. The
 * scene file is a preset (the server's STATE_DIR/JACKNAME.sceneN is one) applied over the
 * starting values. Each stage of the render (the stems, the master bus) walks the recalls with
 * its own struct timeline_stage: the two compute the same values for the same frames. */
#ifndef STEMD_TIMELINE_H
#define STEMD_TIMELINE_H

#include <stdint.h>

#include "dsp/morph.h"
#include "dsp/params.h"

#define TIMELINE_MAX 64

struct timeline_ev {
    long long frame;         /* a multiple of DSP_SUB */
    double seconds;          /* the morph, 0 for none */
    struct params *p;        /* the values from frame on */
    struct morph_plan *plan; /* from the values before, or NULL */
    char file[256];
};

struct timeline {
    unsigned n;
    struct timeline_ev ev[TIMELINE_MAX];
};

/* Parse one --scene argument and read its file (read: a malloc'd text, NULL with errno) onto
 * base's values (names for the stems). Returns 0, or -1 with the reason in err. */
int timeline_add(struct timeline *t, const char *arg, const struct params *base,
                 const struct params_names *names, double rate, char *(*read)(const char *),
                 char *err, size_t errlen);
/* After the last add: order the recalls by frame and make their morphs, each from the values
 * before it (base for the first). Returns 0, or -1 when out of memory. */
int timeline_finish(struct timeline *t, const struct params *base, double rate);
void timeline_free(struct timeline *t);

struct timeline_stage {
    const struct timeline *t;
    struct morph *mo;
    unsigned next;
    const struct params *live;
    uint64_t seq;
    const struct morph_plan *plan;
};

/* One stage's walk, from frame 0 with base's values. 0, or -1 when out of memory. */
int timeline_stage_init(struct timeline_stage *s, const struct timeline *t,
                        const struct params *base);
void timeline_stage_free(struct timeline_stage *s);

/* Frames at .. at+n-1 of the stage through fn (morph_run's pieces: fn(ctx, values, offset in
 * the n frames, frames)). Calls come in frame order. */
void timeline_run(struct timeline_stage *s, long long at, unsigned n, morph_fn fn, void *ctx);

#endif
