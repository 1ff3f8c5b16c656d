/* osc/clients.c: the senders we remember: rate limits, subscriptions and their leases, and the
 * --feedback targets. A fixed table: memory stays bounded whatever clients send. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "osc/internal.h"

static void client_clear(struct osc_client *c)
{
    osc_meter_acc_free(&c->acc);
    memset(c, 0, sizeof *c);
}

struct osc_client *osc_client_get(struct osc *o, const struct osc_addr *from, int64_t now,
                                  int may_create)
{
    struct osc_client *free_slot = NULL, *oldest = NULL;
    for (unsigned i = 0; i < OSC_MAX_CLIENTS; i++) {
        struct osc_client *c = &o->clients[i];
        if (c->used && osc_addr_eq(&c->addr, from)) {
            c->last_ms = now;
            return c;
        }
        if (!c->used && !free_slot) free_slot = c;
        if (c->used && !c->sub && (!oldest || c->last_ms < oldest->last_ms)) oldest = c;
    }
    /* Full: forget the longest-silent sender without a subscription. */
    struct osc_client *c = free_slot ? free_slot : oldest;
    if (!c || !may_create) return NULL;
    o->global_count++;
    client_clear(c);
    c->used = 1;
    c->id = ++o->next_id;
    c->addr = *from;
    c->last_ms = now;
    c->win_ms = now;
    return c;
}

int osc_client_admit(struct osc *o, struct osc_client *c, unsigned nmsgs, int64_t now)
{
    if (now - c->win_ms >= 1000) {
        if (c->flood_dropped) {
            char who[80];
            osc_addr_str(&c->addr, who, sizeof who);
            log_warn("OSC: %s sent more than %u messages/s: %llu dropped", who, o->cfg.rate_limit,
                     (unsigned long long)c->flood_dropped);
        }
        c->win_ms = now;
        c->win_count = 0;
        c->flood_dropped = 0;
    }
    if (c->win_count + nmsgs <= o->cfg.rate_limit) {
        c->win_count += nmsgs;
        return 1;
    }
    c->win_count = o->cfg.rate_limit;
    c->flood_dropped += nmsgs;
    c->dropped_total += nmsgs;
    o->flood_dropped += nmsgs;
    if (now - c->flood_told_ms >= 1000) {
        /* Told once a second, so the warning itself cannot become a flood. */
        struct osc_out out;
        char why[128];
        c->flood_told_ms = now;
        snprintf(why, sizeof why,
                 "rate limit: more than %u messages/s; the excess is dropped "
                 "(send less, or raise --rate-limit)",
                 o->cfg.rate_limit);
        out_init(&out, o, &c->addr);
        out_error(&out, "", why);
        out_flush(&out);
    }
    return 0;
}

unsigned osc_subscribers(const struct osc *o)
{
    unsigned n = 0;
    for (unsigned i = 0; i < OSC_MAX_CLIENTS; i++)
        n += o->clients[i].used && o->clients[i].sub;
    return n;
}

int osc_subscribe(struct osc *o, struct osc_client *c, const struct osc_addr *dst,
                  enum osc_flavour fl, int by_name, int permanent, int64_t now)
{
    if (!c->sub && osc_subscribers(o) >= OSC_MAX_SUBS) return -ENOSPC;
    if (!c->acc.m && osc_meter_acc_init(o, &c->acc) < 0) return -ENOMEM;
    if (!c->sub) {
        c->meter_hz = o->cfg.meter_rate_hz;
        c->next_meter_ms = now;
    }
    c->sub = 1;
    c->permanent |= permanent;
    c->dst = *dst;
    c->flavour = fl;
    c->by_name = by_name;
    c->lease_until_ms = now + (int64_t)(o->cfg.lease_s * 1000);
    char who[80], to[80];
    osc_addr_str(&c->addr, who, sizeof who);
    osc_addr_str(dst, to, sizeof to);
    log_info("OSC: %s subscribed (feedback to %s, %s)", who, to, fl == FL_NORM ? "norm" : "units");
    return 0;
}

void osc_unsubscribe(struct osc *o, struct osc_client *c)
{
    (void)o;
    c->sub = 0;
    c->permanent = 0;
    osc_meter_acc_free(&c->acc);
}

void osc_clients_renew(struct osc *o, const struct osc_addr *from, int64_t now)
{
    /* Any packet renews: from the subscribed sender, or from its feedback address (a surface
     * that sends from the port it listens on). */
    int64_t until = now + (int64_t)(o->cfg.lease_s * 1000);
    for (unsigned i = 0; i < OSC_MAX_CLIENTS; i++) {
        struct osc_client *c = &o->clients[i];
        if (c->used && c->sub && (osc_addr_eq(&c->addr, from) || osc_addr_eq(&c->dst, from)))
            c->lease_until_ms = until;
    }
}

void osc_clients_expire(struct osc *o, int64_t now)
{
    for (unsigned i = 0; i < OSC_MAX_CLIENTS; i++) {
        struct osc_client *c = &o->clients[i];
        if (c->used && c->sub && !c->permanent && now > c->lease_until_ms) {
            char who[80];
            osc_addr_str(&c->addr, who, sizeof who);
            log_info("OSC: subscription of %s expired (no packet for %.1f s)", who, o->cfg.lease_s);
            osc_unsubscribe(o, c);
        }
    }
}

void osc_clients_publish(struct osc *o, int64_t now)
{
    /* Built outside the lock (the addresses' text is the cost), copied in under it: the lock is
     * held for a memcpy, so a reader never holds the OSC thread up for long. */
    struct osc_client_info tmp[OSC_MAX_CLIENTS];
    unsigned n = 0;
    for (unsigned i = 0; i < OSC_MAX_CLIENTS; i++) {
        const struct osc_client *c = &o->clients[i];
        if (!c->used) continue;
        struct osc_client_info *x = &tmp[n++];
        memset(x, 0, sizeof *x);
        osc_addr_str(&c->addr, x->addr, sizeof x->addr);
        x->idle_s = (double)(now - c->last_ms) / 1000.0;
        x->subscribed = c->sub;
        x->permanent = c->sub && c->permanent;
        if (c->sub) osc_addr_str(&c->dst, x->feedback, sizeof x->feedback);
        x->flavour = c->flavour == FL_NORM ? "norm" : "units";
        x->paths = c->by_name ? "names" : "index";
        if (c->sub && !c->permanent && c->lease_until_ms > now)
            x->lease_s = (double)(c->lease_until_ms - now) / 1000.0;
        x->meter_hz = c->sub ? c->meter_hz : 0;
        x->dropped = (unsigned long long)c->dropped_total;
    }
    pthread_mutex_lock(&o->pub_lock);
    memcpy(o->pub, tmp, n * sizeof *tmp);
    o->npub = n;
    o->pub_ms = now;
    pthread_mutex_unlock(&o->pub_lock);
}

unsigned osc_clients_snapshot(struct osc *o, struct osc_client_info *out, unsigned max)
{
    if (!o) return 0;
    pthread_mutex_lock(&o->pub_lock);
    unsigned n = o->npub < max ? o->npub : max;
    memcpy(out, o->pub, n * sizeof *out);
    int64_t pub_ms = o->pub_ms;
    pthread_mutex_unlock(&o->pub_lock);
    /* The copy is up to OSC_PUB_PERIOD_MS old: bring its clocks to now. */
    double age = (double)(osc_now_ms() - pub_ms) / 1000.0;
    if (age < 0) age = 0;
    for (unsigned i = 0; i < n; i++) {
        out[i].idle_s += age;
        if (out[i].lease_s > 0) out[i].lease_s = out[i].lease_s > age ? out[i].lease_s - age : 0;
    }
    return n;
}

int osc_add_feedback_targets(struct osc *o, char *err, size_t errlen)
{
    for (unsigned i = 0; i < o->cfg.nfeedback; i++) {
        struct osc_addr a;
        if (osc_resolve_hostport(o->cfg.feedback[i], &a, err, errlen) < 0) return -EINVAL;
        struct osc_client *c = osc_client_get(o, &a, osc_now_ms(), 1);
        if (!c || osc_subscribe(o, c, &a, FL_UNITS, 0, 1, osc_now_ms()) < 0) {
            snprintf(err, errlen, "--feedback: too many targets");
            return -ENOSPC;
        }
    }
    return 0;
}
