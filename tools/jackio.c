/* tools/jackio.c: stemd-jackio, play files into JACK ports and record a pair of ports,
 * sample-exact.
 *
 * Two JACK clients in one process: CLIENT-play owns an output pair per file, CLIENT-rec owns the
 * recorded inputs. Why two and not one: a single client that feeds stemd and also listens to it
 * forms a feedback loop in the JACK graph, and JACK breaks a loop by delaying one of its edges by
 * a period, which no latency query reports. With two clients the graph is a chain (play -> stemd
 * -> rec), JACK runs them in that order within one cycle, and the recording lags the files by
 * exactly the capture latency JACK reports for the recorded ports.
 *
 * Starting on the same cycle: both process callbacks see the same jack_last_frame_time() within
 * a cycle, so with --sync-start the main thread picks a frame time a few periods ahead and each
 * callback starts at the first cycle at or after it. The offset between the two starts is
 * measured (play start minus record start, in frames), printed and written into the recording.
 *
 * Threads, as in JACK's capture_client example: the process callbacks only copy (preloaded file
 * buffers out; the inputs into a jack_ringbuffer); a disk thread drains the ring buffer into
 * libsndfile and runs the meters and the loudness report; the main thread connects ports, waits
 * for the end, a signal (SIGINT/SIGTERM, taken synchronously with sigtimedwait) or the server's
 * shutdown, then deactivates the clients so the disk thread can drain the rest and close the
 * file: the header is always finalised. */
#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tools/jackio.h"

/* "A,B" or "A" into ports[0..1]; returns how many (1 or 2), or -1. Modifies s. */
static int split_ports(char *s, char *ports[2])
{
    char *comma = strchr(s, ',');
    ports[0] = s;
    ports[1] = NULL;
    if (comma) {
        *comma = 0;
        ports[1] = comma + 1;
        if (strchr(ports[1], ',')) return -1;
    }
    if (!*ports[0] || (ports[1] && !*ports[1])) return -1;
    return ports[1] ? 2 : 1;
}

/* Load FILE[=PORT_L[,PORT_R]] into a player. Returns 0 or -1 after saying why. */
static int load_player(struct jackio *x, char *arg)
{
    struct player *p = &x->play[x->nplay];
    char *eq = strrchr(arg, '='), *ports[2] = {NULL, NULL};
    int nports = 0;
    if (eq) {
        *eq = 0;
        nports = split_ports(eq + 1, ports);
        if (nports < 0) {
            fprintf(stderr, "stemd-jackio: --play %s=%s: give the ports as PORT_L,PORT_R\n", arg,
                    eq + 1);
            return -1;
        }
    }
    p->path = arg;
    SF_INFO info = {0};
    SNDFILE *sf = sf_open(arg, SFM_READ, &info);
    if (!sf) {
        fprintf(stderr, "stemd-jackio: cannot read %s: %s\n", arg, sf_strerror(NULL));
        return -1;
    }
    int err = -1;
    if (info.channels < 1 || info.channels > 2) {
        fprintf(stderr, "stemd-jackio: %s has %d channels; play mono or stereo files\n", arg,
                info.channels);
    } else if (info.samplerate != (int)x->rate) {
        fprintf(stderr,
                "stemd-jackio: %s is at %d Hz but JACK runs at %u Hz: resample it, or "
                "make it again at %u Hz (stemd-synth -r %u)\n",
                arg, info.samplerate, x->rate, x->rate, x->rate);
    } else if (info.channels == 2 && nports == 1) {
        fprintf(stderr, "stemd-jackio: %s is stereo: give two ports, PORT_L,PORT_R\n", arg);
    } else if (info.frames > (sf_count_t)(INT32_MAX / 2)) {
        fprintf(stderr, "stemd-jackio: %s is too long to preload\n", arg);
    } else {
        sf_count_t n = info.frames;
        float *ibuf = malloc((size_t)(n ? n : 1) * info.channels * sizeof(float));
        p->buf[0] = malloc((size_t)(n ? n : 1) * sizeof(float));
        p->buf[1] = info.channels == 2 ? malloc((size_t)(n ? n : 1) * sizeof(float)) : p->buf[0];
        if (!ibuf || !p->buf[0] || !p->buf[1]) {
            fprintf(stderr, "stemd-jackio: out of memory loading %s\n", arg);
        } else if (sf_readf_float(sf, ibuf, n) != n) {
            fprintf(stderr, "stemd-jackio: %s: read error: %s\n", arg, sf_strerror(sf));
        } else {
            for (sf_count_t i = 0; i < n; i++) {
                p->buf[0][i] = ibuf[i * info.channels];
                p->buf[1][i] = ibuf[i * info.channels + info.channels - 1];
            }
            p->frames = (jack_nframes_t)n;
            err = 0;
        }
        free(ibuf);
    }
    sf_close(sf);
    if (err) return -1;
    /* Port names from the file's base name, so jack_lsp shows what plays where. */
    char tmp[4096], base[40];
    snprintf(tmp, sizeof tmp, "%s", arg);
    snprintf(base, 31, "%.*s", (int)strcspn(basename(tmp), "."), basename(tmp));
    for (char *c = base; *c; c++)
        if (*c == ':' || *c == ' ' || *c == ',') *c = '_';
    for (unsigned k = 0; k < x->nplay; k++) {
        char mine[64];
        snprintf(mine, sizeof mine, "%s_L", base);
        if (strcmp(x->play[k].port_name[0], mine) == 0) { /* the same base twice: number it */
            snprintf(base + strlen(base), 8, "%u", x->nplay + 1);
            break;
        }
    }
    snprintf(p->port_name[0], sizeof p->port_name[0], "%s_L", base);
    snprintf(p->port_name[1], sizeof p->port_name[1], "%s_R", base);
    p->dest[0] = ports[0];
    p->dest[1] = nports == 2 ? ports[1] : ports[0]; /* a mono file into one port: both there */
    if (nports == 1 && info.channels == 1) p->dest[1] = NULL;
    if (p->frames > x->play_frames) x->play_frames = p->frames;
    x->nplay++;
    return 0;
}

static jack_client_t *open_client(struct jackio *x, const char *suffix)
{
    char name[128];
    jack_status_t st;
    snprintf(name, sizeof name, "%s-%s", x->name, suffix);
    jack_options_t opt = JackNoStartServer | JackUseExactName | (x->server ? JackServerName : 0);
    jack_client_t *c = jack_client_open(name, opt, &st, x->server);
    if (!c) {
        if (st & JackNameNotUnique)
            fprintf(stderr,
                    "stemd-jackio: a JACK client named '%s' exists already: choose "
                    "another with --name\n",
                    name);
        else
            fprintf(stderr,
                    "stemd-jackio: cannot reach the JACK server '%s' (status 0x%x): start one, "
                    "e.g. jackd -n %s -d dummy -r 48000, or name it with --server\n",
                    x->server ? x->server : "default", (unsigned)st,
                    x->server ? x->server : "default");
        return NULL;
    }
    jack_on_shutdown(c, jackio_on_shutdown, x);
    jack_set_xrun_callback(c, jackio_on_xrun, x);
    return c;
}

static int connect_ports(jack_client_t *c, const char *from, const char *to)
{
    int err = jack_connect(c, from, to);
    if (err && err != EEXIST) {
        fprintf(stderr,
                "stemd-jackio: cannot connect %s to %s: is the port's name right? "
                "(jack_lsp lists them)\n",
                from, to);
        return -1;
    }
    return 0;
}

/* Wait until the clients have run `cycles` more process cycles: a connection made with
 * jack_connect is in the graph JACK runs by then. Returns 0, or -1 if JACK stalls. */
static int wait_cycles(struct jackio *x, unsigned cycles)
{
    unsigned c0 = atomic_load(&x->cycles);
    for (int ms = 0; ms < 3000; ms++) {
        if (atomic_load(&x->cycles) - c0 >= cycles) return 0;
        if (atomic_load(&x->shutdown)) break;
        struct timespec ts = {0, 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    fprintf(stderr, "stemd-jackio: the JACK server runs no process cycles (is it stalled?)\n");
    return -1;
}

static void start_side(struct start *s, jack_nframes_t at)
{
    atomic_store_explicit(&s->at, at, memory_order_relaxed);
    atomic_store_explicit(&s->go, 1, memory_order_release);
}

static void capture_latency(struct jackio *x, jack_latency_range_t *lat)
{
    lat->min = lat->max = 0;
    for (unsigned c = 0; c < x->rec_ch; c++) {
        jack_latency_range_t r;
        jack_port_get_latency_range(x->rec_port[c], JackCaptureLatency, &r);
        if (c == 0 || r.min < lat->min) lat->min = r.min;
        if (r.max > lat->max) lat->max = r.max;
    }
}

/* Past the latency, the tail records two periods or 50 ms, whichever is longer: room for a
 * latency JACK has not propagated yet when the recording starts. */
static unsigned tail_margin(const struct jackio *x)
{
    unsigned two = 2 * jack_get_buffer_size(x->rec_client), ms50 = x->rate / 20;
    return two > ms50 ? two : ms50;
}

/* Connect everything and start. Returns 0 or -1. */
static int connect_and_start(struct jackio *x)
{
    for (unsigned c = 0; c < x->rec_ch; c++)
        if (connect_ports(x->rec_client, x->rec_src[c], jack_port_name(x->rec_port[c])) < 0)
            return -1;
    if (x->rec_ch && !x->sync_start) start_side(&x->rs, jack_frame_time(x->rec_client));
    for (unsigned k = 0; k < x->nplay; k++)
        for (int c = 0; c < 2; c++)
            if (x->play[k].dest[c] &&
                connect_ports(x->play_client, jack_port_name(x->play[k].port[c]),
                              x->play[k].dest[c]) < 0)
                return -1;
    if (wait_cycles(x, 3) < 0) return -1;
    if (x->rec_ch) {
        /* The tail covers the graph's latency (stemd's lookahead) and a margin. */
        jack_latency_range_t lat;
        jack_recompute_total_latencies(x->rec_client);
        capture_latency(x, &lat);
        x->tail_frames =
            x->tail_s >= 0 ? (unsigned)(x->tail_s * x->rate + 0.5) : lat.max + tail_margin(x);
    }
    jack_client_t *any = x->play_client ? x->play_client : x->rec_client;
    if (x->sync_start) {
        /* Four periods ahead: no callback of this cycle or the next can see go before at. */
        jack_nframes_t at = jack_frame_time(any) + 4 * jack_get_buffer_size(any);
        if (x->nplay) start_side(&x->ps, at);
        if (x->rec_ch) start_side(&x->rs, at);
    } else if (x->nplay) {
        start_side(&x->ps, jack_frame_time(any));
    }
    return 0;
}

static void usage(FILE *f)
{
    static const char *const text[] = {
        "usage: stemd-jackio [options] --play FILE=PORT_L,PORT_R ...",
        "                    [--record OUT.wav --from PORT_L,PORT_R]",
        "Plays files into JACK ports and records a pair of ports, starting both on the same JACK",
        "cycle (--sync-start), then prints the loudness report of the recording.",
        "  -s, --server NAME       JACK server (default: $JACK_DEFAULT_SERVER, else 'default')",
        "  -n, --name CLIENT       names the clients CLIENT-play and CLIENT-rec [stemd-jackio]",
        "  -p, --play FILE[=L[,R]] preload FILE (mono or stereo, at JACK's rate) and play it from",
        "                          CLIENT-play:<base>_L/_R, connected to L and R (a mono file",
        "                          into one port: FILE=PORT); repeatable",
        "  -r, --record OUT.wav    record as 32-bit float WAV: the exact samples JACK carried",
        "  -f, --from L[,R]        the ports to record, into CLIENT-rec:in_L/in_R (one: mono)",
        "  -S, --sync-start        connect everything first, then start playback and recording",
        "                          on the same cycle (offset 0); without it each side starts as",
        "                          soon as its own ports are connected (the offset is measured)",
        "  -d, --duration S        stop after S seconds [the longest file + tail; when only",
        "                          recording, until SIGINT/SIGTERM]",
        "  -t, --tail S            record this long after playback ends [the recorded ports'",
        "                          capture latency + 2 periods, at least 50 ms]",
        "  -m, --meters            live meters of the recording on stderr: momentary and",
        "                          short-term LUFS, true peak (10 Hz on a terminal, else 1 Hz)",
        "  -j, --json              print the report as one JSON object",
        "  -h, --help              this text",
        "At the end, on stderr: the frames recorded, the offset of playback against recording",
        "and the capture latency JACK reports for the recorded ports (recording frame t+latency",
        "is file frame t); the WAV's comment holds them too. SIGINT/SIGTERM stop cleanly: the",
        "recording keeps everything up to then, header correct, exit status 0. Exit status 1:",
        "an error (the recording is still closed properly); 2: bad usage.",
        "Example, into stemd and back:",
        "  stemd-jackio -S -p drums.wav=stemd:in_01_drums_L,stemd:in_01_drums_R \\",
        "      -r master.wav -f stemd:master_L,stemd:master_R --meters",
    };
    for (size_t i = 0; i < sizeof text / sizeof text[0]; i++)
        fprintf(f, "%s\n", text[i]);
}

static int parse_seconds(const char *opt, const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (*end || !*s || !(v >= 0.0 && v <= 86400.0)) {
        fprintf(stderr, "stemd-jackio: %s wants seconds, 0..86400, not '%s'\n", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_args(struct jackio *x, int argc, char **argv, char **plays, unsigned *nplays)
{
    static const struct option opts[] = {
        {"server", required_argument, 0, 's'},   {"name", required_argument, 0, 'n'},
        {"play", required_argument, 0, 'p'},     {"record", required_argument, 0, 'r'},
        {"from", required_argument, 0, 'f'},     {"sync-start", no_argument, 0, 'S'},
        {"duration", required_argument, 0, 'd'}, {"tail", required_argument, 0, 't'},
        {"meters", no_argument, 0, 'm'},         {"json", no_argument, 0, 'j'},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
    char *from = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "s:n:p:r:f:Sd:t:mjh", opts, NULL)) != -1) {
        switch (c) {
        case 's':
            x->server = optarg;
            break;
        case 'n':
            x->name = optarg;
            break;
        case 'p':
            if (*nplays == MAX_PLAY) {
                fprintf(stderr, "stemd-jackio: at most %d --play files\n", MAX_PLAY);
                return -1;
            }
            plays[(*nplays)++] = optarg;
            break;
        case 'r':
            x->rec_path = optarg;
            break;
        case 'f':
            from = optarg;
            break;
        case 'S':
            x->sync_start = 1;
            break;
        case 'd':
            if (parse_seconds("--duration", optarg, &x->duration_s) < 0) return -1;
            break;
        case 't':
            if (parse_seconds("--tail", optarg, &x->tail_s) < 0) return -1;
            break;
        case 'm':
            x->meters = 1;
            break;
        case 'j':
            x->json = 1;
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            return -1;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "stemd-jackio: unexpected '%s' (see --help)\n", argv[optind]);
        return -1;
    }
    if (!x->rec_path != !from) {
        fprintf(stderr, "stemd-jackio: --record and --from go together: --record OUT.wav --from "
                        "PORT_L,PORT_R\n");
        return -1;
    }
    if (from) {
        int n = split_ports(from, x->rec_src);
        if (n < 0) {
            fprintf(stderr, "stemd-jackio: --from wants PORT_L,PORT_R (or one port)\n");
            return -1;
        }
        x->rec_ch = (unsigned)n;
    }
    if (!*nplays && !x->rec_path) {
        fprintf(stderr, "stemd-jackio: nothing to do: give --play and/or --record (see --help)\n");
        return -1;
    }
    return 0;
}

static int setup_recorder(struct jackio *x)
{
    static const char *const names[2][2] = {{"in", NULL}, {"in_L", "in_R"}};
    SF_INFO info = {.samplerate = (int)x->rate,
                    .channels = (int)x->rec_ch,
                    .format = SF_FORMAT_WAV | SF_FORMAT_FLOAT};
    const char *dot = strrchr(x->rec_path, '.');
    if (!dot || strcasecmp(dot, ".wav")) {
        fprintf(stderr, "stemd-jackio: --record writes a .wav file; name it OUT.wav\n");
        return -1;
    }
    x->sf = sf_open(x->rec_path, SFM_WRITE, &info);
    if (!x->sf) {
        fprintf(stderr, "stemd-jackio: cannot write %s: %s\n", x->rec_path, sf_strerror(NULL));
        return -1;
    }
    sf_set_string(x->sf, SF_STR_SOFTWARE, "stemd-jackio " STEMD_VERSION);
    for (unsigned c = 0; c < x->rec_ch; c++) {
        x->rec_port[c] = jack_port_register(x->rec_client, names[x->rec_ch - 1][c],
                                            JACK_DEFAULT_AUDIO_TYPE, JackPortIsInput, 0);
        if (!x->rec_port[c]) {
            fprintf(stderr, "stemd-jackio: cannot register port %s\n", names[x->rec_ch - 1][c]);
            return -1;
        }
    }
    x->rb = jack_ringbuffer_create((size_t)x->rate * RING_SECONDS * x->rec_ch * sizeof(float));
    x->scratch = calloc((size_t)MAX_PERIOD * x->rec_ch, sizeof(float));
    if (!x->rb || !x->scratch || report_init(&x->rep, x->rate) < 0) {
        fprintf(stderr, "stemd-jackio: out of memory for the recorder\n");
        return -1;
    }
    /* Touch the ring before activation (mlock where allowed) so the process thread never
     * page-faults on it. */
    jack_ringbuffer_mlock(x->rb);
    memset(x->rb->buf, 0, x->rb->size);
    truepeak_init(&x->meter_tp, x->rate);
    jack_set_process_callback(x->rec_client, jackio_rec_process, x);
    if (pthread_create(&x->disk, NULL, jackio_disk_main, x) != 0) {
        fprintf(stderr, "stemd-jackio: cannot start the disk thread\n");
        return -1;
    }
    x->disk_running = 1;
    return 0;
}

static int setup_players(struct jackio *x, char **plays, unsigned nplays)
{
    for (unsigned k = 0; k < nplays; k++)
        if (load_player(x, plays[k]) < 0) return -1;
    for (unsigned k = 0; k < x->nplay; k++)
        for (int c = 0; c < 2; c++) {
            x->play[k].port[c] = jack_port_register(x->play_client, x->play[k].port_name[c],
                                                    JACK_DEFAULT_AUDIO_TYPE, JackPortIsOutput, 0);
            if (!x->play[k].port[c]) {
                fprintf(stderr, "stemd-jackio: cannot register port %s\n", x->play[k].port_name[c]);
                return -1;
            }
        }
    x->play_limit = x->play_frames;
    if (x->duration_s >= 0 && x->duration_s * x->rate < x->play_limit)
        x->play_limit = (jack_nframes_t)(x->duration_s * x->rate + 0.5);
    jack_set_process_callback(x->play_client, jackio_play_process, x);
    return 0;
}

/* Wait for the end, a signal, the server's shutdown or a disk error. Returns the signal or 0. */
static int wait_end(struct jackio *x, const sigset_t *sigs)
{
    struct timespec tick = {0, 50 * 1000 * 1000};
    for (;;) {
        int sig = sigtimedwait(sigs, NULL, &tick);
        if (sig > 0) return sig;
        if (atomic_load(&x->shutdown) || atomic_load(&x->disk_error)) return 0;
        if (x->rec_ch ? atomic_load(&x->rec_done) : atomic_load(&x->play_done)) return 0;
    }
}

/* The summary people and tests read; also the recording's comment. */
static void summary(struct jackio *x, const jack_latency_range_t *lat, char *buf, size_t len)
{
    int32_t offset = (int32_t)(atomic_load(&x->ps.frame) - atomic_load(&x->rs.frame));
    snprintf(buf, len,
             "stemd-jackio: frames=%llu rate=%u period=%u play_offset=%s%d "
             "capture_latency=%u..%u lost=%llu xruns=%u sources=%s%s%s",
             (unsigned long long)atomic_load(&x->rec_frames), x->rate, x->period,
             x->nplay && atomic_load(&x->ps.started) ? "" : "none:", x->nplay ? offset : 0,
             lat->min, lat->max, (unsigned long long)atomic_load(&x->lost_frames),
             atomic_load(&x->xruns), x->rec_src[0], x->rec_ch == 2 ? "," : "",
             x->rec_ch == 2 ? x->rec_src[1] : "");
}

static void finish_recording(struct jackio *x, const jack_latency_range_t *lat, int *status)
{
    char note[1024];
    atomic_store(&x->disk_finish, 1);
    pthread_join(x->disk, NULL);
    x->disk_running = 0;
    summary(x, lat, note, sizeof note);
    /* WAV keeps strings set after the audio in a LIST chunk at the end of the file. */
    sf_set_string(x->sf, SF_STR_COMMENT, note);
    if (sf_close(x->sf) != 0) {
        fprintf(stderr, "stemd-jackio: closing %s failed (disk full?)\n", x->rec_path);
        *status = 1;
    }
    x->sf = NULL;
    unsigned long long frames = atomic_load(&x->rec_frames), lost = atomic_load(&x->lost_frames);
    int32_t offset = (int32_t)(atomic_load(&x->ps.frame) - atomic_load(&x->rs.frame));
    fprintf(stderr, "stemd-jackio: recorded %llu frames (%.2f s) to %s\n", frames,
            (double)frames / x->rate, x->rec_path);
    if (x->nplay && atomic_load(&x->ps.started))
        fprintf(stderr,
                "stemd-jackio: playback started %d frames after the recording%s, at JACK frame "
                "%u\n",
                offset, offset == 0 ? " (same JACK cycle)" : "", atomic_load(&x->ps.frame));
    fprintf(stderr,
            "stemd-jackio: capture latency of the recorded ports: %u..%u frames "
            "(%.2f ms): recording frame t+%u is file frame t\n",
            lat->min, lat->max, 1000.0 * lat->max / x->rate, lat->max);
    unsigned xruns = atomic_load(&x->xruns);
    if (xruns)
        fprintf(stderr,
                "stemd-jackio: %u xruns while running: a client may have missed a cycle, "
                "so the recording may not be exact (on a dummy backend, use jackd -S)\n",
                xruns);
    if (lost) {
        fprintf(stderr,
                "stemd-jackio: %llu frames were lost (the disk fell %d s behind, or a "
                "period above %d frames): the recording is not exact\n",
                lost, RING_SECONDS, MAX_PERIOD);
        *status = 1;
    }
    if (atomic_load(&x->disk_error)) *status = 1;
    struct report_values v;
    report_values(&x->rep, &v);
    report_print(stdout, &v, x->json);
}

static void cleanup(struct jackio *x)
{
    if (x->disk_running) {
        atomic_store(&x->disk_finish, 1);
        pthread_join(x->disk, NULL);
    }
    if (x->play_client) jack_client_close(x->play_client);
    if (x->rec_client) jack_client_close(x->rec_client);
    if (x->sf) sf_close(x->sf);
    if (x->rb) jack_ringbuffer_free(x->rb);
    free(x->scratch);
    if (x->rec_ch) report_free(&x->rep);
    for (unsigned k = 0; k < x->nplay; k++) {
        if (x->play[k].buf[1] != x->play[k].buf[0]) free(x->play[k].buf[1]);
        free(x->play[k].buf[0]);
    }
}

int main(int argc, char **argv)
{
    static struct jackio jx; /* large (the players); zeroed */
    struct jackio *x = &jx;
    char *plays[MAX_PLAY];
    unsigned nplays = 0;
    int status = 1, sig = 0;
    x->name = "stemd-jackio";
    x->duration_s = x->tail_s = -1.0;
    if (parse_args(x, argc, argv, plays, &nplays) < 0) return 2;

    /* Block the stop signals before any thread exists (JACK's included): only the main thread
     * takes them, with sigtimedwait, so no handler ever runs inside a process callback. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    if (nplays && !(x->play_client = open_client(x, "play"))) goto out;
    if (x->rec_path && !(x->rec_client = open_client(x, "rec"))) goto out;
    jack_client_t *any = x->play_client ? x->play_client : x->rec_client;
    x->rate = jack_get_sample_rate(any);
    x->period = jack_get_buffer_size(any);
    if ((nplays && setup_players(x, plays, nplays) < 0) || (x->rec_path && setup_recorder(x) < 0))
        goto out;
    if ((x->play_client && jack_activate(x->play_client)) ||
        (x->rec_client && jack_activate(x->rec_client))) {
        fprintf(stderr, "stemd-jackio: cannot activate the JACK clients\n");
        goto out;
    }
    if (connect_and_start(x) < 0) goto out; /* cleanup still closes the (empty) recording */
    status = 0;
    sig = wait_end(x, &sigs);
    jack_latency_range_t lat = {0, 0};
    if (x->rec_ch && !atomic_load(&x->shutdown)) capture_latency(x, &lat);
    /* After deactivation no callback runs: the ring buffer holds all there will be. The
     * recorder goes first: deactivating the player disconnects its ports, and a recorder cycle
     * after that would record silence where the file was still playing. */
    if (x->rec_client && !atomic_load(&x->shutdown)) jack_deactivate(x->rec_client);
    if (x->play_client && !atomic_load(&x->shutdown)) jack_deactivate(x->play_client);
    if (x->rec_ch) finish_recording(x, &lat, &status); /* joins the disk thread (the meters) */
    if (sig) fprintf(stderr, "stemd-jackio: stopped by %s\n", strsignal(sig));
    if (atomic_load(&x->shutdown)) {
        fprintf(stderr, "stemd-jackio: the JACK server went away; kept what was recorded\n");
        status = 1;
    }
out:
    cleanup(x);
    return status;
}
