/* server/targets.h: the delivery platforms' loudness targets, ONE table for every surface
 * (/loudness/learn s:PLATFORM, stemctl loudness learn, stemd-render --target). A platform is
 * an integrated loudness and a true-peak ceiling; choosing one sets both. The README's list
 * mirrors this table.
 *
 * X(NAME, LUFS, DBTP, WHAT) */
#ifndef STEMD_TARGETS_H
#define STEMD_TARGETS_H

#include <stddef.h>
#include <string.h>

#define STEMD_TARGETS(X)                                                                           \
    X("spotify", -14, -1, "Spotify (loudness normalisation on)")                                   \
    X("apple", -16, -1, "Apple Music (Sound Check)")                                               \
    X("youtube", -14, -1, "YouTube")                                                               \
    X("amazon", -14, -2, "Amazon Music")                                                           \
    X("ebu-r128", -23, -1, "EBU R 128 broadcast")                                                  \
    X("aes-streaming", -16, -1, "AES TD1008 streaming recommendation")

struct stemd_target {
    const char *name;
    float lufs, dbtp;
    const char *what;
};

/* The platform called name (exact, case-sensitive), or NULL. */
static inline const struct stemd_target *stemd_target_find(const char *name)
{
#define STEMD_TARGET_ROW(n, l, t, w) {n, l, t, w},
    static const struct stemd_target rows[] = {STEMD_TARGETS(STEMD_TARGET_ROW)};
#undef STEMD_TARGET_ROW
    for (size_t i = 0; name && i < sizeof rows / sizeof rows[0]; i++)
        if (strcmp(rows[i].name, name) == 0) return &rows[i];
    return NULL;
}

/* The names, "spotify, apple, ...", into buf (for an error message); returns buf. */
static inline char *stemd_target_names(char *buf, size_t len)
{
#define STEMD_TARGET_NAME(n, l, t, w) n ", "
    static const char all[] = STEMD_TARGETS(STEMD_TARGET_NAME);
#undef STEMD_TARGET_NAME
    size_t n = sizeof all - 3; /* without the last ", " */
    if (len == 0) return buf;
    if (n >= len) n = len - 1;
    memcpy(buf, all, n);
    buf[n] = 0;
    return buf;
}

#endif
