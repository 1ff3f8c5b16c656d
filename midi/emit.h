/* midi/emit.h: how a MIDI profile hands a message to the transport (shared by midi/ and the
 * profiles, e.g. midi/mcu.h). */
#ifndef STEMD_MIDI_EMIT_H
#define STEMD_MIDI_EMIT_H

#include <stddef.h>
#include <stdint.h>

typedef void (*midi_emit_fn)(void *ctx, const uint8_t *msg, size_t len); /* one complete message */

#endif
