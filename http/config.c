/* http/config.c: the HTTP options (--http-port, --no-mdns), for the command line and the
 * config file alike. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

void http_config_defaults(struct http_config *c)
{
    memset(c, 0, sizeof *c);
    c->port = 7771;
}

const char *const *http_config_keys(void)
{
    static const char *const keys[] = {"http-port", NULL};
    return keys;
}

const char *const *http_config_flags(void)
{
    static const char *const flags[] = {"no-mdns", NULL};
    return flags;
}

const char *http_options_help(void)
{
    return "  --http-port PORT       OSCQuery and the status page (HTTP and WebSocket, TCP), on\n"
           "                         OSC's --bind and --allow; 0 turns HTTP off   [7771]\n"
           "  --no-mdns              do not advertise _oscjson._tcp and _osc._udp by mDNS\n"
           "                         (Avahi)                              [advertise]\n";
}

int http_config_option(struct http_config *c, const char *key, const char *value, char *err,
                       size_t errlen)
{
    if (!value) value = "";
    if (strcmp(key, "http-port") == 0) {
        char *end;
        errno = 0;
        unsigned long n = strtoul(value, &end, 10);
        if (!value[0] || value[0] == '-' || *end || errno || n > 65535) {
            snprintf(err, errlen, "--http-port '%.40s': give a whole number, 0 to 65535 (0 = off)",
                     value);
            return -EINVAL;
        }
        c->port = (unsigned)n;
        return 0;
    }
    if (strcmp(key, "no-mdns") == 0) {
        static const char *const yes[] = {"1", "true", "yes", "on"};
        static const char *const no[] = {"0", "false", "no", "off"};
        for (int i = 0; i < 4; i++) {
            if (strcmp(value, yes[i]) == 0) return c->no_mdns = 1, 0;
            if (strcmp(value, no[i]) == 0) return c->no_mdns = 0, 0;
        }
        snprintf(err, errlen, "no-mdns '%.40s': give 1/true/yes/on or 0/false/no/off", value);
        return -EINVAL;
    }
    return -ENOENT;
}
