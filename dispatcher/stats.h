/*
 * stats: the daemon's numbers in the Prometheus text exposition format
 * (version 0.0.4), for the metrics endpoint and the control socket.
 *
 * Everything is counted where it happens (class_stats, listener lanes,
 * the pool's rule counts) at the cost of an increment; this module only
 * reads them, when asked.
 */
#ifndef STATS_H
#define STATS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct listener;
struct pool;

/* What only the event loop knows. */
struct stats_daemon {
	uint64_t	reloads_ok;
	uint64_t	reloads_failed;
	double		last_reload_s;	/* wall clock: the last good load */
	double		started_s;
	int		access_log;	/* one is configured */
	uint64_t	access_dropped;	/* its lines lost to a slow disk */
};

/* Seconds since the epoch, for the timestamps above. */
double	stats_now(void);

/*
 * Writes every metric family: per listener and lane, per rule, per class,
 * and the daemon's own, each summed over the shards' pools (nps of them,
 * one a shard, all with the same configuration); with more than one, the
 * connections each shard accepted.  The listeners are the configuration's,
 * in its order, with their shards' siblings; an allocation that fails is
 * left in the buffer's flag.
 */
void	stats_render(struct buf *, struct pool *const *, size_t nps,
	    struct listener *const *, size_t nlisteners,
	    const struct stats_daemon *);

#endif
