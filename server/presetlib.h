/* server/presetlib.h: the preset library: named presets in --preset-dir, saved whole or in part,
 * loaded as one snapshot (one undo step), listed, deleted, renamed; nothing outside the folder.
 *
 * Every operation goes through one directory file descriptor opened at start (openat and
 * friends, O_NOFOLLOW): a name is a single checked path component, so nothing outside the folder
 * can be read, written or listed, and a symbolic link planted in the folder is refused rather
 * than followed. All functions are for control threads; each returns 0 or a negative errno with
 * a reason a person can act on in err. -ENODEV when stemd runs without --preset-dir. */
#ifndef STEMD_PRESETLIB_H
#define STEMD_PRESETLIB_H

#include <stddef.h>
#include <stdint.h>

struct stemd;

#define PRESETLIB_NAME_MAX 64   /* bytes of a preset name */
#define PRESETLIB_LIST_MAX 1024 /* presets /preset/list reports at most */
#define PRESETLIB_FILE_MAX (16 << 20)

/* The library's state in struct stemd: the folder's descriptor, -1 when there is none. */
struct presetlib {
    int dfd;
};

/* Is name a preset name: 1..64 bytes of [A-Za-z0-9 _.-], not starting with a dot (so never
 * "." or "..", nor a hidden or temporary file), no "..", no '/'. Returns 0, or -EINVAL with the
 * reason in err. Pure: no file system access. */
int presetlib_name_check(const char *name, char *err, size_t errlen);

/* Start-up: create dir when missing (with its parents, mode 0750, like --state-dir), prove it
 * writable and open it. dir "" leaves the library off (dfd -1, returns 0). */
int presetlib_open(struct presetlib *pl, const char *dir, char *err, size_t errlen);
void presetlib_close(struct presetlib *pl);

/* Save the current parameters as preset NAME (replacing one of that name), atomically (a
 * temporary in the folder, fsync, rename, fsync the folder). prefix NULL or "": every parameter;
 * else only those at or below it ("/bus", "/stem/vocals", "/stem/2/eq": a stem by name or
 * 1-based index; a preset always names stems by name, so it survives another stem order). A
 * prefix that names no parameter is refused. *count (may be NULL) gets the parameters saved. */
int stemd_preset_save(struct stemd *sd, const char *name, const char *prefix, unsigned *count,
                      char *err, size_t errlen);

/* Load preset NAME: every line checked first; with any bad line nothing changes and err holds
 * every bad line as "NAME:LINE: reason", one a line ('\n' between them, cut to errlen). Else all
 * its values land in one snapshot (one undo step, "preset NAME"); parameters it does not name
 * keep their values (a partial preset changes only its part). *count (may be NULL) gets the
 * values it holds. -ENOENT: no such preset; -ELOOP: a link, refused; -EINVAL: bad lines. */
int stemd_preset_load(struct stemd *sd, const char *name, int source, unsigned *count, char *err,
                      size_t errlen);

/* Delete preset NAME (-ENOENT when there is none; anything but a regular file is refused). */
int stemd_preset_delete(struct stemd *sd, const char *name, char *err, size_t errlen);

/* Rename preset OLD to NEW; -EEXIST when NEW exists (nothing is overwritten). */
int stemd_preset_rename(struct stemd *sd, const char *old_name, const char *new_name, char *err,
                        size_t errlen);

struct stemd_preset_info {
    char name[PRESETLIB_NAME_MAX + 1];
    int64_t mtime_s; /* seconds since the epoch */
};
/* The presets (regular files with valid names: temporaries, links and anything else are
 * skipped), sorted by name: *out malloc'd (free it), *n entries, at most PRESETLIB_LIST_MAX. */
int stemd_preset_list(struct stemd *sd, struct stemd_preset_info **out, size_t *n, char *err,
                      size_t errlen);

#endif
