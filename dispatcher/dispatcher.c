#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "clock.h"
#include "config.h"
#include "dispatcher.h"
#include "event.h"
#include "lanes.h"
#include "listener.h"
#include "log.h"
#include "pool.h"

struct dispatcher_fd {
	int	type;
	int	fd;
};

struct dispatcher {
	int			  epfd;
	struct dispatcher_fd	  sig;
	struct dispatcher_fd	  resume;	/* ends a pause in accepting */
	struct dispatcher_fd	  rest;		/* ends the lowest lanes' rest */
	struct config		 *cf;
	struct listener		**listeners;
	size_t			  nlisteners;
	struct pool		 *pool;
	uint64_t		  next_id;
	int			  paused;
	enum { RUNNING, DRAINING, REAPING } state;
	uint64_t		  deadline_ms;
};

/* The worker program sits next to the dispatcher's own executable. */
static char *
dispatcher_worker_path(void)
{
	char	self[PATH_MAX], *path;
	ssize_t	n;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1)
		fatal("readlink /proc/self/exe");
	self[n] = '\0';
	if (asprintf(&path, "%s/dispatch-worker", dirname(self)) == -1)
		fatal("asprintf");
	return path;
}

/* Whether l is one of the n listeners of v. */
static int
dispatcher_listener_in(struct listener *const *v, size_t n,
    const struct listener *l)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (v[i] == l)
			return 1;
	return 0;
}

/* A resting lowest lane is watched again. */
static void
dispatcher_unrest(struct dispatcher *d, struct listener *l)
{
	if (!l->resting)
		return;
	l->resting = 0;
	if (!d->paused)
		event_watch(d->epfd, EPOLL_CTL_MOD,
		    l->lane[l->order[l->nlanes - 1]].fd, EPOLLIN, l);
}

/*
 * Compiles the listener's lanes and gives them to it; every socket of
 * the group is watched, pointing at the listener, which is drained as a
 * whole.  Lanes that cannot be had leave the listener as it was.
 */
static void
dispatcher_lanes(struct dispatcher *d, struct listener *l,
    const struct config *cf)
{
	struct lanes_prog	lp;
	char			prios[LANES_MAX * 24];
	size_t			k;

	if (lanes_compile(cf, l->index, &lp) == -1) {
		log_warnx("lanes of %s: out of memory; unchanged", l->name);
		return;
	}
	/* The new lanes may order the sockets otherwise: no rest across. */
	dispatcher_unrest(d, l);
	for (k = listener_lanes(l, cf->listeners[l->index].lanes, &lp);
	    k < l->nlanes; k++)
		event_watch(d->epfd, EPOLL_CTL_ADD, l->lane[k].fd,
		    d->paused ? 0 : EPOLLIN, l);
	if (l->lanes)
		log_info("lanes on %s: %zu (priorities %s)", l->name,
		    lp.nlanes, lanes_priorities(&lp, prios, sizeof(prios)));
	lanes_free(&lp);
}

/*
 * Opens the configuration's listeners, reusing the ones already open on
 * the same address so that a reload never closes a listening socket that
 * stays.  On failure nothing changes and -1 is returned.
 */
static int
dispatcher_listen(struct dispatcher *d, const struct config *cf)
{
	struct listener	**next;
	size_t		  i, j;

	if ((next = calloc(cf->nlisteners, sizeof(*next))) == NULL)
		fatal("calloc");
	for (i = 0; i < cf->nlisteners; i++) {
		for (j = 0; j < d->nlisteners && next[i] == NULL; j++)
			if (listener_is(d->listeners[j], &cf->listeners[i]))
				next[i] = d->listeners[j];
		if (next[i] == NULL &&
		    (next[i] = listener_open(&cf->listeners[i])) == NULL) {
			for (j = 0; j < i; j++)
				if (!dispatcher_listener_in(d->listeners,
				    d->nlisteners, next[j]))
					listener_close(next[j]);
			free(next);
			return -1;
		}
	}
	for (i = 0; i < cf->nlisteners; i++) {
		next[i]->index = i;
		if (!dispatcher_listener_in(d->listeners, d->nlisteners,
		    next[i])) {
			event_watch(d->epfd, EPOLL_CTL_ADD, next[i]->lane[0].fd,
			    d->paused ? 0 : EPOLLIN, next[i]);
			log_info("listening on %s", next[i]->name);
		}
		dispatcher_lanes(d, next[i], cf);
	}
	for (j = 0; j < d->nlisteners; j++)
		if (!dispatcher_listener_in(next, cf->nlisteners,
		    d->listeners[j])) {
			log_info("no longer listening on %s",
			    d->listeners[j]->name);
			listener_close(d->listeners[j]);
		}
	free(d->listeners);
	d->listeners = next;
	d->nlisteners = cf->nlisteners;
	return 0;
}

static void
dispatcher_pause(struct dispatcher *d, int pause)
{
	struct itimerspec	its;
	size_t			i, k;

	d->paused = pause;
	for (i = 0; i < d->nlisteners; i++) {
		d->listeners[i]->resting = 0;
		for (k = 0; k < d->listeners[i]->nlanes; k++)
			event_watch(d->epfd, EPOLL_CTL_MOD,
			    d->listeners[i]->lane[k].fd, pause ? 0 : EPOLLIN,
			    d->listeners[i]);
	}
	memset(&its, 0, sizeof(its));
	if (pause)
		its.it_value.tv_nsec = DISPATCHER_PAUSE_MS * 1000000L;
	if (timerfd_settime(d->resume.fd, 0, &its, NULL) == -1)
		fatal("timerfd_settime");
}

/*
 * Up to max connections from one lane; returns how many were taken, and
 * in *refused how many of them were denied or rejected.
 */
static int
dispatcher_accept_lane(struct dispatcher *d, struct listener *l, size_t lane,
    int max, int *refused)
{
	struct pool_conn	pc;
	socklen_t		len;
	int			i;

	*refused = 0;
	for (i = 0; i < max; i++) {
		memset(&pc, 0, sizeof(pc));
		len = sizeof(pc.peer);
		pc.fd = accept4(l->lane[lane].fd, (struct sockaddr *)&pc.peer,
		    &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (pc.fd == -1) {
			switch (errno) {
			case EAGAIN:
				return i;
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
			case ENETDOWN:
			case ENOPROTOOPT:
			case EHOSTDOWN:
			case ENONET:
			case EHOSTUNREACH:
			case EOPNOTSUPP:
			case ENETUNREACH:
				/* The client's trouble, not ours. */
				continue;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				/* Level-triggered epoll would spin: wait. */
				log_warn("accept on %s; pausing for %d ms",
				    l->name, DISPATCHER_PAUSE_MS);
				dispatcher_pause(d, 1);
				return i;
			default:
				log_warn("accept on %s", l->name);
				return i;
			}
		}
		addr_unmap(&pc.peer);
		if (l->wildcard) {
			len = sizeof(pc.local);
			if (getsockname(pc.fd, (struct sockaddr *)&pc.local,
			    &len) == -1) {
				log_warn("getsockname");
				close(pc.fd);
				continue;
			}
			addr_unmap(&pc.local);
		} else
			memcpy(&pc.local, &l->ss, l->sslen);
		pc.id = ++d->next_id;
		pc.listener = l->index;
		pc.lane = l->lanes ? (int)lane : -1;
		pc.lane_priority = l->lane[lane].priority;
		*refused += pool_route(d->pool, &pc);
	}
	return i;
}

/*
 * The lowest lane of a listener with lanes has only refused connections
 * for a whole batch: its classes are full, and a flood is what it holds.
 * It is not watched for DISPATCHER_REST_MS, so that the dispatcher sleeps
 * and a client steered to a higher lane wakes it at once, instead of
 * waiting for a dispatcher kept busy (and, under load, off the CPU)
 * refusing the flood.  The lane is still drained every few milliseconds,
 * as fast as it was before on a machine this busy.
 */
static void
dispatcher_rest(struct dispatcher *d, struct listener *l)
{
	struct itimerspec	its;

	l->resting = 1;
	event_watch(d->epfd, EPOLL_CTL_MOD, l->lane[l->order[l->nlanes - 1]].fd,
	    0, l);
	memset(&its, 0, sizeof(its));
	its.it_value.tv_nsec = DISPATCHER_REST_MS * 1000000L;
	if (timerfd_settime(d->rest.fd, 0, &its, NULL) == -1)
		fatal("timerfd_settime");
}

static void
dispatcher_wake(struct dispatcher *d)
{
	size_t	i;

	for (i = 0; i < d->nlisteners; i++)
		dispatcher_unrest(d, d->listeners[i]);
}

/*
 * Any socket of a listener is ready: its lanes are drained, the highest
 * priority first, so that clients the kernel steered to a higher lane
 * are not accepted after a flood in a lower one.  A lower lane gives way
 * every DISPATCHER_LANE_STRIDE accepts, when the higher ones are looked
 * at again: a special client arriving meanwhile waits for a few accepts,
 * not for a whole batch.
 */
static void
dispatcher_accept(struct dispatcher *d, struct listener *l)
{
	size_t	i = 0, lowest = l->nlanes - 1;
	int	budget = DISPATCHER_ACCEPT_BATCH * (int)l->nlanes, n, max;
	int	refused, flood = 0;

	while (i < l->nlanes && budget > 0 && !d->paused) {
		max = i == 0 || budget < DISPATCHER_LANE_STRIDE ? budget :
		    DISPATCHER_LANE_STRIDE;
		n = dispatcher_accept_lane(d, l, l->order[i], max, &refused);
		budget -= n;
		/* Only with a program can the lowest lane hold just the flood. */
		if (l->lanes && i == lowest && lowest > 0) {
			flood = n > 0 && refused == n ? flood + n : 0;
			if (flood >= DISPATCHER_REST_AFTER) {
				dispatcher_rest(d, l);
				return;
			}
		}
		i = i > 0 && n == max ? 0 : i + 1;
	}
}

void
dispatcher_report(void *arg, const char *file, int line, int warning,
    const char *text)
{
	(void)arg;
	(void)warning;	/* errors too: the daemon goes on with what it has */
	if (line == 0)
		log_warnx("%s: %s", file, text);
	else
		log_warnx("%s:%d: %s", file, line, text);
}

static void
dispatcher_reload(struct dispatcher *d)
{
	struct config	*cf;

	cf = config_load(d->cf->path, dispatcher_report, NULL);
	if (cf == NULL || dispatcher_listen(d, cf) == -1) {
		log_warnx("reload of %s failed; keeping the previous "
		    "configuration", d->cf->path);
		config_free(cf);
		return;
	}
	pool_configure(d->pool, cf);
	config_free(d->cf);
	d->cf = cf;
	log_info("reloaded %s", cf->path);
}

/* Closes every listening socket. */
static void
dispatcher_unlisten(struct dispatcher *d)
{
	size_t	i;

	for (i = 0; i < d->nlisteners; i++)
		listener_close(d->listeners[i]);
	free(d->listeners);
	d->listeners = NULL;
	d->nlisteners = 0;
}

static void
dispatcher_stop(struct dispatcher *d)
{
	if (d->state != RUNNING) {
		/* A second signal: do not wait for connections in flight. */
		d->deadline_ms = clock_ms();
		return;
	}
	log_info("shutting down");
	dispatcher_unlisten(d);
	d->state = DRAINING;
	d->deadline_ms = clock_ms() + DISPATCHER_GRACE_MS;
}

static void
dispatcher_signal(struct dispatcher *d)
{
	struct signalfd_siginfo	si;
	ssize_t			n;

	while ((n = read(d->sig.fd, &si, sizeof(si))) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			pool_reap(d->pool);
			break;
		case SIGHUP:
			if (d->state == RUNNING)
				dispatcher_reload(d);
			break;
		case SIGTERM:
		case SIGINT:
			dispatcher_stop(d);
			break;
		}
	}
	if (n == -1 && errno != EAGAIN)
		log_warn("signalfd");
}

/* Moves the shutdown along; returns 1 when every worker is gone. */
static int
dispatcher_stopped(struct dispatcher *d)
{
	uint64_t	now = clock_ms();
	size_t		busy = pool_busy(d->pool), children;

	if (d->state == DRAINING && (busy == 0 || now >= d->deadline_ms)) {
		if (busy > 0)
			log_warnx("%zu connections still in flight; stopping "
			    "anyway", busy);
		pool_stop(d->pool);
		d->state = REAPING;
		d->deadline_ms = now + DISPATCHER_REAP_MS;
	}
	if (d->state != REAPING)
		return 0;
	if ((children = pool_children(d->pool)) > 0 && now >= d->deadline_ms) {
		log_warnx("killing %zu workers that did not exit", children);
		pool_kill(d->pool, SIGKILL);
		d->deadline_ms = now + DISPATCHER_REAP_MS;
	}
	return children == 0;
}

static int
dispatcher_timeout(const struct dispatcher *d)
{
	uint64_t	now = clock_ms();

	if (d->state == RUNNING)
		return -1;
	return d->deadline_ms > now ? (int)(d->deadline_ms - now) : 0;
}

static void
dispatcher_setup(struct dispatcher *d)
{
	sigset_t	mask;
	char		*worker;

	/* Signals are read from the loop; none is handled asynchronously. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1)
		fatal("sigprocmask");

	if ((d->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	d->sig.type = EVENT_SIGNAL;
	if ((d->sig.fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	event_watch(d->epfd, EPOLL_CTL_ADD, d->sig.fd, EPOLLIN, &d->sig);
	d->resume.type = EVENT_RESUME;
	d->resume.fd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->resume.fd == -1)
		fatal("timerfd_create");
	event_watch(d->epfd, EPOLL_CTL_ADD, d->resume.fd, EPOLLIN, &d->resume);
	d->rest.type = EVENT_REST;
	d->rest.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (d->rest.fd == -1)
		fatal("timerfd_create");
	event_watch(d->epfd, EPOLL_CTL_ADD, d->rest.fd, EPOLLIN, &d->rest);

	worker = dispatcher_worker_path();
	d->pool = pool_new(d->epfd, worker);
	free(worker);
}

static void
dispatcher_teardown(struct dispatcher *d)
{
	dispatcher_unlisten(d);
	pool_free(d->pool);
	config_free(d->cf);
	close(d->resume.fd);
	close(d->rest.fd);
	close(d->sig.fd);
	close(d->epfd);
}

int
dispatcher_run(struct config *cf)
{
	struct dispatcher	 d;
	struct epoll_event	 evs[64];
	uint64_t		 ticks;
	int			 i, n, signalled;

	memset(&d, 0, sizeof(d));
	d.cf = cf;
	dispatcher_setup(&d);
	if (dispatcher_listen(&d, cf) == -1) {
		dispatcher_teardown(&d);
		return EXIT_OSERR;
	}
	pool_configure(d.pool, cf);
	log_info("ready");

	for (;;) {
		n = epoll_wait(d.epfd, evs, 64, dispatcher_timeout(&d));
		if (n == -1 && errno != EINTR)
			fatal("epoll_wait");
		/*
		 * Signals last: reaping and reloading free workers and
		 * listeners that other events of this batch may point at.
		 */
		signalled = 0;
		for (i = 0; i < n; i++) {
			switch (*(int *)evs[i].data.ptr) {
			case EVENT_LISTENER:
				dispatcher_accept(&d, evs[i].data.ptr);
				break;
			case EVENT_CHANNEL:
				pool_channel_event(d.pool, evs[i].data.ptr,
				    evs[i].events);
				break;
			case EVENT_RESPAWN:
				pool_timer_event(d.pool);
				break;
			case EVENT_RESUME:
				if (read(d.resume.fd, &ticks, sizeof(ticks)) > 0
				    && d.state == RUNNING)
					dispatcher_pause(&d, 0);
				break;
			case EVENT_REST:
				if (read(d.rest.fd, &ticks, sizeof(ticks)) > 0)
					dispatcher_wake(&d);
				break;
			case EVENT_QUEUED:
				pool_queued_event(d.pool, evs[i].data.ptr);
				break;
			case EVENT_SIGNAL:
				signalled = 1;
				break;
			}
		}
		if (signalled)
			dispatcher_signal(&d);
		pool_gc(d.pool);
		if (d.state != RUNNING && dispatcher_stopped(&d))
			break;
	}
	dispatcher_teardown(&d);
	log_info("exiting");
	return 0;
}
