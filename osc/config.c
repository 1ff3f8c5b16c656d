/* osc/config.c: the OSC options (--osc-port, --bind, --allow, --lease, --feedback,
 * --meter-rate, --rate-limit), shared by the command line and the config file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "osc/internal.h"

void osc_config_defaults(struct osc_config *c)
{
    memset(c, 0, sizeof *c);
    c->port = 7770;
    strcpy(c->bind, "127.0.0.1");
    osc_parse_cidr("127.0.0.1/32", &c->allow[0]);
    osc_parse_cidr("::1/128", &c->allow[1]);
    c->nallow = 2;
    c->lease_s = 60;
    c->meter_rate_hz = 20;
    c->rate_limit = 5000;
    strcpy(c->name, "stemd");
}

const char *osc_options_help(void)
{
    return "  --osc-port PORT        OSC (UDP) port; 0 turns OSC off             [7770]\n"
           "  --bind ADDR            OSC listens on this address (0.0.0.0 or :: for all)\n"
           "                                                                [127.0.0.1]\n"
           "  --allow CIDR[,CIDR]    clients allowed to talk OSC; repeatable; everything else\n"
           "                         is dropped and logged  [127.0.0.1/32,::1/128]\n"
           "  --lease SECONDS        an OSC subscription lasts this long after the client's\n"
           "                         last packet                                   [60]\n"
           "  --feedback HOST:PORT   send every change and the meters here, forever; repeatable\n"
           "  --meter-rate HZ        meters to subscribers, 0 = none (max 100)      [20]\n"
           "  --rate-limit N         OSC messages/s accepted per client; excess dropped [5000]\n";
}

const char *const *osc_config_keys(void)
{
    static const char *const keys[] = {"osc-port", "bind",       "allow",      "lease",
                                       "feedback", "meter-rate", "rate-limit", NULL};
    return keys;
}

void osc_config_list_restart(struct osc_config *c, const char *key)
{
    if (strcmp(key, "allow") == 0) c->allow_given = 0; /* the next --allow drops the list */
    if (strcmp(key, "feedback") == 0) c->nfeedback = 0;
}

static int parse_uint(const char *v, unsigned long lo, unsigned long hi, unsigned *out)
{
    char *end;
    if (!v || !*v || *v == '-') return -1;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (*end || errno || n < lo || n > hi) return -1;
    *out = (unsigned)n;
    return 0;
}

int osc_config_option(struct osc_config *c, const char *key, const char *value, char *err,
                      size_t errlen)
{
    if (!value) value = "";
    if (strcmp(key, "osc-port") == 0) {
        if (parse_uint(value, 0, 65535, &c->port) < 0) goto bad_range;
        return 0;
    }
    if (strcmp(key, "bind") == 0) {
        if (!value[0] || strlen(value) >= sizeof c->bind) {
            snprintf(err, errlen,
                     "--bind '%.40s': give an address such as 127.0.0.1, 0.0.0.0 or ::", value);
            return -EINVAL;
        }
        strcpy(c->bind, value);
        return 0;
    }
    if (strcmp(key, "allow") == 0) {
        if (!c->allow_given) {
            c->nallow = 0; /* an explicit list replaces the loopback default */
            c->allow_given = 1;
        }
        const char *s = value;
        do {
            char one[80];
            size_t l = strcspn(s, ",");
            struct osc_cidr cidr;
            if (l == 0 || l >= sizeof one) goto bad_cidr;
            memcpy(one, s, l);
            one[l] = 0;
            if (osc_parse_cidr(one, &cidr) < 0) goto bad_cidr;
            if (c->nallow == OSC_MAX_ALLOW) {
                snprintf(err, errlen, "--allow: at most %d networks", OSC_MAX_ALLOW);
                return -EINVAL;
            }
            c->allow[c->nallow++] = cidr;
            s += l;
        } while (*s++ == ',');
        return 0;
    bad_cidr:
        snprintf(err, errlen,
                 "--allow '%.80s': give networks as ADDR/BITS, comma-separated "
                 "(e.g. 192.168.1.0/24,::1)",
                 value);
        return -EINVAL;
    }
    if (strcmp(key, "lease") == 0) {
        char *end;
        double s = strtod(value, &end);
        if (!value[0] || *end || !(s >= 0.1 && s <= 86400)) {
            snprintf(err, errlen, "--lease '%.40s': give seconds, 0.1 to 86400", value);
            return -EINVAL;
        }
        c->lease_s = s;
        return 0;
    }
    if (strcmp(key, "feedback") == 0) {
        struct osc_addr a;
        if (c->nfeedback == OSC_MAX_FEEDBACK) {
            snprintf(err, errlen, "--feedback: at most %d targets", OSC_MAX_FEEDBACK);
            return -EINVAL;
        }
        if (strlen(value) >= OSC_HOST_MAX || osc_resolve_hostport(value, &a, err, errlen) < 0) {
            if (strlen(value) >= OSC_HOST_MAX)
                snprintf(err, errlen, "--feedback: HOST:PORT too long");
            return -EINVAL;
        }
        strcpy(c->feedback[c->nfeedback++], value);
        return 0;
    }
    if (strcmp(key, "meter-rate") == 0) {
        if (parse_uint(value, 0, 100, &c->meter_rate_hz) < 0) goto bad_range;
        return 0;
    }
    if (strcmp(key, "rate-limit") == 0) {
        if (parse_uint(value, 1, 1000000, &c->rate_limit) < 0) goto bad_range;
        return 0;
    }
    return -ENOENT;
bad_range:
    snprintf(err, errlen, "--%s '%.40s': give a whole number (%s)", key, value,
             strcmp(key, "osc-port") == 0     ? "0 to 65535, 0 = no OSC"
             : strcmp(key, "meter-rate") == 0 ? "0 to 100 Hz"
                                              : "1 to 1000000 messages/s");
    return -EINVAL;
}

int osc_config_take_args(struct osc_config *c, int *argc, char **argv, char *err, size_t errlen)
{
    int out = 1;
    for (int i = 1; i < *argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            while (i < *argc)
                argv[out++] = argv[i++];
            break;
        }
        if (strncmp(a, "--", 2) != 0) {
            argv[out++] = argv[i];
            continue;
        }
        char key[32];
        const char *eq = strchr(a + 2, '='), *val;
        size_t kl = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (kl >= sizeof key) {
            argv[out++] = argv[i];
            continue;
        }
        memcpy(key, a + 2, kl);
        key[kl] = 0;
        val = eq ? eq + 1 : (i + 1 < *argc ? argv[i + 1] : NULL);
        int rc = osc_config_option(c, key, val ? val : "", err, errlen);
        if (rc == -ENOENT) {
            argv[out++] = argv[i];
            continue;
        }
        if (rc < 0) return rc;
        if (!eq) i++; /* the value was the next argument */
    }
    *argc = out;
    argv[out] = NULL;
    return 0;
}
