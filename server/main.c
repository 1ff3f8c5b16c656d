/* server/main.c: stemd's entry point: composes the server and its surfaces, OSC, HTTP and MIDI
 * (their options, start, SIGHUP, stop). The server library knows nothing of either; this file is
 * where they meet. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "midi/midi.h"
#include "osc/osc.h"
#include "server/config.h"
#include "server/log.h"
#include "server/server.h"

/* The surfaces' settings, one block for config.c (it parses a SIGHUP into a copy of it). */
struct surfaces {
    struct osc_config osc;
    struct http_config http;
    struct midi_config midi;
};

/* The daemon: the server, and its surfaces with their settings (config.c fills them through the
 * extra option table below, on start and on SIGHUP). */
struct daemon {
    struct stemd sd;
    struct surfaces cfg;
    struct osc *osc;   /* NULL when OSC is off */
    struct http *http; /* NULL when HTTP is off */
    struct midi *midi;
    const char *keys[CONFIG_EXTRA_KEYS + 1];
    char help[4096];
};

static void surfaces_defaults(void *values)
{
    struct surfaces *s = values;
    osc_config_defaults(&s->osc);
    http_config_defaults(&s->http);
    midi_config_defaults(&s->midi);
}

static int surfaces_option(void *values, const char *key, const char *value, char *err,
                           size_t errlen)
{
    struct surfaces *s = values;
    int rc = osc_config_option(&s->osc, key, value, err, errlen);
    if (rc == -ENOENT) rc = http_config_option(&s->http, key, value, err, errlen);
    if (rc == -ENOENT) rc = midi_config_option(&s->midi, key, value, err, errlen);
    if (rc == -ENOENT) snprintf(err, errlen, "--%s: not an option", key);
    return rc == -ENOENT ? -EINVAL : rc;
}

static void surfaces_list_restart(void *values, const char *key)
{
    osc_config_list_restart(&((struct surfaces *)values)->osc, key);
}

/* SIGHUP: each surface takes the settings it can change while running. */
static void surfaces_reload(struct stemd *sd, void *ctx)
{
    struct daemon *d = ctx;
    (void)sd;
    if (d->osc)
        osc_reconfigure(d->osc, &d->cfg.osc);
    else if (d->cfg.osc.port)
        log_warn("SIGHUP: OSC was off at start (--osc-port 0); it starts only with stemd");
    if (d->http)
        http_reconfigure(d->http, &d->cfg.http, &d->cfg.osc);
    else if (d->cfg.http.port)
        log_warn("SIGHUP: HTTP was off at start (--http-port 0); it starts only with stemd");
}

static void midi_notice(void *ctx, const char *addr, const char *a, const char *b)
{
    struct daemon *d = ctx;
    osc_notice(d->osc, addr, a, b);
}

static int midi_verb(void *ctx, const char *addr, const char *const *args, int nargs,
                     osc_ext_reply_fn reply, void *rctx, char *err, size_t errlen)
{
    return midi_command(ctx, addr, args, nargs, reply, rctx, err, errlen);
}

int main(int argc, char **argv)
{
    struct daemon *d = calloc(1, sizeof *d);
    if (!d) return 1;
    struct stemd *sd = &d->sd;
    unsigned nk = 0;
    for (const char *const *k = osc_config_keys(); *k && nk < CONFIG_EXTRA_KEYS; k++)
        d->keys[nk++] = *k;
    for (const char *const *k = http_config_keys(); *k && nk < CONFIG_EXTRA_KEYS; k++)
        d->keys[nk++] = *k;
    for (const char *const *k = midi_config_keys(); *k && nk < CONFIG_EXTRA_KEYS; k++)
        d->keys[nk++] = *k;
    snprintf(d->help, sizeof d->help, "%s%s%s", osc_options_help(), http_options_help(),
             midi_options_help());
    const struct config_extra options = {
        .keys = d->keys,
        .flags = http_config_flags(),
        .title = "OSC control (UDP), OSCQuery over HTTP (TCP) and MIDI control surfaces; the same "
                 "names work as config file keys:",
        .help = d->help,
        .values = &d->cfg,
        .size = sizeof d->cfg,
        .defaults = surfaces_defaults,
        .option = surfaces_option,
        .cmdline_first = surfaces_list_restart,
    };
    int rc = config_from_args_extra(&sd->cfg, &options, argc, argv);
    if (rc != 0) {
        free(d);
        return rc > 0 ? 0 : 2;
    }
    char err[512];
    /* MIDI first: its mappings are lines of the state file, which stemd_init reads. */
    if (midi_new(sd, &d->cfg.midi, midi_notice, d, &d->midi, err, sizeof err) < 0) {
        log_err("%s", err);
        free(d);
        return 1;
    }
    rc = stemd_init(sd);
    if (rc == 0) {
        /* The surfaces once the parameters exist, before JACK: clients can connect at once. */
        snprintf(d->cfg.osc.name, sizeof d->cfg.osc.name, "%s", sd->cfg.jack_name);
        if ((rc = osc_start(sd, &d->cfg.osc, &d->osc, err, sizeof err)) < 0) log_err("%s", err);
    }
    if (rc == 0 && (rc = http_start(sd, &d->cfg.http, &d->cfg.osc, &d->http, err, sizeof err)) < 0)
        log_err("%s", err);
    http_set_osc(d->http, d->osc); /* the status page's client list */
    /* Its verbs come through OSC, its notices (/midi/learned) go out through it. */
    if (rc == 0 && (rc = midi_start(d->midi, err, sizeof err)) < 0) log_err("%s", err);
    if (rc == 0) osc_set_ext(d->osc, "/midi/", midi_verb, d->midi);
    if (rc == 0) {
        sd->on_reload = surfaces_reload;
        sd->on_reload_ctx = d;
        rc = stemd_run(sd, argc, argv, NULL);
    }
    /* Before stemd_fini: their change listeners must not outlive the server. OSC first: it is
     * the last source of changes, and a change calls every listener, HTTP's too, which may
     * therefore stop only once no change can come (the listeners cannot be removed). */
    http_set_osc(d->http, NULL); /* HTTP stops reading OSC's client table before it goes */
    midi_halt(d->midi); /* no more MIDI changes; its listener stays until OSC's changes end */
    osc_stop(d->osc);
    http_stop(d->http);
    midi_free(d->midi);
    stemd_fini(sd);
    free(d);
    return rc == 0 ? 0 : 1;
}
