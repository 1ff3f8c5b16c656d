/* tools/render.c: stemd-render, offline mastering of stem files through the live server's graph. */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sndfile.h>
#include <unistd.h>

#include "dsp/dither.h"
#include "dsp/dsp.h"
#include "dsp/mix.h"
#include "dsp/preset.h"
#include "server/targets.h"
#include "tools/pipeline.h"
#include "tools/pool.h"
#include "tools/report.h"
#include "tools/timeline.h"

#define CHUNK 4096
/* Chunks in flight between the two threads: the stems of the next ones are computed while the
 * bus finishes this one; a few more ride out the odd scheduling hiccup. */
#define PIPE_CHUNKS 4

/* Set by SIGINT/SIGTERM: the render stops at the next chunk and removes its partial file. */
static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
    stop_signal = sig;
}

struct stem_in {
    char name[STEMD_STEM_NAME_MAX];
    const char *path;
    SNDFILE *sf;
    SF_INFO info;
};

/* One chunk in flight: every stem's input, then the stems' sum, which the bus turns into the
 * master in place. */
struct slot {
    float *in; /* stem k's left at in + 2k * CHUNK, its right at in + (2k + 1) * CHUNK */
    float *l, *r;
    unsigned n;
    sf_count_t at; /* its first frame */
};

struct render {
    unsigned nstems;
    struct stem_in *stems;
    const char *names[STEMD_MAX_STEMS];
    struct params_names pn;
    double rate;
    sf_count_t frames; /* the longest stem */
    struct mix *mix;
    float *ibuf, *obuf;            /* interleaved frames, as read and as written */
    struct slot slot[PIPE_CHUNKS]; /* chunks in flight (the serial path uses the first) */
    int pipelined;                 /* the stems stage on a thread of its own */
    int progress;
    const struct timeline *tl;              /* --scene recalls, NULL for none */
    struct timeline_stage st_stems, st_bus; /* each stage's walk through them */
};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: stemd-render [options] -o OUT STEM...\n"
            "       stemd-render --analyze FILE [--json]\n"
            "Masters stem files through stemd's graph (the same samples as the live server).\n"
            "  STEM                  name=file, or a file named by its base name (drums.wav)\n"
            "  -o, --output FILE     .wav (24-bit), .flac, .aiff, .w64 or .caf\n"
            "  -p, --preset FILE     a preset: 'path value' lines (stemctl dump writes one)\n"
            "  -s, --set PATH=VALUE  set one parameter (repeatable), e.g. /bus/limiter/ceiling=-1\n"
            "  -t, --target-lufs X   set the master gain so the output integrates to X LUFS\n"
            "      --target NAME     a platform's loudness and ceiling (/bus/limiter/ceiling):\n");
#define PLATFORM_ROW(n, l, t, w)                                                                   \
    fprintf(f, "                          %-14s %3.0f LUFS, %2.0f dBTP  %s\n", n, (double)(l),     \
            (double)(t), w);
    STEMD_TARGETS(PLATFORM_ROW)
#undef PLATFORM_ROW
    fprintf(f,
            "      --float           write 32-bit float (WAV, W64, CAF)\n"
            "      --bits 16|24      integer word length (default 24)\n"
            "      --no-dither       no TPDF dither when writing integer samples\n"
            "  -j, --json            print the loudness report as one JSON object\n"
            "  -a, --analyze FILE    meter FILE without processing\n"
            "      --scene FILE@TIME[:SECONDS]\n"
            "                        recall the scene in FILE (a preset: stemd's\n"
            "                        STATE_DIR/NAME.sceneN) at TIME (seconds, or frames: 96000f),\n"
            "                        morphing over SECONDS (0-10) as /scene/recall does, from the\n"
            "                        first 32-frame boundary at or after TIME (repeatable)\n"
            "  -T, --threads N       threads (default: the cores, 1..16): 2 pipeline the stems\n"
            "                        and the master bus, more also share the stems\n"
            "  -q, --quiet           no progress\n"
            "  -h, --help            this text\n"
            "Example: stemd-render -p master.preset -t -14 -o master.wav drums.wav bass.wav\n");
}

/* Dither modes are the table's /bus/dither names ("off|16bit|24bit"): a mode's word length is
 * the number its name starts with (0 for "off"), and --bits takes the lengths that have a mode. */
static const struct param_def *dither_row(void)
{
    return params_row(SCOPE_BUS, BUS_DITHER);
}

static int dither_mode_bits(unsigned mode)
{
    char buf[32];
    const char *name = params_enum_name(dither_row(), mode, buf, sizeof buf);
    return name ? atoi(name) : 0;
}

/* The mode that dithers to bits, or -1 when none does. */
static int dither_mode_of(int bits)
{
    for (unsigned m = 0; bits > 0 && m < params_enum_count(dither_row()); m++)
        if (dither_mode_bits(m) == bits) return (int)m;
    return -1;
}

/* "16|24": the word lengths of the table's modes, for messages. */
static const char *dither_bits_list(char *buf, size_t len)
{
    size_t o = 0;
    buf[0] = 0;
    for (unsigned m = 0; m < params_enum_count(dither_row()); m++)
        if (dither_mode_bits(m) > 0 && o < len)
            o += (size_t)snprintf(buf + o, len - o, "%s%d", o ? "|" : "", dither_mode_bits(m));
    return buf;
}

static void preset_err(void *ctx, const char *file, unsigned line, const char *reason)
{
    (void)ctx;
    fprintf(stderr, "%s:%u: %s\n", file, line, reason);
}

/* A stem's name from its file: the base name without extension, made a valid stem name. */
static int stem_name(const char *arg, char *name, const char **path)
{
    const char *eq = strchr(arg, '=');
    char tmp[4096];
    if (eq && eq != arg) {
        size_t len = (size_t)(eq - arg);
        if (len >= STEMD_STEM_NAME_MAX) len = STEMD_STEM_NAME_MAX - 1;
        memcpy(name, arg, len);
        name[len] = 0;
        *path = eq + 1;
    } else {
        snprintf(tmp, sizeof tmp, "%s", arg);
        const char *base = basename(tmp);
        size_t len = strcspn(base, ".");
        if (len >= STEMD_STEM_NAME_MAX - 1) len = STEMD_STEM_NAME_MAX - 2;
        int pre = !((base[0] >= 'A' && base[0] <= 'Z') || (base[0] >= 'a' && base[0] <= 'z'));
        if (pre) name[0] = 's';
        memcpy(name + pre, base, len);
        name[len + pre] = 0;
        *path = arg;
    }
    for (char *c = name; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '-'))
            *c = '_';
    char err[128];
    if (params_stem_name_valid(name, err, sizeof err) < 0) {
        fprintf(stderr, "stemd-render: %s: %s (name it: NAME=%s)\n", arg, err, *path);
        return -1;
    }
    return 0;
}

static int open_stems(struct render *rd, char **args, unsigned n)
{
    rd->nstems = n;
    rd->stems = calloc(n, sizeof *rd->stems);
    if (!rd->stems) return -1;
    for (unsigned k = 0; k < n; k++) {
        struct stem_in *s = &rd->stems[k];
        if (stem_name(args[k], s->name, &s->path) < 0) return -1;
        for (unsigned j = 0; j < k; j++)
            if (strcmp(rd->stems[j].name, s->name) == 0) {
                fprintf(stderr, "stemd-render: two stems are named '%s': name them, e.g. %s2=%s\n",
                        s->name, s->name, s->path);
                return -1;
            }
        rd->names[k] = s->name;
        s->sf = sf_open(s->path, SFM_READ, &s->info);
        if (!s->sf) {
            fprintf(stderr, "stemd-render: cannot read %s: %s\n", s->path, sf_strerror(NULL));
            return -1;
        }
        if (s->info.channels < 1 || s->info.channels > 2) {
            fprintf(stderr, "stemd-render: %s has %d channels; a stem is mono or stereo\n", s->path,
                    s->info.channels);
            return -1;
        }
        if (k == 0)
            rd->rate = s->info.samplerate;
        else if (s->info.samplerate != (int)rd->rate) {
            fprintf(stderr,
                    "stemd-render: %s is at %d Hz but %s is at %.0f Hz; resample the stems to "
                    "one rate first\n",
                    s->path, s->info.samplerate, rd->stems[0].path, rd->rate);
            return -1;
        }
        if (s->info.frames > rd->frames) rd->frames = s->info.frames;
    }
    for (unsigned i = 0; i < PIPE_CHUNKS; i++) {
        struct slot *sl = &rd->slot[i];
        sl->in = malloc(sizeof(float) * 2 * CHUNK * n);
        sl->l = malloc(sizeof(float) * CHUNK);
        sl->r = malloc(sizeof(float) * CHUNK);
        if (!sl->in || !sl->l || !sl->r) {
            fprintf(stderr, "stemd-render: out of memory\n");
            return -1;
        }
    }
    if (rd->rate < 44100 || rd->rate > 192000) {
        fprintf(stderr, "stemd-render: sample rate %.0f Hz is outside 44100..192000\n", rd->rate);
        return -1;
    }
    for (unsigned k = 0; k < n; k++)
        if (rd->stems[k].info.frames < rd->frames)
            fprintf(stderr,
                    "stemd-render: %s (%s) is %.2f s shorter than the longest stem: padded "
                    "with silence\n",
                    rd->stems[k].path, rd->stems[k].name,
                    (double)(rd->frames - rd->stems[k].info.frames) / rd->rate);
    rd->pn.n = n;
    rd->pn.names = rd->names;
    return 0;
}

/* Read n frames of every stem at frame pos into the slot (zeros past its end). A stem that ends
 * early although its header promised more is a damaged file: an error, not silence. */
static int read_stems(struct render *rd, sf_count_t pos, unsigned n, struct slot *sl)
{
    for (unsigned k = 0; k < rd->nstems; k++) {
        struct stem_in *s = &rd->stems[k];
        float *l = sl->in + 2 * k * CHUNK, *r = l + CHUNK;
        int ch = s->info.channels;
        sf_count_t want = pos >= s->info.frames ? 0 : s->info.frames - pos;
        want = want < n ? want : n;
        sf_count_t got = want ? sf_readf_float(s->sf, rd->ibuf, want) : 0;
        if (got < want) {
            fprintf(stderr, "stemd-render: cannot read %s at %.2f s: %s\n", s->path,
                    (double)(pos + got) / rd->rate,
                    sf_error(s->sf) ? sf_strerror(s->sf) : "the file ends before its header says");
            return -1;
        }
        for (sf_count_t i = 0; i < got; i++) {
            l[i] = rd->ibuf[i * ch];
            r[i] = rd->ibuf[i * ch + ch - 1]; /* mono: both channels */
        }
        for (unsigned i = (unsigned)got; i < n; i++)
            l[i] = r[i] = 0.0f;
    }
    sl->n = n;
    sl->at = pos;
    return 0;
}

/* Frames off.. of a chunk through one stage, with the values p (a morph's piece, or the whole
 * chunk). */
struct piece {
    struct render *rd;
    struct slot *sl;
};

static void stems_piece(void *ctx, const struct params *p, unsigned off, unsigned n)
{
    struct piece *pc = ctx;
    const float *inl[STEMD_MAX_STEMS], *inr[STEMD_MAX_STEMS];
    for (unsigned k = 0; k < pc->rd->nstems; k++) {
        inl[k] = pc->sl->in + 2 * k * CHUNK + off;
        inr[k] = inl[k] + CHUNK;
    }
    mix_stems(pc->rd->mix, p, inl, inr, pc->sl->l + off, pc->sl->r + off, n);
}

static void bus_piece(void *ctx, const struct params *p, unsigned off, unsigned n)
{
    struct piece *pc = ctx;
    mix_bus(pc->rd->mix, p, pc->sl->l + off, pc->sl->r + off, n);
}

/* The stems stage of one chunk: its stems through their strips, summed. */
static void stems_slot(struct render *rd, const struct params *p, struct slot *sl)
{
    struct piece pc = {rd, sl};
    if (rd->tl)
        timeline_run(&rd->st_stems, sl->at, sl->n, stems_piece, &pc);
    else
        stems_piece(&pc, p, 0, sl->n);
}

struct stems_worker {
    struct render *rd;
    const struct params *p;
    struct pipeline *pl;
};

static void *stems_thread(void *arg)
{
    struct stems_worker *w = arg;
    int i;
    dsp_flush_denormals(); /* FTZ/DAZ are per thread: say so rather than rely on inheritance */
    while ((i = pipeline_work(w->pl)) >= 0) {
        stems_slot(w->rd, w->p, &w->rd->slot[i]);
        pipeline_finish(w->pl);
    }
    return NULL;
}

/* One pass over the stems: mix, dither, meter, and write to out when not NULL. The output is
 * shifted by the graph's latency, so output frame t lines up with input frame t.
 *
 * With rd->pipelined the stems stage (mix_stems) runs on a worker thread, up to PIPE_CHUNKS
 * chunks ahead; this thread reads the files, runs the master bus (mix_bus), dithers, meters and
 * writes. The chunks meet the bus in order, so the samples are those of the serial path. */
static int render_pass(struct render *rd, const struct params *p, SNDFILE *out, int dither_bits,
                       struct report *rep)
{
    unsigned lat = mix_latency(rd->mix);
    sf_count_t total = rd->frames + lat, pos = 0, next_tick = 0;
    unsigned long nchunks = (unsigned long)((total + CHUNK - 1) / CHUNK), nread = 0;
    struct dither dith;
    struct stems_worker w = {.rd = rd, .p = p};
    pthread_t th;
    int err = 0;

    dither_init(&dith);
    for (unsigned k = 0; k < rd->nstems; k++) {
        if (sf_seek(rd->stems[k].sf, 0, SEEK_SET) < 0) {
            fprintf(stderr, "stemd-render: cannot rewind %s\n", rd->stems[k].path);
            return -1;
        }
    }
    mix_reset(rd->mix, p);
    if (rd->tl) { /* each pass walks the recalls from the start */
        timeline_stage_free(&rd->st_stems);
        timeline_stage_free(&rd->st_bus);
        if (timeline_stage_init(&rd->st_stems, rd->tl, p) < 0 ||
            timeline_stage_init(&rd->st_bus, rd->tl, p) < 0) {
            fprintf(stderr, "stemd-render: out of memory\n");
            return -1;
        }
    }
    if (rd->pipelined) {
        w.pl = pipeline_new(PIPE_CHUNKS);
        if (w.pl && pthread_create(&th, NULL, stems_thread, &w) != 0) {
            pipeline_free(w.pl);
            w.pl = NULL; /* serial after all */
        }
    }
    const unsigned nslots = w.pl ? PIPE_CHUNKS : 1;
    for (unsigned long q = 0; q < nchunks && !err; q++) {
        /* Keep the worker fed: read every chunk up to q + nslots - 1 (their slots are free:
         * the chunks that held them are written). */
        while (nread < nchunks && nread < q + nslots) {
            struct slot *sl = &rd->slot[nread % nslots];
            sf_count_t at = (sf_count_t)nread * CHUNK;
            unsigned n = total - at < CHUNK ? (unsigned)(total - at) : CHUNK;
            if (read_stems(rd, at, n, sl) < 0) {
                err = -1;
                break;
            }
            if (w.pl)
                pipeline_submit(w.pl);
            else
                stems_slot(rd, p, sl);
            nread++;
        }
        if (err) break;
        if (stop_signal) {
            fprintf(stderr, "\nstemd-render: interrupted; nothing written\n");
            err = -1;
            break;
        }
        if (w.pl) pipeline_wait(w.pl, q);
        struct slot *sl = &rd->slot[q % nslots];
        unsigned n = sl->n;
        struct piece pc = {rd, sl};
        if (rd->tl)
            timeline_run(&rd->st_bus, sl->at, n, bus_piece, &pc);
        else
            bus_piece(&pc, p, 0, n);
        unsigned skip = pos < (sf_count_t)lat ? (unsigned)((sf_count_t)lat - pos) : 0;
        if (skip > n) skip = n;
        unsigned m = n - skip;
        float *ol = sl->l + skip, *or_ = sl->r + skip;
        if (dither_bits)
            dither_process(&dith, (enum dither_mode)dither_mode_of(dither_bits), ol, or_, m);
        if (rep && m) report_add(rep, ol, or_, m);
        if (out && m) {
            for (unsigned i = 0; i < m; i++) {
                rd->obuf[2 * i] = ol[i];
                rd->obuf[2 * i + 1] = or_[i];
            }
            if (sf_writef_float(out, rd->obuf, m) != m) {
                fprintf(stderr, "stemd-render: writing failed: %s\n", sf_strerror(out));
                err = -1;
                break;
            }
        }
        pos += n;
        if (rd->progress && pos >= next_tick) {
            fprintf(stderr, "\rstemd-render: %3d%%", (int)(100 * pos / total));
            next_tick = pos + total / 50 + 1;
        }
    }
    if (w.pl) {
        pipeline_close(w.pl, err);
        pthread_join(th, NULL);
        pipeline_free(w.pl);
    }
    if (!err && rd->progress) fprintf(stderr, "\rstemd-render: 100%%\n");
    return err;
}

static int out_format(const char *path, int is_float, int bits, int *fmt)
{
    const char *dot = strrchr(path, '.');
    int major;
    if (!dot) {
        fprintf(stderr,
                "stemd-render: '%s' has no extension; use .wav, .flac, .aiff, .w64 or .caf\n",
                path);
        return -1;
    }
    if (!strcasecmp(dot, ".wav"))
        major = SF_FORMAT_WAV;
    else if (!strcasecmp(dot, ".flac"))
        major = SF_FORMAT_FLAC;
    else if (!strcasecmp(dot, ".aif") || !strcasecmp(dot, ".aiff"))
        major = SF_FORMAT_AIFF;
    else if (!strcasecmp(dot, ".w64"))
        major = SF_FORMAT_W64;
    else if (!strcasecmp(dot, ".caf"))
        major = SF_FORMAT_CAF;
    else {
        fprintf(stderr,
                "stemd-render: unknown output format '%s'; use .wav, .flac, .aiff, .w64 or "
                ".caf\n",
                dot);
        return -1;
    }
    if (is_float && major == SF_FORMAT_FLAC) {
        fprintf(stderr, "stemd-render: FLAC holds integers only; drop --float or write .wav\n");
        return -1;
    }
    *fmt = major | (is_float ? SF_FORMAT_FLOAT : bits == 16 ? SF_FORMAT_PCM_16 : SF_FORMAT_PCM_24);
    return 0;
}

static int analyze(const char *path, int json)
{
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(path, SFM_READ, &info);
    struct report rep;
    if (!sf) {
        fprintf(stderr, "stemd-render: cannot read %s: %s\n", path, sf_strerror(NULL));
        return 1;
    }
    if (info.channels < 1 || info.channels > 2 || info.samplerate < 8000 ||
        report_init(&rep, info.samplerate) < 0) {
        fprintf(stderr, "stemd-render: %s: need a mono or stereo file at 8 kHz or more\n", path);
        sf_close(sf);
        return 1;
    }
    float *buf = malloc(sizeof(float) * 2 * CHUNK), *l = malloc(sizeof(float) * CHUNK),
          *r = malloc(sizeof(float) * CHUNK);
    sf_count_t got;
    while (buf && l && r && (got = sf_readf_float(sf, buf, CHUNK)) > 0) {
        for (sf_count_t i = 0; i < got; i++) {
            l[i] = buf[i * info.channels];
            r[i] = buf[i * info.channels + info.channels - 1];
        }
        report_add(&rep, l, r, (unsigned)got);
    }
    struct report_values v;
    report_values(&rep, &v);
    report_print(stdout, &v, json);
    report_free(&rep);
    free(buf), free(l), free(r);
    sf_close(sf);
    return 0;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0;
    if (!f) return NULL;
    for (;;) {
        if (len + 4096 + 1 > cap) {
            cap = cap ? 2 * cap : 8192;
            char *g = realloc(buf, cap);
            if (!g) break;
            buf = g;
        }
        size_t got = fread(buf + len, 1, 4096, f);
        len += got;
        if (got < 4096) break;
    }
    if (ferror(f) || !buf) {
        free(buf);
        buf = NULL;
    } else {
        buf[len] = 0;
        if (memchr(buf, 0, len)) { /* a binary file is no preset */
            free(buf);
            buf = NULL;
            errno = EINVAL;
        }
    }
    fclose(f);
    return buf;
}

/* The gain that brings the output to target: 'boost' dB, taken from the limiter's drive when
 * positive (louder means more limiting), from the output gain when negative (exact: the output
 * gain follows the limiter). */
static void apply_boost(struct params *p, const struct params *user, float boost)
{
    float drive = user->bus[BUS_LIM_DRIVE], out = user->bus[BUS_OUTPUT];
    p->bus[BUS_LIM_DRIVE] = drive;
    p->bus[BUS_OUTPUT] = out;
    if (boost >= 0) {
        float back = -out < boost ? -out : boost; /* first undo any output attenuation */
        p->bus[BUS_OUTPUT] = out + back;
        p->bus[BUS_LIM_DRIVE] = drive + (boost - back);
    } else {
        p->bus[BUS_OUTPUT] = out + boost;
    }
}

static int boost_ok(const struct params *p)
{
    return p->bus[BUS_LIM_DRIVE] <= params_row(SCOPE_BUS, BUS_LIM_DRIVE)->max &&
           p->bus[BUS_OUTPUT] >= params_row(SCOPE_BUS, BUS_OUTPUT)->min;
}

static int measure(struct render *rd, const struct params *p, int bits, double *lufs)
{
    struct report rep;
    struct report_values v;
    if (report_init(&rep, rd->rate) < 0) return -1;
    int err = render_pass(rd, p, NULL, bits, &rep);
    report_values(&rep, &v);
    report_free(&rep);
    *lufs = v.integrated_lufs;
    return err;
}

/* A target out of reach: render once with the whole boost the chain has in that direction (the
 * drive at its top, the output gain back at 0 dB; or the output gain at its bottom) and say
 * what that gives, so the engineer knows how far the stems or the chain must move. */
static void say_reachable(struct render *rd, struct params *p, const struct params *user,
                          int louder, int bits)
{
    const struct param_def *drive = params_row(SCOPE_BUS, BUS_LIM_DRIVE),
                           *out = params_row(SCOPE_BUS, BUS_OUTPUT);
    double lufs;
    memcpy(p->bus, user->bus, sizeof p->bus);
    if (louder) {
        p->bus[BUS_LIM_DRIVE] = drive->max;
        if (p->bus[BUS_OUTPUT] < 0) p->bus[BUS_OUTPUT] = 0;
    } else {
        p->bus[BUS_OUTPUT] = out->min;
    }
    if (measure(rd, p, bits, &lufs) < 0 || !isfinite(lufs)) return;
    if (louder)
        fprintf(stderr,
                "stemd-render: the loudest this chain reaches on these stems at ceiling %.1f "
                "dBTP is %.1f LUFS (limiter drive %+.0f dB): aim there or lower, or raise the "
                "stems or the bus input (more into the limiter) or the ceiling\n",
                (double)p->bus[BUS_LIM_CEILING], lufs, (double)drive->max);
    else
        fprintf(stderr,
                "stemd-render: the quietest this chain reaches on these stems is %.1f LUFS "
                "(output gain %+.0f dB): aim there or louder, or lower the stems or the bus "
                "input\n",
                lufs, (double)out->min);
}

/* Find the boost that lands the integrated loudness within 0.05 LU of target: the output's
 * loudness rises monotonically (and, below the ceiling, one for one) with the boost, so a few
 * secant steps converge. */
static int find_target(struct render *rd, struct params *p, const struct params *user,
                       double target, int bits)
{
    double b0 = 0, l0, b1, l1;
    if (measure(rd, user, bits, &l0) < 0) return -1;
    if (!isfinite(l0)) {
        fprintf(stderr, "stemd-render: the master is silent; no gain reaches %.1f LUFS\n", target);
        return -1;
    }
    b1 = target - l0;
    for (int it = 0; it < 12; it++) {
        apply_boost(p, user, (float)b1);
        if (!boost_ok(p)) {
            /* The first step is the plain difference; later ones extrapolate through the
             * limiter, which is no figure to show. */
            if (it == 0)
                fprintf(stderr,
                        "stemd-render: %.1f LUFS needs %+.1f dB, more than the limiter's drive "
                        "(%+.0f dB) or the output gain (%+.0f dB) gives\n",
                        target, b1, (double)params_row(SCOPE_BUS, BUS_LIM_DRIVE)->max,
                        (double)params_row(SCOPE_BUS, BUS_OUTPUT)->min);
            else
                fprintf(stderr,
                        "stemd-render: %.1f LUFS is out of reach: the limiter's drive (%+.0f dB) "
                        "or the output gain (%+.0f dB) ends first\n",
                        target, (double)params_row(SCOPE_BUS, BUS_LIM_DRIVE)->max,
                        (double)params_row(SCOPE_BUS, BUS_OUTPUT)->min);
            say_reachable(rd, p, user, b1 > 0, bits);
            return -1;
        }
        if (measure(rd, p, bits, &l1) < 0) return -1;
        if (rd->progress) fprintf(stderr, "stemd-render: gain %+.2f dB gives %.2f LUFS\n", b1, l1);
        if (fabs(l1 - target) <= 0.05) return 0;
        double slope = (l1 - l0) / (b1 - b0);
        if (!(slope > 0.05))
            slope = 0.05; /* deep in the limiter the loudness barely moves: step boldly */
        b0 = b1, l0 = l1;
        b1 = b1 + (target - l1) / slope;
    }
    fprintf(stderr,
            "stemd-render: could not reach %.1f LUFS (stuck at %.2f): the limiter is at "
            "its limit; lower the target\n",
            target, l1);
    say_reachable(rd, p, user, target > l1, bits);
    return -1;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, 0, 'o'},
                                         {"preset", required_argument, 0, 'p'},
                                         {"set", required_argument, 0, 's'},
                                         {"target-lufs", required_argument, 0, 't'},
                                         {"target", required_argument, 0, 'P'},
                                         {"float", no_argument, 0, 'F'},
                                         {"bits", required_argument, 0, 'b'},
                                         {"no-dither", no_argument, 0, 'D'},
                                         {"json", no_argument, 0, 'j'},
                                         {"analyze", required_argument, 0, 'a'},
                                         {"quiet", no_argument, 0, 'q'},
                                         {"threads", required_argument, 0, 'T'},
                                         {"scene", required_argument, 0, 'c'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *out_path = NULL, *preset = NULL, *analyze_path = NULL;
    const char *sets[256], *scenes[TIMELINE_MAX];
    unsigned nsets = 0, nscenes = 0;
    struct timeline tl = {0};
    int is_float = 0, bits = 24, no_dither = 0, json = 0, quiet = 0, c, status = 1;
    long threads = sysconf(_SC_NPROCESSORS_ONLN);
    struct pool *pool = NULL;
    double target = NAN;
    const struct stemd_target *platform = NULL;
    struct render rd = {0};
    struct params *p = NULL, *user = NULL;
    SNDFILE *out = NULL;
    char tmp_path[4096] = "";

    while ((c = getopt_long(argc, argv, "o:p:s:t:ja:qT:h", opts, NULL)) != -1) {
        switch (c) {
        case 'o':
            out_path = optarg;
            break;
        case 'p':
            preset = optarg;
            break;
        case 's':
            if (nsets == 256) {
                fprintf(stderr, "stemd-render: at most 256 --set options; use a preset\n");
                return 2;
            }
            sets[nsets++] = optarg;
            break;
        case 't': {
            char *end;
            target = strtod(optarg, &end);
            if (*end || !isfinite(target) || target < -70 || target > 0) {
                fprintf(stderr, "stemd-render: --target-lufs takes a number from -70 to 0\n");
                return 2;
            }
            break;
        }
        case 'P': {
            char names[256];
            if (!(platform = stemd_target_find(optarg))) {
                fprintf(stderr, "stemd-render: --target: unknown platform '%s' (one of %s)\n",
                        optarg, stemd_target_names(names, sizeof names));
                return 2;
            }
            break;
        }
        case 'F':
            is_float = 1;
            break;
        case 'b': {
            char *end, list[64];
            long b = strtol(optarg, &end, 10);
            if (*end || end == optarg || b > 64 || dither_mode_of((int)b) < 0) {
                fprintf(stderr, "stemd-render: --bits is %s\n",
                        dither_bits_list(list, sizeof list));
                return 2;
            }
            bits = (int)b;
            break;
        }
        case 'D':
            no_dither = 1;
            break;
        case 'j':
            json = 1;
            break;
        case 'a':
            analyze_path = optarg;
            break;
        case 'q':
            quiet = 1;
            break;
        case 'T': {
            char *end;
            threads = strtol(optarg, &end, 10);
            if (*end || threads < 1 || threads > 16) {
                fprintf(stderr, "stemd-render: --threads is 1..16\n");
                return 2;
            }
            break;
        }
        case 'c':
            if (nscenes == TIMELINE_MAX) {
                fprintf(stderr, "stemd-render: at most %d --scene options\n", TIMELINE_MAX);
                return 2;
            }
            scenes[nscenes++] = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    dsp_flush_denormals();
    struct sigaction sa = {.sa_handler = on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (analyze_path) return analyze(analyze_path, json);
    if (platform && isfinite(target)) {
        fprintf(stderr, "stemd-render: give --target NAME or --target-lufs X, not both\n");
        return 2;
    }
    if (platform) target = platform->lufs;
    if (nscenes && isfinite(target)) {
        fprintf(stderr, "stemd-render: --scene and a loudness target do not go together: the "
                        "target sets one static chain's drive; render, then measure\n");
        return 2;
    }
    if (!out_path || optind >= argc) {
        usage(stderr);
        return 2;
    }
    if ((unsigned)(argc - optind) > STEMD_MAX_STEMS) {
        fprintf(stderr, "stemd-render: at most %d stems\n", STEMD_MAX_STEMS);
        return 2;
    }
    if (open_stems(&rd, argv + optind, (unsigned)(argc - optind)) < 0) goto done;
    rd.progress = !quiet && isatty(2);

    user = params_new(rd.nstems);
    if (!user) goto oom;
    if (preset) {
        char *text = read_file(preset);
        if (!text) {
            fprintf(stderr, "stemd-render: cannot read preset %s: %s\n", preset, strerror(errno));
            goto done;
        }
        int bad = preset_apply(user, text, preset, &rd.pn, preset_err, NULL);
        free(text);
        if (bad) {
            fprintf(stderr, "stemd-render: %s refused (%d bad line%s); nothing rendered\n", preset,
                    bad, bad == 1 ? "" : "s");
            goto done;
        }
    }
    for (unsigned i = 0; i < nsets; i++) {
        char line[1100];
        snprintf(line, sizeof line, "%s", sets[i]);
        char *eq = strchr(line, '=');
        if (eq) *eq = ' ';
        if (!eq || preset_apply(user, line, "--set", &rd.pn, preset_err, NULL) != 0) {
            if (!eq) fprintf(stderr, "--set:1: '%s' is not PATH=VALUE\n", sets[i]);
            fprintf(stderr, "stemd-render: nothing rendered\n");
            goto done;
        }
    }
    /* A platform is a loudness and a ceiling: its ceiling wins over the preset's and --set's. */
    if (platform) user->bus[BUS_LIM_CEILING] = platform->dbtp;
    p = params_dup(user);
    int fmt;
    if (!p || out_format(out_path, is_float, bits, &fmt) < 0) goto done;
    /* Integer files get TPDF dither at their word length unless the bus already dithers. */
    int bus_bits = dither_mode_bits((unsigned)user->bus[BUS_DITHER]);
    int dither_bits = (!is_float && !no_dither && bus_bits == 0) ? bits : 0;
    if (bus_bits && (is_float || bus_bits != bits)) {
        char holds[32];
        snprintf(holds, sizeof holds, is_float ? "floats" : "%d bits", bits);
        fprintf(stderr,
                "stemd-render: /bus/dither dithers to %d bits but the file holds %s; set "
                "/bus/dither to off (the renderer then dithers to the file's word length) "
                "or write %d-bit integers\n",
                bus_bits, holds, bus_bits);
        goto done;
    }

    for (unsigned i = 0; i < nscenes; i++) {
        char why[600];
        if (timeline_add(&tl, scenes[i], p, &rd.pn, rd.rate, read_file, why, sizeof why) < 0) {
            fprintf(stderr, "stemd-render: %s; nothing rendered\n", why);
            goto done;
        }
    }
    if (nscenes) {
        if (timeline_finish(&tl, p, rd.rate) < 0) goto oom;
        rd.tl = &tl;
    }

    if (mix_create(&rd.mix, rd.nstems, rd.rate) < 0) goto oom;
    /* Two threads pipeline the stages (stems | master bus, meters, file); more share the stems
     * of each pass too. The sum keeps stem order and the bus sees the chunks in order, so the
     * samples are the same with any number of threads (and the same as the live server's). */
    rd.pipelined = threads >= 2;
    mix_set_meters(rd.mix, 0); /* the report meters the file's samples itself */
    if (threads - 1 > (long)rd.nstems) threads = rd.nstems + 1;
    if ((pool = pool_new(threads - 1 > 16 ? 16 : (unsigned)(threads - 1))))
        mix_set_parallel(rd.mix, pool_for, pool);
    rd.ibuf = malloc(sizeof(float) * 2 * CHUNK);
    rd.obuf = malloc(sizeof(float) * 2 * CHUNK);
    if (!rd.ibuf || !rd.obuf) goto oom;

    if (isfinite(target) && find_target(&rd, p, user, target, dither_bits) < 0) goto done;

    /* Write beside the destination, then rename: a failed render never leaves a broken file. */
    SF_INFO oi = {.samplerate = (int)rd.rate, .channels = 2, .format = fmt};
    snprintf(tmp_path, sizeof tmp_path, "%s.partial", out_path);
    out = sf_open(tmp_path, SFM_WRITE, &oi);
    if (!out) {
        fprintf(stderr, "stemd-render: cannot write %s: %s\n", tmp_path, sf_strerror(NULL));
        tmp_path[0] = 0;
        goto done;
    }
    sf_command(out, SFC_SET_CLIPPING, NULL, SF_TRUE);
    struct report rep;
    if (report_init(&rep, rd.rate) < 0) goto oom;
    int err = render_pass(&rd, p, out, dither_bits, &rep);
    sf_write_sync(out); /* on disk before the rename makes it the master */
    if (sf_close(out) != 0 && !err) {
        fprintf(stderr, "stemd-render: finishing %s failed\n", tmp_path);
        err = -1;
    }
    out = NULL;
    if (!err && rename(tmp_path, out_path) != 0) {
        fprintf(stderr, "stemd-render: cannot rename %s to %s: %s\n", tmp_path, out_path,
                strerror(errno));
        err = -1;
    }
    if (!err) {
        struct report_values v;
        tmp_path[0] = 0;
        report_values(&rep, &v);
        report_print(stdout, &v, json);
        status = 0;
    }
    report_free(&rep);
    goto done;
oom:
    fprintf(stderr, "stemd-render: out of memory\n");
done:
    if (out) sf_close(out);
    if (tmp_path[0]) unlink(tmp_path);
    for (unsigned k = 0; k < rd.nstems; k++) {
        if (rd.stems[k].sf) sf_close(rd.stems[k].sf);
    }
    for (unsigned i = 0; i < PIPE_CHUNKS; i++) {
        free(rd.slot[i].in);
        free(rd.slot[i].l);
        free(rd.slot[i].r);
    }
    free(rd.stems);
    free(rd.ibuf), free(rd.obuf);
    mix_destroy(rd.mix);
    pool_free(pool);
    timeline_stage_free(&rd.st_stems);
    timeline_stage_free(&rd.st_bus);
    timeline_free(&tl);
    params_free(p);
    params_free(user);
    return status;
}
