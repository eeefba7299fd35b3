/* The pool's state, shared by pool.c and route.c only. */
#ifndef POOL_INT_H
#define POOL_INT_H

#include "class.h"
#include "config.h"
#include "conn.h"

struct pool {
	int			  epfd;
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
};

/* Hands a connection to a worker of c unless it is held: 0, or -1. */
int	pool_send(struct pool *, struct class *, const struct conn *);

/* Has the timer fire at when (0: never) at the latest. */
void	pool_timer_at(struct pool *, uint64_t when);

#endif
