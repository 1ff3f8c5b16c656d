/* server/server.h: the composition: the one explicit server struct, each module's state in it,
 * and stemd's life (init, run, fini). Each module's interface is its own header (engine.h,
 * meters.h, ports.h, recorder.h, state.h, notify.h, config.h, control.h, publish.h,
 * presetlib.h, undo.h, ab.h). */
#ifndef STEMD_SERVER_H
#define STEMD_SERVER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "dsp/mix.h"
#include "dsp/params.h"
#include "dsp/preset.h"
#include "server/ab.h"
#include "server/config.h"
#include "server/control.h"
#include "server/engine.h"
#include "server/meters.h"
#include "server/notify.h"
#include "server/ports.h"
#include "server/presetlib.h"
#include "server/publish.h"
#include "server/recorder.h"
#include "server/scenes.h"
#include "server/undo.h"

struct stemd {
    struct stemd_config cfg;
    const char *names_ptr[STEMD_MAX_STEMS];
    struct params_names names;
    struct control ctl;
    struct engine eng;
    struct ports ports;
    struct notify notify;
    struct recorder rec;
    struct presetlib presets;
    struct undo undo;
    struct ab ab;
    struct scenes scenes;
    pthread_key_t rt_key; /* its destructor marks the process thread out of the callback */
    int rt_key_made;
    double start_s;
    char state_name[CONFIG_NAME_MAX + 8];
    /* Called on the main thread after a SIGHUP reloaded cfg (main.c hands the OSC layer its new
     * settings); NULL for none. */
    void (*on_reload)(struct stemd *sd, void *ctx);
    void *on_reload_ctx;
    /* Another layer's line family in the state file and presets (stemd_add_lines, before
     * stemd_init: the state is read there); NULL for none. */
    const struct stemd_lines *lines;
};

/* control.c: stemd_apply_preset with every bad line (a line family's and the parameters') told
 * to bad(ctx, file, line, reason) and nothing else said: for the preset library, which answers
 * each bad line. label (NULL: none) names the undo step of the changes; the changes applied are
 * counted in *nchanges (may be NULL). The line family's end runs after the writer lock is let go
 * (the MIDI thread takes its own lock, then the writer's). */
int stemd_apply_preset_each(struct stemd *sd, const char *text, const char *fname, int reset_first,
                            int source, const char *label, preset_error_fn bad, void *ctx,
                            size_t *nchanges, char *err, size_t errlen);

/* server.c: stemd's life */
int64_t stemd_now_ms(void); /* CLOCK_MONOTONIC_COARSE, in ms */
int stemd_init(struct stemd *sd);
void stemd_fini(struct stemd *sd);
/* Run until SIGTERM/SIGINT (or *stop becomes non-zero, for embedding). Returns 0, or a
 * negative error when stemd cannot run (name taken, no server with --no-wait). */
int stemd_run(struct stemd *sd, int argc, char **argv, atomic_int *stop);

#endif
