/* server/control.h: the C API of a running stemd: parameters, presets, meters, status, listeners.
 *
 * It is the only way to change parameters (stemd_apply; the rest are wrappers of it): the daemon
 * (state, presets, SIGHUP), the OSC layer and the tests all come through here. Every function is
 * for control threads, none for the JACK process thread. All are thread-safe: writers are
 * serialised by one lock; readers of meters and status take none of the RT path's time. */
#ifndef STEMD_CONTROL_H
#define STEMD_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "dsp/mix.h"
#include "dsp/params.h"

struct stemd;
struct params_lookup;

/* Who made a change, so feedback is not echoed to its sender. Values >= STEMD_SRC_USER are free
 * for the OSC layer (one per client, say). */
enum stemd_source {
    STEMD_SRC_INTERNAL = 0, /* the daemon itself: state load, --preset, SIGHUP */
    STEMD_SRC_API = 1,      /* a program embedding the API (tests) */
    STEMD_SRC_UNDO = 2,     /* an undo or redo (server/undo.h): never itself a new undo step */
    STEMD_SRC_USER = 16
};

/* The typed change API: every surface comes through here. Each change is a parameter reference
 * (params_resolve, params_ref_at) and a value in the parameter's units (a surface turns /norm,
 * names or MIDI into units first, through dsp/params.h). Each value is checked once, here,
 * against the table (params_check): one that can never be right (NaN, inf, not a whole number
 * for a switch or choice) refuses the whole call; one merely out of range is clamped
 * (params_clamp), and the value applied goes to applied[i] (applied may be NULL). All n land in
 * ONE snapshot (the same JACK cycle), all or nothing; a later change of the same parameter wins.
 * When no value differs from the current one nothing is published. Listeners hear each
 * parameter that changed once, with its final value, the source, and the batch: the sequence
 * number of the snapshot that carries it (one per call).
 * Returns 0; -EINVAL when a change is refused (nothing changes): with bad NULL, err reads
 * "change I (PATH): REASON"; with bad given, *bad = I and err holds REASON alone, for a surface
 * that names the change its own way (the OSC address it came on); -ENOMEM (err says so). */
int stemd_apply(struct stemd *sd, const struct param_change *c, size_t n, int source,
                float *applied, size_t *bad, char *err, size_t errlen);

/* Set the parameter at path (see params_resolve: stems by name or 1-based index) to value: a
 * one-change stemd_apply. A value out of range is clamped; the value actually applied goes to
 * *applied (may be NULL). Returns 0; -EINVAL for an unknown path or a value that can never be
 * right, with the reason in err, and nothing changes; -ENOMEM. */
int stemd_set(struct stemd *sd, const char *path, float value, int source, float *applied,
              char *err, size_t errlen);

/* Like stemd_set, with the value as a person writes it: "12.5", "lowshelf", "on", "bass". */
int stemd_set_text(struct stemd *sd, const char *path, const char *text, int source, float *applied,
                   char *err, size_t errlen);

/* The current value of ref (which must be valid: params_ref_valid). */
float stemd_get_ref(struct stemd *sd, const struct param_ref *ref);
/* The current value at path into *value. Returns 0 or -EINVAL (err says why). */
int stemd_get(struct stemd *sd, const char *path, float *value, char *err, size_t errlen);

/* Apply a preset (preset format: "path value" lines, '#' comments): parsed into changes
 * (preset_parse), then one stemd_apply, so every change lands in the same cycle and listeners
 * hear one batch. Parameters the preset does not mention keep their values unless reset_first
 * is set (then they return to the defaults first, in the same snapshot). All or nothing: a bad
 * line changes nothing. Returns 0; -EINVAL with the first bad line's "file:line: reason" in err
 * (every bad line is logged); -ENOMEM. fname labels the messages. */
int stemd_apply_preset(struct stemd *sd, const char *text, const char *fname, int reset_first,
                       int source, char *err, size_t errlen);
/* The same from a file. -errno when it cannot be read. */
int stemd_apply_preset_file(struct stemd *sd, const char *path, int reset_first, int source,
                            char *err, size_t errlen);

/* The whole current state as preset text (only values not at their default when only_changed).
 * malloc'd; NULL when out of memory. */
char *stemd_format_state(struct stemd *sd, int only_changed);

/* Meters: stem and bus meters since the previous call of stemd_take_meters (peaks are held
 * until taken: one consumer, the OSC meter sender, should take them), and loudness. LUFS values
 * are -HUGE_VAL until enough audio was measured (dsp/loudness.h has the rules). */
struct stemd_loudness {
    double momentary_lufs, short_term_lufs, integrated_lufs, lra_lu;
    uint64_t dropped_blocks; /* 100 ms blocks lost because the control side fell behind */
};
/* out->nstems must equal the stem count (mix_meters_new(stemd_nstems(sd))). Either may be NULL:
 * with out NULL only the loudness is read and no peak is taken. Returns 0 or -EINVAL. */
int stemd_take_meters(struct stemd *sd, struct mix_meters *out, struct stemd_loudness *loud);
/* More readers of the meters (the HTTP status page beside the OSC meter sender): each tap sees
 * every peak and reduction since its own last take, whoever else takes. stemd_take_meters stays
 * the first reader's. Not for the process thread (a mutex among the readers; the process thread's
 * side is the same atomics as ever). new: 0, or -ENOMEM. free: NULL is fine. take: like
 * stemd_take_meters (out->nstems must be the stem count: -EINVAL); the rms of a tap's reading is
 * the root mean square of the takes in between. */
struct stemd_meter_tap;
int stemd_meter_tap_new(struct stemd *sd, struct stemd_meter_tap **out);
void stemd_meter_tap_free(struct stemd *sd, struct stemd_meter_tap *t);
int stemd_meter_tap_take(struct stemd *sd, struct stemd_meter_tap *t, struct mix_meters *out,
                         struct stemd_loudness *loud);

/* Restart the integrated loudness and LRA measurement. */
void stemd_reset_loudness(struct stemd *sd);

struct stemd_status {
    int connected; /* to a JACK server now */
    int freewheel;
    unsigned rate_hz, period_frames, latency_frames;
    float dsp_load_percent; /* jack_cpu_load(): the whole graph's, as JACK measures it */
    uint64_t xruns;         /* reported by JACK since stemd started */
    uint64_t cb_max_us;     /* longest process callback since start, microseconds */
    uint64_t cb_overruns;   /* callbacks that took longer than their period */
    uint64_t cycles;        /* process callbacks run */
    uint64_t reconnects;    /* JACK server restarts survived */
    double uptime_s;
    unsigned nstems;
};
void stemd_status(struct stemd *sd, struct stemd_status *out);
unsigned stemd_nstems(const struct stemd *sd);
const char *stemd_stem_name(const struct stemd *sd, unsigned k);
const struct params_names *stemd_names(const struct stemd *sd);
/* The JACK server stemd joins (--jack-server or $JACK_DEFAULT_SERVER), "" for JACK's default. */
const char *stemd_jack_server(const struct stemd *sd);
/* The server's path lookup for its stems (dsp/lookup.h): what a surface resolves paths through. */
const struct params_lookup *stemd_lookup(const struct stemd *sd);

/* Recording the master (server/recorder.h). NAME is a plain file name ([A-Za-z0-9._-], no
 * leading dot; ".wav" is added when missing), or NULL/"" for stemd-YYYYMMDD-HHMMSS.wav; the file
 * goes in --record-dir and is never overwritten. Start returns 0 with the path, or -EBUSY
 * (recording already), -ENOTCONN (no JACK server: no rate to record at), -EINVAL (no
 * --record-dir, bad name), -EEXIST, or -errno from creating the file, with the reason in err. */
int stemd_record_start(struct stemd *sd, const char *name, char *path, size_t pathlen, char *err,
                       size_t errlen);
struct stemd_record_status {
    const char *state; /* "idle", "recording", "stopping" or "failed" */
    char path[4096];   /* the current or last file ("" when none yet) */
    double seconds;    /* in the file */
    uint64_t dropped;  /* frames lost because the disk fell behind (0 in a sound recording) */
    char error[512];   /* why the last recording failed, else "" */
};
/* Stop: the ring drained, the file finished and synced; st says what was recorded. Returns 0,
 * or -EINVAL when nothing is being recorded (st still filled: a failed one says why). */
int stemd_record_stop(struct stemd *sd, struct stemd_record_status *st);
void stemd_record_status(struct stemd *sd, struct stemd_record_status *st);

/* MIDI transport: stemd's JACK client has midi_in and midi_out (JACK MIDI). The process thread
 * only copies: midi_in's events into one ring, a second ring's events onto midi_out. Both rings
 * have ONE control-side user, the MIDI layer's thread (midi/), which alone calls these two. A
 * message is at most STEMD_MIDI_MSG_MAX bytes (a longer SysEx is dropped and counted). */
#define STEMD_MIDI_MSG_MAX    256   /* bytes of one event (an MCU scribble strip: 120) */
#define STEMD_MIDI_RING_BYTES 65536 /* each way: thousands of events, many cycles' worth */
#define STEMD_MIDI_RT_EVENTS  256   /* moved each way per process cycle at most (bounded work) */
/* A ring record: this header, then len bytes. */
struct stemd_midi_hdr {
    uint32_t frame; /* in: the event's frame within its cycle; out: ignored (sent at frame 0) */
    uint32_t len;
};
/* Take the oldest event from midi_in into msg (cap bytes; cap >= STEMD_MIDI_MSG_MAX). Returns
 * its length, or 0 when none is waiting. Never blocks. */
size_t stemd_midi_read(struct stemd *sd, uint8_t *msg, size_t cap);
/* Queue one complete message (1..STEMD_MIDI_MSG_MAX bytes) for midi_out, sent in the next
 * process cycle. Returns 0; -EINVAL (bad length); -ENOBUFS when the ring is full (counted as
 * dropped). Never blocks. Sends nothing while no JACK server is there (queued until one is). */
int stemd_midi_write(struct stemd *sd, const uint8_t *msg, size_t len);
struct stemd_midi_counters {
    uint64_t rx_events, rx_dropped; /* midi_in: copied, and lost (ring full, too long) */
    uint64_t tx_events, tx_dropped; /* midi_out: sent, and lost (ring or port buffer full) */
};
void stemd_midi_counters(struct stemd *sd, struct stemd_midi_counters *out);
/* The JACK ports connected to midi_in (the controllers stemd hears) and to midi_out (those it
 * drives), as JACK names them ("a2j:nanoKONTROL2 [20] (capture): nanoKONTROL2 MIDI 1"), the
 * first STEMD_MIDI_CONNS_MAX of each; n* count them all. None while no JACK server is there.
 * Any control thread (takes the engine's lock for JACK's graph); never the process thread. */
#define STEMD_MIDI_CONNS_MAX 8
#define STEMD_PORT_NAME_MAX  320 /* jack_port_name_size() of jack2 */
struct stemd_midi_conns {
    unsigned nin, nout;
    char in[STEMD_MIDI_CONNS_MAX][STEMD_PORT_NAME_MAX];
    char out[STEMD_MIDI_CONNS_MAX][STEMD_PORT_NAME_MAX];
};
void stemd_midi_connections(struct stemd *sd, struct stemd_midi_conns *out);

/* Called for every parameter a call changed, in the thread that made it, with the writer lock
 * held (the lock is recursive: the listener may call stemd_get or even stemd_set). No text: ref
 * is the parameter (params_path gives its canonical path when a surface needs one, e.g. to send
 * feedback), value the one applied, source the caller's. batch is the sequence number of the
 * snapshot that carries the change: every change of one stemd_apply (one OSC bundle, one preset)
 * has the same batch, and the calls of one batch come one after another, before any of the next
 * (a new batch value means the previous batch is complete), so an undo history can group them.
 * Keep it short: it delays the next writer. */
typedef void (*stemd_listener_fn)(void *ctx, const struct param_ref *ref, float value, int source,
                                  uint64_t batch);
/* Up to 8 listeners. Returns 0 or -ENOSPC. */
int stemd_add_listener(struct stemd *sd, stemd_listener_fn fn, void *ctx);

/* A family of lines another layer keeps in the state file and in presets beside the parameters
 * (the MIDI layer's "/midi/map ..." lines): the preset reader hands every line whose first word
 * starts with prefix to it, so its lines are validated like any other, and a bad one is
 * reported as "file:line: reason" with nothing of that file applied. Calls come from whichever
 * thread applies a preset (never with the writer lock held); the layer locks for itself. */
struct stemd_lines {
    const char *prefix; /* "/midi/" */
    void *ctx;
    /* A preset is being read: a handle for its lines (NULL: out of memory, the preset fails). */
    void *(*begin)(void *ctx);
    /* One of its lines, trimmed, without a comment or newline. 0, or -EINVAL with a reason in
     * err (a person's words: what is wrong and what is right). */
    int (*line)(void *ctx, void *h, const char *line, char *err, size_t errlen);
    /* The end of the preset: commit (every line good and the parameters applied; nlines of
     * this layer's lines were in it) or discard (commit 0). Frees h either way. */
    void (*end)(void *ctx, void *h, int commit, unsigned nlines);
    /* This layer's lines for the state text (each ending in a newline): malloc'd ("" for none);
     * NULL when out of memory. */
    char *(*format)(void *ctx);
};
/* Install the one line family (l must outlive the server). Call BEFORE stemd_init (the state
 * file is read there; no thread runs yet, so no lock is needed). Returns 0 or -EBUSY. */
int stemd_add_lines(struct stemd *sd, const struct stemd_lines *l);
/* Something of a line family changed: saved with the state like a parameter change. */
void stemd_mark_changed(struct stemd *sd);

/* For tests: the sequence number of the newest published snapshot, and the JACK frame time of
 * the first cycle that used it (0 until one did). */
uint64_t stemd_published_seq(struct stemd *sd);
int stemd_seen(struct stemd *sd, uint64_t *seq, uint64_t *frame);

#endif
