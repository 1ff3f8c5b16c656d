/* tests/enospc.c: LD_PRELOAD shim that makes a disk "full" for one file, unprivileged and
 * without touching anything else the process writes (a real full disk, or ulimit -f, would also
 * break JACK's metadata database in the same process).
 *
 * Files whose path contains $STEMD_ENOSPC_PATH get $STEMD_ENOSPC_BYTES bytes in all; a write
 * past that fails with ENOSPC, as write(2) does on a full file system. Tracked through open,
 * open64 and openat; written through write and pwrite/pwrite64. Build without sanitizers:
 * cc -shared -fPIC -o enospc.so enospc.c -ldl */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define MAX_FD 4096
static atomic_char watched[MAX_FD];
static _Atomic long long budget = -1; /* bytes left; -1 until read from the environment */

static long long left(void)
{
    long long b = atomic_load(&budget);
    if (b == -1) {
        const char *s = getenv("STEMD_ENOSPC_BYTES");
        b = s ? atoll(s) : 0;
        atomic_store(&budget, b);
    }
    return b;
}

static void track(int fd, const char *path)
{
    const char *pat = getenv("STEMD_ENOSPC_PATH");
    if (fd >= 0 && fd < MAX_FD) atomic_store(&watched[fd], pat && path && strstr(path, pat));
}

/* 0: go ahead; -1: the disk is full. */
static int charge(int fd, size_t n)
{
    if (fd < 0 || fd >= MAX_FD || !atomic_load(&watched[fd])) return 0;
    if ((long long)n > left()) {
        errno = ENOSPC;
        return -1;
    }
    atomic_fetch_sub(&budget, (long long)n);
    return 0;
}

typedef int (*open_fn)(const char *, int, ...);
typedef int (*openat_fn)(int, const char *, int, ...);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);

/* The next definition of name (libc's), looked up once. */
#define REAL(name, type)                                                                           \
    static type real_##name;                                                                       \
    if (!real_##name) real_##name = (type)dlsym(RTLD_NEXT, #name)

/* The mode argument of an open that creates, read past flags. */
#define MODE_ARG(flags, mode)                                                                      \
    do {                                                                                           \
        va_list ap;                                                                                \
        va_start(ap, flags);                                                                       \
        mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;                           \
        va_end(ap);                                                                                \
    } while (0)

int open(const char *path, int flags, ...)
{
    REAL(open, open_fn);
    mode_t mode;
    MODE_ARG(flags, mode);
    int fd = real_open(path, flags, mode);
    track(fd, path);
    return fd;
}

int open64(const char *path, int flags, ...)
{
    REAL(open64, open_fn);
    mode_t mode;
    MODE_ARG(flags, mode);
    int fd = real_open64(path, flags, mode);
    track(fd, path);
    return fd;
}

int openat(int dir, const char *path, int flags, ...)
{
    REAL(openat, openat_fn);
    mode_t mode;
    MODE_ARG(flags, mode);
    int fd = real_openat(dir, path, flags, mode);
    track(fd, path);
    return fd;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    REAL(write, write_fn);
    return charge(fd, n) < 0 ? -1 : real_write(fd, buf, n);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t off)
{
    REAL(pwrite, pwrite_fn);
    return charge(fd, n) < 0 ? -1 : real_pwrite(fd, buf, n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t off)
{
    REAL(pwrite64, pwrite_fn);
    return charge(fd, n) < 0 ? -1 : real_pwrite64(fd, buf, n, off);
}
