/*
 * listener: the listening sockets of one configured address, and how
 * they are drained: with lanes, the highest priority first, a lower lane
 * giving way every few accepts, and a lowest lane that only refuses
 * resting between batches.
 */
#ifndef LISTENER_H
#define LISTENER_H

#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "conn.h"
#include "lanes.h"
#include "proxy.h"

#define LISTENER_BATCH		64	/* accepts per readiness event and lane */
#define LISTENER_STRIDE		8	/* accepts between looks up or around */
#define LISTENER_REST_MS	2	/* a lowest lane that only refuses rests */
#define LISTENER_REST_AFTER	16	/* refusals in a row before it rests */
#define LISTENER_PAUSE_MS	100	/* out of descriptors: accepting pauses */

/* Why a listener does not accept now; both may hold at once. */
enum listener_pause {
	LISTENER_FULL = 0x01,	/* out of descriptors: every socket */
	LISTENER_REST = 0x02,	/* its lowest lane rests */
};

struct config_listener;

/* One listening socket of a listener's reuseport group. */
struct listener_lane {
	int			 fd;
	int			 priority;	/* of the clients steered here */
	uint32_t		 events;	/* what epoll watches, once it does */
	uint64_t		 accepted;	/* connections, for the metrics */
};

struct listener {
	int			 type;		/* first: the loop's event tag */
	unsigned		 index;		/* in the configuration's list */
	int			 wildcard;	/* the local address varies */
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 name[ADDR_PORTSTRLEN];
	int			 reuseport;	/* sockets can join its port */
	int			 inherited;	/* lane 0 is systemd's: kept open */
	int			 lanes;		/* on: connections name their lane */
	/*
	 * In the order they joined the group, which is the index the
	 * program returns; lane 0 is always open.  A reload that needs
	 * fewer lanes keeps the others: closing one would move the last
	 * socket of the group into its place.
	 */
	struct listener_lane	 lane[LANES_MAX];
	size_t			 nlanes;
	size_t			 order[LANES_MAX];	/* highest priority first */
	int			 epfd;		/* -1 until listener_watch */
	size_t			 nwatched;	/* lanes epoll knows */
	int			 paused;	/* enum listener_pause bits */
	unsigned		 starved;	/* pauses, out of descriptors, in a row */
	int			 refusing;	/* its last batch refused some */
	uint64_t		 proxy[PROXY_RESULTS];	/* headers, for the metrics */
	/*
	 * With shards (shard.h), the next shard's listener of the same
	 * address: its sockets are in the same group.  The first shard's
	 * listener stands for them all: listener_close closes them all.
	 */
	struct listener		*sibling;
};

/*
 * Opens a non-blocking listening socket, lane 0, that does not share its
 * port: NULL with errno set and a message logged when the address cannot
 * be bound, also when another socket listens on it with SO_REUSEPORT.
 * With fd other than -1, lane 0 is that socket instead, listening on the
 * address already (inherited from systemd: non-blocking, and left open by
 * listener_close, as systemd.c owns it).
 */
struct listener	*listener_open(const struct config_listener *, int fd);
/*
 * A listener made of the n sockets of a listener of the dispatcher this
 * one upgrades, lane 0 first, in the order they joined the group: it owns
 * them, and listener_lanes attaches its program again.  NULL (errno set)
 * when out of memory, the sockets then still the caller's.
 */
struct listener	*listener_adopt(const struct config_listener *,
		    const int *fd, size_t n);
void		 listener_close(struct listener *);

/*
 * Adds a sibling to the last of l's, for the next shard: its lane 0, a
 * socket of its own in the group, which l's lane 0 lets join.  Returns
 * 0, or -1 with errno set, logged.
 */
int		 listener_join(struct listener *l);
/* l's sibling n steps away (0: l itself), or NULL. */
struct listener	*listener_sibling(struct listener *l, size_t n);

/*
 * Opens the sockets l lacks for n lanes, at the end of the group, so
 * that the shards' sockets can be opened lane by lane (see lanes.h);
 * listener_lanes opens the rest.  Returns 0, or -1 (errno set).
 */
int		 listener_grow(struct listener *l, size_t n);

/*
 * With on, every socket of l and its siblings hands out a connection
 * only once its first bytes have come, or after a second without them
 * (TCP_DEFER_ACCEPT): a PROXY header is then read at once, not awaited.
 */
void		 listener_defer(struct listener *l, int on);
/* Whether l is one of the n listeners of v. */
int		 listener_in(struct listener *const *v, size_t n,
		    const struct listener *l);
/* Whether a listener already serves that configured address. */
int		 listener_is(const struct listener *,
		    const struct config_listener *);

/*
 * Gives the listener the lanes of a program: opens the sockets it lacks,
 * at the end of the group, and attaches the program when the group has
 * more than one.  A listener whose lanes cannot be set up logs a warning
 * and goes on without them: no program, every socket it has at the same
 * priority.  A resting lane is watched again, as the new lanes may order
 * the sockets otherwise.  Returns whether it runs with lanes.
 */
int		 listener_lanes(struct listener *, int on,
		    const struct lanes_prog *);

/* The listener's address, for messages. */
const char	*listener_name(const struct listener *);

/* Its place in the configuration, which a reload may change. */
void		 listener_set_index(struct listener *, unsigned);

/*
 * Has epfd watch every socket of the listener, now and as lanes are
 * added, for events that point at the listener.
 */
void		 listener_watch(struct listener *, int epfd);

/* Stops or starts accepting for a reason (enum listener_pause). */
void		 listener_pause(struct listener *, int why);
void		 listener_resume(struct listener *, int why);

/*
 * Receives one accepted connection, with its peer, local address,
 * listener and lane filled in; returns 1 when it was refused.
 */
typedef int	 listener_conn_fn(void *arg, struct conn *);
/*
 * The end of a run of accepts from one lane: the connections fn kept
 * are to be handed out now; returns how many of them were refused.
 */
typedef int	 listener_flush_fn(void *arg);

/*
 * Accepts what the listener's sockets hold, a bounded batch, and hands
 * each connection to fn, calling flush after each run from one lane.
 * Returns 0, or the reason (enum listener_pause) it paused itself:
 * LISTENER_FULL when out of descriptors (logged), after which the caller
 * resumes it in LISTENER_PAUSE_MS, or LISTENER_REST, after which the
 * caller resumes it in LISTENER_REST_MS.
 */
int		 listener_accept(struct listener *, listener_conn_fn *,
		    listener_flush_fn *flush, void *arg);

#endif
