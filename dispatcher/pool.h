/*
 * pool: the classes of workers, the choice of a worker, the hand-off of
 * connections, and the supervision of worker processes.
 */
#ifndef POOL_H
#define POOL_H

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <stdint.h>

#include "config.h"

#define POOL_RESPAWN_MIN_MS	100	/* first delay for a worker that keeps dying */
#define POOL_RESPAWN_MAX_MS	10000
#define POOL_STABLE_MS		1000	/* a worker that lived this long is fine */

/* A connection accepted and not yet handed to a worker. */
struct pool_conn {
	int			 fd;
	uint64_t		 id;
	unsigned		 listener;
	int			 lane;		/* accepted from, or -1: no lanes */
	int			 lane_priority;
	int			 entry;		/* of the ruleset, or -1 */
	struct sockaddr_storage	 peer;
	struct sockaddr_storage	 local;
};

struct pool_class;

/*
 * A connection waiting in a class's queue.  It is watched for the client
 * leaving (EPOLLRDHUP, never EPOLLIN: nothing is read) and kept in two
 * orders: priority then arrival, for hand-out; arrival, for timeouts.
 */
struct pool_entry {
	int			 type;		/* EVENT_QUEUED */
	struct pool_class	*cls;
	struct pool_conn	 conn;
	int			 priority;	/* of the class it was meant for */
	uint64_t		 deadline_ms;	/* 0: none */
	TAILQ_ENTRY(pool_entry)	 byprio;
	TAILQ_ENTRY(pool_entry)	 byage;
};
TAILQ_HEAD(pool_entries, pool_entry);

struct pool_worker {
	int			 type;		/* EVENT_CHANNEL */
	struct pool_class	*cls;
	pid_t			 pid;		/* 0 while waiting to respawn */
	int			 chan;		/* -1 when closed */
	unsigned		 inhand;	/* sent minus DONE */
	int			 blocked;	/* channel full: waiting for EPOLLOUT */
	int			 hello;
	int			 draining;	/* finishing its work, not respawned */
	uint64_t		 started_ms;
	uint64_t		 respawn_ms;	/* when to start it again */
	unsigned		 fails;		/* quick deaths in a row */
};

struct pool_class {
	struct config_class	  conf;		/* own copies */
	int			  index;	/* in the configuration, -1 when retired */
	struct pool_worker	**workers;
	size_t			  nworkers;
	size_t			  cursor;	/* last worker picked, for ties */
	unsigned		  inhand;	/* across its workers */
	struct pool_entries	  byprio;	/* the queue, in hand-out order */
	struct pool_entries	  byage;	/* the same, oldest first */
	size_t			  qlen;
};

struct pool {
	int			  epfd;
	struct {
		int		  type;		/* EVENT_RESPAWN */
		int		  fd;
	}			  timer;
	char			 *worker_path;
	const struct config	 *cf;
	struct pool_class	**classes;	/* by configuration index */
	size_t			  nclasses;
	size_t			 *order;	/* class indexes, by priority */
	struct pool_entries	  dead;		/* to free after this batch */
	struct pool_class	**retired;	/* removed, workers finishing */
	size_t			  nretired;
	int			  stopping;
	/*
	 * Descriptors in flight on all channels hit RLIMIT_NOFILE
	 * (ETOOMANYREFS): nothing is sent until a worker reports one done
	 * or dies, since EPOLLOUT says nothing about that limit.
	 */
	int			  toomanyrefs;
};

struct pool	*pool_new(int epfd, const char *worker_path);
void		 pool_free(struct pool *);

/*
 * Takes a configuration: classes are matched by name; unchanged ones keep
 * their workers, new ones get workers, removed or changed ones drain.
 * The configuration must outlive its use by the pool.
 */
void		 pool_configure(struct pool *, const struct config *);

/*
 * Matches a connection against the rules and hands it to a worker of its
 * class, or queues it, or spills it to the overflow class, or rejects it.
 * Returns 1 when it was refused (denied or rejected), 0 otherwise.
 */
int		 pool_route(struct pool *, struct pool_conn *);

void		 pool_channel_event(struct pool *, struct pool_worker *,
		    uint32_t events);
void		 pool_queued_event(struct pool *, struct pool_entry *);

/* Frees what the last batch of events left behind; call between batches. */
void		 pool_gc(struct pool *);
void		 pool_timer_event(struct pool *);
void		 pool_reap(struct pool *);

/* Connections queued or in a worker's hands. */
size_t		 pool_busy(const struct pool *);

/* Closes every channel: workers finish what they hold and exit. */
void		 pool_stop(struct pool *);
size_t		 pool_children(const struct pool *);
void		 pool_kill(const struct pool *, int sig);

#endif
