/* tests/jackfail.c: LD_PRELOAD shim that makes jack_connect fail for some ports, as a loaded
 * JACK server that times a request out does, so a test can check what stemd remembers of a
 * connection it could not restore (tests/server/45-pending.t).
 *
 * While the file $STEMD_JACKFAIL_FILE exists, a jack_connect whose source or destination name
 * contains $STEMD_JACKFAIL_PORT returns -1 without asking the server; every other call goes to
 * libjack. Main-thread calls only (stemd never connects from the process callback). Build
 * without sanitizers: cc -shared -fPIC -o jackfail.so jackfail.c -ldl */
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

typedef struct _jack_client jack_client_t;

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
