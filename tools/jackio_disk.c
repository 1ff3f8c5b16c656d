/* tools/jackio_disk.c: stemd-jackio's disk thread: the recording, the live meters and the
 * loudness report, all fed from the ring buffer the process callback fills. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dsp/loudness.h"
#include "tools/jackio.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static double db(double lin)
{
    return lin > 0.0 ? 20.0 * log10(lin) : -INFINITY;
}

/* A level for the meter line: one decimal, or "-inf" for silence, right-aligned in width. */
static void fmt_level(char *buf, size_t len, double v, int width)
{
    if (isfinite(v))
        snprintf(buf, len, "%*.1f", width, v);
    else
        snprintf(buf, len, "%*s", width, "-inf");
}

static void show_meters(struct jackio *x, int tty, float window_tp)
{
    const struct loudness_gate *g = x->rep.lm.gate;
    double m = loudness_momentary(g), s = loudness_short_term(g);
    double t = (double)atomic_load(&x->rec_frames) / x->rate;
    char bar[25];
    /* A 24-character bar of the momentary loudness from -48 to 0 LUFS. */
    int fill = isfinite(m) ? (int)((m + 48.0) / 2.0) : 0;
    fill = fill < 0 ? 0 : fill > 24 ? 24 : fill;
    memset(bar, '#', (size_t)fill);
    memset(bar + fill, '.', (size_t)(24 - fill));
    bar[24] = 0;
    char ms[16], ss[16], tps[16], tpm[16];
    fmt_level(ms, sizeof ms, m, 6);
    fmt_level(ss, sizeof ss, s, 6);
    fmt_level(tps, sizeof tps, db(window_tp), 6);
    fmt_level(tpm, sizeof tpm, db(x->rep.true_peak), 5);
    fprintf(stderr, "%s%6.1f s  M %s LUFS [%s]  S %s LUFS  TP %s dBTP (max %s)%s", tty ? "\r" : "",
            t, ms, bar, ss, tps, tpm, tty ? "\033[K" : "\n");
    fflush(stderr);
}

void *jackio_disk_main(void *arg)
{
    struct jackio *x = arg;
    size_t fbytes = x->rec_ch * sizeof(float);
    float *buf = malloc(DISK_CHUNK * fbytes), *l = malloc(DISK_CHUNK * sizeof(float)),
          *r = malloc(DISK_CHUNK * sizeof(float));
    int tty = isatty(2);
    double period_s = tty ? 0.1 : 1.0, next = now_s() + period_s;
    float window_tp = 0.0f;
    if (!buf || !l || !r) {
        fprintf(stderr, "stemd-jackio: out of memory in the disk thread\n");
        atomic_store(&x->disk_error, 1);
        goto out;
    }
    for (;;) {
        int fin = atomic_load(&x->disk_finish);
        size_t avail = jack_ringbuffer_read_space(x->rb) / fbytes;
        if (avail == 0) {
            if (fin) break;
            struct timespec ts = {0, 5 * 1000 * 1000};
            nanosleep(&ts, NULL);
        } else {
            sf_count_t n = avail < DISK_CHUNK ? (sf_count_t)avail : DISK_CHUNK;
            jack_ringbuffer_read(x->rb, (char *)buf, (size_t)n * fbytes);
            if (sf_writef_float(x->sf, buf, n) != n) {
                fprintf(stderr, "\nstemd-jackio: writing %s failed: %s (disk full?)\n", x->rec_path,
                        sf_strerror(x->sf));
                atomic_store(&x->disk_error, 1);
                break;
            }
            for (sf_count_t i = 0; i < n; i++) {
                l[i] = buf[i * x->rec_ch];
                r[i] = buf[i * x->rec_ch + x->rec_ch - 1];
            }
            report_add(&x->rep, l, r, (unsigned)n);
            if (x->meters) {
                truepeak_process(&x->meter_tp, l, r, (unsigned)n, NULL);
                window_tp = fmaxf(window_tp, truepeak_take_max(&x->meter_tp));
            }
        }
        if (x->meters && now_s() >= next && atomic_load(&x->rs.started)) {
            show_meters(x, tty, window_tp);
            window_tp = 0.0f;
            next += period_s;
        }
    }
    if (x->meters) {
        show_meters(x, tty, window_tp);
        if (tty) fputc('\n', stderr);
    }
out:
    free(buf), free(l), free(r);
    return NULL;
}
