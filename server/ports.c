/* server/ports.c: port names and metadata, and the connections stemd remembers and restores
 * (main thread); and stemd_midi_connections (control.h: any control thread). */
#include "server/ports.h"

#include <ctype.h>
#include <errno.h>
#include <jack/metadata.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/log.h"
#include "server/server.h"

/* A connection to restore after a JACK restart. port: 0..2n-1 our inputs (stem k: 2k = L,
 * 2k+1 = R), 2n and 2n+1 the master L, R, 2n+2 midi_in, 2n+3 midi_out. permanent: from
 * --connect/--connect-out, kept even when the other side disconnects; the others mirror what was
 * connected last, plus those to ports that have gone away (restored when the port reappears). */
struct conn {
    unsigned port;
    int permanent;
    int live; /* made (or seen) on the current server; 0: still to restore */
    char other[CONFIG_PORT_MAX];
};

#define NPORTS(sd)        ENGINE_NPORTS((sd)->cfg.nstems)
#define MIDI_IN_PORT(sd)  ENGINE_MIDI_IN((sd)->cfg.nstems)
#define MIDI_OUT_PORT(sd) ENGINE_MIDI_OUT((sd)->cfg.nstems)

static jack_port_t **port_slot(struct stemd *sd, unsigned port)
{
    return engine_port_slot(&sd->eng, sd->cfg.nstems, port);
}

static jack_port_t *our_port(struct stemd *sd, unsigned port)
{
    return *port_slot(sd, port);
}

/* Does the port take signal in (a stem input or midi_in)? */
static int port_is_input(struct stemd *sd, unsigned port)
{
    return port < 2 * sd->cfg.nstems || port == MIDI_IN_PORT(sd);
}

/* Inputs "in_01_drums_L": the zero-padded index keeps stem order when sorted by name. */
static void port_short_name(struct stemd *sd, unsigned port, char *buf, size_t len)
{
    unsigned nin = 2 * sd->cfg.nstems, width = sd->cfg.nstems > 99 ? 3 : 2;
    if (port < nin)
        snprintf(buf, len, "in_%0*u_%s_%c", (int)width, port / 2 + 1, sd->cfg.names[port / 2],
                 port % 2 ? 'R' : 'L');
    else if (port >= MIDI_IN_PORT(sd))
        snprintf(buf, len, "%s", port == MIDI_IN_PORT(sd) ? "midi_in" : "midi_out");
    else
        snprintf(buf, len, "master_%c", (port - nin) ? 'R' : 'L');
}

int ports_register(struct stemd *sd)
{
    jack_client_t *client = engine_client(&sd->eng);
    unsigned nin = 2 * sd->cfg.nstems;
    char name[128];
    for (unsigned p = 0; p < NPORTS(sd); p++) {
        port_short_name(sd, p, name, sizeof name);
        const char *type = p >= nin + 2 ? JACK_DEFAULT_MIDI_TYPE : JACK_DEFAULT_AUDIO_TYPE;
        jack_port_t *jp = jack_port_register(
            client, name, type, port_is_input(sd, p) ? JackPortIsInput : JackPortIsOutput, 0);
        if (!jp) {
            log_err("cannot register JACK port %s:%s", sd->cfg.jack_name, name);
            return -EIO;
        }
        *port_slot(sd, p) = jp;
    }
    return 0;
}

static unsigned set_prop(struct stemd *sd, jack_port_t *port, const char *key, const char *value,
                         const char *type)
{
    jack_uuid_t uuid = jack_port_uuid(port);
    if (jack_set_property(engine_client(&sd->eng), uuid, key, value, type) == 0) return 0;
    log_debug("JACK metadata %s of %s not set (the server has no metadata store, or it is busy)",
              key, jack_port_short_name(port));
    return 1;
}

unsigned ports_set_metadata(struct stemd *sd)
{
    unsigned failed = 0;
    static const char *const int_type = "http://www.w3.org/2001/XMLSchema#integer";
    unsigned nin = 2 * sd->cfg.nstems;
    char pretty[64], group[48], order[16];
    for (unsigned p = 0; p < NPORTS(sd); p++) {
        if (p >= nin + 2) {
            /* The MIDI pair: their own group, first of their direction among MIDI ports. */
            jack_port_t *jp = our_port(sd, p);
            failed += set_prop(sd, jp, JACK_METADATA_PRETTY_NAME,
                               p == MIDI_IN_PORT(sd) ? "Control surface in" : "Control surface out",
                               "text/plain");
            failed += set_prop(sd, jp, JACK_METADATA_PORT_GROUP, "MIDI", "text/plain");
            failed += set_prop(sd, jp, JACK_METADATA_ORDER, "1", int_type);
            continue;
        }
        const char *stem = p < nin ? sd->cfg.names[p / 2] : "master";
        snprintf(group, sizeof group, "%c%s", toupper((unsigned char)stem[0]), stem + 1);
        snprintf(pretty, sizeof pretty, "%s %c", group, p % 2 ? 'R' : 'L');
        /* Order counts from 1 within each direction: inputs 1..2n, outputs 1..2. */
        snprintf(order, sizeof order, "%u", (p < nin ? p : p - nin) + 1);
        jack_port_t *jp = our_port(sd, p);
        failed += set_prop(sd, jp, JACK_METADATA_PRETTY_NAME, pretty, "text/plain");
        failed += set_prop(sd, jp, JACK_METADATA_PORT_GROUP, group, "text/plain");
        failed += set_prop(sd, jp, JACK_METADATA_ORDER, order, int_type);
    }
    return failed;
}

void ports_tick(struct stemd *sd, int64_t now_ms)
{
    struct ports *p = &sd->ports;
    if (p->pending && now_ms >= p->restore_retry_ms) {
        ports_restore(sd, 0);
        p->restore_retry_ms = now_ms + 1000;
    }
    if (!p->meta_retry_ms || now_ms < p->meta_retry_ms) return;
    unsigned failed = ports_set_metadata(sd);
    p->meta_retry_ms = failed ? now_ms + 1000 : 0;
    if (!failed) log_info("JACK metadata of every port written");
}

void ports_clear_metadata(struct stemd *sd)
{
    for (unsigned p = 0; p < NPORTS(sd); p++)
        if (our_port(sd, p))
            jack_remove_properties(engine_client(&sd->eng), jack_port_uuid(our_port(sd, p)));
}

void ports_unregister(struct stemd *sd)
{
    jack_client_t *client = engine_client(&sd->eng);
    for (unsigned p = 0; p < NPORTS(sd); p++) {
        jack_port_t **slot = port_slot(sd, p);
        if (*slot) jack_port_unregister(client, *slot);
        *slot = NULL;
    }
}

static int add_conn(struct stemd *sd, unsigned port, const char *other, int permanent)
{
    struct ports *pm = &sd->ports;
    for (unsigned i = 0; i < pm->nconns; i++)
        if (pm->conns[i].port == port && strcmp(pm->conns[i].other, other) == 0) {
            pm->conns[i].permanent |= permanent;
            pm->conns[i].live |= !permanent; /* seen connected (ports_snapshot) */
            return 0;
        }
    if (pm->nconns == pm->conns_cap) {
        unsigned cap = pm->conns_cap ? 2 * pm->conns_cap : 16;
        struct conn *n = realloc(pm->conns, cap * sizeof *n);
        if (!n) return -ENOMEM;
        pm->conns = n;
        pm->conns_cap = cap;
    }
    struct conn *c = &pm->conns[pm->nconns++];
    c->port = port;
    c->permanent = permanent;
    c->live = !permanent;
    snprintf(c->other, sizeof c->other, "%s", other);
    return 0;
}

void ports_remember_config(struct stemd *sd)
{
    const struct stemd_config *c = &sd->cfg;
    for (unsigned i = 0; i < c->nconnect; i++)
        for (unsigned ch = 0; ch < 2; ch++)
            add_conn(sd, 2 * c->connect[i].stem + ch, c->connect[i].src[ch], 1);
    for (unsigned ch = 0; ch < 2; ch++)
        if (c->connect_out[ch][0]) add_conn(sd, 2 * c->nstems + ch, c->connect_out[ch], 1);
    for (unsigned d = 0; d < 2; d++)
        for (unsigned i = 0; i < c->nconnect_midi[d]; i++)
            add_conn(sd, d ? MIDI_OUT_PORT(sd) : MIDI_IN_PORT(sd), c->connect_midi[d][i], 1);
}

void ports_snapshot(struct stemd *sd)
{
    struct ports *pm = &sd->ports;
    unsigned nports = NPORTS(sd), kept = 0;

    jack_client_t *client = engine_lock_client(&sd->eng);
    if (!client || engine_lost(&sd->eng)) {
        engine_unlock_client(&sd->eng);
        return;
    }
    /* Keep the --connect ones, those whose other port has vanished (its client quit, or the
     * server is dying under us and answers nothing): they come back when the port does, and
     * those not restored yet on this server (a jack_connect that failed: a loaded server may
     * time a request out; ports_tick tries again). Forget only a connection that was made on
     * this server, whose other port is still there, and that is no longer connected: that one
     * someone undid on purpose. */
    for (unsigned i = 0; i < pm->nconns; i++) {
        struct conn *c = &pm->conns[i];
        if (c->permanent || !c->live || !jack_port_by_name(client, c->other))
            pm->conns[kept++] = *c;
    }
    pm->nconns = kept;
    for (unsigned p = 0; p < nports; p++) {
        const char **list = jack_port_get_all_connections(client, our_port(sd, p));
        for (unsigned j = 0; list && list[j]; j++)
            add_conn(sd, p, list[j], 0);
        jack_free(list);
    }
    engine_unlock_client(&sd->eng);
    log_debug("remembering %u connections", pm->nconns);
}

void ports_restore(struct stemd *sd, int verbose)
{
    struct ports *pm = &sd->ports;
    unsigned ok = 0, failed = 0;

    jack_client_t *client = engine_lock_client(&sd->eng);
    for (unsigned i = 0; client && i < pm->nconns; i++) {
        struct conn *c = &pm->conns[i];
        const char *ours = jack_port_name(our_port(sd, c->port));
        const char *src = port_is_input(sd, c->port) ? c->other : ours;
        const char *dst = port_is_input(sd, c->port) ? ours : c->other;
        int rc = jack_connect(client, src, dst);
        c->live = rc == 0 || rc == EEXIST;
        if (rc == 0) {
            ok++;
            log_info("connected %s -> %s", src, dst);
        } else if (rc == EEXIST) {
            ok++;
        } else {
            failed++;
            if (verbose)
                log_warn("cannot connect %s -> %s yet (is that port there?); retrying every "
                         "second and when new ports appear",
                         src, dst);
        }
    }
    engine_unlock_client(&sd->eng);
    pm->pending = failed;
    if (verbose && (ok || failed)) log_notice("connections: %u restored, %u pending", ok, failed);
}

void ports_forget(struct stemd *sd)
{
    free(sd->ports.conns);
    sd->ports.conns = NULL;
    sd->ports.nconns = sd->ports.conns_cap = sd->ports.pending = 0;
}

unsigned ports_remembered(const struct stemd *sd)
{
    return sd->ports.nconns;
}

/* One port's connections into names (max of them; all are counted). */
static unsigned list_conns(jack_client_t *client, jack_port_t *port,
                           char (*names)[STEMD_PORT_NAME_MAX], unsigned max)
{
    const char **list = port ? jack_port_get_all_connections(client, port) : NULL;
    unsigned n = 0;
    for (; list && list[n]; n++)
        if (n < max) snprintf(names[n], STEMD_PORT_NAME_MAX, "%s", list[n]);
    jack_free(list);
    return n;
}

void stemd_midi_connections(struct stemd *sd, struct stemd_midi_conns *out)
{
    out->nin = out->nout = 0;
    jack_client_t *client = engine_lock_client(&sd->eng);
    if (client && !engine_lost(&sd->eng)) {
        out->nin =
            list_conns(client, our_port(sd, MIDI_IN_PORT(sd)), out->in, STEMD_MIDI_CONNS_MAX);
        out->nout =
            list_conns(client, our_port(sd, MIDI_OUT_PORT(sd)), out->out, STEMD_MIDI_CONNS_MAX);
    }
    engine_unlock_client(&sd->eng);
}
