/* tools/pipeline.h: hand-overs between stemd-render's two threads.
 *
 * stemd-render runs the mix in two stages (dsp/mix.h): mix_stems, every stem through its strip,
 * on a worker thread; and on the main thread everything serial: reading the stem files, the
 * master bus (mix_bus), dither, the meters and writing the file. Pipelined, the serial half of
 * the work overlaps the stems of the next chunks instead of waiting for them.
 *
 * The pipeline only orders the work; the buffers are the caller's, one set per slot. The main
 * thread fills slot q % slots with chunk q's input and submits it; the worker takes submitted
 * chunks in order, processes each and finishes it; the main thread waits for chunk q to be
 * finished, uses its output, and then may fill the slot again with chunk q + slots. Chunks go
 * through in order, so the samples are those of the serial path.
 *
 * Not real-time: a mutex and two condition variables (a chunk is thousands of frames, so the
 * hand-overs cost nothing measurable). */
#ifndef STEMD_PIPELINE_H
#define STEMD_PIPELINE_H

struct pipeline;

/* A pipeline of 'slots' chunks in flight. NULL when out of memory. */
struct pipeline *pipeline_new(unsigned slots);
void pipeline_free(struct pipeline *pl);
unsigned pipeline_slots(const struct pipeline *pl);

/* Main thread: chunk q (the next in sequence: 0, 1, 2, ...) is filled; the worker's now. */
void pipeline_submit(struct pipeline *pl);
/* Main thread: wait until the worker has finished chunk q (q submitted). */
void pipeline_wait(struct pipeline *pl, unsigned long q);
/* Main thread: no more chunks; the worker's pipeline_work returns -1 once it has none left to
 * do, or at once when abandon is set (an error: the rest is not needed). */
void pipeline_close(struct pipeline *pl, int abandon);

/* Worker: the slot of the oldest submitted, unfinished chunk, waiting for one; -1 when closed. */
int pipeline_work(struct pipeline *pl);
/* Worker: that chunk is done. */
void pipeline_finish(struct pipeline *pl);

#endif
