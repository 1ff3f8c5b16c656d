/* tests/server/stemd-driver.c: a test program that embeds the stemd engine through its C API
 * and takes commands on stdin, with a probe (a DC source into stem 1 and a recorder of the
 * master) to see when a change reaches the audio.
 *
 * Usage: stemd-driver [stemd options]; then one command a line on stdin, one answer a line:
 *   wait-running            "ok" once on JACK (5 s at most), else "error"
 *   set PATH VALUE          "applied V" | "error REASON"
 *   get PATH                "value V" | "error REASON"
 *   preset FILE             "ok" | "error REASON"
 *   probe                   start the probe clients (DC 0.25 into stem 1, recorder on master)
 *   step PATH VALUE         set while recording; "step delay=D limit=L maxstep=M seen=S period=P"
 *                           D: frames from the set to the first output frame that moved
 *   storm RATE SECONDS      RATE random changes a second (and a preset every 100 ms): "ok N"
 *   status                  "status connected=.. rate=.. period=.. latency=.. xruns=.. load=.."
 *   meters                  "meters peak=.. tp=.. m=.. s=.. i=.."
 *   cpu-mark                start a window of the callbacks' CPU time (under tests/rtcheck.so)
 *   cpu                     "cpu n=.. median=.. p99=.. p999=.. max=.. over=.." in us over the
 *                           window (over: callbacks that ran longer than the period on the
 *                           CPU), or "cpu unavailable" without the interposer
 *   quit                    stop like SIGTERM */
#include <dlfcn.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dsp/dsp.h"
#include "server/control.h"
#include "server/server.h"

#define REC_FRAMES (48000 * 4)

struct probe {
    jack_client_t *src, *rec;
    jack_port_t *out, *in[2];
    float *buf;                  /* master L, recorded */
    jack_nframes_t *cycle_frame; /* the frame time of each recorded cycle's first frame */
    unsigned *cycle_pos;
    /* stemd's own count of finished callbacks when the recorder ran: the recorder is fed by
     * stemd, so in recorded cycle c it holds the output of stemd's callback cycle_idx[c] - 1.
     * Counted by stemd, not by the clock: a late client or an xrun cannot skew it. */
    uint64_t *cycle_idx;
    struct stemd *sd;
    atomic_uint pos, ncycles;
    atomic_int recording;
    float dc;
};

static int src_process(jack_nframes_t n, void *arg)
{
    struct probe *p = arg;
    float *o = jack_port_get_buffer(p->out, n);
    for (jack_nframes_t i = 0; i < n; i++)
        o[i] = p->dc;
    return 0;
}

static int rec_process(jack_nframes_t n, void *arg)
{
    struct probe *p = arg;
    const float *l = jack_port_get_buffer(p->in[0], n);
    if (!atomic_load(&p->recording)) return 0;
    unsigned pos = atomic_load(&p->pos), c = atomic_load(&p->ncycles);
    if (pos + n > REC_FRAMES || c >= REC_FRAMES / 16) return 0;
    p->cycle_idx[c] = atomic_load(&p->sd->eng.cycles);
    p->cycle_frame[c] = jack_last_frame_time(p->rec);
    p->cycle_pos[c] = pos;
    memcpy(p->buf + pos, l, n * sizeof *l);
    atomic_store(&p->pos, pos + n);
    atomic_store(&p->ncycles, c + 1);
    return 0;
}

static void msleep(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static int probe_start(struct stemd *sd, struct probe *p)
{
    const char *server = sd->cfg.jack_server[0] ? sd->cfg.jack_server : NULL;
    jack_options_t o = server ? JackServerName : JackNullOption;
    char port[400];
    p->dc = 0.25f;
    p->buf = calloc(REC_FRAMES, sizeof *p->buf);
    p->cycle_frame = calloc(REC_FRAMES / 16, sizeof *p->cycle_frame);
    p->cycle_pos = calloc(REC_FRAMES / 16, sizeof *p->cycle_pos);
    p->cycle_idx = calloc(REC_FRAMES / 16, sizeof *p->cycle_idx);
    p->sd = sd;
    p->src = jack_client_open("probe_src", o, NULL, server);
    p->rec = jack_client_open("probe_rec", o, NULL, server);
    if (!p->src || !p->rec || !p->buf) return -1;
    p->out = jack_port_register(p->src, "out", JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
    p->in[0] = jack_port_register(p->rec, "in_L", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
    p->in[1] = jack_port_register(p->rec, "in_R", JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
    jack_set_process_callback(p->src, src_process, p);
    jack_set_process_callback(p->rec, rec_process, p);
    if (jack_activate(p->src) || jack_activate(p->rec)) return -1;
    for (int ch = 0; ch < 2; ch++) {
        snprintf(port, sizeof port, "%s:in_01_%s_%c", sd->cfg.jack_name, sd->cfg.names[0],
                 ch ? 'R' : 'L');
        if (jack_connect(p->src, "probe_src:out", port)) return -1;
        snprintf(port, sizeof port, "%s:master_%c", sd->cfg.jack_name, ch ? 'R' : 'L');
        if (jack_connect(p->rec, port, jack_port_name(p->in[ch]))) return -1;
    }
    return 0;
}

/* One recorded change: record 300 ms, set path, record 300 ms. Returns 0, or -1 when JACK
 * reported an xrun meanwhile (a client of the probe may have skipped a cycle: not stemd's
 * doing, and it would look like a click). */
static int step_once(struct stemd *sd, struct probe *p, const char *path, float v, char *out,
                     size_t len)
{
    char err[256];
    float applied;
    uint64_t x0 = atomic_load(&sd->eng.xruns);
    atomic_store(&p->pos, 0);
    atomic_store(&p->ncycles, 0);
    atomic_store(&p->recording, 1);
    msleep(300);
    jack_nframes_t t0 = jack_frame_time(p->rec);
    uint64_t seq0 = stemd_published_seq(sd);
    if (stemd_set(sd, path, v, STEMD_SRC_API, &applied, err, sizeof err) < 0) {
        snprintf(out, len, "error %s", err);
        atomic_store(&p->recording, 0);
        return 0;
    }
    /* Callbacks count themselves at their end: a cycle running now has index c_set, the next
     * one c_set + 1. The first cycle to start after the set is one of those two. */
    uint64_t c_set = atomic_load(&sd->eng.cycles);
    msleep(300);
    atomic_store(&p->recording, 0);
    uint64_t seq, seen;
    stemd_seen(sd, &seq, &seen);
    unsigned nc = atomic_load(&p->ncycles), total = atomic_load(&p->pos);
    float steady = total ? p->buf[p->cycle_pos[nc / 4]] : 0, maxstep = 0;
    long delay = -1, after_seen = -1, moved = -1;
    uint64_t seen_cycle = atomic_load(&sd->eng.seen_cycle);
    int c_seen = -1, consistent = 0;
    /* By JACK's clock (a figure): frames from the set to the first output frame that moved. */
    for (unsigned c = 0; c < nc && delay < 0; c++) {
        unsigned end = c + 1 < nc ? p->cycle_pos[c + 1] : total;
        for (unsigned i = p->cycle_pos[c]; i < end; i++) {
            long frame = (long)(p->cycle_frame[c] + (i - p->cycle_pos[c]));
            if (frame - (long)t0 >= -64 && fabsf(p->buf[i] - steady) > 0.01f * fabsf(steady)) {
                delay = frame - (long)t0;
                break;
            }
        }
    }
    /* By stemd's own cycle count (the test): the first sample that moved, in the output of
     * the callbacks that may have run after the set (index c_set on), and where it lies in the
     * output of the callback that first used the change. */
    for (unsigned c = 0; c < nc && moved < 0; c++) {
        if (p->cycle_idx[c] < c_set + 1) continue;
        unsigned end = c + 1 < nc ? p->cycle_pos[c + 1] : total;
        for (unsigned i = p->cycle_pos[c]; i < end; i++)
            if (fabsf(p->buf[i] - steady) > 0.01f * fabsf(steady)) {
                moved = i;
                break;
            }
    }
    for (unsigned c = 1; c + 1 < nc; c++)
        if (p->cycle_idx[c] == seen_cycle + 1) {
            c_seen = (int)c;
            /* The recorder saw its neighbours' callbacks in order: the mapping holds. */
            consistent = p->cycle_idx[c - 1] + 1 == p->cycle_idx[c] &&
                         p->cycle_idx[c + 1] == p->cycle_idx[c] + 1;
            break;
        }
    if (moved >= 0 && c_seen >= 0 && consistent) after_seen = moved - (long)p->cycle_pos[c_seen];
    /* Clicks: the largest step between neighbouring samples from the set on, in the output of
     * callbacks the recorder took in step (a recorded cycle whose stemd callback is not the one
     * after the previous cycle's: JACK let a client run late on a busy machine, and the join
     * is JACK's, not stemd's; it is left out and counted). */
    unsigned disturbed = 0;
    for (unsigned c = 0; c < nc; c++) {
        int clean = c == 0 || p->cycle_idx[c] == p->cycle_idx[c - 1] + 1;
        if (!clean) {
            if (p->cycle_idx[c] + 1 >= c_set + 1) disturbed++;
            continue;
        }
        if (p->cycle_idx[c] < c_set) continue;
        unsigned end = c + 1 < nc ? p->cycle_pos[c + 1] : total;
        for (unsigned i = p->cycle_pos[c] ? p->cycle_pos[c] : 1; i < end; i++) {
            float d = fabsf(p->buf[i] - p->buf[i - 1]);
            if (d > maxstep) maxstep = d;
        }
    }
    unsigned period = jack_get_buffer_size(p->rec), lat = atomic_load(&sd->eng.latency_frames);
    uint64_t xr = atomic_load(&sd->eng.xruns) - x0;
    snprintf(out, len,
             "step delay=%ld limit=%u maxstep=%g steady=%g seen=%ld period=%u seq=%d xruns=%llu "
             "cycle_late=%ld after_seen=%ld dsp_limit=%u disturbed=%u",
             delay, period + lat + DSP_SUB, (double)maxstep, (double)steady,
             seq > seq0 ? (long)(int32_t)((jack_nframes_t)seen - t0) : -99999, period, seq > seq0,
             (unsigned long long)xr, (long)atomic_load(&sd->eng.seen_cycle) - (long)c_set,
             after_seen, lat + 2 * DSP_SUB, disturbed);
    /* Retry only a try whose measurement is not sound: the recorder out of step with stemd's
     * callbacks around the change. xruns alone (a busy machine) do not disturb the counts. */
    return after_seen < 0 || !consistent || disturbed ? -1 : 0;
}

/* Set path while recording; find when the master first moved away from its steady value.
 * Up to 10 tries: a try whose recording is out of step with stemd's callbacks is undone and
 * repeated. */
static void step(struct stemd *sd, struct probe *p, const char *path, float v)
{
    char out[512], err[256];
    float prev = 0;
    stemd_get(sd, path, &prev, err, sizeof err);
    for (int tries = 1;; tries++) {
        if (step_once(sd, p, path, v, out, sizeof out) == 0 || tries == 10) {
            printf("%s tries=%d\n", out, tries);
            return;
        }
        stemd_set(sd, path, prev, STEMD_SRC_API, NULL, err, sizeof err);
        msleep(300);
    }
}

static void storm(struct stemd *sd, int rate, double seconds)
{
    static const char *const paths[] = {
        "fader", "pan", "width", "eq/1/gain", "eq/2/freq", "comp/threshold", "trim", "hpf/freq"};
    static const float lo[] = {-20, -1, 0, -12, 100, -40, -6, 20};
    static const float hi[] = {6, 1, 200, 12, 8000, 0, 6, 200};
    char path[128], err[256], preset[4096];
    unsigned n = 0, bad = 0, lost = 0;
    /* The last value applied to each parameter the storm touches: afterwards every one must
     * read back as the last change made to it (none dropped, none applied out of order). */
    static float last[STEMD_MAX_STEMS][8];
    static unsigned char touched[STEMD_MAX_STEMS][8];
    long total = (long)(rate * seconds);
    struct timespec start;
    memset(touched, 0, sizeof touched);
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < total; i++) {
        unsigned k = (unsigned)rand() % sd->cfg.nstems, j = (unsigned)rand() % 8;
        snprintf(path, sizeof path, "/stem/%u/%s", k + 1, paths[j]);
        float v = lo[j] + (hi[j] - lo[j]) * (float)rand() / (float)RAND_MAX, applied;
        if (stemd_set(sd, path, v, STEMD_SRC_API, &applied, err, sizeof err) < 0)
            bad++;
        else
            last[k][j] = applied, touched[k][j] = 1;
        n++;
        if (i % (rate / 10 ? rate / 10 : 1) == 0) {
            float fader = -(float)(i % 11);
            snprintf(preset, sizeof preset,
                     "/bus/input %g\n/bus/eq/1/on 1\n/bus/eq/1/gain %g\n/stem/1/fader %g\n"
                     "/bus/limiter/ceiling -1\n",
                     (double)((float)(i % 7) - 3), (double)((float)(i % 5) - 2), (double)fader);
            if (stemd_apply_preset(sd, preset, "storm", 0, STEMD_SRC_API, err, sizeof err) < 0)
                bad++;
            else
                last[0][0] = fader, touched[0][0] = 1;
        }
        /* Pace to the rate: sleep until the i-th change's time. */
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double el = (double)(now.tv_sec - start.tv_sec) + (now.tv_nsec - start.tv_nsec) * 1e-9;
        double due = (double)(i + 1) / rate;
        if (due > el) msleep((long)((due - el) * 1000));
    }
    for (unsigned k = 0; k < sd->cfg.nstems && k < STEMD_MAX_STEMS; k++)
        for (unsigned j = 0; j < 8; j++) {
            float v;
            if (!touched[k][j]) continue;
            snprintf(path, sizeof path, "/stem/%u/%s", k + 1, paths[j]);
            if (stemd_get(sd, path, &v, err, sizeof err) < 0 || v != last[k][j]) lost++;
        }
    /* And the audio uses the newest snapshot: the callback saw the last one published. */
    uint64_t want = stemd_published_seq(sd), seq = 0, frame;
    for (int t = 0; t < 200; t++) {
        stemd_seen(sd, &seq, &frame);
        if (seq >= want) break;
        msleep(10);
    }
    printf("ok %u bad=%u lost=%u rtseen=%d\n", n, bad, lost, seq >= want);
}

/* The CPU time of the callbacks, from tests/rtcheck.so's histogram (1 us buckets): a window
 * is the difference of two snapshots. */
#define CPU_BUCKETS_MAX 20001
typedef unsigned (*cpu_hist_fn)(unsigned long *, unsigned);
static unsigned long cpu_mark_h[CPU_BUCKETS_MAX];

static cpu_hist_fn cpu_hist(void)
{
    return (cpu_hist_fn)dlsym(RTLD_DEFAULT, "rtcheck_cpu_hist");
}

static void cpu_mark(void)
{
    cpu_hist_fn f = cpu_hist();
    if (f) f(cpu_mark_h, CPU_BUCKETS_MAX);
    puts(f ? "ok" : "cpu unavailable");
}

static void cpu_report(struct stemd *sd)
{
    static unsigned long h[CPU_BUCKETS_MAX];
    cpu_hist_fn f = cpu_hist();
    if (!f) {
        puts("cpu unavailable");
        return;
    }
    unsigned nb = f(h, CPU_BUCKETS_MAX);
    if (nb > CPU_BUCKETS_MAX) nb = CPU_BUCKETS_MAX;
    struct stemd_status st;
    stemd_status(sd, &st);
    unsigned long period_us = st.rate_hz ? 1000000ul * st.period_frames / st.rate_hz : 0;
    unsigned long n = 0, over = 0, max = 0;
    for (unsigned i = 0; i < nb; i++) {
        h[i] -= cpu_mark_h[i];
        n += h[i];
        if (h[i]) max = i;
        if (i > period_us) over += h[i];
    }
    unsigned long q[3] = {0, 0, 0}, acc = 0;
    const double qs[3] = {0.5, 0.99, 0.999};
    for (int k = 0; k < 3; k++) {
        unsigned long want = (unsigned long)(qs[k] * (double)n);
        acc = 0;
        for (unsigned i = 0; i < nb; i++) {
            acc += h[i];
            if (acc > want) {
                q[k] = i;
                break;
            }
        }
    }
    printf("cpu n=%lu median=%lu p99=%lu p999=%lu max=%lu over=%lu period=%lu\n", n, q[0], q[1],
           q[2], max, over, period_us);
}

struct runner {
    struct stemd *sd;
    int argc;
    char **argv;
    atomic_int stop;
    int rc;
};

static void *run_thread(void *arg)
{
    struct runner *r = arg;
    r->rc = stemd_run(r->sd, r->argc, r->argv, &r->stop);
    return NULL;
}

int main(int argc, char **argv)
{
    struct stemd *sd = calloc(1, sizeof *sd);
    struct runner r = {.sd = sd, .argc = argc, .argv = argv};
    struct probe probe;
    pthread_t th;
    char line[4096];

    memset(&probe, 0, sizeof probe);
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (config_from_args(&sd->cfg, argc, argv) != 0 || stemd_init(sd) < 0) return 2;
    pthread_create(&th, NULL, run_thread, &r);
    while (fgets(line, sizeof line, stdin)) {
        char cmd[32] = "", a[1024] = "", b[1024] = "", err[512];
        float v;
        if (sscanf(line, "%31s %1023s %1023s", cmd, a, b) < 1) continue;
        if (!strcmp(cmd, "quit")) break;
        if (!strcmp(cmd, "wait-running")) {
            struct stemd_status st;
            int i;
            for (i = 0; i < 100; i++) {
                stemd_status(sd, &st);
                if (st.connected && st.cycles > 10) break;
                msleep(50);
            }
            puts(i < 100 ? "ok" : "error not running");
        } else if (!strcmp(cmd, "set")) {
            if (stemd_set_text(sd, a, b, STEMD_SRC_API, &v, err, sizeof err) < 0)
                printf("error %s\n", err);
            else
                printf("applied %g\n", (double)v);
        } else if (!strcmp(cmd, "get")) {
            if (stemd_get(sd, a, &v, err, sizeof err) < 0)
                printf("error %s\n", err);
            else
                printf("value %g\n", (double)v);
        } else if (!strcmp(cmd, "preset")) {
            if (stemd_apply_preset_file(sd, a, 0, STEMD_SRC_API, err, sizeof err) < 0)
                printf("error %s\n", err);
            else
                puts("ok");
        } else if (!strcmp(cmd, "probe")) {
            int rc = probe_start(sd, &probe);
            msleep(500); /* the DC source's own start is a step: let it pass first */
            puts(rc == 0 ? "ok" : "error probe clients failed");
        } else if (!strcmp(cmd, "step")) {
            step(sd, &probe, a, strtof(b, NULL));
        } else if (!strcmp(cmd, "storm")) {
            storm(sd, atoi(a), atof(b));
        } else if (!strcmp(cmd, "status")) {
            struct stemd_status st;
            stemd_status(sd, &st);
            printf("status connected=%d rate=%u period=%u latency=%u xruns=%llu load=%.2f "
                   "cycles=%llu grace=%llu reused=%llu freewheel=%d cbmax=%llu cbover=%llu\n",
                   st.connected, st.rate_hz, st.period_frames, st.latency_frames,
                   (unsigned long long)st.xruns, (double)st.dsp_load_percent,
                   (unsigned long long)st.cycles, (unsigned long long)sd->ctl.grace_periods,
                   (unsigned long long)atomic_load(&sd->ctl.reused), st.freewheel,
                   (unsigned long long)st.cb_max_us, (unsigned long long)st.cb_overruns);
        } else if (!strcmp(cmd, "cpu-mark")) {
            cpu_mark();
        } else if (!strcmp(cmd, "cpu")) {
            cpu_report(sd);
        } else if (!strcmp(cmd, "meters")) {
            struct mix_meters *m = mix_meters_new(stemd_nstems(sd));
            struct stemd_loudness l;
            stemd_take_meters(sd, m, &l);
            printf("meters peak=%g tp=%g m=%g s=%g i=%g lra=%g\n", (double)m->bus.peak_l,
                   (double)m->bus.true_peak, l.momentary_lufs, l.short_term_lufs, l.integrated_lufs,
                   l.lra_lu);
            free(m);
        } else {
            printf("error unknown command %s\n", cmd);
        }
    }
    if (probe.src) jack_client_close(probe.src);
    if (probe.rec) jack_client_close(probe.rec);
    atomic_store(&r.stop, 1);
    pthread_join(th, NULL);
    stemd_fini(sd);
    free(probe.buf);
    free(probe.cycle_frame);
    free(probe.cycle_pos);
    free(probe.cycle_idx);
    free(sd);
    return r.rc == 0 ? 0 : 1;
}
