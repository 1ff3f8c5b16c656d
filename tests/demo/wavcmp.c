/* tests/demo/wavcmp.c: sample comparisons, peaks and header checks of audio files, for the demo
 * tests (bash cannot read samples).
 *
 *   wavcmp [--offset N] [--tolerance-db X] REF FILE
 *       FILE's frames N.. against all of REF's frames: identical (or within X dBFS), same channel
 *       count. Prints the largest difference; exit 0 if they match, 1 if not, 2 on bad use.
 *   wavcmp --peak FILE      prints "peak_dbfs=P frames=F channels=C rate=R bits=16|24|32|float"
 *   wavcmp --xcorr MAXLAG REF FILE
 *       the lag (0..MAXLAG frames) at which FILE best matches one second of REF from its middle,
 *       and the normalised correlation there (1 = the same waveform): for a path that resamples,
 *       where samples cannot match. Prints "lag=L corr=C"; exit 1 if it cannot be measured.
 *   wavcmp --trim OFFSET FRAMES IN OUT
 *       writes IN's frames OFFSET..OFFSET+FRAMES-1 to OUT (32-bit float WAV): a live recording
 *       cut to the span of the render it is compared with, so a meter's blocks line up.
 *   wavcmp --header FILE    parses the RIFF/WAVE chunks by hand (not through libsndfile, which
 *       forgives broken headers): the RIFF size must match the file size and the data chunk must
 *       fit it. Prints "frames=F"; exit 1 if the header is not finalised. */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sndfile.h>

static uint32_t le32(const unsigned char *p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static int check_header(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char h[12], ch[8], fmt[16];
    if (!f) {
        fprintf(stderr, "wavcmp: cannot open %s: %s\n", path, strerror(errno));
        return 2;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    rewind(f);
    if (fread(h, 1, 12, f) != 12 || memcmp(h, "RIFF", 4) || memcmp(h + 8, "WAVE", 4)) {
        fprintf(stderr, "wavcmp: %s: not a RIFF/WAVE file\n", path);
        fclose(f);
        return 1;
    }
    if ((long)le32(h + 4) + 8 != size) {
        fprintf(stderr, "wavcmp: %s: RIFF size %u + 8 != file size %ld (not finalised)\n", path,
                le32(h + 4), size);
        fclose(f);
        return 1;
    }
    unsigned block = 0;
    long data = -1;
    while (fread(ch, 1, 8, f) == 8) {
        uint32_t len = le32(ch + 4);
        long at = ftell(f);
        if (!memcmp(ch, "fmt ", 4) && len >= 16 && fread(fmt, 1, 16, f) == 16)
            block = fmt[12] | fmt[13] << 8;
        if (!memcmp(ch, "data", 4)) {
            if (at + (long)len > size) {
                fprintf(stderr, "wavcmp: %s: data chunk of %u bytes runs past the end\n", path,
                        len);
                fclose(f);
                return 1;
            }
            data = len;
        }
        fseek(f, at + len + (len & 1), SEEK_SET);
    }
    fclose(f);
    if (data < 0 || !block || data % block) {
        fprintf(stderr, "wavcmp: %s: no fmt or data chunk, or a partial frame\n", path);
        return 1;
    }
    printf("frames=%ld\n", data / block);
    return 0;
}

static SNDFILE *open_in(const char *path, SF_INFO *info)
{
    memset(info, 0, sizeof *info);
    SNDFILE *sf = sf_open(path, SFM_READ, info);
    if (!sf) fprintf(stderr, "wavcmp: cannot read %s: %s\n", path, sf_strerror(NULL));
    return sf;
}

static int peak(const char *path)
{
    SF_INFO info;
    SNDFILE *sf = open_in(path, &info);
    float buf[4096];
    double pk = 0.0;
    sf_count_t got;
    if (!sf) return 2;
    while ((got = sf_read_float(sf, buf, 4096)) > 0)
        for (sf_count_t i = 0; i < got; i++)
            pk = fmax(pk, fabs(buf[i]));
    sf_close(sf);
    int sub = info.format & SF_FORMAT_SUBMASK;
    const char *bits = sub == SF_FORMAT_PCM_16   ? "16"
                       : sub == SF_FORMAT_PCM_24 ? "24"
                       : sub == SF_FORMAT_PCM_32 ? "32"
                       : sub == SF_FORMAT_FLOAT  ? "float"
                                                 : "other";
    printf("peak_dbfs=%.2f frames=%lld channels=%d rate=%d bits=%s\n",
           pk > 0 ? 20 * log10(pk) : -999.0, (long long)info.frames, info.channels, info.samplerate,
           bits);
    return 0;
}

static int compare(const char *ref, const char *file, long long offset, double tol_db)
{
    SF_INFO ia, ib;
    SNDFILE *a = open_in(ref, &ia), *b = open_in(file, &ib);
    int status = 2;
    if (!a || !b) goto out;
    if (ia.channels != ib.channels) {
        fprintf(stderr, "wavcmp: %s has %d channels, %s %d\n", ref, ia.channels, file, ib.channels);
        status = 1;
        goto out;
    }
    if (offset + ia.frames > ib.frames) {
        fprintf(stderr, "wavcmp: %s has %lld frames; %lld + %lld are needed\n", file,
                (long long)ib.frames, offset, (long long)ia.frames);
        status = 1;
        goto out;
    }
    if (sf_seek(b, offset, SEEK_SET) < 0) {
        fprintf(stderr, "wavcmp: cannot seek %s to %lld\n", file, offset);
        goto out;
    }
    enum { N = 4096 };
    static float fa[N * 8], fb[N * 8];
    double maxd = 0.0;
    long long first = -1, pos = 0;
    sf_count_t got;
    int ch = ia.channels > 8 ? 8 : ia.channels;
    while ((got = sf_readf_float(a, fa, N)) > 0) {
        if (sf_readf_float(b, fb, got) != got) break;
        for (sf_count_t i = 0; i < got * ch; i++) {
            double d = fabs((double)fa[i] - fb[i]);
            if (d > maxd) maxd = d;
            if (d > 0 && first < 0) first = pos + i / ch;
        }
        pos += got;
    }
    double maxd_db = maxd > 0 ? 20 * log10(maxd) : -INFINITY;
    if (first < 0)
        printf("identical: %lld frames of %s = %s from frame %lld\n", pos, ref, file, offset);
    else
        printf("differ: first at frame %lld, largest difference %.1f dBFS over %lld frames\n",
               first, maxd_db, pos);
    status = (first < 0 || maxd_db <= tol_db) ? 0 : 1;
out:
    if (a) sf_close(a);
    if (b) sf_close(b);
    return status;
}

/* Reads all of PATH as interleaved float into *buf; returns the frame count, -1 on error. */
static long long read_all(const char *path, float **buf, int *channels, int *rate)
{
    SF_INFO info;
    SNDFILE *sf = open_in(path, &info);
    if (!sf) return -1;
    *buf = malloc(sizeof **buf * (size_t)info.frames * (size_t)info.channels + 1);
    sf_count_t got = *buf ? sf_readf_float(sf, *buf, info.frames) : -1;
    sf_close(sf);
    *channels = info.channels;
    *rate = info.samplerate;
    if (got != info.frames) {
        fprintf(stderr, "wavcmp: cannot read the samples of %s\n", path);
        free(*buf);
        return -1;
    }
    return got;
}

static int xcorr(long long maxlag, const char *ref, const char *file)
{
    float *a = NULL, *b = NULL;
    int ca, cb, ra, rb, status = 1;
    long long na = read_all(ref, &a, &ca, &ra), nb = read_all(file, &b, &cb, &rb);
    long long len = ra, start = na / 2 - len / 2;
    if (na < 0 || nb < 0) goto out;
    if (ca != cb || ra != rb || start < 0 || start + len + maxlag > nb) {
        fprintf(stderr,
                "wavcmp: %s (%lld frames, %d channels) and %s (%lld, %d) cannot be "
                "correlated over 1 s with lags up to %lld\n",
                ref, na, ca, file, nb, cb, maxlag);
        goto out;
    }
    double best = -2.0;
    long long best_lag = 0;
    for (long long lag = 0; lag <= maxlag; lag++) {
        double ab = 0, aa = 0, bb = 0;
        const float *pa = a + start * ca, *pb = b + (start + lag) * ca;
        for (long long i = 0; i < len * ca; i++) {
            ab += (double)pa[i] * pb[i];
            aa += (double)pa[i] * pa[i];
            bb += (double)pb[i] * pb[i];
        }
        double c = aa > 0 && bb > 0 ? ab / sqrt(aa * bb) : 0.0;
        if (c > best) {
            best = c;
            best_lag = lag;
        }
    }
    printf("lag=%lld corr=%.6f\n", best_lag, best);
    status = 0;
out:
    free(a);
    free(b);
    return status;
}

static int trim(long long offset, long long frames, const char *in, const char *out)
{
    float *a = NULL;
    int ch, rate;
    long long n = read_all(in, &a, &ch, &rate);
    if (n < 0) return 1;
    if (offset < 0 || frames <= 0 || offset + frames > n) {
        fprintf(stderr, "wavcmp: %s has %lld frames, not %lld from %lld\n", in, n, frames, offset);
        free(a);
        return 1;
    }
    SF_INFO info = {.samplerate = rate, .channels = ch, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
    SNDFILE *sf = sf_open(out, SFM_WRITE, &info);
    int status = 1;
    if (!sf)
        fprintf(stderr, "wavcmp: cannot write %s: %s\n", out, sf_strerror(NULL));
    else if (sf_writef_float(sf, a + offset * ch, frames) != frames)
        fprintf(stderr, "wavcmp: cannot write %s: %s\n", out, sf_strerror(sf));
    else
        status = 0;
    if (sf) sf_close(sf);
    free(a);
    return status;
}

int main(int argc, char **argv)
{
    long long offset = 0;
    double tol_db = -INFINITY;
    int i = 1;
    if (argc == 3 && !strcmp(argv[1], "--peak")) return peak(argv[2]);
    if (argc == 3 && !strcmp(argv[1], "--header")) return check_header(argv[2]);
    if (argc == 6 && !strcmp(argv[1], "--trim"))
        return trim(atoll(argv[2]), atoll(argv[3]), argv[4], argv[5]);
    if (argc == 5 && !strcmp(argv[1], "--xcorr") && atoll(argv[2]) >= 0)
        return xcorr(atoll(argv[2]), argv[3], argv[4]);
    for (; i + 1 < argc && argv[i][0] == '-'; i += 2) {
        if (!strcmp(argv[i], "--offset"))
            offset = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--tolerance-db"))
            tol_db = atof(argv[i + 1]);
        else
            break;
    }
    if (argc - i != 2 || offset < 0) {
        fprintf(stderr, "usage: wavcmp [--offset N] [--tolerance-db X] REF FILE | --peak FILE | "
                        "--header FILE | --xcorr MAXLAG REF FILE | --trim OFFSET FRAMES IN OUT\n");
        return 2;
    }
    return compare(argv[i], argv[i + 1], offset, tol_db);
}
