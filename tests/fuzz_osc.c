/* tests/fuzz_osc.c: libFuzzer harness over the OSC packet dispatch: each input is one datagram
 * from an allowed client, handed to osc_input exactly as the socket loop does, followed by the
 * timers (feedback, meters, paced answers). The engine is initialised through the server's C
 * API but never connected to JACK, so no jackd is needed. Every datagram stemd would send is
 * checked to be valid OSC. Build and run: make fuzz (FUZZ_SECONDS=...). */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osc/internal.h"
#include "server/config.h"
#include "server/server.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct harness {
    struct stemd *sd;
    struct osc *osc;
    struct osc_addr from, sub;
    int64_t now;
    uint64_t sent;
};

/* One harness per process: libFuzzer's entry points take no context. */
static struct harness *H;

static void check_msg(void *ctx, const char *path, lo_message m)
{
    (void)ctx;
    (void)path;
    (void)m;
}

/* Everything stemd sends must parse as OSC and stay within a UDP datagram. */
static void sink(void *ctx, const struct osc_addr *to, const void *data, size_t len)
{
    struct harness *h = ctx;
    (void)to;
    h->sent++;
    if (len == 0 || len > 65507 || len % 4 != 0) abort();
    if (oscw_is_bundle(data, len) && len >= OSC_DGRAM_MAX) abort();
    void *copy = malloc(len);
    memcpy(copy, data, len);
    if (oscw_is_bundle(copy, len)) {
        size_t off = 0, el;
        const unsigned char *e;
        const char *why;
        int rc;
        while ((rc = oscw_bundle_next(copy, len, &off, &e, &el, &why)) == 1) {
            int res;
            lo_message m = lo_message_deserialise((void *)e, el, &res);
            if (!m) abort();
            check_msg(NULL, (const char *)e, m);
            lo_message_free(m);
        }
        if (rc < 0) abort();
    } else {
        int res;
        lo_message m = lo_message_deserialise(copy, len, &res);
        if (!m) abort();
        lo_message_free(m);
    }
    free(copy);
}

static void addr4(struct osc_addr *a, const char *ip, unsigned port)
{
    struct sockaddr_in *s = (void *)&a->ss;
    memset(a, 0, sizeof *a);
    s->sin_family = AF_INET;
    s->sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, ip, &s->sin_addr);
    a->len = sizeof *s;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    char *args[] = {"fuzz", "--stems", "drums,bass,music,vocals", "--log-level", "error", NULL};
    struct osc_config oc;
    char err[256];
    (void)argc;
    (void)argv;
    H = calloc(1, sizeof *H);
    H->sd = calloc(1, sizeof *H->sd);
    if (config_from_args(&H->sd->cfg, 5, args) != 0 || stemd_init(H->sd) < 0) abort();
    osc_config_defaults(&oc);
    oc.lease_s = 5;
    if (osc_create(H->sd, &oc, sink, H, &H->osc, err, sizeof err) < 0 ||
        osc_attach(H->osc, err, sizeof err) < 0) {
        fprintf(stderr, "fuzz: %s\n", err);
        abort();
    }
    addr4(&H->from, "127.0.0.1", 9000);
    addr4(&H->sub, "127.0.0.1", 9001);
    H->now = 1000000;
    /* A subscriber, so that feedback and meters run too. */
    unsigned char m[64];
    int len = oscw_message(m, sizeof m, "/subscribe", "s", "norm");
    osc_input(H->osc, m, (size_t)len, &H->sub, H->now);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Copied to an aligned buffer, as recvfrom delivers it. */
    unsigned char *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    H->now += 7;
    osc_input(H->osc, buf, size, &H->from, H->now);
    osc_tick(H->osc, H->now);
    if (H->now % 4000 < 7) { /* keep the subscription alive, as a surface would */
        unsigned char m[32];
        int len = oscw_message(m, sizeof m, "/ping", "");
        osc_input(H->osc, m, (size_t)len, &H->sub, H->now);
    }
    free(buf);
    return 0;
}
