/* midi/map.c: a mapping's text, description and arithmetic (see map.h). */
#include "midi/map.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[] = {"cc", "cc14", "nrpn", "note", "pb", "enc"};
static const char *const enc_names[] = {"twos", "offset", "signed", "mackie"};
static const char *const enc_words[] = {"two's complement", "binary offset 64",
                                        "signed bit, 0x41 = +1", "signed bit inverted (Mackie)"};

static int num_word(const char *w, double lo, double hi, double *out)
{
    char *end;
    double v = strtod(w, &end);
    if (end == w || *end || !isfinite(v) || v < lo || v > hi) return -1;
    *out = v;
    return 0;
}

int midi_map_parse(const char *spec, const struct param_ref *ref, struct midi_map_spec *out,
                   char *err, size_t errlen)
{
    char buf[512], *save = NULL;
    struct midi_map_spec s = {.ch = 0, .step = 0.01f};
    if (strlen(spec) >= sizeof buf) {
        snprintf(err, errlen, "mapping too long");
        return -EINVAL;
    }
    strcpy(buf, spec);
    char *w = strtok_r(buf, " \t", &save);
    if (!w) {
        snprintf(err, errlen, "give the control: cc N, cc14 N, nrpn N, note N, pb or enc N");
        return -EINVAL;
    }
    int k = -1;
    for (int i = 0; i < 6; i++)
        if (strcmp(w, kind_names[i]) == 0) k = i;
    if (k < 0) {
        snprintf(err, errlen, "unknown control '%.40s' (cc, cc14, nrpn, note, pb or enc)", w);
        return -EINVAL;
    }
    s.kind = (enum midi_kind)k;
    static const double num_max[] = {119, 31, 16383, 127, 0, 119};
    if (s.kind != MK_PB) {
        double v;
        w = strtok_r(NULL, " \t", &save);
        if (!w || num_word(w, 0, num_max[k], &v) < 0 || v != floor(v)) {
            snprintf(err, errlen, "%s needs its number, a whole number 0-%.0f", kind_names[k],
                     num_max[k]);
            return -EINVAL;
        }
        s.num = (unsigned)v;
    }
    int enc_given = 0;
    while ((w = strtok_r(NULL, " \t", &save))) {
        double v;
        int e = -1;
        for (int i = 0; i < 4; i++)
            if (strcmp(w, enc_names[i]) == 0) e = i;
        if (e >= 0) {
            if (s.kind != MK_ENC) goto only_enc;
            s.enc = (enum midi_enc)e;
            enc_given = 1;
        } else if (!strcmp(w, "invert")) {
            s.invert = 1;
        } else if (!strcmp(w, "pickup") || !strcmp(w, "jump")) {
            if (s.kind == MK_ENC || s.kind == MK_NOTE) {
                snprintf(err, errlen, "%s: only for absolute controls (cc, cc14, nrpn, pb)", w);
                return -EINVAL;
            }
            s.pickup = w[0] == 'p';
        } else if (!strcmp(w, "toggle") || !strcmp(w, "momentary")) {
            if (s.kind != MK_NOTE) {
                snprintf(err, errlen, "%s: only for a note", w);
                return -EINVAL;
            }
            s.momentary = w[0] == 'm';
        } else if (!strcmp(w, "ch") || !strcmp(w, "min") || !strcmp(w, "max") ||
                   !strcmp(w, "step") || !strcmp(w, "accel")) {
            const char *opt = w;
            w = strtok_r(NULL, " \t", &save);
            if (!w || num_word(w, -1e9, 1e9, &v) < 0) {
                snprintf(err, errlen, "%s needs a number", opt);
                return -EINVAL;
            }
            if (!strcmp(opt, "ch")) {
                if (v < 1 || v > 16 || v != floor(v)) {
                    snprintf(err, errlen, "ch: a MIDI channel is 1-16");
                    return -EINVAL;
                }
                s.ch = (unsigned)v - 1;
            } else if (!strcmp(opt, "step") || !strcmp(opt, "accel")) {
                if (s.kind != MK_ENC) goto only_enc;
                if (opt[0] == 's' ? (v <= 0 || v > 1) : (v < 0 || v > 10)) {
                    snprintf(err, errlen, "%s: %s", opt,
                             opt[0] == 's' ? "a fraction of the travel, >0 to 1" : "0 to 10");
                    return -EINVAL;
                }
                if (opt[0] == 's')
                    s.step = (float)v;
                else
                    s.accel = (float)v;
            } else {
                if (v < ref->def->min || v > ref->def->max) {
                    snprintf(err, errlen, "%s %g: outside the parameter's range %g to %g", opt, v,
                             (double)ref->def->min, (double)ref->def->max);
                    return -EINVAL;
                }
                if (opt[1] == 'i')
                    s.has_min = 1, s.min = (float)v;
                else
                    s.has_max = 1, s.max = (float)v;
            }
        } else {
            snprintf(err, errlen,
                     "unknown option '%.40s' (ch, min, max, invert, pickup, jump, toggle, "
                     "momentary, step, accel, twos, offset, signed, mackie)",
                     w);
            return -EINVAL;
        }
    }
    if (s.kind == MK_ENC && !enc_given) {
        snprintf(err, errlen, "enc needs its encoding: twos, offset, signed or mackie");
        return -EINVAL;
    }
    if (s.has_min && s.has_max && s.min >= s.max) {
        snprintf(err, errlen, "min must be below max");
        return -EINVAL;
    }
    *out = s;
    return 0;
only_enc:
    snprintf(err, errlen, "%s: only for an encoder (enc)", w);
    return -EINVAL;
}

int midi_map_format(const struct midi_map_spec *s, char *buf, size_t len)
{
    char num[16] = "", opts[160] = "";
    size_t o = 0;
    if (s->kind != MK_PB) snprintf(num, sizeof num, " %u", s->num);
    if (s->kind == MK_ENC)
        o += (size_t)snprintf(opts + o, sizeof opts - o, " %s step %g accel %g", enc_names[s->enc],
                              (double)s->step, (double)s->accel);
    if (s->kind == MK_NOTE)
        o += (size_t)snprintf(opts + o, sizeof opts - o, " %s",
                              s->momentary ? "momentary" : "toggle");
    if (s->kind != MK_NOTE && s->kind != MK_ENC)
        o += (size_t)snprintf(opts + o, sizeof opts - o, " %s", s->pickup ? "pickup" : "jump");
    if (s->invert) o += (size_t)snprintf(opts + o, sizeof opts - o, " invert");
    if (s->has_min) o += (size_t)snprintf(opts + o, sizeof opts - o, " min %.9g", (double)s->min);
    if (s->has_max) snprintf(opts + o, sizeof opts - o, " max %.9g", (double)s->max);
    return snprintf(buf, len, "%s%s ch %u%s", kind_names[s->kind], num, s->ch + 1, opts);
}

int midi_map_describe(const struct midi_map_spec *s, char *buf, size_t len)
{
    switch (s->kind) {
    case MK_CC:
        return snprintf(buf, len, "CC %u ch %u", s->num, s->ch + 1);
    case MK_CC14:
        return snprintf(buf, len, "CC %u ch %u, 14-bit with CC %u", s->num, s->ch + 1, s->num + 32);
    case MK_NRPN:
        return snprintf(buf, len, "NRPN %u ch %u, 14-bit", s->num, s->ch + 1);
    case MK_NOTE:
        return snprintf(buf, len, "note %u ch %u, %s", s->num, s->ch + 1,
                        s->momentary ? "momentary" : "toggle");
    case MK_PB:
        return snprintf(buf, len, "pitch bend ch %u, 14-bit", s->ch + 1);
    case MK_ENC:
        return snprintf(buf, len, "encoder CC %u ch %u, %s", s->num, s->ch + 1, enc_words[s->enc]);
    }
    return snprintf(buf, len, "?");
}

int midi_enc_ticks(enum midi_enc e, uint8_t v)
{
    v &= 0x7F;
    switch (e) {
    case ENC_TWOS:
        return v < 64 ? v : (int)v - 128;
    case ENC_OFFSET:
        return (int)v - 64;
    case ENC_SIGNED:
        return v & 0x40 ? (v & 0x3F) : -(int)(v & 0x3F);
    case ENC_MACKIE:
        return v & 0x40 ? -(int)(v & 0x3F) : (v & 0x3F);
    }
    return 0;
}

uint8_t midi_enc_byte(enum midi_enc e, int t)
{
    if (t > 63) t = 63;
    if (t < -63) t = -63;
    switch (e) {
    case ENC_TWOS:
        return (uint8_t)(t & 0x7F);
    case ENC_OFFSET:
        return (uint8_t)(t + 64);
    case ENC_SIGNED:
        return (uint8_t)(t >= 0 ? 0x40 | t : -t);
    case ENC_MACKIE:
        return (uint8_t)(t >= 0 ? t : 0x40 | -t);
    }
    return 0;
}

/* The norm range the control spans. */
static void span(const struct midi_map_spec *s, const struct param_ref *ref, unsigned nstems,
                 float *lo, float *hi)
{
    *lo = s->has_min ? params_ref_to_norm(ref, s->min, nstems) : 0.f;
    *hi = s->has_max ? params_ref_to_norm(ref, s->max, nstems) : 1.f;
}

float midi_map_to_value(const struct midi_map_spec *s, const struct param_ref *ref, unsigned nstems,
                        float c)
{
    float lo, hi;
    c = c < 0 ? 0 : c > 1 ? 1 : c;
    if (s->invert) c = 1 - c;
    span(s, ref, nstems, &lo, &hi);
    float v = params_ref_from_norm(ref, lo + (hi - lo) * c, nstems);
    /* The ends are the ends exactly (no rounding through the taper). */
    if (c == 0 && s->has_min) v = s->min;
    if (c == 1 && s->has_max) v = s->max;
    if (ref->def->type != PT_FLOAT) v = roundf(v);
    return params_clamp(ref, v, nstems);
}

float midi_map_to_pos(const struct midi_map_spec *s, const struct param_ref *ref, unsigned nstems,
                      float v)
{
    float lo, hi;
    span(s, ref, nstems, &lo, &hi);
    float n = params_ref_to_norm(ref, v, nstems);
    float c = hi > lo ? (n - lo) / (hi - lo) : 0.f;
    c = c < 0 ? 0 : c > 1 ? 1 : c;
    return s->invert ? 1 - c : c;
}

unsigned midi_map_feedback(const struct midi_map_spec *s, float c, uint8_t out[4][3],
                           size_t lens[4])
{
    unsigned v14 = (unsigned)lrintf((c < 0 ? 0 : c > 1 ? 1 : c) * 16383.f);
    unsigned v7 = (unsigned)lrintf((c < 0 ? 0 : c > 1 ? 1 : c) * 127.f);
    uint8_t cc = (uint8_t)(0xB0 | s->ch);
    unsigned n = 0;
#define MSG3(a, b, d)                                                                              \
    (out[n][0] = (uint8_t)(a), out[n][1] = (uint8_t)(b), out[n][2] = (uint8_t)(d), lens[n++] = 3)
    switch (s->kind) {
    case MK_CC:
    case MK_ENC:
        MSG3(cc, s->num, v7);
        break;
    case MK_CC14:
        MSG3(cc, s->num, v14 >> 7);
        MSG3(cc, s->num + 32, v14 & 0x7F);
        break;
    case MK_NRPN:
        MSG3(cc, 99, s->num >> 7);
        MSG3(cc, 98, s->num & 0x7F);
        MSG3(cc, 6, v14 >> 7);
        MSG3(cc, 38, v14 & 0x7F);
        break;
    case MK_PB:
        MSG3(0xE0 | s->ch, v14 & 0x7F, v14 >> 7);
        break;
    case MK_NOTE:
        MSG3(0x90 | s->ch, s->num, c >= 0.5f ? 127 : 0);
        break;
    }
#undef MSG3
    return n;
}
