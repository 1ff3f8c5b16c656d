/* http/mdns.c: advertise _oscjson._tcp (OSCQuery, the HTTP port) and _osc._udp (the OSC port)
 * through avahi-daemon, as OSCQuery clients (Chataigne, ossia score) discover servers. Avahi's
 * threaded poll runs the client in a thread of its own; without a daemon stemd runs the same and
 * says so once. */
#include <stdlib.h>
#include <string.h>

#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/thread-watch.h>

#include "http/internal.h"
#include "server/log.h"

struct http_mdns {
    AvahiThreadedPoll *poll;
    AvahiClient *client;
    AvahiEntryGroup *group;
    char *name; /* avahi_malloc'd: avahi_alternative_service_name replaces it on a collision */
    unsigned http_port, osc_port;
};

static void publish(struct http_mdns *m, AvahiClient *c);

static void group_cb(AvahiEntryGroup *g, AvahiEntryGroupState st, void *ctx)
{
    struct http_mdns *m = ctx;
    if (st == AVAHI_ENTRY_GROUP_ESTABLISHED) {
        log_info("mDNS: advertising '%s' as _oscjson._tcp port %u and _osc._udp port %u", m->name,
                 m->http_port, m->osc_port);
    } else if (st == AVAHI_ENTRY_GROUP_COLLISION) {
        char *n = avahi_alternative_service_name(m->name);
        log_notice("mDNS: the name '%s' is taken on the network; advertising as '%s'", m->name, n);
        avahi_free(m->name);
        m->name = n;
        avahi_entry_group_reset(g);
        publish(m, avahi_entry_group_get_client(g));
    } else if (st == AVAHI_ENTRY_GROUP_FAILURE) {
        log_warn("mDNS: advertising failed: %s",
                 avahi_strerror(avahi_client_errno(avahi_entry_group_get_client(g))));
    }
}

static void publish(struct http_mdns *m, AvahiClient *c)
{
    if (!m->group && !(m->group = avahi_entry_group_new(c, group_cb, m))) {
        log_warn("mDNS: cannot create an entry group: %s", avahi_strerror(avahi_client_errno(c)));
        return;
    }
    int rc =
        avahi_entry_group_add_service(m->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0, m->name,
                                      "_oscjson._tcp", NULL, NULL, (uint16_t)m->http_port, NULL);
    if (rc >= 0 && m->osc_port)
        rc =
            avahi_entry_group_add_service(m->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC, 0, m->name,
                                          "_osc._udp", NULL, NULL, (uint16_t)m->osc_port, NULL);
    if (rc >= 0) rc = avahi_entry_group_commit(m->group);
    if (rc < 0) log_warn("mDNS: cannot add the services: %s", avahi_strerror(rc));
}

static void client_cb(AvahiClient *c, AvahiClientState st, void *ctx)
{
    struct http_mdns *m = ctx;
    if (st == AVAHI_CLIENT_S_RUNNING) {
        publish(m, c);
    } else if (st == AVAHI_CLIENT_S_COLLISION || st == AVAHI_CLIENT_S_REGISTERING) {
        if (m->group) avahi_entry_group_reset(m->group); /* published again once running */
    } else if (st == AVAHI_CLIENT_FAILURE) {
        log_warn("mDNS: lost avahi-daemon (%s): no longer advertising",
                 avahi_strerror(avahi_client_errno(c)));
    }
}

struct http_mdns *http_mdns_start(const char *name, unsigned http_port, unsigned osc_port)
{
    struct http_mdns *m = calloc(1, sizeof *m);
    int err = 0;
    if (!m || !(m->poll = avahi_threaded_poll_new()) || !(m->name = avahi_strdup(name))) {
        log_warn("mDNS: out of memory: not advertising");
        goto fail;
    }
    m->http_port = http_port;
    m->osc_port = osc_port;
    m->client = avahi_client_new(avahi_threaded_poll_get(m->poll), 0, client_cb, m, &err);
    if (!m->client) {
        log_notice("mDNS: not advertising (%s: is avahi-daemon running?); OSCQuery is still on "
                   "HTTP port %u",
                   avahi_strerror(err), http_port);
        goto fail;
    }
    if (avahi_threaded_poll_start(m->poll) < 0) {
        log_warn("mDNS: cannot start Avahi's thread: not advertising");
        goto fail;
    }
    return m;
fail:
    if (m) {
        if (m->client) avahi_client_free(m->client);
        if (m->poll) avahi_threaded_poll_free(m->poll);
        avahi_free(m->name);
        free(m);
    }
    return NULL;
}

void http_mdns_stop(struct http_mdns *m)
{
    if (!m) return;
    avahi_threaded_poll_stop(m->poll);
    avahi_client_free(m->client); /* frees the group too: the records are withdrawn */
    avahi_threaded_poll_free(m->poll);
    avahi_free(m->name);
    free(m);
}
