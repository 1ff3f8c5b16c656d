/* osc/wire.h: OSC 1.0 on the wire: building messages and bundles, walking a bundle's elements.
 * No allocation; shared by the server side and stemctl. */
#ifndef STEMD_OSC_WIRE_H
#define STEMD_OSC_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define OSC_DGRAM_MAX  1400 /* every datagram stemd sends (bundles included) is under this */
#define OSC_BUNDLE_TAG "#bundle"

/* Build one message into buf: address, type tags, then one C argument per tag:
 *   i int32_t (passed as int), h int64_t, f double (stored as float), d double, s const char *,
 *   T F N (no argument).
 * Returns the length (a multiple of 4), or -1 when it does not fit cap or a tag is unknown. */
int oscw_message(unsigned char *buf, size_t cap, const char *addr, const char *types, ...);

/* A message built one argument at a time (for a variable number of arguments). */
struct oscw_builder {
    char tags[1024];
    size_t ntags;
    unsigned char args[16384];
    size_t alen;
    int bad; /* something did not fit */
};
void oscw_b_init(struct oscw_builder *b);
void oscw_b_int(struct oscw_builder *b, int32_t v);
void oscw_b_float(struct oscw_builder *b, float v);
void oscw_b_str(struct oscw_builder *b, const char *s);
void oscw_b_int64(struct oscw_builder *b, int64_t v);
void oscw_b_double(struct oscw_builder *b, double v);
void oscw_b_tag(struct oscw_builder *b, char tag); /* T F N I: no data */
/* The whole message into buf. Returns its length, or -1 when it does not fit or b->bad. */
int oscw_b_finish(const struct oscw_builder *b, const char *addr, unsigned char *buf, size_t cap);

/* A bundle being filled: "#bundle", timetag "immediately", then size-prefixed elements. */
struct oscw_bundle {
    unsigned char buf[OSC_DGRAM_MAX];
    size_t len;
    unsigned n;
};
void oscw_bundle_init(struct oscw_bundle *b);
/* Append one message. Returns 0, or -1 when it would make the bundle reach OSC_DGRAM_MAX. */
int oscw_bundle_add(struct oscw_bundle *b, const unsigned char *msg, size_t len);
/* The datagram to send: the lone message itself when the bundle holds one (every client can
 * read a plain message), else the bundle. *len gets its length (0 when empty). */
const unsigned char *oscw_bundle_data(const struct oscw_bundle *b, size_t *len);

/* Walk a bundle: call with *off = 0 first. Returns 1 with the next element in *elem and *elen,
 * 0 at the end, -1 when the bundle is malformed (why in *why). */
int oscw_is_bundle(const unsigned char *data, size_t len);
int oscw_bundle_next(const unsigned char *data, size_t len, size_t *off, const unsigned char **elem,
                     size_t *elen, const char **why);

/* Read a message of exactly one plain argument (i f h d, or T F with none) in place, with the
 * checks liblo's lo_message_deserialise makes: address and type tags NUL-terminated within len
 * and zero-padded to 4 bytes, the tags starting with ',', the data exactly the argument's size.
 * Returns 1 with *addr (into data), *type and, for i f h d, the argument's bytes in host order in
 * arg (read them with memcpy); 0 when the message has another shape or is malformed: the caller
 * hands it to liblo, which decides (and words the refusal). Never reads past len. */
int oscw_read_one(const unsigned char *data, size_t len, const char **addr, char *type,
                  unsigned char arg[8]);

/* Big-endian helpers. */
uint32_t oscw_get32(const unsigned char *p);
void oscw_put32(unsigned char *p, uint32_t v);

#endif
