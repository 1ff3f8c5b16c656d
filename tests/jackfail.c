/* tests/jackfail.c: LD_PRELOAD shim for JACK's failures that a test cannot provoke on a
 * healthy server. Main-thread calls only (stemd makes neither from the process callback).
 *
 * - While the file $STEMD_JACKFAIL_FILE exists, a jack_connect whose source or destination
 *   name contains $STEMD_JACKFAIL_PORT returns -1 without asking the server, as a loaded server
 *   that times a request out does (tests/server/45-pending.t).
 * - With $STEMD_JACKFAIL_HANG_METADATA set, jack_remove_properties never returns, as when
 *   jack2's metadata store (a Berkeley DB shared by every JACK process) is locked by a process
 *   that died holding it (tests/server/55-stuck-jack.t).
 *
 * Every other call goes to libjack. Build without sanitizers:
 * cc -shared -fPIC -o jackfail.so jackfail.c -ldl */
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct _jack_client jack_client_t;
typedef uint64_t jack_uuid_t; /* as jack/types.h */

int jack_connect(jack_client_t *client, const char *src, const char *dst)
{
    static int (*next)(jack_client_t *, const char *, const char *);
    const char *file = getenv("STEMD_JACKFAIL_FILE"), *port = getenv("STEMD_JACKFAIL_PORT");
    struct stat st;
    if (file && port && *port && stat(file, &st) == 0 && (strstr(src, port) || strstr(dst, port)))
        return -1;
    if (!next) *(void **)&next = dlsym(RTLD_NEXT, "jack_connect");
    return next ? next(client, src, dst) : -1;
}

int jack_remove_properties(jack_client_t *client, jack_uuid_t subject)
{
    static int (*next)(jack_client_t *, jack_uuid_t);
    if (getenv("STEMD_JACKFAIL_HANG_METADATA"))
        for (;;)
            pause();
    if (!next) *(void **)&next = dlsym(RTLD_NEXT, "jack_remove_properties");
    return next ? next(client, subject) : -1;
}
