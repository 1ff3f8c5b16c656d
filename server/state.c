/* server/state.c: atomic state-file writes (temp, fsync, rename, fsync dir) and whole-file reads.
 */
#include "server/state.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/log.h"

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int state_write_atomic_at(int dfd, const char *label, const char *name, const char *text)
{
    char tmp[PATH_MAX];
    int fd, rc;

    if (snprintf(tmp, sizeof tmp, ".%s.tmp", name) >= (int)sizeof tmp) return -ENAMETOOLONG;
    /* A stale temporary (a crash mid-save) or anything planted under its name goes first; then
     * O_EXCL | O_NOFOLLOW: the file written is a new one in this directory, never a link's
     * target elsewhere. */
    unlinkat(dfd, tmp, 0);
    fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = -errno;
        log_err("cannot save: %s/%s: %s (check the directory exists and is writable)", label, tmp,
                strerror(-rc));
        return rc;
    }
    rc = write_all(fd, text, strlen(text));
    /* fsync before rename: otherwise a crash after the rename can leave an empty file under
     * the final name on filesystems that reorder data and metadata (ext4 delalloc). */
    if (rc == 0 && fsync(fd) < 0) rc = -errno;
    if (close(fd) < 0 && rc == 0) rc = -errno;
    /* rename replaces a link of that name itself; it never writes through one. */
    if (rc == 0 && renameat(dfd, tmp, dfd, name) < 0) rc = -errno;
    if (rc < 0) {
        log_err("cannot save %s/%s: %s", label, name, strerror(-rc));
        unlinkat(dfd, tmp, 0);
        return rc;
    }
    /* The rename itself is durable only once the directory is synced. */
    if (fsync(dfd) < 0) log_warn("fsync of %s failed: %s", label, strerror(errno));
    return 0;
}

int state_write_atomic(const char *dir, const char *name, const char *text)
{
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) {
        int rc = -errno;
        log_err("cannot save state: %s: %s (check --state-dir exists and is writable)", dir,
                strerror(-rc));
        return rc;
    }
    int rc = state_write_atomic_at(dfd, dir, name, text);
    close(dfd);
    return rc;
}

int state_dir_prepare(const char *dir, char *err, size_t errlen)
{
    char path[PATH_MAX];
    struct stat st;
    size_t n = strlen(dir);

    if (n == 0 || n >= sizeof path) {
        snprintf(err, errlen, "state directory '%s': %s", dir, n ? "path too long" : "empty");
        return -ENAMETOOLONG;
    }
    memcpy(path, dir, n + 1);
    /* mkdir -p: every missing component in turn, so a fresh account's ~/.local/state/stemd
     * works; existing directories keep their mode. */
    for (char *p = path + 1;; p++) {
        if (*p != '/' && *p != '\0') continue;
        char c = *p;
        *p = '\0';
        if (mkdir(path, 0750) < 0 && errno != EEXIST) {
            int e = errno;
            snprintf(err, errlen, "cannot create the state directory %s: %s", path, strerror(e));
            return -e;
        }
        *p = c;
        if (c == '\0') break;
        while (p[1] == '/')
            p++;
    }
    if (stat(dir, &st) < 0) {
        int e = errno;
        snprintf(err, errlen, "state directory %s: %s", dir, strerror(e));
        return -e;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "state directory %s: not a directory", dir);
        return -ENOTDIR;
    }
    /* Writable now, not only by its mode bits (a read-only mount, a full disk, an ACL): the
     * same operations a save makes, on a probe file. */
    char probe[PATH_MAX + 32];
    snprintf(probe, sizeof probe, "%s/.stemd-probe.%d", dir, (int)getpid());
    int fd = open(probe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    int rc = fd < 0 ? -errno : write_all(fd, "probe\n", 6);
    if (fd >= 0 && close(fd) < 0 && rc == 0) rc = -errno;
    if (fd >= 0) unlink(probe);
    if (rc < 0) {
        snprintf(err, errlen, "cannot write in the state directory %s: %s", dir, strerror(-rc));
        return rc;
    }
    return 0;
}

int state_read_path(const char *path, char **out)
{
    FILE *f = fopen(path, "re");
    struct stat st;
    char *buf;
    int rc = 0;

    if (!f) return -errno;
    if (fstat(fileno(f), &st) < 0) {
        rc = -errno;
        fclose(f);
        return rc;
    }
    if (st.st_size > 16 << 20) {
        fclose(f);
        return -EFBIG;
    }
    buf = malloc((size_t)st.st_size + 1);
    if (!buf) {
        fclose(f);
        return -ENOMEM;
    }
    size_t n = fread(buf, 1, (size_t)st.st_size, f);
    if (ferror(f)) rc = -EIO;
    buf[n] = 0;
    fclose(f);
    if (rc < 0) {
        free(buf);
        return rc;
    }
    *out = buf;
    return 0;
}

int state_read(const char *dir, const char *name, char **out)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path) return -ENAMETOOLONG;
    return state_read_path(path, out);
}
