/* server/state.h: the saved parameters: a preset-format text file, replaced atomically. */
#ifndef STEMD_STATE_H
#define STEMD_STATE_H

#include <stddef.h>

/* Write text to dir/name atomically: a temporary file in dir, fsync, rename over the old one,
 * fsync the directory, so a crash leaves either the old file or the new one, never a mix.
 * Returns 0 or -errno (the reason logged, naming the path). */
int state_write_atomic(const char *dir, const char *name, const char *text);
/* The same in the directory open as dfd (label names it in messages): the temporary is
 * ".NAME.tmp", created new (O_EXCL, O_NOFOLLOW) so a link planted under either name is never
 * written through. */
int state_write_atomic_at(int dfd, const char *label, const char *name, const char *text);

/* Make sure dir can keep the state: create it when missing, with its parents (mode 0750), and
 * prove it writable by creating and removing a file in it. Returns 0, or -errno with a reason
 * that names the directory in err ("cannot create /x/y: Permission denied"). */
int state_dir_prepare(const char *dir, char *err, size_t errlen);

/* Read dir/name into a malloc'd NUL-terminated string (*out; free it). Returns 0, -ENOENT when
 * there is no file, or another -errno (logged). Files over 16 MiB are refused (-EFBIG). */
int state_read(const char *dir, const char *name, char **out);

/* Read any file the same way (a preset). */
int state_read_path(const char *path, char **out);

#endif
