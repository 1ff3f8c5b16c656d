/* server/main.c: stemd's entry point: composes the server and its OSC surface (their options,
 * start, SIGHUP, stop). The server library knows nothing of OSC; this file is where they meet. */
#include <stdio.h>
#include <stdlib.h>

#include "osc/osc.h"
#include "server/config.h"
#include "server/log.h"
#include "server/server.h"

/* The daemon: the server, and the OSC surface with its settings (config.c fills them through
 * the extra option table below, on start and on SIGHUP). */
struct daemon {
    struct stemd sd;
    struct osc_config osc_cfg;
    struct osc *osc; /* NULL when OSC is off */
};

static void osc_defaults(void *values)
{
    osc_config_defaults(values);
}

static int osc_option(void *values, const char *key, const char *value, char *err, size_t errlen)
{
    return osc_config_option(values, key, value, err, errlen);
}

static void osc_list_restart(void *values, const char *key)
{
    osc_config_list_restart(values, key);
}

/* SIGHUP: the OSC layer takes the settings it can change while running. */
static void osc_reload(struct stemd *sd, void *ctx)
{
    struct daemon *d = ctx;
    (void)sd;
    if (d->osc)
        osc_reconfigure(d->osc, &d->osc_cfg);
    else if (d->osc_cfg.port)
        log_warn("SIGHUP: OSC was off at start (--osc-port 0); it starts only with stemd");
}

int main(int argc, char **argv)
{
    struct daemon *d = calloc(1, sizeof *d);
    if (!d) return 1;
    struct stemd *sd = &d->sd;
    const struct config_extra osc_options = {
        .keys = osc_config_keys(),
        .title = "OSC control (UDP; the same names work as config file keys):",
        .help = osc_options_help(),
        .values = &d->osc_cfg,
        .size = sizeof d->osc_cfg,
        .defaults = osc_defaults,
        .option = osc_option,
        .cmdline_first = osc_list_restart,
    };
    int rc = config_from_args_extra(&sd->cfg, &osc_options, argc, argv);
    if (rc != 0) {
        free(d);
        return rc > 0 ? 0 : 2;
    }
    char err[512];
    rc = stemd_init(sd);
    if (rc == 0) {
        /* OSC once the parameters exist, before JACK: surfaces can connect at once. */
        snprintf(d->osc_cfg.name, sizeof d->osc_cfg.name, "%s", sd->cfg.jack_name);
        if ((rc = osc_start(sd, &d->osc_cfg, &d->osc, err, sizeof err)) < 0) log_err("%s", err);
        sd->on_reload = osc_reload;
        sd->on_reload_ctx = d;
    }
    if (rc == 0) rc = stemd_run(sd, argc, argv, NULL);
    osc_stop(d->osc); /* before stemd_fini: its change listener must not outlive the server */
    stemd_fini(sd);
    free(d);
    return rc == 0 ? 0 : 1;
}
