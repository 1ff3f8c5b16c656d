/* midi/map.h: one mapping of a MIDI control to a parameter: its text form (the "/midi/map" line
 * of the state file and of OSC), its description, and the arithmetic both ways (a message into
 * a position of the control, a value into the control's own feedback messages). Pure: no
 * server, no threads; unit-tested in tests/midi/test_map.c. */
#ifndef STEMD_MIDI_MAP_H
#define STEMD_MIDI_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/params.h"

enum midi_kind {
    MK_CC,   /* 7-bit CC n (0-119) */
    MK_CC14, /* 14-bit CC pair: MSB n (0-31), LSB n+32 */
    MK_NRPN, /* 14-bit NRPN n (0-16383): CC 99/98 select, 6/38 data */
    MK_NOTE, /* note n: toggle (each press flips) or momentary (on while held) */
    MK_PB,   /* pitch bend, 14-bit */
    MK_ENC   /* relative encoder on CC n, in one of four encodings */
};
enum midi_enc { ENC_TWOS, ENC_OFFSET, ENC_SIGNED, ENC_MACKIE };

/* What a mapping is (what the "/midi/map" line says). */
struct midi_map_spec {
    enum midi_kind kind;
    unsigned num;      /* CC, NRPN or note number; 0 for pitch bend */
    unsigned ch;       /* 0-15 (written 1-16) */
    enum midi_enc enc; /* MK_ENC */
    int momentary;     /* MK_NOTE */
    int pickup;        /* soft takeover (absolute kinds); 0: jump */
    int invert;
    int has_min, has_max;
    float min, max; /* in the parameter's units (default: its range) */
    float step;     /* MK_ENC: fraction of the control's travel per tick (default 1/100) */
    float accel;    /* MK_ENC: a step of k ticks moves k*(1+accel*(k-1)) (default 0) */
};

/* Parse SPEC, the words after the path: KIND [NUM] [ch 1-16] [options], e.g. "cc14 7 ch 1",
 * "nrpn 300 pickup", "note 60 momentary", "pb ch 9", "enc 16 mackie step 0.02 accel 0.5",
 * "cc 7 min -20 max 0 invert". Options: ch N, min X, max X (units), invert, pickup, jump, toggle,
 * momentary, step X, accel X, and the encodings twos, offset, signed, mackie (enc only). ref
 * checks min/max against the parameter's range. Returns 0 or -EINVAL with a reason in err. */
int midi_map_parse(const char *spec, const struct param_ref *ref, struct midi_map_spec *out,
                   char *err, size_t errlen);
/* The canonical SPEC text (parseable by midi_map_parse). snprintf-like. */
int midi_map_format(const struct midi_map_spec *s, char *buf, size_t len);
/* A person's words: "CC 7 ch 1, 14-bit with CC 39". snprintf-like. */
int midi_map_describe(const struct midi_map_spec *s, char *buf, size_t len);

/* The relative step of an encoder byte in encoding e (ticks, signed; 0 for "no move"). */
int midi_enc_ticks(enum midi_enc e, uint8_t v);
/* The inverse, for tests and feedback of a step: the byte that means ticks (|ticks| <= 63). */
uint8_t midi_enc_byte(enum midi_enc e, int ticks);

/* The control's position c (0..1) and the parameter's value, through the taper, min/max and
 * inversion. to_value: a value in range for ref. to_pos: the position that gives v (clamped). */
float midi_map_to_value(const struct midi_map_spec *s, const struct param_ref *ref, unsigned nstems,
                        float c);
float midi_map_to_pos(const struct midi_map_spec *s, const struct param_ref *ref, unsigned nstems,
                      float v);

/* The feedback that shows position c on the control, as complete messages into out (each up to
 * 3 bytes; at most 4 of them: NRPN's select and data); returns how many. lens[i] are their
 * lengths. 14-bit forms send MSB then LSB. A note: on (velocity 127) above half, else off
 * (note on, velocity 0). An encoder: its LED ring, CC num with c in 0..127. */
unsigned midi_map_feedback(const struct midi_map_spec *s, float c, uint8_t out[4][3],
                           size_t lens[4]);

#endif
