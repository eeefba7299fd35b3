#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "event.h"
#include "listener.h"
#include "log.h"

struct listener *
listener_open(const struct config_listener *cl)
{
	struct listener	*l;
	int		 on = 1, v6only, saved;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->type = EVENT_LISTENER;
	l->fd = -1;
	l->ss = cl->ss;
	l->sslen = cl->sslen;
	addr_format((struct sockaddr *)&l->ss, l->name, sizeof(l->name));
	if (l->ss.ss_family == AF_INET)
		l->wildcard = ((struct sockaddr_in *)&l->ss)->sin_addr.s_addr ==
		    htonl(INADDR_ANY);
	else
		l->wildcard = IN6_IS_ADDR_UNSPECIFIED(
		    &((struct sockaddr_in6 *)&l->ss)->sin6_addr);

	l->fd = socket(l->ss.ss_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd == -1)
		goto fail;
	if (setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1)
		goto fail;
	/* "[::]" is dual-stack; any other IPv6 address is IPv6 only. */
	if (l->ss.ss_family == AF_INET6) {
		v6only = !l->wildcard;
		if (setsockopt(l->fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only,
		    sizeof(v6only)) == -1)
			goto fail;
	}
	if (bind(l->fd, (struct sockaddr *)&l->ss, l->sslen) == -1)
		goto fail;
	if (listen(l->fd, SOMAXCONN) == -1)
		goto fail;
	return l;

 fail:
	log_warn("cannot listen on %s", l->name);
	saved = errno;
	listener_close(l);
	errno = saved;
	return NULL;
}

void
listener_close(struct listener *l)
{
	if (l == NULL)
		return;
	if (l->fd != -1)
		close(l->fd);
	free(l);
}

int
listener_is(const struct listener *l, const struct config_listener *cl)
{
	return l->sslen == cl->sslen && memcmp(&l->ss, &cl->ss, l->sslen) == 0;
}
