#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "channel.h"
#include "clock.h"
#include "contract.h"
#include "event.h"
#include "log.h"
#include "pool.h"
#include "pool_int.h"
#include "proc.h"
#include "route.h"

struct pool *
pool_new(int epfd, const char *program, struct access *a, unsigned shard,
    unsigned nshards)
{
	struct pool	*p;

	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->program = strdup(program)) == NULL)
		fatal("pool_new");
	p->epfd = epfd;
	p->shard = shard;
	p->nshards = nshards;
	p->access = a;
	p->timer.type = EVENT_RESPAWN;
	p->timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (p->timer.fd == -1)
		fatal("timerfd_create");
	event_watch(epfd, EPOLL_CTL_ADD, p->timer.fd, EPOLLIN, &p->timer);
	return p;
}

struct class *
pool_class_at(const struct pool *p, size_t i)
{
	if (i < p->nclasses)
		return p->classes[i];
	if (i < p->nclasses + p->nretired)
		return p->retired[i - p->nclasses];
	return NULL;
}

static void
pool_timer_set(struct pool *p, uint64_t when)
{
	clock_timer_at(p->timer.fd, when);
	p->timer_ms = when;
}

/*
 * The earliest start, queue deadline, retry of a held class or hung
 * worker's deadline decides when the timer fires.
 */
static void
pool_timer_arm(struct pool *p)
{
	struct class		*c;
	struct worker		*w;
	uint64_t		 next = 0, d;
	size_t			 i, j;

	for (i = 0; (c = pool_class_at(p, i)) != NULL; i++) {
		for (j = 0; j < c->nworkers; j++) {
			w = c->workers[j];
			if (w->pid == 0 && !w->draining &&
			    (next == 0 || w->respawn_ms < next))
				next = w->respawn_ms;
		}
		if ((d = queue_deadline(&c->queue)) != 0 &&
		    (next == 0 || d < next))
			next = d;
		if ((d = class_deadline(c)) != 0 && (next == 0 || d < next))
			next = d;
	}
	pool_timer_set(p, next);
}

void
pool_timer_at(struct pool *p, uint64_t when)
{
	if (when != 0 && (p->timer_ms == 0 || when < p->timer_ms))
		pool_timer_set(p, when);
}

/* The arguments a worker of this class is started with. */
static void
pool_args(const struct pool *p, const struct config_class *conf,
    struct contract_args *args)
{
	config_class_args(conf, p->program, log_verbose(), args);
}

/* Starts every worker of the class that is due. */
static void
pool_start(struct pool *p, struct class *c, uint64_t now)
{
	struct contract_args	 args;
	struct worker		*w;
	size_t			 j;

	pool_args(p, &c->conf, &args);
	for (j = 0; j < c->nworkers; j++) {
		w = c->workers[j];
		if (w->pid == 0 && !w->draining && w->respawn_ms <= now)
			proc_start(w, &args, p->epfd);
	}
}

size_t
pool_send(struct pool *p, struct class *c, struct conn **cns, size_t n)
{
	size_t	sent;

	(void)class_send(c, cns, n, &sent);
	pool_timer_at(p, class_wake(c));
	return sent;
}

/* Oldest first within the highest priority, as long as workers take them. */
static void
pool_flush(struct pool *p, struct class *c)
{
	class_flush(c);
	pool_timer_at(p, class_wake(c));
}

/* Every class's queue, higher priority first, as far as workers take. */
static void
pool_flush_all(struct pool *p)
{
	size_t	i;

	for (i = 0; i < p->nclasses; i++)
		pool_flush(p, p->classes[p->order[i]]);
}

/*
 * Something may have freed room in flight (a worker took from its
 * channel, or one died): every held class tries again at once.
 */
static void
pool_release(struct pool *p)
{
	struct class	*c;
	size_t		 i;

	for (i = 0; i < p->nclasses; i++) {
		c = p->classes[p->order[i]];
		if (class_retry(c, 0))
			pool_flush(p, c);
	}
}

/* Drops retired classes whose workers are all gone. */
static void
pool_sweep(struct pool *p)
{
	size_t	i;

	for (i = p->nretired; i-- > 0; )
		if (p->retired[i]->nworkers == 0) {
			class_free(p->retired[i]);
			p->retired[i] = p->retired[--p->nretired];
		}
}

/* Class indexes, higher priority first: the order in which to hand out. */
static void
pool_order(struct class **classes, size_t n, size_t *order)
{
	size_t	i, j;

	for (i = 0; i < n; i++) {
		for (j = i; j > 0 && classes[order[j - 1]]->conf.priority <
		    classes[i]->conf.priority; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
}

/* The live class whose workers can serve conf, if not taken already. */
static struct class *
pool_keep(const struct pool *p, const struct config_class *conf,
    struct class *const *taken, size_t ntaken)
{
	struct contract_args	 a, b;
	size_t			 j, k;

	pool_args(p, conf, &b);
	for (j = 0; j < p->nclasses; j++) {
		pool_args(p, &p->classes[j]->conf, &a);
		if (!contract_same(&a, &b))
			continue;
		for (k = 0; k < ntaken && taken[k] != p->classes[j]; k++)
			;
		if (k == ntaken)
			return p->classes[j];
	}
	return NULL;
}

int
pool_share(int total, unsigned i, unsigned n)
{
	int	share;

	if (total <= 0)
		return total;
	share = total / (int)n + ((unsigned)total % n > i ? 1 : 0);
	return share > 0 ? share : 1;
}

/* The pool's shard's share of a class's workers, limit and queue. */
static void
pool_conf_share(const struct pool *p, const struct config_class *conf,
    struct config_class *share)
{
	*share = *conf;
	share->workers = pool_share(conf->workers, p->shard, p->nshards);
	share->max_connections = pool_share(conf->max_connections, p->shard,
	    p->nshards);
	share->queue = pool_share(conf->queue, p->shard, p->nshards);
}

/*
 * What a configuration needs, allocated before anything changes: the
 * next class table and order, kept classes' new settings (confs[i].name
 * is set for those alone), new classes, the workers' slots, and room to
 * retire every class.
 */
struct pool_plan {
	const struct config	 *cf;
	struct class		**next;
	struct config_class	 *confs;
	size_t			 *order;
	uint64_t		 *rule_hits;
};

static void
pool_plan_free(struct pool_plan *pl, size_t n)
{
	size_t	i;

	if (pl == NULL)
		return;
	for (i = 0; i < n && pl->next != NULL; i++) {
		if (pl->next[i] == NULL)
			continue;
		if (pl->confs[i].name != NULL) {
			class_conf_free(&pl->confs[i]);
			class_unreserve(pl->next[i]);
		} else
			class_free(pl->next[i]);
	}
	free(pl->next);
	free(pl->confs);
	free(pl->order);
	free(pl->rule_hits);
	free(pl);
}

static int
pool_plan(struct pool *p, const struct config *cf, struct pool_plan *pl)
{
	struct config_class		  share, *conf = &share;
	struct class			**r, *c;
	size_t				  i, n = cf->nclasses;

	pl->cf = cf;
	pl->next = calloc(n, sizeof(*pl->next));
	pl->confs = calloc(n, sizeof(*pl->confs));
	pl->order = calloc(n, sizeof(*pl->order));
	pl->rule_hits = calloc(cf->nrules + 1, sizeof(*pl->rule_hits));
	r = reallocarray(p->retired, p->nretired + p->nclasses, sizeof(*r));
	if (r != NULL)
		p->retired = r;
	if (pl->next == NULL || pl->confs == NULL || pl->order == NULL ||
	    pl->rule_hits == NULL || (r == NULL && p->nretired + p->nclasses > 0))
		goto fail;
	for (i = 0; i < n; i++) {
		pool_conf_share(p, &cf->classes[i], &share);
		if ((c = pool_keep(p, conf, pl->next, i)) != NULL) {
			if (class_conf_dup(&pl->confs[i], conf) == -1)
				goto fail;
		} else if ((c = class_new(conf, p->epfd)) == NULL)
			goto fail;
		pl->next[i] = c;
		if (class_reserve(c, (size_t)conf->workers) == -1)
			goto fail;
	}
	return 0;

 fail:
	pool_plan_free(pl, n);
	return -1;
}

/* A class that left the configuration: its workers finish and exit. */
static void
pool_retire(struct pool *p, struct class *c)
{
	size_t	i;

	for (i = c->nworkers; i-- > 0; )
		class_drain(c, i);
	c->index = -1;
	p->retired[p->nretired++] = c;
}

/*
 * Queued connections know their listener by its index in the running
 * configuration, which the next one may move or remove: renumbered
 * before any of them is matched again (a removed class's, now; a kept
 * class's, at a later reload).
 */
static void
pool_relisten(struct pool *p, const struct config *cf)
{
	struct class_entry	*e;
	size_t			 i;

	if (p->cf == NULL)
		return;
	for (i = 0; i < p->nclasses; i++)
		for (e = class_first(p->classes[i]); e != NULL;
		    e = class_next(e))
			e->conn.listener = config_listener_map(p->cf,
			    e->conn.listener, cf);
}

struct pool_plan *
pool_prepare(struct pool *p, const struct config *cf)
{
	struct pool_plan	*pl;

	if ((pl = calloc(1, sizeof(*pl))) == NULL)
		return NULL;
	if (pool_plan(p, cf, pl) == -1)
		return NULL;
	return pl;
}

void
pool_discard(struct pool_plan *pl)
{
	if (pl != NULL)
		pool_plan_free(pl, pl->cf->nclasses);
}

void
pool_commit(struct pool *p, struct pool_plan *plan)
{
	const struct config	*cf = plan->cf;
	struct pool_plan	 pl = *plan;
	struct class_entry	*e;
	struct class		*c;
	size_t			 i, j, k, n;
	uint64_t		 now = clock_ms();
	int			 batch;

	free(plan);
	pool_relisten(p, cf);
	n = p->nretired;
	for (j = 0; j < p->nclasses; j++) {
		for (k = 0; k < cf->nclasses && pl.next[k] != p->classes[j];
		    k++)
			;
		if (k == cf->nclasses)
			pool_retire(p, p->classes[j]);
	}
	free(p->classes);
	p->classes = pl.next;
	p->nclasses = cf->nclasses;
	p->cf = cf;
	free(p->order);
	p->order = pl.order;
	pool_order(p->classes, p->nclasses, p->order);
	/* Rule numbers mean other rules now: their counts start again. */
	free(p->rule_hits);
	p->rule_hits = pl.rule_hits;
	access_configure(p->access, cf);

	for (i = 0; i < p->nclasses; i++) {
		c = p->classes[i];
		if (pl.confs[i].name != NULL) {
			batch = c->conf.sched_batch;
			class_set(c, &pl.confs[i]);
			if (batch != c->conf.sched_batch)
				for (j = 0; j < c->nworkers; j++)
					proc_sched(c->workers[j]);
		}
		c->index = (int)i;
		c->access = p->access;
		class_resize(c, (size_t)c->conf.workers);
		class_unreserve(c);
		pool_start(p, c, now);
		/* A shorter queue: the last in hand-out order go. */
		while (c->queue.len > c->queue.max) {
			e = class_last(c);
			class_dequeue(e);
			route_reject(c, &e->conn, CLASS_REFUSED_SHORTENED);
		}
	}
	free(pl.confs);

	/* Connections still queued for a removed class follow the new rules. */
	for (j = n; j < p->nretired; j++) {
		c = p->retired[j];
		while ((e = class_first(c)) != NULL) {
			class_dequeue(e);
			(void)route_conn(p, &e->conn);
		}
	}
	(void)route_flush(p);
	pool_sweep(p);
	pool_flush_all(p);
	pool_timer_arm(p);
}

void
pool_channel_event(struct pool *p, struct worker *w, uint32_t events)
{
	struct channel_msg	 m;
	int			 n;

	if ((events & EPOLLOUT) && w->blocked) {
		class_unblock(w);
		pool_flush(p, w->cls);
	}
	/*
	 * One message an event: epoll reports the channel again while more
	 * wait, and no read ends in EAGAIN.  A worker sends one DONE a
	 * wake-up, so there is seldom more than one.
	 */
	if (w->chan == -1 || !(events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		return;
	n = channel_recv(w->chan, &m, NULL);
	if (n == -1 && errno == EAGAIN)
		return;
	if (n == 1 && class_message(w, &m) == 0) {
		if (m.type == CHANNEL_DONE) {
			w->progress_ms = clock_ms();
			pool_release(p);
			pool_flush(p, w->cls);
		}
		return;
	}
	if (n == 1 || (n == -1 && errno == EPROTO)) {
		/*
		 * Nothing it says can be trusted any more, nor that it would
		 * heed SIGTERM: killed, and restarted when reaped.
		 */
		log_warnx("worker %d (class %s): protocol error: %s; killing "
		    "it", (int)w->pid, w->cls->conf.name, n == 1 ?
		    class_check(w, &m) : "a malformed message");
		class_channel_close(w);
		proc_signal(w, SIGKILL);
		return;
	}
	if (n == 0)
		log_debug("worker %d (class %s) closed its channel",
		    (int)w->pid, w->cls->conf.name);
	else
		log_warn("worker %d (class %s): channel", (int)w->pid,
		    w->cls->conf.name);
	class_lost(w);
}

/*
 * A waiting client's socket reported an event: a reset or an error takes
 * it out of the queue; a FIN keeps its place, as it may still wait for
 * its reply, unless its class says abort_on_close.
 */
void
pool_queued_event(struct pool *p, struct class_entry *e, uint32_t events)
{
	const char	*why;
	char		 peer[ADDR_PORTSTRLEN];

	addr_format((const struct sockaddr *)&e->conn.peer, peer, sizeof(peer));
	if (class_queued_event(e, events, &why) == 0) {
		log_debug("connection %" PRIu64 " from %s closed its side; it "
		    "keeps its place in the queue of class %s", e->conn.id,
		    peer, e->cls->conf.name);
		return;
	}
	log_debug("connection %" PRIu64 " from %s left the queue of class %s: "
	    "%s", e->conn.id, peer, e->cls->conf.name, why);
	e->cls->stats.left++;
	access_refused(p->access, &e->conn, e->cls->conf.name, "left", "-");
	class_drop(e);
}

void
pool_timer_event(struct pool *p)
{
	struct class_entry	*e;
	struct class		*c;
	uint64_t		 ticks, now = clock_ms();
	size_t			 i;

	if (read(p->timer.fd, &ticks, sizeof(ticks)) == -1 && errno != EAGAIN)
		log_warn("pool timer");
	for (i = 0; i < p->nclasses; i++) {
		c = p->classes[p->order[i]];
		pool_start(p, c, now);
		class_watch(c, now);
		(void)class_retry(c, now);
		pool_flush(p, c);
		while ((e = class_expired(c, now)) != NULL) {
			class_dequeue(e);
			route_reject(c, &e->conn, CLASS_REFUSED_TIMEOUT);
		}
	}
	pool_timer_arm(p);
}

static struct worker *
pool_find(const struct pool *p, pid_t pid, size_t *wi)
{
	struct class	*c;
	size_t		 i, j;

	for (i = 0; (c = pool_class_at(p, i)) != NULL; i++)
		for (j = 0; j < c->nworkers; j++)
			if (c->workers[j]->pid == pid) {
				*wi = j;
				return c->workers[j];
			}
	return NULL;
}

/*
 * The DONE messages a dead worker sent before it died are still in its
 * channel: read them, so that what it had in hand is counted exactly.
 */
static void
pool_collect(struct worker *w)
{
	struct channel_msg	m;

	while (w->chan != -1 && channel_recv(w->chan, &m, NULL) == 1 &&
	    m.type == CHANNEL_DONE && class_message(w, &m) == 0)
		;
}

int
pool_reap(struct pool *p, pid_t pid, int status)
{
	struct worker	*w;
	struct class	*c;
	size_t		 wi;
	unsigned	 lost;
	int		 expected;

	if ((w = pool_find(p, pid, &wi)) == NULL)
		return 0;
	c = w->cls;
	expected = w->draining || p->stopping;
	pool_collect(w);
	class_channel_close(w);
	proc_log_exit(w, status, expected &&
	    WIFEXITED(status) && WEXITSTATUS(status) == 0);
	lost = proc_lost(w, status);
	c->stats.lost += lost;
	access_worker_end(p->access, w, lost > 0);
	if (expected || c->index == -1)
		class_worker_remove(c, wi);
	else {
		c->stats.restarts++;
		/* Its queued connections wait for a sibling or the new worker. */
		proc_later(w);
		pool_start(p, c, clock_ms());
		pool_flush(p, c);
	}
	pool_release(p);
	pool_sweep(p);
	pool_timer_arm(p);
	return 1;
}

size_t
pool_busy(const struct pool *p)
{
	struct class	*c;
	size_t		 i, n = 0;

	for (i = 0; (c = pool_class_at(p, i)) != NULL; i++)
		n += class_busy(c);
	return n;
}

void
pool_stop(struct pool *p)
{
	struct class_entry	*e;
	struct class		*c;
	size_t			 i, j, dropped = 0;

	p->stopping = 1;
	for (i = 0; (c = pool_class_at(p, i)) != NULL; i++) {
		while ((e = class_first(c)) != NULL) {
			class_drop(e);
			dropped++;
		}
		for (j = c->nworkers; j-- > 0; )
			class_drain(c, j);
	}
	if (dropped > 0)
		log_warnx("closed %zu queued connections", dropped);
	pool_timer_arm(p);
}

size_t
pool_children(const struct pool *p)
{
	struct class	*c;
	size_t		 i, j, n = 0;

	for (i = 0; (c = pool_class_at(p, i)) != NULL; i++)
		for (j = 0; j < c->nworkers; j++)
			if (c->workers[j]->pid > 0)
				n++;
	return n;
}

void
pool_kill(const struct pool *p, int sig)
{
	struct class	*c;
	size_t		 i, j;

	for (i = 0; (c = pool_class_at(p, i)) != NULL; i++)
		for (j = 0; j < c->nworkers; j++)
			proc_signal(c->workers[j], sig);
}

void
pool_gc(struct pool *p)
{
	struct class	*c;
	size_t		 i;

	for (i = 0; (c = pool_class_at(p, i)) != NULL; i++)
		class_gc(c);
}

void
pool_free(struct pool *p)
{
	struct class_entry	*e;
	struct class		*c;
	size_t			 i;

	if (p == NULL)
		return;
	for (i = 0; (c = pool_class_at(p, i)) != NULL; i++) {
		/* Still queued when the stop's grace ran out. */
		for (e = class_first(c); e != NULL; e = class_next(e))
			access_refused(p->access, &e->conn, c->conf.name,
			    "lost", "stopped");
		class_free(c);
	}
	free(p->classes);
	free(p->order);
	free(p->rule_hits);
	free(p->retired);
	close(p->timer.fd);
	free(p->program);
	free(p);
}
