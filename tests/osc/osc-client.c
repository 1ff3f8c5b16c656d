/* tests/osc/osc-client.c: the OSC test client: one socket that sends and receives, so it gets
 * stemd's answers (oscsend cannot). Prints every message it receives, one a line:
 * "PATH ,TYPES arg ...".
 *
 * osc-client [-H HOST] [-p PORT] [-b BIND] [-l LOCALPORT] [-w IDLE_MS] [-n COUNT] CMD ...
 *   send ADDR [TYPES [ARG...]]         one message; then print answers until -n or idle -w
 *   bundle ADDR TYPES ARG... [-- ...]  one bundle of messages
 *   raw HEX                            these bytes as one datagram
 *   listen MS                          print what arrives for MS milliseconds
 *   ping                               "pong MS": the round trip of /ping
 *   roundtrip SEED                     every /list parameter: random value set then queried, in
 *                                      units and /norm, /text read; "roundtrip N bad M"
 *   flood SECONDS                      send sets, queries and pings as fast as possible
 *   churn N                            a /ping from each of N new sockets at once; "churn N
 *                                      answered M ms T" (a sender churning its source ports) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "osc/client.h"
#include "osc/wire.h"

struct opts {
    const char *host, *bind;
    unsigned port, lport;
    int wait_ms, count, verbose;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void print_msg(void *ctx, const char *path, lo_message m)
{
    char line[4096];
    (*(int *)ctx)++;
    oscc_format(path, m, line, sizeof line);
    printf("%s\n", line);
}

/* Print what arrives until count messages or wait_ms without any. */
static int drain(struct oscc *c, const struct opts *o, int total_ms)
{
    static unsigned char buf[65536];
    int n = 0;
    double end = total_ms ? now_ms() + total_ms : 0;
    for (;;) {
        int t = o->wait_ms;
        if (end) {
            t = (int)(end - now_ms());
            if (t <= 0) break;
        }
        ssize_t len = oscc_recv(c, buf, sizeof buf, t);
        if (len <= 0) break;
        if (o->verbose)
            printf("dgram %zd %s\n", len, oscw_is_bundle(buf, (size_t)len) ? "bundle" : "message");
        if (oscc_each(buf, (size_t)len, print_msg, &n) < 0)
            printf("! malformed datagram (%zd bytes)\n", len);
        if (o->count && n >= o->count) break;
    }
    fflush(stdout);
    return n;
}

static int build_one(unsigned char *buf, size_t cap, int argc, char **argv)
{
    char err[256];
    const char *types = argc > 1 ? argv[1] : "";
    int len = oscc_build(buf, cap, argv[0], types, argv + 2, argc - 2, err, sizeof err);
    if (len < 0) fprintf(stderr, "osc-client: %s\n", err);
    return len;
}

/* --- roundtrip ------------------------------------------------------------------------------ */

struct param {
    char path[256], type[128];
    float min, max;
};
struct collect {
    struct param *p;
    int n, cap, end;
    float value;
    char text[256];
    int got, errors;
    char want[320];
};

static void on_list(void *ctx, const char *path, lo_message m)
{
    struct collect *c = ctx;
    lo_arg **a = lo_message_get_argv(m);
    if (!strcmp(path, "/list/end")) {
        c->end = 1;
        return;
    }
    if (strcmp(path, "/list/reply") || c->n == c->cap) return;
    struct param *p = &c->p[c->n++];
    snprintf(p->path, sizeof p->path, "%s", (const char *)a[0]);
    snprintf(p->type, sizeof p->type, "%s", (const char *)a[1]);
    p->min = (float)oscc_num(m, 3);
    p->max = (float)oscc_num(m, 4);
}

static void on_value(void *ctx, const char *path, lo_message m)
{
    struct collect *c = ctx;
    if (!strcmp(path, "/error")) {
        c->errors++;
        printf("# /error %s: %s\n", (const char *)lo_message_get_argv(m)[0],
               (const char *)lo_message_get_argv(m)[1]);
        return;
    }
    if (strcmp(path, c->want)) return;
    const char *t = lo_message_get_types(m);
    if (t[0] == 's')
        snprintf(c->text, sizeof c->text, "%s", (const char *)lo_message_get_argv(m)[0]);
    else
        c->value = (float)oscc_num(m, 0);
    c->got = 1;
}

static int wait_for(struct oscc *s, struct collect *c, int ms)
{
    static unsigned char buf[65536];
    double end = now_ms() + ms;
    c->got = 0;
    while (!c->got && now_ms() < end) {
        ssize_t len = oscc_recv(s, buf, sizeof buf, (int)(end - now_ms()) + 1);
        if (len > 0) oscc_each(buf, (size_t)len, on_value, c);
    }
    return c->got;
}

static int set_and_query(struct oscc *s, struct collect *c, const char *path, float v)
{
    unsigned char msg[512];
    int len = oscw_message(msg, sizeof msg, path, "f", (double)v);
    oscc_send(s, msg, (size_t)len);
    len = oscw_message(msg, sizeof msg, path, "");
    snprintf(c->want, sizeof c->want, "%s", path);
    oscc_send(s, msg, (size_t)len);
    return wait_for(s, c, 1000);
}

static int roundtrip(struct oscc *s, unsigned seed)
{
    static unsigned char buf[65536];
    struct collect c = {0};
    unsigned char msg[512];
    int bad = 0, n = 0;
    c.cap = 20000;
    c.p = calloc((size_t)c.cap, sizeof *c.p);
    int len = oscw_message(msg, sizeof msg, "/list", "");
    oscc_send(s, msg, (size_t)len);
    double end = now_ms() + 10000;
    while (!c.end && now_ms() < end) {
        ssize_t l = oscc_recv(s, buf, sizeof buf, 1000);
        if (l > 0) oscc_each(buf, (size_t)l, on_list, &c);
    }
    if (!c.end || c.n == 0) {
        printf("# no complete /list (%d rows)\n", c.n);
        return 1;
    }
    srand(seed);
    for (int i = 0; i < c.n; i++) {
        struct param *p = &c.p[i];
        int whole = strcmp(p->type, "float") != 0;
        float r = (float)rand() / (float)RAND_MAX;
        float v = p->min + r * (p->max - p->min);
        if (whole) v = roundf(v);
        n++;
        /* Units: set, then query: the same value back (a float survives the trip exactly). */
        if (!set_and_query(s, &c, p->path, v) || c.value != v) {
            printf("# units %s: sent %.9g, got %.9g (%s)\n", p->path, (double)v, (double)c.value,
                   c.got ? "answer" : "no answer");
            bad++;
            continue;
        }
        /* /norm: a random position; the query gives the position of the value applied. */
        char np[300];
        snprintf(np, sizeof np, "%s/norm", p->path);
        float nv = (float)rand() / (float)RAND_MAX;
        if (!set_and_query(s, &c, np, nv)) {
            printf("# norm %s: no answer\n", np);
            bad++;
            continue;
        }
        if (!whole && fabsf(c.value - nv) > 1e-4f) {
            printf("# norm %s: sent %.6f, got %.6f\n", np, (double)nv, (double)c.value);
            bad++;
            continue;
        }
        char tp[300];
        snprintf(tp, sizeof tp, "%s/text", p->path);
        len = oscw_message(msg, sizeof msg, tp, "");
        snprintf(c.want, sizeof c.want, "%s", tp);
        c.text[0] = 0;
        oscc_send(s, msg, (size_t)len);
        if (!wait_for(s, &c, 1000) || !c.text[0]) {
            printf("# text %s: no label\n", tp);
            bad++;
        }
    }
    printf("roundtrip %d bad %d errors %d\n", n, bad, c.errors);
    free(c.p);
    return bad != 0;
}

/* --- flood ---------------------------------------------------------------------------------- */

static int flood(struct oscc *s, double seconds)
{
    unsigned char m[4][256];
    int len[4];
    static unsigned char buf[65536];
    len[0] = oscw_message(m[0], sizeof m[0], "/stem/1/fader", "f", -3.0);
    len[1] = oscw_message(m[1], sizeof m[1], "/bus/eq/2/gain", "");
    len[2] = oscw_message(m[2], sizeof m[2], "/ping", "");
    len[3] = oscw_message(m[3], sizeof m[3], "/stem/*/pan", "f", 0.1);
    unsigned long sent = 0, got = 0;
    double end = now_ms() + seconds * 1000;
    while (now_ms() < end) {
        for (int k = 0; k < 64; k++) {
            int i = (int)(sent++ % 4);
            oscc_send(s, m[i], (size_t)len[i]);
        }
        while (oscc_recv(s, buf, sizeof buf, 0) > 0) /* keep our own buffer from filling */
            got++;
    }
    printf("flood sent %lu received %lu\n", sent, got);
    return 0;
}

/* --- two subscribers ------------------------------------------------------------------------ */

struct seen {
    const char *path;
    int hits;
    float v;
};

static void on_seen(void *ctx, const char *path, lo_message m)
{
    struct seen *s = ctx;
    if (!strcmp(path, s->path)) {
        s->hits++;
        s->v = (float)oscc_num(m, 0);
    }
}

/* Wait up to ms for path on c; returns the time it took (ms) or -1. */
static double await(struct oscc *c, const char *path, int ms, float *v)
{
    static unsigned char buf[65536];
    struct seen s = {path, 0, 0};
    double t0 = now_ms(), end = t0 + ms;
    while (!s.hits && now_ms() < end) {
        ssize_t l = oscc_recv(c, buf, sizeof buf, (int)(end - now_ms()) + 1);
        if (l > 0) oscc_each(buf, (size_t)l, on_seen, &s);
    }
    if (v) *v = s.v;
    return s.hits ? now_ms() - t0 : -1;
}

static void quiet(struct oscc *c, int ms) /* drop what arrives for ms */
{
    static unsigned char buf[65536];
    double end = now_ms() + ms;
    while (now_ms() < end)
        oscc_recv(c, buf, sizeof buf, (int)(end - now_ms()) + 1);
}

/* Two clients subscribe; A sets PATH: B must see it (print the delay), A must not (no echo);
 * then A sets PATH out of range: A gets the clamped echo. */
static int feedback2(const struct opts *o, const char *path)
{
    struct oscc a, b;
    char err[256];
    unsigned char m[512];
    float v;
    if (oscc_open(&a, o->host, o->port, NULL, 0, err, sizeof err) < 0 ||
        oscc_open(&b, o->host, o->port, NULL, 0, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        return 2;
    }
    int len = oscw_message(m, sizeof m, "/subscribe", "");
    oscc_send(&a, m, (size_t)len);
    oscc_send(&b, m, (size_t)len);
    len = oscw_message(m, sizeof m, "/meters", "i", 0);
    oscc_send(&a, m, (size_t)len);
    oscc_send(&b, m, (size_t)len);
    printf("dump_a %s\n", await(&a, "/dump/end", 2000, NULL) >= 0 ? "yes" : "no");
    printf("dump_b %s\n", await(&b, "/dump/end", 2000, NULL) >= 0 ? "yes" : "no");
    quiet(&a, 100);
    quiet(&b, 100);
    len = oscw_message(m, sizeof m, path, "f", -7.5);
    double t0 = now_ms();
    oscc_send(&a, m, (size_t)len);
    double d = await(&b, path, 1000, &v);
    printf("b_latency_ms %.2f value %g\n", d < 0 ? -1 : now_ms() - t0, (double)v);
    printf("a_echo %s\n", await(&a, path, 300, NULL) >= 0 ? "yes" : "no");
    len = oscw_message(m, sizeof m, path, "f", 1000.0);
    oscc_send(&a, m, (size_t)len);
    d = await(&a, path, 500, &v);
    printf("a_clamped_echo %s value %g\n", d >= 0 ? "yes" : "no", (double)v);
    d = await(&b, path, 500, &v);
    printf("b_sees_clamped %s value %g\n", d >= 0 ? "yes" : "no", (double)v);
    /* A burst of 50 changes within 100 ms reaches B coalesced: at most ~30 Hz, last value wins. */
    quiet(&b, 100);
    double burst_t0 = now_ms();
    for (int i = 0; i < 50; i++) {
        len = oscw_message(m, sizeof m, path, "f", -20.0 + i * 0.2);
        oscc_send(&a, m, (size_t)len);
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    /* How long the burst took to send: on a busy machine more than the 100 ms planned, and
     * the coalescing bound follows the time, not the plan. */
    double burst_ms = now_ms() - burst_t0;
    static unsigned char buf[65536];
    struct seen s = {path, 0, 0};
    double end = now_ms() + 1000;
    while (now_ms() < end) {
        ssize_t l = oscc_recv(&b, buf, sizeof buf, (int)(end - now_ms()) + 1);
        if (l > 0) oscc_each(buf, (size_t)l, on_seen, &s);
    }
    printf("burst_messages %d last %g ms %.0f\n", s.hits, (double)s.v, burst_ms);
    len = oscw_message(m, sizeof m, "/unsubscribe", "");
    oscc_send(&a, m, (size_t)len);
    oscc_send(&b, m, (size_t)len);
    return 0;
}

/* A /ping from each of n sockets of their own (n new senders within a fraction of a second),
 * then the pongs: how many of them the server took in. Sent in batches of 64, each batch's last
 * pong awaited (at most -w ms), so the server's socket buffer never overflows: what is not
 * answered was refused by the server, not lost by the kernel (once a batch goes unanswered the
 * rest go at once, within the server's second). */
static int churn(const struct opts *o, unsigned n)
{
    struct oscc *s = calloc(n, sizeof *s);
    unsigned char *got = calloc(n, 1);
    unsigned char m[64], buf[512];
    char err[256];
    unsigned opened = 0, answered = 0;
    int refused = 0;
    int len = oscw_message(m, sizeof m, "/ping", "");
    double t0 = now_ms();
    for (; s && got && opened < n; opened++) {
        if (oscc_open(&s[opened], o->host, o->port, NULL, 0, err, sizeof err) < 0) {
            fprintf(stderr, "osc-client: socket %u: %s\n", opened, err);
            break;
        }
        oscc_send(&s[opened], m, (size_t)len);
        if (opened % 64 == 63 && !refused) {
            ssize_t l = oscc_recv(&s[opened], buf, sizeof buf, o->wait_ms);
            got[opened] = l >= 5 && !memcmp(buf, "/pong", 5);
            refused = !got[opened]; /* the server refuses now: the rest at once */
        }
    }
    struct timespec ts = {0, 200000000};
    nanosleep(&ts, NULL);
    for (unsigned i = 0; i < opened; i++) {
        if (!got[i]) {
            ssize_t l = oscc_recv(&s[i], buf, sizeof buf, 0);
            got[i] = l >= 5 && !memcmp(buf, "/pong", 5);
        }
        answered += got[i];
        oscc_close(&s[i]);
    }
    free(s);
    free(got);
    /* how long the sending took: the server's one-second windows it spans */
    printf("churn %u answered %u ms %.0f\n", opened, answered, now_ms() - t0);
    return opened == n ? 0 : 2;
}

int main(int argc, char **argv)
{
    struct opts o = {"127.0.0.1", NULL, 7770, 0, 300, 0, 0};
    struct oscc c;
    char err[256];
    int opt;
    unsigned char buf[65536];
    while ((opt = getopt(argc, argv, "+H:p:b:l:w:n:v")) != -1) {
        switch (opt) {
        case 'v':
            o.verbose = 1;
            break;
        case 'H':
            o.host = optarg;
            break;
        case 'p':
            o.port = (unsigned)atoi(optarg);
            break;
        case 'b':
            o.bind = optarg;
            break;
        case 'l':
            o.lport = (unsigned)atoi(optarg);
            break;
        case 'w':
            o.wait_ms = atoi(optarg);
            break;
        case 'n':
            o.count = atoi(optarg);
            break;
        default:
            return 2;
        }
    }
    argc -= optind;
    argv += optind;
    if (argc < 1) {
        fprintf(stderr,
                "usage: osc-client [-H h] [-p port] [-b bind] [-l lport] [-w ms] [-n count] "
                "send|bundle|raw|listen|ping|roundtrip|flood ...\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (oscc_open(&c, o.host, o.port, o.bind, o.lport, err, sizeof err) < 0) {
        fprintf(stderr, "osc-client: %s\n", err);
        return 2;
    }
    const char *cmd = argv[0];
    if (!strcmp(cmd, "send") && argc >= 2) {
        int len = build_one(buf, sizeof buf, argc - 1, argv + 1);
        if (len < 0) return 2;
        oscc_send(&c, buf, (size_t)len);
        drain(&c, &o, 0);
    } else if (!strcmp(cmd, "bundle")) {
        struct oscw_bundle *b = malloc(sizeof *b);
        oscw_bundle_init(b);
        int i = 1;
        while (i < argc) {
            int j = i;
            while (j < argc && strcmp(argv[j], "--"))
                j++;
            int len = build_one(buf, sizeof buf, j - i, argv + i);
            if (len < 0 || oscw_bundle_add(b, buf, (size_t)len) < 0) return 2;
            i = j + 1;
        }
        oscc_send(&c, b->buf, b->len); /* always a bundle, even of one */
        free(b);
        drain(&c, &o, 0);
    } else if (!strcmp(cmd, "raw") && argc == 2) {
        size_t n = strlen(argv[1]) / 2;
        for (size_t i = 0; i < n && i < sizeof buf; i++)
            sscanf(argv[1] + 2 * i, "%2hhx", &buf[i]);
        oscc_send(&c, buf, n);
        drain(&c, &o, 0);
    } else if (!strcmp(cmd, "listen") && argc == 2) {
        drain(&c, &o, atoi(argv[1]));
    } else if (!strcmp(cmd, "ping")) {
        int len = oscw_message(buf, sizeof buf, "/ping", "");
        double t0 = now_ms();
        oscc_send(&c, buf, (size_t)len);
        for (;;) {
            ssize_t l = oscc_recv(&c, buf, sizeof buf, o.wait_ms);
            if (l <= 0) {
                printf("no pong\n");
                return 1;
            }
            if (l >= 5 && !memcmp(buf, "/pong", 5)) break;
        }
        printf("pong %.3f\n", now_ms() - t0);
    } else if (!strcmp(cmd, "roundtrip") && argc == 2) {
        return roundtrip(&c, (unsigned)atoi(argv[1]));
    } else if (!strcmp(cmd, "feedback2") && argc == 2) {
        return feedback2(&o, argv[1]);
    } else if (!strcmp(cmd, "churn") && argc == 2) {
        return churn(&o, (unsigned)atoi(argv[1]));
    } else if (!strcmp(cmd, "flood") && argc == 2) {
        return flood(&c, atof(argv[1]));
    } else {
        fprintf(stderr, "osc-client: unknown command %s\n", cmd);
        return 2;
    }
    oscc_close(&c);
    return 0;
}
