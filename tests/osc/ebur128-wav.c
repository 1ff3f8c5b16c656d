/* tests/osc/ebur128-wav.c: the independent meter of a recording: libebur128's integrated
 * loudness (LUFS) and true peak (dBTP, the larger channel) of a stereo sound file, printed as
 * "LUFS DBTP". skip S drops the first S seconds (a recording's start, before the learn's
 * last correction reached the output). Exit 1 when the file cannot be read. */
#include <ebur128.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: ebur128-wav FILE [SKIP_SECONDS]\n");
        return 2;
    }
    SF_INFO in = {0};
    SNDFILE *f = sf_open(argv[1], SFM_READ, &in);
    if (!f || in.channels != 2) {
        fprintf(stderr, "ebur128-wav: %s: %s\n", argv[1], f ? "not stereo" : sf_strerror(NULL));
        return 1;
    }
    double skip = argc == 3 ? atof(argv[2]) : 0;
    if (skip > 0) sf_seek(f, (sf_count_t)(skip * in.samplerate), SEEK_SET);
    ebur128_state *st =
        ebur128_init(2, (unsigned)in.samplerate, EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK);
    float buf[2 * 4096];
    sf_count_t n;
    while ((n = sf_readf_float(f, buf, 4096)) > 0)
        ebur128_add_frames_float(st, buf, (size_t)n);
    double lufs, a = 0, b = 0;
    ebur128_loudness_global(st, &lufs);
    ebur128_true_peak(st, 0, &a);
    ebur128_true_peak(st, 1, &b);
    printf("%.3f %.3f\n", lufs, 20 * log10(a > b ? a : b));
    ebur128_destroy(&st);
    sf_close(f);
    return 0;
}
