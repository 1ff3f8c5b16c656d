/* server/presetlib.c: the preset library: checked names, one directory descriptor, openat with
 * O_NOFOLLOW, atomic saves (server/state.c), whole-file validation before one snapshot. */
#include "server/presetlib.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dsp/preset.h"
#include "server/log.h"
#include "server/server.h"
#include "server/state.h"

int presetlib_name_check(const char *name, char *err, size_t errlen)
{
    size_t n = strnlen(name, PRESETLIB_NAME_MAX + 1);
    if (n == 0) {
        snprintf(err, errlen, "give a preset name");
        return -EINVAL;
    }
    if (n > PRESETLIB_NAME_MAX) {
        snprintf(err, errlen, "preset name longer than %d bytes", PRESETLIB_NAME_MAX);
        return -EINVAL;
    }
    if (name[0] == '.') {
        snprintf(err, errlen, "a preset name may not start with a dot");
        return -EINVAL;
    }
    if (strstr(name, "..")) {
        snprintf(err, errlen, "a preset name may not hold '..'");
        return -EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)name[i];
        if (ch == '/') {
            snprintf(err, errlen, "a preset name may not hold '/' (presets live in one folder)");
            return -EINVAL;
        }
        if (!isalnum(ch) || ch > 0x7f) {
            if (ch != ' ' && ch != '_' && ch != '.' && ch != '-') {
                snprintf(err, errlen,
                         "a preset name is letters, digits, space, '_', '.' and '-' "
                         "(not 0x%02x)",
                         ch);
                return -EINVAL;
            }
        }
    }
    return 0;
}

int presetlib_open(struct presetlib *pl, const char *dir, char *err, size_t errlen)
{
    pl->dfd = -1;
    if (!dir[0]) return 0;
    int rc = state_dir_prepare(dir, err, errlen);
    if (rc < 0) return rc;
    pl->dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (pl->dfd < 0) {
        rc = -errno;
        snprintf(err, errlen, "cannot open the preset directory %s: %s", dir, strerror(-rc));
        return rc;
    }
    return 0;
}

void presetlib_close(struct presetlib *pl)
{
    if (pl->dfd >= 0) close(pl->dfd);
    pl->dfd = -1;
}

/* The checks every operation starts with: a library, and a valid name. */
static int ready(struct stemd *sd, const char *name, char *err, size_t errlen)
{
    if (sd->presets.dfd < 0) {
        snprintf(err, errlen, "no preset library: start stemd with --preset-dir DIR");
        return -ENODEV;
    }
    return presetlib_name_check(name, err, errlen);
}

/* What is at name: 0 for a regular file, -ENOENT, or a refusal (a link, a directory). */
static int regular(struct stemd *sd, const char *name, char *err, size_t errlen)
{
    struct stat st;
    if (fstatat(sd->presets.dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
        int e = errno;
        if (e == ENOENT)
            snprintf(err, errlen, "no preset '%s' (send /preset/list)", name);
        else
            snprintf(err, errlen, "preset '%s': %s", name, strerror(e));
        return -e;
    }
    if (S_ISLNK(st.st_mode)) {
        snprintf(err, errlen, "preset '%s' is a symbolic link: refused (only plain files)", name);
        return -ELOOP;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "preset '%s' is not a plain file: refused", name);
        return -EINVAL;
    }
    return 0;
}

/* The prefix in canonical form (stems by name, no trailing '/') into out. */
static int canonical_prefix(struct stemd *sd, const char *prefix, char *out, size_t len, char *err,
                            size_t errlen)
{
    size_t n = strlen(prefix);
    while (n > 1 && prefix[n - 1] == '/')
        n--;
    if (n >= len) {
        snprintf(err, errlen, "prefix too long");
        return -EINVAL;
    }
    memcpy(out, prefix, n);
    out[n] = 0;
    if (strcmp(out, "/bus") && strncmp(out, "/bus/", 5) && strncmp(out, "/stem/", 6)) {
        snprintf(err, errlen, "a part is under /bus or /stem/NAME (e.g. /stem/vocals), not '%s'",
                 out);
        return -EINVAL;
    }
    if (strncmp(out, "/stem/", 6)) return 0;
    /* A stem by its 1-based index: the file names it by name. */
    const char *s = out + 6, *slash = strchr(s, '/');
    size_t sl = slash ? (size_t)(slash - s) : strlen(s);
    char *end;
    long k = strtol(s, &end, 10);
    if (sl == 0 || end != s + sl || k < 1 || k > (long)stemd_nstems(sd)) return 0;
    char tmp[512];
    if (snprintf(tmp, sizeof tmp, "/stem/%s%s", stemd_stem_name(sd, (unsigned)k - 1),
                 slash ? slash : "") >= (int)len) {
        snprintf(err, errlen, "prefix too long");
        return -EINVAL;
    }
    snprintf(out, len, "%s", tmp);
    return 0;
}

/* Keep only the lines of text (preset_format's: comments, then "path value") at or below
 * prefix, in place. Returns the parameter lines kept. */
static unsigned keep_part(char *text, const char *prefix)
{
    size_t pl = prefix ? strlen(prefix) : 0;
    unsigned kept = 0;
    char *w = text;
    for (char *r = text; *r;) {
        char *nl = strchr(r, '\n');
        size_t ll = nl ? (size_t)(nl - r) + 1 : strlen(r);
        int comment = r[0] == '#';
        int keep =
            comment || !pl || (strncmp(r, prefix, pl) == 0 && (r[pl] == '/' || r[pl] == ' '));
        if (keep) {
            kept += !comment;
            memmove(w, r, ll);
            w += ll;
        }
        r += ll;
    }
    *w = 0;
    return kept;
}

int stemd_preset_save(struct stemd *sd, const char *name, const char *prefix, unsigned *count,
                      char *err, size_t errlen)
{
    char part[512];
    int rc = ready(sd, name, err, errlen);
    if (rc < 0) return rc;
    if (prefix && !prefix[0]) prefix = NULL;
    if (prefix && (rc = canonical_prefix(sd, prefix, part, sizeof part, err, errlen)) < 0)
        return rc;
    /* Replacing a preset is fine; replacing something else under its name is not. */
    rc = regular(sd, name, err, errlen);
    if (rc < 0 && rc != -ENOENT) return rc;
    /* Every value, not only those off their default: loading it needs no reset, and a part
     * restores its part whole. */
    char *text = stemd_format_state(sd, 0);
    if (!text) {
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    unsigned kept = keep_part(text, prefix ? part : NULL);
    if (kept == 0) {
        snprintf(err, errlen, "no parameter under %s (send /list)", part);
        free(text);
        return -EINVAL;
    }
    rc = state_write_atomic_at(sd->presets.dfd, sd->cfg.preset_dir, name, text);
    free(text);
    if (rc < 0) {
        snprintf(err, errlen, "cannot save preset '%s' in %s: %s", name, sd->cfg.preset_dir,
                 strerror(-rc));
        return rc;
    }
    if (count) *count = kept;
    log_info("preset '%s' saved (%u values%s%s)", name, kept, prefix ? " under " : "",
             prefix ? part : "");
    return 0;
}

/* Read the preset file through the directory descriptor, refusing links and non-files. */
static int read_preset(struct stemd *sd, const char *name, char **out, char *err, size_t errlen)
{
    int fd = openat(sd->presets.dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            snprintf(err, errlen, "no preset '%s' (send /preset/list)", name);
        else if (e == ELOOP)
            snprintf(err, errlen, "preset '%s' is a symbolic link: refused (only plain files)",
                     name);
        else
            snprintf(err, errlen, "cannot read preset '%s': %s", name, strerror(e));
        return -e;
    }
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        snprintf(err, errlen, "cannot read preset '%s': %s", name, strerror(-rc));
    } else if (!S_ISREG(st.st_mode)) {
        rc = -EINVAL;
        snprintf(err, errlen, "preset '%s' is not a plain file: refused", name);
    } else if (st.st_size > PRESETLIB_FILE_MAX) {
        rc = -EFBIG;
        snprintf(err, errlen, "preset '%s' is over %d MiB: refused", name,
                 PRESETLIB_FILE_MAX >> 20);
    }
    char *buf = rc == 0 ? malloc((size_t)st.st_size + 1) : NULL;
    if (rc == 0 && !buf) {
        rc = -ENOMEM;
        snprintf(err, errlen, "out of memory");
    }
    size_t got = 0;
    while (rc == 0 && got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            rc = -errno;
            snprintf(err, errlen, "cannot read preset '%s': %s", name, strerror(-rc));
        }
        if (r <= 0) break;
        got += (size_t)r;
    }
    close(fd);
    if (rc < 0) {
        free(buf);
        return rc;
    }
    buf[got] = 0;
    *out = buf;
    return 0;
}

/* Every bad line of a preset, one a line, into err (as many as fit). */
struct bad_lines {
    char *buf;
    size_t len, used;
    unsigned n;
};

static void bad_line(void *ctx, const char *file, unsigned line, const char *reason)
{
    struct bad_lines *b = ctx;
    log_err("preset %s:%u: %s", file, line, reason); /* every one, whatever err holds */
    b->n++;
    if (b->used + 1 >= b->len) return;
    int w = snprintf(b->buf + b->used, b->len - b->used, "%s%s:%u: %s", b->used ? "\n" : "", file,
                     line, reason);
    if (w > 0) b->used += (size_t)w < b->len - b->used ? (size_t)w : b->len - b->used - 1;
}

int stemd_preset_load(struct stemd *sd, const char *name, int source, unsigned *count, char *err,
                      size_t errlen)
{
    char *text = NULL;
    int rc = ready(sd, name, err, errlen);
    if (rc < 0 || (rc = read_preset(sd, name, &text, err, errlen)) < 0) return rc;
    struct bad_lines bl = {err, errlen, 0, 0};
    char label[PRESETLIB_NAME_MAX + 16];
    snprintf(label, sizeof label, "preset %s", name);
    size_t n = 0;
    err[0] = 0;
    /* Its MIDI lines too (a preset saved with mappings holds them: they replace the mappings). */
    rc = stemd_apply_preset_each(sd, text, name, 0, source, label, bad_line, &bl, &n, err, errlen);
    free(text);
    if (rc == -EINVAL && bl.n) {
        log_err("preset '%s' not loaded: %u bad line%s", name, bl.n, bl.n == 1 ? "" : "s");
        return rc;
    }
    if (rc < 0) return rc;
    if (count) *count = (unsigned)n;
    log_info("preset '%s' loaded (%zu values)", name, n);
    return 0;
}

int stemd_preset_delete(struct stemd *sd, const char *name, char *err, size_t errlen)
{
    int rc = ready(sd, name, err, errlen);
    if (rc < 0 || (rc = regular(sd, name, err, errlen)) < 0) return rc;
    if (unlinkat(sd->presets.dfd, name, 0) < 0) {
        rc = -errno;
        snprintf(err, errlen, "cannot delete preset '%s': %s", name, strerror(-rc));
        return rc;
    }
    fsync(sd->presets.dfd);
    log_info("preset '%s' deleted", name);
    return 0;
}

int stemd_preset_rename(struct stemd *sd, const char *old_name, const char *new_name, char *err,
                        size_t errlen)
{
    int dfd = sd->presets.dfd, rc = ready(sd, old_name, err, errlen);
    if (rc < 0 || (rc = ready(sd, new_name, err, errlen)) < 0 ||
        (rc = regular(sd, old_name, err, errlen)) < 0)
        return rc;
    /* Never onto an existing name: RENAME_NOREPLACE, or where the file system lacks it a hard
     * link (which fails on an existing name too) and the old name's removal. */
    if (renameat2(dfd, old_name, dfd, new_name, RENAME_NOREPLACE) < 0) {
        rc = -errno;
        if (rc == -EINVAL || rc == -ENOSYS) {
            rc = linkat(dfd, old_name, dfd, new_name, 0) < 0 ? -errno : 0;
            if (rc == 0) unlinkat(dfd, old_name, 0);
        }
    }
    if (rc == -EEXIST) {
        snprintf(err, errlen,
                 "a preset '%s' exists already: delete it first or choose another name", new_name);
        return rc;
    }
    if (rc < 0) {
        snprintf(err, errlen, "cannot rename preset '%s': %s", old_name, strerror(-rc));
        return rc;
    }
    fsync(dfd);
    log_info("preset '%s' renamed to '%s'", old_name, new_name);
    return 0;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(((const struct stemd_preset_info *)a)->name,
                  ((const struct stemd_preset_info *)b)->name);
}

int stemd_preset_list(struct stemd *sd, struct stemd_preset_info **out, size_t *n, char *err,
                      size_t errlen)
{
    char why[160];
    *out = NULL;
    *n = 0;
    if (sd->presets.dfd < 0) {
        snprintf(err, errlen, "no preset library: start stemd with --preset-dir DIR");
        return -ENODEV;
    }
    /* A descriptor of its own: closedir closes it, and its offset is not shared. */
    int fd = openat(sd->presets.dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        int e = errno;
        if (fd >= 0) close(fd);
        snprintf(err, errlen, "cannot list %s: %s", sd->cfg.preset_dir, strerror(e));
        return -e;
    }
    struct stemd_preset_info *v = calloc(PRESETLIB_LIST_MAX, sizeof *v);
    if (!v) {
        closedir(d);
        snprintf(err, errlen, "out of memory");
        return -ENOMEM;
    }
    size_t k = 0;
    struct dirent *de;
    while ((de = readdir(d)) && k < PRESETLIB_LIST_MAX) {
        struct stat st;
        if (presetlib_name_check(de->d_name, why, sizeof why) < 0) continue;
        if (fstatat(sd->presets.dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
            !S_ISREG(st.st_mode))
            continue;
        memcpy(v[k].name, de->d_name, strlen(de->d_name) + 1); /* checked: <= 64 bytes */
        v[k++].mtime_s = (int64_t)st.st_mtime;
    }
    closedir(d);
    qsort(v, k, sizeof *v, by_name);
    *out = v;
    *n = k;
    return 0;
}
