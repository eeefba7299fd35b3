/*
 * shard: one accept loop.  With "acceptors = N", the dispatcher runs N
 * shards, each in a thread of its own with its own epoll, its own socket
 * in each listener's SO_REUSEPORT group (one a lane: see lanes.h), and
 * its own pool of classes and workers, of which it has its share of each
 * class's workers, limit and queue (pool_share).  The kernel spreads
 * connections over the shards' sockets; within a shard, priority,
 * limits, queues, spill and busy replies work as with one.  With one, the
 * shard runs in the main thread's loop, as the dispatcher always did.
 *
 * The main thread (dispatcher.c) is the control plane: it opens the
 * sockets, loads configurations, reaps workers, renders the metrics and
 * stops.  What it does to a shard it does holding the shard's lock
 * (shard_hold), which the shard holds while it handles a batch of
 * events, not while it waits for one.  A change made meanwhile may have
 * freed what the batch points at: the shard drops such a batch and waits
 * again, which costs nothing as the descriptors are watched
 * level-triggered.  The one exception, connections awaiting a PROXY
 * header (edge-triggered: their peeked bytes stay readable), are still
 * handled, since their entries are freed only by the shard itself
 * (proxy_wait_gc, between batches).
 */
#ifndef SHARD_H
#define SHARD_H

#include <stddef.h>
#include <stdint.h>

struct access;
struct config;
struct listener;
struct logfile;
struct pool;
struct shard;

/*
 * Shard index of n, on the epoll instance epfd when it runs in the main
 * thread's loop (n is 1), or on one of its own (epfd -1).  done_fd, an
 * eventfd, is written to when a threaded shard's loop ends.
 */
struct shard	*shard_new(unsigned index, unsigned n, int epfd,
		    const char *program, int done_fd);
/* Ends the thread, which must be done, and frees the shard. */
void		 shard_free(struct shard *);

/* Starts its thread, if it has one. */
void		 shard_start(struct shard *);

/*
 * Takes the shard's lock, waiting for the batch in hand; shard_release
 * gives it back, changed saying whether the shard's state was changed
 * (the shard's batch gathered meanwhile is then dropped, and it wakes
 * up to look at its state again).  Nothing for a shard without a thread.
 */
void		 shard_hold(struct shard *);
void		 shard_release(struct shard *, int changed);

/* Its pool and access records: to be used holding it. */
struct pool	*shard_pool(struct shard *);
struct access	*shard_access(struct shard *);

/*
 * Gives the shard its listeners, holding it: l[i] is its sibling of
 * listener i of configuration cf (listener.h), watched from now on; l
 * and cf stay the caller's, untouched until the next shard_listen or
 * shard_stop.  Those it had and not in l are no longer looked at (their
 * connections awaiting a PROXY header are dropped), and are the
 * caller's to close.
 */
void		 shard_listen(struct shard *, const struct config *cf,
		    struct listener *const *l, size_t n);

/*
 * An event of a shard running in the main thread's loop: 1 when it was
 * the shard's (EVENT_LISTENER, _CHANNEL, _RESPAWN, _RESUME, _REST,
 * _QUEUED), 0 when not.
 */
int		 shard_event(struct shard *, void *ptr, uint32_t events);

/*
 * After a batch of the main thread's loop, for a shard without a thread:
 * frees what it left and hands the access lines to the log; with a stop
 * asked for, moves it along.  Returns 1 when the shard is done.
 */
int		 shard_settle(struct shard *);
/* The longest the main thread's loop may wait for it: -1, no limit. */
int		 shard_timeout(const struct shard *);

/*
 * Stops accepting (the caller closes the sockets) and lets the
 * connections in hand finish, for grace_ms at most, then stops its
 * workers.  Again: the grace ends now.  Holding it.
 */
void		 shard_stop(struct shard *, uint64_t grace_ms);
/* Whether it is done (its loop ended). */
int		 shard_done(struct shard *);

#endif
