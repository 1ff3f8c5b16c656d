/* tests/test_render.c: stemd-render end to end: alignment, formats, presets, target loudness and
 * the ceiling, checked with libsndfile and libebur128 (an independent meter). */
#include <ebur128.h>
#include <math.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/tap.h"

static char dir[256], render[512];

static void write_wav(const char *name, int channels, int rate, int frames,
                      float (*gen)(int i, int ch))
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    SF_INFO info = {
        .samplerate = rate, .channels = channels, .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (!sf) bail("cannot write a test stem");
    float *buf = malloc(sizeof(float) * channels * frames);
    for (int i = 0; i < frames; i++)
        for (int c = 0; c < channels; c++)
            buf[i * channels + c] = gen(i, c);
    sf_writef_float(sf, buf, frames);
    sf_close(sf);
    free(buf);
}

/* Read a whole stereo file. Returns frames, or -1. */
static long read_wav(const char *name, float **out, SF_INFO *info)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    memset(info, 0, sizeof *info);
    SNDFILE *sf = sf_open(path, SFM_READ, info);
    if (!sf) return -1;
    *out = malloc(sizeof(float) * info->channels * (info->frames + 1));
    long n = (long)sf_readf_float(sf, *out, info->frames);
    sf_close(sf);
    return n;
}

static int run(const char *args, char *out, size_t outlen)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "cd %s && %s -q %s 2>&1", dir, render, args);
    FILE *f = popen(cmd, "r");
    size_t got = 0;
    if (!f) return -1;
    if (out) {
        got = fread(out, 1, outlen - 1, f);
        out[got] = 0;
    } else {
        char sink[4096];
        while (fread(sink, 1, sizeof sink, f) > 0)
            ;
    }
    int st = pclose(f);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int exists(const char *name)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

static float g_click(int i, int ch)
{
    return i == 1000 ? (ch ? -0.25f : 0.5f) : 0.0f;
}

static float g_mono(int i, int ch)
{
    (void)ch;
    return i == 500 ? 0.25f : 0.0f;
}

static unsigned rng = 1;
static float g_loud(int i, int ch)
{
    rng = rng * 1664525u + 1013904223u;
    float noise = (float)(rng >> 8) / 8388608.0f - 1.0f;
    float env = 0.5f + 0.5f * sinf(i * 0.0003f + ch);
    return 0.4f * env * noise + 0.4f * sinf(i * 0.05f * (1 + ch));
}

static float g_square(int i, int ch)
{
    (void)ch;
    return (i / 24) % 2 ? 0.99f : -0.99f;
}

static double ebu_measure(const float *x, long n, int rate, double *tp_db)
{
    ebur128_state *st =
        ebur128_init(2, (unsigned long)rate, EBUR128_MODE_I | EBUR128_MODE_TRUE_PEAK);
    double lufs, tp0, tp1;
    ebur128_add_frames_float(st, x, (size_t)n);
    ebur128_loudness_global(st, &lufs);
    ebur128_true_peak(st, 0, &tp0);
    ebur128_true_peak(st, 1, &tp1);
    *tp_db = 20 * log10(fmax(tp0, tp1));
    ebur128_destroy(&st);
    return lufs;
}

int main(void)
{
    char out[8192];
    const char *b = getenv("STEMD_BUILD") ? getenv("STEMD_BUILD") : "build";
    char cwd[400];
    if (!getcwd(cwd, sizeof cwd)) bail("getcwd");
    snprintf(render, sizeof render, "%s/%s/stemd-render", cwd, b);
    snprintf(dir, sizeof dir, "/tmp/stemd-render-test.%d", (int)getpid());
    mkdir(dir, 0700);

    write_wav("click.wav", 2, 48000, 4800, g_click);
    write_wav("mono.wav", 1, 48000, 2400, g_mono);
    write_wav("other.wav", 2, 44100, 4800, g_click);
    write_wav("loud.wav", 2, 48000, 48000 * 6, g_loud);
    write_wav("square.wav", 2, 48000, 48000 * 2, g_square);

    /* alignment: with the limiter's delay compensated, input frame t is output frame t */
    int rc = run("--float -o a.wav click.wav mono.wav", out, sizeof out);
    float *x = NULL;
    SF_INFO info;
    long n = read_wav("a.wav", &x, &info);
    ok(rc == 0 && n == 4800 && info.channels == 2,
       "renders 2 stems to a float WAV of the longest "
       "stem's length (%ld frames)",
       n);
    ok(n == 4800 && x[2 * 1000] == 0.5f && x[2 * 1000 + 1] == -0.25f && x[2 * 500] == 0.25f &&
           x[2 * 500 + 1] == 0.25f,
       "output aligned with the stems, sample for sample; a mono stem feeds both channels");
    ok(strstr(out, "shorter") != NULL, "a shorter stem is padded, and it says so");
    free(x);

    rc = run("-o b.wav click.wav other.wav", out, sizeof out);
    ok(rc != 0 && strstr(out, "44100") && !exists("b.wav"), "different sample rates: a clear "
                                                            "error, nothing written");

    /* a preset with bad lines is refused whole, each line reported */
    char path[600];
    snprintf(path, sizeof path, "%s/bad.preset", dir);
    FILE *f = fopen(path, "w");
    fprintf(f, "/bus/limiter/ceiling -2\n/stem/click/nothing 1\n/bus/input nan\n/bus/output 5\n"
               "/stem/9/fader 0\n");
    fclose(f);
    rc = run("-p bad.preset -o c.wav click.wav", out, sizeof out);
    ok(rc != 0 && strstr(out, "bad.preset:2:") && strstr(out, "bad.preset:3:") &&
           strstr(out, "bad.preset:4:") && strstr(out, "bad.preset:5:") &&
           !strstr(out, "bad.preset:1:") && !exists("c.wav"),
       "a preset with 4 bad lines: each reported as file:line, nothing rendered");
    rc = run("--set /bus/limiter/ceiling=1 -o c.wav click.wav", out, sizeof out);
    ok(rc != 0 && !exists("c.wav"), "--set out of range refused");

    /* JSON report keys */
    rc = run("--json -o d.wav loud.wav", out, sizeof out);
    ok(rc == 0 && strstr(out, "\"integrated_lufs\"") && strstr(out, "\"lra_lu\"") &&
           strstr(out, "\"true_peak_dbtp\"") && strstr(out, "\"sample_peak_dbfs\"") &&
           strstr(out, "\"momentary_max_lufs\"") && strstr(out, "\"short_term_max_lufs\""),
       "--json prints the six keys");
    n = read_wav("d.wav", &x, &info);
    ok(n > 0 && (info.format & SF_FORMAT_SUBMASK) == SF_FORMAT_PCM_24, "a .wav is 24-bit PCM");
    free(x);

    /* target loudness, checked by libebur128 */
    static const double targets[] = {-14.0, -23.0, -6.0};
    for (int t = 0; t < 3; t++) {
        char args[200];
        snprintf(args, sizeof args, "--float --target-lufs %g -o t.wav loud.wav", targets[t]);
        rc = run(args, out, sizeof out);
        n = read_wav("t.wav", &x, &info);
        double tp, lufs = n > 0 ? ebu_measure(x, n, info.samplerate, &tp) : NAN;
        ok(rc == 0 && fabs(lufs - targets[t]) <= 0.1 && tp <= -1.0,
           "--target-lufs %g: libebur128 measures %.2f LUFS, true peak %.2f dBTP (ceiling -1)",
           targets[t], lufs, tp);
        free(x);
    }

    /* a platform: --target amazon is -14 LUFS at a -2 dBTP ceiling (server/targets.h), over a
     * preset's -1; a name not in the table or both targets at once are refused */
    rc = run("--float --target amazon --set /bus/limiter/ceiling=-1 -o p.wav loud.wav", out,
             sizeof out);
    n = read_wav("p.wav", &x, &info);
    {
        double tp = NAN, lufs = n > 0 ? ebu_measure(x, n, info.samplerate, &tp) : NAN;
        ok(rc == 0 && fabs(lufs - -14.0) <= 0.1 && tp <= -2.0,
           "--target amazon: libebur128 measures %.2f LUFS (-14), true peak %.2f dBTP (ceiling "
           "-2)",
           lufs, tp);
    }
    free(x);
    rc = run("--target netflix -o q.wav loud.wav", out, sizeof out);
    ok(rc == 2 && strstr(out, "unknown platform 'netflix' (one of spotify,") && !exists("q.wav"),
       "--target netflix: refused with the platforms named");
    rc = run("--target spotify --target-lufs -14 -o q.wav loud.wav", out, sizeof out);
    ok(rc == 2 && !exists("q.wav"), "--target and --target-lufs together: refused");

    /* out of reach: refused, with the loudest the chain does reach, which libebur128 confirms
     * on the render at full drive */
    rc = run("--float --target-lufs 0 --set /bus/limiter/ceiling=-6 -o u.wav loud.wav", out,
             sizeof out);
    const char *say =
        strstr(out, "the loudest this chain reaches on these stems at ceiling -6.0 dBTP is ");
    double reach = say ? strtod(say + strlen("the loudest this chain reaches on these stems at "
                                             "ceiling -6.0 dBTP is "),
                                NULL)
                       : NAN;
    ok(rc != 0 && !exists("u.wav") && isfinite(reach),
       "--target-lufs 0 at ceiling -6: refused, nothing written, the reachable loudness named "
       "(%.1f LUFS)",
       reach);
    rc = run("--float --set /bus/limiter/ceiling=-6 --set /bus/limiter/drive=24 -o v.wav loud.wav",
             out, sizeof out);
    n = read_wav("v.wav", &x, &info);
    double vtp, vl = n > 0 ? ebu_measure(x, n, info.samplerate, &vtp) : NAN;
    ok(rc == 0 && fabs(vl - reach) <= 0.1,
       "that figure is what full drive gives: libebur128 %.2f LUFS against %.1f", vl, reach);
    free(x);

    /* the ceiling holds on a driven full-scale square wave, per libebur128 */
    rc = run("--float --set /bus/limiter/drive=12 --set /bus/limiter/ceiling=-0.5 -o s.wav "
             "square.wav",
             out, sizeof out);
    n = read_wav("s.wav", &x, &info);
    double tp;
    ebu_measure(x, n, 48000, &tp);
    ok(rc == 0 && tp <= -0.5, "square wave +12 dB drive: true peak %.3f dBTP <= -0.5", tp);
    free(x);

    /* threads never change the samples: serial, pipelined (2), pipelined with shared stems (3);
     * 6 s is 70 chunks, many times the pipeline's depth; compressors keyed across stems */
    {
        const char *busy = "-p /dev/null --float --set /stem/1/comp/on=1 --set /stem/2/comp/on=1 "
                           "--set /stem/2/comp/sidechain=1 --set /bus/mb/on=1 "
                           "--set /bus/limiter/drive=6 loud.wav click.wav mono.wav";
        char args[600];
        float *y = NULL;
        SF_INFO i2;
        int same = 1;
        snprintf(args, sizeof args, "-T 1 -o t1.wav %s", busy);
        run(args, NULL, 0);
        n = read_wav("t1.wav", &x, &info);
        for (int t = 2; t <= 3; t++) {
            snprintf(args, sizeof args, "-T %d -o t%d.wav %s", t, t, busy);
            char name[32];
            snprintf(name, sizeof name, "t%d.wav", t);
            run(args, NULL, 0);
            long n2 = read_wav(name, &y, &i2);
            same &= n > 0 && n == n2 && memcmp(x, y, sizeof(float) * 2 * n) == 0;
            free(y);
        }
        ok(same, "one, two or three threads: the same samples");
        free(x);
    }

    rc = run("--analyze t1.wav --json", out, sizeof out);
    ok(rc == 0 && strstr(out, "integrated_lufs"), "--analyze meters a file");
    rc = run("-o e.mp9 click.wav", out, sizeof out);
    ok(rc != 0 && strstr(out, "unknown output format"), "an unknown extension is refused");
    rc = run("-o e.wav missing.wav", out, sizeof out);
    ok(rc != 0 && strstr(out, "missing.wav"), "a missing stem is named");

    /* a damaged stem is an error, not silence */
    {
        char fp[600];
        SF_INFO fi = {
            .samplerate = 48000, .channels = 2, .format = SF_FORMAT_FLAC | SF_FORMAT_PCM_16};
        snprintf(fp, sizeof fp, "%s/dmg.flac", dir);
        SNDFILE *sf = sf_open(fp, SFM_WRITE, &fi);
        float *buf = malloc(sizeof(float) * 2 * 48000 * 4);
        for (int i = 0; i < 48000 * 4; i++)
            buf[2 * i] = buf[2 * i + 1] = g_loud(i, 0) * 0.5f;
        sf_writef_float(sf, buf, 48000 * 4);
        sf_close(sf);
        free(buf);
        FILE *df = fopen(fp, "r+b");
        fseek(df, 0, SEEK_END);
        long sz = ftell(df);
        fseek(df, sz / 2, SEEK_SET);
        for (int i = 0; i < 20000; i++)
            fputc(0x55, df);
        fclose(df);
        for (int t = 1; t <= 2; t++) {
            char args[64];
            snprintf(args, sizeof args, "-T %d -o f.wav dmg.flac", t);
            rc = run(args, out, sizeof out);
            ok(rc != 0 && strstr(out, "cannot read dmg.flac") && !exists("f.wav") &&
                   !exists("f.wav.partial"),
               "%d thread%s: a damaged stem stops the render with its name and time, no file "
               "left: %.80s",
               t, t == 1 ? "" : "s", out);
        }
    }
    rc = run("-o g.wav self=click.wav", out, sizeof out);
    ok(rc != 0 && strstr(out, "reserved"), "a stem may not be named 'self'");
    rc = run("--bits 16 --set /bus/dither=24bit -o g.wav click.wav", out, sizeof out);
    ok(rc != 0 && strstr(out, "/bus/dither") && !exists("g.wav"),
       "bus dither to 24 bits into a 16-bit file is refused with the way out");

    char cmd[300];
    if (getenv("STEMD_KEEP")) return done_testing();
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) diag("could not remove %s", dir);
    return done_testing();
}
