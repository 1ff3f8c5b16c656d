/* server/server.c: stemd's life: start-up, the main loop (signals, JACK (re)connection,
 * systemd notification and watchdog, state saving) and a clean stop. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "server/log.h"
#include "server/server.h"
#include "server/state.h"

#define SAVE_DELAY_MS  1000 /* save this long after the last change: bursts make one write */
#define BACKOFF_MIN_MS 250
#define BACKOFF_MAX_MS 2000 /* back within ~2 s of a JACK server's return */
/* How long a stop may wait for JACK to let the client go. jack2 keeps its metadata in a
 * Berkeley DB shared by every JACK process of the user; one that dies holding its lock (a
 * SIGKILLed jackd or client) leaves every later metadata call, stemd's removal of its ports'
 * properties included, waiting forever. Seen on a loaded test machine. 5 s is far past a
 * normal close (tens of ms) and well inside systemd's TimeoutStopSec (90 s). */
#define STOP_BOUND_S 5

/* The coarse clock (the last tick, a few ms fine): what reads it works in hundreds of ms (the
 * save delay, retries), and every published change reads it, where the fine clock cost a sixth
 * of a single OSC change's time on the control path (tools/bench-control.c, perf). */
int64_t stemd_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void save_state(struct stemd *sd)
{
    if (!sd->cfg.state_dir[0]) return;
    atomic_store(&sd->ctl.dirty, 0);
    char *text = stemd_format_state(sd, 1);
    if (!text) {
        log_err("cannot save state: out of memory");
        atomic_store(&sd->ctl.dirty, 1);
        return;
    }
    if (state_write_atomic(sd->cfg.state_dir, sd->state_name, text) == 0)
        log_debug("state saved to %s/%s", sd->cfg.state_dir, sd->state_name);
    else
        atomic_store(&sd->ctl.dirty, 1);
    free(text);
}

/* Defaults, then the saved state; or, with --preset, defaults and that preset. */
static int load_parameters(struct stemd *sd)
{
    char err[512];
    if (sd->cfg.preset[0]) {
        if (stemd_apply_preset_file(sd, sd->cfg.preset, 1, STEMD_SRC_INTERNAL, err, sizeof err) <
            0) {
            log_err("preset not applied: %s (fix the file or drop --preset)", err);
            return -EINVAL;
        }
        log_notice("preset %s applied", sd->cfg.preset);
        return 0;
    }
    if (!sd->cfg.state_dir[0]) return 0;
    char *text;
    int rc = state_read(sd->cfg.state_dir, sd->state_name, &text);
    if (rc == -ENOENT) {
        log_info("no saved state in %s/%s yet: starting from the defaults", sd->cfg.state_dir,
                 sd->state_name);
        return 0;
    }
    if (rc < 0) {
        log_err("cannot read %s/%s: %s", sd->cfg.state_dir, sd->state_name, strerror(-rc));
        return 0;
    }
    char label[CONFIG_PATH_MAX + 80];
    snprintf(label, sizeof label, "%s/%s", sd->cfg.state_dir, sd->state_name);
    rc = stemd_apply_preset(sd, text, label, 1, STEMD_SRC_INTERNAL, err, sizeof err);
    free(text);
    if (rc < 0) {
        /* Keep the file for a person to look at; the next save must not overwrite it. */
        char bad[CONFIG_PATH_MAX + 100];
        snprintf(bad, sizeof bad, "%s.rejected", label);
        rename(label, bad);
        log_err("saved state rejected (%s); moved to %s, starting from the defaults", err, bad);
        return 0;
    }
    atomic_store(&sd->ctl.dirty, 0);
    log_notice("state loaded from %s", label);
    return 0;
}

int stemd_init(struct stemd *sd)
{
    struct timespec ts;
    sigset_t set;
    int rc;

    sd->presets.dfd = -1; /* before anything can fail: stemd_fini closes it */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    sd->start_s = (double)ts.tv_sec + ts.tv_nsec * 1e-9;
    log_set_level(sd->cfg.log_level);
    for (unsigned k = 0; k < sd->cfg.nstems; k++)
        sd->names_ptr[k] = sd->cfg.names[k];
    sd->names.n = sd->cfg.nstems;
    sd->names.names = sd->names_ptr;
    snprintf(sd->state_name, sizeof sd->state_name, "%s.state", sd->cfg.jack_name);

    /* Block the signals in every thread (JACK's and ours inherit the mask): the main loop
     * takes them from a signalfd, so no handler and no global flag are needed. */
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* A file-size limit (ulimit -f) must fail a write with EFBIG, which the recorder reports,
     * rather than kill the server. */
    signal(SIGXFSZ, SIG_IGN);

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    log_info("sanitizer build: memory not locked (its shadow memory is too large)");
#else
    /* Page faults in the process thread are as bad as system calls: lock everything, now and
     * later. Without the right (RLIMIT_MEMLOCK, CAP_IPC_LOCK) stemd still runs. */
    if (mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
        log_warn("memory not locked (mlockall: %s): page faults may cause xruns; raise "
                 "LimitMEMLOCK / the memlock limit in /etc/security/limits.d",
                 strerror(errno));
#endif
    log_debug("config: %u stems, jack-name %s, jack-server %s, state-dir %s, preset %s, "
              "%u --connect, config %s",
              sd->cfg.nstems, sd->cfg.jack_name,
              sd->cfg.jack_server[0] ? sd->cfg.jack_server : "(default)",
              sd->cfg.state_dir[0] ? sd->cfg.state_dir : "(none)",
              sd->cfg.preset[0] ? sd->cfg.preset : "(none)", sd->cfg.nconnect,
              sd->cfg.config[0] ? sd->cfg.config : "(none)");
    if (sd->cfg.state_dir[0]) {
        /* Never run with a state that cannot be kept: the session's work would be lost at exit. */
        char err[CONFIG_PATH_MAX + 128];
        if ((rc = state_dir_prepare(sd->cfg.state_dir, err, sizeof err)) < 0) {
            log_err("cannot start: %s (fix it or choose another --state-dir)", err);
            return rc;
        }
    }
    if (sd->cfg.preset_dir[0]) {
        /* The same rule for the preset library: a save that cannot land is refused at start. */
        char err[CONFIG_PATH_MAX + 128];
        if ((rc = presetlib_open(&sd->presets, sd->cfg.preset_dir, err, sizeof err)) < 0) {
            log_err("cannot start: %s (fix it or choose another --preset-dir)", err);
            return rc;
        }
    }
    if ((rc = pthread_key_create(&sd->rt_key, engine_rt_thread_exit)) != 0) return -rc;
    sd->rt_key_made = 1;
    if ((rc = control_init(sd)) < 0 || (rc = engine_init(sd)) < 0 ||
        (rc = recorder_init(sd, sd->cfg.record_dir)) < 0) {
        log_err("cannot start: %s", strerror(-rc));
        return rc;
    }
    if ((rc = load_parameters(sd)) < 0) return rc;
    /* After the load: the state stemd starts in is where undo stops. */
    if ((rc = undo_init(sd)) < 0 || (rc = ab_init(sd)) < 0 || (rc = scenes_init(sd)) < 0) {
        log_err("cannot start: undo, A/B, scenes: %s", strerror(-rc));
        return rc;
    }
    ports_remember_config(sd);
    if ((rc = control_start(sd)) < 0) return rc;
    notify_init(&sd->notify);
    return 0;
}

void stemd_fini(struct stemd *sd)
{
    engine_close(sd);
    recorder_fini(sd); /* after the last cycle: the whole ring reaches the file */
    control_stop(sd);
    engine_fini(sd);
    scenes_fini(sd);
    ab_fini(sd);
    undo_fini(sd);
    control_fini(sd);
    presetlib_close(&sd->presets);
    notify_close(&sd->notify);
    if (sd->rt_key_made) pthread_key_delete(sd->rt_key);
}

static void send_status(struct stemd *sd, int connected)
{
    char msg[256];
    if (connected)
        snprintf(msg, sizeof msg,
                 "STATUS=running: %u stems, %u Hz, %u frames, latency %u, xruns %llu",
                 sd->cfg.nstems, engine_rate_hz(&sd->eng), engine_period_frames(&sd->eng),
                 engine_latency_frames(&sd->eng), (unsigned long long)engine_xruns(&sd->eng));
    else
        snprintf(msg, sizeof msg, "STATUS=waiting for JACK server '%s'",
                 sd->cfg.jack_server[0] ? sd->cfg.jack_server : "default");
    notify_send(&sd->notify, msg);
}

static void reload(struct stemd *sd, int argc, char **argv)
{
    struct stemd_config *old = malloc(sizeof *old), *n = malloc(sizeof *n);
    char err[512];
    if (!old || !n) {
        free(old);
        free(n);
        return;
    }
    memcpy(old, &sd->cfg, sizeof *old);
    memcpy(n, &sd->cfg, sizeof *n);
    if (config_reload(n, argc, argv) < 0) {
        free(old);
        free(n);
        return;
    }
    /* What JACK and the snapshots are built around cannot change while running. */
    if (n->nstems != old->nstems || memcmp(n->names, old->names, sizeof old->names) != 0 ||
        strcmp(n->jack_name, old->jack_name) || strcmp(n->jack_server, old->jack_server) ||
        strcmp(n->state_dir, old->state_dir) || strcmp(n->preset_dir, old->preset_dir)) {
        log_warn("SIGHUP: stems, jack-name, jack-server, state-dir and preset-dir change only on "
                 "a restart of stemd; keeping the running ones");
        memcpy(n->state_dir, old->state_dir, sizeof old->state_dir);
        memcpy(n->preset_dir, old->preset_dir, sizeof old->preset_dir);
    }
    /* Only the reloadable part of sd->cfg is written: its head (nstems, names, jack-name,
     * jack-server) is read without a lock by the process callback, JACK's latency callback and
     * the OSC thread, which must never see it change, even for an instant. */
    _Static_assert(offsetof(struct stemd_config, jack_server) <
                       offsetof(struct stemd_config, connect_out),
                   "the fixed fields lead struct stemd_config");
    const size_t fixed = offsetof(struct stemd_config, connect_out);
    memcpy((char *)&sd->cfg + fixed, (char *)n + fixed, sizeof *n - fixed);
    free(n);
    log_set_level(sd->cfg.log_level);
    recorder_set_dir(sd, sd->cfg.record_dir);
    ports_remember_config(sd);
    ports_restore(sd, 1);
    if (sd->cfg.preset[0] && strcmp(sd->cfg.preset, old->preset) != 0) {
        if (stemd_apply_preset_file(sd, sd->cfg.preset, 1, STEMD_SRC_INTERNAL, err, sizeof err) < 0)
            log_err("SIGHUP: preset not applied: %s", err);
        else
            log_notice("SIGHUP: preset %s applied", sd->cfg.preset);
    }
    if (sd->on_reload) sd->on_reload(sd, sd->on_reload_ctx);
    log_notice("SIGHUP: configuration reloaded");
    free(old);
}

/* The stop's guard: a thread that waits STOP_BOUND_S for engine_close; if JACK still holds
 * it, the recording is finished and stemd leaves without closing the client (the kernel
 * closes its socket; the state was saved before the close began). */
struct stop_guard {
    struct stemd *sd;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done;
};

static void *stop_guard_main(void *arg)
{
    struct stop_guard *g = arg;
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_sec += STOP_BOUND_S;
    pthread_mutex_lock(&g->lock);
    int rc = 0;
    while (!g->done && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&g->cond, &g->lock, &dl);
    int done = g->done;
    pthread_mutex_unlock(&g->lock);
    if (done) return NULL;
    struct stemd_record_status st;
    if (stemd_record_stop(g->sd, &st) == 0)
        log_notice("recording finished: %s (%.1f s)", st.path, st.seconds);
    log_err("stopping: JACK has not let stemd close its client in %d s (jack2's metadata store "
            "is locked, e.g. by a JACK program that died holding it; restarting jackd clears "
            "it). The state is saved; leaving without closing the client.",
            STOP_BOUND_S);
    _exit(0);
}

/* engine_close, bounded by a stop guard (when its thread can be made: else unbounded). */
static void close_bounded(struct stemd *sd)
{
    struct stop_guard g = {.sd = sd, .done = 0};
    pthread_t t;
    pthread_mutex_init(&g.lock, NULL);
    pthread_cond_init(&g.cond, NULL);
    int guarded = pthread_create(&t, NULL, stop_guard_main, &g) == 0;
    engine_close(sd);
    if (guarded) {
        pthread_mutex_lock(&g.lock);
        g.done = 1;
        pthread_cond_signal(&g.cond);
        pthread_mutex_unlock(&g.lock);
        pthread_join(t, NULL);
    }
    pthread_cond_destroy(&g.cond);
    pthread_mutex_destroy(&g.lock);
}

int stemd_run(struct stemd *sd, int argc, char **argv, atomic_int *stop)
{
    struct engine *e = &sd->eng;
    sigset_t set;
    int connected = 0, attempts = 0, rc = 0;
    int64_t next_try = 0, backoff = BACKOFF_MIN_MS, last_wd = 0, lost_at = 0;
    uint64_t wd_cycles = 0;
    const char *server = sd->cfg.jack_server[0] ? sd->cfg.jack_server : "default";

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) {
        log_err("signalfd: %s", strerror(errno));
        return -errno;
    }
    notify_send(&sd->notify, "READY=1");
    send_status(sd, 0);

    for (;;) {
        int64_t now = stemd_now_ms();
        if (stop && atomic_load(stop)) break;
        if (!connected && now >= next_try) {
            rc = engine_open(sd);
            attempts++;
            if (rc == 0) {
                connected = 1;
                if (lost_at) {
                    engine_count_reconnect(e);
                    log_notice("back on JACK server '%s' after %.1f s", server,
                               (now - lost_at) / 1000.0);
                }
                log_notice("running on JACK server '%s' as '%s': %u stems, %u Hz, %u frames, "
                           "latency %u frames",
                           server, sd->cfg.jack_name, sd->cfg.nstems, engine_rate_hz(e),
                           engine_period_frames(e), engine_latency_frames(e));
                send_status(sd, 1);
                backoff = BACKOFF_MIN_MS;
                attempts = 0;
            } else if (rc == -EEXIST) {
                log_err("a JACK client named '%s' is already on server '%s' (another stemd?): "
                        "stop it, or give this one another --jack-name",
                        sd->cfg.jack_name, server);
                break;
            } else if (sd->cfg.no_wait) {
                log_err("no JACK server '%s' is running (start jackd first, or drop --no-wait "
                        "to wait for it)",
                        server);
                break;
            } else {
                if (attempts == 1)
                    log_warn("no JACK server '%s' yet (%s); retrying with backoff up to %d ms",
                             server, rc == -ECONNREFUSED ? "not running" : "open failed",
                             BACKOFF_MAX_MS);
                else
                    log_info("JACK server '%s' still not there; next try in %lld ms", server,
                             (long long)backoff);
                next_try = now + backoff;
                backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
                rc = 0;
            }
        }
        if (connected && engine_lost(e)) {
            log_warn("JACK server '%s' went away: keeping parameters and %u connections, "
                     "reconnecting",
                     server, ports_remembered(sd));
            engine_close(sd);
            connected = 0;
            lost_at = now;
            next_try = now + BACKOFF_MIN_MS;
            backoff = BACKOFF_MIN_MS;
            attempts = 1;
            send_status(sd, 0);
        }
        if (connected) engine_tick(sd, now);
        if (atomic_load(&sd->ctl.dirty) &&
            now - atomic_load(&sd->ctl.last_change_ms) >= SAVE_DELAY_MS)
            save_state(sd);
        /* The watchdog is fed only while the process thread makes progress (or while no
         * server is there to run it: then the main loop itself is the one alive). */
        if (sd->notify.watchdog_usec &&
            now - last_wd >= (int64_t)(sd->notify.watchdog_usec / 2000)) {
            uint64_t c = engine_cycles(e);
            if (!connected || c != wd_cycles) {
                notify_send(&sd->notify, "WATCHDOG=1");
                if (connected) send_status(sd, 1);
            }
            wd_cycles = c;
            last_wd = now;
        }
        struct pollfd pfd = {.fd = sfd, .events = POLLIN};
        if (poll(&pfd, 1, 50) > 0) {
            struct signalfd_siginfo si;
            int quit = 0;
            while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
                if (si.ssi_signo == SIGHUP)
                    reload(sd, argc, argv);
                else {
                    log_notice("%s: stopping", strsignal((int)si.ssi_signo));
                    quit = 1;
                }
            }
            if (quit) break;
        }
    }
    notify_send(&sd->notify, "STOPPING=1");
    /* Saved first: nothing of the session may depend on JACK letting go (STOP_BOUND_S). */
    if (atomic_load(&sd->ctl.dirty) || rc == 0) save_state(sd);
    close_bounded(sd);
    close(sfd);
    return rc;
}
