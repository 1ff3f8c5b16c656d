/* osc/client.c: a small OSC-over-UDP client for stemctl and the tests: one socket that sends
 * and receives (stemd answers from its socket to the sender's port), message text in and out. */
#include "osc/client.h"

#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "osc/wire.h"

int oscc_open(struct oscc *c, const char *host, unsigned port, const char *bind_addr,
              unsigned local_port, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV}, *res;
    char ps[16];
    snprintf(ps, sizeof ps, "%u", port);
    int rc = getaddrinfo(host, ps, &hints, &res);
    if (rc) {
        snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(rc));
        return -EINVAL;
    }
    memcpy(&c->srv, res->ai_addr, res->ai_addrlen);
    c->srvlen = res->ai_addrlen;
    c->fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    freeaddrinfo(res);
    if (c->fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -errno;
    }
    int big = 4 << 20; /* long answers arrive in bursts */
    setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    if (bind_addr || local_port) {
        snprintf(ps, sizeof ps, "%u", local_port);
        hints.ai_flags |= AI_PASSIVE;
        hints.ai_family = c->srv.ss_family;
        if ((rc = getaddrinfo(bind_addr, ps, &hints, &res)) != 0) {
            snprintf(err, errlen, "cannot resolve %s: %s", bind_addr, gai_strerror(rc));
            close(c->fd);
            return -EINVAL;
        }
        rc = bind(c->fd, res->ai_addr, res->ai_addrlen);
        freeaddrinfo(res);
        if (rc < 0) {
            rc = -errno;
            snprintf(err, errlen, "bind %s:%u: %s", bind_addr ? bind_addr : "*", local_port,
                     strerror(-rc));
            close(c->fd);
            return rc;
        }
    }
    return 0;
}

void oscc_close(struct oscc *c)
{
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
}

int oscc_send(struct oscc *c, const void *data, size_t len)
{
    return sendto(c->fd, data, len, 0, (struct sockaddr *)&c->srv, c->srvlen) < 0 ? -errno : 0;
}

ssize_t oscc_recv(struct oscc *c, unsigned char *buf, size_t cap, int timeout_ms)
{
    struct pollfd p = {.fd = c->fd, .events = POLLIN};
    int rc = poll(&p, 1, timeout_ms);
    if (rc <= 0) return rc < 0 ? -errno : 0;
    ssize_t n = recv(c->fd, buf, cap, 0);
    return n < 0 ? -errno : n;
}

int oscc_each(const unsigned char *data, size_t len,
              void (*fn)(void *ctx, const char *path, lo_message m), void *ctx)
{
    if (oscw_is_bundle(data, len)) {
        size_t off = 0, el;
        const unsigned char *e;
        const char *why;
        int rc, n = 0;
        while ((rc = oscw_bundle_next(data, len, &off, &e, &el, &why)) == 1) {
            int k = oscc_each(e, el, fn, ctx);
            if (k < 0) return -1;
            n += k;
        }
        return rc < 0 ? -1 : n;
    }
    int res;
    lo_message m = lo_message_deserialise((void *)data, len, &res);
    if (!m) return -1;
    fn(ctx, (const char *)data, m);
    lo_message_free(m);
    return 1;
}

double oscc_num(lo_message m, int i)
{
    const char *t = lo_message_get_types(m);
    lo_arg **a = lo_message_get_argv(m);
    if (i >= lo_message_get_argc(m)) return NAN;
    switch (t[i]) {
    case 'i': {
        int32_t v;
        memcpy(&v, a[i], 4);
        return v;
    }
    case 'f': {
        float v;
        memcpy(&v, a[i], 4);
        return v;
    }
    case 'h': {
        int64_t v;
        memcpy(&v, a[i], 8);
        return (double)v;
    }
    case 'd': {
        double v;
        memcpy(&v, a[i], 8);
        return v;
    }
    case 'T':
        return 1;
    case 'F':
        return 0;
    }
    return NAN;
}

void oscc_format(const char *path, lo_message m, char *buf, size_t len)
{
    const char *t = lo_message_get_types(m);
    lo_arg **a = lo_message_get_argv(m);
    size_t o = 0;
    int w = snprintf(buf, len, "%s ,%s", path, t);
    for (int i = 0; w >= 0 && (o += (size_t)w) < len && i < lo_message_get_argc(m); i++) {
        if (t[i] == 's' || t[i] == 'S')
            w = snprintf(buf + o, len - o, " %s", (const char *)a[i]);
        else if (t[i] == 'i' || t[i] == 'h')
            w = snprintf(buf + o, len - o, " %.0f", oscc_num(m, i));
        else if (t[i] == 'b')
            w = snprintf(buf + o, len - o, " <blob>");
        else
            w = snprintf(buf + o, len - o, " %.9g", oscc_num(m, i));
    }
}

int oscc_build(unsigned char *buf, size_t cap, const char *addr, const char *types,
               char *const *args, int nargs, char *err, size_t errlen)
{
    struct oscw_builder *b = malloc(sizeof *b);
    int k = 0, len;
    if (!b) return -1;
    oscw_b_init(b);
    for (const char *t = types; *t; t++) {
        if (strchr("ihfds", *t) && k >= nargs) {
            snprintf(err, errlen, "type '%c' needs an argument", *t);
            free(b);
            return -1;
        }
        switch (*t) {
        case 'i':
            oscw_b_int(b, (int32_t)strtol(args[k++], NULL, 0));
            break;
        case 'h':
            oscw_b_int64(b, strtoll(args[k++], NULL, 0));
            break;
        case 'f':
            oscw_b_float(b, strtof(args[k++], NULL));
            break;
        case 'd':
            oscw_b_double(b, strtod(args[k++], NULL));
            break;
        case 's':
            oscw_b_str(b, args[k++]);
            break;
        case 'T':
        case 'F':
        case 'N':
        case 'I':
            oscw_b_tag(b, *t);
            break;
        default:
            snprintf(err, errlen, "unknown type '%c' (use i h f d s T F N)", *t);
            free(b);
            return -1;
        }
    }
    len = oscw_b_finish(b, addr, buf, cap);
    free(b);
    if (len < 0) snprintf(err, errlen, "message too large");
    return len;
}
