/* tests/midi/test_map.c: a mapping's text and arithmetic (midi/map.c): the four encoder
 * encodings against their definitions, 14-bit scaling through the taper exactly, min/max and
 * inversion, feedback messages, the text round trip and refusals. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "midi/map.h"
#include "tests/tap.h"

static struct param_ref ref_of(const char *path)
{
    struct param_ref r;
    char err[256];
    static const char *const stems[] = {"drums", "bass", "music", "vocals"};
    static const struct params_names names = {4, stems};
    if (params_resolve(path, &names, &r, err, sizeof err) < 0) bail(err);
    return r;
}

int main(void)
{
    struct midi_map_spec s;
    char err[256], buf[256];
    struct param_ref width = ref_of("/stem/1/width"), fader = ref_of("/stem/1/fader");

    /* The encodings, as surfaces define them. */
    ok(midi_enc_ticks(ENC_TWOS, 0x01) == 1 && midi_enc_ticks(ENC_TWOS, 0x7F) == -1 &&
           midi_enc_ticks(ENC_TWOS, 0x40) == -64,
       "two's complement: 01 = +1, 7F = -1, 40 = -64");
    ok(midi_enc_ticks(ENC_OFFSET, 0x41) == 1 && midi_enc_ticks(ENC_OFFSET, 0x3F) == -1 &&
           midi_enc_ticks(ENC_OFFSET, 0x40) == 0,
       "binary offset: 41 = +1, 3F = -1, 40 = 0");
    ok(midi_enc_ticks(ENC_SIGNED, 0x41) == 1 && midi_enc_ticks(ENC_SIGNED, 0x01) == -1 &&
           midi_enc_ticks(ENC_SIGNED, 0x45) == 5,
       "signed bit: 41 = +1, 01 = -1, 45 = +5");
    ok(midi_enc_ticks(ENC_MACKIE, 0x01) == 1 && midi_enc_ticks(ENC_MACKIE, 0x41) == -1 &&
           midi_enc_ticks(ENC_MACKIE, 0x0F) == 15,
       "Mackie V-Pot: 01 = +1 (clockwise), 41 = -1, 0F = +15");
    int rt = 0;
    for (int e = 0; e < 4; e++)
        for (int t = -63; t <= 63; t++)
            if (t && midi_enc_ticks((enum midi_enc)e, midi_enc_byte((enum midi_enc)e, t)) != t)
                rt++;
    ok(rt == 0, "every step -63..63 survives byte and back in all four encodings (%d bad)", rt);

    /* 14-bit: position v/16383 on a linear 0..200 row is 200*v/16383, for every v. */
    ok(midi_map_parse("cc14 7", &width, &s, err, sizeof err) == 0, "cc14 7 parses");
    int off = 0;
    for (unsigned v = 0; v <= 16383; v++) {
        float got = midi_map_to_value(&s, &width, 4, (float)v / 16383.f);
        if (fabs(got - 200.0 * v / 16383.0) > 2e-5) off++;
    }
    ok(off == 0, "all 16384 14-bit values scale exactly onto width 0..200 (%d off)", off);
    uint8_t out[4][3];
    size_t lens[4];
    unsigned n = midi_map_feedback(&s, midi_map_to_pos(&s, &width, 4, 50.f), out, lens);
    ok(n == 2 && out[0][0] == 0xB0 && out[0][1] == 7 && out[0][2] == 32 && out[1][1] == 39 &&
           out[1][2] == 0,
       "feedback of width 50: CC 7 = 32 then CC 39 = 0 (MSB first)");
    ok(midi_map_parse("nrpn 300 ch 3", &width, &s, err, sizeof err) == 0, "nrpn 300 ch 3 parses");
    n = midi_map_feedback(&s, 1.f, out, lens);
    ok(n == 4 && out[0][0] == 0xB2 && out[0][1] == 99 && out[0][2] == 2 && out[1][1] == 98 &&
           out[1][2] == 44 && out[2][1] == 6 && out[2][2] == 127 && out[3][1] == 38 &&
           out[3][2] == 127,
       "NRPN feedback: select 99/98, then data 6/38");
    ok(midi_map_parse("pb ch 9", &fader, &s, err, sizeof err) == 0, "pb ch 9 parses");
    float pos = midi_map_to_pos(&s, &fader, 4, 0.f);
    ok(fabsf(pos - params_to_norm(fader.def, 0.f)) < 1e-6,
       "a fader's position is its taper's norm");
    n = midi_map_feedback(&s, 1.f, out, lens);
    ok(n == 1 && out[0][0] == 0xE8 && out[0][1] == 0x7F && out[0][2] == 0x7F,
       "pitch bend top: E8 7F 7F");

    ok(midi_map_parse("cc 10 min 50 max 150 invert", &width, &s, err, sizeof err) == 0,
       "min/max/invert parse");
    ok(midi_map_to_value(&s, &width, 4, 0.f) == 150.f &&
           midi_map_to_value(&s, &width, 4, 1.f) == 50.f &&
           fabsf(midi_map_to_value(&s, &width, 4, 0.5f) - 100.f) < 1e-4,
       "inverted 50..150: 0 -> 150, 1 -> 50, 0.5 -> 100");
    ok(fabsf(midi_map_to_pos(&s, &width, 4, 125.f) - 0.25f) < 1e-6, "... and back: 125 is 0.25");

    /* The text: canonical form round-trips; descriptions. */
    const char *specs[] = {"cc 7 ch 1 jump",
                           "cc14 7 ch 16 pickup invert",
                           "nrpn 16383 ch 2 jump",
                           "note 60 ch 1 toggle",
                           "note 0 ch 10 momentary",
                           "pb ch 9 jump min 20",
                           "enc 16 ch 1 mackie step 0.05 accel 0.5"};
    int bad = 0;
    for (unsigned i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        if (midi_map_parse(specs[i], &width, &s, err, sizeof err) < 0) {
            diag("%s: %s", specs[i], err);
            bad++;
            continue;
        }
        midi_map_format(&s, buf, sizeof buf);
        if (strcmp(buf, specs[i])) diag("%s -> %s", specs[i], buf), bad++;
    }
    ok(bad == 0, "canonical mapping texts round-trip");
    midi_map_parse("cc14 7", &width, &s, err, sizeof err);
    midi_map_describe(&s, buf, sizeof buf);
    ok(!strcmp(buf, "CC 7 ch 1, 14-bit with CC 39"), "described as '%s'", buf);
    const char *badspecs[] = {"",
                              "cc",
                              "cc 120",
                              "cc14 32",
                              "nrpn 16384",
                              "enc 5",
                              "enc 5 twos pickup",
                              "cc 7 ch 17",
                              "cc 7 min 300",
                              "cc 7 step 0.1",
                              "note 60 jump",
                              "cc 7 min 100 max 50",
                              "cc 7 banana",
                              "cc 7.5"};
    bad = 0;
    for (unsigned i = 0; i < sizeof badspecs / sizeof badspecs[0]; i++)
        if (midi_map_parse(badspecs[i], &width, &s, err, sizeof err) == 0)
            diag("accepted: '%s'", badspecs[i]), bad++;
    ok(bad == 0, "%zu bad mapping texts are refused", sizeof badspecs / sizeof badspecs[0]);
    return done_testing();
}
