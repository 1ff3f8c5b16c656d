/* server/recorder.h: records the master to a file while stemd runs.
 *
 * The process thread copies each cycle's master output into a lock-free ring buffer (RT: a
 * memcpy-like loop, no system call); a disk thread, which polls every 20 ms rather than being
 * woken (waking it would be a system call in the callback), writes it with libsndfile as 32-bit
 * float: the exact samples stemd sent to JACK. The ring holds 4 MiB: 10.9 s at 48 kHz, 2.7 s at
 * 192 kHz, against a disk that stalls. Frames that find the ring full are dropped and counted,
 * never waited for.
 *
 * Nothing lost: the file is RF64 (plain WAV when it stays under 4 GiB) with its header brought
 * up to date after every write, so a crash or power cut leaves a readable file up to the last
 * write; stop, SIGTERM and SIGINT finish it (the ring drained, the header final, fsync). A write
 * that fails (disk full) stops the recording, keeps what was written and says so in the status
 * and the log. */
#ifndef STEMD_RECORDER_H
#define STEMD_RECORDER_H

#include <jack/ringbuffer.h>
#include <limits.h>
#include <pthread.h>
#include <sndfile.h>
#include <stdatomic.h>
#include <stdint.h>

#define RECORDER_FRAME_BYTES (2 * sizeof(float)) /* one interleaved L R frame in the ring */

enum recorder_state {
    REC_IDLE,     /* not recording (the last one finished, or none yet) */
    REC_RUNNING,  /* the process thread feeds the ring, the disk thread writes */
    REC_STOPPING, /* asked to stop: the disk thread drains the ring and finishes the file */
    REC_FAILED,   /* the last recording stopped on an error (see error); a new one may start */
};

struct recorder {
    atomic_int state;         /* enum recorder_state; the process thread reads it */
    jack_ringbuffer_t *rb;    /* interleaved L R floats */
    _Atomic uint64_t dropped; /* frames the ring had no room for */
    _Atomic uint64_t written; /* frames in the file */
    atomic_uint rate_seen;    /* RT: a rate other than the file's it saw (0: none) */
    pthread_mutex_t lock;     /* start/stop/status callers, and the fields below */
    pthread_cond_t changed;   /* the disk thread finished a file */
    SNDFILE *sf;              /* the disk thread's while RUNNING/STOPPING */
    unsigned rate;
    char dir[PATH_MAX];
    char path[PATH_MAX]; /* the current or last file */
    char error[512];     /* why the last recording failed ("" otherwise) */
    pthread_t thread;
    int thread_started;
    atomic_int quit;
};

struct stemd;

/* Not RT: the ring and the disk thread. dir ("" = recording off) as --record-dir. */
int recorder_init(struct stemd *sd, const char *dir);
/* Finish a recording that runs (as stop does), then end the disk thread. */
void recorder_fini(struct stemd *sd);
/* SIGHUP: the directory for recordings started from now on. */
void recorder_set_dir(struct stemd *sd, const char *dir);

/* RT (recorder_rt.c): this cycle's master (n frames, at JACK's current rate) into the ring when
 * recording. Frames at another rate than the file's are not pushed: the recording ends there. */
void recorder_rt_push(struct recorder *r, const float *l, const float *rr, unsigned n,
                      unsigned rate);

#endif
