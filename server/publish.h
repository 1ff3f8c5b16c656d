/* server/publish.h: parameter snapshots on their way to the process thread: built, published
 * with RCU, retired, and freed by the control thread after a grace period. Internal to server/:
 * only server/control.c (the API) publishes. The control thread's life cycle (control_init,
 * control_start, control_stop, control_fini), control_retire, grace_wait and snap_free are
 * declared in server/server.h, which the engine and the recorder share. */
#ifndef STEMD_PUBLISH_H
#define STEMD_PUBLISH_H

#include "dsp/params.h"

struct stemd;
struct snap;

/* A new, unpublished snapshot holding a copy of p. NULL when out of memory. */
struct snap *snap_new(const struct params *p);
/* Publish s (the writer lock held): the next cycle that starts reads it; marks the state
 * unsaved. Returns the snapshot it replaced, for the caller to retire (control_retire) once it
 * no longer reads it. */
struct snap *snap_publish(struct stemd *sd, struct snap *s);

#endif
