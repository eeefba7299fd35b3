#include <sys/epoll.h>

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "class.h"
#include "clock.h"
#include "event.h"
#include "log.h"
#include "proc.h"

int
class_conf_dup(struct config_class *dst, const struct config_class *src)
{
	*dst = *src;
	dst->name = strdup(src->name);
	dst->reply = strdup(src->reply);
	dst->busy_reply = src->busy_reply != NULL ? strdup(src->busy_reply) :
	    NULL;
	dst->command = config_argv_dup(src->command);
	dst->worker = config_argv_dup(src->worker);
	if (dst->name == NULL || dst->reply == NULL ||
	    (src->busy_reply != NULL && dst->busy_reply == NULL) ||
	    (src->command != NULL && dst->command == NULL) ||
	    (src->worker != NULL && dst->worker == NULL)) {
		class_conf_free(dst);
		return -1;
	}
	return 0;
}

void
class_conf_free(struct config_class *conf)
{
	free(conf->name);
	free(conf->reply);
	free(conf->busy_reply);
	config_argv_free(conf->command);
	config_argv_free(conf->worker);
	conf->name = conf->reply = conf->busy_reply = NULL;
	conf->command = NULL;
	conf->worker = NULL;
}

struct class *
class_new(const struct config_class *conf, int epfd)
{
	struct class	*c;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		return NULL;
	if (class_conf_dup(&c->conf, conf) == -1) {
		free(c);
		return NULL;
	}
	c->index = -1;
	c->epfd = epfd;
	queue_init(&c->queue, (size_t)conf->queue);
	TAILQ_INIT(&c->dead);
	return c;
}

void
class_set(struct class *c, struct config_class *conf)
{
	class_conf_free(&c->conf);
	c->conf = *conf;
	c->queue.max = (size_t)conf->queue;
}

void
class_free(struct class *c)
{
	struct class_entry	*e;

	while ((e = class_first(c)) != NULL)
		class_drop(e);
	class_gc(c);
	class_unreserve(c);
	while (c->nworkers > 0)
		free(c->workers[--c->nworkers]);
	free(c->workers);
	queue_free(&c->queue);
	class_conf_free(&c->conf);
	free(c);
}

size_t
class_live(const struct class *c)
{
	size_t	i, n = 0;

	for (i = 0; i < c->nworkers; i++)
		if (!c->workers[i]->draining)
			n++;
	return n;
}

int
class_reserve(struct class *c, size_t want)
{
	struct worker	**ws, *w;
	size_t		  live = class_live(c), need;

	if (want <= live)
		return 0;
	need = c->nworkers + (want - live);
	if (need > c->nslots) {
		if ((ws = reallocarray(c->workers, need, sizeof(*ws))) == NULL)
			return -1;
		c->workers = ws;
	}
	while (c->nslots < need) {
		if ((w = calloc(1, sizeof(*w))) == NULL) {
			class_unreserve(c);
			return -1;
		}
		w->type = EVENT_CHANNEL;
		w->cls = c;
		w->chan = -1;
		c->workers[c->nslots++] = w;
	}
	return 0;
}

void
class_unreserve(struct class *c)
{
	while (c->nslots > c->nworkers)
		free(c->workers[--c->nslots]);
}

void
class_resize(struct class *c, size_t want)
{
	size_t	i, live = class_live(c);

	while (live < want && c->nworkers < c->nslots) {
		c->nworkers++;
		live++;
	}
	for (i = c->nworkers; i-- > 0 && live > want; )
		if (!c->workers[i]->draining) {
			class_drain(c, i);
			live--;
		}
}

void
class_worker_remove(struct class *c, size_t i)
{
	free(c->workers[i]);
	c->workers[i] = c->workers[--c->nworkers];
	/* The last reserved slot, if any, fills the place left. */
	c->workers[c->nworkers] = c->workers[--c->nslots];
	c->cursor = 0;
}

/*
 * Closing its channel tells a worker to finish what it holds and exit;
 * it is reaped, not respawned.  A slot waiting to start just goes.
 */
void
class_drain(struct class *c, size_t i)
{
	struct worker	*w = c->workers[i];
	unsigned	 held;

	if (w->pid == 0) {
		class_worker_remove(c, i);
		return;
	}
	held = w->inhand;
	w->draining = 1;
	class_channel_close(w);
	/*
	 * No DONE comes back now: what it held is still in hand until it
	 * exits (class_busy), though no longer the class's to count against
	 * max_connections.
	 */
	w->inhand = held;
}

void
class_channel_close(struct worker *w)
{
	if (w->chan == -1)
		return;
	close(w->chan);	/* also leaves the epoll set */
	w->chan = -1;
	w->blocked = 0;
	w->unfinished = w->inhand;
	w->cls->inhand -= w->inhand;
	w->inhand = 0;
}

size_t
class_busy(const struct class *c)
{
	size_t	i, n = c->queue.len + c->inhand;

	for (i = 0; i < c->nworkers; i++)
		if (c->workers[i]->draining)
			n += c->workers[i]->inhand;
	return n;
}

void
class_lost(struct worker *w)
{
	class_channel_close(w);
	proc_signal(w, SIGTERM);
}

/*
 * The worker with the fewest connections in hand, ties in turn.  One
 * that holds all it can takes nothing from its channel: what it is sent
 * waits in flight there, and would stall every class at ETOOMANYREFS.
 */
static struct worker *
class_pick(struct class *c)
{
	struct worker	*w, *best = NULL;
	size_t		 i, k, besti = 0;

	for (k = 1; k <= c->nworkers; k++) {
		i = (c->cursor + k) % c->nworkers;
		w = c->workers[i];
		if (w->chan == -1 || w->blocked || w->draining ||
		    w->inhand >= w->cap)
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
class_block(struct worker *w, int blocked)
{
	w->blocked = blocked;
	event_watch(w->cls->epfd, EPOLL_CTL_MOD, w->chan,
	    blocked ? EPOLLIN | EPOLLOUT : EPOLLIN, w);
}

void
class_unblock(struct worker *w)
{
	if (w->blocked)
		class_block(w, 0);
}

/* The timer must fire by when at the latest: see class_wake. */
static void
class_wake_at(struct class *c, uint64_t when)
{
	if (c->wake_ms == 0 || when < c->wake_ms)
		c->wake_ms = when;
}

/*
 * Descriptors in flight are counted per user: this class's, another's,
 * or another process's may free up, and nothing says when.  The class
 * tries again on a timer (or at a DONE or a reap), other classes
 * meanwhile finding out for themselves.
 */
static void
class_hold(struct class *c)
{
	if (c->hold_ms == 0) {
		log_warnx("class %s: too many descriptors in flight to workers; "
		    "holding its connections", c->conf.name);
		c->hold_ms = CLASS_HOLD_MIN_MS;
	} else if ((c->hold_ms *= 2) > CLASS_HOLD_MAX_MS)
		c->hold_ms = CLASS_HOLD_MAX_MS;
	c->retry_ms = clock_ms() + c->hold_ms;
	class_wake_at(c, c->retry_ms);
}

int
class_retry(struct class *c, uint64_t now)
{
	if (c->hold_ms == 0 || (now != 0 && c->retry_ms > now))
		return 0;
	c->retry_ms = 0;
	return 1;
}

uint64_t
class_wake(struct class *c)
{
	uint64_t	when = c->wake_ms;

	c->wake_ms = 0;
	return when;
}

/*
 * When a worker is hung, 0: never.  A busy one that reports nothing is,
 * and so is one that has not said HELLO (a program that does not speak
 * the protocol), counted from its start.
 */
static uint64_t
class_worker_deadline(const struct class *c, const struct worker *w)
{
	if (c->conf.worker_timeout_ms == 0 || w->chan == -1)
		return 0;
	if (!w->hello)
		return w->started_ms + (uint64_t)c->conf.worker_timeout_ms;
	if (w->inhand == 0)
		return 0;
	return w->progress_ms + (uint64_t)c->conf.worker_timeout_ms;
}

uint64_t
class_deadline(const struct class *c)
{
	uint64_t	next = c->retry_ms, d;
	size_t		i;

	for (i = 0; i < c->nworkers; i++) {
		d = class_worker_deadline(c, c->workers[i]);
		if (d != 0 && (next == 0 || d < next))
			next = d;
	}
	return next;
}

const char *
class_worker_state(const struct worker *w, uint64_t now)
{
	uint64_t	d;

	if (w->pid == 0)
		return "waiting";
	if (w->draining)
		return "draining";
	if (w->chan == -1)
		return "lost";
	if ((d = class_worker_deadline(w->cls, w)) != 0 && d <= now)
		return "hung";
	if (!w->hello)
		return "starting";
	return w->blocked ? "blocked" : "running";
}

void
class_watch(struct class *c, uint64_t now)
{
	struct worker	*w;
	uint64_t	 d;
	size_t		 i;
	unsigned	 lost;

	for (i = 0; i < c->nworkers; i++) {
		w = c->workers[i];
		if ((d = class_worker_deadline(c, w)) == 0 || d > now)
			continue;
		lost = w->inhand;
		c->stats.hung++;
		if (!w->hello)
			log_warnx("worker %d (class %s) hung: no HELLO within "
			    "%" PRIu64 " ms of its start, with %u connection%s in "
			    "hand; killing it", (int)w->pid, c->conf.name,
			    now - w->started_ms, lost, lost == 1 ? "" : "s");
		else
			log_warnx("worker %d (class %s) hung: nothing done for "
			    "%" PRIu64 " ms with %u connection%s in hand; "
			    "killing it, its connections lost", (int)w->pid,
			    c->conf.name, now - w->progress_ms, lost,
			    lost == 1 ? "" : "s");
		/* Its slots are free at once: the process holds nothing we count. */
		class_channel_close(w);
		proc_signal(w, SIGKILL);
	}
}

/* A connection's record in a CONN to a worker of c. */
static void
class_record(const struct class *c, const struct conn *cn,
    struct channel_conn *cc)
{
	cc->id = cn->id;
	cc->class_idx = (uint32_t)c->index;
	cc->entry = cn->entry;
	cc->rule = (uint32_t)cn->rule;
	cc->listener = (uint32_t)cn->listener;
	cc->peer = cn->peer;
	cc->local = cn->local;
}

/* A worker took n more connections. */
static void
class_took(struct class *c, struct worker *w, size_t n)
{
	if (w->inhand == 0) {
		/* Busy from now: watched for progress. */
		w->progress_ms = clock_ms();
		if (c->conf.worker_timeout_ms > 0)
			class_wake_at(c, w->progress_ms +
			    (uint64_t)c->conf.worker_timeout_ms);
	}
	w->inhand += (unsigned)n;
	c->inhand += (unsigned)n;
	c->stats.handed += n;
	if (c->hold_ms != 0) {
		log_info("class %s: sending again", c->conf.name);
		c->hold_ms = 0;
	}
}

/*
 * Picks a worker for each of n connections in turn, as if each were sent
 * before the next is picked: to[i].  Returns how many have one, a
 * prefix; the counts in hand are left as they were.
 */
static size_t
class_plan(struct class *c, size_t n, struct worker **to)
{
	size_t	i, j, room = n;

	if (c->conf.max_connections > 0)
		room = c->inhand >= (unsigned)c->conf.max_connections ? 0 :
		    (unsigned)c->conf.max_connections - c->inhand;
	for (i = 0; i < n && i < room && (to[i] = class_pick(c)) != NULL; i++)
		to[i]->inhand++;
	for (j = 0; j < i; j++)
		to[j]->inhand--;
	return i;
}

/*
 * Sends worker w its share of cns[0..n) (those whose to[] is w), in CONNs
 * of up to CHANNEL_CONN_MAX, marking each one sent in done[].  Returns 0,
 * or -1 with errno set at the first CONN the channel did not take.
 */
static int
class_send_share(struct class *c, struct worker *w, struct conn *const *cns,
    size_t n, struct worker *const *to, unsigned char *done)
{
	struct channel_msg	 m;
	int			 fds[CHANNEL_CONN_MAX];
	size_t			 at[CHANNEL_CONN_MAX];
	size_t			 i = 0, k, j;

	while (i < n) {
		channel_msg_init(&m, CHANNEL_CONN);
		for (k = 0; i < n && k < CHANNEL_CONN_MAX; i++) {
			if (to[i] != w)
				continue;
			class_record(c, cns[i], &m.u.conn.c[k]);
			fds[k] = cns[i]->fd;
			at[k++] = i;
		}
		if (k == 0)
			break;
		m.u.conn.count = (uint32_t)k;
		if (channel_send(w->chan, &m, fds) == -1)
			return -1;
		class_took(c, w, k);
		for (j = 0; j < k; j++) {
			access_handed(c->access, cns[at[j]], w);
			done[at[j]] = 1;
		}
	}
	return 0;
}

/* What a CONN the channel did not take says about its worker or class. */
static enum class_sent
class_send_failed(struct class *c, struct worker *w)
{
	if (errno == ETOOMANYREFS) {
		class_hold(c);
		return CLASS_HELD;
	}
	if (errno == EAGAIN) {
		/* Backpressure: wait until this channel drains. */
		class_block(w, 1);
		return CLASS_FULL;
	}
	/* A dead worker's end: its exit is what gets reported. */
	if (errno == EPIPE || errno == ECONNRESET)
		log_debug("worker %d (class %s): channel closed",
		    (int)w->pid, c->conf.name);
	else
		log_warn("worker %d (class %s): cannot send",
		    (int)w->pid, c->conf.name);
	class_lost(w);
	return CLASS_FULL;
}

enum class_sent
class_send(struct class *c, struct conn **cns, size_t n, size_t *sent)
{
	struct worker	*to[CLASS_SEND_MAX];
	struct conn	*left[CLASS_SEND_MAX];
	unsigned char	 done[CLASS_SEND_MAX];
	struct conn	**rest;
	size_t		 i, planned, nrest, nleft;
	int		 failed;

	*sent = 0;
	while (*sent < n) {
		if (c->retry_ms != 0)
			return CLASS_HELD;
		rest = cns + *sent;
		nrest = n - *sent;
		if ((planned = class_plan(c, nrest, to)) == 0)
			return CLASS_FULL;
		/* Each worker its whole share at once, in accept order. */
		memset(done, 0, nrest);
		failed = 0;
		for (i = 0; i < planned; i++) {
			if (done[i] || to[i]->chan == -1 || to[i]->blocked)
				continue;
			if (class_send_share(c, to[i], rest, planned, to,
			    done) == 0)
				continue;
			failed = 1;
			if (class_send_failed(c, to[i]) == CLASS_HELD)
				break;
		}
		/* The sent to the front, the others after them in order. */
		for (i = 0, nleft = 0; i < nrest; i++) {
			if (done[i])
				cns[(*sent)++] = rest[i];
			else
				left[nleft++] = rest[i];
		}
		memcpy(cns + *sent, left, nleft * sizeof(left[0]));
		/* A worker failed: the others may take its share. */
		if (!failed && *sent < n)
			return CLASS_FULL;
	}
	return CLASS_SENT;
}

const char *
class_check(const struct worker *w, const struct channel_msg *m)
{
	switch (m->type) {
	case CHANNEL_HELLO:
		if (w->hello)
			return "a second HELLO";
		if (m->u.hello.pid != w->pid)
			return "a HELLO with another pid than its own";
		return NULL;
	case CHANNEL_DONE:
		if (m->u.done.count > w->inhand)
			return "a DONE for more connections than it holds";
		return NULL;
	default:
		return "a message only the dispatcher sends";
	}
}

int
class_message(struct worker *w, const struct channel_msg *m)
{
	uint32_t	i;

	if (class_check(w, m) != NULL)
		return -1;
	switch (m->type) {
	case CHANNEL_HELLO:
		w->hello = 1;
		return 0;
	case CHANNEL_DONE:
		w->inhand -= m->u.done.count;
		w->cls->inhand -= m->u.done.count;
		for (i = 0; i < m->u.done.count; i++)
			access_done(w->cls->access, m->u.done.id[i]);
		return 0;
	default:
		return -1;
	}
}
