/* tools/jackload.c: stemd-jackload, JACK's DSP load and xruns over a while (for make bench). */
#include <jack/jack.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static atomic_uint xruns;

static int on_xrun(void *arg)
{
    (void)arg;
    atomic_fetch_add(&xruns, 1);
    return 0;
}

static int cmp_f(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    const char *server = NULL;
    double seconds = 10, warmup = 3;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--server") && i + 1 < argc)
            server = argv[++i];
        else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
            seconds = atof(argv[++i]);
        else if (!strcmp(argv[i], "--warmup") && i + 1 < argc)
            warmup = atof(argv[++i]);
        else {
            fprintf(stderr, "usage: stemd-jackload [--server NAME] [--seconds S] [--warmup S]\n"
                            "Prints JACK's DSP load (median and max of 10 readings a second, %%) "
                            "and the xruns counted after the warm-up.\n");
            return 2;
        }
    }
    if (seconds <= 0 || seconds > 3600 || warmup < 0) {
        fprintf(stderr, "stemd-jackload: --seconds is 0..3600, --warmup >= 0\n");
        return 2;
    }
    jack_status_t st;
    jack_client_t *c = jack_client_open("stemd-jackload",
                                        server ? JackServerName : JackNoStartServer, &st, server);
    if (!c) {
        fprintf(stderr, "stemd-jackload: no JACK server%s%s is running\n", server ? " " : "",
                server ? server : "");
        return 1;
    }
    jack_set_xrun_callback(c, on_xrun, NULL);
    if (jack_activate(c) != 0) {
        fprintf(stderr, "stemd-jackload: cannot activate the client\n");
        return 1;
    }
    struct timespec tick = {0, 100000000};
    for (double t = 0; t < warmup; t += 0.1)
        nanosleep(&tick, NULL);
    atomic_store(&xruns, 0);
    unsigned n = (unsigned)(seconds * 10);
    float *load = malloc(sizeof(float) * (n ? n : 1));
    for (unsigned i = 0; i < n; i++) {
        nanosleep(&tick, NULL);
        load[i] = jack_cpu_load(c);
    }
    qsort(load, n, sizeof *load, cmp_f);
    printf("dsp_load_median %.2f dsp_load_max %.2f xruns %u period %u rate %u\n",
           n ? load[n / 2] : 0.0, n ? load[n - 1] : 0.0, atomic_load(&xruns),
           jack_get_buffer_size(c), jack_get_sample_rate(c));
    free(load);
    jack_deactivate(c);
    jack_client_close(c);
    return 0;
}
