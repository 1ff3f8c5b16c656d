/* server/main.c: stemd's entry point: options, start, run, stop. */
#include <stdlib.h>

#include "server/config.h"
#include "server/log.h"
#include "server/server.h"

int main(int argc, char **argv)
{
    struct stemd *sd = calloc(1, sizeof *sd);
    if (!sd) return 1;
    int rc = config_from_args(&sd->cfg, argc, argv);
    if (rc != 0) {
        free(sd);
        return rc > 0 ? 0 : 2;
    }
    rc = stemd_init(sd);
    if (rc == 0) rc = stemd_run(sd, argc, argv, NULL);
    stemd_fini(sd);
    free(sd);
    return rc == 0 ? 0 : 1;
}
