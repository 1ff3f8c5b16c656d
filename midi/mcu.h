/* midi/mcu.h: the Mackie Control profile: an MCU-compatible surface drives the stems with no
 * learning (--midi-profile mcu), and its motors, LEDs, rings, scribble strips and meters follow.
 *
 * The module knows the Mackie Control messages and the server's typed API (server/control.h),
 * nothing of JACK: the MIDI transport hands it complete parsed messages (mcu_input) and calls
 * mcu_tick every <= 10 ms; whatever it sends goes out through the transport's emit function, one
 * complete message a call. All of mcu_* come from one thread (the MIDI thread), which need not be
 * real-time; the change listener mcu_new registers runs in whichever thread changed a parameter
 * and only marks what changed (a flag per stem element under the module's own mutex), so
 * feedback is built and sent by mcu_tick.
 *
 * The surface: 8 strips over stems bank..bank+7 (bank buttons move the window by 8, channel
 * buttons by 1); strip fader = /stem/S/fader through its taper; V-Pot = pan, width, trim or comp
 * threshold (press to cycle), its ring shows the value; mute, solo, select with LEDs; fader
 * touch; the master fader = /bus/output (mcu_set_master); scribble strip: stem names on top,
 * V-Pot parameter and value below; meters from a meter tap of its own. */
#ifndef STEMD_MIDI_MCU_H
#define STEMD_MIDI_MCU_H

#include <stddef.h>
#include <stdint.h>

#include "midi/emit.h"
#include "server/control.h"

struct stemd;
struct mcu;

/* The source of the changes the profile makes (server/control.h enum stemd_source: values below
 * STEMD_SRC_USER are the server's own; this one is taken for the MCU profile), so its own fader
 * moves are not sent back to the motor that made them. */
#define MCU_SOURCE (STEMD_SRC_USER - 2)

/* Make the profile for sd (stemd_init done): the master fader on /bus/output, the window on the
 * first stems, every strip element due to be sent on the first mcu_tick. Registers a change
 * listener and a meter tap. Returns 0 with *out; -ENOSPC when sd has no listener slot left, or
 * -ENOMEM, with the reason in err. */
int mcu_new(struct stemd *sd, struct mcu **out, char *err, size_t errlen);
/* Free m (NULL is fine). The server's listeners cannot be removed (server/control.h), so free it
 * only once no parameter can change any more (right before stemd_fini). */
void mcu_free(struct mcu *m);

/* The master fader's parameter instead of /bus/output: a path params_resolve takes (a stem's
 * parameter too, "/stem/vocals/fader"). Its feedback is sent on the next tick. Returns 0, or
 * -EINVAL with the reason in err (then nothing changes). */
int mcu_set_master(struct mcu *m, const char *path, char *err, size_t errlen);

/* One complete parsed MIDI message from the surface: a channel message with its status byte,
 * or a SysEx from F0 to F7. A change it makes goes through stemd_apply (source MCU_SOURCE);
 * button LEDs, rings and the display follow through emit (may be NULL: nothing is sent) or on
 * the next tick. Anything else (running-status leftovers, truncated or over-long messages, data
 * bytes >= 0x80, unknown SysEx, controls the profile does not use, strips with no stem) changes
 * nothing and is counted (mcu_counters). Never fails. */
void mcu_input(struct mcu *m, const uint8_t *msg, size_t len, midi_emit_fn emit, void *ctx);

/* Every <= 10 ms (now_ms: any monotonic clock in ms): sends through emit what is due: the motor
 * fader positions of parameters changed elsewhere (at most one per fader per 10 ms, never to a
 * touched fader or one moved within the last 250 ms; a released fader gets the current value),
 * the LEDs, rings and scribble strip text that changed, and the meters every 100 ms. */
void mcu_tick(struct mcu *m, uint64_t now_ms, midi_emit_fn emit, void *ctx);

/* What mcu_input saw, since mcu_new; readable from any thread. */
struct mcu_counters {
    uint64_t handled;   /* messages the profile acted on (changes, buttons, touch, banking) */
    uint64_t unknown;   /* well-formed, but not a control the profile uses (transport, jog,
                           rec-arm, another device's SysEx, a strip with no stem) */
    uint64_t malformed; /* truncated, too long, bad data bytes, no status byte, SysEx not
                           closed by F7 */
};
void mcu_counters(const struct mcu *m, struct mcu_counters *out);

/* The first stem (0-based) on strip 1. */
unsigned mcu_bank(const struct mcu *m);

#endif
