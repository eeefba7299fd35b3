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
struct worker;

/* Connections' fates are told to the access log (see access.h). */
struct access;
struct pool	*pool_new(int epfd, const char *program, struct access *);
/*
 * Every class, live then retired (index -1), through one index: NULL
 * past the last.
 */
struct class	*pool_class_at(const struct pool *, size_t i);
void		 pool_free(struct pool *);

/*
 * Takes a configuration: classes are matched by name; those whose
 * workers can serve the new settings keep them, new ones get workers,
 * removed or changed ones drain.  Returns 0, or -1 when out of memory
 * with nothing changed.  The configuration must outlive its use by the
 * pool.
 */
int		 pool_configure(struct pool *, const struct config *);

void		 pool_channel_event(struct pool *, struct worker *,
		    uint32_t events);
void		 pool_queued_event(struct pool *, struct class_entry *,
		    uint32_t events);

/* Frees what the last batch of events left behind; call between batches. */
void		 pool_gc(struct pool *);
void		 pool_timer_event(struct pool *);
/*
 * Reaps every child that exited (SIGCHLD); one that is no worker (a new
 * dispatcher being started by an upgrade) goes to other, with its status.
 */
void		 pool_reap(struct pool *, void (*other)(pid_t, int status));

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
