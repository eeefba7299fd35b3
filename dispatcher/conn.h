/* conn: a client connection, accepted and not yet handed to a worker. */
#ifndef CONN_H
#define CONN_H

#include <sys/socket.h>

#include <stdint.h>

struct conn {
	int			 fd;
	uint64_t		 id;
	/*
	 * Its listener's index in the configuration; a reload that moves
	 * the listener renumbers it, one that removes it makes it -1.
	 */
	int			 listener;
	int			 lane;		/* accepted from, or -1: no lanes */
	int			 lane_priority;
	int			 entry;		/* of the ruleset, or -1 */
	int			 rule;		/* its number, 0: none matched */
	uint64_t		 queued_ms;	/* when it was queued, 0: never */
	struct sockaddr_storage	 peer;
	struct sockaddr_storage	 local;
};

#endif
