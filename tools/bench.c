/* tools/bench.c: stemd-bench, what the DSP costs: ns per stereo frame, share of a core, stems per
 * core, and stemd-render's speed. Medians of repeated runs, all in one process. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sndfile.h>
#include <sys/resource.h>
#include <time.h>

#include "dsp/dsp.h"
#include "dsp/mix.h"
#include "dsp/preset.h"
#include "tools/busy.h"

#define RATE  48000.0
#define REPS  7
#define INLEN 48000 /* one second of input, looped */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static uint32_t rng = 22222;
static float noise(void)
{
    rng = rng * 1664525u + 1013904223u;
    return (float)(rng >> 8) / 8388608.0f - 1.0f;
}

/* Programme-like input: noise through a slow level envelope, plus a low tone, per stem. */
static void make_input(float *l, float *r, unsigned k)
{
    double f = 55.0 * (k + 1);
    for (unsigned i = 0; i < INLEN; i++) {
        double env = 0.5 + 0.5 * sin(2 * M_PI * 2.0 * i / RATE + k);
        float t = (float)(0.2 * sin(2 * M_PI * f * i / RATE));
        l[i] = 0.15f * (float)env * noise() + t;
        r[i] = 0.15f * (float)env * noise() + t;
    }
}

/* ns per output frame of a mix of nstems stems (busy_stems of them busy, the bus busy or not),
 * processed in blocks of `block` frames for `seconds` of audio. Median of REPS. */
static double cost(unsigned nstems, unsigned busy_stems, int bus_busy, int dyn, unsigned block,
                   double seconds)
{
    struct mix *m;
    struct params *p = params_new(nstems);
    char *text = busy_preset(busy_stems, bus_busy, dyn);
    float **l = calloc(nstems, sizeof *l), **r = calloc(nstems, sizeof *r);
    float *ol = malloc(block * sizeof *ol), *or_ = malloc(block * sizeof *or_);
    const float **il = calloc(nstems, sizeof *il), **ir = calloc(nstems, sizeof *ir);
    double t[REPS];

    struct params_names pn = {nstems, NULL};
    if (!p || !text || preset_apply(p, text, "busy", &pn, NULL, NULL) != 0 ||
        mix_create(&m, nstems, RATE) < 0) {
        fprintf(stderr, "stemd-bench: setup failed\n");
        exit(1);
    }
    for (unsigned k = 0; k < nstems; k++) {
        l[k] = malloc(INLEN * sizeof(float));
        r[k] = malloc(INLEN * sizeof(float));
        make_input(l[k], r[k], k % 8);
    }
    mix_reset(m, p);
    unsigned frames = (unsigned)(seconds * RATE) / block * block;
    for (int rep = 0; rep < REPS; rep++) {
        double t0 = now();
        for (unsigned done = 0, pos = 0; done < frames; done += block) {
            if (pos + block > INLEN) pos = 0;
            for (unsigned k = 0; k < nstems; k++)
                il[k] = l[k] + pos, ir[k] = r[k] + pos;
            mix_process(m, p, il, ir, ol, or_, block);
            pos += block;
        }
        t[rep] = (now() - t0) * 1e9 / frames;
    }
    qsort(t, REPS, sizeof t[0], cmp_d);
    for (unsigned k = 0; k < nstems; k++)
        free(l[k]), free(r[k]);
    free(l), free(r), free(il), free(ir), free(ol), free(or_), free(text);
    params_free(p);
    mix_destroy(m);
    return t[REPS / 2];
}

static int write_stems(const char *dir, unsigned n, double seconds)
{
    float *buf = malloc(sizeof(float) * 2 * INLEN), *l = malloc(sizeof(float) * INLEN),
          *r = malloc(sizeof(float) * INLEN);
    for (unsigned k = 0; k < n; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/stem%u.wav", dir, k + 1);
        SF_INFO info = {
            .samplerate = (int)RATE, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_24};
        SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
        if (!sf) return -1;
        make_input(l, r, k);
        for (unsigned i = 0; i < INLEN; i++)
            buf[2 * i] = l[i], buf[2 * i + 1] = r[i];
        for (double s = 0; s < seconds; s += 1.0)
            sf_writef_float(sf, buf, INLEN);
        sf_close(sf);
    }
    free(buf), free(l), free(r);
    return 0;
}

/* stemd-render on 8 stems of 60 s with a chain like the ffmpeg reference (4 EQ bands, compressor
 * and width per stem; EQ, multiband compressor and limiter on the master). */
static void bench_render(const char *render, const char *dir)
{
    char cmd[4096], preset[512];
    snprintf(preset, sizeof preset, "%s/bench.preset", dir);
    FILE *f = fopen(preset, "w");
    if (!f || write_stems(dir, 8, 60.0) < 0) {
        printf("render: cannot write the bench stems in %s\n", dir);
        if (f) fclose(f);
        return;
    }
    for (unsigned k = 1; k <= 8; k++)
        fprintf(f,
                "/stem/%u/eq/1/on 1\n/stem/%u/eq/1/gain 2\n/stem/%u/eq/2/on 1\n"
                "/stem/%u/eq/2/gain -2\n/stem/%u/eq/3/on 1\n/stem/%u/eq/3/gain 1\n"
                "/stem/%u/eq/4/on 1\n/stem/%u/eq/4/gain -1\n/stem/%u/comp/on 1\n"
                "/stem/%u/comp/threshold -24\n/stem/%u/width 120\n",
                k, k, k, k, k, k, k, k, k, k, k);
    fprintf(f, "/bus/eq/1/on 1\n/bus/eq/1/gain 1\n/bus/mb/on 1\n/bus/limiter/drive 3\n");
    fclose(f);
    printf("render, 8 stems x 60 s, EQ+comp+width per stem, EQ+multiband+limiter on the master "
           "(median of 5):\n");
    /* One thread, then the default: a thread per core (two pipeline the stems and the bus). */
    for (int one = 1; one >= 0; one--) {
        snprintf(cmd, sizeof cmd, "%s -q %s -p %s -o %s/master.wav", render, one ? "-T 1" : "",
                 preset, dir);
        for (unsigned k = 1; k <= 8; k++)
            snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd), " %s/stem%u.wav", dir, k);
        strcat(cmd, " > /dev/null");
        double wall[5], cpu[5];
        for (int rep = 0; rep < 5; rep++) {
            struct rusage ru0, ru1;
            getrusage(RUSAGE_CHILDREN, &ru0);
            double t0 = now();
            if (system(cmd) != 0) {
                printf("render: '%s' failed\n", cmd);
                return;
            }
            wall[rep] = now() - t0;
            getrusage(RUSAGE_CHILDREN, &ru1);
            cpu[rep] = (ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) +
                       (ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec) * 1e-6 +
                       (ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
                       (ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) * 1e-6;
        }
        qsort(wall, 5, sizeof wall[0], cmp_d);
        qsort(cpu, 5, sizeof cpu[0], cmp_d);
        printf("  %-28s %4.0fx real time (wall; %.2f s), %4.0fx per CPU second\n",
               one ? "one thread (-T 1):" : "default threads (the cores):", 60.0 / wall[2], wall[2],
               60.0 / cpu[2]);
    }
}

int main(int argc, char **argv)
{
    const double core_ns = 1e9 / RATE; /* one core's time per frame at 48 kHz: 20 833 ns */
    const double secs = getenv("STEMD_BENCH_QUICK") ? 0.3 : 3.0;

    dsp_flush_denormals();
    printf("stemd bench: 48 kHz, ns of CPU per stereo frame, median of %d runs\n", REPS);
    double strip64 = 0, master64 = 0;
    for (unsigned block = 64; block <= 1024; block *= 16) {
        /* A strip's cost is the marginal cost of one more busy stem (its input, strip and sum). */
        const unsigned N = 16;
        double base = cost(1, 0, 0, 0, block, secs);
        double many = cost(N + 1, N, 0, 0, block, secs / 4);
        double strip = (many - base) / N;
        double dyn = (cost(N + 1, N, 0, 1, block, secs / 4) - base) / N;
        double bus = cost(1, 0, 1, 0, block, secs);
        double neutral_stem = (cost(N + 1, 0, 0, 0, block, secs / 4) - base) / N;
        double master = bus - neutral_stem;
        printf("block %4u: stem strip, every module on: %6.1f ns/frame (%.2f %% of a core)\n",
               block, strip, 100 * strip / core_ns);
        printf("block %4u: + 4 dynamic EQ bands, de-esser: %4.1f ns/frame (%.2f %% of a core)\n",
               block, dyn, 100 * dyn / core_ns);
        printf("block %4u: master bus, every module on: %6.1f ns/frame (%.2f %% of a core)\n",
               block, master, 100 * master / core_ns);
        printf("block %4u: neutral stem (plain sum):    %6.1f ns/frame\n", block, neutral_stem);
        if (block == 64) strip64 = strip, master64 = master;
    }
    /* Half of a 64-frame period, minus the master, divided by one strip. */
    double room = 0.5 * core_ns - master64;
    unsigned fit = room > 0 && strip64 > 0 ? (unsigned)(room / strip64) : 0;
    printf("stems one core carries with the master within 50 %% of each 64-frame period: %u\n",
           fit);
    if (argc == 3)
        bench_render(argv[1], argv[2]);
    else if (argc != 1)
        printf("usage: stemd-bench [STEMD-RENDER SCRATCH-DIR]\n");
    return 0;
}
