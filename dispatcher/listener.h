/* listener: the listening sockets. */
#ifndef LISTENER_H
#define LISTENER_H

#include <sys/socket.h>

#include "addr.h"

struct config_listener;

struct listener {
	int			 type;		/* first: the loop's event tag */
	int			 fd;
	unsigned		 index;		/* in the configuration's list */
	int			 wildcard;	/* the local address varies */
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
	char			 name[ADDR_PORTSTRLEN];
};

/*
 * Opens a non-blocking listening socket; NULL with errno set and a message
 * logged when the address cannot be bound.
 */
struct listener	*listener_open(const struct config_listener *);
void		 listener_close(struct listener *);

/* Whether a listener already serves that configured address. */
int		 listener_is(const struct listener *,
		    const struct config_listener *);

#endif
