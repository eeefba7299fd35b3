#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "config.h"
#include "control.h"
#include "dispatcher.h"
#include "event.h"
#include "listen.h"
#include "listener.h"
#include "log.h"
#include "logfile.h"
#include "metrics.h"
#include "pool.h"
#include "privs.h"
#include "shard.h"
#include "stats.h"
#include "systemd.h"
#include "upgrade.h"

struct dispatcher_fd {
	int	type;
	int	fd;
};

/*
 * The control plane (see shard.h): signals, reloads, the reaping of every
 * shard's workers, the metrics, the control socket and the stop.
 */
struct dispatcher {
	int			  epfd;
	struct dispatcher_fd	  sig;
	struct dispatcher_fd	  done;		/* a shard's loop ended */
	struct config		 *cf;
	struct listen		  listen;	/* every shard's sockets */
	struct shard		**shards;
	struct pool		**pools;	/* the shards', in order */
	size_t			  nshards;
	struct metrics		 *metrics;	/* or NULL */
	struct logfile		 *log;		/* the access log, or NULL */
	struct stats_daemon	  stats;
	struct control		 *control;	/* NULL: none configured */
	int			  stopping;
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

/* Takes every shard's lock, or gives them back (shard_release). */
static void
dispatcher_hold(struct dispatcher *d)
{
	size_t	k;

	for (k = 0; k < d->nshards; k++)
		shard_hold(d->shards[k]);
}

static void
dispatcher_release(struct dispatcher *d, int changed)
{
	size_t	k;

	for (k = 0; k < d->nshards; k++)
		shard_release(d->shards[k], changed);
}

static void
dispatcher_render(void *arg, struct buf *b)
{
	struct dispatcher	*d = arg;

	d->stats.access_log = d->log != NULL;
	d->stats.access_dropped = d->log != NULL ? logfile_dropped(d->log) : 0;
	dispatcher_hold(d);
	stats_render(b, d->pools, d->nshards, d->listen.v, d->listen.n,
	    &d->stats);
	dispatcher_release(d, 0);
}

/* The control socket's "workers": every shard's. */
static void
dispatcher_workers(void *arg, FILE *fp)
{
	struct dispatcher	*d = arg;
	size_t			 k;

	dispatcher_hold(d);
	for (k = 0; k < d->nshards; k++)
		control_pool_workers(fp, d->pools[k], d->nshards > 1 ?
		    (int)k : -1);
	dispatcher_release(d, 0);
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
	struct logfile	*cur = d->log;

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
 * Puts the log dispatcher_accesslog chose in place, holding every shard;
 * one replaced is left to write its last lines on its own.
 */
static void
dispatcher_reaccesslog(struct dispatcher *d, struct logfile *lf)
{
	size_t	k;

	for (k = 0; k < d->nshards; k++)
		(void)access_set_log(shard_access(d->shards[k]), lf);
	if (d->log != lf)
		logfile_close(d->log, 0);
	d->log = lf;
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
dispatcher_ready(struct dispatcher *d, const char *what)
{
	size_t	k, workers = 0;

	dispatcher_hold(d);
	for (k = 0; k < d->nshards; k++)
		workers += pool_children(d->pools[k]);
	dispatcher_release(d, 0);
	systemd_ready("%s (listeners: %zu, workers: %zu)", what, d->listen.n,
	    workers);
}

/*
 * Every shard's pool takes the configuration, or none does: 0, or -1
 * when out of memory.  Holding every shard.
 */
static int
dispatcher_configure(struct dispatcher *d, const struct config *cf)
{
	struct pool_plan	**plans;
	size_t			  k;

	if ((plans = calloc(d->nshards, sizeof(*plans))) == NULL)
		return -1;
	for (k = 0; k < d->nshards; k++)
		if ((plans[k] = pool_prepare(d->pools[k], cf)) == NULL) {
			while (k-- > 0)
				pool_discard(plans[k]);
			free(plans);
			return -1;
		}
	for (k = 0; k < d->nshards; k++)
		pool_commit(d->pools[k], plans[k]);
	free(plans);
	return 0;
}

/*
 * Puts cf in place of the running configuration, holding every shard:
 * its listeners, metrics endpoint, access log and classes, or none of
 * them.  Returns 0, or -1 with the problem logged and told to also.
 */
static int
dispatcher_apply(struct dispatcher *d, struct config *cf,
    config_report_fn *also, void *arg)
{
	struct listener		**next;
	struct metrics		 *m = NULL;
	struct logfile		 *lf = NULL;
	char			  why[256];

	dispatcher_hold(d);
	if ((next = listen_open(&d->listen, cf, also, arg)) == NULL) {
		dispatcher_release(d, 0);
		return -1;
	}
	if (dispatcher_metrics(d, cf, &m) == -1)
		snprintf(why, sizeof(why), "metrics on %s: %s",
		    cf->metrics.text, strerror(errno));
	else if (dispatcher_accesslog(d, cf, &lf) == -1)
		snprintf(why, sizeof(why), "access log %s: %s",
		    cf->access_log, strerror(errno));
	else if (dispatcher_configure(d, cf) == 0) {
		listen_commit(&d->listen, cf, next);
		dispatcher_remetrics(d, m);
		dispatcher_reaccesslog(d, lf);
		dispatcher_release(d, 1);
		return 0;
	} else {
		log_warn("reload of %s", cf->path);
		snprintf(why, sizeof(why), "out of memory");
	}
	if (also != NULL)
		also(arg, cf->path, 0, 0, why);
	if (m != d->metrics)
		metrics_close(m);
	if (lf != d->log)
		logfile_close(lf, 0);
	listen_undo(&d->listen, next, cf->nlisteners);
	dispatcher_release(d, 0);
	return -1;
}

/*
 * Every problem is logged, and handed to also (NULL: none) too: 0 when
 * the new configuration runs, -1 when the previous one goes on.
 */
static int
dispatcher_reload(struct dispatcher *d, config_report_fn *also, void *arg)
{
	struct dispatcher_tee	  tee = { also, arg };
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
	if (cf != NULL && cf->acceptors != d->cf->acceptors) {
		/* Shards own workers and sockets: they are made at start. */
		snprintf(why, sizeof(why), "\"acceptors\" changes from %d to "
		    "%d: a restart, not a reload, changes it", d->cf->acceptors,
		    cf->acceptors);
		log_warnx("%s: %s", cf->path, why);
		if (also != NULL)
			also(arg, cf->path, 0, 0, why);
	} else if (cf != NULL && systemd_match(cf) == -1) {
		if (also != NULL)
			also(arg, cf->path, 0, 0, "the sockets systemd passed "
			    "do not fit its listeners (see the log)");
	} else if (cf != NULL &&
	    privs_reload(cf, d->listen.v, d->listen.n) == -1) {
		if (also != NULL)
			also(arg, cf->path, 0, 0, "it needs a port below 1024, "
			    "which the dispatcher cannot bind since it dropped "
			    "its privileges (see the log)");
	} else if (cf != NULL && dispatcher_apply(d, cf, also, arg) == 0) {
		control_configure(d->control, d->cf, cf);
		config_free(d->cf);
		d->cf = cf;
		d->stats.reloads_ok++;
		d->stats.last_reload_s = stats_now();
		log_info("reloaded %s", cf->path);
		dispatcher_ready(d, "reloaded");
		return 0;
	}
	log_warnx("reload of %s failed; keeping the previous configuration",
	    d->cf->path);
	d->stats.reloads_failed++;
	config_free(cf);
	dispatcher_ready(d, "reload failed, see the log; running the previous "
	    "configuration");
	return -1;
}

/* The control socket's "reload": as SIGHUP, while running. */
static int
dispatcher_control_reload(void *arg, config_report_fn *report,
    void *report_arg)
{
	struct dispatcher	*d = arg;

	if (d->stopping) {
		report(report_arg, d->cf->path, 0, 0,
		    "the dispatcher is shutting down");
		return -1;
	}
	return dispatcher_reload(d, report, report_arg);
}

/*
 * Every shard stops accepting and drains: the connections in hand
 * finish, then the workers.  Again: the grace ends now.
 */
static void
dispatcher_drain(struct dispatcher *d)
{
	size_t	k;

	dispatcher_hold(d);
	for (k = 0; k < d->nshards; k++)
		shard_stop(d->shards[k], DISPATCHER_GRACE_MS);
	dispatcher_release(d, 1);
	if (!d->stopping)
		listen_close(&d->listen);
	d->stopping = 1;
}

static void
dispatcher_stop(struct dispatcher *d)
{
	if (!d->stopping) {
		log_info("shutting down");
		upgrade_abort();
		systemd_stopping();
	}
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

/*
 * Hands each child that exited to the shard whose worker it was; one
 * that is no worker is an upgrade's new dispatcher.
 */
static void
dispatcher_reap(struct dispatcher *d)
{
	pid_t	pid;
	size_t	k;
	int	status, found;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (k = 0, found = 0; k < d->nshards && !found; k++) {
			shard_hold(d->shards[k]);
			found = pool_reap(d->pools[k], pid, status);
			shard_release(d->shards[k], found);
		}
		if (!found)
			upgrade_reaped(pid, status);
	}
	if (pid == -1 && errno != ECHILD)
		log_warn("waitpid");
}

static void
dispatcher_signal(struct dispatcher *d)
{
	struct signalfd_siginfo	si;
	ssize_t			n;

	while ((n = read(d->sig.fd, &si, sizeof(si))) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD:
			dispatcher_reap(d);
			break;
		case SIGHUP:
			if (!d->stopping)
				(void)dispatcher_reload(d, NULL, NULL);
			break;
		case SIGUSR1:
			if (d->log != NULL) {
				log_info("reopening the access log");
				logfile_reopen(d->log);
			}
			break;
		case SIGUSR2:
			if (!d->stopping)
				(void)upgrade_start(d->epfd,
				    d->cf->upgrade_timeout_ms, d->listen.v,
				    d->listen.n, d->metrics, d->control);
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

/*
 * After a batch: a shard in this loop settles; returns 1 when every
 * shard is done.
 */
static int
dispatcher_settle(struct dispatcher *d)
{
	uint64_t	ticks;
	size_t		k;

	if (d->nshards == 1 && !shard_settle(d->shards[0]))
		return 0;
	if (!d->stopping)
		return 0;
	if (read(d->done.fd, &ticks, sizeof(ticks)) == -1 && errno != EAGAIN)
		log_warn("eventfd");
	for (k = 0; k < d->nshards; k++)
		if (!shard_done(d->shards[k]))
			return 0;
	return 1;
}

static void
dispatcher_setup(struct dispatcher *d)
{
	sigset_t	mask;
	char		*worker;
	size_t		k;

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
	d->done.type = EVENT_SHARD_DONE;
	if ((d->done.fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		fatal("eventfd");
	event_watch(d->epfd, EPOLL_CTL_ADD, d->done.fd, EPOLLIN, &d->done);
	systemd_watchdog_start(d->epfd);

	/* One shard runs in this loop, with no thread and no lock. */
	d->nshards = (size_t)d->cf->acceptors;
	if ((d->shards = calloc(d->nshards, sizeof(*d->shards))) == NULL ||
	    (d->pools = calloc(d->nshards, sizeof(*d->pools))) == NULL)
		fatal("dispatcher_setup");
	worker = dispatcher_worker_path();
	for (k = 0; k < d->nshards; k++) {
		d->shards[k] = shard_new((unsigned)k, (unsigned)d->nshards,
		    d->nshards == 1 ? d->epfd : -1, worker, d->done.fd);
		d->pools[k] = shard_pool(d->shards[k]);
	}
	free(worker);
	d->listen.shards = d->shards;
	d->listen.nshards = d->nshards;
}

static void
dispatcher_teardown(struct dispatcher *d)
{
	size_t	k;

	control_close(d->control);
	listen_close(&d->listen);
	metrics_close(d->metrics);
	/* Their last lines go to the log before it closes. */
	for (k = 0; k < d->nshards; k++)
		shard_free(d->shards[k]);
	free(d->shards);
	free(d->pools);
	logfile_close(d->log, LOGFILE_CLOSE_MS);
	config_free(d->cf);
	close(d->done.fd);
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
	size_t			 k;
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
	    upgrade_control(cf->control.path), d.epfd,
	    dispatcher_control_reload, dispatcher_render, dispatcher_workers,
	    &d)) == NULL) {
		dispatcher_teardown(&d);
		return EXIT_OSERR;
	}
	if ((next = listen_open(&d.listen, cf, NULL, NULL)) == NULL) {
		dispatcher_teardown(&d);
		return EXIT_OSERR;
	}
	if (dispatcher_metrics(&d, cf, &m) == -1 ||
	    dispatcher_accesslog(&d, cf, &lf) == -1) {
		metrics_close(m);
		listen_undo(&d.listen, next, cf->nlisteners);
		dispatcher_teardown(&d);
		return EXIT_OSERR;
	}
	/* Every lane's socket too: a group takes only its owner's sockets. */
	listen_commit(&d.listen, cf, next);
	/*
	 * From here on the dispatcher runs as "user": whatever needs root
	 * (listening sockets below port 1024, files only root may open)
	 * must be opened above this line.  Workers start below it, as
	 * that user too.  The shards' threads start last.
	 */
	privs_drop(cf);
	if (dispatcher_configure(&d, cf) == -1)
		fatal("start-up");
	dispatcher_remetrics(&d, m);
	dispatcher_reaccesslog(&d, lf);
	for (k = 0; k < d.nshards; k++)
		shard_start(d.shards[k]);
	if (d.nshards > 1)
		log_info("accepting on %zu shards", d.nshards);
	log_info("ready");
	dispatcher_ready(&d, "ready");
	upgrade_ready();

	for (;;) {
		n = epoll_wait(d.epfd, evs, 64, d.nshards == 1 ?
		    shard_timeout(d.shards[0]) : -1);
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
			case EVENT_WATCHDOG:
				systemd_watchdog_event();
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
			case EVENT_SHARD_DONE:
				/* Read by dispatcher_settle. */
				break;
			default:
				/* Only a shard in this loop has events here. */
				(void)shard_event(d.shards[0], evs[i].data.ptr,
				    evs[i].events);
				break;
			}
		}
		/* It closes listeners that this batch's events may point at. */
		if (handover != 0)
			dispatcher_handover(&d, handover);
		if (signalled)
			dispatcher_signal(&d);
		control_settle(d.control);
		if (d.metrics != NULL)
			metrics_gc(d.metrics);
		if (dispatcher_settle(&d))
			break;
	}
	dispatcher_teardown(&d);
	log_info("exiting");
	return 0;
}
