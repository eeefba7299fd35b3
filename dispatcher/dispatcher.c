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

#include "access.h"
#include "clock.h"
#include "config.h"
#include "conn.h"
#include "control.h"
#include "dispatcher.h"
#include "event.h"
#include "lanes.h"
#include "listener.h"
#include "log.h"
#include "logfile.h"
#include "metrics.h"
#include "pool.h"
#include "privs.h"
#include "route.h"
#include "stats.h"
#include "systemd.h"
#include "upgrade.h"

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
	struct metrics		 *metrics;	/* or NULL */
	struct access		 *access;
	struct stats_daemon	  stats;
	struct control		 *control;	/* NULL: none configured */
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

/* A listener for cl: an upgrade's sockets, systemd's, or bound now. */
static struct listener *
dispatcher_open(const struct config_listener *cl)
{
	struct listener	*l;

	if ((l = upgrade_listener(cl)) != NULL)
		return l;
	return listener_open(cl, systemd_socket(cl));
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
dispatcher_listen(struct dispatcher *d, const struct config *cf,
    config_report_fn *also, void *arg)
{
	struct listener	**next;
	size_t		  i, j;
	char		  why[512];

	if ((next = calloc(cf->nlisteners, sizeof(*next))) == NULL) {
		log_warn("cannot open the listeners");
		if (also != NULL)
			also(arg, cf->path, 0, 0, "out of memory");
		return NULL;
	}
	for (i = 0; i < cf->nlisteners; i++) {
		for (j = 0; j < d->nlisteners && next[i] == NULL; j++)
			if (listener_is(d->listeners[j], &cf->listeners[i]))
				next[i] = d->listeners[j];
		if (next[i] == NULL &&
		    (next[i] = dispatcher_open(&cf->listeners[i])) == NULL) {
			/* Logged already, by listener_open. */
			snprintf(why, sizeof(why), "cannot listen on %s: %s",
			    cf->listeners[i].text, strerror(errno));
			if (also != NULL)
				also(arg, cf->path, 0, 0, why);
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
			log_info("listening on %s%s", listener_name(next[i]),
			    next[i]->inherited ? " (socket from systemd)" : "");
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

static void
dispatcher_render(void *arg, struct buf *b)
{
	struct dispatcher	*d = arg;
	struct logfile		*lf = access_log(d->access);

	d->stats.access_log = lf != NULL;
	d->stats.access_dropped = lf != NULL ? logfile_dropped(lf) : 0;
	stats_render(b, d->pool, d->listeners, d->nlisteners, &d->stats);
}

/*
 * The access log cf asks for: the one open if it is the same path, else
 * a new one, in *lf (NULL for none).  Returns -1, logged, when a new one
 * cannot be opened.
 */
static int
dispatcher_accesslog(struct dispatcher *d, const struct config *cf,
    struct logfile **lf)
{
	struct logfile	*cur = access_log(d->access);

	*lf = NULL;
	if (cf->access_log == NULL)
		return 0;
	if (cur != NULL && logfile_is(cur, cf->access_log)) {
		*lf = cur;
		return 0;
	}
	if ((*lf = logfile_open(cf->access_log, cf->user != NULL ? cf->uid :
	    (uid_t)-1, cf->gid)) == NULL) {
		log_warn("access log %s", cf->access_log);
		return -1;
	}
	return 0;
}

/*
 * Puts the log dispatcher_accesslog chose in place; one replaced is left
 * to write its last lines on its own.
 */
static void
dispatcher_reaccesslog(struct dispatcher *d, struct logfile *lf)
{
	struct logfile	*old = access_set_log(d->access, lf);

	if (old != lf)
		logfile_close(old, 0);
}

/*
 * The metrics endpoint cf asks for: the one open if it is the same
 * address, else a new one, in *m (NULL for none).  Returns -1, logged,
 * when a new one cannot listen.
 */
static int
dispatcher_metrics(struct dispatcher *d, const struct config *cf,
    struct metrics **m)
{
	*m = NULL;
	if (cf->metrics.text == NULL)
		return 0;
	if (d->metrics != NULL && metrics_is(d->metrics, &cf->metrics)) {
		*m = d->metrics;
		return 0;
	}
	if ((*m = metrics_open(&cf->metrics, upgrade_metrics(&cf->metrics),
	    d->epfd, dispatcher_render, d)) == NULL) {
		log_warn("metrics on %s", cf->metrics.text);
		return -1;
	}
	log_info("metrics on http://%s/metrics", cf->metrics.text);
	return 0;
}

/* Puts the endpoint dispatcher_metrics chose in place. */
static void
dispatcher_remetrics(struct dispatcher *d, struct metrics *m)
{
	if (d->metrics != m)
		metrics_close(d->metrics);
	d->metrics = m;
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

/* A reload's problems go to the log and, when asked, to also. */
struct dispatcher_tee {
	config_report_fn	*also;
	void			*arg;
};

static void
dispatcher_report_tee(void *arg, const char *file, int line, int warning,
    const char *text)
{
	const struct dispatcher_tee	*t = arg;

	dispatcher_report(NULL, file, line, warning, text);
	if (t->also != NULL)
		t->also(t->arg, file, line, warning, text);
}

/* READY=1 for systemd, with what runs now. */
static void
dispatcher_ready(const struct dispatcher *d, const char *what)
{
	systemd_ready("%s (listeners: %zu, workers: %zu)", what, d->nlisteners,
	    pool_children(d->pool));
}

/*
 * Every problem is logged, and handed to also (NULL: none) too: 0 when
 * the new configuration runs, -1 when the previous one goes on.
 */
static int
dispatcher_reload(struct dispatcher *d, config_report_fn *also, void *arg)
{
	struct dispatcher_tee	  tee = { also, arg };
	struct listener		**next = NULL;
	struct metrics		 *m = NULL;
	struct logfile		 *lf = NULL;
	struct config		 *cf;
	char			  why[256];

	/* The new binary was handed the listeners as they are. */
	if (upgrade_busy()) {
		log_warnx("reload refused: an upgrade is in progress");
		if (also != NULL)
			also(arg, d->cf->path, 0, 0, "an upgrade is in progress");
		return -1;
	}
	systemd_reloading();
	cf = config_load(d->cf->path, dispatcher_report_tee, &tee);
	if (cf != NULL && systemd_match(cf) == -1) {
		if (also != NULL)
			also(arg, cf->path, 0, 0, "the sockets systemd passed "
			    "do not fit its listeners (see the log)");
	} else if (cf != NULL &&
	    privs_reload(cf, d->listeners, d->nlisteners) == -1) {
		if (also != NULL)
			also(arg, cf->path, 0, 0, "it needs a port below 1024, "
			    "which the dispatcher cannot bind since it dropped "
			    "its privileges (see the log)");
	} else if (cf != NULL &&
	    (next = dispatcher_listen(d, cf, also, arg)) != NULL) {
		why[0] = '\0';
		if (dispatcher_metrics(d, cf, &m) == -1)
			snprintf(why, sizeof(why), "metrics on %s: %s",
			    cf->metrics.text, strerror(errno));
		else if (dispatcher_accesslog(d, cf, &lf) == -1)
			snprintf(why, sizeof(why), "access log %s: %s",
			    cf->access_log, strerror(errno));
		else if (pool_configure(d->pool, cf) == 0)
			goto commit;
		else {
			log_warn("reload of %s", cf->path);
			snprintf(why, sizeof(why), "out of memory");
		}
		if (also != NULL)
			also(arg, cf->path, 0, 0, why);
		if (m != d->metrics)
			metrics_close(m);
		if (lf != access_log(d->access))
			logfile_close(lf, 0);
		dispatcher_unlisten_new(d, next, cf->nlisteners);
	}
	log_warnx("reload of %s failed; keeping the previous configuration",
	    d->cf->path);
	d->stats.reloads_failed++;
	config_free(cf);
	dispatcher_ready(d, "reload failed, see the log; running the previous "
	    "configuration");
	return -1;

 commit:
	dispatcher_relisten(d, cf, next);
	dispatcher_remetrics(d, m);
	dispatcher_reaccesslog(d, lf);
	control_configure(d->control, d->cf, cf);
	config_free(d->cf);
	d->cf = cf;
	d->stats.reloads_ok++;
	d->stats.last_reload_s = stats_now();
	log_info("reloaded %s", cf->path);
	dispatcher_ready(d, "reloaded");
	return 0;
}

/* The control socket's "reload": as SIGHUP, while running. */
static int
dispatcher_control_reload(void *arg, config_report_fn *report,
    void *report_arg)
{
	struct dispatcher	*d = arg;

	if (d->state != RUNNING) {
		report(report_arg, d->cf->path, 0, 0,
		    "the dispatcher is shutting down");
		return -1;
	}
	return dispatcher_reload(d, report, report_arg);
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

/* No more accepting: the connections in hand finish, then the workers. */
static void
dispatcher_drain(struct dispatcher *d)
{
	dispatcher_unlisten(d);
	d->state = DRAINING;
	d->deadline_ms = clock_ms() + DISPATCHER_GRACE_MS;
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
	upgrade_abort();
	systemd_stopping();
	dispatcher_drain(d);
}

/*
 * The new dispatcher serves: closing this one's copies of the listening
 * sockets leaves them, and the connections waiting in them, to it.  This
 * one drains as a stop does, but says nothing of stopping to systemd: the
 * service goes on, in the new main process.
 */
static void
dispatcher_handover(struct dispatcher *d, pid_t pid)
{
	log_info("upgrade: dispatcher %ld is ready and serves; this one "
	    "drains", (long)pid);
	systemd_mainpid(pid);
	control_disown(d->control);
	control_close(d->control);
	d->control = NULL;
	dispatcher_remetrics(d, NULL);
	dispatcher_drain(d);
}

static void
dispatcher_signal(struct dispatcher *d)
{
	struct signalfd_siginfo	si;
	ssize_t			n;

	while ((n = read(d->sig.fd, &si, sizeof(si))) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			pool_reap(d->pool, upgrade_reaped);
			break;
		case SIGHUP:
			if (d->state == RUNNING)
				(void)dispatcher_reload(d, NULL, NULL);
			break;
		case SIGUSR1:
			if (access_log(d->access) != NULL) {
				log_info("reopening the access log");
				logfile_reopen(access_log(d->access));
			}
			break;
		case SIGUSR2:
			if (d->state == RUNNING)
				(void)upgrade_start(d->epfd,
				    d->cf->upgrade_timeout_ms, d->listeners,
				    d->nlisteners, d->metrics, d->control);
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
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
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
	systemd_watchdog_start(d->epfd);

	if ((d->access = access_new()) == NULL)
		fatal("access_new");
	worker = dispatcher_worker_path();
	d->pool = pool_new(d->epfd, worker, d->access);
	free(worker);
}

static void
dispatcher_teardown(struct dispatcher *d)
{
	control_close(d->control);
	dispatcher_unlisten(d);
	metrics_close(d->metrics);
	pool_free(d->pool);
	access_free(d->access);
	config_free(d->cf);
	close(d->resume.fd);
	close(d->rest.fd);
	close(d->sig.fd);
	close(d->epfd);
	systemd_free();
	upgrade_free();
}

int
dispatcher_run(struct config *cf)
{
	struct dispatcher	 d;
	struct listener		**next;
	struct metrics		 *m;
	struct logfile		 *lf;
	struct epoll_event	 evs[64];
	uint64_t		 ticks;
	pid_t			 handover, pid;
	int			 i, n, signalled;

	if ((n = privs_start(cf)) != 0) {
		config_free(cf);
		return n;
	}
	/* What systemd passed must fit the configuration, as a key would. */
	if (systemd_init() == -1 || systemd_match(cf) == -1) {
		log_warnx("the sockets passed by systemd (LISTEN_FDS) do not "
		    "fit %s; not starting", cf->path);
		systemd_free();
		config_free(cf);
		return EXIT_CONFIG;
	}
	/* Started by SIGUSR2: the running dispatcher's sockets come first. */
	if (upgrade_init() == -1) {
		upgrade_free();
		systemd_free();
		config_free(cf);
		return EXIT_OSERR;
	}
	memset(&d, 0, sizeof(d));
	d.cf = cf;
	d.stats.started_s = d.stats.last_reload_s = stats_now();
	dispatcher_setup(&d);
	/* Made once, now: a privilege drop comes after it. */
	if (cf->control.path != NULL && (d.control = control_open(cf,
	    upgrade_control(cf->control.path), d.epfd, d.pool,
	    dispatcher_control_reload, dispatcher_render, &d)) == NULL) {
		dispatcher_teardown(&d);
		return EXIT_OSERR;
	}
	if ((next = dispatcher_listen(&d, cf, NULL, NULL)) == NULL) {
		dispatcher_teardown(&d);
		return EXIT_OSERR;
	}
	if (dispatcher_metrics(&d, cf, &m) == -1 ||
	    dispatcher_accesslog(&d, cf, &lf) == -1) {
		metrics_close(m);
		dispatcher_unlisten_new(&d, next, cf->nlisteners);
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
	dispatcher_remetrics(&d, m);
	dispatcher_reaccesslog(&d, lf);
	log_info("ready");
	dispatcher_ready(&d, "ready");
	upgrade_ready();

	for (;;) {
		n = epoll_wait(d.epfd, evs, 64, dispatcher_timeout(&d));
		if (n == -1 && errno != EINTR)
			fatal("epoll_wait");
		/*
		 * Signals, an upgrade's hand-over and the control socket's
		 * reloads last: reaping, handing over and reloading free
		 * workers and listeners that other events of this batch may
		 * point at.
		 */
		signalled = 0;
		handover = 0;
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
			case EVENT_WATCHDOG:
				systemd_watchdog_event();
				break;
			case EVENT_QUEUED:
				pool_queued_event(d.pool, evs[i].data.ptr,
				    evs[i].events);
				break;
			case EVENT_METRICS:
			case EVENT_METRICS_CLIENT:
			case EVENT_METRICS_TIMER:
				metrics_event(d.metrics, evs[i].data.ptr,
				    evs[i].events);
				break;
			case EVENT_CONTROL:
			case EVENT_CONTROL_CLIENT:
			case EVENT_CONTROL_TIMER:
				control_event(d.control, evs[i].data.ptr,
				    evs[i].events);
				break;
			case EVENT_UPGRADE:
			case EVENT_UPGRADE_TIMER:
				if ((pid = upgrade_event(evs[i].data.ptr,
				    evs[i].events)) != 0)
					handover = pid;
				break;
			case EVENT_SIGNAL:
				signalled = 1;
				break;
			}
		}
		/* It closes listeners that this batch's events may point at. */
		if (handover != 0)
			dispatcher_handover(&d, handover);
		if (signalled)
			dispatcher_signal(&d);
		control_settle(d.control);
		pool_gc(d.pool);
		if (d.metrics != NULL)
			metrics_gc(d.metrics);
		if (access_log(d.access) != NULL)
			logfile_flush(access_log(d.access));
		if (d.state != RUNNING && dispatcher_stopped(&d))
			break;
	}
	dispatcher_teardown(&d);
	log_info("exiting");
	return 0;
}
