#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "clock.h"
#include "config.h"
#include "conn.h"
#include "dispatcher.h"
#include "event.h"
#include "listener.h"
#include "log.h"
#include "pool.h"
#include "proxy_wait.h"
#include "route.h"
#include "shard.h"

#define SHARD_EVENTS	64	/* events a batch */

struct shard_fd {
	int	type;
	int	fd;
};

struct shard {
	unsigned		  index;	/* of count */
	unsigned		  count;
	int			  epfd;
	int			  threaded;
	pthread_t		  thread;
	/*
	 * Held by the shard while it handles a batch of events and by the
	 * main thread while it changes or reads the shard; gen counts the
	 * main thread's changes.
	 */
	pthread_mutex_t		  lock;
	uint64_t		  gen;
	struct shard_fd		  wake;		/* the main thread's nudge */
	int			  done_fd;
	struct shard_fd		  resume;	/* ends a pause in accepting */
	struct shard_fd		  rest;		/* ends the lowest lanes' rest */
	struct pool		 *pool;
	struct access		 *access;
	struct proxy_wait	 *proxy;	/* headers awaited */
	const struct config	 *cf;		/* of its listeners */
	struct listener	*const	 *listeners;	/* its siblings: the caller's */
	size_t			  nlisteners;
	uint64_t		  accepted;	/* names connections */
	int			  paused;
	enum { RUNNING, DRAINING, REAPING, DONE } state;
	uint64_t		  deadline_ms;
};

static int
shard_timerfd(struct shard *s, struct shard_fd *f, int type)
{
	f->type = type;
	if ((f->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
	    TFD_CLOEXEC)) == -1)
		fatal("timerfd_create");
	event_watch(s->epfd, EPOLL_CTL_ADD, f->fd, EPOLLIN, f);
	return f->fd;
}

struct shard *
shard_new(unsigned index, unsigned n, int epfd, const char *program,
    int done_fd)
{
	struct shard	*s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		fatal("shard_new");
	s->index = index;
	s->count = n;
	s->threaded = epfd == -1;
	s->done_fd = done_fd;
	pthread_mutex_init(&s->lock, NULL);
	if (s->threaded) {
		if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
			fatal("epoll_create1");
		s->wake.type = EVENT_WAKE;
		if ((s->wake.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
			fatal("eventfd");
		event_watch(epfd, EPOLL_CTL_ADD, s->wake.fd, EPOLLIN, &s->wake);
	} else
		s->wake.fd = -1;
	s->epfd = epfd;
	(void)shard_timerfd(s, &s->resume, EVENT_RESUME);
	(void)shard_timerfd(s, &s->rest, EVENT_REST);
	if ((s->access = access_new()) == NULL)
		fatal("access_new");
	s->pool = pool_new(s->epfd, program, s->access, index, n);
	if ((s->proxy = proxy_wait_new(s->epfd, s->pool, s->access)) == NULL)
		fatal("proxy_wait_new");
	return s;
}

void
shard_free(struct shard *s)
{
	if (s == NULL)
		return;
	if (s->threaded)
		pthread_join(s->thread, NULL);
	proxy_wait_free(s->proxy);
	pool_free(s->pool);
	access_free(s->access);
	close(s->resume.fd);
	close(s->rest.fd);
	if (s->threaded) {
		close(s->wake.fd);
		close(s->epfd);
	}
	pthread_mutex_destroy(&s->lock);
	free(s);
}

void
shard_hold(struct shard *s)
{
	if (s->threaded)
		pthread_mutex_lock(&s->lock);
}

void
shard_release(struct shard *s, int changed)
{
	uint64_t	one = 1;

	if (!s->threaded)
		return;
	if (changed) {
		s->gen++;
		if (write(s->wake.fd, &one, sizeof(one)) == -1 &&
		    errno != EAGAIN)
			fatal("eventfd");
	}
	pthread_mutex_unlock(&s->lock);
}

struct pool *
shard_pool(struct shard *s)
{
	return s->pool;
}

struct access *
shard_access(struct shard *s)
{
	return s->access;
}

/* Out of descriptors: no listener accepts for LISTENER_PAUSE_MS. */
static void
shard_pause(struct shard *s, int pause)
{
	struct itimerspec	its;
	size_t			i;

	s->paused = pause;
	for (i = 0; i < s->nlisteners; i++)
		if (pause)
			listener_pause(s->listeners[i], LISTENER_FULL);
		else
			listener_resume(s->listeners[i], LISTENER_FULL);
	memset(&its, 0, sizeof(its));
	if (pause)
		its.it_value.tv_nsec = LISTENER_PAUSE_MS * 1000000L;
	if (timerfd_settime(s->resume.fd, 0, &its, NULL) == -1)
		fatal("timerfd_settime");
}

void
shard_listen(struct shard *s, const struct config *cf,
    struct listener *const *l, size_t n)
{
	size_t	i;

	for (i = 0; i < s->nlisteners; i++)
		if (!listener_in(l, n, s->listeners[i]))
			proxy_wait_forget(s->proxy, s->listeners[i]);
	s->cf = cf;
	proxy_wait_configure(s->proxy, cf, pool_share(cf->proxy_pending,
	    s->index, s->count));
	for (i = 0; i < n; i++) {
		if (listener_in(s->listeners, s->nlisteners, l[i]))
			continue;
		if (s->paused)
			listener_pause(l[i], LISTENER_FULL);
		listener_watch(l[i], s->epfd);
	}
	s->listeners = l;
	s->nlisteners = n;
}

/* Ends every listener's rest. */
static void
shard_wake(struct shard *s)
{
	size_t	i;

	for (i = 0; i < s->nlisteners; i++)
		listener_resume(s->listeners[i], LISTENER_REST);
}

/*
 * One accepted connection, to its class: 1 when it was refused.  Its
 * id is unique across shards, and with one shard counts connections.
 */
static int
shard_conn(void *arg, struct conn *cn)
{
	struct shard			*s = arg;
	const struct config_listener	*cl = &s->cf->listeners[cn->listener];

	cn->id = s->accepted++ * s->count + s->index + 1;
	if (cl->proxy)
		return proxy_wait_conn(s->proxy, s->listeners[cn->listener], cl,
		    cn);
	return route_conn(s->pool, cn);
}

static int
shard_flush(void *arg)
{
	struct shard	*s = arg;

	return route_flush(s->pool);
}

static void
shard_accept(struct shard *s, struct listener *l)
{
	struct itimerspec	its;

	switch (listener_accept(l, shard_conn, shard_flush, s)) {
	case LISTENER_FULL:
		shard_pause(s, 1);
		break;
	case LISTENER_REST:
		memset(&its, 0, sizeof(its));
		its.it_value.tv_nsec = LISTENER_REST_MS * 1000000L;
		if (timerfd_settime(s->rest.fd, 0, &its, NULL) == -1)
			fatal("timerfd_settime");
		break;
	}
}

int
shard_event(struct shard *s, void *ptr, uint32_t events)
{
	uint64_t	ticks;

	switch (*(int *)ptr) {
	case EVENT_LISTENER:
		shard_accept(s, ptr);
		break;
	case EVENT_CHANNEL:
		pool_channel_event(s->pool, ptr, events);
		break;
	case EVENT_RESPAWN:
		pool_timer_event(s->pool);
		break;
	case EVENT_RESUME:
		if (read(s->resume.fd, &ticks, sizeof(ticks)) > 0 &&
		    s->state == RUNNING)
			shard_pause(s, 0);
		break;
	case EVENT_REST:
		if (read(s->rest.fd, &ticks, sizeof(ticks)) > 0)
			shard_wake(s);
		break;
	case EVENT_QUEUED:
		pool_queued_event(s->pool, ptr, events);
		break;
	case EVENT_PROXY:
	case EVENT_PROXY_TIMER:
		proxy_wait_event(s->proxy, ptr, events);
		break;
	case EVENT_WAKE:
		/* The main thread changed something: looked at below. */
		(void)read(s->wake.fd, &ticks, sizeof(ticks));
		break;
	default:
		return 0;
	}
	return 1;
}

void
shard_stop(struct shard *s, uint64_t grace_ms)
{
	if (s->state != RUNNING) {
		/* A second signal: do not wait for connections in flight. */
		s->deadline_ms = clock_ms();
		return;
	}
	s->listeners = NULL;
	s->nlisteners = 0;
	proxy_wait_stop(s->proxy);
	s->state = DRAINING;
	s->deadline_ms = clock_ms() + grace_ms;
}

/* Moves the shutdown along; returns 1 when every worker is gone. */
static int
shard_stopped(struct shard *s)
{
	uint64_t	now = clock_ms();
	size_t		busy = pool_busy(s->pool), children;

	if (s->state == DRAINING && (busy == 0 || now >= s->deadline_ms)) {
		if (busy > 0)
			log_warnx("%zu connections still in flight; stopping "
			    "anyway", busy);
		pool_stop(s->pool);
		s->state = REAPING;
		s->deadline_ms = now + DISPATCHER_REAP_MS;
	}
	if (s->state != REAPING)
		return 0;
	if ((children = pool_children(s->pool)) > 0 && now >= s->deadline_ms) {
		log_warnx("killing %zu workers that did not exit", children);
		pool_kill(s->pool, SIGKILL);
		s->deadline_ms = now + DISPATCHER_REAP_MS;
	}
	return children == 0;
}

int
shard_settle(struct shard *s)
{
	pool_gc(s->pool);
	proxy_wait_gc(s->proxy);
	access_flush(s->access);
	if (s->state == RUNNING || s->state == DONE)
		return s->state == DONE;
	if (shard_stopped(s))
		s->state = DONE;
	return s->state == DONE;
}

int
shard_timeout(const struct shard *s)
{
	uint64_t	now = clock_ms();

	if (s->state == RUNNING)
		return -1;
	return s->deadline_ms > now ? (int)(s->deadline_ms - now) : 0;
}

int
shard_done(struct shard *s)
{
	int	done;

	shard_hold(s);
	done = s->state == DONE;
	shard_release(s, 0);
	return done;
}

/*
 * A threaded shard's loop: the batch is handled holding the lock, unless
 * the main thread changed the shard since the wait began (then only its
 * edge-triggered PROXY events: see shard.h).
 */
static void *
shard_main(void *arg)
{
	struct shard		*s = arg;
	struct epoll_event	 evs[SHARD_EVENTS];
	uint64_t		 gen, one = 1;
	int			 i, n, timeout;

	pthread_mutex_lock(&s->lock);
	while (!shard_settle(s)) {
		gen = s->gen;
		timeout = shard_timeout(s);
		pthread_mutex_unlock(&s->lock);
		n = epoll_wait(s->epfd, evs, SHARD_EVENTS, timeout);
		if (n == -1 && errno != EINTR)
			fatal("epoll_wait");
		pthread_mutex_lock(&s->lock);
		for (i = 0; i < n; i++)
			if (s->gen == gen ||
			    *(int *)evs[i].data.ptr == EVENT_PROXY)
				(void)shard_event(s, evs[i].data.ptr,
				    evs[i].events);
	}
	pthread_mutex_unlock(&s->lock);
	if (write(s->done_fd, &one, sizeof(one)) == -1)
		fatal("eventfd");
	return NULL;
}

void
shard_start(struct shard *s)
{
	sigset_t	all, old;
	int		rc;

	if (!s->threaded)
		return;
	/* Signals are the main thread's (signalfd): a shard takes none. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&s->thread, NULL, shard_main, s);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		errno = rc;
		fatal("shard %u: pthread_create", s->index);
	}
}
