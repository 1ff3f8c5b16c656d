/* server/ports.h: stemd's JACK ports (names, metadata) and the connections it remembers and
 * restores after a JACK restart. Main thread only (the engine's lock guards the client). */
#ifndef STEMD_PORTS_H
#define STEMD_PORTS_H

#include <stdint.h>

struct stemd;
struct conn; /* a remembered connection, ports.c */

/* The connections stemd remembers (ports.c's own; main thread only). */
struct ports {
    struct conn *conns;
    unsigned nconns, conns_cap;
    unsigned pending;         /* remembered connections the last restore could not make */
    int64_t restore_retry_ms; /* when to try those again */
    int64_t meta_retry_ms;    /* when to write the metadata again (0: all of it is written) */
};

/* Register 2 inputs per stem and the master pair. Returns 0 or -EIO (logged). */
int ports_register(struct stemd *sd);
/* Pretty names, port groups and order of every port. A property JACK did not take (jack2 keeps
 * them in a Berkeley DB that a loaded machine may hold locked) is written again by
 * ports_tick a second later, until all are. Returns how many were not set. */
unsigned ports_set_metadata(struct stemd *sd);
/* The run loop's turn (now in ms): once a second, retries the connections still pending and
 * the metadata JACK did not take. */
void ports_tick(struct stemd *sd, int64_t now_ms);
/* Remove our ports' properties while the client still reads its notifications (see
 * engine_close). */
void ports_clear_metadata(struct stemd *sd);
/* Unregister our ports (client deactivated, not yet closed). */
void ports_unregister(struct stemd *sd);
/* Remember the --connect and --connect-out connections (kept whatever happens). */
void ports_remember_config(struct stemd *sd);
/* Re-read our connections into what is remembered. */
void ports_snapshot(struct stemd *sd);
/* Connect what is remembered; verbose: log what is still pending. What cannot be connected
 * stays remembered (pending) and is tried again by ports_tick and when new ports appear. */
void ports_restore(struct stemd *sd, int verbose);
/* Forget every remembered connection and free the list. */
void ports_forget(struct stemd *sd);
/* How many connections are remembered. */
unsigned ports_remembered(const struct stemd *sd);

#endif
