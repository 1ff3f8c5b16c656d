/* tools/jackio.h: stemd-jackio's shared state: the players, the recorder and the start
 * handshake between the main thread, the two process callbacks and the disk thread. */
#ifndef STEMD_JACKIO_H
#define STEMD_JACKIO_H

#include <jack/jack.h>
#include <jack/ringbuffer.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sndfile.h>

#include "dsp/truepeak.h"
#include "tools/report.h"

#define MAX_PLAY     64
#define MAX_PERIOD   8192 /* JACK's largest buffer size; a larger one counts as lost frames */
#define RING_SECONDS 8    /* how far the disk may fall behind before frames are lost */
#define DISK_CHUNK   4096

struct player {
    char port_name[2][64];
    const char *path;
    const char *dest[2]; /* ports to connect to; NULL: leave unconnected */
    float *buf[2];       /* the whole file, planar; a mono file plays on both ports */
    jack_nframes_t frames;
    jack_port_t *port[2];
};

/* One side's start, written by its process callback, read by the others. */
struct start {
    atomic_uint go;      /* main -> RT: start at the first cycle at or after at */
    atomic_uint at;      /* jack frame time */
    atomic_uint started; /* RT -> all: 1 once started */
    atomic_uint frame;   /* the frame time of the cycle it started in */
};

struct jackio {
    /* options */
    const char *server, *name, *rec_path;
    char *rec_src[2];
    unsigned rec_ch; /* 0: no recording, 1 or 2 */
    int sync_start, meters, json;
    double duration_s, tail_s; /* < 0: not given */

    jack_client_t *play_client, *rec_client;
    jack_nframes_t rate, period;
    struct player play[MAX_PLAY];
    unsigned nplay;
    jack_nframes_t play_frames; /* the longest file */
    jack_port_t *rec_port[2];

    /* shared with the process callbacks */
    struct start ps, rs;
    atomic_uint play_done, rec_done;
    atomic_uint end_known, end_frame; /* the recording ends before this frame time */
    atomic_ullong rec_frames, lost_frames;
    atomic_uint cycles, xruns; /* xruns: those after the first side started */
    atomic_int shutdown;
    jack_nframes_t play_pos, play_limit; /* RT (player) only / set before start */
    unsigned tail_frames;                /* set before start */

    /* recorder */
    jack_ringbuffer_t *rb;
    float *scratch; /* RT: interleaving space, MAX_PERIOD frames, touched before activation */
    SNDFILE *sf;
    pthread_t disk;
    int disk_running;
    atomic_int disk_finish, disk_error;
    struct report rep;
    struct truepeak meter_tp;
};

/* jackio_rt.c: the process callbacks (RT: they only copy and count), and the xrun and
 * shutdown callbacks (they only count or flag). arg is the struct jackio. */
int jackio_play_process(jack_nframes_t n, void *arg);
int jackio_rec_process(jack_nframes_t n, void *arg);
int jackio_on_xrun(void *arg);
void jackio_on_shutdown(void *arg);

/* jackio_disk.c: the disk thread (pthread start routine, arg the struct jackio): drains the
 * ring buffer into x->sf, feeds x->rep and, with x->meters, prints the meters; returns when
 * x->disk_finish is set and the ring is empty, or on a write error (x->disk_error set). */
void *jackio_disk_main(void *arg);

#endif
