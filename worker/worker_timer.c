/*
 * worker_timer: the deadlines of the timed states: reading (an HTTP head),
 * delay, write (a reply waiting for its client to read), linger, and a
 * program's run and the grace after its SIGTERM.
 *
 * All connections have the same HTTP timeout, delay, write timeout,
 * linger time and program limits, so their deadlines come in arrival
 * order: each timed state is a FIFO whose head alone arms one timerfd.
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/timerfd.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "worker.h"

static int	worker_timer_expired(const struct timespec *,
		    const struct timespec *);

/* The time ms from now. */
void
worker_timer_deadline(struct timespec *ts, long ms)
{
	if (clock_gettime(CLOCK_MONOTONIC, ts) == -1)
		fatal("clock_gettime");
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static int
worker_timer_expired(const struct timespec *deadline,
    const struct timespec *now)
{
	return deadline->tv_sec < now->tv_sec ||
	    (deadline->tv_sec == now->tv_sec &&
	    deadline->tv_nsec <= now->tv_nsec);
}

void
worker_timer_init(struct worker *w, struct worker_timer *t,
    enum worker_state state, long ms)
{
	t->src.kind = WORKER_TIMER;
	t->state = state;
	t->armed = 0;
	t->fd = -1;
	if (ms == 0)
		return;
	if ((t->fd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC)) == -1)
		fatal("timerfd_create");
	worker_epoll_add(w, t->fd, &t->src);
}

/*
 * Arms the timer for the head of its queue when it is idle or set for
 * later.  Deadlines only grow along a queue, so a timer set for a head
 * that has left since fires early, finds nothing due and is set again:
 * one call per expiry rather than one per connection.  An empty queue
 * leaves the timer as it is for the same reason.
 */
void
worker_timer_update(struct worker *w, struct worker_timer *t)
{
	const struct worker_conn	*head;
	struct itimerspec		 its;

	head = TAILQ_FIRST(&w->queues[t->state]);
	if (t->fd == -1 || head == NULL ||
	    (t->armed && worker_timer_expired(&t->when, &head->deadline)))
		return;
	memset(&its, 0, sizeof(its));
	its.it_value = head->deadline;
	if (timerfd_settime(t->fd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		fatal("timerfd_settime");
	t->armed = 1;
	t->when = head->deadline;
}

void
worker_timer_event(struct worker *w, struct worker_timer *t)
{
	struct worker_conn	*c;
	struct timespec		 now;
	uint64_t		 expirations;
	int			 fired;

	/* EAGAIN: set again since it fired, and not due yet. */
	fired = read(t->fd, &expirations, sizeof(expirations)) ==
	    (ssize_t)sizeof(expirations);
	if (!fired && errno != EAGAIN)
		log_warn("timerfd");
	if (clock_gettime(CLOCK_MONOTONIC, &now) == -1)
		fatal("clock_gettime");
	/*
	 * Each step below takes the head out of this queue.  The timer still
	 * counts as set meanwhile, so that it is set once, for the head left.
	 */
	while ((c = TAILQ_FIRST(&w->queues[t->state])) != NULL &&
	    worker_timer_expired(&c->deadline, &now)) {
		if (t->state == WORKER_DELAYED)
			worker_conn_reply(w, c);
		else if (t->state == WORKER_WRITING)
			worker_conn_write_timeout(w, c);
		else if (t->state == WORKER_READING)
			worker_http_timeout(w, c);
		else if (t->state == WORKER_LINGERING)
			worker_conn_close(w, c, "linger timeout");
		else
			worker_exec_timeout(w, c);
	}
	if (fired)
		t->armed = 0;
	worker_timer_update(w, t);
}
