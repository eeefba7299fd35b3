#include <errno.h>
#include <stdlib.h>

#include "queue.h"

#define QUEUE_HEAP_MIN	16

void
queue_init(struct queue *q, size_t max)
{
	TAILQ_INIT(&q->byprio);
	q->heap = NULL;
	q->nheap = q->heapcap = q->len = 0;
	q->max = max;
}

void
queue_free(struct queue *q)
{
	free(q->heap);
	q->heap = NULL;
	q->nheap = q->heapcap = 0;
}

static void
queue_heap_set(struct queue *q, size_t i, struct queue_item *it)
{
	q->heap[i] = it;
	it->heap = i;
}

/* Moves the item at i towards the root while it is due earlier. */
static void
queue_heap_up(struct queue *q, size_t i)
{
	struct queue_item	*it = q->heap[i];
	size_t			 parent;

	while (i > 0) {
		parent = (i - 1) / 2;
		if (q->heap[parent]->deadline_ms <= it->deadline_ms)
			break;
		queue_heap_set(q, i, q->heap[parent]);
		i = parent;
	}
	queue_heap_set(q, i, it);
}

/* Moves the item at i towards the leaves while a child is due earlier. */
static void
queue_heap_down(struct queue *q, size_t i)
{
	struct queue_item	*it = q->heap[i];
	size_t			 child;

	while ((child = 2 * i + 1) < q->nheap) {
		if (child + 1 < q->nheap && q->heap[child + 1]->deadline_ms <
		    q->heap[child]->deadline_ms)
			child++;
		if (it->deadline_ms <= q->heap[child]->deadline_ms)
			break;
		queue_heap_set(q, i, q->heap[child]);
		i = child;
	}
	queue_heap_set(q, i, it);
}

int
queue_push(struct queue *q, struct queue_item *it, int priority,
    uint64_t deadline_ms)
{
	struct queue_item	**heap, *after;
	size_t			  cap;

	if (q->len >= q->max) {
		errno = EAGAIN;
		return -1;
	}
	if (deadline_ms != 0 && q->nheap == q->heapcap) {
		cap = q->heapcap == 0 ? QUEUE_HEAP_MIN : 2 * q->heapcap;
		if ((heap = reallocarray(q->heap, cap, sizeof(*heap))) == NULL)
			return -1;
		q->heap = heap;
		q->heapcap = cap;
	}
	it->priority = priority;
	it->deadline_ms = deadline_ms;
	/*
	 * From the tail: most items share the queue's own priority, and
	 * only one of a higher priority walks further.
	 */
	TAILQ_FOREACH_REVERSE(after, &q->byprio, queue_items, byprio)
		if (after->priority >= priority)
			break;
	if (after != NULL)
		TAILQ_INSERT_AFTER(&q->byprio, after, it, byprio);
	else
		TAILQ_INSERT_HEAD(&q->byprio, it, byprio);
	if (deadline_ms != 0) {
		q->heap[q->nheap] = it;
		queue_heap_up(q, q->nheap++);
	}
	q->len++;
	return 0;
}

void
queue_remove(struct queue *q, struct queue_item *it)
{
	size_t	i = it->heap;

	TAILQ_REMOVE(&q->byprio, it, byprio);
	q->len--;
	if (it->deadline_ms == 0)
		return;
	/* The heap's last item fills the hole, then finds its place. */
	if (i == --q->nheap)
		return;
	queue_heap_set(q, i, q->heap[q->nheap]);
	if (i > 0 && q->heap[(i - 1) / 2]->deadline_ms > q->heap[i]->deadline_ms)
		queue_heap_up(q, i);
	else
		queue_heap_down(q, i);
}

struct queue_item *
queue_first(const struct queue *q)
{
	return TAILQ_FIRST(&q->byprio);
}

struct queue_item *
queue_last(const struct queue *q)
{
	return TAILQ_LAST(&q->byprio, queue_items);
}

struct queue_item *
queue_next(const struct queue_item *it)
{
	return TAILQ_NEXT(it, byprio);
}

struct queue_item *
queue_expired(const struct queue *q, uint64_t now_ms)
{
	if (q->nheap == 0 || q->heap[0]->deadline_ms > now_ms)
		return NULL;
	return q->heap[0];
}

uint64_t
queue_deadline(const struct queue *q)
{
	return q->nheap > 0 ? q->heap[0]->deadline_ms : 0;
}
