/* midi/midi.h: stemd's hardware control surfaces over JACK MIDI: mappings (learned or given),
 * learn, pickup, relative encoders, 14-bit controls, feedback to motors and LEDs, and the
 * optional Mackie Control profile (midi/mcu.h, when built in).
 *
 * One thread of its own (every 2 ms): drains midi_in's ring (server/midi.c), parses the bytes
 * (midi/parse.h), applies mapped controls through the server's typed API (stemd_apply: OSC
 * subscribers see every move) and sends feedback of every mapped parameter that changed
 * elsewhere (OSC, a preset, another control) onto midi_out, at most one message (or 14-bit pair)
 * per control per 10 ms, never to the control whose move it was. Mappings live in the state file
 * as "/midi/map PATH CONTROL" lines (server/control.h stemd_lines). */
#ifndef STEMD_MIDI_MIDI_H
#define STEMD_MIDI_MIDI_H

#include <stddef.h>

#include "server/control.h"

#define MIDI_MAX_MAPS 256
/* A change a mapping makes carries this source plus the mapping's id (OSC's clients use small
 * numbers above STEMD_SRC_USER). */
#define MIDI_SRC_BASE (STEMD_SRC_USER + 0x100000)

struct midi_config {
    int mcu; /* --midi-profile mcu */
};
void midi_config_defaults(struct midi_config *c);
/* "midi-profile" = none|mcu. 0; -ENOENT when key is not a MIDI option; -EINVAL (err says why,
 * e.g. that this stemd was built without the MCU profile). */
int midi_config_option(struct midi_config *c, const char *key, const char *value, char *err,
                       size_t errlen);
const char *const *midi_config_keys(void);
const char *midi_options_help(void);

struct stemd;
struct midi;

/* Tell the surfaces something happened (the OSC layer sends it to every subscriber): addr and
 * one or two strings (b may be NULL). Called from the MIDI thread. */
typedef void (*midi_notice_fn)(void *ctx, const char *addr, const char *a, const char *b);

/* Create the layer BEFORE stemd_init (sd->cfg parsed): it installs the "/midi/" line family,
 * which stemd_init's reading of the state file needs. Returns 0 or -ENOMEM (err says so). */
int midi_new(struct stemd *sd, const struct midi_config *c, midi_notice_fn notice, void *nctx,
             struct midi **out, char *err, size_t errlen);
/* Then, after stemd_init: register its change listener (the MCU profile one more) and start
 * its thread. Returns 0; -ENOSPC (no listener left), -EAGAIN, or the MCU profile's error, with
 * the reason in err. */
int midi_start(struct midi *m, char *err, size_t errlen);
/* Stop the thread (no more MIDI changes). The listener stays: free only once nothing else
 * changes parameters (after osc_stop). NULL is fine. */
void midi_halt(struct midi *m);
void midi_free(struct midi *m);

/* The OSC verbs (any thread but the MIDI one): addr is "/midi/learn", "/midi/learn/cancel",
 * "/midi/unmap", "/midi/list", "/midi/clear", "/midi/map" or "/midi/stats"; args its string
 * arguments. Answers go through reply (a: b: c: strings, unused ones NULL). Returns 0, or
 * -EINVAL with a reason in err (nothing changed). */
typedef void (*midi_reply_fn)(void *ctx, const char *addr, const char *a, const char *b,
                              const char *c);
int midi_command(struct midi *m, const char *addr, const char *const *args, int nargs,
                 midi_reply_fn reply, void *rctx, char *err, size_t errlen);

#endif
