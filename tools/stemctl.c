/* tools/stemctl.c: stemd's OSC client for people and scripts: set, get, list, dump, load,
 * status, watch, record, preset, scene, undo, redo, ab, midi (learn, list, map, unmap, clear), and
 * tablet layouts (tools/layout.h). Exit status 0 on success; 1 on an /error or no answer in time
 * (the reason on stderr); 2 on a usage error. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dsp/params.h"
#include "osc/client.h"
#include "osc/wire.h"
#include "server/metertable.h"
#include "tools/layout.h"

#define TIMEOUT_MS 2000

struct ctl {
    struct oscc c;
    unsigned char buf[65536];
    int errors, done;
    const char *want; /* get: the address of the answer */
    int got;
    /* list / dump */
    int listing;
    /* info, for dump's value names */
    char names[STEMD_MAX_STEMS][STEMD_STEM_NAME_MAX];
    const char *name_ptr[STEMD_MAX_STEMS];
    struct params_names pn;
    int have_info;
    /* watch */
    float meter[STEMD_MAX_STEMS + 1][METER_MAX];
    unsigned nstems;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void usage(FILE *f)
{
    fprintf(
        f, "Usage: stemctl [--host H] [--port P] [--timeout MS] COMMAND\n"
           "  set PATH VALUE [PATH VALUE]...  set (several: one atomic bundle); VALUE is a\n"
           "                                  number or a name (lowshelf, on, bass)\n"
           "  get PATH                        print the value (PATH/norm, PATH/text, patterns ok)\n"
           "  list [PREFIX]                   parameters with type, unit, range, default\n"
           "  dump                            every parameter as 'path value' (a valid preset)\n"
           "  load FILE                       apply a preset as one bundle (all or nothing)\n"
           "  status                          DSP load, xruns, latency, uptime, subscribers\n"
           "  watch                           live meters (Ctrl-C ends it)\n"
           "  record start [NAME]|stop|status record the master into stemd's --record-dir\n"
           "                                  (NAME.wav; default a timestamp)\n"
           "  loudness learn TARGET|PLATFORM [SECONDS]  set the limiter drive (and output\n"
           "                                  gain) so the master integrates to TARGET LUFS\n"
           "                                  or a platform's loudness and ceiling (the names:\n"
           "                                  stemd-render --help, or an unknown one's error)\n"
           "  loudness cancel | reset         stop a learn; restart the integrated meter\n"
           "  preset save NAME [PREFIX]|load NAME|list|delete NAME|rename OLD NEW\n"
           "                                  stemd's preset library (--preset-dir); a save\n"
           "                                  with PREFIX (/bus, /stem/vocals) keeps that part\n"
           "  scene store N [NAME]|recall N [SECONDS]|list\n"
           "                                  the 8 scene slots; a recall with SECONDS (0-10)\n"
           "                                  morphs every value there along its taper\n"
           "  undo | redo | undo list         step back or forward (a bundle or a preset load\n"
           "                                  is one step); list the steps\n"
           "  ab | ab select A|B | ab copy A>B|B>A\n"
           "                                  the two live slots: which is live, switch, copy\n"
           "  midi learn PATH                 bind the next MIDI control moved to PATH (waits up\n"
           "                                  to 60 s for the move)\n"
           "  midi list | midi unmap PATH | midi clear | midi map PATH CONTROL...\n"
           "                                  MIDI mappings: list them (as state-file lines),\n"
           "                                  remove, or make one (e.g. cc14 7 ch 1 pickup)\n"
           "  layout touchosc|openstage [--stems LIST] [--host H] [--port P]\n"
           "         [--reply-port N] -o FILE a tablet layout (.tosc, .json) for stemd's stems\n"
           "                                  (asked with /info unless --stems a,b,c); --host\n"
           "                                  is written into it as the target; the feedback\n"
           "                                  goes to N (TouchOSC: 9000, its receive port; 0:\n"
           "                                  the port the app sends from)\n"
           "Defaults: --host 127.0.0.1 --port 7770 --timeout 2000. Exit status 1 on an\n"
           "/error from stemd or no answer in time.\n");
}

static int send_msg(struct ctl *x, const char *addr, const char *types, char *const *args, int n)
{
    char err[256];
    int len = oscc_build(x->buf, sizeof x->buf, addr, types, args, n, err, sizeof err);
    if (len < 0) {
        fprintf(stderr, "stemctl: %s\n", err);
        return -1;
    }
    return oscc_send(&x->c, x->buf, (size_t)len);
}

/* Receive, handing every message to fn(ctx, ...), until x->done; -2 after timeout_ms without a
 * datagram, -1 on a socket error. */
static int pump_ctx(struct ctl *x, void (*fn)(void *, const char *, lo_message), void *ctx,
                    int timeout_ms)
{
    while (!x->done) {
        ssize_t n = oscc_recv(&x->c, x->buf, sizeof x->buf, timeout_ms);
        if (n < 0 && n != -EINTR) return -1;
        if (n == 0) return -2;
        if (n > 0) oscc_each(x->buf, (size_t)n, fn, ctx);
    }
    return 0;
}

/* The same with ctx x, saying so when stemd does not answer. */
static int pump(struct ctl *x, void (*fn)(void *, const char *, lo_message), int timeout_ms)
{
    int rc = pump_ctx(x, fn, x, timeout_ms);
    if (rc == -2)
        fprintf(stderr,
                "stemctl: no answer from stemd within %d ms (is it running, and is "
                "this host in its --allow list?)\n",
                timeout_ms);
    return rc < 0 ? -1 : 0;
}

static int on_error(struct ctl *x, const char *path, lo_message m)
{
    if (strcmp(path, "/error")) return 0;
    lo_arg **a = lo_message_get_argv(m);
    const char *t = lo_message_get_types(m);
    fprintf(stderr, "stemctl: %s: %s\n", t[0] == 's' ? (const char *)a[0] : "?",
            t[0] && t[1] == 's' ? (const char *)a[1] : "error");
    x->errors++;
    return 1;
}

static void fmt_value(lo_message m, char *buf, size_t len)
{
    const char *t = lo_message_get_types(m);
    if (t[0] == 's')
        snprintf(buf, len, "%s", (const char *)lo_message_get_argv(m)[0]);
    else
        snprintf(buf, len, "%.9g", oscc_num(m, 0));
}

/* set and get: print every answer; a /pong sent after the request marks the end. */
static void on_reply(void *ctx, const char *path, lo_message m)
{
    struct ctl *x = ctx;
    char v[256];
    if (on_error(x, path, m)) return;
    if (!strcmp(path, "/pong")) {
        x->done = 1;
        return;
    }
    fmt_value(m, v, sizeof v);
    if (x->want)
        printf("%s %s\n", path, v);
    else
        printf("%s %s (clamped)\n", path, v);
}

static int looks_numeric(const char *s)
{
    char *end;
    strtod(s, &end);
    return end != s && *end == 0;
}

static int add_value_msg(struct oscw_bundle *b, const char *path, const char *value)
{
    unsigned char m[1024];
    int len = looks_numeric(value) ? oscw_message(m, sizeof m, path, "f", strtod(value, NULL))
                                   : oscw_message(m, sizeof m, path, "s", value);
    return len < 0 ? -1 : oscw_bundle_add(b, m, (size_t)len);
}

static int finish(struct ctl *x, int timeout)
{
    if (send_msg(x, "/ping", "", NULL, 0) < 0 || pump(x, on_reply, timeout) < 0) return 1;
    return x->errors ? 1 : 0;
}

static int cmd_set(struct ctl *x, int argc, char **argv, int timeout)
{
    if (argc < 2 || argc % 2) {
        fprintf(stderr, "stemctl: set PATH VALUE [PATH VALUE]...\n");
        return 2;
    }
    struct oscw_bundle b;
    oscw_bundle_init(&b);
    for (int i = 0; i < argc; i += 2)
        if (add_value_msg(&b, argv[i], argv[i + 1]) < 0) {
            fprintf(stderr, "stemctl: too many values for one datagram\n");
            return 2;
        }
    size_t len;
    const unsigned char *d = argc == 2 ? oscw_bundle_data(&b, &len) : (len = b.len, b.buf);
    oscc_send(&x->c, d, len);
    return finish(x, timeout);
}

static int cmd_get(struct ctl *x, const char *path, int timeout)
{
    x->want = path;
    if (send_msg(x, path, "", NULL, 0) < 0) return 1;
    return finish(x, timeout);
}

static void on_list(void *ctx, const char *path, lo_message m)
{
    struct ctl *x = ctx;
    lo_arg **a = lo_message_get_argv(m);
    if (on_error(x, path, m)) {
        x->done = 1;
        return;
    }
    if (!strcmp(path, "/list/end") || !strcmp(path, "/dump/end")) {
        x->done = 1;
        return;
    }
    if (!strcmp(path, "/list/reply")) {
        char range[64];
        snprintf(range, sizeof range, "%g..%g", oscc_num(m, 3), oscc_num(m, 4));
        printf("%-32s %-34s %-5s %-14s %-8g %s\n", (const char *)a[0], (const char *)a[1],
               (const char *)a[2], range, oscc_num(m, 5), (const char *)a[6]);
        return;
    }
    /* /dump: PATH f:VALUE; choices and stems by name, numbers exactly. */
    struct param_ref ref;
    char err[8], v[64];
    float f = (float)oscc_num(m, 0);
    if (x->have_info && params_resolve(path, &x->pn, &ref, err, sizeof err) == 0 &&
        ref.def->type != PT_FLOAT)
        params_format_value(&ref, f, &x->pn, v, sizeof v);
    else
        snprintf(v, sizeof v, "%.9g", (double)f);
    printf("%s %s\n", path, v);
}

static void on_info(void *ctx, const char *path, lo_message m)
{
    struct ctl *x = ctx;
    if (on_error(x, path, m) || strcmp(path, "/info")) return;
    int n = (int)oscc_num(m, 4);
    lo_arg **a = lo_message_get_argv(m);
    for (int k = 0; k < n && k < STEMD_MAX_STEMS && 5 + k < lo_message_get_argc(m); k++) {
        snprintf(x->names[k], sizeof x->names[k], "%s", (const char *)a[5 + k]);
        x->name_ptr[k] = x->names[k];
    }
    x->pn.n = (unsigned)n;
    x->pn.names = x->name_ptr;
    x->nstems = (unsigned)n;
    x->have_info = 1;
    x->done = 1;
}

static int get_info(struct ctl *x, int timeout)
{
    x->done = 0;
    if (send_msg(x, "/info", "", NULL, 0) < 0 || pump(x, on_info, timeout) < 0) return -1;
    x->done = 0;
    return x->errors ? -1 : 0;
}

static int cmd_list(struct ctl *x, const char *cmd, const char *prefix, int timeout)
{
    char *args[1] = {(char *)prefix};
    if (!strcmp(cmd, "/dump")) {
        if (get_info(x, timeout) < 0) return 1;
        printf("# stemd state (stemctl dump)\n");
    } else {
        printf("%-32s %-34s %-5s %-14s %-8s %s\n", "PATH", "TYPE", "UNIT", "RANGE", "DEFAULT",
               "DESCRIPTION");
    }
    if (send_msg(x, cmd, prefix ? "s" : "", args, prefix ? 1 : 0) < 0 ||
        pump(x, on_list, timeout) < 0)
        return 1;
    return x->errors ? 1 : 0;
}

/* load: the preset's text in parts of at most PART_BYTES, cut at line ends, each sent after the
 * previous one's /preset/part/ok (a lost datagram is sent again); stemd applies the whole preset
 * as one snapshot after the last part, or nothing. */
#define PART_BYTES 8000
struct load {
    struct ctl *x;
    int32_t id, index, count;
    int acked, applied;
};

static void on_part(void *ctx, const char *path, lo_message m)
{
    struct load *ld = ctx;
    if (on_error(ld->x, path, m)) {
        ld->x->done = 1;
        return;
    }
    if (!strcmp(path, "/preset/part/ok") && (int32_t)oscc_num(m, 0) == ld->id &&
        (int32_t)oscc_num(m, 1) == ld->index)
        ld->acked = 1;
    else if (!strcmp(path, "/preset/applied") && (int32_t)oscc_num(m, 0) == ld->id)
        ld->applied = 1;
    /* The last part's ok comes with the verdict: applied, or /error with the reasons. */
    ld->x->done = ld->x->done || (ld->acked && (ld->index + 1 < ld->count || ld->applied));
}

static char *slurp(FILE *f, size_t *len)
{
    size_t cap = 65536, n = 0, got;
    char *b = malloc(cap);
    while (b && (got = fread(b + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (n + 1 == cap) {
            char *g = realloc(b, cap *= 2);
            if (!g) free(b);
            b = g;
        }
    }
    if (b) b[n] = 0;
    *len = n;
    return b;
}

static int cmd_load(struct ctl *x, const char *file, int timeout)
{
    FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
    size_t len;
    if (!f) {
        fprintf(stderr, "stemctl: cannot read %s: %s\n", file, strerror(errno));
        return 1;
    }
    char *text = slurp(f, &len);
    if (f != stdin) fclose(f);
    if (!text || memchr(text, 0, len)) {
        fprintf(stderr, "stemctl: %s: %s\n", file, text ? "not a text file" : "out of memory");
        free(text);
        return 1;
    }
    /* The parts: cut after the last newline within PART_BYTES. */
    size_t starts[4096], nparts = 0;
    for (size_t pos = 0; pos < len || nparts == 0;) {
        size_t end = len - pos <= PART_BYTES ? len : pos + PART_BYTES;
        if (end < len) {
            while (end > pos && text[end - 1] != '\n')
                end--;
            if (end == pos) {
                fprintf(stderr, "stemctl: %s: a line longer than %d bytes\n", file, PART_BYTES);
                free(text);
                return 1;
            }
        }
        if (nparts == sizeof starts / sizeof starts[0] - 1) {
            fprintf(stderr, "stemctl: %s: too large\n", file);
            free(text);
            return 1;
        }
        starts[nparts++] = pos;
        pos = end;
        if (pos >= len) break;
    }
    starts[nparts] = len;
    struct load ld = {x, (int32_t)(getpid() & 0x7fffffff), 0, (int32_t)nparts, 0, 0};
    int rc = 0;
    for (size_t p = 0; p < nparts && !rc; p++) {
        size_t n = starts[p + 1] - starts[p];
        char saved = text[starts[p] + n];
        text[starts[p] + n] = 0;
        unsigned char msg[PART_BYTES + 256];
        int ml = oscw_message(msg, sizeof msg, "/preset/part", "iiis", ld.id, (int32_t)p,
                              (int32_t)nparts, text + starts[p]);
        text[starts[p] + n] = saved;
        ld.index = (int32_t)p;
        ld.acked = 0;
        /* A part whose ok does not come in a third of the timeout is sent again (stemd
         * acknowledges a repeat without taking it twice). */
        int tries = 0, got;
        do {
            x->done = 0;
            if (ml < 0 || oscc_send(&x->c, msg, (size_t)ml) < 0) break;
            got = pump_ctx(x, on_part, &ld, timeout / 3 + 1);
        } while (got == -2 && !ld.acked && ++tries < 3);
        if (x->errors || !x->done) rc = 1;
    }
    free(text);
    if (rc && !x->errors)
        fprintf(stderr, "stemctl: no answer from stemd for the preset within %d ms\n", timeout);
    return rc;
}

static void on_status(void *ctx, const char *path, lo_message m)
{
    struct ctl *x = ctx;
    if (on_error(x, path, m) || strcmp(path, "/status")) return;
    printf("dsp_load %.1f %%\nxruns %.0f\nlatency %.0f frames\nuptime %.1f s\nsubscribers %.0f\n"
           "connected %s\nrate %.0f Hz\nperiod %.0f frames\n",
           oscc_num(m, 0), oscc_num(m, 1), oscc_num(m, 2), oscc_num(m, 3), oscc_num(m, 4),
           oscc_num(m, 5) ? "yes" : "no", oscc_num(m, 6), oscc_num(m, 7));
    x->done = 1;
}

/* --- watch ---------------------------------------------------------------------------------- */

static volatile sig_atomic_t interrupted; /* set by SIGINT: the one way out of watch */

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static void on_meter(void *ctx, const char *path, lo_message m)
{
    struct ctl *x = ctx;
    unsigned k;
    char name[32];
    if (on_error(x, path, m)) return;
    if (sscanf(path, "/stem/%u/meter/%31s", &k, name) == 2 && k >= 1 && k <= x->nstems) {
        for (unsigned j = 0; j < SM_COUNT; j++)
            if (!strcmp(name, stem_meter_row(j)->name)) x->meter[k][j] = (float)oscc_num(m, 0);
    } else if (sscanf(path, "/bus/meter/%31s", name) == 1) {
        for (unsigned j = 0; j < BM_COUNT; j++)
            if (!strcmp(name, bus_meter_row(j)->name)) x->meter[0][j] = (float)oscc_num(m, 0);
    }
}

/* A meter that has had no data yet is NAN: drawn empty and as "-", never as a full-scale
 * 0.0 dBFS that stemd did not say. */
#define BAR_W 30 /* with the numbers beside it, a stem's line fits 100 columns */
static void bar(char *buf, float db, float lo)
{
    int n = isnan(db) ? 0 : (int)((db - lo) / -lo * BAR_W);
    n = n < 0 ? 0 : n > BAR_W ? BAR_W : n;
    memset(buf, '#', (size_t)n);
    memset(buf + n, '.', (size_t)(BAR_W - n));
    buf[BAR_W] = 0;
}

/* A number right-aligned in width w with prec decimals (sign forced when plus), or "-". */
static const char *num(char *buf, size_t len, int w, int prec, int plus, float v)
{
    if (isnan(v))
        snprintf(buf, len, "%*s", w, "-");
    else
        snprintf(buf, len, plus ? "%+*.*f" : "%*.*f", w, prec, (double)v);
    return buf;
}

static int cmd_watch(struct ctl *x, int timeout)
{
    if (get_info(x, timeout) < 0) return 1;
    for (unsigned k = 0; k <= STEMD_MAX_STEMS; k++)
        for (unsigned j = 0; j < sizeof x->meter[k] / sizeof x->meter[k][0]; j++)
            x->meter[k][j] = NAN; /* nothing measured yet */
    signal(SIGINT, on_sigint);
    send_msg(x, "/subscribe", "", NULL, 0);
    double last_draw = 0, last_renew = now_ms(), last_rx = now_ms();
    printf("\033[2J");
    while (!interrupted) {
        ssize_t n = oscc_recv(&x->c, x->buf, sizeof x->buf, 100);
        if (n > 0) {
            oscc_each(x->buf, (size_t)n, on_meter, x);
            last_rx = now_ms();
        }
        double t = now_ms();
        if (t - last_rx > timeout) {
            fprintf(stderr, "stemctl: no meters from stemd for %d ms\n", timeout);
            return 1;
        }
        if (t - last_renew > 10000) { /* any packet renews the subscription's lease */
            send_msg(x, "/ping", "", NULL, 0);
            last_renew = t;
        }
        if (t - last_draw < 100) continue;
        last_draw = t;
        char b1[48], n1[16], n2[16], n3[16], n4[16], n5[16];
        printf("\033[H%-12s %-*s %6s %5s %5s  %s\n", "stem", BAR_W, "peak (dBFS)", "rms", "comp",
               "deess", "dynamic EQ 1-4 (dB)");
        for (unsigned k = 1; k <= x->nstems && k <= 64; k++) {
            const float *sm = x->meter[k];
            char d[4][16];
            for (unsigned b = 0; b < 4; b++)
                num(d[b], sizeof d[b], 5, 1, 1, sm[SM_DEQ1 + b]);
            bar(b1, fmaxf(sm[SM_PEAK_L], sm[SM_PEAK_R]), -60);
            printf("%-12.12s %s %s %s %s  %s %s %s %s\033[K\n", x->names[k - 1], b1,
                   num(n1, sizeof n1, 6, 1, 0, sm[SM_RMS]), num(n2, sizeof n2, 5, 1, 0, sm[SM_GR]),
                   num(n3, sizeof n3, 5, 1, 0, sm[SM_DEESS]), d[0], d[1], d[2], d[3]);
        }
        const float *bm = x->meter[0];
        bar(b1, fmaxf(bm[BM_PEAK_L], bm[BM_PEAK_R]), -60);
        printf("%-12s %s tp %s dBTP\033[K\n", "master", b1,
               num(n1, sizeof n1, 6, 1, 0, bm[BM_TRUE_PEAK]));
        printf("LUFS M %s  S %s  I %s  LRA %s LU  corr %s\033[K\n",
               num(n1, sizeof n1, 6, 1, 0, bm[BM_LUFS_M]),
               num(n2, sizeof n2, 6, 1, 0, bm[BM_LUFS_S]),
               num(n3, sizeof n3, 6, 1, 0, bm[BM_LUFS_I]), num(n4, sizeof n4, 4, 1, 0, bm[BM_LRA]),
               num(n5, sizeof n5, 5, 2, 1, bm[BM_CORRELATION]));
        printf("GR limiter %s dB  bands %s %s %s dB  bypass %s dB  (Ctrl-C ends)\033[K\n",
               num(n1, sizeof n1, 5, 1, 0, bm[BM_GR_LIMITER]),
               num(n2, sizeof n2, 5, 1, 0, bm[BM_GR_BAND1]),
               num(n3, sizeof n3, 5, 1, 0, bm[BM_GR_BAND2]),
               num(n4, sizeof n4, 5, 1, 0, bm[BM_GR_BAND3]),
               num(n5, sizeof n5, 5, 1, 1, bm[BM_COMPARE_GAIN]));
        fflush(stdout);
    }
    send_msg(x, "/unsubscribe", "", NULL, 0);
    printf("\n");
    return 0;
}

/* record: /record/started s:PATH, or /record/stopped|status s:STATE s:PATH f:SECONDS
 * i:DROPPED s:ERROR. */
static void on_record(void *ctx, const char *path, lo_message m)
{
    struct ctl *x = ctx;
    lo_arg **a = lo_message_get_argv(m);
    const char *t = lo_message_get_types(m);
    if (on_error(x, path, m)) {
        x->done = 1;
        return;
    }
    if (!strcmp(path, "/record/started") && t[0] == 's') {
        printf("recording to %s\n", (const char *)a[0]);
        x->done = 1;
    } else if ((!strcmp(path, "/record/stopped") || !strcmp(path, "/record/status")) &&
               !strcmp(t, "ssfis")) {
        printf("%s %s %.1f s, %d frames lost%s%s\n", (const char *)a[0],
               *(const char *)a[1] ? (const char *)a[1] : "(no recording yet)", oscc_num(m, 2),
               (int)oscc_num(m, 3), *(const char *)a[4] ? ": " : "", (const char *)a[4]);
        x->errors += !strcmp((const char *)a[0], "failed");
        x->done = 1;
    }
}

static int cmd_record(struct ctl *x, int argc, char **argv, int timeout)
{
    int rc;
    if (argc >= 1 && !strcmp(argv[0], "start") && argc <= 2)
        rc = argc == 2 ? send_msg(x, "/record/start", "s", argv + 1, 1)
                       : send_msg(x, "/record/start", "", NULL, 0);
    else if (argc == 1 && (!strcmp(argv[0], "stop") || !strcmp(argv[0], "status")))
        rc = send_msg(x, argv[0][2] == 'o' ? "/record/stop" : "/record/status", "", NULL, 0);
    else {
        fprintf(stderr, "stemctl: record start [NAME] | record stop | record status\n");
        return 2;
    }
    if (rc < 0 || pump(x, on_record, timeout) < 0) return 1;
    return x->errors ? 1 : 0;
}

/* loudness learn: /loudness/learn/started, a /loudness/learn/step per correction, then
 * /loudness/learned f:TARGET f:MEASURED f:DRIVE f:OUTPUT, or an /error (out of reach: how far
 * it got). A learn takes seconds: the wait is for the next message, not the whole learn. */
static void on_loudness(void *ctx, const char *path, lo_message m)
{
    struct ctl *x = ctx;
    const char *t = lo_message_get_types(m);
    if (on_error(x, path, m)) {
        x->done = 1;
        return;
    }
    if (!strcmp(path, "/loudness/learn/started") && !strcmp(t, "fff")) {
        printf("learning %.1f LUFS at ceiling %.1f dBTP", oscc_num(m, 0), oscc_num(m, 1));
        if (oscc_num(m, 2) > 0)
            printf(", measuring %.1f s\n", oscc_num(m, 2));
        else
            printf(", from what the meter measured since the last reset\n");
    } else if (!strcmp(path, "/loudness/learn/step") && !strcmp(t, "ifff")) {
        printf("step %d: measured %.2f LUFS, drive %+.2f dB, output %+.2f dB\n",
               (int)oscc_num(m, 0), oscc_num(m, 1), oscc_num(m, 2), oscc_num(m, 3));
    } else if (!strcmp(path, "/loudness/learned") && !strcmp(t, "ffff")) {
        printf("learned %.1f LUFS: measured %.2f LUFS with limiter drive %+.2f dB, output %+.2f "
               "dB\n",
               oscc_num(m, 0), oscc_num(m, 1), oscc_num(m, 2), oscc_num(m, 3));
        x->done = 1;
    } else if (!strcmp(path, "/loudness/learn/cancelled") && !strcmp(t, "ff")) {
        printf("cancelled: limiter drive %+.2f dB, output %+.2f dB stay\n", oscc_num(m, 0),
               oscc_num(m, 1));
        x->done = 1;
    }
}

static int cmd_loudness(struct ctl *x, int argc, char **argv, int timeout)
{
    int rc;
    if (argc >= 2 && argc <= 3 && !strcmp(argv[0], "learn")) {
        char types[3] = {looks_numeric(argv[1]) ? 'f' : 's', 'f', 0};
        if (argc == 3 && !looks_numeric(argv[2])) {
            fprintf(stderr, "stemctl: loudness learn: SECONDS is a number\n");
            return 2;
        }
        types[argc - 1] = 0;
        rc = send_msg(x, "/loudness/learn", types, argv + 1, argc - 1);
        /* Each correction measures for seconds: wait at least 30 s for the next message. */
        if (timeout < 30000) timeout = 30000;
        if (argc == 3 && timeout < atof(argv[2]) * 1000 + 30000)
            timeout = (int)(atof(argv[2]) * 1000) + 30000;
    } else if (argc == 1 && !strcmp(argv[0], "cancel")) {
        rc = send_msg(x, "/loudness/learn/cancel", "", NULL, 0);
    } else if (argc == 1 && !strcmp(argv[0], "reset")) {
        return send_msg(x, "/loudness/reset", "", NULL, 0) < 0 ? 1 : finish(x, timeout);
    } else {
        fprintf(stderr, "stemctl: loudness learn TARGET_LUFS|PLATFORM [SECONDS] | loudness "
                        "cancel | loudness reset\n");
        return 2;
    }
    if (rc < 0 || pump(x, on_loudness, timeout) < 0) return 1;
    return x->errors ? 1 : 0;
}

/* preset and undo: print what answers (a reply line each, in stemctl's words), until the end
 * of the answer; /error sets the exit status. */
struct session {
    struct ctl *x;
};

static void on_session(void *ctx, const char *path, lo_message m)
{
    struct session *se = ctx;
    struct ctl *x = se->x;
    lo_arg **a = lo_message_get_argv(m);
    const char *t = lo_message_get_types(m);
    if (on_error(x, path, m)) {
        /* A load's bad lines come one /error each: wait for the /pong after them. */
        return;
    }
    if (!strcmp(path, "/pong")) {
        x->done = 1;
        return;
    }
    if (!strcmp(path, "/preset/list/reply") && !strcmp(t, "ss"))
        printf("%-40s %s\n", (const char *)a[0], (const char *)a[1]);
    else if (!strcmp(path, "/undo/list/reply") && !strcmp(t, "iss"))
        printf("%3d %s %s\n", (int)oscc_num(m, 0), (const char *)a[2], (const char *)a[1]);
    else if ((!strcmp(path, "/undo/done") || !strcmp(path, "/redo/done")) && t[0] == 's')
        printf("%s: %s\n", path[1] == 'u' ? "undone" : "redone", (const char *)a[0]);
    else if ((!strcmp(path, "/preset/saved") || !strcmp(path, "/preset/loaded")) &&
             !strcmp(t, "si"))
        printf("%s %s (%d values)\n", path + 8, (const char *)a[0], (int)oscc_num(m, 1));
    else if (!strcmp(path, "/ab") && t[0] == 's')
        printf("%s\n", (const char *)a[0]);
    else if (!strcmp(path, "/ab/copied") && t[0] == 's')
        printf("copied %s\n", (const char *)a[0]);
    else if (!strcmp(path, "/preset/deleted") && t[0] == 's')
        printf("deleted %s\n", (const char *)a[0]);
    else if (!strcmp(path, "/preset/renamed") && !strcmp(t, "ss"))
        printf("renamed %s to %s\n", (const char *)a[0], (const char *)a[1]);
    else if (!strcmp(path, "/scene/stored") && !strcmp(t, "is"))
        printf("stored scene %d: %s\n", (int)oscc_num(m, 0), (const char *)a[1]);
    else if (!strcmp(path, "/scene/recalled") && !strcmp(t, "if"))
        printf("recalled scene %d%s (%g s)\n", (int)oscc_num(m, 0),
               oscc_num(m, 1) > 0 ? ", morphing" : "", oscc_num(m, 1));
    else if (!strcmp(path, "/scene/list/reply") && !strcmp(t, "iiss"))
        printf("%d  %-40s %s\n", (int)oscc_num(m, 0),
               oscc_num(m, 1) != 0 ? (const char *)a[2] : "(empty)", (const char *)a[3]);
    else if (!strcmp(path, "/scene/list/end") && !strcmp(t, "ifsh") && oscc_num(m, 0) > 0)
        printf("last recall: scene %d, %g s, morph %s\n", (int)oscc_num(m, 0), oscc_num(m, 1),
               (const char *)a[2]);
}

/* One session command, then a /ping: its /pong comes after every reply of the command (one
 * packet each, answered in order), so the answer is whole when it arrives. */
static int session_typed(struct ctl *x, const char *addr, const char *types, char *const *args,
                         int n, int timeout)
{
    struct session se = {x};
    if (send_msg(x, addr, types, args, n) < 0 || send_msg(x, "/ping", "", NULL, 0) < 0) return 1;
    int rc = pump_ctx(x, on_session, &se, timeout);
    if (rc == -2) fprintf(stderr, "stemctl: no answer from stemd within %d ms\n", timeout);
    return rc < 0 || x->errors ? 1 : 0;
}

static int session_cmd(struct ctl *x, const char *addr, char *const *args, int n, int timeout)
{
    static const char types[] = "ss";
    return n > 2 ? 2 : session_typed(x, addr, types + 2 - n, args, n, timeout);
}

static int cmd_scene(struct ctl *x, int argc, char **argv, int timeout)
{
    if (argc == 1 && !strcmp(argv[0], "list"))
        return session_typed(x, "/scene/list", "", NULL, 0, timeout);
    if ((argc == 2 || argc == 3) && !strcmp(argv[0], "store"))
        return session_typed(x, "/scene/store", argc == 3 ? "is" : "i", argv + 1, argc - 1,
                             timeout);
    if ((argc == 2 || argc == 3) && !strcmp(argv[0], "recall"))
        return session_typed(x, "/scene/recall", argc == 3 ? "if" : "i", argv + 1, argc - 1,
                             timeout);
    fprintf(stderr, "stemctl: scene store N [NAME] | recall N [SECONDS] | list\n");
    return 2;
}

static int cmd_preset(struct ctl *x, int argc, char **argv, int timeout)
{
    static const struct {
        const char *verb;
        int min, max;
    } verbs[] = {
        {"save", 1, 2}, {"load", 1, 1}, {"list", 0, 0}, {"delete", 1, 1}, {"rename", 2, 2}};
    char addr[32];
    for (size_t v = 0; argc >= 1 && v < sizeof verbs / sizeof verbs[0]; v++) {
        if (strcmp(argv[0], verbs[v].verb) || argc - 1 < verbs[v].min || argc - 1 > verbs[v].max)
            continue;
        snprintf(addr, sizeof addr, "/preset/%s", verbs[v].verb);
        return session_cmd(x, addr, argv + 1, argc - 1, timeout);
    }
    fprintf(stderr, "stemctl: preset save NAME [PREFIX] | load NAME | list | delete NAME | "
                    "rename OLD NEW\n");
    return 2;
}

/* --- midi ----------------------------------------------------------------------------------- */

/* A /midi/ verb's answers: the learned control, each mapping, the confirmations. */
static void on_midi(void *ctx, const char *path, lo_message m)
{
    struct ctl *x = ctx;
    lo_arg **a = lo_message_get_argv(m);
    const char *t = lo_message_get_types(m);
    if (on_error(x, path, m)) {
        x->done = 1;
        return;
    }
    if (!strcmp(path, "/midi/learn/armed") && !strcmp(t, "s")) {
        fprintf(stderr, "move a control on the surface for %s ...\n", (const char *)a[0]);
    } else if (!strcmp(path, "/midi/learned") && !strcmp(t, "ss")) {
        printf("%s <- %s\n", (const char *)a[0], (const char *)a[1]);
        x->done = 1;
    } else if (!strcmp(path, "/midi/map") && !strcmp(t, "sss")) {
        printf("/midi/map %s %s  # %s\n", (const char *)a[0], (const char *)a[1],
               (const char *)a[2]);
    } else if (!strcmp(path, "/midi/mapped") && !strcmp(t, "sss")) {
        printf("/midi/map %s %s  # %s\n", (const char *)a[0], (const char *)a[1],
               (const char *)a[2]);
        x->done = 1;
    } else if (!strcmp(path, "/midi/list/end") || !strcmp(path, "/midi/cleared") ||
               !strcmp(path, "/midi/unmapped")) {
        if (!strcmp(path, "/midi/unmapped") && !strcmp(t, "ss"))
            printf("unmapped %s %s\n", (const char *)a[0], (const char *)a[1]);
        else if (!strcmp(path, "/midi/cleared") && !strcmp(t, "s"))
            printf("cleared %s\n", (const char *)a[0]);
        x->done = 1;
    }
}

static int cmd_midi(struct ctl *x, int argc, char **argv, int timeout)
{
    const char *verb = argc ? argv[0] : "";
    char addr[64];
    int rc, n = argc - 1;
    if ((!strcmp(verb, "learn") || !strcmp(verb, "unmap")) && n == 1) {
        snprintf(addr, sizeof addr, "/midi/%s", verb);
        rc = send_msg(x, addr, "s", argv + 1, 1);
    } else if ((!strcmp(verb, "list") || !strcmp(verb, "clear")) && n == 0) {
        snprintf(addr, sizeof addr, "/midi/%s", verb);
        rc = send_msg(x, addr, "", NULL, 0);
    } else if (!strcmp(verb, "map") && n >= 2 && n <= 16) {
        char types[17];
        memset(types, 's', (size_t)n);
        types[n] = 0;
        rc = send_msg(x, "/midi/map", types, argv + 1, n);
    } else {
        fprintf(stderr, "stemctl: midi learn PATH | midi list | midi unmap PATH | midi clear | "
                        "midi map PATH CONTROL...\n");
        return 2;
    }
    /* Learn waits for a person to move a control. */
    int wait = !strcmp(verb, "learn") ? (timeout > 60000 ? timeout : 60000) : timeout;
    if (rc < 0) return 1;
    if (pump(x, on_midi, wait) < 0) {
        if (!strcmp(verb, "learn")) send_msg(x, "/midi/learn/cancel", "", NULL, 0);
        return 1;
    }
    return x->errors ? 1 : 0;
}

/* --- layout --------------------------------------------------------------------------------- */

/* Write the layout to path through a temporary file renamed over it: a failure leaves any file
 * of that name as it was. */
static int write_layout(const struct layout_doc *d, int tosc, const char *path)
{
    char err[256], tmp[4096];
    int rc;
    if (!strcmp(path, "-")) {
        rc = tosc ? layout_write_tosc(d, stdout, err, sizeof err)
                  : layout_write_ostc(d, stdout, err, sizeof err);
        if (rc < 0 || fflush(stdout) != 0) {
            fprintf(stderr, "stemctl: layout: %s\n", rc < 0 ? err : strerror(errno));
            return 1;
        }
        return 0;
    }
    if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        fprintf(stderr, "stemctl: layout: path too long\n");
        return 2;
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        fprintf(stderr, "stemctl: layout: cannot write %s: %s\n", tmp, strerror(errno));
        return 1;
    }
    rc = tosc ? layout_write_tosc(d, f, err, sizeof err) : layout_write_ostc(d, f, err, sizeof err);
    if (fclose(f) != 0 && rc == 0) {
        snprintf(err, sizeof err, "%s", strerror(errno));
        rc = -1;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        snprintf(err, sizeof err, "cannot rename to %s: %s", path, strerror(errno));
        rc = -1;
    }
    if (rc < 0) {
        remove(tmp);
        fprintf(stderr, "stemctl: layout: %s\n", err);
        return 1;
    }
    return 0;
}

/* A UDP port option of `stemctl layout`: lo..65535, else a message naming the option. */
static int layout_port(const char *opt, const char *v, long lo, unsigned *out)
{
    char *end;
    long p = strtol(v, &end, 10);
    if (!*v || *end || p < lo || p > 65535) {
        fprintf(stderr, "stemctl: layout: %s takes %ld-65535, not '%s'\n", opt, lo, v);
        return -1;
    }
    *out = (unsigned)p;
    return 0;
}

/* layout touchosc|openstage [--stems LIST] [--host H] [--port P] [--reply-port N] -o FILE: host
 * and port are stemd's (asked for its stems unless --stems) and, when given, the layout's
 * target. */
static int cmd_layout(int argc, char **argv, const char *host, unsigned port, int host_given,
                      int timeout)
{
    const char *app = argc ? argv[0] : "", *stems = NULL, *out = NULL;
    int tosc = !strcmp(app, "touchosc");
    /* TouchOSC may send from another port than its connection's receive port: ask for the
     * feedback at its default receive port. Open Stage Control sends from its --osc-port. */
    unsigned reply_port = tosc ? 9000 : 0;
    if (!tosc && strcmp(app, "openstage")) {
        fprintf(stderr, "stemctl: layout touchosc|openstage [--stems LIST] [--host H] "
                        "[--port P] -o FILE\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) {
            fprintf(stderr, "stemctl: layout: '%s' needs a value (or is unknown)\n", a);
            return 2;
        }
        if (!strcmp(a, "--stems"))
            stems = v;
        else if (!strcmp(a, "--host"))
            host = v, host_given = 1;
        else if (!strcmp(a, "--port")) {
            if (layout_port(a, v, 1, &port) < 0) return 2;
        } else if (!strcmp(a, "--reply-port")) {
            if (layout_port(a, v, 0, &reply_port) < 0) return 2;
        } else if (!strcmp(a, "--timeout"))
            timeout = atoi(v);
        else if (!strcmp(a, "-o"))
            out = v;
        else {
            fprintf(stderr, "stemctl: layout: unknown option '%s'\n", a);
            return 2;
        }
        i++;
    }
    if (!out) {
        fprintf(stderr, "stemctl: layout: say where to write it: -o FILE (- for stdout)\n");
        return 2;
    }
    struct ctl *x = calloc(1, sizeof *x);
    static char list[STEMD_MAX_STEMS * STEMD_STEM_NAME_MAX];
    const char *names[STEMD_MAX_STEMS];
    unsigned n = 0;
    char err[256];
    int rc = 1;
    if (!x) {
        fprintf(stderr, "stemctl: out of memory\n");
        return 1;
    }
    if (stems) {
        if (snprintf(list, sizeof list, "%s", stems) >= (int)sizeof list) {
            fprintf(stderr, "stemctl: layout: --stems: too long\n");
            free(x);
            return 2;
        }
        for (char *save = NULL, *t = strtok_r(list, ",", &save); t;
             t = strtok_r(NULL, ",", &save)) {
            if (n == STEMD_MAX_STEMS) {
                fprintf(stderr, "stemctl: layout: more than %d stems\n", STEMD_MAX_STEMS);
                free(x);
                return 2;
            }
            names[n++] = t;
        }
    } else {
        if (oscc_open(&x->c, host, port, NULL, 0, err, sizeof err) < 0) {
            fprintf(stderr, "stemctl: %s\n", err);
            free(x);
            return 1;
        }
        int got = get_info(x, timeout);
        oscc_close(&x->c);
        if (got < 0) {
            fprintf(stderr, "stemctl: layout: no stems from stemd at %s:%u (or give --stems)\n",
                    host, port);
            free(x);
            return 1;
        }
        for (n = 0; n < x->nstems; n++)
            names[n] = x->names[n];
    }
    struct layout_doc *d = calloc(1, sizeof *d);
    if (!d)
        fprintf(stderr, "stemctl: out of memory\n");
    else if (layout_build(d, n, names, host_given ? host : NULL, port, reply_port, err,
                          sizeof err) < 0) {
        fprintf(stderr, "stemctl: layout: %s\n", err);
        rc = 2;
    } else {
        rc = write_layout(d, tosc, out);
        layout_free(d);
    }
    free(d);
    free(x);
    return rc;
}

int main(int argc, char **argv)
{
    const char *host = "127.0.0.1";
    unsigned port = 7770;
    int timeout = TIMEOUT_MS, i = 1, host_given = 0;
    char err[256];
    for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
        if (!strcmp(argv[i], "--help")) {
            usage(stdout);
            return 0;
        }
        if (i + 1 >= argc) break;
        if (!strcmp(argv[i], "--host"))
            host = argv[++i], host_given = 1;
        else if (!strcmp(argv[i], "--port"))
            port = (unsigned)atoi(argv[++i]);
        else if (!strcmp(argv[i], "--timeout"))
            timeout = atoi(argv[++i]);
        else
            break;
    }
    if (i >= argc) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[i], "layout"))
        return cmd_layout(argc - i - 1, argv + i + 1, host, port, host_given, timeout);
    struct ctl *x = calloc(1, sizeof *x);
    if (!x || oscc_open(&x->c, host, port, NULL, 0, err, sizeof err) < 0) {
        fprintf(stderr, "stemctl: %s\n", x ? err : "out of memory");
        return 1;
    }
    const char *cmd = argv[i++];
    int n = argc - i, rc;
    if (!strcmp(cmd, "set"))
        rc = cmd_set(x, n, argv + i, timeout);
    else if (!strcmp(cmd, "get") && n == 1)
        rc = cmd_get(x, argv[i], timeout);
    else if (!strcmp(cmd, "list") && n <= 1)
        rc = cmd_list(x, "/list", n ? argv[i] : NULL, timeout);
    else if (!strcmp(cmd, "dump") && n == 0)
        rc = cmd_list(x, "/dump", NULL, timeout);
    else if (!strcmp(cmd, "load") && n == 1)
        rc = cmd_load(x, argv[i], timeout);
    else if (!strcmp(cmd, "status") && n == 0)
        rc =
            send_msg(x, "/status", "", NULL, 0) < 0 || pump(x, on_status, timeout) < 0 || x->errors;
    else if (!strcmp(cmd, "watch") && n == 0)
        rc = cmd_watch(x, timeout);
    else if (!strcmp(cmd, "record"))
        rc = cmd_record(x, n, argv + i, timeout);
    else if (!strcmp(cmd, "preset"))
        rc = cmd_preset(x, n, argv + i, timeout);
    else if (!strcmp(cmd, "scene"))
        rc = cmd_scene(x, n, argv + i, timeout);
    else if (!strcmp(cmd, "loudness"))
        rc = cmd_loudness(x, n, argv + i, timeout);
    else if (!strcmp(cmd, "ab") && n == 0)
        rc = session_cmd(x, "/ab", NULL, 0, timeout);
    else if (!strcmp(cmd, "ab") && n == 2 && !strcmp(argv[i], "select"))
        rc = session_cmd(x, "/ab/select", argv + i + 1, 1, timeout);
    else if (!strcmp(cmd, "ab") && n == 2 && !strcmp(argv[i], "copy"))
        rc = session_cmd(x, "/ab/copy", argv + i + 1, 1, timeout);
    else if (!strcmp(cmd, "undo") && n == 1 && !strcmp(argv[i], "list"))
        rc = session_cmd(x, "/undo/list", NULL, 0, timeout);
    else if ((!strcmp(cmd, "undo") || !strcmp(cmd, "redo")) && n == 0)
        rc = session_cmd(x, cmd[0] == 'u' ? "/undo" : "/redo", NULL, 0, timeout);
    else if (!strcmp(cmd, "midi"))
        rc = cmd_midi(x, n, argv + i, timeout);
    else {
        usage(stderr);
        rc = 2;
    }
    oscc_close(&x->c);
    free(x);
    return rc;
}
