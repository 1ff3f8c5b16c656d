/* server/main.c: stemd's entry point: options, start, run, stop. */
#include <stdio.h>
#include <stdlib.h>

#include "osc/osc.h"
#include "server/config.h"
#include "server/log.h"
#include "server/server.h"

/* SIGHUP: the OSC layer takes the settings it can change while running. */
static void osc_reload(struct stemd *sd, void *ctx)
{
    struct osc *osc = ctx;
    if (osc)
        osc_reconfigure(osc, &sd->cfg.osc);
    else if (sd->cfg.osc.port)
        log_warn("SIGHUP: OSC was off at start (--osc-port 0); it starts only with stemd");
}

int main(int argc, char **argv)
{
    struct stemd *sd = calloc(1, sizeof *sd);
    if (!sd) return 1;
    int rc = config_from_args(&sd->cfg, argc, argv);
    if (rc != 0) {
        free(sd);
        return rc > 0 ? 0 : 2;
    }
    struct osc *osc = NULL;
    char err[512];
    rc = stemd_init(sd);
    if (rc == 0) {
        /* OSC once the parameters exist, before JACK: surfaces can connect at once. */
        snprintf(sd->cfg.osc.name, sizeof sd->cfg.osc.name, "%s", sd->cfg.jack_name);
        if ((rc = osc_start(sd, &sd->cfg.osc, &osc, err, sizeof err)) < 0) log_err("%s", err);
        sd->on_reload = osc_reload;
        sd->on_reload_ctx = osc;
    }
    if (rc == 0) rc = stemd_run(sd, argc, argv, NULL);
    osc_stop(osc); /* before stemd_fini: its change listener must not outlive the server */
    stemd_fini(sd);
    free(sd);
    return rc == 0 ? 0 : 1;
}
