/*
 * proxy_wait: connections on a listener with proxy_protocol, from their
 * accept to the end of their PROXY header.
 *
 * A peer not in the listener's proxy_from is refused unread.  The header
 * is read without taking a byte after it: what the socket holds is
 * peeked at, judged by proxy_parse, and exactly the header is taken, so
 * that the client's first bytes stay in the socket for the worker.  A
 * connection whose header has not all come yet is parked: watched in the
 * dispatcher's epoll (EVENT_PROXY), at most proxy_pending of them, each
 * for proxy_timeout_ms at most (one timerfd, EVENT_PROXY_TIMER: the
 * deadlines are in parking order).  Once the header is whole, the
 * connection's peer and local address become the ones it carries and it
 * goes to route_conn, then route_flush, as any other.  Every outcome is
 * counted on its listener (enum proxy_result); refusals are told to the
 * access log and, at most once a second, to the log.
 */
#ifndef PROXY_WAIT_H
#define PROXY_WAIT_H

#include <stdint.h>

#include "conn.h"

struct access;
struct config;
struct config_listener;
struct listener;
struct pool;
struct proxy_wait;

/* Refusals are logged at most this often, with a count of the others. */
#define PROXY_WAIT_LOG_MS	1000

/* NULL when out of memory or without a timerfd (errno set). */
struct proxy_wait	*proxy_wait_new(int epfd, struct pool *,
			    struct access *);
/* Drops what is parked (see proxy_wait_stop) and frees it all. */
void			 proxy_wait_free(struct proxy_wait *);

/*
 * Takes proxy_timeout_ms from a configuration, and parks pending
 * connections at most (its shard's share of proxy_pending); a shorter
 * timeout applies to the connections parked already, from when they
 * were parked.
 */
void			 proxy_wait_configure(struct proxy_wait *,
			    const struct config *, int pending);

/*
 * A connection just accepted on listener l, whose configuration is cl
 * (with proxy_protocol): refused, routed with the header's addresses, or
 * parked.  The descriptor is taken in every case.  Returns 1 when it
 * was refused, here or by route_conn.
 */
int			 proxy_wait_conn(struct proxy_wait *, struct listener *l,
			    const struct config_listener *cl, struct conn *);

/* An EVENT_PROXY or EVENT_PROXY_TIMER event. */
void			 proxy_wait_event(struct proxy_wait *, void *ptr,
			    uint32_t events);

/*
 * Listener l is about to close (a reload removed it): its parked
 * connections are dropped, refused with reason proxy_listener_gone.
 */
void			 proxy_wait_forget(struct proxy_wait *,
			    const struct listener *l);

/* The stop: every parked connection is closed (outcome lost, stopped). */
void			 proxy_wait_stop(struct proxy_wait *);

/* Frees what the last batch of events left behind; call between batches. */
void			 proxy_wait_gc(struct proxy_wait *);

#endif
