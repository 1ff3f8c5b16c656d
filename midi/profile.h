/* midi/profile.h: the MIDI layer's view of a fixed surface profile (the Mackie Control one,
 * midi/mcu.h). When stemd is built without midi/mcu.c, midi_profile_new says so and fails. */
#ifndef STEMD_MIDI_PROFILE_H
#define STEMD_MIDI_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "midi/emit.h"

struct stemd;
struct midi_profile;

/* 1 when the MCU profile is built in. */
int midi_profile_available(void);
/* Create it (it registers its own change listener). 0, or negative with the reason in err. */
int midi_profile_new(struct stemd *sd, struct midi_profile **out, char *err, size_t errlen);
void midi_profile_free(struct midi_profile *p); /* NULL is fine */
/* One complete parsed message (SysEx from F0 to F7). */
void midi_profile_input(struct midi_profile *p, const uint8_t *msg, size_t len, midi_emit_fn emit,
                        void *ctx);
/* Every <= 10 ms: feedback, meters, scribble strips. */
void midi_profile_tick(struct midi_profile *p, uint64_t now_ms, midi_emit_fn emit, void *ctx);

#endif
