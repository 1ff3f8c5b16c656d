/* tools/bench-control.c: the control path's cost, from a received OSC packet to the published
 * parameter snapshot, and the time to apply a whole 256-stem preset (text to snapshot).
 *
 * No JACK server is needed: like tests/fuzz_osc.c, the server is initialised through its C API
 * but never connected, and packets go straight to osc_input (the socket loop's entry point) with
 * the change listener attached, so the feedback bookkeeping is paid as in the daemon. Every
 * packet changes its values (they alternate), so every one publishes a snapshot. Figures are
 * medians of repeated runs in one process (the machine is shared); nothing here is pass/fail.
 *
 *   stemd-bench-control [RUNS]      (default 9)
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "osc/internal.h"
#include "server/config.h"
#include "server/server.h"

#define SINGLE_PACKETS 20000 /* one-message packets per run */
#define BUNDLE_CHANGES 64    /* messages per bundle */
#define BUNDLE_PACKETS 500   /* bundles per run */
#define PRESET_APPLIES 10    /* 256-stem presets per run */

struct bench {
    struct stemd *sd;
    struct osc *osc;
    struct osc_addr from;
    int64_t now;
    uint64_t replies;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, unsigned n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Replies (a clamped value's echo, an error) are counted, not sent: a run that gets any is
 * measuring something else, and says so. */
static void sink(void *ctx, const struct osc_addr *to, const void *data, size_t len)
{
    struct bench *b = ctx;
    (void)to, (void)data, (void)len;
    b->replies++;
}

static int bench_open(struct bench *b, const char *stems)
{
    char *args[] = {"bench-control", "--stems", (char *)stems, "--log-level", "error", NULL};
    struct osc_config oc;
    char err[256];
    memset(b, 0, sizeof *b);
    b->sd = calloc(1, sizeof *b->sd);
    if (!b->sd || config_from_args(&b->sd->cfg, 5, args) != 0 || stemd_init(b->sd) < 0) {
        fprintf(stderr, "bench-control: cannot initialise the server\n");
        return -1;
    }
    osc_config_defaults(&oc);
    oc.rate_limit = 2000000000u; /* a benchmark is a flood by design */
    if (osc_create(b->sd, &oc, sink, b, &b->osc, err, sizeof err) < 0 ||
        osc_attach(b->osc, err, sizeof err) < 0) {
        fprintf(stderr, "bench-control: %s\n", err);
        return -1;
    }
    struct sockaddr_in *s = (void *)&b->from.ss;
    s->sin_family = AF_INET;
    s->sin_port = htons(9000);
    s->sin_addr.s_addr = htonl(0x7f000001);
    b->from.len = sizeof *s;
    b->now = 1000000;
    return 0;
}

static void bench_close(struct bench *b)
{
    osc_destroy(b->osc);
    stemd_fini(b->sd);
    free(b->sd);
}

static void input(struct bench *b, const unsigned char *pkt, size_t len)
{
    osc_input(b->osc, pkt, len, &b->from, b->now);
    b->now++; /* a millisecond a packet: the rate window and the feedback slots move on */
}

/* µs per change: one message, /stem/2/eq/3/gain f, a packet. */
static double run_single(struct bench *b)
{
    static unsigned char pkt[2][64];
    int len[2];
    len[0] = oscw_message(pkt[0], sizeof pkt[0], "/stem/2/eq/3/gain", "f", -3.0);
    len[1] = oscw_message(pkt[1], sizeof pkt[1], "/stem/2/eq/3/gain", "f", -2.5);
    double t0 = now_s();
    for (unsigned i = 0; i < SINGLE_PACKETS; i++)
        input(b, pkt[i & 1], (size_t)len[i & 1]);
    return (now_s() - t0) * 1e6 / SINGLE_PACKETS;
}

/* µs per change: bundles of BUNDLE_CHANGES messages (EQ gains and faders over the stems). */
static double run_bundle(struct bench *b, unsigned char *pkt[2], const size_t len[2])
{
    double t0 = now_s();
    for (unsigned i = 0; i < BUNDLE_PACKETS; i++)
        input(b, pkt[i & 1], len[i & 1]);
    return (now_s() - t0) * 1e6 / (BUNDLE_PACKETS * BUNDLE_CHANGES);
}

/* A bundle by hand: wire.h's builder stops at one datagram of replies (OSC_DGRAM_MAX), and a
 * client's bundle may be up to 64 kB. */
static size_t build_bundle(unsigned char *buf, size_t cap, unsigned nstems, float delta)
{
    size_t len = 16;
    memcpy(buf, "#bundle\0\0\0\0\0\0\0\0\1", 16); /* timetag 1: immediately */
    for (unsigned i = 0; i < BUNDLE_CHANGES; i++) {
        char path[64];
        unsigned stem = i % nstems + 1, k = i / nstems;
        if (k < 6)
            snprintf(path, sizeof path, "/stem/%u/eq/%u/gain", stem, k + 1);
        else
            snprintf(path, sizeof path, "/stem/%u/fader", stem);
        if (len + 4 + 128 > cap) return 0;
        int n = oscw_message(buf + len + 4, 128, path, "f", (double)(-1.0f - delta - (float)k));
        if (n < 0) return 0;
        uint32_t be = htonl((uint32_t)n);
        memcpy(buf + len, &be, 4);
        len += 4 + (size_t)n;
    }
    return len;
}

/* ms per preset: a complete 256-stem state (every parameter, as the state file holds it). */
static double run_preset(struct bench *b, char *text[2])
{
    char err[512];
    double t0 = now_s();
    for (unsigned i = 0; i < PRESET_APPLIES; i++)
        if (stemd_apply_preset(b->sd, text[i & 1], "bench", 0, STEMD_SRC_API, err, sizeof err) <
            0) {
            fprintf(stderr, "bench-control: preset refused: %s\n", err);
            exit(1);
        }
    return (now_s() - t0) * 1e3 / PRESET_APPLIES;
}

int main(int argc, char **argv)
{
    unsigned runs = argc > 1 ? (unsigned)atoi(argv[1]) : 9;
    if (runs < 1 || runs > 1000) runs = 9;
    double *single = calloc(runs, sizeof *single), *bundle = calloc(runs, sizeof *bundle);
    double *preset = calloc(runs, sizeof *preset);
    struct bench b;

    /* Eight named stems: the OSC packets. */
    if (!single || !bundle || !preset ||
        bench_open(&b, "drums,bass,music,vocals,keys,gtr,pads,fx") < 0)
        return 1;
    unsigned char *bpkt[2] = {malloc(65536), malloc(65536)};
    size_t blen[2] = {build_bundle(bpkt[0], 65536, 8, 0.0f), build_bundle(bpkt[1], 65536, 8, 0.5f)};
    if (!blen[0] || !blen[1]) {
        fprintf(stderr, "bench-control: the bundle does not fit a datagram\n");
        return 1;
    }
    run_single(&b), run_bundle(&b, bpkt, blen); /* warm-up */
    for (unsigned r = 0; r < runs; r++) {
        single[r] = run_single(&b);
        bundle[r] = run_bundle(&b, bpkt, blen);
    }
    uint64_t replies = b.replies;
    /* No JACK here, so no callback is ever running: every change takes the fast path of a
     * change between callbacks (its old snapshot reused at once); in the daemon, one that
     * lands during a callback retires it to the control thread instead. */
    unsigned long long reused = atomic_load(&b.sd->ctl.reused), published = b.sd->ctl.seq;
    bench_close(&b);
    free(bpkt[0]), free(bpkt[1]);

    /* 256 stems (by index): two complete states that differ in every stem. */
    if (bench_open(&b, "256") < 0) return 1;
    char *text[2], err[512];
    text[0] = stemd_format_state(b.sd, 0);
    for (unsigned k = 1; k <= 256; k++) {
        char path[64];
        snprintf(path, sizeof path, "/stem/%u/fader", k);
        stemd_set(b.sd, path, -6.0f, STEMD_SRC_API, NULL, err, sizeof err);
        snprintf(path, sizeof path, "/stem/%u/eq/2/gain", k);
        stemd_set(b.sd, path, 2.5f, STEMD_SRC_API, NULL, err, sizeof err);
    }
    text[1] = stemd_format_state(b.sd, 0);
    if (!text[0] || !text[1]) return 1;
    unsigned lines = 0;
    for (const char *c = text[0]; *c; c++)
        lines += *c == '\n';
    run_preset(&b, text); /* warm-up */
    for (unsigned r = 0; r < runs; r++)
        preset[r] = run_preset(&b, text);
    bench_close(&b);

    printf("control path (OSC packet -> published snapshot), medians of %u runs:\n", runs);
    printf("  single message /stem/2/eq/3/gain f  %8.3f us per change  (%u packets a run)\n",
           median(single, runs), SINGLE_PACKETS);
    printf("  bundle of %u messages               %8.3f us per change  (%u bundles a run)\n",
           BUNDLE_CHANGES, median(bundle, runs), BUNDLE_PACKETS);
    printf("  256-stem preset, %u lines        %8.3f ms per preset  (%u presets a run)\n", lines,
           median(preset, runs), PRESET_APPLIES);
    printf("  snapshots reused at once (no callback runs here): %llu of %llu\n", reused, published);
    if (replies) printf("  (note: %llu replies were sent)\n", (unsigned long long)replies);
    free(text[0]), free(text[1]), free(single), free(bundle), free(preset);
    return 0;
}
