/* tools/busy.h: an "every module on" preset, shared by the benchmark and the mix tests. */
#ifndef STEMD_TOOLS_BUSY_H
#define STEMD_TOOLS_BUSY_H

/* Every stem: both filters, all six EQ bands (mixed shapes), the compressor working, width,
 * balance and fader away from neutral. Applied per stem with "%s" = the stem's index. */
#define BUSY_STEM                                                                                  \
    "/stem/%s/trim 3\n/stem/%s/polarity/r 1\n"                                                     \
    "/stem/%s/hpf/on 1\n/stem/%s/hpf/freq 40\n/stem/%s/hpf/slope 24dB\n"                           \
    "/stem/%s/lpf/on 1\n/stem/%s/lpf/freq 16000\n/stem/%s/lpf/slope 12dB\n"                        \
    "/stem/%s/eq/1/on 1\n/stem/%s/eq/1/type lowshelf\n/stem/%s/eq/1/freq 100\n"                    \
    "/stem/%s/eq/1/gain 3\n"                                                                       \
    "/stem/%s/eq/2/on 1\n/stem/%s/eq/2/freq 300\n/stem/%s/eq/2/gain -4\n/stem/%s/eq/2/q 2\n"       \
    "/stem/%s/eq/3/on 1\n/stem/%s/eq/3/freq 1000\n/stem/%s/eq/3/gain 2\n"                          \
    "/stem/%s/eq/4/on 1\n/stem/%s/eq/4/freq 3000\n/stem/%s/eq/4/gain -3\n/stem/%s/eq/4/q 3\n"      \
    "/stem/%s/eq/5/on 1\n/stem/%s/eq/5/freq 6000\n/stem/%s/eq/5/gain -2\n/stem/%s/eq/5/q 4\n"      \
    "/stem/%s/eq/6/on 1\n/stem/%s/eq/6/type highshelf\n/stem/%s/eq/6/freq 10000\n"                 \
    "/stem/%s/eq/6/gain 2\n"                                                                       \
    "/stem/%s/comp/on 1\n/stem/%s/comp/threshold -30\n/stem/%s/comp/ratio 4\n"                     \
    "/stem/%s/comp/attack 5\n/stem/%s/comp/release 80\n/stem/%s/comp/makeup 6\n"                   \
    "/stem/%s/comp/sc_hpf/on 1\n/stem/%s/comp/link 50\n"                                           \
    "/stem/%s/width 140\n/stem/%s/pan 0.2\n/stem/%s/fader -2\n"

/* The dynamic EQ and the de-esser on top of BUSY_STEM: four bands, each shape and both modes, a
 * cut and a boost, keyed by stem 1 or by the stem itself, each key through a separate band-pass
 * (so every deq/N/... row changes the output: tests/test_mix.c), and the de-esser working. */
#define BUSY_STEM_DYN                                                                              \
    "/stem/%s/deq/1/on 1\n/stem/%s/deq/1/type lowshelf\n/stem/%s/deq/1/freq 90\n"                  \
    "/stem/%s/deq/1/key 1\n/stem/%s/deq/1/threshold -45\n/stem/%s/deq/1/range 12\n"                \
    "/stem/%s/deq/1/ratio 2\n/stem/%s/deq/1/key_filter separate\n/stem/%s/deq/1/key_freq 60\n"     \
    "/stem/%s/deq/2/on 1\n/stem/%s/deq/2/freq 300\n/stem/%s/deq/2/q 2\n"                           \
    "/stem/%s/deq/2/threshold -40\n/stem/%s/deq/2/range 10\n/stem/%s/deq/2/attack 5\n"             \
    "/stem/%s/deq/2/ratio 2\n/stem/%s/deq/2/key_filter separate\n/stem/%s/deq/2/key_freq 400\n"    \
    "/stem/%s/deq/3/on 1\n/stem/%s/deq/3/freq 2500\n/stem/%s/deq/3/mode below\n"                   \
    "/stem/%s/deq/3/threshold -30\n/stem/%s/deq/3/range -3\n/stem/%s/deq/3/release 60\n"           \
    "/stem/%s/deq/3/key_filter separate\n/stem/%s/deq/3/key_freq 2000\n"                           \
    "/stem/%s/deq/4/on 1\n/stem/%s/deq/4/type highshelf\n/stem/%s/deq/4/freq 7000\n"               \
    "/stem/%s/deq/4/threshold -30\n/stem/%s/deq/4/range 10\n/stem/%s/deq/4/ratio 2\n"              \
    "/stem/%s/deq/4/key_filter separate\n/stem/%s/deq/4/key_freq 6000\n"                           \
    "/stem/%s/deess/on 1\n/stem/%s/deess/threshold -35\n/stem/%s/deess/range 6\n"

/* The master: EQ, multiband compressor with per-band width, bass mono, the limiter driven. */
#define BUSY_BUS                                                                                   \
    "/bus/input 1\n"                                                                               \
    "/bus/eq/1/on 1\n/bus/eq/1/type lowshelf\n/bus/eq/1/freq 60\n/bus/eq/1/gain 1\n"               \
    "/bus/eq/2/on 1\n/bus/eq/2/freq 400\n/bus/eq/2/gain -1.5\n"                                    \
    "/bus/eq/3/on 1\n/bus/eq/3/freq 2500\n/bus/eq/3/gain 1\n"                                      \
    "/bus/eq/4/on 1\n/bus/eq/4/type highshelf\n/bus/eq/4/freq 12000\n/bus/eq/4/gain 1.5\n"         \
    "/bus/eq/5/on 1\n/bus/eq/5/freq 50\n/bus/eq/5/gain -2\n/bus/eq/5/q 8\n"                        \
    "/bus/eq/6/on 1\n/bus/eq/6/freq 8000\n/bus/eq/6/gain -1\n/bus/eq/6/q 1.5\n"                    \
    "/bus/eq/3/channel mid\n/bus/eq/6/channel side\n"                                              \
    "/bus/mb/on 1\n/bus/mb/1/threshold -24\n/bus/mb/2/threshold -24\n/bus/mb/3/threshold -24\n"    \
    "/bus/mb/1/ratio 3\n/bus/mb/2/ratio 2\n/bus/mb/3/ratio 2.5\n"                                  \
    "/bus/imager/1/width 80\n/bus/imager/3/width 130\n"                                            \
    "/bus/imager/bassmono/on 1\n/bus/limiter/drive 6\n/bus/limiter/ceiling -1\n"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The busy preset text for nstems stems: stems 1..busy_stems get BUSY_STEM (and BUSY_STEM_DYN
 * when dyn), the bus BUSY_BUS when bus_busy. malloc'd. */
static inline char *busy_preset(unsigned busy_stems, int bus_busy, int dyn)
{
    size_t cap = 256 + (size_t)busy_stems * (sizeof(BUSY_STEM) + sizeof(BUSY_STEM_DYN) + 400) +
                 sizeof(BUSY_BUS);
    char *out = malloc(cap), *o = out;
    if (!out) return NULL;
    *o = 0;
    for (unsigned k = 1; k <= busy_stems; k++) {
        char idx[16];
        snprintf(idx, sizeof idx, "%u", k);
        for (const char *t = dyn ? BUSY_STEM BUSY_STEM_DYN : BUSY_STEM; *t; t++) {
            if (t[0] == '%' && t[1] == 's') {
                o += sprintf(o, "%s", idx);
                t++;
            } else {
                *o++ = *t;
            }
        }
    }
    *o = 0;
    if (bus_busy) strcat(o, BUSY_BUS);
    return out;
}

#endif
