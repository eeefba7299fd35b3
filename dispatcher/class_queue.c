/*
 * class_queue: a class's waiting connections: queued in priority order
 * with a deadline, watched for the client leaving, handed out in order
 * as workers take them, and freed once no event of the batch points at
 * them.  The bookkeeping of order and deadlines is queue.c's.
 */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "class.h"
#include "clock.h"
#include "event.h"
#include "log.h"

#define CLASS_ENTRY(it) \
	((struct class_entry *)((char *)(it) - offsetof(struct class_entry, item)))

const struct class_refusal_words class_refusal_words[CLASS_REFUSALS] = {
	{ "class_full", "is full and has no queue" },
	{ "queue_full", "and its queue are full" },
	{ "queue_timeout", "queue timeout" },
	{ "queue_shortened", "queue shortened by a reload" },
	{ "no_memory", "could not queue it" },
};

/* From a millisecond to a minute, as waits in a queue go. */
const unsigned class_wait_le_ms[CLASS_WAIT_BUCKETS] = {
	1, 5, 10, 25, 50, 100, 250, 500, 1000, 5000, 10000, 60000
};

int
class_enqueue(struct class *c, const struct conn *cn, int priority)
{
	struct class_entry	*e;
	struct epoll_event	 ev;
	uint64_t		 now, deadline = 0;

	if (c->queue.len >= c->queue.max) {
		errno = EAGAIN;
		return -1;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		log_warn("connection %" PRIu64 ": cannot queue it", cn->id);
		return -1;
	}
	e->type = EVENT_QUEUED;
	e->cls = c;
	e->conn = *cn;
	now = clock_ms();
	/* One queued before a reload moved it waits on from then. */
	if (e->conn.queued_ms == 0)
		e->conn.queued_ms = now;
	if (c->conf.queue_timeout_ms > 0)
		deadline = now + (uint64_t)c->conf.queue_timeout_ms;
	if (queue_push(&c->queue, &e->item, priority, deadline) == -1) {
		log_warn("connection %" PRIu64 ": cannot queue it", cn->id);
		free(e);
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLRDHUP;
	ev.data.ptr = e;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, cn->fd, &ev) == -1) {
		log_warn("connection %" PRIu64 ": epoll_ctl", cn->id);
		queue_remove(&c->queue, &e->item);
		free(e);
		return -1;
	}
	return 0;
}

int
class_queued_event(struct class_entry *e, uint32_t events,
    const char **reason)
{
	struct epoll_event	ev;
	socklen_t		len = sizeof(int);
	int			err = 0;

	/*
	 * A reset or an error is in SO_ERROR (read without touching the
	 * client's bytes, which are the worker's); EPOLLHUP without one is
	 * a connection shut both ways.
	 */
	if (getsockopt(e->conn.fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		/* The kernel's word for a reset after the client's FIN. */
		*reason = err == EPIPE ? "reset after closing its side" :
		    strerror(err);
		return -1;
	}
	if (events & (EPOLLERR | EPOLLHUP)) {
		*reason = "closed both ways";
		return -1;
	}
	if (e->cls->conf.abort_on_close) {
		*reason = "closed its side (abort_on_close)";
		return -1;
	}
	/*
	 * Level-triggered, EPOLLRDHUP would fire again at once: from now on
	 * only the events epoll always reports, a reset's among them.
	 */
	memset(&ev, 0, sizeof(ev));
	ev.data.ptr = e;
	/* Out of memory in the kernel: refused, as one that cannot queue. */
	if (epoll_ctl(e->cls->epfd, EPOLL_CTL_MOD, e->conn.fd, &ev) == -1) {
		*reason = strerror(errno);
		return -1;
	}
	return 0;
}

/*
 * An entry taken out of its queue is freed only after the current batch
 * of events, some of which may still point at it: until then its type
 * says it is gone.
 */
void
class_dequeue(struct class_entry *e)
{
	struct class	*c = e->cls;

	/* The descriptor may live on in a worker: epoll must forget it now. */
	if (epoll_ctl(c->epfd, EPOLL_CTL_DEL, e->conn.fd, NULL) == -1)
		fatal("epoll_ctl");
	queue_remove(&c->queue, &e->item);
	e->type = 0;
	TAILQ_INSERT_TAIL(&c->dead, e, dead);
}

void
class_drop(struct class_entry *e)
{
	class_dequeue(e);
	close(e->conn.fd);
}

static struct class_entry *
class_entry_of(struct queue_item *it)
{
	return it != NULL ? CLASS_ENTRY(it) : NULL;
}

struct class_entry *
class_first(const struct class *c)
{
	return class_entry_of(queue_first(&c->queue));
}

struct class_entry *
class_last(const struct class *c)
{
	return class_entry_of(queue_last(&c->queue));
}

struct class_entry *
class_next(const struct class_entry *e)
{
	return class_entry_of(queue_next(&e->item));
}

struct class_entry *
class_expired(const struct class *c, uint64_t now_ms)
{
	return class_entry_of(queue_expired(&c->queue, now_ms));
}

/* A queued connection went to a worker: its wait, in the histogram. */
static void
class_waited(struct class *c, const struct class_entry *e, uint64_t now)
{
	uint64_t	waited = now - e->conn.queued_ms;
	size_t		i;

	for (i = 0; i < CLASS_WAIT_BUCKETS && waited > class_wait_le_ms[i];
	    i++)
		;
	c->stats.wait_bucket[i]++;
	c->stats.wait_ms += waited;
	c->stats.waited++;
}

enum class_sent
class_flush(struct class *c)
{
	struct class_entry	*e;
	struct conn		*cn;
	enum class_sent		 r = CLASS_SENT;
	uint64_t		 now = clock_ms();
	size_t			 sent;

	while ((e = class_first(c)) != NULL) {
		cn = &e->conn;
		if ((r = class_send(c, &cn, 1, &sent)) != CLASS_SENT)
			break;
		class_waited(c, e, now);
		class_drop(e);
	}
	return r;
}

void
class_gc(struct class *c)
{
	struct class_entry	*e;

	while ((e = TAILQ_FIRST(&c->dead)) != NULL) {
		TAILQ_REMOVE(&c->dead, e, dead);
		free(e);
	}
}
