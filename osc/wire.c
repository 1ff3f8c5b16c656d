/* osc/wire.c: OSC 1.0 encoding of messages and bundles, and the walk over a received bundle. */
#include "osc/wire.h"

#include <stdarg.h>
#include <string.h>

uint32_t oscw_get32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void oscw_put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* An OSC string: the bytes, a NUL, zero padding to a multiple of 4. */
static int put_str(unsigned char *buf, size_t cap, size_t *o, const char *s)
{
    size_t l = strlen(s), padded = (l + 4) & ~(size_t)3;
    if (*o + padded > cap) return -1;
    memcpy(buf + *o, s, l);
    memset(buf + *o + l, 0, padded - l);
    *o += padded;
    return 0;
}

static int put64(unsigned char *buf, size_t cap, size_t *o, uint64_t v)
{
    if (*o + 8 > cap) return -1;
    oscw_put32(buf + *o, (uint32_t)(v >> 32));
    oscw_put32(buf + *o + 4, (uint32_t)v);
    *o += 8;
    return 0;
}

int oscw_message(unsigned char *buf, size_t cap, const char *addr, const char *types, ...)
{
    char tags[64];
    size_t o = 0, nt = strlen(types);
    va_list ap;
    int rc = 0;

    if (nt + 2 > sizeof tags) return -1;
    tags[0] = ',';
    memcpy(tags + 1, types, nt + 1);
    if (put_str(buf, cap, &o, addr) < 0 || put_str(buf, cap, &o, tags) < 0) return -1;
    va_start(ap, types);
    for (const char *t = types; *t && rc == 0; t++) {
        switch (*t) {
        case 'i': {
            int v = va_arg(ap, int);
            if (o + 4 > cap)
                rc = -1;
            else
                oscw_put32(buf + o, (uint32_t)v), o += 4;
            break;
        }
        case 'f': {
            float f = (float)va_arg(ap, double);
            uint32_t u;
            memcpy(&u, &f, 4);
            if (o + 4 > cap)
                rc = -1;
            else
                oscw_put32(buf + o, u), o += 4;
            break;
        }
        case 'h':
            rc = put64(buf, cap, &o, (uint64_t)va_arg(ap, int64_t));
            break;
        case 'd': {
            double d = va_arg(ap, double);
            uint64_t u;
            memcpy(&u, &d, 8);
            rc = put64(buf, cap, &o, u);
            break;
        }
        case 's':
            rc = put_str(buf, cap, &o, va_arg(ap, const char *));
            break;
        case 'T':
        case 'F':
        case 'N':
            break;
        default:
            rc = -1;
        }
    }
    va_end(ap);
    return rc < 0 ? -1 : (int)o;
}

void oscw_b_init(struct oscw_builder *b)
{
    b->tags[0] = ',';
    b->ntags = 1;
    b->alen = 0;
    b->bad = 0;
}

static void b_tag(struct oscw_builder *b, char t, size_t need)
{
    if (b->ntags + 2 > sizeof b->tags || b->alen + need > sizeof b->args) {
        b->bad = 1;
        return;
    }
    b->tags[b->ntags++] = t;
}

void oscw_b_int(struct oscw_builder *b, int32_t v)
{
    b_tag(b, 'i', 4);
    if (!b->bad) oscw_put32(b->args + b->alen, (uint32_t)v), b->alen += 4;
}

void oscw_b_float(struct oscw_builder *b, float v)
{
    uint32_t u;
    memcpy(&u, &v, 4);
    b_tag(b, 'f', 4);
    if (!b->bad) oscw_put32(b->args + b->alen, u), b->alen += 4;
}

void oscw_b_str(struct oscw_builder *b, const char *s)
{
    size_t l = strlen(s), padded = (l + 4) & ~(size_t)3;
    b_tag(b, 's', padded);
    if (b->bad) return;
    memcpy(b->args + b->alen, s, l);
    memset(b->args + b->alen + l, 0, padded - l);
    b->alen += padded;
}

void oscw_b_int64(struct oscw_builder *b, int64_t v)
{
    b_tag(b, 'h', 8);
    if (!b->bad) {
        oscw_put32(b->args + b->alen, (uint32_t)((uint64_t)v >> 32));
        oscw_put32(b->args + b->alen + 4, (uint32_t)v);
        b->alen += 8;
    }
}

void oscw_b_double(struct oscw_builder *b, double v)
{
    uint64_t u;
    memcpy(&u, &v, 8);
    b_tag(b, 'd', 8);
    if (!b->bad) {
        oscw_put32(b->args + b->alen, (uint32_t)(u >> 32));
        oscw_put32(b->args + b->alen + 4, (uint32_t)u);
        b->alen += 8;
    }
}

void oscw_b_tag(struct oscw_builder *b, char tag)
{
    b_tag(b, tag, 0);
}

int oscw_b_finish(const struct oscw_builder *b, const char *addr, unsigned char *buf, size_t cap)
{
    char tags[sizeof b->tags];
    size_t o = 0;
    if (b->bad) return -1;
    memcpy(tags, b->tags, b->ntags);
    tags[b->ntags] = 0;
    if (put_str(buf, cap, &o, addr) < 0 || put_str(buf, cap, &o, tags) < 0 || o + b->alen > cap)
        return -1;
    memcpy(buf + o, b->args, b->alen);
    return (int)(o + b->alen);
}

void oscw_bundle_init(struct oscw_bundle *b)
{
    memcpy(b->buf, "#bundle\0", 8);
    memset(b->buf + 8, 0, 8);
    b->buf[15] = 1; /* timetag 1: "immediately" */
    b->len = 16;
    b->n = 0;
}

int oscw_bundle_add(struct oscw_bundle *b, const unsigned char *msg, size_t len)
{
    if (b->len + 4 + len >= OSC_DGRAM_MAX) return -1;
    oscw_put32(b->buf + b->len, (uint32_t)len);
    memcpy(b->buf + b->len + 4, msg, len);
    b->len += 4 + len;
    b->n++;
    return 0;
}

const unsigned char *oscw_bundle_data(const struct oscw_bundle *b, size_t *len)
{
    if (b->n == 0) {
        *len = 0;
        return NULL;
    }
    if (b->n == 1) {
        *len = b->len - 20;
        return b->buf + 20;
    }
    *len = b->len;
    return b->buf;
}

/* An OSC string at p, at most size bytes: its padded length, or 0 when not NUL-terminated within
 * size, or its padding is not all zero (liblo's lo_validate_string). */
static size_t padded_str(const unsigned char *p, size_t size)
{
    const unsigned char *nul = memchr(p, 0, size);
    if (!nul) return 0;
    size_t i = (size_t)(nul - p), plen = 4 * (i / 4 + 1);
    if (plen > size) return 0;
    for (; i < plen; i++)
        if (p[i]) return 0;
    return plen;
}

int oscw_read_one(const unsigned char *data, size_t len, const char **addr, char *type,
                  unsigned char arg[8])
{
    size_t al = padded_str(data, len);
    if (!al || len - al < 4) return 0;
    const unsigned char *tags = data + al, *a = tags + 4;
    /* ",X" and two NULs: one tag, its padding. */
    if (tags[0] != ',' || tags[2] != 0 || tags[3] != 0) return 0;
    size_t rest = len - al - 4, size;
    switch (tags[1]) {
    case 'i':
    case 'f':
        size = 4;
        break;
    case 'h':
    case 'd':
        size = 8;
        break;
    case 'T':
    case 'F':
        size = 0;
        break;
    default:
        return 0;
    }
    if (rest != size) return 0;
    if (size == 4) {
        uint32_t v = oscw_get32(a);
        memcpy(arg, &v, 4);
    } else if (size == 8) {
        uint64_t v = (uint64_t)oscw_get32(a) << 32 | oscw_get32(a + 4);
        memcpy(arg, &v, 8);
    }
    *addr = (const char *)data;
    *type = (char)tags[1];
    return 1;
}

int oscw_is_bundle(const unsigned char *data, size_t len)
{
    return len >= 8 && memcmp(data, "#bundle\0", 8) == 0;
}

int oscw_bundle_next(const unsigned char *data, size_t len, size_t *off, const unsigned char **elem,
                     size_t *elen, const char **why)
{
    if (*off == 0) {
        if (len < 16 || !oscw_is_bundle(data, len)) {
            *why = "truncated bundle header (#bundle, then an 8-byte timetag)";
            return -1;
        }
        *off = 16;
    }
    if (*off == len) return 0;
    if (len - *off < 4) {
        *why = "truncated bundle element size";
        return -1;
    }
    uint32_t sz = oscw_get32(data + *off);
    if (sz == 0 || sz % 4 != 0 || sz > len - *off - 4) {
        *why = "bundle element size is 0, not a multiple of 4, or past the end of the packet";
        return -1;
    }
    *elem = data + *off + 4;
    *elen = sz;
    *off += 4 + sz;
    return 1;
}
