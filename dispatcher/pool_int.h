/* The pool's state, shared by pool.c, route.c and stats.c only. */
#ifndef POOL_INT_H
#define POOL_INT_H

#include "class.h"
#include "config.h"
#include "conn.h"

struct pool {
	int			  epfd;
	unsigned		  shard;	/* its shard's index, of nshards */
	unsigned		  nshards;
	struct {
		int		  type;		/* EVENT_RESPAWN */
		int		  fd;
	}			  timer;
	char			 *program;	/* the workers' */
	const struct config	 *cf;
	struct class		**classes;	/* by configuration index */
	size_t			  nclasses;
	size_t			 *order;	/* class indexes, by priority */
	struct class		**retired;	/* removed, workers finishing */
	size_t			  nretired;
	int			  stopping;
	uint64_t		  timer_ms;	/* when the timer fires, 0: never */
	/* Regex match errors (route.c): all, and those not logged yet. */
	uint64_t		  match_errors;
	uint64_t		  match_errors_unlogged;
	uint64_t		  match_error_logged_ms;
	uint64_t		  denied;
	struct access		 *access;
	/* Connections matched, per rule of the configuration, then default. */
	uint64_t		 *rule_hits;
	/*
	 * Connections of the lowest priority accepted in the current run
	 * of accepts, and their classes' indexes: route_flush hands them
	 * out at its end, a worker's share in one CONN.
	 */
	struct conn		  held[CLASS_SEND_MAX];
	size_t			  held_class[CLASS_SEND_MAX];
	size_t			  nheld;
};

/*
 * Hands what workers of c take of cns[0..n) to them (class_send): how
 * many went, at the front of cns.
 */
size_t	pool_send(struct pool *, struct class *, struct conn **, size_t n);

/* Has the timer fire at when (0: never) at the latest. */
void	pool_timer_at(struct pool *, uint64_t when);

#endif
