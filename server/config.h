/* server/config.h: stemd's settings from the command line and a "key = value" config file. */
#ifndef STEMD_CONFIG_H
#define STEMD_CONFIG_H

#include <stdio.h>

#include "dsp/params.h"

#define CONFIG_PORT_MAX         320 /* jack_port_name_size() of jack2: client (64) + port (256) */
#define CONFIG_NAME_MAX         64  /* a JACK client or server name */
#define CONFIG_PATH_MAX         1024
#define CONFIG_CONNECT_MAX      STEMD_MAX_STEMS
#define CONFIG_EXTRA_KEYS       16 /* options one extra layer may add */
#define CONFIG_MIDI_CONNECT_MAX 8  /* --connect-midi-in and --connect-midi-out, each */

/* Options of another layer, parsed by config.c from the command line and the config file like
 * its own and handed over by name. main.c adds the OSC layer's this way, so the server library
 * never calls the OSC library (the layers form a DAG: server <- osc <- main). The values live in
 * the caller's block (values, size bytes); config_reload parses into a copy of it and commits it
 * with the rest, so a bad file changes nothing. */
struct config_extra {
    const char *const *keys; /* long option names, each taking a value; NULL-terminated */
    /* Long option names that take no value on the command line (--no-mdns); in a config file
     * "key = VALUE" or a bare "key". option() gets "1" for a bare one. NULL for none. */
    const char *const *flags;
    const char *title; /* --help: the heading of the lines below */
    const char *help;  /* --help: the options' lines */
    void *values;
    size_t size;
    void (*defaults)(void *values);
    /* Apply key = value. Returns 0, or -EINVAL with a reason a person can act on in err. */
    int (*option)(void *values, const char *key, const char *value, char *err, size_t errlen);
    /* Called before the command line's first occurrence of key: a list option the command line
     * gives replaces the file's. NULL for none. */
    void (*cmdline_first)(void *values, const char *key);
};

/* --connect STEM=PORT,PORT: stem (0-based) gets its L and R from these ports. */
struct config_connect {
    unsigned stem;
    char src[2][CONFIG_PORT_MAX];
};

struct stemd_config {
    unsigned nstems;
    char names[STEMD_MAX_STEMS][STEMD_STEM_NAME_MAX];
    char jack_name[CONFIG_NAME_MAX];
    char jack_server[CONFIG_NAME_MAX]; /* "" = $JACK_DEFAULT_SERVER or JACK's default */
    char connect_out[2][CONFIG_PORT_MAX];
    unsigned nconnect;
    /* --connect-midi-in PORT (feeds midi_in), --connect-midi-out PORT (fed by midi_out). */
    char connect_midi[2][CONFIG_MIDI_CONNECT_MAX][CONFIG_PORT_MAX];
    unsigned nconnect_midi[2];                                       /* [0] in, [1] out */
    char connect_spec[CONFIG_CONNECT_MAX][2 * CONFIG_PORT_MAX + 40]; /* resolved at the end */
    struct config_connect connect[CONFIG_CONNECT_MAX];
    char preset[CONFIG_PATH_MAX];
    char state_dir[CONFIG_PATH_MAX];
    char record_dir[CONFIG_PATH_MAX]; /* "" = recording off */
    char preset_dir[CONFIG_PATH_MAX]; /* "" = no preset library (/preset/save ...) */
    char config[CONFIG_PATH_MAX];
    int log_level;
    int no_wait;
    const struct config_extra *extra; /* NULL, or the options another layer added */
};

/* Parse a stem list: "drums,bass,music,vocals" or a count "8" (names stem1..stem8). Names are
 * [A-Za-z][A-Za-z0-9_-]*, unique, at most 31 bytes. Returns 0, or -EINVAL with err set. */
int config_parse_stems(struct stemd_config *c, const char *spec, char *err, size_t errlen);

/* Fill c from defaults, then the config file (--config, if given), then the command line, which
 * wins. Returns 0 to run; 1 when --help or --version was printed (exit 0); -EINVAL with the
 * reason printed to stderr (exit 2). */
int config_from_args(struct stemd_config *c, int argc, char **argv);
/* The same with another layer's options (x NULL: none): x->values get x->defaults, then the
 * file's and the command line's values for x->keys. x must outlive c (config_reload uses it). */
int config_from_args_extra(struct stemd_config *c, const struct config_extra *x, int argc,
                           char **argv);

/* SIGHUP: parse the config file and the same command line again into c (and its extra
 * layer's values); on error both are untouched. Returns 0 or -EINVAL, with the reason on stderr. */
int config_reload(struct stemd_config *c, int argc, char **argv);

/* --help: stemd's options, then x's (NULL: none). */
void config_usage(FILE *f, const struct config_extra *x);

#endif
