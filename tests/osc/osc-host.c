/* tests/osc/osc-host.c: stemd's engine and the OSC layer in one test program, wired exactly as
 * the daemon is meant to be (see the OSC wiring in the report): OSC options are taken out of
 * the command line, the rest is stemd's. Lines on stdin change parameters through the C API
 * (another source than OSC), for the feedback tests:
 *   set PATH VALUE      stemd_set_text, source API
 *   preset FILE         stemd_apply_preset_file, source API
 * SIGTERM/SIGINT stop it (stemd_run takes them), then OSC stops before the engine. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osc/osc.h"
#include "server/config.h"
#include "server/control.h"
#include "server/log.h"
#include "server/server.h"

static void *stdin_thread(void *arg)
{
    struct stemd *sd = arg;
    char line[4096], a[1024], b[1024], cmd[32], err[512];
    float v;
    /* Cancelled only while it waits for a line (main joins it before stemd_fini): a command
     * runs to its end. */
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
    for (;;) {
        pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
        char *got = fgets(line, sizeof line, stdin);
        pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
        if (!got) break;
        if (sscanf(line, "%31s %1023s %1023s", cmd, a, b) < 2) continue;
        if (!strcmp(cmd, "set") && stemd_set_text(sd, a, b, STEMD_SRC_API, &v, err, sizeof err) < 0)
            fprintf(stderr, "host: set: %s\n", err);
        if (!strcmp(cmd, "preset") &&
            stemd_apply_preset_file(sd, a, 0, STEMD_SRC_API, err, sizeof err) < 0)
            fprintf(stderr, "host: preset: %s\n", err);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    struct stemd *sd = calloc(1, sizeof *sd);
    struct osc_config oc;
    struct osc *osc = NULL;
    char err[512];
    pthread_t th;

    if (!sd) return 1;
    osc_config_defaults(&oc);
    if (osc_config_take_args(&oc, &argc, argv, err, sizeof err) < 0) {
        fprintf(stderr, "osc-host: %s\n", err);
        return 2;
    }
    if (config_from_args(&sd->cfg, argc, argv) != 0) return 2;
    snprintf(oc.name, sizeof oc.name, "%s", sd->cfg.jack_name);
    int rc = stemd_init(sd);
    if (rc == 0 && (rc = osc_start(sd, &oc, &osc, err, sizeof err)) < 0) log_err("%s", err);
    if (rc == 0) {
        int started = pthread_create(&th, NULL, stdin_thread, sd) == 0;
        rc = stemd_run(sd, argc, argv, NULL);
        if (started) {
            pthread_cancel(th);
            pthread_join(th, NULL);
        }
    }
    osc_stop(osc);
    stemd_fini(sd);
    free(sd);
    return rc == 0 ? 0 : 1;
}
