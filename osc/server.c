/* osc/server.c: the OSC control thread: one UDP socket, a poll loop that receives datagrams
 * (raw, so a bundle can be validated whole before anything is applied) and runs the timers;
 * replies and feedback leave from the same socket. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "osc/internal.h"

#define TICK_MS       10  /* timers: feedback within 10 ms + the 30 Hz slot, meters, leases */
#define RX_BATCH      256 /* datagrams per wake-up before the timers run again */
#define DENIED_LOG_MS 10000

int64_t osc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* --- replies ------------------------------------------------------------------------------ */

void out_init(struct osc_out *out, struct osc *o, const struct osc_addr *to)
{
    out->o = o;
    out->to = to;
    oscw_bundle_init(&out->b);
}

void out_flush(struct osc_out *out)
{
    size_t len;
    const unsigned char *d = oscw_bundle_data(&out->b, &len);
    if (len) out->o->send(out->o->send_ctx, out->to, d, len);
    oscw_bundle_init(&out->b);
}

void out_add(struct osc_out *out, const unsigned char *msg, int len)
{
    if (len <= 0) return;
    if (oscw_bundle_add(&out->b, msg, (size_t)len) == 0) return;
    out_flush(out);
    if (oscw_bundle_add(&out->b, msg, (size_t)len) < 0) /* larger than a bundle: alone */
        out->o->send(out->o->send_ctx, out->to, msg, (size_t)len);
}

void out_msg(struct osc_out *out, const char *addr, const char *types, ...)
{
    /* Every argument list used here is of fixed kinds; rebuild it through the builder. */
    struct oscw_builder *b = &out->o->bld;
    va_list ap;
    oscw_b_init(b);
    va_start(ap, types);
    for (const char *t = types; *t; t++) {
        if (*t == 'i')
            oscw_b_int(b, (int32_t)va_arg(ap, int));
        else if (*t == 'f')
            oscw_b_float(b, (float)va_arg(ap, double));
        else if (*t == 's')
            oscw_b_str(b, va_arg(ap, const char *));
        else if (*t == 'h')
            oscw_b_int64(b, va_arg(ap, int64_t));
    }
    va_end(ap);
    int len = oscw_b_finish(b, addr, out->o->bigmsg, sizeof out->o->bigmsg);
    if (len > 0) out_add(out, out->o->bigmsg, len);
}

void out_error(struct osc_out *out, const char *path, const char *reason)
{
    char p[208];
    snprintf(p, sizeof p, "%.200s", path);
    out_msg(out, "/error", "ss", p, reason);
}

/* --- the socket --------------------------------------------------------------------------- */

static void sock_send(void *ctx, const struct osc_addr *to, const void *data, size_t len)
{
    struct osc *o = ctx;
    struct osc_addr a = *to;
    /* A dual-stack socket (bound to ::) reaches IPv4 targets through mapped addresses. */
    if (to->ss.ss_family == AF_INET && o->sock_family == AF_INET6) {
        const struct sockaddr_in *v4 = (const void *)&to->ss;
        struct sockaddr_in6 *v6 = (void *)&a.ss;
        memset(&a, 0, sizeof a);
        v6->sin6_family = AF_INET6;
        v6->sin6_port = v4->sin_port;
        v6->sin6_addr.s6_addr[10] = v6->sin6_addr.s6_addr[11] = 0xff;
        memcpy(v6->sin6_addr.s6_addr + 12, &v4->sin_addr, 4);
        a.len = sizeof *v6;
    }
    /* Non-blocking: a full socket buffer drops this datagram rather than stall the loop. */
    sendto(o->fd, data, len, MSG_DONTWAIT, (const struct sockaddr *)&a.ss, a.len);
}

static int open_socket(struct osc *o, char *err, size_t errlen)
{
    struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *res;
    char port[16];
    snprintf(port, sizeof port, "%u", o->cfg.port);
    int rc = getaddrinfo(o->cfg.bind, port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "--bind %s: %s (give an address such as 127.0.0.1, 0.0.0.0 or ::)",
                 o->cfg.bind, gai_strerror(rc));
        return -EINVAL;
    }
    int fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        rc = -errno;
        freeaddrinfo(res);
        snprintf(err, errlen, "OSC socket: %s", strerror(-rc));
        return rc;
    }
    if (res->ai_family == AF_INET6) {
        int no = 0; /* "::" takes IPv4 too */
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &no, sizeof no);
    }
    /* Room for bursts from several surfaces at once (capped by net.core.rmem_max). */
    int big = 1 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    if (bind(fd, res->ai_addr, res->ai_addrlen) < 0) {
        rc = -errno;
        snprintf(err, errlen, "OSC: cannot bind %s port %u: %s%s", o->cfg.bind, o->cfg.port,
                 strerror(-rc), rc == -EADDRINUSE ? " (another stemd? choose --osc-port)" : "");
        close(fd);
        freeaddrinfo(res);
        return rc;
    }
    o->sock_family = res->ai_family;
    freeaddrinfo(res);
    o->fd = fd;
    return 0;
}

/* --- the module --------------------------------------------------------------------------- */

int osc_create(struct stemd *sd, const struct osc_config *c, osc_send_fn fn, void *ctx,
               struct osc **out, char *err, size_t errlen)
{
    struct osc *o = calloc(1, sizeof *o);
    int rc;
    *out = NULL;
    if (!o) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    o->sd = sd;
    o->cfg = *c;
    o->fd = -1;
    pthread_mutex_init(&o->re_lock, NULL);
    pthread_mutex_init(&o->pub_lock, NULL);
    pthread_mutex_init(&o->notice_lock, NULL);
    o->names = stemd_names(sd);
    o->lookup = stemd_lookup(sd);
    o->nstems = stemd_nstems(sd);
    o->nparams = params_count(o->nstems);
    o->send = fn ? fn : sock_send;
    o->send_ctx = fn ? ctx : o;
    o->mtake = mix_meters_new(o->nstems);
    if (!o->mtake || osc_feedback_init(o) < 0 || osc_dispatch_init(o) < 0) {
        osc_destroy(o);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    if ((rc = osc_add_feedback_targets(o, err, errlen)) < 0) {
        osc_destroy(o);
        return rc;
    }
    *out = o;
    return 0;
}

int osc_attach(struct osc *o, char *err, size_t errlen)
{
    int rc = stemd_add_listener(o->sd, osc_listener, o);
    if (rc < 0) snprintf(err, errlen, "OSC: the server has no room for another change listener");
    return rc;
}

void osc_destroy(struct osc *o)
{
    if (!o) return;
    for (unsigned i = 0; i < OSC_MAX_CLIENTS; i++)
        osc_meter_acc_free(&o->clients[i].acc);
    osc_feedback_fini(o);
    osc_dispatch_fini(o);
    osc_transfers_free(o);
    free(o->mtake);
    if (o->fd >= 0) close(o->fd);
    pthread_mutex_destroy(&o->re_lock);
    pthread_mutex_destroy(&o->pub_lock);
    pthread_mutex_destroy(&o->notice_lock);
    free(o);
}

static void log_denied(struct osc *o, const struct osc_addr *from, int64_t now)
{
    o->denied++;
    if (now - o->denied_log_ms < DENIED_LOG_MS && o->denied_log_ms) return;
    char who[80];
    osc_addr_str(from, who, sizeof who);
    log_warn("OSC: dropped %llu packet(s) from outside --allow (latest from %s); add its network "
             "with --allow to let it in",
             (unsigned long long)(o->denied - o->denied_logged), who);
    o->denied_logged = o->denied;
    o->denied_log_ms = now;
}

/* How many messages a datagram carries, for the rate limit (a bundle counts its elements). */
static unsigned count_msgs(const unsigned char *data, size_t len)
{
    if (!oscw_is_bundle(data, len)) return 1;
    size_t off = 0, el;
    const unsigned char *e;
    const char *why;
    unsigned n = 0;
    while (n <= OSC_MAX_ELEMS && oscw_bundle_next(data, len, &off, &e, &el, &why) == 1)
        n++;
    return n ? n : 1;
}

void osc_input(struct osc *o, const unsigned char *data, size_t len, const struct osc_addr *from,
               int64_t now)
{
    o->rx_packets++;
    if (!osc_allowed(&o->cfg, from)) {
        log_denied(o, from, now);
        return;
    }
    if (len == 0 || (data[0] != '/' && !oscw_is_bundle(data, len))) {
        o->not_osc++; /* not OSC at all: dropped without an answer */
        return;
    }
    /* Per-client limits alone can be dodged by sending from ever new ports: new senders are
     * taken in at OSC_NEW_CLIENTS a second; known ones (a surface already talking) always. */
    if (now - o->global_win_ms >= 1000) {
        o->global_win_ms = now;
        o->global_count = 0;
    }
    int may_create = o->global_count < OSC_NEW_CLIENTS;
    struct osc_client *c = osc_client_get(o, from, now, may_create);
    if (!c) {
        o->flood_dropped++;
        o->churn_dropped++;
        if (now - o->churn_told_ms >= 1000) {
            char who[80];
            osc_addr_str(from, who, sizeof who);
            if (may_create)
                log_warn("OSC: %u subscribed senders fill the client table: %llu packet(s) from "
                         "new senders dropped (latest from %s); let some unsubscribe",
                         OSC_MAX_CLIENTS, (unsigned long long)o->churn_dropped, who);
            else
                log_warn("OSC: more than %u new senders a second: %llu packet(s) dropped (latest "
                         "from %s); a surface should send from one port, a script reuse its "
                         "socket",
                         OSC_NEW_CLIENTS, (unsigned long long)o->churn_dropped, who);
            o->churn_dropped = 0;
            o->churn_told_ms = now;
        }
        return;
    }
    if (!osc_client_admit(o, c, count_msgs(data, len), now)) return;
    osc_clients_renew(o, from, now);
    osc_dispatch(o, c, from, data, len, now);
}

void osc_reconfigure(struct osc *o, const struct osc_config *c)
{
    if (!o) return;
    pthread_mutex_lock(&o->re_lock);
    o->re_cfg = *c;
    atomic_store(&o->re_pending, 1);
    pthread_mutex_unlock(&o->re_lock);
}

/* The OSC thread's half of osc_reconfigure. */
static void apply_reconfigure(struct osc *o, int64_t now)
{
    struct osc_config c;
    struct osc_addr fb[OSC_MAX_FEEDBACK];
    char err[256];
    int keep_fb = 0;
    pthread_mutex_lock(&o->re_lock);
    c = o->re_cfg;
    atomic_store(&o->re_pending, 0);
    pthread_mutex_unlock(&o->re_lock);

    if (c.port != o->cfg.port || strcmp(c.bind, o->cfg.bind) != 0)
        log_warn("SIGHUP: osc-port and bind change only on a restart of stemd; keeping udp %s "
                 "port %u",
                 o->cfg.bind, o->cfg.port);
    for (unsigned i = 0; i < c.nfeedback && !keep_fb; i++)
        if (osc_resolve_hostport(c.feedback[i], &fb[i], err, sizeof err) < 0) {
            log_err("SIGHUP: %s; keeping the running --feedback targets", err);
            keep_fb = 1;
        }
    memcpy(o->cfg.allow, c.allow, sizeof c.allow);
    o->cfg.nallow = c.nallow;
    o->cfg.allow_given = c.allow_given;
    o->cfg.lease_s = c.lease_s;
    o->cfg.meter_rate_hz = c.meter_rate_hz;
    o->cfg.rate_limit = c.rate_limit;
    if (!keep_fb) {
        for (unsigned i = 0; i < OSC_MAX_CLIENTS; i++)
            if (o->clients[i].used && o->clients[i].permanent) osc_unsubscribe(o, &o->clients[i]);
        memcpy(o->cfg.feedback, c.feedback, sizeof c.feedback);
        o->cfg.nfeedback = c.nfeedback;
        for (unsigned i = 0; i < c.nfeedback; i++) {
            struct osc_client *fc = osc_client_get(o, &fb[i], now, 1);
            if (!fc || osc_subscribe(o, fc, &fb[i], FL_UNITS, 0, 1, now) < 0)
                log_err("SIGHUP: no room for --feedback %s", c.feedback[i]);
        }
    }
    log_notice("OSC settings reloaded: %u networks allowed, lease %.0f s, meters %u Hz, rate limit "
               "%u/s, %u feedback targets",
               o->cfg.nallow, o->cfg.lease_s, o->cfg.meter_rate_hz, o->cfg.rate_limit,
               o->cfg.nfeedback);
}

void osc_tick(struct osc *o, int64_t now)
{
    if (atomic_load(&o->re_pending)) apply_reconfigure(o, now);
    osc_clients_expire(o, now);
    osc_transfers_expire(o, now);
    osc_jobs_run(o);
    osc_feedback_flush(o, now);
    osc_notices_flush(o);
    osc_meters_tick(o, now);
    osc_learn_tick(o, now);
    if (now >= o->next_pub_ms) {
        osc_clients_publish(o, now);
        o->next_pub_ms = now + OSC_PUB_PERIOD_MS;
    }
}

static int jobs_active(const struct osc *o)
{
    for (unsigned i = 0; i < OSC_MAX_JOBS; i++)
        if (o->jobs[i].kind != JOB_NONE) return 1;
    return 0;
}

static void *osc_main(void *arg)
{
    struct osc *o = arg;
    unsigned char *rx = malloc(OSC_RX_MAX);
    int64_t next_tick = 0;
    if (!rx) {
        log_err("OSC: out of memory: OSC stopped");
        return NULL;
    }
    while (!atomic_load(&o->stop)) {
        int64_t now = osc_now_ms();
        int timeout = jobs_active(o) ? 2 : (int)(next_tick > now ? next_tick - now : 0);
        struct pollfd pfd = {.fd = o->fd, .events = POLLIN};
        if (poll(&pfd, 1, timeout > TICK_MS ? TICK_MS : timeout) > 0) {
            for (int i = 0; i < RX_BATCH; i++) {
                struct osc_addr from;
                from.len = sizeof from.ss;
                ssize_t n = recvfrom(o->fd, rx, OSC_RX_MAX, MSG_DONTWAIT,
                                     (struct sockaddr *)&from.ss, &from.len);
                if (n < 0) break;
                osc_input(o, rx, (size_t)n, &from, osc_now_ms());
            }
        }
        now = osc_now_ms();
        if (now >= next_tick || jobs_active(o)) {
            osc_tick(o, now);
            next_tick = now + TICK_MS;
        }
    }
    free(rx);
    return NULL;
}

int osc_start(struct stemd *sd, const struct osc_config *c, struct osc **out, char *err,
              size_t errlen)
{
    struct osc *o;
    int rc;
    *out = NULL;
    if (c->port == 0) {
        log_info("OSC off (--osc-port 0)");
        return 0;
    }
    if ((rc = osc_create(sd, c, NULL, NULL, &o, err, errlen)) < 0) return rc;
    if ((rc = open_socket(o, err, errlen)) < 0 || (rc = osc_attach(o, err, errlen)) < 0) {
        osc_destroy(o);
        return rc;
    }
    /* Before the OSC thread starts: from then on the client table is its own. */
    for (unsigned i = 0; i < OSC_MAX_CLIENTS; i++) {
        const struct osc_client *fc = &o->clients[i];
        char to[80];
        if (fc->used && fc->permanent && fc->dst.ss.ss_family == AF_INET6 &&
            o->sock_family == AF_INET) {
            osc_addr_str(&fc->dst, to, sizeof to);
            log_warn("OSC: --feedback %s is IPv6 but --bind %s is IPv4: nothing will reach it "
                     "(use --bind ::)",
                     to, o->cfg.bind);
        }
    }
    if ((rc = pthread_create(&o->thread, NULL, osc_main, o)) != 0) {
        snprintf(err, errlen, "OSC thread: %s", strerror(rc));
        osc_destroy(o);
        return -rc;
    }
    o->thread_started = 1;
    log_notice("OSC on udp %s port %u (%u networks allowed, lease %.0f s, meters %u Hz)", c->bind,
               c->port, c->nallow, c->lease_s, c->meter_rate_hz);
    *out = o;
    return 0;
}

void osc_stop(struct osc *o)
{
    if (!o) return;
    atomic_store(&o->stop, 1);
    if (o->thread_started) pthread_join(o->thread, NULL);
    log_info("OSC stopped: %llu packets, %llu denied, %llu not OSC, %llu over the rate limit",
             (unsigned long long)o->rx_packets, (unsigned long long)o->denied,
             (unsigned long long)o->not_osc, (unsigned long long)o->flood_dropped);
    osc_destroy(o);
}
