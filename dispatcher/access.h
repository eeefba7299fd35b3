/*
 * access: the access log, one logfmt line per connection when its fate is
 * known: served, refused (with the reason), denied, timed out in the
 * queue, left the queue, or lost with its worker.
 *
 *   time=2026-11-30T01:02:03.456Z conn=42 peer=10.0.0.7:51234
 *   listener=vip lane=1 rule=3 class=special worker=1234 queued_ms=0
 *   in_hand_ms=12 outcome=served reason=-
 *
 * A value that does not apply is "-".  A connection handed to a worker is
 * recorded (its id, worker, and the line's fields) until the worker's
 * DONE names it, or the worker ends; nothing is recorded while the log
 * is off.
 */
#ifndef ACCESS_H
#define ACCESS_H

#include <stdint.h>

#include "conn.h"

struct config;
struct logfile;
struct worker;
struct access;

/* NULL when out of memory. */
struct access	*access_new(void);
/*
 * Hands its last lines to its log, which stays open: the log is its
 * opener's, which may share it between several access objects (one a
 * shard), each writing from its own thread.
 */
void		 access_free(struct access *);
/*
 * The log lines go to from now (NULL: none, and the records of
 * connections in hand are forgotten); the previous one is returned,
 * with every line so far handed to it.
 */
struct logfile	*access_set_log(struct access *, struct logfile *);
struct logfile	*access_log(const struct access *);
/* Hands the lines written since the last call to the log's writer. */
void		 access_flush(struct access *);
/* The configuration that names listeners; the pool's. */
void		 access_configure(struct access *, const struct config *);

/* A connection that never reached a worker: class NULL for none. */
void		 access_refused(struct access *, const struct conn *,
		    const char *class, const char *outcome, const char *reason);
/* A connection worker w took. */
void		 access_handed(struct access *, const struct conn *,
		    const struct worker *);
/* Its worker reports the connection done. */
void		 access_done(struct access *, uint64_t id);
/*
 * Worker w is gone: what it still held was served (a clean exit finishes
 * its connections) or lost.
 */
void		 access_worker_end(struct access *, const struct worker *,
		    int lost);

#endif
