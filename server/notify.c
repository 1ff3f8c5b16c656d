/* server/notify.c: sd_notify(3) by hand: one datagram per message to $NOTIFY_SOCKET. */
#include "server/notify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "server/log.h"

void notify_init(struct notify *n)
{
    const char *path = getenv("NOTIFY_SOCKET"), *wd = getenv("WATCHDOG_USEC"),
               *wpid = getenv("WATCHDOG_PID");
    n->fd = -1;
    n->watchdog_usec = 0;
    if (wd && (!wpid || (pid_t)strtol(wpid, NULL, 10) == getpid()))
        n->watchdog_usec = strtoull(wd, NULL, 10);
    /* "@name" is an abstract socket; "/path" a filesystem one (sd_notify(3)). */
    if (!path || (path[0] != '/' && path[0] != '@') ||
        strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
        return;
    n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (n->fd < 0) {
        log_warn("cannot notify systemd: socket: %s", strerror(errno));
        return;
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    size_t len = strlen(path);
    memcpy(sa.sun_path, path, len);
    if (sa.sun_path[0] == '@') sa.sun_path[0] = 0;
    if (connect(n->fd, (struct sockaddr *)&sa,
                (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len)) < 0) {
        log_warn("cannot notify systemd at %s: %s", path, strerror(errno));
        close(n->fd);
        n->fd = -1;
    }
}

int notify_send(struct notify *n, const char *msg)
{
    if (n->fd < 0) return 0;
    if (send(n->fd, msg, strlen(msg), MSG_NOSIGNAL) < 0) return -errno;
    return 0;
}

void notify_close(struct notify *n)
{
    if (n->fd >= 0) close(n->fd);
    n->fd = -1;
}
