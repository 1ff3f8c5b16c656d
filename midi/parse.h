/* midi/parse.h: a MIDI byte-stream parser: bytes in (from any number of JACK events), complete
 * messages out. Robust against anything: running status, real-time bytes in the middle of a
 * message, truncated messages, stray data bytes, unterminated or oversized SysEx. What it cannot
 * make sense of it drops and counts; it never reads or writes out of bounds. No allocation. */
#ifndef STEMD_MIDI_PARSE_H
#define STEMD_MIDI_PARSE_H

#include <stddef.h>
#include <stdint.h>

#define MIDI_SYSEX_MAX 256 /* bytes of a SysEx message, F0 and F7 included; longer: dropped */

struct midi_parse_counts {
    uint64_t messages;  /* complete messages delivered */
    uint64_t stray;     /* data bytes with no status to belong to */
    uint64_t truncated; /* messages cut short by a new status byte */
    uint64_t sysex_too_long;
    uint64_t undefined; /* F4, F5, F9, FD: status bytes MIDI leaves undefined */
};

struct midi_parser {
    uint8_t status; /* the running status (a channel message's), 0 for none */
    uint8_t buf[MIDI_SYSEX_MAX];
    size_t len;  /* bytes of the message being collected */
    size_t want; /* bytes it needs in all (0: a SysEx, until F7) */
    int in_sysex, sysex_overflow;
    struct midi_parse_counts n;
};

/* Called for each complete message (status first; a SysEx from F0 to F7). */
typedef void (*midi_msg_fn)(void *ctx, const uint8_t *msg, size_t len);

void midi_parse_init(struct midi_parser *p);
/* Feed bytes; fn gets each message completed by them, in order. */
void midi_parse_bytes(struct midi_parser *p, const uint8_t *data, size_t len, midi_msg_fn fn,
                      void *ctx);

#endif
