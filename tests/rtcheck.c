/* tests/rtcheck.c: LD_PRELOAD interposer that counts forbidden calls made inside stemd's JACK
 * process callback and writes a report at exit.
 *
 * stemd marks the callback's extent through two weak hooks, stemd_rt_enter/stemd_rt_leave,
 * defined here (absent in a normal run). Inside that extent every call to an interposed
 * function (allocation, locks, waits, sleeps, file and socket I/O, stdio, syslog, and the
 * syscall() wrapper, through which liburcu's readers would make a FUTEX_WAKE) is counted per
 * function with a backtrace of the first. At exit the report goes to $STEMD_RTCHECK_REPORT ("%p" in
 * it becomes the pid); the tests fail on any non-zero count. Build without sanitizers (ASan must
 * own malloc): cc -shared -fPIC -o rtcheck.so rtcheck.c -ldl */
#include <dlfcn.h>
#include <execinfo.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

enum {
    F_MALLOC,
    F_CALLOC,
    F_REALLOC,
    F_FREE,
    F_POSIX_MEMALIGN,
    F_ALIGNED_ALLOC,
    F_MUTEX_LOCK,
    F_COND_WAIT,
    F_COND_TIMEDWAIT,
    F_SEM_WAIT,
    F_NANOSLEEP,
    F_CLOCK_NANOSLEEP,
    F_USLEEP,
    F_SLEEP,
    F_OPEN,
    F_OPEN64,
    F_READ,
    F_WRITE,
    F_SEND,
    F_RECV,
    F_SENDTO,
    F_RECVFROM,
    F_PRINTF,
    F_FPRINTF,
    F_VPRINTF,
    F_VFPRINTF,
    F_PUTS,
    F_SYSLOG,
    F_SYSCALL_FUTEX,
    F_SYSCALL_OTHER,
    F_N
};
static const char *const fname[F_N] = {"malloc",
                                       "calloc",
                                       "realloc",
                                       "free",
                                       "posix_memalign",
                                       "aligned_alloc",
                                       "pthread_mutex_lock",
                                       "pthread_cond_wait",
                                       "pthread_cond_timedwait",
                                       "sem_wait",
                                       "nanosleep",
                                       "clock_nanosleep",
                                       "usleep",
                                       "sleep",
                                       "open",
                                       "open64",
                                       "read",
                                       "write",
                                       "send",
                                       "recv",
                                       "sendto",
                                       "recvfrom",
                                       "printf",
                                       "fprintf",
                                       "vprintf",
                                       "vfprintf",
                                       "puts",
                                       "syslog",
                                       "syscall(futex)",
                                       "syscall(other)"};

#define BT_DEPTH 24
static _Atomic unsigned long counts[F_N];
static void *first_bt[F_N][BT_DEPTH];
static int first_bt_n[F_N];
static atomic_flag first_taken[F_N];
static _Atomic unsigned long rt_cycles;
static __thread int in_rt __attribute__((tls_model("initial-exec")));
static __thread int in_hook __attribute__((tls_model("initial-exec")));

/* The CPU time of each callback, in 1 us buckets (the last one holds everything longer).
 * CLOCK_THREAD_CPUTIME_ID counts only the time the process thread itself ran: unlike the wall
 * clock it does not grow when another process takes the core, so a test can bound the work a
 * callback does on a busy machine. The clock is read outside the marked extent (it is a system
 * call: this instrument's, not stemd's). */
#define CPU_BUCKETS 20000
static _Atomic unsigned long cpu_hist[CPU_BUCKETS + 1];
static __thread struct timespec cpu_t0 __attribute__((tls_model("initial-exec")));

void stemd_rt_enter(void);
void stemd_rt_leave(void);
unsigned rtcheck_cpu_hist(unsigned long *out, unsigned n);

/* jack2 cancels the process thread at deactivation, possibly inside the callback: its
 * stemd_rt_leave never comes, and the thread's teardown (glibc's __libc_thread_freeres frees the
 * thread's buffers) would be counted as the callback's. A key destructor, which glibc runs
 * before that, closes the extent. The key is made at load, the value set once per thread at its
 * first callback (setspecific on a low key index uses the thread's static slots: no malloc). */
static pthread_key_t exit_key;
static int exit_key_ok;
static __thread int exit_key_set __attribute__((tls_model("initial-exec")));
static _Atomic unsigned long rt_cancelled;

static void rt_thread_exit(void *v)
{
    (void)v;
    if (in_rt) atomic_fetch_add(&rt_cancelled, 1);
    in_rt = 0;
}

void stemd_rt_enter(void)
{
    if (exit_key_ok && !exit_key_set) {
        pthread_setspecific(exit_key, &exit_key_set);
        exit_key_set = 1;
    }
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &cpu_t0);
    in_rt = 1;
    atomic_fetch_add_explicit(&rt_cycles, 1, memory_order_relaxed);
}

void stemd_rt_leave(void)
{
    in_rt = 0;
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    long long ns =
        (long long)(t.tv_sec - cpu_t0.tv_sec) * 1000000000LL + (t.tv_nsec - cpu_t0.tv_nsec);
    long long us = ns < 0 ? 0 : ns / 1000;
    atomic_fetch_add_explicit(&cpu_hist[us < CPU_BUCKETS ? us : CPU_BUCKETS], 1,
                              memory_order_relaxed);
}

/* For a test driver in the same process (found with dlsym, absent without the interposer): the
 * histogram so far, bucket i = callbacks that ran i..i+1 us of CPU, the last "longer". Copies
 * min(n, buckets) entries and returns the number of buckets. */
unsigned rtcheck_cpu_hist(unsigned long *out, unsigned n)
{
    for (unsigned i = 0; i < n && i <= CPU_BUCKETS; i++)
        out[i] = atomic_load_explicit(&cpu_hist[i], memory_order_relaxed);
    return CPU_BUCKETS + 1;
}

/* The q-quantile (0..1) of a histogram of total entries, in us. */
static unsigned long hist_quantile(const unsigned long *h, unsigned long total, double q)
{
    unsigned long want = (unsigned long)(q * (double)total), acc = 0;
    for (unsigned i = 0; i <= CPU_BUCKETS; i++) {
        acc += h[i];
        if (acc > want) return i;
    }
    return CPU_BUCKETS;
}

static void hit(int f)
{
    if (!in_rt || in_hook) return;
    atomic_fetch_add(&counts[f], 1);
    if (!atomic_flag_test_and_set(&first_taken[f])) {
        in_hook = 1; /* backtrace() may allocate the first time: not the callback's fault */
        first_bt_n[f] = backtrace(first_bt[f], BT_DEPTH);
        in_hook = 0;
    }
}

/* dlsym may call calloc before the real one is known: serve that from a static arena. */
static char boot_arena[8192];
static size_t boot_used;
static int is_boot(void *p)
{
    return (char *)p >= boot_arena && (char *)p < boot_arena + sizeof boot_arena;
}
static void *boot_alloc(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (boot_used + n > sizeof boot_arena) return NULL;
    void *p = boot_arena + boot_used;
    boot_used += n;
    return p;
}

#define REAL(name, ret, args)                                                                      \
    static ret(*real_##name) args;                                                                 \
    static ret(*get_##name(void)) args                                                             \
    {                                                                                              \
        if (!real_##name) real_##name = (ret(*) args)dlsym(RTLD_NEXT, #name);                      \
        return real_##name;                                                                        \
    }

static int resolving;
REAL(malloc, void *, (size_t))
REAL(calloc, void *, (size_t, size_t))
REAL(realloc, void *, (void *, size_t))
REAL(free, void, (void *))
REAL(posix_memalign, int, (void **, size_t, size_t))
REAL(aligned_alloc, void *, (size_t, size_t))
REAL(pthread_mutex_lock, int, (pthread_mutex_t *))
REAL(pthread_cond_wait, int, (pthread_cond_t *, pthread_mutex_t *))
REAL(pthread_cond_timedwait, int, (pthread_cond_t *, pthread_mutex_t *, const struct timespec *))
REAL(sem_wait, int, (sem_t *))
REAL(nanosleep, int, (const struct timespec *, struct timespec *))
REAL(clock_nanosleep, int, (clockid_t, int, const struct timespec *, struct timespec *))
REAL(usleep, int, (useconds_t))
REAL(sleep, unsigned, (unsigned))
REAL(open, int, (const char *, int, ...))
REAL(open64, int, (const char *, int, ...))
REAL(read, ssize_t, (int, void *, size_t))
REAL(write, ssize_t, (int, const void *, size_t))
REAL(send, ssize_t, (int, const void *, size_t, int))
REAL(recv, ssize_t, (int, void *, size_t, int))
REAL(sendto, ssize_t, (int, const void *, size_t, int, const struct sockaddr *, socklen_t))
REAL(recvfrom, ssize_t, (int, void *, size_t, int, struct sockaddr *, socklen_t *))
REAL(vprintf, int, (const char *, va_list))
REAL(vfprintf, int, (FILE *, const char *, va_list))
REAL(puts, int, (const char *))
REAL(vsyslog, void, (int, const char *, va_list))
REAL(syscall, long, (long, ...))

void *malloc(size_t n)
{
    if (!real_malloc) {
        if (resolving) return boot_alloc(n);
        resolving = 1;
        get_malloc();
        resolving = 0;
    }
    hit(F_MALLOC);
    return real_malloc(n);
}

void *calloc(size_t n, size_t m)
{
    if (!real_calloc) {
        if (resolving) {
            void *p = boot_alloc(n * m);
            if (p) memset(p, 0, n * m);
            return p;
        }
        resolving = 1;
        get_calloc();
        resolving = 0;
    }
    hit(F_CALLOC);
    return real_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
    hit(F_REALLOC);
    if (is_boot(p)) {
        void *q = malloc(n);
        if (q) memcpy(q, p, n < sizeof boot_arena ? n : sizeof boot_arena);
        return q;
    }
    return get_realloc()(p, n);
}

void free(void *p)
{
    if (is_boot(p)) return;
    hit(F_FREE);
    get_free()(p);
}

int posix_memalign(void **out, size_t a, size_t n)
{
    hit(F_POSIX_MEMALIGN);
    return get_posix_memalign()(out, a, n);
}

void *aligned_alloc(size_t a, size_t n)
{
    hit(F_ALIGNED_ALLOC);
    return get_aligned_alloc()(a, n);
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
    hit(F_MUTEX_LOCK);
    return get_pthread_mutex_lock()(m);
}

int pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
    hit(F_COND_WAIT);
    return get_pthread_cond_wait()(c, m);
}

int pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m, const struct timespec *t)
{
    hit(F_COND_TIMEDWAIT);
    return get_pthread_cond_timedwait()(c, m, t);
}

int sem_wait(sem_t *s)
{
    hit(F_SEM_WAIT);
    return get_sem_wait()(s);
}

int nanosleep(const struct timespec *a, struct timespec *b)
{
    hit(F_NANOSLEEP);
    return get_nanosleep()(a, b);
}

int clock_nanosleep(clockid_t c, int f, const struct timespec *a, struct timespec *b)
{
    hit(F_CLOCK_NANOSLEEP);
    return get_clock_nanosleep()(c, f, a, b);
}

int usleep(useconds_t us)
{
    hit(F_USLEEP);
    return get_usleep()(us);
}

unsigned sleep(unsigned s)
{
    hit(F_SLEEP);
    return get_sleep()(s);
}

int open(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, int) : 0;
    va_end(ap);
    hit(F_OPEN);
    return get_open()(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
    va_list ap;
    va_start(ap, flags);
    int mode = (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, int) : 0;
    va_end(ap);
    hit(F_OPEN64);
    return get_open64()(path, flags, mode);
}

ssize_t read(int fd, void *b, size_t n)
{
    hit(F_READ);
    return get_read()(fd, b, n);
}

ssize_t write(int fd, const void *b, size_t n)
{
    hit(F_WRITE);
    return get_write()(fd, b, n);
}

ssize_t send(int fd, const void *b, size_t n, int fl)
{
    hit(F_SEND);
    return get_send()(fd, b, n, fl);
}

ssize_t recv(int fd, void *b, size_t n, int fl)
{
    hit(F_RECV);
    return get_recv()(fd, b, n, fl);
}

ssize_t sendto(int fd, const void *b, size_t n, int fl, const struct sockaddr *a, socklen_t l)
{
    hit(F_SENDTO);
    return get_sendto()(fd, b, n, fl, a, l);
}

ssize_t recvfrom(int fd, void *b, size_t n, int fl, struct sockaddr *a, socklen_t *l)
{
    hit(F_RECVFROM);
    return get_recvfrom()(fd, b, n, fl, a, l);
}

int printf(const char *fmt, ...)
{
    va_list ap;
    hit(F_PRINTF);
    va_start(ap, fmt);
    int r = get_vprintf()(fmt, ap);
    va_end(ap);
    return r;
}

int fprintf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    hit(F_FPRINTF);
    va_start(ap, fmt);
    int r = get_vfprintf()(f, fmt, ap);
    va_end(ap);
    return r;
}

int vprintf(const char *fmt, va_list ap)
{
    hit(F_VPRINTF);
    return get_vprintf()(fmt, ap);
}

int vfprintf(FILE *f, const char *fmt, va_list ap)
{
    hit(F_VFPRINTF);
    return get_vfprintf()(f, fmt, ap);
}

int puts(const char *s)
{
    hit(F_PUTS);
    return get_puts()(s);
}

void syslog(int pri, const char *fmt, ...)
{
    va_list ap;
    hit(F_SYSLOG);
    va_start(ap, fmt);
    get_vsyslog()(pri, fmt, ap);
    va_end(ap);
}

long syscall(long nr, ...)
{
    va_list ap;
    long a[6];
    va_start(ap, nr);
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    hit(nr == SYS_futex ? F_SYSCALL_FUTEX : F_SYSCALL_OTHER);
    return get_syscall()(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

__attribute__((constructor)) static void rtcheck_init(void)
{
    void *warm[2];
    in_hook = 1;
    backtrace(warm, 2); /* loads libgcc_s now, not inside the callback */
    exit_key_ok = pthread_key_create(&exit_key, rt_thread_exit) == 0;
    in_hook = 0;
}

__attribute__((destructor)) static void rtcheck_report(void)
{
    const char *tmpl = getenv("STEMD_RTCHECK_REPORT");
    char path[4096];
    unsigned long total = 0;
    if (!tmpl) return;
    /* "%p" in the name becomes the pid: one report per process. */
    const char *pp = strstr(tmpl, "%p");
    if (pp)
        snprintf(path, sizeof path, "%.*s%d%s", (int)(pp - tmpl), tmpl, (int)getpid(), pp + 2);
    else
        snprintf(path, sizeof path, "%s", tmpl);
    in_hook = 1;
    FILE *f = fopen(path, "w");
    if (!f) return;
    fprintf(f,
            "rtcheck: pid %d, process callbacks observed %lu (%lu ended by the thread's "
            "cancellation)\n",
            (int)getpid(), atomic_load(&rt_cycles), atomic_load(&rt_cancelled));
    for (int i = 0; i < F_N; i++) {
        unsigned long c = atomic_load(&counts[i]);
        total += c; /* a futex wake too: the process thread makes no system call at all */
        fprintf(f, "%s %lu\n", fname[i], c);
    }
    fprintf(f, "total %lu\n", total);
    static unsigned long h[CPU_BUCKETS + 1];
    unsigned long cn = 0, cmax = 0;
    for (unsigned i = 0; i <= CPU_BUCKETS; i++) {
        h[i] = atomic_load(&cpu_hist[i]);
        cn += h[i];
        if (h[i]) cmax = i;
    }
    /* Not counted as calls: the CPU time figures (us) for the tests that bound the work. */
    fprintf(f, "cpu_us n=%lu median=%lu p99=%lu p999=%lu max=%lu\n", cn, hist_quantile(h, cn, 0.5),
            hist_quantile(h, cn, 0.99), hist_quantile(h, cn, 0.999), cmax);
    fflush(f);
    for (int i = 0; i < F_N; i++)
        if (first_bt_n[i] > 0) {
            fprintf(f, "first %s from:\n", fname[i]);
            fflush(f);
            backtrace_symbols_fd(first_bt[i], first_bt_n[i], fileno(f));
        }
    fclose(f);
}
