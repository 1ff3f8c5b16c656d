/* midi/config.c: the MIDI layer's options (--midi-profile), from the command line or the config
 * file. The connections are the server's (--connect-midi-in, --connect-midi-out). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "midi/midi.h"
#include "midi/profile.h"

void midi_config_defaults(struct midi_config *c)
{
    memset(c, 0, sizeof *c);
}

int midi_config_option(struct midi_config *c, const char *key, const char *value, char *err,
                       size_t errlen)
{
    if (strcmp(key, "midi-profile") != 0) return -ENOENT;
    if (strcmp(value, "none") == 0) {
        c->mcu = 0;
        return 0;
    }
    if (strcmp(value, "mcu") != 0) {
        snprintf(err, errlen, "--midi-profile %.60s: use none or mcu (Mackie Control)", value);
        return -EINVAL;
    }
    if (!midi_profile_available()) {
        snprintf(err, errlen, "--midi-profile mcu: stemd was built without the MCU profile");
        return -EINVAL;
    }
    c->mcu = 1;
    return 0;
}

const char *const *midi_config_keys(void)
{
    static const char *const keys[] = {"midi-profile", NULL};
    return keys;
}

const char *midi_options_help(void)
{
    return "  --midi-profile NAME    none (mappings by learn or /midi/map) or mcu: a Mackie\n"
           "                         Control surface on midi_in/midi_out, no learning  [none]\n";
}
