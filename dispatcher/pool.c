#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "channel.h"
#include "clock.h"
#include "event.h"
#include "log.h"
#include "pool.h"
#include "rules.h"

extern char **environ;

static void	pool_class_flush(struct pool *, struct pool_class *);

static void *
pool_xcalloc(size_t n, size_t size)
{
	void	*p;

	if ((p = calloc(n, size)) == NULL)
		fatal("calloc");
	return p;
}

static char *
pool_xstrdup(const char *s)
{
	char	*p;

	if ((p = strdup(s)) == NULL)
		fatal("strdup");
	return p;
}

struct pool *
pool_new(int epfd, const char *worker_path)
{
	struct pool		*p;

	p = pool_xcalloc(1, sizeof(*p));
	p->epfd = epfd;
	p->worker_path = pool_xstrdup(worker_path);
	TAILQ_INIT(&p->dead);
	p->timer.type = EVENT_RESPAWN;
	p->timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (p->timer.fd == -1)
		fatal("timerfd_create");
	event_watch(epfd, EPOLL_CTL_ADD, p->timer.fd, EPOLLIN, &p->timer);
	return p;
}

/* Every class, live then retired, through one index. */
static struct pool_class *
pool_class_at(const struct pool *p, size_t i)
{
	if (i < p->nclasses)
		return p->classes[i];
	if (i < p->nclasses + p->nretired)
		return p->retired[i - p->nclasses];
	return NULL;
}

/* Takes a class's settings, keeping its workers. */
static void
pool_class_set(struct pool_class *c, const struct config_class *conf)
{
	free(c->conf.name);
	free(c->conf.reply);
	free(c->conf.busy_reply);
	c->conf = *conf;
	c->conf.name = pool_xstrdup(conf->name);
	c->conf.reply = pool_xstrdup(conf->reply);
	c->conf.busy_reply = conf->busy_reply != NULL ?
	    pool_xstrdup(conf->busy_reply) : NULL;
}

static struct pool_class *
pool_class_new(const struct config_class *conf)
{
	struct pool_class	*c;

	c = pool_xcalloc(1, sizeof(*c));
	TAILQ_INIT(&c->byprio);
	TAILQ_INIT(&c->byage);
	pool_class_set(c, conf);
	return c;
}

/*
 * An entry taken out of its queue is freed only after the current batch
 * of events, some of which may still point at it: until then its type
 * says it is gone.
 */
static void
pool_entry_free(struct pool *p, struct pool_entry *e)
{
	e->type = 0;
	TAILQ_INSERT_TAIL(&p->dead, e, byage);
}

void
pool_gc(struct pool *p)
{
	struct pool_entry	*e;

	while ((e = TAILQ_FIRST(&p->dead)) != NULL) {
		TAILQ_REMOVE(&p->dead, e, byage);
		free(e);
	}
}

/* Takes a connection out of its class's queue. */
static void
pool_entry_remove(struct pool *p, struct pool_entry *e)
{
	struct pool_class	*c = e->cls;

	/* The descriptor may live on in a worker: epoll must forget it now. */
	if (epoll_ctl(p->epfd, EPOLL_CTL_DEL, e->conn.fd, NULL) == -1)
		fatal("epoll_ctl");
	TAILQ_REMOVE(&c->byprio, e, byprio);
	TAILQ_REMOVE(&c->byage, e, byage);
	c->qlen--;
}

/* Drops a queued connection: out of the queue, and the dispatcher's copy. */
static void
pool_entry_close(struct pool *p, struct pool_entry *e)
{
	pool_entry_remove(p, e);
	close(e->conn.fd);
	pool_entry_free(p, e);
}

static void
pool_class_free(struct pool *p, struct pool_class *c)
{
	struct pool_entry	*e;
	size_t			 i;

	while ((e = TAILQ_FIRST(&c->byage)) != NULL)
		pool_entry_close(p, e);
	for (i = 0; i < c->nworkers; i++)
		free(c->workers[i]);
	free(c->workers);
	free(c->conf.name);
	free(c->conf.reply);
	free(c->conf.busy_reply);
	free(c);
}

/* The earliest respawn or queue deadline decides when the timer fires. */
static void
pool_timer_arm(struct pool *p)
{
	struct itimerspec	 its;
	struct pool_class	*c;
	struct pool_worker	*w;
	struct pool_entry	*e;
	uint64_t		 next = 0;
	size_t			 i, j;

	for (i = 0; (c = pool_class_at(p, i)) != NULL; i++) {
		for (j = 0; j < c->nworkers; j++) {
			w = c->workers[j];
			if (w->pid == 0 && !w->draining &&
			    (next == 0 || w->respawn_ms < next))
				next = w->respawn_ms;
		}
		/* Oldest first, and one timeout per class: the head is next. */
		if ((e = TAILQ_FIRST(&c->byage)) != NULL && e->deadline_ms != 0 &&
		    (next == 0 || e->deadline_ms < next))
			next = e->deadline_ms;
	}
	memset(&its, 0, sizeof(its));
	if (next != 0) {
		/* A zero it_value disarms; a past deadline must still fire. */
		its.it_value.tv_sec = next / 1000;
		its.it_value.tv_nsec = (next % 1000) * 1000000 + 1;
	}
	if (timerfd_settime(p->timer.fd, TFD_TIMER_ABSTIME, &its, NULL) == -1)
		fatal("timerfd_settime");
}

static void
pool_channel_close(struct pool_worker *w)
{
	if (w->chan != -1) {
		close(w->chan);	/* also leaves the epoll set */
		w->chan = -1;
	}
	w->blocked = 0;
	/* What it held is no longer the class's to count. */
	w->cls->inhand -= w->inhand;
	w->inhand = 0;
}

/* The worker's last start failed or it died: try again after a backoff. */
static void
pool_worker_later(struct pool_worker *w)
{
	uint64_t	now = clock_ms(), delay = 0;
	unsigned	i;

	if (w->started_ms != 0 && now - w->started_ms >= POOL_STABLE_MS)
		w->fails = 0;
	else
		w->fails++;
	/* The first quick death is restarted at once, then 100 ms, 200 ms... */
	if (w->fails > 1) {
		delay = POOL_RESPAWN_MIN_MS;
		for (i = 2; i < w->fails && delay < POOL_RESPAWN_MAX_MS; i++)
			delay *= 2;
		if (delay > POOL_RESPAWN_MAX_MS)
			delay = POOL_RESPAWN_MAX_MS;
		log_warnx("class %s: worker keeps dying; next start in "
		    "%" PRIu64 " ms", w->cls->conf.name, delay);
	}
	w->pid = 0;
	w->started_ms = 0;
	w->respawn_ms = now + delay;
}

static void
pool_worker_spawn(struct pool *p, struct pool_worker *w)
{
	posix_spawn_file_actions_t	 fa;
	posix_spawnattr_t		 attr;
	sigset_t			 none, deflt;
	char				 delay[16];
	char				*argv[10];
	int				 sv[2], fd, argc = 0, rc;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0, sv) == -1) {
		log_warn("class %s: could not start a worker: socketpair",
		    w->cls->conf.name);
		pool_worker_later(w);
		return;
	}
	/* dup2 onto itself would keep FD_CLOEXEC: the child end must move. */
	if (sv[1] == CHANNEL_FD) {
		fd = fcntl(sv[1], F_DUPFD_CLOEXEC, CHANNEL_FD + 1);
		close(sv[1]);
		sv[1] = fd;
	}
	snprintf(delay, sizeof(delay), "%d", w->cls->conf.delay_ms);
	argv[argc++] = p->worker_path;
	argv[argc++] = "-n";
	argv[argc++] = w->cls->conf.name;
	argv[argc++] = "-r";
	argv[argc++] = w->cls->conf.reply;
	argv[argc++] = "-d";
	argv[argc++] = delay;
	if (log_verbose())
		argv[argc++] = "-v";
	argv[argc] = NULL;

	/* The dispatcher blocks the signals it reads from its signalfd. */
	sigemptyset(&none);
	sigemptyset(&deflt);
	sigaddset(&deflt, SIGPIPE);
	sigaddset(&deflt, SIGCHLD);
	sigaddset(&deflt, SIGHUP);
	sigaddset(&deflt, SIGTERM);
	sigaddset(&deflt, SIGINT);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &deflt);
	posix_spawnattr_setflags(&attr,
	    POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, sv[1], CHANNEL_FD);
	rc = sv[1] == -1 ? errno : posix_spawn(&w->pid, p->worker_path, &fa,
	    &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	if (sv[1] != -1)
		close(sv[1]);
	if (rc != 0) {
		close(sv[0]);
		errno = rc;
		log_warn("class %s: could not start worker %s",
		    w->cls->conf.name, p->worker_path);
		pool_worker_later(w);
		return;
	}

	w->chan = sv[0];
	w->hello = 0;
	w->started_ms = clock_ms();
	w->respawn_ms = 0;
	event_watch(p->epfd, EPOLL_CTL_ADD, w->chan, EPOLLIN, w);
	log_info("worker %d started for class %s", (int)w->pid,
	    w->cls->conf.name);
}

static void
pool_worker_add(struct pool *p, struct pool_class *c)
{
	struct pool_worker	**ws, *w;

	ws = reallocarray(c->workers, c->nworkers + 1, sizeof(*ws));
	if (ws == NULL)
		fatal("reallocarray");
	c->workers = ws;
	w = pool_xcalloc(1, sizeof(*w));
	w->type = EVENT_CHANNEL;
	w->cls = c;
	w->chan = -1;
	c->workers[c->nworkers++] = w;
	pool_worker_spawn(p, w);
}

static void
pool_worker_remove(struct pool_class *c, size_t i)
{
	free(c->workers[i]);
	c->workers[i] = c->workers[--c->nworkers];
	c->cursor = 0;
}

/*
 * Closing its channel tells a worker to finish what it holds and exit;
 * it is reaped, not respawned.  A slot waiting to respawn just goes.
 */
static void
pool_worker_drain(struct pool_class *c, size_t i)
{
	struct pool_worker	*w = c->workers[i];

	if (w->pid == 0) {
		pool_worker_remove(c, i);
		return;
	}
	w->draining = 1;
	pool_channel_close(w);
}

/* Lost contact: the worker is told to stop and is respawned when reaped. */
static void
pool_worker_lost(struct pool_worker *w)
{
	pool_channel_close(w);
	if (w->pid > 0)
		kill(w->pid, SIGTERM);
}

static size_t
pool_class_live(const struct pool_class *c)
{
	size_t	i, n = 0;

	for (i = 0; i < c->nworkers; i++)
		if (!c->workers[i]->draining)
			n++;
	return n;
}

/* Starts or drains workers until the class has as many as configured. */
static void
pool_class_resize(struct pool *p, struct pool_class *c)
{
	size_t	i, live = pool_class_live(c), want = c->conf.workers;

	while (live < want) {
		pool_worker_add(p, c);
		live++;
	}
	for (i = c->nworkers; i-- > 0 && live > want; )
		if (!c->workers[i]->draining) {
			pool_worker_drain(c, i);
			live--;
		}
}

/* The worker with the fewest connections in hand, ties in turn. */
static struct pool_worker *
pool_pick(struct pool_class *c)
{
	struct pool_worker	*w, *best = NULL;
	size_t			 i, k, besti = 0;

	for (k = 1; k <= c->nworkers; k++) {
		i = (c->cursor + k) % c->nworkers;
		w = c->workers[i];
		if (w->chan == -1 || w->blocked || w->draining)
			continue;
		if (best == NULL || w->inhand < best->inhand) {
			best = w;
			besti = i;
		}
	}
	if (best != NULL)
		c->cursor = besti;
	return best;
}

/* A worker whose channel is full is sent nothing until it drains. */
static void
pool_worker_block(struct pool *p, struct pool_worker *w, int blocked)
{
	w->blocked = blocked;
	event_watch(p->epfd, EPOLL_CTL_MOD, w->chan,
	    blocked ? EPOLLIN | EPOLLOUT : EPOLLIN, w);
}

/*
 * Hands a connection to a worker of the class: 0, or -1 if the class is
 * full or none of its workers can take it now.  The caller closes the
 * dispatcher's copy of the descriptor.
 */
static int
pool_class_send(struct pool *p, struct pool_class *c, struct pool_conn *pc)
{
	struct channel_msg	 m;
	struct pool_worker	*w;

	if (c->conf.max_connections > 0 &&
	    c->inhand >= (unsigned)c->conf.max_connections)
		return -1;
	channel_msg_init(&m, CHANNEL_CONN);
	m.u.conn.id = pc->id;
	m.u.conn.class_idx = c->index;
	m.u.conn.entry = pc->entry;
	m.u.conn.listener = pc->listener;
	m.u.conn.peer = pc->peer;
	m.u.conn.local = pc->local;

	while (!p->toomanyrefs && (w = pool_pick(c)) != NULL) {
		if (channel_send(w->chan, &m, pc->fd) == 0) {
			w->inhand++;
			c->inhand++;
			return 0;
		}
		if (errno == ETOOMANYREFS) {
			if (!p->toomanyrefs)
				log_warnx("too many descriptors in flight to "
				    "workers; holding connections until one "
				    "is done");
			p->toomanyrefs = 1;
			break;
		}
		if (errno == EAGAIN) {
			/* Backpressure: wait until this channel drains. */
			pool_worker_block(p, w, 1);
			continue;
		}
		log_warn("worker %d (class %s): cannot send", (int)w->pid,
		    c->conf.name);
		pool_worker_lost(w);
	}
	return -1;
}

static const char *
pool_peer(const struct pool_conn *pc, char *buf, size_t len)
{
	return addr_format((const struct sockaddr *)&pc->peer, buf, len);
}

/*
 * Refused on purpose: the class and its queue are full, or it waited too
 * long.  The busy reply is one non-blocking send: a client that cannot
 * take it at once does not get it, and the dispatcher never waits.
 */
static void
pool_reject(const struct pool_class *c, struct pool_conn *pc, const char *why)
{
	char	peer[ADDR_PORTSTRLEN];

	if (c->conf.busy_reply != NULL)
		(void)send(pc->fd, c->conf.busy_reply,
		    strlen(c->conf.busy_reply), MSG_DONTWAIT | MSG_NOSIGNAL);
	close(pc->fd);
	log_debug("connection %" PRIu64 " from %s: class %s %s; rejected",
	    pc->id, pool_peer(pc, peer, sizeof(peer)), c->conf.name, why);
}

/* Oldest first within the highest priority, as long as a worker takes them. */
static void
pool_class_flush(struct pool *p, struct pool_class *c)
{
	struct pool_entry	*e;

	while ((e = TAILQ_FIRST(&c->byprio)) != NULL &&
	    pool_class_send(p, c, &e->conn) == 0)
		pool_entry_close(p, e);
}

/* Queues a connection, behind those of its priority and above: 0, or -1. */
static int
pool_enqueue(struct pool *p, struct pool_class *c, struct pool_conn *pc,
    int priority)
{
	struct pool_entry	*e, *after;
	struct epoll_event	 ev;

	if (c->qlen >= (size_t)c->conf.queue)
		return -1;
	e = pool_xcalloc(1, sizeof(*e));
	e->type = EVENT_QUEUED;
	e->cls = c;
	e->conn = *pc;
	e->priority = priority;
	if (c->conf.queue_timeout_ms > 0)
		e->deadline_ms = clock_ms() + (uint64_t)c->conf.queue_timeout_ms;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLRDHUP;
	ev.data.ptr = e;
	if (epoll_ctl(p->epfd, EPOLL_CTL_ADD, pc->fd, &ev) == -1) {
		log_warn("connection %" PRIu64 ": epoll_ctl", pc->id);
		free(e);
		return -1;
	}
	/*
	 * From the tail: most entries share the class's own priority, and
	 * only a spill from a higher class walks further.
	 */
	TAILQ_FOREACH_REVERSE(after, &c->byprio, pool_entries, byprio)
		if (after->priority >= priority)
			break;
	if (after != NULL)
		TAILQ_INSERT_AFTER(&c->byprio, after, e, byprio);
	else
		TAILQ_INSERT_HEAD(&c->byprio, e, byprio);
	TAILQ_INSERT_TAIL(&c->byage, e, byage);
	c->qlen++;
	if (e->deadline_ms != 0 && c->qlen == 1)
		pool_timer_arm(p);
	return 0;
}

/*
 * A connection for class c: to a worker if the class has room and nobody
 * waits, else into its queue, else into its overflow class (whose own
 * slots, queue and overflow apply: configuration forbids cycles), else
 * rejected.  Returns 1 when it was rejected.
 */
static int
pool_class_admit(struct pool *p, struct pool_class *c, struct pool_conn *pc,
    int priority)
{
	if (c->qlen == 0 && pool_class_send(p, c, pc) == 0) {
		close(pc->fd);
		return 0;
	}
	if (pool_enqueue(p, c, pc, priority) == 0)
		return 0;
	if (c->conf.overflow != -1)
		return pool_class_admit(p, p->classes[c->conf.overflow], pc,
		    priority);
	pool_reject(c, pc, "and its queue are full");
	return 1;
}

static void
pool_trace(const struct pool *p, const struct pool_conn *pc,
    const struct rules_verdict *v)
{
	char	peer[ADDR_PORTSTRLEN], local[ADDR_PORTSTRLEN];
	char	lane[64], verdict[640];

	addr_format((const struct sockaddr *)&pc->peer, peer, sizeof(peer));
	addr_format((const struct sockaddr *)&pc->local, local, sizeof(local));
	lane[0] = '\0';
	if (pc->lane != -1)
		snprintf(lane, sizeof(lane), " (lane %d, priority %d)",
		    pc->lane, pc->lane_priority);
	log_debug("connection %" PRIu64 " from %s on %s%s: %s%s", pc->id, peer,
	    local, lane, v->entry == -1 ? "no rule -> " : "",
	    config_verdict_describe(p->cf, v, verdict, sizeof(verdict)));
}

int
pool_route(struct pool *p, struct pool_conn *pc)
{
	struct rules_verdict	v;

	rules_match(p->cf->rules, (struct sockaddr *)&pc->peer, (int)pc->listener,
	    &v);
	if (log_verbose())
		pool_trace(p, pc, &v);
	if (v.action == RULES_DENY) {
		close(pc->fd);
		return 1;
	}
	pc->entry = v.entry;
	return pool_class_admit(p, p->classes[v.class_idx],
	    pc, p->classes[v.class_idx]->conf.priority);
}

/* A class that left the configuration: its workers finish and exit. */
static void
pool_class_retire(struct pool *p, struct pool_class *c)
{
	struct pool_class	**r;
	size_t			  i;

	for (i = c->nworkers; i-- > 0; )
		pool_worker_drain(c, i);
	c->index = -1;
	r = reallocarray(p->retired, p->nretired + 1, sizeof(*r));
	if (r == NULL)
		fatal("reallocarray");
	p->retired = r;
	p->retired[p->nretired++] = c;
}

/* Drops retired classes whose workers are all gone. */
static void
pool_retired_sweep(struct pool *p)
{
	size_t	i;

	for (i = p->nretired; i-- > 0; )
		if (p->retired[i]->nworkers == 0) {
			pool_class_free(p, p->retired[i]);
			p->retired[i] = p->retired[--p->nretired];
		}
}

/* Class indexes, higher priority first: the order in which to hand out. */
static void
pool_order(struct pool *p)
{
	size_t	i, j;

	free(p->order);
	p->order = pool_xcalloc(p->nclasses, sizeof(*p->order));
	for (i = 0; i < p->nclasses; i++) {
		for (j = i; j > 0 && p->classes[p->order[j - 1]]->conf.priority <
		    p->classes[i]->conf.priority; j--)
			p->order[j] = p->order[j - 1];
		p->order[j] = i;
	}
}

/* Every class's queue, higher priority first, as far as workers take. */
static void
pool_flush_all(struct pool *p)
{
	size_t	i;

	for (i = 0; i < p->nclasses; i++)
		pool_class_flush(p, p->classes[p->order[i]]);
}

void
pool_configure(struct pool *p, const struct config *cf)
{
	struct pool_class	**next, *c, *old;
	struct pool_entry	 *e;
	size_t			  i, j, n;

	next = pool_xcalloc(cf->nclasses, sizeof(*next));
	for (i = 0; i < cf->nclasses; i++) {
		for (j = 0; j < p->nclasses; j++) {
			old = p->classes[j];
			if (old != NULL && config_class_same_workers(&old->conf,
			    &cf->classes[i])) {
				pool_class_set(old, &cf->classes[i]);
				next[i] = old;
				p->classes[j] = NULL;
				break;
			}
		}
		if (next[i] == NULL)
			next[i] = pool_class_new(&cf->classes[i]);
		next[i]->index = (int)i;
	}
	n = p->nretired;
	for (j = 0; j < p->nclasses; j++)
		if (p->classes[j] != NULL)
			pool_class_retire(p, p->classes[j]);
	free(p->classes);
	p->classes = next;
	p->nclasses = cf->nclasses;
	p->cf = cf;

	for (i = 0; i < p->nclasses; i++) {
		c = p->classes[i];
		pool_class_resize(p, c);
		/* A shorter queue: the last in hand-out order go. */
		while (c->qlen > (size_t)c->conf.queue) {
			e = TAILQ_LAST(&c->byprio, pool_entries);
			pool_entry_remove(p, e);
			pool_reject(c, &e->conn, "queue shortened by a reload");
			pool_entry_free(p, e);
		}
	}

	/* Connections still queued for a removed class follow the new rules. */
	for (j = n; j < p->nretired; j++) {
		c = p->retired[j];
		while ((e = TAILQ_FIRST(&c->byage)) != NULL) {
			pool_entry_remove(p, e);
			(void)pool_route(p, &e->conn);
			pool_entry_free(p, e);
		}
	}
	pool_retired_sweep(p);
	pool_order(p);
	pool_flush_all(p);
	pool_timer_arm(p);
}

/* Something freed a slot in flight: every class may send again. */
static void
pool_resume(struct pool *p)
{
	if (!p->toomanyrefs)
		return;
	p->toomanyrefs = 0;
	pool_flush_all(p);
}

static int
pool_channel_message(struct pool_worker *w, const struct channel_msg *m)
{
	switch (m->type) {
	case CHANNEL_HELLO:
		if (w->hello || m->u.hello.pid != w->pid)
			return -1;
		w->hello = 1;
		return 0;
	case CHANNEL_DONE:
		if (w->inhand == 0)
			return -1;
		w->inhand--;
		w->cls->inhand--;
		return 0;
	default:
		return -1;
	}
}

void
pool_channel_event(struct pool *p, struct pool_worker *w, uint32_t events)
{
	struct channel_msg	 m;
	int			 fd, n;

	if ((events & EPOLLOUT) && w->blocked) {
		pool_worker_block(p, w, 0);
		pool_class_flush(p, w->cls);
	}
	while (w->chan != -1) {
		n = channel_recv(w->chan, &m, &fd);
		if (n == -1 && errno == EAGAIN)
			break;
		if (n == 1 && pool_channel_message(w, &m) == 0) {
			if (m.type == CHANNEL_DONE) {
				pool_resume(p);
				pool_class_flush(p, w->cls);
			}
			continue;
		}
		if (n == 0)
			log_debug("worker %d (class %s) closed its channel",
			    (int)w->pid, w->cls->conf.name);
		else if (n == 1 || errno == EPROTO)
			log_warnx("worker %d (class %s): malformed or unexpected "
			    "message; ending its channel", (int)w->pid,
			    w->cls->conf.name);
		else
			log_warn("worker %d (class %s): channel", (int)w->pid,
			    w->cls->conf.name);
		pool_worker_lost(w);
	}
}

/* A waiting client closed (or shut down its side): it leaves the queue. */
void
pool_queued_event(struct pool *p, struct pool_entry *e)
{
	char	peer[ADDR_PORTSTRLEN];

	log_debug("connection %" PRIu64 " from %s left the queue of class %s",
	    e->conn.id, pool_peer(&e->conn, peer, sizeof(peer)),
	    e->cls->conf.name);
	pool_entry_close(p, e);
}

void
pool_timer_event(struct pool *p)
{
	struct pool_class	*c;
	struct pool_worker	*w;
	struct pool_entry	*e;
	uint64_t		 ticks, now = clock_ms();
	size_t			 i, j;

	if (read(p->timer.fd, &ticks, sizeof(ticks)) == -1 && errno != EAGAIN)
		log_warn("pool timer");
	for (i = 0; i < p->nclasses; i++) {
		c = p->classes[p->order[i]];
		for (j = 0; j < c->nworkers; j++) {
			w = c->workers[j];
			if (w->pid == 0 && !w->draining && w->respawn_ms <= now)
				pool_worker_spawn(p, w);
		}
		pool_class_flush(p, c);
		while ((e = TAILQ_FIRST(&c->byage)) != NULL &&
		    e->deadline_ms != 0 && e->deadline_ms <= now) {
			pool_entry_remove(p, e);
			pool_reject(c, &e->conn, "queue timeout");
			pool_entry_free(p, e);
		}
	}
	pool_timer_arm(p);
}

static struct pool_worker *
pool_find(const struct pool *p, pid_t pid, size_t *wi)
{
	struct pool_class	*c;
	size_t			 i, j;

	for (i = 0; (c = pool_class_at(p, i)) != NULL; i++)
		for (j = 0; j < c->nworkers; j++)
			if (c->workers[j]->pid == pid) {
				*wi = j;
				return c->workers[j];
			}
	return NULL;
}

static void
pool_log_exit(const struct pool_worker *w, int status, int expected)
{
	void	(*say)(const char *, ...) = expected ? log_info : log_warnx;

	if (WIFSIGNALED(status))
		say("worker %d (class %s) killed by signal %d", (int)w->pid,
		    w->cls->conf.name, WTERMSIG(status));
	else
		say("worker %d (class %s) exited with status %d", (int)w->pid,
		    w->cls->conf.name, WEXITSTATUS(status));
}

void
pool_reap(struct pool *p)
{
	struct pool_worker	*w;
	struct pool_class	*c;
	size_t			 wi;
	pid_t			 pid;
	int			 status, expected;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if ((w = pool_find(p, pid, &wi)) == NULL)
			continue;
		c = w->cls;
		expected = w->draining || p->stopping;
		pool_log_exit(w, status, expected &&
		    WIFEXITED(status) && WEXITSTATUS(status) == 0);
		pool_channel_close(w);
		if (expected || c->index == -1) {
			pool_worker_remove(c, wi);
			continue;
		}
		/* Its queued connections wait for a sibling or the new worker. */
		pool_worker_later(w);
		if (w->respawn_ms <= clock_ms())
			pool_worker_spawn(p, w);
		pool_class_flush(p, c);
	}
	if (pid == -1 && errno != ECHILD)
		log_warn("waitpid");
	pool_resume(p);
	pool_retired_sweep(p);
	pool_timer_arm(p);
}

size_t
pool_busy(const struct pool *p)
{
	struct pool_class	*c;
	size_t			 i, n = 0;

	for (i = 0; (c = pool_class_at(p, i)) != NULL; i++)
		n += c->qlen + c->inhand;
	return n;
}

void
pool_stop(struct pool *p)
{
	struct pool_class	*c;
	struct pool_entry	*e;
	size_t			 i, j, dropped = 0;

	p->stopping = 1;
	for (i = 0; (c = pool_class_at(p, i)) != NULL; i++) {
		while ((e = TAILQ_FIRST(&c->byage)) != NULL) {
			pool_entry_close(p, e);
			dropped++;
		}
		for (j = c->nworkers; j-- > 0; )
			pool_worker_drain(c, j);
	}
	if (dropped > 0)
		log_warnx("closed %zu queued connections", dropped);
	pool_timer_arm(p);
}

size_t
pool_children(const struct pool *p)
{
	struct pool_class	*c;
	size_t			 i, j, n = 0;

	for (i = 0; (c = pool_class_at(p, i)) != NULL; i++)
		for (j = 0; j < c->nworkers; j++)
			if (c->workers[j]->pid > 0)
				n++;
	return n;
}

void
pool_kill(const struct pool *p, int sig)
{
	struct pool_class	*c;
	size_t			 i, j;

	for (i = 0; (c = pool_class_at(p, i)) != NULL; i++)
		for (j = 0; j < c->nworkers; j++)
			if (c->workers[j]->pid > 0)
				kill(c->workers[j]->pid, sig);
}

void
pool_free(struct pool *p)
{
	size_t	i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nclasses; i++)
		pool_class_free(p, p->classes[i]);
	for (i = 0; i < p->nretired; i++)
		pool_class_free(p, p->retired[i]);
	pool_gc(p);
	free(p->classes);
	free(p->order);
	free(p->retired);
	close(p->timer.fd);
	free(p->worker_path);
	free(p);
}
