/* server/config.c: command line (getopt_long) and "key = value" config file, same option names. */
#include "server/config.h"
#include "dsp/params.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/log.h"

#define DEFAULT_STEMS "drums,bass,music,vocals"

enum opt_id {
    OPT_STEMS = 1,
    OPT_JACK_NAME,
    OPT_JACK_SERVER,
    OPT_CONNECT_OUT,
    OPT_CONNECT,
    OPT_CONNECT_MIDI_IN,
    OPT_CONNECT_MIDI_OUT,
    OPT_PRESET,
    OPT_STATE_DIR,
    OPT_RECORD_DIR,
    OPT_PRESET_DIR,
    OPT_CONFIG,
    OPT_LOG_LEVEL,
    OPT_NO_WAIT,
    OPT_VERSION,
    OPT_HELP,
    OPT_EXTRA /* every option of the extra layer (struct config_extra): handed over by name */
};

static const struct option long_opts[] = {
    {"stems", required_argument, NULL, OPT_STEMS},
    {"jack-name", required_argument, NULL, OPT_JACK_NAME},
    {"jack-server", required_argument, NULL, OPT_JACK_SERVER},
    {"connect-out", required_argument, NULL, OPT_CONNECT_OUT},
    {"connect", required_argument, NULL, OPT_CONNECT},
    {"connect-midi-in", required_argument, NULL, OPT_CONNECT_MIDI_IN},
    {"connect-midi-out", required_argument, NULL, OPT_CONNECT_MIDI_OUT},
    {"preset", required_argument, NULL, OPT_PRESET},
    {"state-dir", required_argument, NULL, OPT_STATE_DIR},
    {"record-dir", required_argument, NULL, OPT_RECORD_DIR},
    {"preset-dir", required_argument, NULL, OPT_PRESET_DIR},
    {"config", required_argument, NULL, OPT_CONFIG},
    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
    {"no-wait", no_argument, NULL, OPT_NO_WAIT},
    {"version", no_argument, NULL, OPT_VERSION},
    {"help", no_argument, NULL, OPT_HELP},
};
#define NOWN (sizeof long_opts / sizeof long_opts[0])

/* stemd's options, then the extra layer's, then the terminator getopt_long wants. */
static void build_opts(struct option *o, const struct config_extra *x)
{
    unsigned n = NOWN;
    memcpy(o, long_opts, sizeof long_opts);
    for (unsigned i = 0; x && x->keys[i] && n < NOWN + CONFIG_EXTRA_KEYS; i++)
        o[n++] = (struct option){x->keys[i], required_argument, NULL, OPT_EXTRA};
    for (unsigned i = 0; x && x->flags && x->flags[i] && n < NOWN + CONFIG_EXTRA_KEYS; i++)
        o[n++] = (struct option){x->flags[i], no_argument, NULL, OPT_EXTRA};
    o[n] = (struct option){NULL, 0, NULL, 0};
}

void config_usage(FILE *f, const struct config_extra *x)
{
    fprintf(
        f,
        "Usage: stemd [OPTION]...\n"
        "Real-time stem-mastering server for JACK: N stereo stems in, a mastered stereo bus out.\n"
        "\n"
        "  --stems LIST|N         stem names, comma-separated ([A-Za-z][A-Za-z0-9_-]*, unique),\n"
        "                         or a count N (stem1..stemN)     [" DEFAULT_STEMS "]\n"
        "  --jack-name NAME       JACK client name                   [stemd]\n"
        "  --jack-server NAME     JACK server to join       [$JACK_DEFAULT_SERVER, else default]\n"
        "  --connect-out L,R      connect the master to these ports          [none]\n"
        "  --connect STEM=L,R     feed stem STEM (name or 1-based index) from these ports;\n"
        "                         repeatable                                 [none]\n"
        "  --connect-midi-in PORT feed midi_in from this JACK MIDI port (a control surface,\n"
        "                         e.g. through a2jmidid); repeatable, at most 8  [none]\n"
        "  --connect-midi-out PORT\n"
        "                         send midi_out (motor faders, LEDs) to this JACK MIDI port;\n"
        "                         repeatable, at most 8                      [none]\n"
        "  --preset FILE          apply this preset at start, over the saved state [none]\n"
        "  --state-dir DIR        keep the parameters in DIR/JACKNAME.state, saved a second\n"
        "                         after each change and at exit; loaded at start  [none]\n"
        "  --record-dir DIR       where /record/start (OSC, stemctl record) writes the master:\n"
        "                         32-bit float WAV/RF64, finished on stop and exit  [off]\n"
        "  --preset-dir DIR       the preset library of /preset/save, /preset/load (OSC,\n"
        "                         stemctl preset): created when missing        [off]\n"
        "  --config FILE          read these options as 'key = value' lines (e.g.\n"
        "                         'stems = drums,bass'); the command line wins  [none]\n"
        "  --log-level LEVEL      error, warning, notice, info or debug       [info]\n"
        "  --no-wait              exit if no JACK server is running instead of waiting\n"
        "  --version              print the version and exit\n"
        "  --help                 print this help and exit\n"
        "\n"
        "Environment:\n"
        "  JACK_DEFAULT_SERVER    the JACK server name when --jack-server is not given\n"
        "  NOTIFY_SOCKET, WATCHDOG_USEC, WATCHDOG_PID   systemd notification and watchdog\n"
        "\n"
        "Signals: SIGTERM/SIGINT save the state and exit; SIGHUP re-reads --config.\n"
        "stemd never forks; it logs to stderr (with journald <N> level prefixes when stderr\n"
        "is not a terminal).\n"
        "\n"
        "Example:\n"
        "  stemd --stems drums,bass,music,vocals --connect-out system:playback_1,system:playback_2 "
        "\\\n"
        "        --connect drums=ardour:drums/out\\ 1,ardour:drums/out\\ 2 --state-dir "
        "~/.local/state/stemd\n");
    if (x) fprintf(f, "\n%s\n%s", x->title, x->help);
}

int config_parse_stems(struct stemd_config *c, const char *spec, char *err, size_t errlen)
{
    char *end;
    errno = 0;
    long n = strtol(spec, &end, 10);
    if (end != spec && *end == 0) {
        if (n < 1 || n > STEMD_MAX_STEMS) {
            snprintf(err, errlen, "--stems %s: give 1 to %d stems", spec, STEMD_MAX_STEMS);
            return -EINVAL;
        }
        c->nstems = (unsigned)n;
        for (unsigned k = 0; k < c->nstems; k++)
            snprintf(c->names[k], sizeof c->names[k], "stem%u", k + 1);
        return 0;
    }
    unsigned k = 0;
    const char *s = spec;
    for (;;) {
        size_t len = strcspn(s, ",");
        if (k == STEMD_MAX_STEMS) {
            snprintf(err, errlen, "--stems: at most %d stems", STEMD_MAX_STEMS);
            return -EINVAL;
        }
        /* The one rule for stem names (dsp/params.h), shared with stemd-render. */
        char name[STEMD_STEM_NAME_MAX + 1], why[160];
        size_t cut = len < sizeof name - 1 ? len : sizeof name - 1;
        memcpy(name, s, cut);
        name[cut] = 0;
        if (len >= STEMD_STEM_NAME_MAX || params_stem_name_valid(name, why, sizeof why) < 0) {
            if (len >= STEMD_STEM_NAME_MAX)
                snprintf(why, sizeof why, "a stem name has 1 to %d characters",
                         STEMD_STEM_NAME_MAX - 1);
            snprintf(err, errlen, "--stems: %s", why);
            return -EINVAL;
        }
        memcpy(c->names[k], name, len + 1);
        for (unsigned j = 0; j < k; j++)
            if (strcmp(c->names[j], c->names[k]) == 0) {
                snprintf(err, errlen, "--stems: stem name '%s' is given twice", c->names[k]);
                return -EINVAL;
            }
        k++;
        if (!s[len]) break;
        s += len + 1;
    }
    c->nstems = k;
    return 0;
}

static int copy_str(char *dst, size_t cap, const char *src, const char *opt, char *err,
                    size_t errlen)
{
    if (strlen(src) >= cap) {
        snprintf(err, errlen, "--%s: value longer than %zu bytes", opt, cap - 1);
        return -EINVAL;
    }
    strcpy(dst, src);
    return 0;
}

/* "A,B" into two port names. */
static int split_pair(const char *v, char out[2][CONFIG_PORT_MAX], const char *opt, char *err,
                      size_t errlen)
{
    const char *comma = strchr(v, ',');
    if (!comma || comma == v || !comma[1] || strchr(comma + 1, ',')) {
        snprintf(err, errlen, "--%s %s: give two ports, left and right, as PORT,PORT", opt, v);
        return -EINVAL;
    }
    size_t l = (size_t)(comma - v);
    if (l >= CONFIG_PORT_MAX || strlen(comma + 1) >= CONFIG_PORT_MAX) {
        snprintf(err, errlen, "--%s: port name too long", opt);
        return -EINVAL;
    }
    memcpy(out[0], v, l);
    out[0][l] = 0;
    strcpy(out[1], comma + 1);
    return 0;
}

static int apply_opt(struct stemd_config *c, int id, const char *key, const char *val, char *err,
                     size_t errlen)
{
    int lvl;
    switch (id) {
    case OPT_EXTRA:
        return c->extra->option(c->extra->values, key, val ? val : "1", err, errlen);
    case OPT_STEMS:
        return config_parse_stems(c, val, err, errlen);
    case OPT_JACK_NAME:
        if (!val[0]) {
            snprintf(err, errlen, "--jack-name: give a non-empty name");
            return -EINVAL;
        }
        return copy_str(c->jack_name, sizeof c->jack_name, val, "jack-name", err, errlen);
    case OPT_JACK_SERVER:
        return copy_str(c->jack_server, sizeof c->jack_server, val, "jack-server", err, errlen);
    case OPT_CONNECT_OUT:
        return split_pair(val, c->connect_out, "connect-out", err, errlen);
    case OPT_CONNECT:
        if (c->nconnect == CONFIG_CONNECT_MAX) {
            snprintf(err, errlen, "--connect: at most %d", CONFIG_CONNECT_MAX);
            return -EINVAL;
        }
        return copy_str(c->connect_spec[c->nconnect++], sizeof c->connect_spec[0], val, "connect",
                        err, errlen);
    case OPT_CONNECT_MIDI_IN:
    case OPT_CONNECT_MIDI_OUT: {
        unsigned d = id == OPT_CONNECT_MIDI_OUT;
        if (!val[0] || c->nconnect_midi[d] == CONFIG_MIDI_CONNECT_MAX) {
            snprintf(err, errlen, "--%s: %s", key,
                     val[0] ? "at most 8 ports" : "give a JACK MIDI port name");
            return -EINVAL;
        }
        return copy_str(c->connect_midi[d][c->nconnect_midi[d]++], CONFIG_PORT_MAX, val, key, err,
                        errlen);
    }
    case OPT_PRESET:
        return copy_str(c->preset, sizeof c->preset, val, "preset", err, errlen);
    case OPT_STATE_DIR:
        return copy_str(c->state_dir, sizeof c->state_dir, val, "state-dir", err, errlen);
    case OPT_RECORD_DIR:
        return copy_str(c->record_dir, sizeof c->record_dir, val, "record-dir", err, errlen);
    case OPT_PRESET_DIR:
        return copy_str(c->preset_dir, sizeof c->preset_dir, val, "preset-dir", err, errlen);
    case OPT_CONFIG:
        return copy_str(c->config, sizeof c->config, val, "config", err, errlen);
    case OPT_LOG_LEVEL:
        if ((lvl = log_parse_level(val)) < 0) {
            snprintf(err, errlen, "--log-level %s: use error, warning, notice, info or debug", val);
            return -EINVAL;
        }
        c->log_level = lvl;
        return 0;
    case OPT_NO_WAIT:
        if (val && strcmp(val, "1") && strcmp(val, "true") && strcmp(val, "yes") &&
            strcmp(val, "on")) {
            c->no_wait = 0;
            return 0;
        }
        c->no_wait = 1;
        return 0;
    default:
        snprintf(err, errlen, "option not allowed here");
        return -EINVAL;
    }
}

/* Resolve --connect STEM=L,R against the stem names. */
static int resolve_connects(struct stemd_config *c, char *err, size_t errlen)
{
    for (unsigned i = 0; i < c->nconnect; i++) {
        const char *spec = c->connect_spec[i], *eq = strchr(spec, '=');
        if (!eq || eq == spec) {
            snprintf(err, errlen, "--connect %s: write STEM=PORT,PORT (stem name or 1-based index)",
                     spec);
            return -EINVAL;
        }
        size_t l = (size_t)(eq - spec);
        int found = -1;
        for (unsigned k = 0; k < c->nstems; k++)
            if (strlen(c->names[k]) == l && strncmp(c->names[k], spec, l) == 0) found = (int)k;
        if (found < 0 && isdigit((unsigned char)spec[0])) {
            long v = strtol(spec, NULL, 10);
            if (v >= 1 && v <= (long)c->nstems) found = (int)v - 1;
        }
        if (found < 0) {
            snprintf(err, errlen, "--connect %s: no stem '%.*s' (see --stems)", spec, (int)l, spec);
            return -EINVAL;
        }
        c->connect[i].stem = (unsigned)found;
        if (split_pair(eq + 1, c->connect[i].src, "connect", err, errlen) < 0) return -EINVAL;
    }
    return 0;
}

static void set_defaults(struct stemd_config *c, const struct config_extra *x)
{
    char err[8];
    memset(c, 0, sizeof *c);
    config_parse_stems(c, DEFAULT_STEMS, err, sizeof err);
    c->extra = x;
    if (x) x->defaults(x->values);
    strcpy(c->jack_name, "stemd");
    c->log_level = LOG_INFO_;
}

static int opt_by_name(const struct option *opts, const char *key)
{
    for (const struct option *o = opts; o->name; o++)
        if (strcmp(o->name, key) == 0) return o->val;
    return 0;
}

/* An option that takes no value (--no-wait, an extra layer's flags): bare in a file too. */
static int opt_is_flag(const struct option *opts, const char *key)
{
    for (; opts->name; opts++)
        if (strcmp(opts->name, key) == 0) return opts->has_arg == no_argument;
    return 0;
}

/* Read "key = value" lines into c. '#' starts a comment; blank lines are skipped. */
static int load_file(struct stemd_config *c, const struct option *opts, const char *path, char *err,
                     size_t errlen)
{
    FILE *f = fopen(path, "re");
    if (!f) {
        int e = errno;
        snprintf(err, errlen, "cannot read config file %.300s: %s", path, strerror(e));
        return -e;
    }
    char line[4096];
    unsigned lineno = 0;
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        lineno++;
        char *h = strchr(line, '#'), *k = line, *v, *e;
        if (h) *h = 0;
        while (isspace((unsigned char)*k))
            k++;
        if (!*k) continue;
        for (e = k + strlen(k); e > k && isspace((unsigned char)e[-1]);)
            *--e = 0;
        v = strchr(k, '=');
        char key[64];
        size_t kl = v ? (size_t)(v - k) : strlen(k);
        while (kl && isspace((unsigned char)k[kl - 1]))
            kl--;
        if (kl >= sizeof key) kl = sizeof key - 1;
        memcpy(key, k, kl);
        key[kl] = 0;
        int id = opt_by_name(opts, key);
        if (!id || id == OPT_CONFIG || id == OPT_HELP || id == OPT_VERSION) {
            snprintf(err, errlen,
                     "%.300s:%u: unknown key '%s' (keys are the long options, e.g. "
                     "'stems = drums,bass')",
                     path, lineno, key);
            rc = -EINVAL;
            break;
        }
        if (v) {
            v++;
            while (isspace((unsigned char)*v))
                v++;
        }
        if (id != OPT_NO_WAIT && !opt_is_flag(opts, key) && (!v || !*v)) {
            snprintf(err, errlen, "%.300s:%u: '%s' needs a value: %s = VALUE", path, lineno, key,
                     key);
            rc = -EINVAL;
            break;
        }
        char msg[512];
        if (apply_opt(c, id, key, v && *v ? v : "1", msg, sizeof msg) < 0) {
            snprintf(err, errlen, "%.300s:%u: %.600s", path, lineno, msg);
            rc = -EINVAL;
        }
    }
    fclose(f);
    return rc;
}

int config_from_args(struct stemd_config *c, int argc, char **argv)
{
    return config_from_args_extra(c, NULL, argc, argv);
}

int config_from_args_extra(struct stemd_config *c, const struct config_extra *x, int argc,
                           char **argv)
{
    char err[1024];
    int ch, idx, cmdline_connects = 0, cmdline_midi[2] = {0, 0};
    unsigned char cmdline_extra[CONFIG_EXTRA_KEYS] = {0};
    struct option opts[NOWN + CONFIG_EXTRA_KEYS + 1];

    build_opts(opts, x);
    set_defaults(c, x);
    /* First pass: only --config, --help and --version, so the file is read before the rest of
     * the command line, which then overrides it. */
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (ch == OPT_HELP) {
            config_usage(stdout, x);
            return 1;
        }
        if (ch == OPT_VERSION) {
            printf("stemd %s\n", STEMD_VERSION);
            return 1;
        }
        if (ch == OPT_CONFIG && apply_opt(c, ch, "config", optarg, err, sizeof err) < 0) goto bad;
    }
    if (c->config[0] && load_file(c, opts, c->config, err, sizeof err) < 0) goto bad;
    opterr = 1;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "", opts, &idx)) != -1) {
        if (ch == '?' || ch == ':') {
            fprintf(stderr, "stemd: see stemd --help for the options\n");
            return -EINVAL;
        }
        if (ch == OPT_CONFIG) continue;
        if (ch == OPT_CONNECT && !cmdline_connects++)
            c->nconnect = 0; /* the command line's --connect list replaces the file's */
        if (ch == OPT_CONNECT_MIDI_IN && !cmdline_midi[0]++) c->nconnect_midi[0] = 0;
        if (ch == OPT_CONNECT_MIDI_OUT && !cmdline_midi[1]++) c->nconnect_midi[1] = 0;
        /* The command line's lists (OSC's --allow and --feedback) replace the file's. */
        if (ch == OPT_EXTRA && !cmdline_extra[idx - NOWN]++ && x->cmdline_first)
            x->cmdline_first(x->values, opts[idx].name);
        if (apply_opt(c, ch, opts[idx].name, optarg, err, sizeof err) < 0) goto bad;
    }
    if (optind < argc) {
        snprintf(err, sizeof err, "unexpected argument '%s' (options start with --)", argv[optind]);
        goto bad;
    }
    if (!c->jack_server[0] && getenv("JACK_DEFAULT_SERVER"))
        snprintf(c->jack_server, sizeof c->jack_server, "%s", getenv("JACK_DEFAULT_SERVER"));
    if (resolve_connects(c, err, sizeof err) < 0) goto bad;
    return 0;
bad:
    fprintf(stderr, "stemd: %s\n", err);
    return -EINVAL;
}

int config_reload(struct stemd_config *c, int argc, char **argv)
{
    const struct config_extra *x = c->extra;
    struct config_extra nx;
    struct stemd_config *n = malloc(sizeof *n);
    void *nv = x ? malloc(x->size) : NULL;
    if (!n || (x && !nv)) {
        free(n);
        free(nv);
        return -ENOMEM;
    }
    if (x) {
        nx = *x;
        nx.values = nv; /* the extra layer's values are parsed into a copy too */
    }
    /* Re-run the whole start-up parse, so the command line still wins over the file. */
    int rc = config_from_args_extra(n, x ? &nx : NULL, argc, argv);
    if (rc == 0) {
        memcpy(c, n, sizeof *c);
        c->extra = x;
        if (x) memcpy(x->values, nv, x->size);
    } else {
        log_err(
            "SIGHUP: config not reloaded (see the message above); keeping the running settings");
    }
    free(n);
    free(nv);
    return rc < 0 ? rc : 0;
}
