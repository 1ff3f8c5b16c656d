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

int state_write_atomic(const char *dir, const char *name, const char *text)
{
    char tmp[PATH_MAX], dst[PATH_MAX];
    int fd, dfd, rc;

    if (snprintf(dst, sizeof dst, "%s/%s", dir, name) >= (int)sizeof dst ||
        snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name) >= (int)sizeof tmp)
        return -ENAMETOOLONG;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = -errno;
        log_err("cannot save state: %s: %s (check --state-dir exists and is writable)", tmp,
                strerror(-rc));
        return rc;
    }
    rc = write_all(fd, text, strlen(text));
    /* fsync before rename: otherwise a crash after the rename can leave an empty file under
     * the final name on filesystems that reorder data and metadata (ext4 delalloc). */
    if (rc == 0 && fsync(fd) < 0) rc = -errno;
    if (close(fd) < 0 && rc == 0) rc = -errno;
    if (rc == 0 && rename(tmp, dst) < 0) rc = -errno;
    if (rc < 0) {
        log_err("cannot save state to %s: %s", dst, strerror(-rc));
        unlink(tmp);
        return rc;
    }
    /* The rename itself is durable only once the directory is synced. */
    dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        if (fsync(dfd) < 0) log_warn("fsync of %s failed: %s", dir, strerror(errno));
        close(dfd);
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
