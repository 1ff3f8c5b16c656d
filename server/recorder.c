/* server/recorder.c: the master recorder's non-RT side: the disk thread, start/stop/status (see
 * recorder.h; the process thread's push is recorder_rt.c). */
#include "server/recorder.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "server/log.h"
#include "server/server.h"
#include "server/ring.h"

#define RING_BYTES  (4u << 20) /* 4 MiB: 10.9 s of stereo float at 48 kHz */
#define POLL_MS     20         /* the disk thread's period: 1/500 of what the ring holds */
#define DISK_FRAMES 8192
#define FRAME_BYTES RECORDER_FRAME_BYTES

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static const char *state_name(int s)
{
    return s == REC_RUNNING    ? "recording"
           : s == REC_STOPPING ? "stopping"
           : s == REC_FAILED   ? "failed"
                               : "idle";
}

/* Disk thread: everything the ring holds into the file. Returns 0, or -1 when a write failed. */
static int drain(struct recorder *r, float *buf)
{
    size_t bytes;
    while ((bytes = ring_take(r->rb, buf, (size_t)DISK_FRAMES * FRAME_BYTES, FRAME_BYTES)) > 0) {
        sf_count_t n = (sf_count_t)(bytes / FRAME_BYTES);
        if (sf_writef_float(r->sf, buf, n) != n) return -1;
        atomic_fetch_add(&r->written, (uint64_t)n);
    }
    return 0;
}

static void sync_path(const char *path)
{
    char dir[PATH_MAX];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (fsync(fd) < 0) log_warn("recording: fsync of %s failed: %s", path, strerror(errno));
        close(fd);
    }
    snprintf(dir, sizeof dir, "%s", path);
    fd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Disk thread: close the file (the header becomes final), sync it, and say how it ended. */
static void finish(struct recorder *r, const char *why)
{
    double secs = r->rate ? (double)atomic_load(&r->written) / r->rate : 0.0;
    uint64_t dropped = atomic_load(&r->dropped);
    int bad_close = sf_close(r->sf) != 0;
    r->sf = NULL;
    sync_path(r->path);
    pthread_mutex_lock(&r->lock);
    if (why || bad_close) {
        snprintf(r->error, sizeof r->error, "%s",
                 why ? why : "finishing the file failed (disk full?)");
        log_err("recording %s stopped after %.1f s: %s", r->path, secs, r->error);
        atomic_store(&r->state, REC_FAILED);
    } else {
        if (dropped)
            log_warn("recording %s: %llu frames were lost (the disk fell behind)", r->path,
                     (unsigned long long)dropped);
        log_notice("recording finished: %s, %.1f s", r->path, secs);
        atomic_store(&r->state, REC_IDLE);
    }
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);
}

static void *disk_main(void *arg)
{
    struct stemd *sd = arg;
    struct recorder *r = &sd->rec;
    float *buf = malloc(DISK_FRAMES * FRAME_BYTES);
    uint64_t dropped_said = 0;
    while (!atomic_load(&r->quit)) {
        int st = atomic_load(&r->state);
        if (st == REC_RUNNING || st == REC_STOPPING) {
            /* Stopping: wait out a callback that may still be pushing, then the ring is all. */
            if (st == REC_STOPPING) grace_wait(sd);
            unsigned seen = atomic_load(&r->rate_seen);
            if (st == REC_RUNNING && seen) {
                /* One file, one rate: the process thread stopped pushing at the change. */
                char why[160];
                if (buf) drain(r, buf);
                snprintf(why, sizeof why,
                         "JACK's sample rate changed from %u to %u Hz; the file keeps what was "
                         "recorded at %u Hz",
                         r->rate, seen, r->rate);
                finish(r, why);
            } else if (!buf || drain(r, buf) < 0) {
                char why[512];
                snprintf(why, sizeof why, "writing failed: %s; the file keeps what was written",
                         buf ? sf_strerror(r->sf) : "out of memory");
                finish(r, why);
            } else if (st == REC_STOPPING) {
                finish(r, NULL);
            }
            uint64_t d = atomic_load(&r->dropped);
            if (d < dropped_said) dropped_said = 0; /* a new recording counts from 0 */
            if (d > dropped_said) {
                log_warn("recording: %llu frames lost so far: the disk falls behind",
                         (unsigned long long)d);
                dropped_said = d;
            }
        }
        if (st != REC_STOPPING) sleep_ms(POLL_MS);
    }
    free(buf);
    return NULL;
}

int recorder_init(struct stemd *sd, const char *dir)
{
    struct recorder *r = &sd->rec;
    atomic_init(&r->state, REC_IDLE);
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    if (dir[0] && access(dir, W_OK | X_OK) < 0)
        log_warn("--record-dir %s: %s; recordings will fail until it is a writable directory", dir,
                 strerror(errno));
    r->rb = jack_ringbuffer_create(RING_BYTES);
    if (!r->rb) return -ENOMEM;
    jack_ringbuffer_mlock(r->rb); /* the process thread writes it: no page faults there */
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->changed, NULL);
    int rc = pthread_create(&r->thread, NULL, disk_main, sd);
    if (rc != 0) return -rc;
    r->thread_started = 1;
    return 0;
}

void recorder_fini(struct stemd *sd)
{
    struct recorder *r = &sd->rec;
    struct stemd_record_status st;
    if (!r->rb) return;
    if (r->thread_started) {
        if (atomic_load(&r->state) == REC_RUNNING) stemd_record_stop(sd, &st);
        atomic_store(&r->quit, 1);
        pthread_join(r->thread, NULL);
        r->thread_started = 0;
    }
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->changed);
    jack_ringbuffer_free(r->rb);
    r->rb = NULL;
}

void recorder_set_dir(struct stemd *sd, const char *dir)
{
    struct recorder *r = &sd->rec;
    pthread_mutex_lock(&r->lock);
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    pthread_mutex_unlock(&r->lock);
}

/* A file name for a recording: the caller's, checked, with .wav added; or a timestamp. */
static int file_name(const char *name, char *out, size_t len, char *err, size_t errlen)
{
    if (!name || !name[0]) {
        time_t t = time(NULL);
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(out, len, "stemd-%Y%m%d-%H%M%S.wav", &tm);
        return 0;
    }
    size_t n = strlen(name);
    int ok = n <= 200 && name[0] != '.';
    for (size_t i = 0; ok && i < n; i++) {
        char c = name[i];
        ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
             c == '.' || c == '_' || c == '-';
    }
    if (!ok) {
        snprintf(err, errlen,
                 "'%s' is not a plain file name: use letters, digits, '.', '_' and '-' (no '/', "
                 "no leading '.', at most 200)",
                 name);
        return -EINVAL;
    }
    int has_wav = n >= 4 && strcasecmp(name + n - 4, ".wav") == 0;
    snprintf(out, len, "%s%s", name, has_wav ? "" : ".wav");
    return 0;
}

static void fill_status(struct recorder *r, struct stemd_record_status *st)
{
    int s = atomic_load(&r->state);
    st->state = state_name(s);
    snprintf(st->path, sizeof st->path, "%s", r->path);
    st->seconds = r->rate ? (double)atomic_load(&r->written) / r->rate : 0.0;
    st->dropped = atomic_load(&r->dropped);
    snprintf(st->error, sizeof st->error, "%s", s == REC_FAILED ? r->error : "");
}

int stemd_record_start(struct stemd *sd, const char *name, char *path, size_t pathlen, char *err,
                       size_t errlen)
{
    struct recorder *r = &sd->rec;
    struct stemd_status ss;
    char file[256], full[PATH_MAX];
    int rc = 0;

    pthread_mutex_lock(&r->lock);
    stemd_status(sd, &ss);
    int st = atomic_load(&r->state);
    if (st == REC_RUNNING || st == REC_STOPPING) {
        snprintf(err, errlen, "already recording to %s: stop it first", r->path);
        rc = -EBUSY;
    } else if (!r->dir[0]) {
        snprintf(err, errlen, "recording is off: start stemd with --record-dir DIR");
        rc = -EINVAL;
    } else if (!ss.connected || !ss.rate_hz) {
        snprintf(err, errlen, "no JACK server: nothing to record until stemd is connected");
        rc = -ENOTCONN;
    } else if ((rc = file_name(name, file, sizeof file, err, errlen)) == 0) {
        if (snprintf(full, sizeof full, "%s/%s", r->dir, file) >= (int)sizeof full) {
            snprintf(err, errlen, "--record-dir is too long for a path");
            rc = -EINVAL;
        } else if (access(full, F_OK) == 0) {
            snprintf(err, errlen,
                     "%s exists: recordings are never overwritten; choose another name", full);
            rc = -EEXIST;
        }
    }
    if (rc == 0) {
        /* RF64 that falls back to plain WAV under 4 GiB; the header follows every write, so
         * a crash leaves a readable file. */
        SF_INFO info = {.samplerate = (int)ss.rate_hz,
                        .channels = 2,
                        .format = SF_FORMAT_RF64 | SF_FORMAT_FLOAT};
        /* O_EXCL: a file that appeared since the check above is not truncated, and
         * O_NOFOLLOW: a link planted there is not followed. */
        int fd = open(full, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
        r->sf = fd >= 0 ? sf_open_fd(fd, SFM_WRITE, &info, SF_TRUE) : NULL;
        if (fd < 0) {
            rc = -errno;
            snprintf(err, errlen, "cannot create %s: %s", full, strerror(-rc));
        } else if (!r->sf) {
            snprintf(err, errlen, "cannot create %s: %s", full, sf_strerror(NULL));
            unlink(full);
            rc = -EIO;
        } else {
            sf_command(r->sf, SFC_RF64_AUTO_DOWNGRADE, NULL, SF_TRUE);
            sf_command(r->sf, SFC_SET_UPDATE_HEADER_AUTO, NULL, SF_TRUE);
            grace_wait(sd); /* a callback still pushing into a failed recording's ring ends */
            jack_ringbuffer_reset(r->rb);
            atomic_store(&r->dropped, 0);
            atomic_store(&r->written, 0);
            atomic_store(&r->rate_seen, 0);
            r->rate = ss.rate_hz;
            r->error[0] = 0;
            snprintf(r->path, sizeof r->path, "%s", full);
            atomic_store_explicit(&r->state, REC_RUNNING, memory_order_release);
            log_notice("recording the master to %s (%u Hz, 32-bit float)", full, ss.rate_hz);
            snprintf(path, pathlen, "%s", full);
        }
    }
    pthread_mutex_unlock(&r->lock);
    return rc;
}

int stemd_record_stop(struct stemd *sd, struct stemd_record_status *st)
{
    struct recorder *r = &sd->rec;
    int rc = 0;
    pthread_mutex_lock(&r->lock);
    int s = atomic_load(&r->state);
    if (s == REC_RUNNING) atomic_store(&r->state, REC_STOPPING);
    if (s == REC_RUNNING || s == REC_STOPPING) {
        while (atomic_load(&r->state) == REC_STOPPING)
            pthread_cond_wait(&r->changed, &r->lock);
        rc = atomic_load(&r->state) == REC_FAILED ? -EIO : 0;
    } else {
        rc = -EINVAL;
    }
    fill_status(r, st);
    pthread_mutex_unlock(&r->lock);
    return rc;
}

void stemd_record_status(struct stemd *sd, struct stemd_record_status *st)
{
    struct recorder *r = &sd->rec;
    pthread_mutex_lock(&r->lock);
    fill_status(r, st);
    pthread_mutex_unlock(&r->lock);
}
