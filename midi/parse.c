/* midi/parse.c: the MIDI byte-stream parser (see parse.h). The rules are the MIDI 1.0
 * specification's: a status byte sets the length of what follows; channel messages may run on
 * without their status (running status), which System Common messages cancel and System
 * Real-Time bytes (F8-FF) do not even interrupt. */
#include "midi/parse.h"

#include <string.h>

void midi_parse_init(struct midi_parser *p)
{
    memset(p, 0, sizeof *p);
}

/* Bytes a message with this status has in all (status included); 0 for a SysEx. */
static size_t msg_len(uint8_t st)
{
    switch (st & 0xF0) {
    case 0xC0:
    case 0xD0:
        return 2;
    case 0xF0:
        break;
    default:
        return 3;
    }
    switch (st) {
    case 0xF1:
    case 0xF3:
        return 2;
    case 0xF2:
        return 3;
    case 0xF0:
        return 0;
    default:
        return 1; /* F6, and the real-time bytes */
    }
}

static void deliver(struct midi_parser *p, midi_msg_fn fn, void *ctx)
{
    p->n.messages++;
    fn(ctx, p->buf, p->len);
}

void midi_parse_bytes(struct midi_parser *p, const uint8_t *data, size_t len, midi_msg_fn fn,
                      void *ctx)
{
    for (size_t i = 0; i < len; i++) {
        uint8_t b = data[i];
        if (b >= 0xF8) {
            /* Real-time: a message of its own, wherever it falls (even inside a SysEx). */
            if (b == 0xF9 || b == 0xFD) {
                p->n.undefined++;
                continue;
            }
            p->n.messages++;
            fn(ctx, &b, 1);
            continue;
        }
        if (b & 0x80) {
            if (p->in_sysex) {
                if (b == 0xF7 && !p->sysex_overflow) {
                    p->buf[p->len++] = b;
                    deliver(p, fn, ctx);
                } else if (b != 0xF7 || p->sysex_overflow) {
                    /* F7 after an overflow: the message was already counted; another status:
                     * an unterminated SysEx, cut short. */
                    if (b != 0xF7) p->n.truncated++;
                }
                p->in_sysex = p->sysex_overflow = 0;
                p->len = 0;
                if (b == 0xF7) continue;
            } else if (p->len > 0) {
                p->n.truncated++; /* a message still wanting bytes */
            }
            p->len = 0;
            if (b == 0xF4 || b == 0xF5 || b == 0xF7) {
                /* Undefined, or an EOX with no SysEx open: ignored; it cancels running status
                 * like any System Common byte. */
                if (b != 0xF7)
                    p->n.undefined++;
                else
                    p->n.stray++;
                p->status = 0;
                continue;
            }
            p->buf[p->len++] = b;
            if (b == 0xF0) {
                p->in_sysex = 1;
                p->status = 0;
                continue;
            }
            p->want = msg_len(b);
            p->status = b < 0xF0 ? b : 0;
            if (p->want == 1) {
                deliver(p, fn, ctx);
                p->len = 0;
            }
            continue;
        }
        /* A data byte. */
        if (p->in_sysex) {
            if (p->len < MIDI_SYSEX_MAX - 1)
                p->buf[p->len++] = b;
            else if (!p->sysex_overflow) {
                p->sysex_overflow = 1;
                p->n.sysex_too_long++;
            }
            continue;
        }
        if (p->len == 0) {
            if (!p->status) {
                p->n.stray++;
                continue;
            }
            p->buf[p->len++] = p->status; /* running status */
            p->want = msg_len(p->status);
        }
        p->buf[p->len++] = b;
        if (p->len == p->want) {
            deliver(p, fn, ctx);
            p->len = 0;
        }
    }
}
