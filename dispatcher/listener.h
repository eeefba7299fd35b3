/* listener: the listening sockets. */
#ifndef LISTENER_H
#define LISTENER_H

#include <sys/socket.h>

#include <stddef.h>

#include "addr.h"
#include "lanes.h"

struct config_listener;

/* One listening socket of a listener's reuseport group. */
struct listener_lane {
	int			 fd;
	int			 priority;	/* of the clients steered here */
};

struct listener {
	int			 type;		/* first: the loop's event tag */
	unsigned		 index;		/* in the configuration's list */
	int			 wildcard;	/* the local address varies */
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 name[ADDR_PORTSTRLEN];
	int			 reuseport;	/* sockets can join its port */
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
	int			 resting;	/* lowest lane not watched */
};

/*
 * Opens a non-blocking listening socket, lane 0, in a reuseport group of
 * its own when the listener has lanes; NULL with errno set and a message
 * logged when the address cannot be bound.
 */
struct listener	*listener_open(const struct config_listener *);
void		 listener_close(struct listener *);

/* Whether a listener already serves that configured address. */
int		 listener_is(const struct listener *,
		    const struct config_listener *);

/*
 * Gives the listener the lanes of a program: opens the sockets it lacks,
 * at the end of the group, and attaches the program when the group has
 * more than one.  A listener whose lanes cannot be set up logs a warning
 * and goes on without them: no program, every socket it has at the same
 * priority.  Returns how many sockets were open before, so that the
 * caller watches lane[old] to lane[nlanes - 1].
 */
size_t		 listener_lanes(struct listener *, int on,
		    const struct lanes_prog *);

#endif
