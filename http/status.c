/* http/status.c: the figures of the status page (/status.json and the "stemd-status"
 * WebSocket): the server's status, each stem's meters, the master's loudness, the recorder,
 * the control clients (OSC's senders, osc_clients_snapshot; the MIDI ports connected to
 * midi_in and midi_out, stemd_midi_connections) and the MIDI ports' counters. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "http/internal.h"

static double db(double lin)
{
    double d = lin > 0 ? 20 * log10(lin) : METER_FLOOR_DB;
    return d < METER_FLOOR_DB ? METER_FLOOR_DB : d;
}

static double lufs(double v)
{
    return isfinite(v) && v > METER_FLOOR_DB ? v : METER_FLOOR_DB;
}

void http_meter_values(const struct oscq *q, const struct mix_meters *m,
                       const struct stemd_loudness *l, float *out)
{
    unsigned i = 0;
    for (unsigned k = 0; k < q->nstems; k++, i += OSCQ_STEM_METERS)
        meter_stem_values(&m->stem[k], m->stem[k].rms, out + i); /* a tap's rms is its mean */
    meter_bus_values(&m->bus, l, out + i);
}

static void kv_num(struct jbuf *o, const char *k, double v)
{
    jb_printf(o, "\"%s\":", k);
    jb_num(o, v);
    jb_puts(o, ",");
}

void http_status_json(const struct http_status_src *s, struct jbuf *o)
{
    struct stemd_status st;
    struct stemd_record_status rec;
    stemd_status(s->sd, &st);
    stemd_record_status(s->sd, &rec);
    jb_puts(o, "{\"name\":");
    jb_str(o, s->name);
    jb_puts(o, ",\"version\":");
    jb_str(o, STEMD_VERSION);
    jb_puts(o, ",\"jack_server\":");
    jb_str(o, s->jack_server[0] ? s->jack_server : "default");
    jb_printf(o, ",\"connected\":%s,\"freewheel\":%s,", st.connected ? "true" : "false",
              st.freewheel ? "true" : "false");
    kv_num(o, "rate_hz", st.rate_hz);
    kv_num(o, "period_frames", st.period_frames);
    kv_num(o, "latency_frames", st.latency_frames);
    kv_num(o, "latency_ms", st.rate_hz ? 1000.0 * st.latency_frames / st.rate_hz : 0);
    kv_num(o, "dsp_load_percent", st.dsp_load_percent);
    kv_num(o, "xruns", (double)st.xruns);
    kv_num(o, "cycles", (double)st.cycles);
    kv_num(o, "uptime_s", st.uptime_s);
    kv_num(o, "osc_port", s->osc_port);
    kv_num(o, "http_port", s->http_port);
    kv_num(o, "ws_clients", s->ws_clients);
    kv_num(o, "http_requests", (double)s->http_requests);
    jb_puts(o, "\"stems\":[");
    for (unsigned k = 0; k < st.nstems && k < s->m->nstems; k++) {
        const struct mix_stem_meters *m = &s->m->stem[k];
        jb_puts(o, k ? ",{\"name\":" : "{\"name\":");
        jb_str(o, stemd_stem_name(s->sd, k));
        jb_puts(o, ",");
        kv_num(o, "peak_l_db", db(m->peak_l));
        kv_num(o, "peak_r_db", db(m->peak_r));
        kv_num(o, "rms_db", db(m->rms));
        jb_puts(o, "\"gr_db\":");
        jb_num(o, m->gr_db);
        jb_puts(o, "}");
    }
    const struct mix_bus_meters *b = &s->m->bus;
    const struct stemd_loudness *l = s->loud;
    jb_puts(o, "],\"master\":{");
    kv_num(o, "peak_l_db", db(b->peak_l));
    kv_num(o, "peak_r_db", db(b->peak_r));
    kv_num(o, "true_peak_db", db(b->true_peak));
    kv_num(o, "lufs_m", lufs(l->momentary_lufs));
    kv_num(o, "lufs_s", lufs(l->short_term_lufs));
    kv_num(o, "lufs_i", lufs(l->integrated_lufs));
    kv_num(o, "lra_lu", isfinite(l->lra_lu) ? l->lra_lu : 0);
    kv_num(o, "correlation", b->correlation);
    kv_num(o, "gr_band1_db", b->gr_band_db[0]);
    kv_num(o, "gr_band2_db", b->gr_band_db[1]);
    kv_num(o, "gr_band3_db", b->gr_band_db[2]);
    jb_puts(o, "\"gr_limiter_db\":");
    jb_num(o, b->gr_limiter_db);
    jb_puts(o, "},\"recorder\":{\"state\":");
    jb_str(o, rec.state);
    jb_puts(o, ",\"path\":");
    jb_str(o, rec.path);
    jb_puts(o, ",");
    kv_num(o, "seconds", rec.seconds);
    kv_num(o, "dropped_frames", (double)rec.dropped);
    jb_puts(o, "\"error\":");
    jb_str(o, rec.error);
    struct stemd_midi_counters mc;
    stemd_midi_counters(s->sd, &mc);
    jb_puts(o, "},\"midi\":{");
    kv_num(o, "in_connections", s->midi->nin);
    kv_num(o, "out_connections", s->midi->nout);
    kv_num(o, "rx_events", (double)mc.rx_events);
    kv_num(o, "rx_dropped", (double)mc.rx_dropped);
    kv_num(o, "tx_events", (double)mc.tx_events);
    jb_puts(o, "\"tx_dropped\":");
    jb_num(o, (double)mc.tx_dropped);
    jb_puts(o, "},\"clients\":[");
    /* Every control client by its kind: "midi", a JACK port connected to midi_in ("in": stemd
     * hears it) or from midi_out ("out": stemd drives it, feedback and motors), then "osc", the
     * senders the OSC layer remembers. The page shows the kind beside the address. */
    unsigned nc = 0;
    for (unsigned d = 0; d < 2; d++) {
        unsigned n = d ? s->midi->nout : s->midi->nin;
        for (unsigned i = 0; i < n && i < STEMD_MIDI_CONNS_MAX; i++) {
            jb_puts(o,
                    nc++ ? ",{\"kind\":\"midi\",\"address\":" : "{\"kind\":\"midi\",\"address\":");
            jb_str(o, d ? s->midi->out[i] : s->midi->in[i]);
            jb_printf(o, ",\"direction\":\"%s\"}", d ? "out" : "in");
        }
    }
    for (unsigned i = 0; i < s->nosc_clients; i++) {
        const struct osc_client_info *c = &s->osc_clients[i];
        jb_puts(o, nc++ ? ",{\"kind\":\"osc\",\"address\":" : "{\"kind\":\"osc\",\"address\":");
        jb_str(o, c->addr);
        jb_puts(o, ",");
        kv_num(o, "idle_s", c->idle_s);
        jb_printf(o, "\"subscribed\":%s,\"permanent\":%s,\"feedback\":",
                  c->subscribed ? "true" : "false", c->permanent ? "true" : "false");
        jb_str(o, c->feedback);
        jb_puts(o, ",\"flavour\":");
        jb_str(o, c->flavour);
        jb_puts(o, ",\"paths\":");
        jb_str(o, c->paths);
        jb_puts(o, ",");
        kv_num(o, "lease_s", c->lease_s);
        kv_num(o, "meter_hz", c->meter_hz);
        jb_puts(o, "\"dropped\":");
        jb_num(o, (double)c->dropped);
        jb_puts(o, "}");
    }
    jb_puts(o, "]}");
}
