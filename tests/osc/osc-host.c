/* tests/osc/osc-host.c: stemd's engine and the OSC layer in one test program, wired exactly as
 * the daemon is meant to be (see the OSC wiring in the report): OSC options are taken out of
 * the command line, the rest is stemd's. Lines on stdin change parameters through the C API
 * (another source than OSC), for the feedback tests:
 *   set PATH VALUE      stemd_set_text, source API
 *   preset FILE         stemd_apply_preset_file, source API
 * SIGTERM/SIGINT stop it (stemd_run takes them), then OSC stops before the engine. */
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osc/osc.h"
#include "server/config.h"
#include "server/control.h"
#include "server/log.h"
#include "server/server.h"

struct input {
    struct stemd *sd;
    atomic_int stop; /* main asks the reader to end (before stemd_fini) */
};

/* The stdin reader: polls, so main can end it with a flag and join it. (Cancelling it in
 * fgets, the obvious way, leaves the cancelled thread's stack poisoned for ASan, which then
 * reports its own sigaltstack call at the thread's exit.) */
static void *stdin_thread(void *arg)
{
    struct input *in = arg;
    char line[4096], a[1024], b[1024], cmd[32], err[512];
    float v;
    /* Unbuffered: poll sees every line still to read (stdio would hide the ones it buffered). */
    setvbuf(stdin, NULL, _IONBF, 0);
    while (!atomic_load(&in->stop)) {
        struct pollfd pfd = {.fd = 0, .events = POLLIN};
        if (poll(&pfd, 1, 100) <= 0) continue;
        if (!fgets(line, sizeof line, stdin)) break;
        if (sscanf(line, "%31s %1023s %1023s", cmd, a, b) < 2) continue;
        if (!strcmp(cmd, "set") &&
            stemd_set_text(in->sd, a, b, STEMD_SRC_API, &v, err, sizeof err) < 0)
            fprintf(stderr, "host: set: %s\n", err);
        if (!strcmp(cmd, "preset") &&
            stemd_apply_preset_file(in->sd, a, 0, STEMD_SRC_API, err, sizeof err) < 0)
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
        struct input in = {.sd = sd};
        int started = pthread_create(&th, NULL, stdin_thread, &in) == 0;
        rc = stemd_run(sd, argc, argv, NULL);
        if (started) {
            atomic_store(&in.stop, 1);
            pthread_join(th, NULL);
        }
    }
    osc_stop(osc);
    stemd_fini(sd);
    free(sd);
    return rc == 0 ? 0 : 1;
}
