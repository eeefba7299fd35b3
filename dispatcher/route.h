/*
 * route: the routing policy, from a connection's peer to its fate: the
 * rules' verdict, deny, a worker of its class, the class's queue, the
 * overflow class, or a refusal with the class's busy reply.
 */
#ifndef ROUTE_H
#define ROUTE_H

#include "class.h"
#include "conn.h"

struct pool;

/* A regex match error is logged at most this often (and counted). */
#define ROUTE_ERROR_LOG_MS	1000

/*
 * Matches a connection against the rules and hands it to a worker of its
 * class, or queues it, or spills it to the overflow class, or refuses it.
 * A rule whose regex fails with a match error refuses it, with a warning.
 * The connection's descriptor is taken in every case.  A connection of a
 * class of the configuration's lowest priority is held until route_flush,
 * so that each worker is handed its share of a run of accepts in one CONN;
 * any other goes at once.  Returns 1 when it was refused (denied or
 * rejected), 0 otherwise (held included).
 */
int	route_conn(struct pool *, struct conn *);
/*
 * The end of a run of accepts: hands out the connections route_conn
 * held, class by class, each in its order.  Returns how many of them
 * were refused.
 */
int	route_flush(struct pool *);

/*
 * Refuses a connection of class c on purpose, counted by reason: the busy
 * reply, if any, then close.
 */
void	route_reject(struct class *, struct conn *, enum class_refusal);

#endif
