#include <sys/epoll.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "addr.h"
#include "clock.h"
#include "config.h"
#include "event.h"
#include "listener.h"
#include "log.h"
#include "proxy.h"
#include "proxy_wait.h"
#include "route.h"
#include "rules.h"

/* A parked connection, on the FIFO of deadlines, or dead once dropped. */
struct proxy_wait_entry {
	int				 type;	/* EVENT_PROXY; 0 once dropped */
	struct conn			 conn;
	struct listener			*l;
	uint64_t			 parked_ms;
	uint64_t			 deadline_ms;
	TAILQ_ENTRY(proxy_wait_entry)	 entry;
};

TAILQ_HEAD(proxy_wait_entries, proxy_wait_entry);

struct proxy_wait {
	struct {
		int	type;		/* EVENT_PROXY_TIMER */
		int	fd;
	} timer;
	int				 epfd;
	struct pool			*pool;
	struct access			*access;
	size_t				 max;		/* proxy_pending */
	uint64_t			 timeout_ms;
	/* Parked in order, hence by deadline: the timeout is the same. */
	struct proxy_wait_entries	 parked;
	size_t				 nparked;
	struct proxy_wait_entries	 dead;
	uint64_t			 armed_ms;	/* the timer's, 0: none */
	uint64_t			 logged_ms;
	uint64_t			 unlogged;
};

/* What became of one look at a connection's first bytes. */
enum proxy_wait_step {
	PROXY_WAIT_ROUTE,	/* header taken, addresses in place */
	PROXY_WAIT_PARK,	/* more to come */
	PROXY_WAIT_REFUSE,	/* result says why */
};

struct proxy_wait *
proxy_wait_new(int epfd, struct pool *p, struct access *a)
{
	struct proxy_wait	*pw;

	if ((pw = calloc(1, sizeof(*pw))) == NULL)
		return NULL;
	pw->timer.type = EVENT_PROXY_TIMER;
	if ((pw->timer.fd = timerfd_create(CLOCK_MONOTONIC,
	    TFD_NONBLOCK | TFD_CLOEXEC)) == -1) {
		free(pw);
		return NULL;
	}
	event_watch(epfd, EPOLL_CTL_ADD, pw->timer.fd, EPOLLIN, &pw->timer);
	pw->epfd = epfd;
	pw->pool = p;
	pw->access = a;
	pw->max = CONFIG_DEFAULT_PROXY_PENDING;
	pw->timeout_ms = CONFIG_DEFAULT_PROXY_TIMEOUT_MS;
	TAILQ_INIT(&pw->parked);
	TAILQ_INIT(&pw->dead);
	return pw;
}

/*
 * The timer is due at the first deadline or before it.  It is set again
 * only when a deadline comes before it or it has fired, not each time
 * the first connection leaves, which would cost a system call each: one
 * that fires early finds nothing due and is set for the next deadline.
 */
static void
proxy_wait_arm(struct proxy_wait *pw)
{
	struct proxy_wait_entry	*e = TAILQ_FIRST(&pw->parked);

	if (e == NULL || (pw->armed_ms != 0 && pw->armed_ms <= e->deadline_ms))
		return;
	clock_timer_at(pw->timer.fd, e->deadline_ms);
	pw->armed_ms = e->deadline_ms;
}

/*
 * A refusal: counted on its listener, told to the access log, and to the
 * log at most once every PROXY_WAIT_LOG_MS, so that a flood of bad or
 * untrusted peers cannot flood it.  Closes the connection.
 */
static void
proxy_wait_refuse(struct proxy_wait *pw, struct listener *l,
    struct conn *cn, enum proxy_result r, const char *why)
{
	char		peer[ADDR_PORTSTRLEN], reason[32];
	uint64_t	now = clock_ms();

	l->proxy[r]++;
	/* A reload may have moved its listener in the list. */
	cn->listener = (int)l->index;
	snprintf(reason, sizeof(reason), "proxy_%s", proxy_result_names[r]);
	access_refused(pw->access, cn, NULL, r == PROXY_RESULT_TIMEOUT ?
	    "timed_out" : r == PROXY_RESULT_CLOSED ? "left" : "refused",
	    reason);
	close(cn->fd);
	addr_format((const struct sockaddr *)&cn->peer, peer, sizeof(peer));
	if (pw->logged_ms != 0 && now - pw->logged_ms < PROXY_WAIT_LOG_MS) {
		pw->unlogged++;
		log_debug("connection %" PRIu64 " from %s on %s: %s; closed",
		    cn->id, peer, listener_name(l), why);
		return;
	}
	log_info("connection %" PRIu64 " from %s on %s: %s; closed (%" PRIu64
	    " other PROXY refusals not logged)", cn->id, peer,
	    listener_name(l), why, pw->unlogged);
	pw->logged_ms = now;
	pw->unlogged = 0;
}

/*
 * Peeks at what the connection sent and, once its header is whole,
 * takes exactly that and puts its addresses in place.  hangup: the
 * client has said it sends no more, so a header still short never ends.
 */
static enum proxy_wait_step
proxy_wait_read(struct listener *l, struct conn *cn, int hangup,
    enum proxy_result *r, const char **why)
{
	unsigned char		buf[PROXY_MAX];
	struct proxy_header	h;
	ssize_t			n;

	*r = PROXY_RESULT_CLOSED;
	*why = "closed before the end of its PROXY header";
	n = recv(cn->fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return hangup ? PROXY_WAIT_REFUSE : PROXY_WAIT_PARK;
	if (n <= 0)
		return PROXY_WAIT_REFUSE;
	switch (proxy_parse(buf, (size_t)n, &h)) {
	case PROXY_NEED_MORE:
		return hangup ? PROXY_WAIT_REFUSE : PROXY_WAIT_PARK;
	case PROXY_MALFORMED:
		*r = PROXY_RESULT_MALFORMED;
		*why = h.why;
		return PROXY_WAIT_REFUSE;
	case PROXY_OVERSIZED:
		*r = PROXY_RESULT_OVERSIZED;
		*why = h.why;
		return PROXY_WAIT_REFUSE;
	case PROXY_COMPLETE:
		break;
	}
	/* Peeked, so in the socket: less is a reset in between. */
	if (recv(cn->fd, buf, h.len, MSG_DONTWAIT) != (ssize_t)h.len)
		return PROXY_WAIT_REFUSE;
	switch (h.command) {
	case PROXY_CMD_PROXY:
		*r = PROXY_RESULT_PROXY;
		cn->peer = h.src;
		cn->local = h.dst;
		addr_unmap(&cn->peer);
		addr_unmap(&cn->local);
		break;
	case PROXY_CMD_LOCAL:
		*r = PROXY_RESULT_LOCAL;
		break;
	case PROXY_CMD_UNKNOWN:
		*r = PROXY_RESULT_UNKNOWN_FAMILY;
		break;
	}
	l->proxy[*r]++;
	return PROXY_WAIT_ROUTE;
}

/* Routes a connection whose header was taken. */
static int
proxy_wait_route(struct proxy_wait *pw, struct listener *l, struct conn *cn)
{
	/* As in proxy_wait_refuse. */
	cn->listener = (int)l->index;
	return route_conn(pw->pool, cn);
}

/* Parks a connection; 1 when refused, as there is no room. */
static int
proxy_wait_park(struct proxy_wait *pw, struct listener *l, struct conn *cn)
{
	struct proxy_wait_entry	*e;
	struct epoll_event	 ev;

	if (pw->nparked >= pw->max) {
		proxy_wait_refuse(pw, l, cn, PROXY_RESULT_TOO_MANY,
		    "proxy_pending connections wait for their PROXY header");
		return 1;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL) {
		log_warn("connection %" PRIu64 ": cannot park it", cn->id);
		proxy_wait_refuse(pw, l, cn, PROXY_RESULT_TOO_MANY,
		    "no memory to wait for its PROXY header");
		return 1;
	}
	e->type = EVENT_PROXY;
	e->conn = *cn;
	e->l = l;
	e->parked_ms = clock_ms();
	e->deadline_ms = e->parked_ms + pw->timeout_ms;
	/*
	 * Edge-triggered: the bytes peeked at stay in the socket, and would
	 * wake a level-triggered epoll at once, again and again.
	 */
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
	ev.data.ptr = e;
	if (epoll_ctl(pw->epfd, EPOLL_CTL_ADD, cn->fd, &ev) == -1) {
		log_warn("connection %" PRIu64 ": epoll_ctl", cn->id);
		free(e);
		proxy_wait_refuse(pw, l, cn, PROXY_RESULT_TOO_MANY,
		    "no room to wait for its PROXY header");
		return 1;
	}
	TAILQ_INSERT_TAIL(&pw->parked, e, entry);
	pw->nparked++;
	log_debug("connection %" PRIu64 " on %s: waiting for its PROXY header "
	    "(%zu waiting)", cn->id, listener_name(l), pw->nparked);
	proxy_wait_arm(pw);
	return 0;
}

int
proxy_wait_conn(struct proxy_wait *pw, struct listener *l,
    const struct config_listener *cl, struct conn *cn)
{
	struct rules_verdict	 v;
	enum proxy_result	 r;
	const char		*why;

	rules_match(cl->proxy_from, (const struct sockaddr *)&cn->peer, -1,
	    &v);
	if (v.entry == -1) {
		proxy_wait_refuse(pw, l, cn, PROXY_RESULT_UNTRUSTED,
		    "not in proxy_from");
		return 1;
	}
	switch (proxy_wait_read(l, cn, 0, &r, &why)) {
	case PROXY_WAIT_ROUTE:
		return proxy_wait_route(pw, l, cn);
	case PROXY_WAIT_PARK:
		return proxy_wait_park(pw, l, cn);
	case PROXY_WAIT_REFUSE:
		break;
	}
	proxy_wait_refuse(pw, l, cn, r, why);
	return 1;
}

/*
 * Out of the FIFO and epoll, the descriptor still open (it may go to a
 * worker); freed after the batch of events, some of which may point at
 * it.
 */
static void
proxy_wait_unpark(struct proxy_wait *pw, struct proxy_wait_entry *e)
{
	if (epoll_ctl(pw->epfd, EPOLL_CTL_DEL, e->conn.fd, NULL) == -1)
		fatal("epoll_ctl");
	TAILQ_REMOVE(&pw->parked, e, entry);
	pw->nparked--;
	e->type = 0;
	TAILQ_INSERT_TAIL(&pw->dead, e, entry);
}

static void
proxy_wait_input(struct proxy_wait *pw, struct proxy_wait_entry *e,
    uint32_t events)
{
	enum proxy_result	 r;
	const char		*why;
	int			 hangup;

	hangup = (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) != 0;
	switch (proxy_wait_read(e->l, &e->conn, hangup, &r, &why)) {
	case PROXY_WAIT_PARK:
		return;
	case PROXY_WAIT_ROUTE:
		proxy_wait_unpark(pw, e);
		proxy_wait_route(pw, e->l, &e->conn);
		route_flush(pw->pool);
		break;
	case PROXY_WAIT_REFUSE:
		proxy_wait_unpark(pw, e);
		proxy_wait_refuse(pw, e->l, &e->conn, r, why);
		break;
	}
	proxy_wait_arm(pw);
}

static void
proxy_wait_expire(struct proxy_wait *pw)
{
	struct proxy_wait_entry	*e;
	uint64_t		 ticks, now = clock_ms();

	if (read(pw->timer.fd, &ticks, sizeof(ticks)) == -1 && errno != EAGAIN)
		log_warn("PROXY header timer");
	pw->armed_ms = 0;	/* a one-shot timer that fired */
	while ((e = TAILQ_FIRST(&pw->parked)) != NULL &&
	    e->deadline_ms <= now) {
		proxy_wait_unpark(pw, e);
		proxy_wait_refuse(pw, e->l, &e->conn, PROXY_RESULT_TIMEOUT,
		    "no whole PROXY header within proxy_timeout_ms");
	}
	proxy_wait_arm(pw);
}

void
proxy_wait_event(struct proxy_wait *pw, void *ptr, uint32_t events)
{
	switch (*(int *)ptr) {
	case EVENT_PROXY:
		proxy_wait_input(pw, ptr, events);
		break;
	case EVENT_PROXY_TIMER:
		proxy_wait_expire(pw);
		break;
	}
}

void
proxy_wait_configure(struct proxy_wait *pw, const struct config *cf,
    int pending)
{
	struct proxy_wait_entry	*e;
	uint64_t		 by;

	pw->max = (size_t)pending;
	pw->timeout_ms = (uint64_t)cf->proxy_timeout_ms;
	/*
	 * Parked earlier, each is due earlier or at once: the FIFO stays in
	 * order of deadlines.
	 */
	TAILQ_FOREACH(e, &pw->parked, entry) {
		by = e->parked_ms + pw->timeout_ms;
		if (by < e->deadline_ms)
			e->deadline_ms = by;
	}
	proxy_wait_arm(pw);
}

/* Drops the parked connections of l, or all of them for NULL. */
static void
proxy_wait_drop(struct proxy_wait *pw, const struct listener *l,
    const char *outcome, const char *reason)
{
	struct proxy_wait_entry	*e, *next;

	for (e = TAILQ_FIRST(&pw->parked); e != NULL; e = next) {
		next = TAILQ_NEXT(e, entry);
		if (l != NULL && e->l != l)
			continue;
		proxy_wait_unpark(pw, e);
		/* Its listener is gone, or its index stale. */
		e->conn.listener = l != NULL ? -1 : (int)e->l->index;
		access_refused(pw->access, &e->conn, NULL, outcome, reason);
		close(e->conn.fd);
	}
	proxy_wait_arm(pw);
}

void
proxy_wait_forget(struct proxy_wait *pw, const struct listener *l)
{
	proxy_wait_drop(pw, l, "refused", "proxy_listener_gone");
}

void
proxy_wait_stop(struct proxy_wait *pw)
{
	proxy_wait_drop(pw, NULL, "lost", "stopped");
}

void
proxy_wait_gc(struct proxy_wait *pw)
{
	struct proxy_wait_entry	*e;

	while ((e = TAILQ_FIRST(&pw->dead)) != NULL) {
		TAILQ_REMOVE(&pw->dead, e, entry);
		free(e);
	}
}

void
proxy_wait_free(struct proxy_wait *pw)
{
	if (pw == NULL)
		return;
	proxy_wait_stop(pw);
	proxy_wait_gc(pw);
	close(pw->timer.fd);
	free(pw);
}
