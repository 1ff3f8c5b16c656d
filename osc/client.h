/* osc/client.h: a small OSC-over-UDP client (one socket for sending and receiving), shared by
 * stemctl and the tests. */
#ifndef STEMD_OSC_CLIENT_H
#define STEMD_OSC_CLIENT_H

#include <lo/lo_lowlevel.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

struct oscc {
    int fd;
    struct sockaddr_storage srv;
    socklen_t srvlen;
};

/* Socket towards host:port, bound to bind_addr (NULL: any) and local_port (0: any). Returns 0
 * or a negative errno with the reason in err. */
int oscc_open(struct oscc *c, const char *host, unsigned port, const char *bind_addr,
              unsigned local_port, char *err, size_t errlen);
void oscc_close(struct oscc *c);
int oscc_send(struct oscc *c, const void *data, size_t len);
/* The next datagram within timeout_ms: its length, 0 on timeout, or a negative errno. */
ssize_t oscc_recv(struct oscc *c, unsigned char *buf, size_t cap, int timeout_ms);
/* Call fn for each message of a datagram (a bundle's elements in order). Returns the number of
 * messages, or -1 when the datagram is malformed. */
int oscc_each(const unsigned char *data, size_t len,
              void (*fn)(void *ctx, const char *path, lo_message m), void *ctx);
/* "PATH ,TYPES arg arg ..." for printing (floats %.9g). */
void oscc_format(const char *path, lo_message m, char *buf, size_t len);
/* Build a message from text: types as in OSC (i h f d s T F N), one text argument per i h f d s.
 * Returns the length or -1 (err says why). */
int oscc_build(unsigned char *buf, size_t cap, const char *addr, const char *types,
               char *const *args, int nargs, char *err, size_t errlen);
/* A float argument i of m as a double (i h f d T F), or NAN. */
double oscc_num(lo_message m, int i);

#endif
