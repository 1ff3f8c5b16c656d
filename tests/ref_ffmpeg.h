/* tests/ref_ffmpeg.h: ffmpeg's ebur128 filter as a third, independent true-peak meter (it
 * oversamples through libswresample, not an interpolator of its own). The signal goes through a
 * temporary float WAV; ffmpeg's per-frame metadata gives the true peaks to 3 decimals (linear). */
#ifndef STEMD_REF_FFMPEG_H
#define STEMD_REF_FFMPEG_H

#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/tap.h"

/* Whole-signal true peak (linear, both channels) of n stereo frames at rate by ffmpeg. */
static inline double ref_ffmpeg_true_peak(const float *l, const float *r, size_t n, unsigned rate)
{
    char path[] = "/tmp/stemd-ffmpeg-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) bail("ffmpeg meter: cannot make a temporary file in /tmp");
    SF_INFO si = {
        .samplerate = (int)rate, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
    SNDFILE *f = sf_open_fd(fd, SFM_WRITE, &si, 1);
    float *il = malloc(2 * n * sizeof *il + 1);
    if (!f || !il) bail("ffmpeg meter: cannot write the temporary WAV");
    for (size_t i = 0; i < n; i++) {
        il[2 * i] = l[i];
        il[2 * i + 1] = r[i];
    }
    sf_count_t w = sf_writef_float(f, il, (sf_count_t)n);
    sf_close(f);
    free(il);
    if (w != (sf_count_t)n) bail("ffmpeg meter: short write of the temporary WAV");
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "ffmpeg -nostdin -hide_banner -loglevel error -i %s -af "
             "'ebur128=peak=true:metadata=1,ametadata=print:file=-' -f null - 2>&1",
             path);
    FILE *p = popen(cmd, "r");
    if (!p) bail("ffmpeg meter: cannot run ffmpeg (tools/install-deps test installs it)");
    char line[256];
    double mx = -1.0;
    while (fgets(line, sizeof line, p)) {
        const char *v = strstr(line, "lavfi.r128.true_peaks_ch");
        if (v && (v = strchr(v, '='))) {
            double x = atof(v + 1);
            mx = x > mx ? x : mx;
        }
    }
    int st = pclose(p);
    unlink(path);
    if (st != 0 || mx < 0) bail("ffmpeg meter: ffmpeg failed or printed no true peak");
    return mx;
}

#endif
