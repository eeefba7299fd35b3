/*
 * class: a class of workers and the hand-off of connections to them: the
 * choice of the worker with the fewest connections in hand, the send in
 * batches with backpressure, the DONE accounting (class.c), and the
 * class's queue of waiting connections (class_queue.c).
 *
 * A class knows its workers' channels, not their processes (proc.c).
 */
#ifndef CLASS_H
#define CLASS_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdint.h>

#include "access.h"
#include "channel.h"
#include "config.h"
#include "conn.h"
#include "queue.h"

/* One worker of a class: its channel, and its process's state. */
struct worker {
	int			 type;		/* EVENT_CHANNEL */
	struct class		*cls;
	pid_t			 pid;		/* 0 while waiting to (re)start */
	int			 chan;		/* -1 when closed */
	unsigned		 inhand;	/* sent minus DONE; draining: at close */
	unsigned		 unfinished;	/* in hand when its channel closed */
	size_t			 cap;		/* what it can hold: contract_max_conn */
	uint64_t		 progress_ms;	/* its last DONE, or first in hand */
	int			 blocked;	/* channel full: waiting for EPOLLOUT */
	int			 hello;
	int			 draining;	/* finishing its work, not respawned */
	uint64_t		 started_ms;
	uint64_t		 respawn_ms;	/* when to start it (again) */
	unsigned		 fails;		/* quick deaths in a row */
};

/*
 * Why a class turned a connection away (its metric's reason label, the
 * log's words): CLASS_FULL when it has no queue to wait in.
 */
enum class_refusal {
	CLASS_REFUSED_FULL,
	CLASS_REFUSED_QUEUE_FULL,
	CLASS_REFUSED_TIMEOUT,
	CLASS_REFUSED_SHORTENED,	/* a reload made its queue shorter */
	CLASS_REFUSED_NO_MEMORY,
	CLASS_REFUSALS
};
struct class_refusal_words {
	const char	*name;		/* the metric's label */
	const char	*text;		/* the log's */
};
extern const struct class_refusal_words class_refusal_words[CLASS_REFUSALS];

/* Upper bounds, in ms, of the queue wait histogram's buckets. */
#define CLASS_WAIT_BUCKETS	12
extern const unsigned class_wait_le_ms[CLASS_WAIT_BUCKETS];

/* What a class has done since it was created, for the metrics. */
struct class_stats {
	uint64_t	handed;		/* sent to its workers */
	/* Of those, the ones that waited in the queue: how long, per bucket. */
	uint64_t	waited;
	uint64_t	wait_bucket[CLASS_WAIT_BUCKETS + 1];	/* last: +Inf */
	uint64_t	wait_ms;	/* their waits added up */
	uint64_t	refused[CLASS_REFUSALS];
	uint64_t	busy_replies;	/* written in full to those refused */
	uint64_t	spilled;	/* went to its overflow class */
	uint64_t	left;		/* clients that left its queue */
	uint64_t	lost;		/* in hand when a worker died or hung */
	uint64_t	restarts;	/* workers started again after dying */
	uint64_t	hung;		/* workers replaced for making no progress */
};

/*
 * A connection waiting in a class's queue.  It is watched for the client
 * leaving (EPOLLRDHUP, never EPOLLIN: nothing is read); once it has
 * half-closed and kept its place, for a reset alone (EPOLLERR, EPOLLHUP).
 */
struct class_entry {
	int			 type;		/* EVENT_QUEUED, 0 once gone */
	struct class		*cls;
	struct conn		 conn;
	struct queue_item	 item;
	TAILQ_ENTRY(class_entry) dead;
};
TAILQ_HEAD(class_entries, class_entry);

struct class {
	struct config_class	  conf;		/* own copies */
	int			  index;	/* in the configuration, -1 when retired */
	int			  epfd;
	/*
	 * Workers [0, nworkers) are the class's; [nworkers, nslots) are
	 * reserved by class_reserve and not yet taken by class_resize.
	 */
	struct worker		**workers;
	size_t			  nworkers;
	size_t			  nslots;
	size_t			  cursor;	/* last worker picked, for ties */
	unsigned		  inhand;	/* across its workers */
	struct queue		  queue;
	struct class_entries	  dead;		/* left the queue this batch */
	/*
	 * Descriptors in flight hit RLIMIT_NOFILE (ETOOMANYREFS): held, the
	 * class sends nothing before retry_ms, then tries again with a delay
	 * doubled up to CLASS_HOLD_MAX_MS.  A DONE or a reap may free room in
	 * flight sooner: the pool retries then (class_retry).
	 */
	uint64_t		  hold_ms;	/* the delay; 0: not held */
	uint64_t		  retry_ms;	/* 0: may try now */
	/* A deadline class_send set, for the pool's timer (class_wake). */
	uint64_t		  wake_ms;
	struct class_stats	  stats;
	struct access		 *access;	/* the pool's access log */
};

#define CLASS_HOLD_MIN_MS	10
#define CLASS_HOLD_MAX_MS	500

enum class_sent {
	CLASS_SENT,		/* a worker has it */
	CLASS_FULL,		/* at max_connections, or no worker can take it now */
	CLASS_HELD,		/* descriptors in flight hit RLIMIT_NOFILE: held */
};

/* Copies a class's settings, strings included: 0, or -1 out of memory. */
int		 class_conf_dup(struct config_class *,
		    const struct config_class *);
void		 class_conf_free(struct config_class *);

/* A class with no worker; NULL when out of memory. */
struct class	*class_new(const struct config_class *, int epfd);
/* Takes settings copied by class_conf_dup, keeping workers and queue. */
void		 class_set(struct class *, struct config_class *);
/* Closes its queued connections and frees it; its workers must be gone. */
void		 class_free(struct class *);

/* Workers not draining. */
size_t		 class_live(const struct class *);
/*
 * Allocates the slots for the workers that class_resize will add so
 * that it cannot fail: 0, or -1 out of memory with nothing reserved.
 * class_unreserve gives back what class_resize did not take.
 */
int		 class_reserve(struct class *, size_t want);
void		 class_unreserve(struct class *);
/*
 * Takes reserved slots or drains workers until want are live; a slot
 * taken has no process yet: pid 0, due at once.
 */
void		 class_resize(struct class *, size_t want);
/* Closes the worker's channel: the worker finishes its work and exits. */
void		 class_drain(struct class *, size_t i);
void		 class_worker_remove(struct class *, size_t i);
/* Its channel is gone; what it held is no longer counted. */
void		 class_channel_close(struct worker *);
/*
 * Connections queued or in a worker's hands, a draining worker's
 * included until it exits.
 */
size_t		 class_busy(const struct class *);
/*
 * Lost contact: its channel is closed and its process told to stop; it
 * is started again when reaped.
 */
void		 class_lost(struct worker *);

/*
 * Sends cns[0..n), n at most CLASS_SEND_MAX, to the workers with the
 * fewest in hand, ties in turn, none past what it can hold: picked as if
 * sent one by one, and each worker's share in one CONN (CHANNEL_CONN_MAX
 * at most), in their order.  *sent says how many went: they are moved to
 * the front of cns, the others follow in their order.  The caller closes
 * its copies of those sent.  Returns CLASS_SENT when all went, else why
 * the others did not; held, the class sends nothing until retried.
 */
#define CLASS_SEND_MAX	64
enum class_sent	 class_send(struct class *, struct conn **cns, size_t n,
		    size_t *sent);
/*
 * A held class may send again: at once (now 0), or when its retry is
 * due by now.  Returns 1 when it may.
 */
int		 class_retry(struct class *, uint64_t now);
/* Takes the deadline the last sends set for the timer: 0 for none. */
uint64_t	 class_wake(struct class *);
/*
 * The earliest moment the class needs the timer for: a held class's
 * retry, a busy worker's worker_timeout_ms; 0 for none.
 */
uint64_t	 class_deadline(const struct class *);
/*
 * Replaces the workers that made no progress within worker_timeout_ms
 * by now (or said no HELLO within it of their start): logged, their connections counted as lost, killed (SIGKILL:
 * a stopped process acts on nothing else), started again when reaped.
 */
void		 class_watch(struct class *, uint64_t now);
/*
 * What a worker is doing by now, in one word: "waiting" to be started
 * (again), "starting" (no HELLO yet), "running", "blocked" (its channel
 * full), "hung" (no DONE within worker_timeout_ms, about to be replaced),
 * "lost" (its channel closed: told to stop, started again when reaped),
 * "draining" (finishing what it holds, then exiting).
 */
const char	*class_worker_state(const struct worker *, uint64_t now);
/* A worker's channel drained: it may be sent to again. */
void		 class_unblock(struct worker *);
/*
 * Why a well-formed message from a worker breaks the protocol (a second
 * HELLO or another pid's, a DONE for more than it holds, a CONN), or
 * NULL when it does not.
 */
const char	*class_check(const struct worker *, const struct channel_msg *);
/* Applies a HELLO or DONE from a worker: 0, or -1 when class_check objects. */
int		 class_message(struct worker *, const struct channel_msg *);

/*
 * Queues a connection behind those of its priority and above: 0, or -1
 * when the queue is full (EAGAIN) or on failure (logged).
 */
int		 class_enqueue(struct class *, const struct conn *,
		    int priority);
/*
 * What the events reported on a queued client mean: 0 when it keeps its
 * place, watched from then on for a reset alone (a FIN: a client that
 * has sent all it had may still wait for its reply, unless the class says
 * abort_on_close), or -1 when it left, with reason set to why.
 */
int		 class_queued_event(struct class_entry *, uint32_t events,
		    const char **reason);
/* Takes an entry out of its queue; its descriptor is the caller's. */
void		 class_dequeue(struct class_entry *);
/* Takes an entry out of its queue and closes its descriptor. */
void		 class_drop(struct class_entry *);
struct class_entry *class_first(const struct class *);
struct class_entry *class_last(const struct class *);
struct class_entry *class_next(const struct class_entry *);
struct class_entry *class_expired(const struct class *, uint64_t now_ms);
/* Hands out the queue in order while workers take: how it stopped. */
enum class_sent	 class_flush(struct class *);
/* Frees the entries that left the queue during the last batch. */
void		 class_gc(struct class *);

#endif
