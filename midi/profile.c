/* midi/profile.c: the adapter to the Mackie Control profile (midi/mcu.c, built in when present:
 * mk/midi.mk defines STEMD_HAVE_MCU then), or the stubs that say it is not built in. */
#include "midi/profile.h"

#include <errno.h>
#include <stdio.h>

#ifdef STEMD_HAVE_MCU
#include "midi/mcu.h"

int midi_profile_available(void)
{
    return 1;
}

int midi_profile_new(struct stemd *sd, struct midi_profile **out, char *err, size_t errlen)
{
    struct mcu *m = NULL;
    int rc = mcu_new(sd, &m, err, errlen);
    *out = (struct midi_profile *)m;
    return rc;
}

void midi_profile_free(struct midi_profile *p)
{
    if (p) mcu_free((struct mcu *)p);
}

void midi_profile_input(struct midi_profile *p, const uint8_t *msg, size_t len, midi_emit_fn emit,
                        void *ctx)
{
    mcu_input((struct mcu *)p, msg, len, emit, ctx);
}

void midi_profile_tick(struct midi_profile *p, uint64_t now_ms, midi_emit_fn emit, void *ctx)
{
    mcu_tick((struct mcu *)p, now_ms, emit, ctx);
}

#else

int midi_profile_available(void)
{
    return 0;
}

int midi_profile_new(struct stemd *sd, struct midi_profile **out, char *err, size_t errlen)
{
    (void)sd;
    *out = NULL;
    snprintf(err, errlen, "stemd was built without the MCU profile (midi/mcu.c)");
    return -ENOTSUP;
}

void midi_profile_free(struct midi_profile *p)
{
    (void)p;
}

void midi_profile_input(struct midi_profile *p, const uint8_t *msg, size_t len, midi_emit_fn emit,
                        void *ctx)
{
    (void)p, (void)msg, (void)len, (void)emit, (void)ctx;
}

void midi_profile_tick(struct midi_profile *p, uint64_t now_ms, midi_emit_fn emit, void *ctx)
{
    (void)p, (void)now_ms, (void)emit, (void)ctx;
}

#endif
