/* server/notify.h: systemd's sd_notify protocol over $NOTIFY_SOCKET, without libsystemd. */
#ifndef STEMD_NOTIFY_H
#define STEMD_NOTIFY_H

#include <stdint.h>

struct notify {
    int fd;                 /* -1 when not under systemd */
    uint64_t watchdog_usec; /* 0 when no watchdog is asked for */
};

/* Read NOTIFY_SOCKET and WATCHDOG_USEC/WATCHDOG_PID. Never fails: without them every call is a
 * no-op. */
void notify_init(struct notify *n);
/* Send one message ("READY=1", "STATUS=...", "WATCHDOG=1", "STOPPING=1"). Returns 0 or -errno. */
int notify_send(struct notify *n, const char *msg);
void notify_close(struct notify *n);

#endif
