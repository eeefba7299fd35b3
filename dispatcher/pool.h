/*
 * pool: the table of classes and the life of their workers: reconciling
 * classes by name on reload, starting and reaping workers, the channels'
 * events, the queues' deadlines, and the stop.
 */
#ifndef POOL_H
#define POOL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

struct class;
struct class_entry;
struct config;
struct pool;
struct pool_plan;
struct worker;

/*
 * Connections' fates are told to the access log (see access.h).  The
 * pool is shard's of nshards (shard.h): its classes get their share of
 * the configured workers, limits and queues (pool_share).
 */
struct access;
struct pool	*pool_new(int epfd, const char *program, struct access *,
		    unsigned shard, unsigned nshards);
/*
 * Shard i's share of a total over n shards: they sum to total, the
 * first ones taking the remainder, and none has less than 1 unless total
 * is 0 (then they sum to more than total, at most n).
 */
int		 pool_share(int total, unsigned i, unsigned n);
/*
 * Every class, live then retired (index -1), through one index: NULL
 * past the last.
 */
struct class	*pool_class_at(const struct pool *, size_t i);
void		 pool_free(struct pool *);

/*
 * Takes a configuration, in two steps so that several pools (one a
 * shard) change together or not at all: pool_prepare allocates what it
 * needs (NULL: out of memory, nothing changed), then pool_commit, which
 * cannot fail, puts it in place, or pool_discard drops it.  Classes are
 * matched by name; those whose workers can serve the new settings keep
 * them, new ones get workers, removed or changed ones drain.  The
 * configuration must outlive its use by the pool.
 */
struct pool_plan *pool_prepare(struct pool *, const struct config *);
void		 pool_commit(struct pool *, struct pool_plan *);
void		 pool_discard(struct pool_plan *);

void		 pool_channel_event(struct pool *, struct worker *,
		    uint32_t events);
void		 pool_queued_event(struct pool *, struct class_entry *,
		    uint32_t events);

/* Frees what the last batch of events left behind; call between batches. */
void		 pool_gc(struct pool *);
void		 pool_timer_event(struct pool *);
/*
 * A child that waitpid reported: 1 when it was one of the pool's
 * workers, now accounted for (and started again unless it was meant to
 * stop), 0 when it is not the pool's.
 */
int		 pool_reap(struct pool *, pid_t, int status);

/*
 * Connections queued or in a worker's hands, a draining worker's (of a
 * class a reload changed or removed) included until it exits.
 */
size_t		 pool_busy(const struct pool *);

/* Closes every channel: workers finish what they hold and exit. */
void		 pool_stop(struct pool *);
size_t		 pool_children(const struct pool *);
void		 pool_kill(const struct pool *, int sig);

#endif
