/* midi/emit.h — identical in both branches (include guard STEMD_MIDI_EMIT_H) */
#ifndef STEMD_MIDI_EMIT_H
#define STEMD_MIDI_EMIT_H

#include <stddef.h>
#include <stdint.h>

typedef void (*midi_emit_fn)(void *ctx, const uint8_t *msg, size_t len); /* one complete message */

#endif
