/* tests/midi/test_parse.c: the MIDI byte-stream parser (midi/parse.c) against the MIDI 1.0
 * rules: running status, real-time bytes inside messages, SysEx, truncation, stray bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "midi/parse.h"
#include "tests/tap.h"

struct got {
    char text[4096];
    size_t len;
    unsigned n;
};

static void rec(void *ctx, const uint8_t *msg, size_t len)
{
    struct got *g = ctx;
    g->n++;
    for (size_t i = 0; i < len && g->len + 4 < sizeof g->text; i++)
        g->len += (size_t)snprintf(g->text + g->len, sizeof g->text - g->len, "%02x", msg[i]);
    if (g->len + 2 < sizeof g->text) g->text[g->len++] = ' ', g->text[g->len] = 0;
}

/* Parse hex (spaces ignored) in one go; the messages as "hex hex ". */
static const char *run(struct midi_parser *p, const char *hex, struct got *g)
{
    uint8_t buf[2048];
    size_t n = 0;
    memset(g, 0, sizeof *g);
    for (const char *s = hex; *s && n < sizeof buf;) {
        if (*s == ' ') {
            s++;
            continue;
        }
        unsigned v;
        sscanf(s, "%2x", &v);
        buf[n++] = (uint8_t)v;
        s += 2;
    }
    midi_parse_bytes(p, buf, n, rec, g);
    return g->text;
}

int main(void)
{
    struct midi_parser p;
    struct got g;
    midi_parse_init(&p);
    ok(!strcmp(run(&p, "b0 07 40", &g), "b00740 "), "one CC");
    ok(!strcmp(run(&p, "b0 07 40 07 41 08 00", &g), "b00740 b00741 b00800 "),
       "running status: data pairs after one status");
    ok(!strcmp(run(&p, "27 10", &g), "b02710 "), "running status lasts across calls (JACK events)");
    ok(!strcmp(run(&p, "90 3c f8 7f", &g), "f8 903c7f "),
       "a clock byte inside a note: delivered first, the note completes");
    ok(!strcmp(run(&p, "c0 05 06", &g), "c005 c006 "), "program change: two bytes, running");
    ok(!strcmp(run(&p, "e0 00 40", &g), "e00040 "), "pitch bend");
    ok(!strcmp(run(&p, "f0 00 00 66 14 12 00 41 f7", &g), "f000006614120041f7 "),
       "a SysEx F0..F7 as one message");
    ok(!strcmp(run(&p, "f0 01 02 f8 03 f7", &g), "f8 f0010203f7 "), "real-time inside a SysEx");
    unsigned long long tr = p.n.truncated;
    ok(!strcmp(run(&p, "90 3c b0 07 10", &g), "b00710 "), "a note cut short by a CC: only the CC");
    ok(p.n.truncated == tr + 1, "... counted as truncated");
    ok(!strcmp(run(&p, "f0 01 02 90 3c 7f", &g), "903c7f "),
       "an unterminated SysEx cut short by a note");
    unsigned long long st = p.n.stray;
    ok(!strcmp(run(&p, "f2 01 02 05", &g), "f20102 "),
       "song position; a data byte after it is stray (system common cancels running status)");
    ok(p.n.stray == st + 1, "... counted as stray");
    ok(!strcmp(run(&p, "f4 f5 f9 fd", &g), ""), "undefined status bytes are ignored");
    ok(!strcmp(run(&p, "f7 40", &g), "") && p.n.stray >= st + 3,
       "an EOX with no SysEx, then a data byte: nothing");
    /* An oversized SysEx is dropped whole; the parser carries on. */
    char big[1400];
    size_t o = 0;
    o += (size_t)snprintf(big + o, sizeof big - o, "f0");
    for (int i = 0; i < 300; i++)
        o += (size_t)snprintf(big + o, sizeof big - o, "01");
    snprintf(big + o, sizeof big - o, "f7b00701");
    ok(!strcmp(run(&p, big, &g), "b00701 ") && p.n.sysex_too_long == 1,
       "a SysEx over %d bytes is dropped and counted; the next CC arrives", MIDI_SYSEX_MAX);
    /* Random bytes: every message delivered is well-formed (status first, data below 0x80,
     * the length its status says). */
    srand(7);
    int bad = 0;
    for (int round = 0; round < 200; round++) {
        uint8_t buf[512];
        for (size_t i = 0; i < sizeof buf; i++)
            buf[i] = (uint8_t)rand();
        memset(&g, 0, sizeof g);
        struct midi_parser q;
        midi_parse_init(&q);
        midi_parse_bytes(&q, buf, sizeof buf, rec, &g);
        for (char *s = g.text; *s;) {
            char *sp = strchr(s, ' ');
            size_t n = (size_t)(sp - s) / 2;
            unsigned v0;
            sscanf(s, "%2x", &v0);
            if (!(v0 & 0x80)) bad++;
            for (size_t i = 1; i < n; i++) {
                unsigned v;
                sscanf(s + 2 * i, "%2x", &v);
                if ((v & 0x80) && !(v0 == 0xF0 && i == n - 1 && v == 0xF7)) bad++;
            }
            size_t want = (v0 & 0xF0) == 0xC0 || (v0 & 0xF0) == 0xD0 ? 2 : v0 < 0xF0 ? 3 : 0;
            if (want && n != want) bad++;
            s = sp + 1;
        }
    }
    ok(bad == 0, "200 rounds of 512 random bytes: every message well-formed (%d bad)", bad);
    return done_testing();
}
