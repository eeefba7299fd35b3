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

#include "clock.h"
#include "config.h"
#include "conn.h"
#include "dispatcher.h"
#include "event.h"
#include "lanes.h"
#include "listener.h"
#include "log.h"
#include "pool.h"
#include "privs.h"
#include "route.h"

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

/*
 * The worker program sits next to the dispatcher's own executable, as in
 * the build tree, or where it is installed, under libexec: a path
 * relative to the executable's folder, so that a tree installed in a
 * DESTDIR or moved still finds its own.
 */
static char *
dispatcher_worker_path(void)
{
	char	self[PATH_MAX], *dir, *path;
	ssize_t	n;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) == -1)
		fatal("readlink /proc/self/exe");
	self[n] = '\0';
	dir = dirname(self);
	if (asprintf(&path, "%s/dispatch-worker", dir) == -1)
		fatal("asprintf");
	if (access(path, X_OK) == 0)
		return path;
	free(path);
	if (asprintf(&path, "%s/%s/dispatch-worker", dir,
	    DISPATCHER_WORKER_RELDIR) == -1)
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

/*
 * Compiles the listener's lanes and gives them to it.  Lanes that cannot
 * be had leave the listener as it was.
 */
static void
dispatcher_lanes(struct listener *l, const struct config *cf, size_t index)
{
	struct lanes_prog	lp;
	char			prios[LANES_MAX * 24];

	if (lanes_compile(cf, index, &lp) == -1) {
		log_warnx("lanes of %s: out of memory; unchanged",
		    listener_name(l));
		return;
	}
	if (listener_lanes(l, cf->listeners[index].lanes, &lp))
		log_info("lanes on %s: %zu (priorities %s)", listener_name(l),
		    lp.nlanes, lanes_priorities(&lp, prios, sizeof(prios)));
	/* The administrator's limit, which raising gives clients their lane. */
	if (lp.stop == LANES_OPTMEM)
		log_warnx("lanes on %s: net.core.optmem_max leaves rules out of "
		    "the program, to user space only (dispatcher -t names them)",
		    listener_name(l));
	lanes_free(&lp);
}

/* Closes the first n listeners of next that are not open already. */
static void
dispatcher_unlisten_new(struct dispatcher *d, struct listener **next,
    size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (!dispatcher_listener_in(d->listeners, d->nlisteners,
		    next[i]))
			listener_close(next[i]);
	free(next);
}

/*
 * A reload changes listeners in two steps, so that it can still fail
 * between them and leave everything as it was: dispatcher_listen opens
 * the configuration's listeners, reusing the ones already open on the
 * same address so that a reload never closes a listening socket that
 * stays; dispatcher_relisten then puts them in place and closes the ones
 * no longer configured, or dispatcher_unlisten_new undoes the first step.
 */
static struct listener **
dispatcher_listen(struct dispatcher *d, const struct config *cf)
{
	struct listener	**next;
	size_t		  i, j;

	if ((next = calloc(cf->nlisteners, sizeof(*next))) == NULL) {
		log_warn("cannot open the listeners");
		return NULL;
	}
	for (i = 0; i < cf->nlisteners; i++) {
		for (j = 0; j < d->nlisteners && next[i] == NULL; j++)
			if (listener_is(d->listeners[j], &cf->listeners[i]))
				next[i] = d->listeners[j];
		if (next[i] == NULL &&
		    (next[i] = listener_open(&cf->listeners[i])) == NULL) {
			dispatcher_unlisten_new(d, next, i);
			return NULL;
		}
	}
	return next;
}

static void
dispatcher_relisten(struct dispatcher *d, const struct config *cf,
    struct listener **next)
{
	size_t	i, j;

	for (i = 0; i < cf->nlisteners; i++) {
		listener_set_index(next[i], i);
		if (!dispatcher_listener_in(d->listeners, d->nlisteners,
		    next[i])) {
			if (d->paused)
				listener_pause(next[i], LISTENER_FULL);
			listener_watch(next[i], d->epfd);
			log_info("listening on %s", listener_name(next[i]));
		}
		dispatcher_lanes(next[i], cf, i);
	}
	for (j = 0; j < d->nlisteners; j++)
		if (!dispatcher_listener_in(next, cf->nlisteners,
		    d->listeners[j])) {
			log_info("no longer listening on %s",
			    listener_name(d->listeners[j]));
			listener_close(d->listeners[j]);
		}
	free(d->listeners);
	d->listeners = next;
	d->nlisteners = cf->nlisteners;
}

/* Out of descriptors: no listener accepts for LISTENER_PAUSE_MS. */
static void
dispatcher_pause(struct dispatcher *d, int pause)
{
	struct itimerspec	its;
	size_t			i;

	d->paused = pause;
	for (i = 0; i < d->nlisteners; i++)
		if (pause)
			listener_pause(d->listeners[i], LISTENER_FULL);
		else
			listener_resume(d->listeners[i], LISTENER_FULL);
	memset(&its, 0, sizeof(its));
	if (pause)
		its.it_value.tv_nsec = LISTENER_PAUSE_MS * 1000000L;
	if (timerfd_settime(d->resume.fd, 0, &its, NULL) == -1)
		fatal("timerfd_settime");
}

/* Ends every listener's rest. */
static void
dispatcher_wake(struct dispatcher *d)
{
	size_t	i;

	for (i = 0; i < d->nlisteners; i++)
		listener_resume(d->listeners[i], LISTENER_REST);
}

/* One accepted connection, to its class: 1 when it was refused. */
static int
dispatcher_conn(void *arg, struct conn *cn)
{
	struct dispatcher	*d = arg;

	cn->id = ++d->next_id;
	return route_conn(d->pool, cn);
}

static int
dispatcher_flush(void *arg)
{
	struct dispatcher	*d = arg;

	return route_flush(d->pool);
}

static void
dispatcher_accept(struct dispatcher *d, struct listener *l)
{
	struct itimerspec	its;

	switch (listener_accept(l, dispatcher_conn, dispatcher_flush, d)) {
	case LISTENER_FULL:
		dispatcher_pause(d, 1);
		break;
	case LISTENER_REST:
		memset(&its, 0, sizeof(its));
		its.it_value.tv_nsec = LISTENER_REST_MS * 1000000L;
		if (timerfd_settime(d->rest.fd, 0, &its, NULL) == -1)
			fatal("timerfd_settime");
		break;
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
	struct listener	**next = NULL;
	struct config	 *cf;

	cf = config_load(d->cf->path, dispatcher_report, NULL);
	if (cf != NULL &&
	    privs_reload(cf, d->listeners, d->nlisteners) == 0 &&
	    (next = dispatcher_listen(d, cf)) != NULL &&
	    pool_configure(d->pool, cf) == -1) {
		log_warn("reload of %s", cf->path);
		dispatcher_unlisten_new(d, next, cf->nlisteners);
		next = NULL;
	}
	if (next == NULL) {
		log_warnx("reload of %s failed; keeping the previous "
		    "configuration", d->cf->path);
		config_free(cf);
		return;
	}
	dispatcher_relisten(d, cf, next);
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
	struct listener		**next;
	struct epoll_event	 evs[64];
	uint64_t		 ticks;
	int			 i, n, signalled;

	if ((n = privs_start(cf)) != 0) {
		config_free(cf);
		return n;
	}
	memset(&d, 0, sizeof(d));
	d.cf = cf;
	dispatcher_setup(&d);
	if ((next = dispatcher_listen(&d, cf)) == NULL) {
		dispatcher_teardown(&d);
		return EXIT_OSERR;
	}
	/*
	 * From here on the dispatcher runs as "user": whatever needs root
	 * (listening sockets below port 1024, files only root may open)
	 * must be opened above this line.  Workers start below it, as
	 * that user too.
	 */
	privs_drop(cf);
	if (pool_configure(d.pool, cf) == -1)
		fatal("start-up");
	dispatcher_relisten(&d, cf, next);
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
				pool_queued_event(d.pool, evs[i].data.ptr,
				    evs[i].events);
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
