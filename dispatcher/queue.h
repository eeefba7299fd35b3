/*
 * queue: connections waiting for a worker, in hand-out order (higher
 * priority first, then oldest first), each with a deadline of its own.
 *
 * Pure bookkeeping: no system call, no clock; the caller embeds a
 * struct queue_item in what it queues and says what time it is.  Items
 * of one priority leave in arrival order; deadlines need not follow
 * arrival (a reload may change a class's timeout while its queue holds
 * connections), so they are kept in a heap of their own.
 */
#ifndef QUEUE_H
#define QUEUE_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

struct queue_item {
	TAILQ_ENTRY(queue_item)	 byprio;
	int			 priority;
	uint64_t		 deadline_ms;	/* 0: none */
	size_t			 heap;		/* its place in the heap */
};
TAILQ_HEAD(queue_items, queue_item);

struct queue {
	struct queue_items	  byprio;
	struct queue_item	**heap;		/* items with a deadline */
	size_t			  nheap;
	size_t			  heapcap;
	size_t			  len;
	size_t			  max;
};

void	 queue_init(struct queue *, size_t max);
/* Frees what the queue allocated, not its items. */
void	 queue_free(struct queue *);

/*
 * Adds an item behind those of its priority and above: 0, or -1 when
 * the queue is full (errno EAGAIN) or out of memory (ENOMEM).
 */
int	 queue_push(struct queue *, struct queue_item *, int priority,
	    uint64_t deadline_ms);
void	 queue_remove(struct queue *, struct queue_item *);

/* The next to hand out, and the last: NULL when empty. */
struct queue_item *queue_first(const struct queue *);
struct queue_item *queue_last(const struct queue *);
/* The one handed out after it, or NULL. */
struct queue_item *queue_next(const struct queue_item *);

/* The item with the earliest deadline, if that deadline is <= now. */
struct queue_item *queue_expired(const struct queue *, uint64_t now_ms);

/* The earliest deadline, or 0 for none. */
uint64_t queue_deadline(const struct queue *);

#endif
