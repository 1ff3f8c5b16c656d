/* osc/net.c: socket addresses: comparison, printing, HOST:PORT, CIDR and the allow list. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osc/internal.h"

int osc_addr_eq(const struct osc_addr *a, const struct osc_addr *b)
{
    if (a->ss.ss_family != b->ss.ss_family) return 0;
    if (a->ss.ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)&a->ss, *y = (const void *)&b->ss;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const void *)&a->ss, *y = (const void *)&b->ss;
        return x->sin6_port == y->sin6_port &&
               memcmp(&x->sin6_addr, &y->sin6_addr, sizeof x->sin6_addr) == 0;
    }
    return 0;
}

void osc_addr_str(const struct osc_addr *a, char *buf, size_t len)
{
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (a->ss.ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)&a->ss;
        inet_ntop(AF_INET, &x->sin_addr, host, sizeof host);
        port = ntohs(x->sin_port);
        snprintf(buf, len, "%s:%u", host, port);
    } else if (a->ss.ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const void *)&a->ss;
        inet_ntop(AF_INET6, &x->sin6_addr, host, sizeof host);
        port = ntohs(x->sin6_port);
        snprintf(buf, len, "[%s]:%u", host, port);
    } else {
        snprintf(buf, len, "?");
    }
}

/* "HOST:PORT" or "[V6]:PORT". */
int osc_resolve_hostport(const char *spec, struct osc_addr *out, char *err, size_t errlen)
{
    char host[OSC_HOST_MAX];
    const char *port;
    if (spec[0] == '[') {
        const char *rb = strchr(spec, ']');
        if (!rb || rb[1] != ':' || (size_t)(rb - spec - 1) >= sizeof host) goto bad;
        memcpy(host, spec + 1, (size_t)(rb - spec - 1));
        host[rb - spec - 1] = 0;
        port = rb + 2;
    } else {
        const char *colon = strrchr(spec, ':');
        if (!colon || colon == spec || (size_t)(colon - spec) >= sizeof host ||
            memchr(spec, ':', (size_t)(colon - spec)))
            goto bad;
        memcpy(host, spec, (size_t)(colon - spec));
        host[colon - spec] = 0;
        port = colon + 1;
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (!*port || *end || p < 1 || p > 65535) goto bad;
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICSERV}, *res;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "--feedback %s: cannot resolve '%s': %s", spec, host,
                 gai_strerror(rc));
        return -EINVAL;
    }
    /* A name with both families ("localhost"): IPv4 first, which an IPv4 bind can reach. */
    struct addrinfo *pick = res;
    for (struct addrinfo *r = res; r; r = r->ai_next)
        if (r->ai_family == AF_INET) {
            pick = r;
            break;
        }
    memset(out, 0, sizeof *out);
    memcpy(&out->ss, pick->ai_addr, pick->ai_addrlen);
    out->len = pick->ai_addrlen;
    freeaddrinfo(res);
    return 0;
bad:
    snprintf(err, errlen, "--feedback %s: write HOST:PORT (e.g. 192.168.1.20:9000, [::1]:9000)",
             spec);
    return -EINVAL;
}

int osc_parse_cidr(const char *s, struct osc_cidr *out)
{
    char host[INET6_ADDRSTRLEN + 8];
    const char *slash = strchr(s, '/');
    size_t hl = slash ? (size_t)(slash - s) : strlen(s);
    if (hl == 0 || hl >= sizeof host) return -EINVAL;
    memcpy(host, s, hl);
    host[hl] = 0;
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, host, out->addr) == 1)
        out->family = 4;
    else if (inet_pton(AF_INET6, host, out->addr) == 1)
        out->family = 6;
    else
        return -EINVAL;
    unsigned max = out->family == 4 ? 32 : 128;
    out->prefix = max;
    if (slash) {
        char *end;
        long p = strtol(slash + 1, &end, 10);
        if (!slash[1] || *end || p < 0 || p > (long)max) return -EINVAL;
        out->prefix = (unsigned)p;
    }
    return 0;
}

static int prefix_match(const unsigned char *a, const unsigned char *b, unsigned bits)
{
    unsigned bytes = bits / 8, rest = bits % 8;
    if (memcmp(a, b, bytes) != 0) return 0;
    if (!rest) return 1;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (a[bytes] & mask) == (b[bytes] & mask);
}

int osc_allowed(const struct osc_config *c, const struct osc_addr *a)
{
    unsigned char ip[16];
    int fam;
    if (a->ss.ss_family == AF_INET) {
        memcpy(ip, &((const struct sockaddr_in *)(const void *)&a->ss)->sin_addr, 4);
        fam = 4;
    } else if (a->ss.ss_family == AF_INET6) {
        const struct in6_addr *v6 = &((const struct sockaddr_in6 *)(const void *)&a->ss)->sin6_addr;
        if (IN6_IS_ADDR_V4MAPPED(v6)) { /* a dual-stack socket's IPv4 sender */
            memcpy(ip, v6->s6_addr + 12, 4);
            fam = 4;
        } else {
            memcpy(ip, v6->s6_addr, 16);
            fam = 6;
        }
    } else {
        return 0;
    }
    for (unsigned i = 0; i < c->nallow; i++)
        if (c->allow[i].family == fam && prefix_match(ip, c->allow[i].addr, c->allow[i].prefix))
            return 1;
    return 0;
}

int osc_config_allows(const struct osc_config *c, const struct sockaddr *sa, unsigned salen)
{
    struct osc_addr a;
    memset(&a, 0, sizeof a);
    if (salen > sizeof a.ss) return 0;
    memcpy(&a.ss, sa, salen);
    a.len = (socklen_t)salen;
    return osc_allowed(c, &a);
}
