/* server/engine.c: the JACK client: open, close and tick (main thread), the graph for each rate,
 * and JACK's notification callbacks. The process callback is engine_rt.c's. */
#define _LGPL_SOURCE
#include <errno.h>
#include <jack/jack.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dsp/morph.h"
#include "server/engine.h"
#include "server/log.h"
#include "server/ports.h"
#include "server/server.h"

void graph_free(void *ptr)
{
    struct graph *g = ptr;
    if (g) {
        mix_destroy(g->mix);
        morph_free(g->morph);
        free(g->meters);
        free(g);
    }
}

static int graph_new(struct stemd *sd, unsigned rate, struct graph **out)
{
    struct graph *g = calloc(1, sizeof *g);
    if (!g) return -ENOMEM;
    int rc = mix_create(&g->mix, sd->cfg.nstems, rate);
    if (rc < 0) {
        free(g);
        return rc;
    }
    g->meters = mix_meters_new(sd->cfg.nstems);
    g->morph = morph_new(sd->cfg.nstems);
    if (!g->meters || !g->morph) {
        graph_free(g);
        return -ENOMEM;
    }
    g->rate_hz = rate;
    g->latency_frames = mix_latency(g->mix);
    *out = g;
    return 0;
}

/* ---- notification callbacks (JACK's non-RT notification thread) --------------------------- */

static void on_shutdown(jack_status_t code, const char *reason, void *arg)
{
    struct stemd *sd = arg;
    (void)code;
    (void)reason;
    /* jack.h: "The function must be written as if it were an asynchronous POSIX signal
     * handler": only a flag; the main thread logs, closes and reconnects. */
    atomic_store(&sd->eng.shutdown, 1);
}

static int on_xrun(void *arg)
{
    struct stemd *sd = arg;
    atomic_fetch_add(&sd->eng.xruns, 1);
    return 0;
}

static int on_srate(jack_nframes_t rate, void *arg)
{
    struct stemd *sd = arg;
    /* No allocation here: the main thread builds the new graph and swaps it through RCU. */
    atomic_store(&sd->eng.pending_rate, rate);
    atomic_store(&sd->eng.rate_hz, rate);
    return 0;
}

static int on_bufsize(jack_nframes_t nframes, void *arg)
{
    struct stemd *sd = arg;
    /* mix_process takes any frame count and its output does not depend on the slicing, so a
     * new period needs no new state. */
    atomic_store(&sd->eng.period_frames, nframes);
    return 0;
}

static void on_freewheel(int starting, void *arg)
{
    struct stemd *sd = arg;
    atomic_store(&sd->eng.freewheel, starting);
}

static void on_port_connect(jack_port_id_t a, jack_port_id_t b, int connect, void *arg)
{
    struct stemd *sd = arg;
    (void)a;
    (void)b;
    (void)connect;
    atomic_store(&sd->eng.conn_changed, 1);
}

static void on_port_registration(jack_port_id_t id, int reg, void *arg)
{
    struct stemd *sd = arg;
    (void)id;
    if (reg) atomic_store(&sd->eng.ports_appeared, 1);
}

/* JACK's latency rules (jack.h, jack_set_latency_callback): in capture mode, set the capture
 * latency of our outputs from the largest capture latency of our inputs plus our own delay; in
 * playback mode, set the playback latency of our inputs from that of our outputs plus ours.
 * pass_latency: the range over the ports `from` in mode, plus lat, set on the ports `to`. */
static void pass_latency(jack_port_t *const *from, unsigned nfrom, jack_port_t *const *to,
                         unsigned nto, jack_latency_callback_mode_t mode, unsigned lat)
{
    jack_latency_range_t r, acc = {UINT32_MAX, 0};
    for (unsigned i = 0; i < nfrom; i++) {
        jack_port_get_latency_range(from[i], mode, &r);
        acc.min = r.min < acc.min ? r.min : acc.min;
        acc.max = r.max > acc.max ? r.max : acc.max;
    }
    if (acc.min == UINT32_MAX) acc.min = 0;
    acc.min += lat;
    acc.max += lat;
    for (unsigned i = 0; i < nto; i++)
        jack_port_set_latency_range(to[i], mode, &acc);
}

static void on_latency(jack_latency_callback_mode_t mode, void *arg)
{
    struct stemd *sd = arg;
    struct engine *e = &sd->eng;
    unsigned lat = atomic_load(&e->latency_frames), nin = 2 * sd->cfg.nstems;
    if (mode == JackCaptureLatency)
        pass_latency(e->in, nin, e->out, 2, mode, lat);
    else
        pass_latency(e->out, 2, e->in, nin, mode, lat);
}

/* ---- open, close, tick (main thread) ------------------------------------------------------ */

int engine_init(struct stemd *sd)
{
    struct engine *e = &sd->eng;
    unsigned ns = sd->cfg.nstems;
    pthread_mutex_init(&e->lock, NULL);
    e->in = calloc(2 * ns, sizeof *e->in);
    e->in_l = calloc(ns, sizeof *e->in_l);
    e->in_r = calloc(ns, sizeof *e->in_r);
    e->in_lo = calloc(ns, sizeof *e->in_lo);
    e->in_ro = calloc(ns, sizeof *e->in_ro);
    e->loud_scratch = calloc(MIX_LOUDNESS_QUEUE, sizeof *e->loud_scratch);
    e->meters = meters_rt_new(ns);
    /* 8192 quarters = 13 minutes of loudness blocks: the control thread drains every 20 ms. */
    e->loud_rb = jack_ringbuffer_create(8192 * sizeof(double));
    e->midi_rx = jack_ringbuffer_create(STEMD_MIDI_RING_BYTES);
    e->midi_tx = jack_ringbuffer_create(STEMD_MIDI_RING_BYTES);
    e->midi_scratch = calloc(1, sizeof(struct stemd_midi_hdr) + STEMD_MIDI_MSG_MAX);
    if (!e->in || !e->in_l || !e->in_r || !e->in_lo || !e->in_ro || !e->loud_scratch ||
        !e->meters || !e->loud_rb || !e->midi_rx || !e->midi_tx || !e->midi_scratch)
        return -ENOMEM;
    jack_ringbuffer_mlock(e->loud_rb);
    jack_ringbuffer_mlock(e->midi_rx);
    jack_ringbuffer_mlock(e->midi_tx);
    const char *st = getenv("STEMD_RTCHECK_SELFTEST");
    e->selftest_malloc = st && strcmp(st, "1") == 0;
    if (e->selftest_malloc)
        log_warn("STEMD_RTCHECK_SELFTEST=1: the process callback will call malloc once (a test "
                 "of the RT check; never set this in production)");
    return 0;
}

void engine_fini(struct stemd *sd)
{
    struct engine *e = &sd->eng;
    graph_free(e->graph);
    e->graph = NULL;
    free(e->in);
    free(e->in_l);
    free(e->in_r);
    free(e->in_lo);
    free(e->in_ro);
    free(e->loud_scratch);
    free(e->meters);
    if (e->loud_rb) jack_ringbuffer_free(e->loud_rb);
    if (e->midi_rx) jack_ringbuffer_free(e->midi_rx);
    if (e->midi_tx) jack_ringbuffer_free(e->midi_tx);
    free(e->midi_scratch);
    ports_forget(sd);
    pthread_mutex_destroy(&e->lock);
}

/* Make sure the graph matches rate: a new one (published through RCU, the old retired) when it
 * does not; otherwise ask the process thread to reset it (stale filter and delay states from
 * before a reconnect must not play out). */
static int ensure_graph(struct stemd *sd, unsigned rate, int reset)
{
    struct engine *e = &sd->eng;
    struct graph *old = e->graph, *g;
    if (old && old->rate_hz == rate) {
        if (reset) atomic_store(&old->needs_reset, 1);
        return 0;
    }
    int rc = graph_new(sd, rate, &g);
    if (rc < 0) {
        log_err("cannot build the mix for %u Hz: %s", rate, strerror(-rc));
        return rc;
    }
    g->gen = ++e->graph_gens;
    atomic_store(&e->latency_frames, g->latency_frames);
    __atomic_store_n(&e->graph, g, __ATOMIC_RELEASE); /* the process thread's acquire pairs */
    if (old) control_retire(sd, graph_free, old);
    log_info("mix ready: %u stems at %u Hz, latency %u frames", sd->cfg.nstems, rate,
             g->latency_frames);
    return 0;
}

static int name_taken(struct stemd *sd, const char *server)
{
    char probe[64];
    snprintf(probe, sizeof probe, "stemd-probe-%d", (int)getpid());
    jack_client_t *c = jack_client_open(
        probe, (jack_options_t)(JackNoStartServer | (server ? JackServerName : 0)), NULL, server);
    if (!c) return 0;
    char *uuid = jack_get_uuid_for_client_name(c, sd->cfg.jack_name);
    int taken = uuid != NULL;
    jack_free(uuid);
    jack_client_close(c);
    return taken;
}

int engine_open(struct stemd *sd)
{
    struct engine *e = &sd->eng;
    jack_status_t status = 0;
    int options = JackNoStartServer | JackUseExactName, rc;
    const char *server = sd->cfg.jack_server[0] ? sd->cfg.jack_server : NULL;

    if (server) options |= JackServerName;
    jack_client_t *client =
        jack_client_open(sd->cfg.jack_name, (jack_options_t)options, &status, server);
    if (!client) {
        log_debug("jack_client_open('%s') failed: status 0x%x", sd->cfg.jack_name,
                  (unsigned)status);
        if (status & JackNameNotUnique) return -EEXIST;
        if (status & JackServerFailed) return -ECONNREFUSED;
        /* jack2 reports a taken name under JackUseExactName as a bare JackServerError (0x21),
         * not JackNameNotUnique: ask the server with a throw-away client whether the name is
         * in use, so a second stemd gets a clear error instead of retrying forever. */
        return name_taken(sd, server) ? -EEXIST : -EIO;
    }
    pthread_mutex_lock(&e->lock);
    e->client = client;
    atomic_store(&e->shutdown, 0);
    unsigned rate = jack_get_sample_rate(client);
    atomic_store(&e->rate_hz, rate);
    atomic_store(&e->pending_rate, 0);
    atomic_store(&e->period_frames, jack_get_buffer_size(client));
    rc = ensure_graph(sd, rate, 1);
    if (rc == 0) rc = ports_register(sd);
    if (rc == 0) {
        jack_set_thread_init_callback(client, engine_rt_thread_init, sd);
        jack_set_process_callback(client, engine_rt_process, sd);
        jack_on_info_shutdown(client, on_shutdown, sd);
        jack_set_xrun_callback(client, on_xrun, sd);
        jack_set_sample_rate_callback(client, on_srate, sd);
        jack_set_buffer_size_callback(client, on_bufsize, sd);
        jack_set_freewheel_callback(client, on_freewheel, sd);
        jack_set_latency_callback(client, on_latency, sd);
        jack_set_port_connect_callback(client, on_port_connect, sd);
        jack_set_port_registration_callback(client, on_port_registration, sd);
        atomic_store(&e->quiesce, 0);
        atomic_store(&e->quiet, 0);
        if (jack_activate(client)) {
            log_err("cannot activate the JACK client '%s'", sd->cfg.jack_name);
            rc = -EIO;
        }
    }
    if (rc < 0) {
        jack_client_close(client);
        e->client = NULL;
        pthread_mutex_unlock(&e->lock);
        return rc;
    }
    pthread_mutex_unlock(&e->lock);
    /* What JACK did not take now, ports_tick writes again a second later. */
    sd->ports.meta_retry_ms = ports_set_metadata(sd) ? stemd_now_ms() + 1000 : 0;
    ports_restore(sd, 1);
    atomic_store(&e->conn_changed, 0);
    return 0;
}

void engine_close(struct stemd *sd)
{
    struct engine *e = &sd->eng;
    pthread_mutex_lock(&e->lock);
    if (e->client) {
        /* After a shutdown jack.h allows only jack_client_close on the dead client. */
        if (!atomic_load(&e->shutdown)) {
            /* jack2 1.9.21 deadlocks if a client with many ports just closes: the server
             * unregisters each port and sends a property-change notification per port to
             * every client, this one included, whose notification thread is already gone;
             * its socket fills, the server blocks writing, and jack_client_close waits
             * forever for the server's answer (seen at 32 stems, 66 ports). So drop the
             * ports' metadata and unregister them while this client still reads. */
            /* Fade out first (10 ms), then deactivate: at most 200 ms if the server has stalled. */
            e->rt_fade = ENGINE_RAMP_FRAMES;
            atomic_store_explicit(&e->quiesce, 1, memory_order_release);
            for (int i = 0; i < 200 && !atomic_load(&e->quiet); i++)
                nanosleep(&(struct timespec){0, 1000000}, NULL);
            jack_deactivate(e->client);
            ports_clear_metadata(sd);
            ports_unregister(sd);
        }
        jack_client_close(e->client);
        e->client = NULL;
        memset(e->in, 0, 2 * sd->cfg.nstems * sizeof *e->in);
        e->out[0] = e->out[1] = NULL;
        e->midi_in = e->midi_out = NULL;
    }
    pthread_mutex_unlock(&e->lock);
}

void engine_tick(struct stemd *sd, int64_t now_ms)
{
    struct engine *e = &sd->eng;
    unsigned rate = atomic_exchange(&e->pending_rate, 0);

    if (rate && (!e->graph || e->graph->rate_hz != rate)) {
        log_notice("JACK sample rate is now %u Hz: rebuilding the mix", rate);
        if (ensure_graph(sd, rate, 0) == 0) {
            pthread_mutex_lock(&e->lock);
            if (e->client) jack_recompute_total_latencies(e->client);
            pthread_mutex_unlock(&e->lock);
        }
    }
    if (atomic_exchange(&e->conn_changed, 0)) e->conn_changed_ms = now_ms;
    /* Re-read our connections once they have been quiet for a second: while a JACK server
     * stops, the other clients' ports vanish first, and those disconnections must not be
     * remembered as wanted. */
    if (e->conn_changed_ms && now_ms - e->conn_changed_ms >= 1000 && !atomic_load(&e->shutdown)) {
        e->conn_changed_ms = 0;
        ports_snapshot(sd);
    }
    if (atomic_exchange(&e->ports_appeared, 0)) ports_restore(sd, 0);
    if (!atomic_load(&e->shutdown)) ports_tick(sd, now_ms);
}

void engine_status(struct engine *e, struct stemd_status *o)
{
    pthread_mutex_lock(&e->lock);
    o->connected = e->client != NULL && !atomic_load(&e->shutdown);
    if (o->connected) o->dsp_load_percent = jack_cpu_load(e->client);
    o->reconnects = e->reconnects;
    pthread_mutex_unlock(&e->lock);
    o->freewheel = atomic_load(&e->freewheel);
    o->rate_hz = atomic_load(&e->rate_hz);
    o->period_frames = atomic_load(&e->period_frames);
    o->latency_frames = atomic_load(&e->latency_frames);
    o->xruns = atomic_load(&e->xruns);
    o->cb_max_us = atomic_load(&e->cb_max_us);
    o->cb_overruns = atomic_load(&e->cb_overruns);
    o->cycles = atomic_load(&e->cycles);
}

void engine_seen(struct engine *e, uint64_t *seq, uint64_t *frame)
{
    /* seen_frame is stored before seen_seq (release), so a matching seq has its frame. */
    *seq = atomic_load_explicit(&e->seen_seq, memory_order_acquire);
    *frame = atomic_load_explicit(&e->seen_frame, memory_order_relaxed);
}

jack_port_t **engine_port_slot(struct engine *e, unsigned nstems, unsigned p)
{
    if (p == ENGINE_MIDI_IN(nstems)) return &e->midi_in;
    if (p == ENGINE_MIDI_OUT(nstems)) return &e->midi_out;
    return p < 2 * nstems ? &e->in[p] : &e->out[p - 2 * nstems];
}

jack_client_t *engine_client(struct engine *e)
{
    return e->client;
}

jack_client_t *engine_lock_client(struct engine *e)
{
    pthread_mutex_lock(&e->lock);
    return e->client;
}

void engine_unlock_client(struct engine *e)
{
    pthread_mutex_unlock(&e->lock);
}
