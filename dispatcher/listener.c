#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "event.h"
#include "lanes.h"
#include "listener.h"
#include "log.h"

/* A socket bound and listening on the listener's address, or -1. */
static int
listener_socket(const struct listener *l, int reuseport)
{
	int	fd, on = 1, v6only, saved;

	fd = socket(l->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0);
	if (fd == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		goto fail;
	/* Every socket of a group, the first included, before bind. */
	if (reuseport &&
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof(on)) == -1)
		goto fail;
	/* "[::]" is dual-stack; any other IPv6 address is IPv6 only. */
	if (l->ss.ss_family == AF_INET6) {
		v6only = !l->wildcard;
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
		    sizeof(v6only)) == -1)
			goto fail;
	}
	if (bind(fd, (const struct sockaddr *)&l->ss, l->sslen) == -1)
		goto fail;
	if (listen(fd, SOMAXCONN) == -1)
		goto fail;
	return fd;

 fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

struct listener *
listener_open(const struct config_listener *cl)
{
	struct listener	*l;
	int		 saved;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->type = EVENT_LISTENER;
	l->ss = cl->ss;
	l->sslen = cl->sslen;
	/* Sharing the port is asked for only by lanes: see listener_lanes. */
	l->reuseport = cl->lanes;
	addr_format((struct sockaddr *)&l->ss, l->name, sizeof(l->name));
	l->wildcard = addr_is_any(&l->ss);

	if ((l->lane[0].fd = listener_socket(l, l->reuseport)) == -1) {
		log_warn("cannot listen on %s", l->name);
		saved = errno;
		free(l);
		errno = saved;
		return NULL;
	}
	l->nlanes = 1;
	return l;
}

void
listener_close(struct listener *l)
{
	if (l == NULL)
		return;
	/* The last first, so that no socket moves in the group. */
	while (l->nlanes > 0)
		close(l->lane[--l->nlanes].fd);
	free(l);
}

int
listener_is(const struct listener *l, const struct config_listener *cl)
{
	return addr_same(&l->ss, l->sslen, &cl->ss, cl->sslen);
}

/* Highest priority first; among equals, the lane opened last. */
static void
listener_order(struct listener *l)
{
	size_t	i, j, k;

	for (i = 0; i < l->nlanes; i++) {
		k = i;
		for (j = i; j > 0 && l->lane[l->order[j - 1]].priority <=
		    l->lane[k].priority; j--)
			l->order[j] = l->order[j - 1];
		l->order[j] = k;
	}
}

size_t
listener_lanes(struct listener *l, int on, const struct lanes_prog *lp)
{
	size_t	old = l->nlanes, i;
	int	fd, one = 1;

	l->lanes = on;
	if (lp->nlanes > 1 && !l->reuseport) {
		/*
		 * Lanes turned on by a reload: Linux lets a listening socket
		 * share its port from now on.
		 */
		if (setsockopt(l->lane[0].fd, SOL_SOCKET, SO_REUSEPORT, &one,
		    sizeof(one)) == -1) {
			log_warn("lanes on %s: SO_REUSEPORT; running without "
			    "lanes", l->name);
			goto fail;
		}
		l->reuseport = 1;
	}
	while (l->nlanes < lp->nlanes) {
		if ((fd = listener_socket(l, 1)) == -1) {
			log_warn("cannot open lane %zu on %s; running without "
			    "lanes", l->nlanes, l->name);
			goto fail;
		}
		l->lane[l->nlanes++].fd = fd;
	}
	/* Sockets a reload left past the program's lanes are lane 0's. */
	for (i = 0; i < l->nlanes; i++)
		l->lane[i].priority = lp->priority[i < lp->nlanes ? i : 0];
	if (l->nlanes > 1 && lanes_attach(l->lane[0].fd, lp) == -1) {
		log_warn("the kernel refuses the lanes program of %s; running "
		    "without lanes", l->name);
		goto fail;
	}
	listener_order(l);
	return old;

 fail:
	/*
	 * Without a program the kernel spreads connections over every
	 * socket of the group, and all are drained alike.  None is closed:
	 * the connections waiting in it would be reset.
	 */
	if (l->reuseport && setsockopt(l->lane[0].fd, SOL_SOCKET,
	    SO_DETACH_REUSEPORT_BPF, &one, sizeof(one)) == -1 && errno != ENOENT)
		log_warn("lanes on %s: SO_DETACH_REUSEPORT_BPF", l->name);
	for (i = 0; i < l->nlanes; i++)
		l->lane[i].priority = 0;
	listener_order(l);
	l->lanes = 0;
	return old;
}
