/* tools/synth.c: stemd-synth, four small deterministic demo stems (drums, bass, keys, vocal).
 *
 * The stems are written to exercise stemd's stem fixes, not to be art:
 * - the kick's body (55 Hz after its pitch drop) sits on top of the bass line's 41..73 Hz
 *   fundamentals, so ducking the bass from the drums (sidechain) or EQ clears the low end;
 * - the bass carries a little 24 Hz rumble, so a high-pass around 35 Hz has something to remove;
 * - the vocal's source goes through a resonance at 3.8 kHz that makes it harsh, so a stem EQ dip
 *   around 3.5 kHz is audible;
 * - the keys are detuned left against right, so they have stereo width for the imager.
 * Every stem is normalised to a fixed sample peak (-6..-3 dBFS), so their sum (about 0 dBFS and
 * more) drives the master limiter. Same seed, same rate, same length: same bytes. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sndfile.h>

#define BPM    120.0
#define TWO_PI 6.283185307179586

/* A stereo stem being built, planar float. */
struct stem {
    const char *name;
    double peak_db; /* the sample peak it is normalised to */
    float *l, *r;
};

struct song {
    double rate;
    size_t frames;
    uint64_t rng; /* xorshift64* state: seeded, so the noise is reproducible */
};

static double beat_s(void)
{
    return 60.0 / BPM;
}

/* Uniform in [-1, 1). xorshift64* (Vigna): tiny, fast, and the same on every platform. */
static double noise(struct song *s)
{
    s->rng ^= s->rng >> 12;
    s->rng ^= s->rng << 25;
    s->rng ^= s->rng >> 27;
    uint64_t x = s->rng * 2685821657736338717ULL;
    return (double)(x >> 11) * (2.0 / 9007199254740992.0) - 1.0;
}

static double midi_hz(double note)
{
    return 440.0 * pow(2.0, (note - 69.0) / 12.0);
}

/* RBJ cookbook band-pass (constant 0 dB peak gain), direct form I, double precision. */
struct bpf {
    double b0, b2, a1, a2, x1, x2, y1, y2;
};

static void bpf_set(struct bpf *f, double rate, double hz, double q)
{
    double w = TWO_PI * hz / rate, alpha = sin(w) / (2.0 * q), a0 = 1.0 + alpha;
    f->b0 = alpha / a0;
    f->b2 = -alpha / a0;
    f->a1 = -2.0 * cos(w) / a0;
    f->a2 = (1.0 - alpha) / a0;
}

static double bpf_run(struct bpf *f, double x)
{
    double y = f->b0 * x + f->b2 * f->x2 - f->a1 * f->y1 - f->a2 * f->y2;
    f->x2 = f->x1;
    f->x1 = x;
    f->y2 = f->y1;
    f->y1 = y;
    return y;
}

/* Add one drum hit starting at t0 seconds. */
static void add_kick(struct song *s, struct stem *st, double t0, double vel)
{
    size_t i0 = (size_t)(t0 * s->rate), n = (size_t)(0.45 * s->rate);
    double ph = 0.0;
    for (size_t i = 0; i < n && i0 + i < s->frames; i++) {
        double t = i / s->rate;
        /* Pitch falls from 160 Hz to 55 Hz in ~30 ms: the click, then the body in the bass's
         * range. */
        double hz = 55.0 + 105.0 * exp(-t / 0.03);
        ph += TWO_PI * hz / s->rate;
        double v = vel * sin(ph) * exp(-t / 0.16) * (t < 0.002 ? t / 0.002 : 1.0);
        st->l[i0 + i] += (float)v;
        st->r[i0 + i] += (float)v;
    }
}

static void add_snare(struct song *s, struct stem *st, double t0, double vel)
{
    size_t i0 = (size_t)(t0 * s->rate), n = (size_t)(0.3 * s->rate);
    struct bpf body = {0};
    bpf_set(&body, s->rate, 2500.0, 0.7);
    for (size_t i = 0; i < n && i0 + i < s->frames; i++) {
        double t = i / s->rate;
        double tone = 0.5 * sin(TWO_PI * 185.0 * t) * exp(-t / 0.05);
        double rattle = 1.6 * bpf_run(&body, noise(s)) * exp(-t / 0.09);
        double v = vel * (tone + rattle);
        st->l[i0 + i] += (float)(0.95 * v);
        st->r[i0 + i] += (float)(1.05 * v);
    }
}

static void add_hat(struct song *s, struct stem *st, double t0, double vel, double decay_s)
{
    size_t i0 = (size_t)(t0 * s->rate), n = (size_t)(6.0 * decay_s * s->rate);
    struct bpf sizzle = {0};
    bpf_set(&sizzle, s->rate, 9000.0, 1.2);
    for (size_t i = 0; i < n && i0 + i < s->frames; i++) {
        double v = vel * bpf_run(&sizzle, noise(s)) * exp(-(i / s->rate) / decay_s);
        st->l[i0 + i] += (float)(0.7 * v); /* hats sit a little right of centre */
        st->r[i0 + i] += (float)(1.0 * v);
    }
}

/* Four on the floor, snare on 2 and 4, eighth-note hats with an open one before each bar. */
static void make_drums(struct song *s, struct stem *st)
{
    double b = beat_s();
    for (unsigned k = 0; (k + 1) * b <= s->frames / s->rate; k++) {
        double t = k * b, humanise = 0.04 * noise(s);
        add_kick(s, st, t, 1.0 + humanise);
        if (k % 2 == 1) add_snare(s, st, t, 0.8 + humanise);
        add_hat(s, st, t, 0.25, 0.03);
        add_hat(s, st, t + b / 2, 0.35 + 0.05 * noise(s), k % 4 == 3 ? 0.15 : 0.03);
    }
}

/* The chord roots, one per bar: Em, C, G, D (MIDI notes of the bass: E1, C2, G1, D2). */
static const int roots[4] = {28, 36, 31, 38};
/* The chords for the keys, voiced around middle C. */
static const int chords[4][4] = {
    {52, 55, 59, 64}, {48, 52, 55, 60}, {50, 55, 59, 62}, {50, 54, 57, 62}};

/* Eighth notes on the root with an octave jump, a saw-ish tone (three harmonics) with a short
 * attack, plus the sub-sonic rumble the stem high-pass is there for. */
static void make_bass(struct song *s, struct stem *st)
{
    double b = beat_s(), ph = 0.0, rumble = 0.0;
    for (size_t i = 0; i < s->frames; i++) {
        double t = i / s->rate, eighth = t / (b / 2);
        unsigned e = (unsigned)eighth, bar = (unsigned)(t / (4 * b)) % 4;
        double pos = (eighth - e) * b / 2; /* seconds into this eighth */
        int note = roots[bar] + (e % 8 == 3 || e % 8 == 6 ? 12 : 0);
        double hz = midi_hz(note);
        ph += TWO_PI * hz / s->rate;
        double env = (pos < 0.005 ? pos / 0.005 : 1.0) * exp(-pos / 0.35);
        env *= pos > b / 2 - 0.01 ? (b / 2 - pos) / 0.01 : 1.0; /* release before the next */
        double v = env * (sin(ph) + 0.35 * sin(2 * ph) + 0.15 * sin(3 * ph));
        rumble += TWO_PI * 24.0 / s->rate;
        v += 0.12 * sin(rumble);
        st->l[i] += (float)v;
        st->r[i] += (float)v;
    }
}

/* Off-beat chord stabs; each note is an electric-piano-like pair of partials, the right channel
 * detuned by +6 cents against the left for width. */
static void make_keys(struct song *s, struct stem *st)
{
    double b = beat_s(), detune = pow(2.0, 6.0 / 1200.0);
    for (unsigned k = 0; (k + 1) * b <= s->frames / s->rate; k++) {
        const int *ch = chords[(k / 4) % 4];
        double t0 = k * b + b / 2;
        size_t i0 = (size_t)(t0 * s->rate), n = (size_t)(0.45 * s->rate);
        for (unsigned v = 0; v < 4; v++) {
            double hz = midi_hz(ch[v]), vel = 0.25 * (1.0 + 0.1 * noise(s));
            for (size_t i = 0; i < n && i0 + i < s->frames; i++) {
                double t = i / s->rate, env = (t < 0.004 ? t / 0.004 : 1.0) * exp(-t / 0.2);
                double bell = 0.3 * exp(-t / 0.05);
                double l = sin(TWO_PI * hz * t) + bell * sin(TWO_PI * 4 * hz * t);
                double r = sin(TWO_PI * hz * detune * t) + bell * sin(TWO_PI * 4 * hz * detune * t);
                st->l[i0 + i] += (float)(vel * env * l);
                st->r[i0 + i] += (float)(vel * env * r);
            }
        }
    }
}

/* A band-limited sawtooth (polyBLEP) as the glottal source. */
static double saw_blep(double phase, double dphase)
{
    double v = 2.0 * phase - 1.0;
    if (phase < dphase) {
        double x = phase / dphase;
        v -= x + x - x * x - 1.0;
    } else if (phase > 1.0 - dphase) {
        double x = (phase - 1.0) / dphase;
        v -= x * x + x + x + 1.0;
    }
    return v;
}

/* A sung line: a sawtooth with 5.5 Hz vibrato through three vowel formants and one harsh
 * resonance at 3.8 kHz (the thing a stem EQ dip should fix). Two notes a bar, vowels alternate. */
static void make_vocal(struct song *s, struct stem *st)
{
    static const int melody[8] = {64, 67, 71, 69, 67, 64, 62, 66};
    static const double vowels[2][3] = {{750, 1150, 2500}, {450, 1900, 2650}}; /* "ah", "eh" */
    static const double formant_gain[3] = {1.0, 0.6, 0.35};
    double b = beat_s(), phase = 0.0;
    struct bpf f[3], harsh = {0};
    memset(f, 0, sizeof f);
    bpf_set(&harsh, s->rate, 3800.0, 4.0);
    int cur = -1;
    for (size_t i = 0; i < s->frames; i++) {
        double t = i / s->rate, half = t / (2 * b);
        unsigned k = (unsigned)half;
        double pos = (half - k) * 2 * b;
        if ((int)k != cur) { /* a new note: retune the formants to its vowel */
            cur = (int)k;
            for (unsigned j = 0; j < 3; j++)
                bpf_set(&f[j], s->rate, vowels[k % 2][j], 8.0);
        }
        double vib = 1.0 + 0.012 * sin(TWO_PI * 5.5 * t) * (pos > 0.25 ? 1.0 : pos / 0.25);
        double hz = midi_hz(melody[k % 8]) * vib, dphase = hz / s->rate;
        phase += dphase;
        if (phase >= 1.0) phase -= 1.0;
        double src = saw_blep(phase, dphase);
        double v = 0.0;
        for (unsigned j = 0; j < 3; j++)
            v += formant_gain[j] * bpf_run(&f[j], src);
        v += 0.55 * bpf_run(&harsh, src);
        double env =
            (pos < 0.04 ? pos / 0.04 : 1.0) * (pos > 2 * b - 0.12 ? (2 * b - pos) / 0.12 : 1.0);
        st->l[i] += (float)(env * v);
        st->r[i] += (float)(env * v);
    }
}

/* Fade the last 20 ms (no click at the end), then scale to the stem's peak. */
static void finish(struct song *s, struct stem *st)
{
    size_t fade = (size_t)(0.02 * s->rate);
    float peak = 0.0f;
    for (size_t i = 0; i < s->frames; i++) {
        if (i + fade > s->frames) {
            float g = (float)(s->frames - i) / (float)fade;
            st->l[i] *= g;
            st->r[i] *= g;
        }
        peak = fmaxf(peak, fmaxf(fabsf(st->l[i]), fabsf(st->r[i])));
    }
    float g = peak > 0.0f ? (float)(pow(10.0, st->peak_db / 20.0) / peak) : 0.0f;
    for (size_t i = 0; i < s->frames; i++) {
        st->l[i] *= g;
        st->r[i] *= g;
    }
}

/* Returns 0, or -1 after saying what failed. */
static int write_stem(const struct song *s, const struct stem *st, const char *dir)
{
    char path[4096];
    SF_INFO info = {
        .samplerate = (int)s->rate, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_24};
    snprintf(path, sizeof path, "%s/%s.wav", dir, st->name);
    SNDFILE *sf = sf_open(path, SFM_WRITE, &info);
    if (!sf) {
        fprintf(stderr, "stemd-synth: cannot write %s: %s\n", path, sf_strerror(NULL));
        return -1;
    }
    enum { CHUNK = 4096 };
    static float buf[2 * CHUNK];
    int err = 0;
    for (size_t pos = 0; pos < s->frames && !err; pos += CHUNK) {
        size_t n = s->frames - pos < CHUNK ? s->frames - pos : CHUNK;
        for (size_t i = 0; i < n; i++) {
            buf[2 * i] = st->l[pos + i];
            buf[2 * i + 1] = st->r[pos + i];
        }
        if (sf_writef_float(sf, buf, (sf_count_t)n) != (sf_count_t)n) {
            fprintf(stderr, "stemd-synth: writing %s failed: %s (disk full?)\n", path,
                    sf_strerror(sf));
            err = -1;
        }
    }
    if (sf_close(sf) != 0 && !err) {
        fprintf(stderr, "stemd-synth: closing %s failed (disk full?)\n", path);
        err = -1;
    }
    return err;
}

static void usage(FILE *f)
{
    fprintf(
        f,
        "usage: stemd-synth [-r RATE] [-d SECONDS] [--seed N] OUTDIR\n"
        "Writes four demo stems, 24-bit stereo WAV at 120 BPM, into OUTDIR (created if\n"
        "missing): drums.wav bass.wav keys.wav vocal.wav. The same seed gives the same bytes.\n"
        "  -r, --rate RATE      sample rate in Hz, 44100..192000 (default 48000)\n"
        "  -d, --duration S     length in seconds, 1..600 (default 20)\n"
        "  -s, --seed N         noise and humanisation seed (default 1)\n"
        "  -h, --help           this text\n"
        "Example: stemd-synth -d 10 /tmp/stems && stemd-render -o master.wav /tmp/stems/*.wav\n");
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"rate", required_argument, 0, 'r'},
                                         {"duration", required_argument, 0, 'd'},
                                         {"seed", required_argument, 0, 's'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    double rate = 48000.0, seconds = 20.0;
    unsigned long long seed = 1;
    char *end;
    int c;
    while ((c = getopt_long(argc, argv, "r:d:s:h", opts, NULL)) != -1) {
        switch (c) {
        case 'r':
            rate = strtod(optarg, &end);
            if (*end || !(rate >= 44100.0 && rate <= 192000.0) || rate != floor(rate)) {
                fprintf(stderr, "stemd-synth: -r wants a whole rate in Hz, 44100..192000\n");
                return 2;
            }
            break;
        case 'd':
            seconds = strtod(optarg, &end);
            if (*end || !(seconds >= 1.0 && seconds <= 600.0)) {
                fprintf(stderr, "stemd-synth: -d wants seconds, 1..600\n");
                return 2;
            }
            break;
        case 's':
            errno = 0;
            seed = strtoull(optarg, &end, 0);
            if (*end || errno || !*optarg) {
                fprintf(stderr, "stemd-synth: --seed wants a whole number\n");
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        return 2;
    }
    const char *dir = argv[optind];
    if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
        fprintf(stderr, "stemd-synth: cannot create %s: %s\n", dir, strerror(errno));
        return 1;
    }

    /* Peaks: drums loudest, keys lowest; their sum peaks well above 0 dBFS. */
    struct stem stems[4] = {
        {"drums", -3.0, 0, 0}, {"bass", -4.0, 0, 0}, {"keys", -6.0, 0, 0}, {"vocal", -5.0, 0, 0}};
    void (*makers[4])(struct song *, struct stem *) = {make_drums, make_bass, make_keys,
                                                       make_vocal};
    struct song s = {.rate = rate, .frames = (size_t)(seconds * rate)};
    int status = 0;
    for (unsigned k = 0; k < 4 && !status; k++) {
        /* Each stem gets its own stream, so changing one stem's code leaves the others alone. */
        s.rng = ((seed + 1) * 0x9E3779B97F4A7C15ULL + k * 0xD1B54A32D192ED03ULL) | 1; /* never 0 */
        stems[k].l = calloc(s.frames, sizeof(float));
        stems[k].r = calloc(s.frames, sizeof(float));
        if (!stems[k].l || !stems[k].r) {
            fprintf(stderr, "stemd-synth: out of memory for %.0f s; ask for fewer seconds\n",
                    seconds);
            status = 1;
            break;
        }
        makers[k](&s, &stems[k]);
        finish(&s, &stems[k]);
        if (write_stem(&s, &stems[k], dir) < 0) status = 1;
        free(stems[k].l);
        free(stems[k].r);
    }
    if (!status)
        printf("stemd-synth: wrote drums, bass, keys, vocal (%.1f s, %.0f Hz, seed %llu) to %s\n",
               seconds, rate, seed, dir);
    return status;
}
