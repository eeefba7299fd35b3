#include <sys/epoll.h>

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "event.h"
#include "lanes.h"
#include "listener.h"
#include "log.h"

static void	listener_rewatch(struct listener *);

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
	/* Lanes past the first join lane 0's group: before bind. */
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
listener_open(const struct config_listener *cl, int fd)
{
	struct listener	*l;
	socklen_t	 len = sizeof(l->reuseport);
	int		 saved;

	if ((l = calloc(1, sizeof(*l))) == NULL) {
		log_warn("cannot listen on %s", cl->text);
		return NULL;
	}
	l->type = EVENT_LISTENER;
	l->epfd = -1;
	l->ss = cl->ss;
	l->sslen = cl->sslen;
	addr_format((struct sockaddr *)&l->ss, l->name, sizeof(l->name));
	l->wildcard = addr_is_any(&l->ss);
	if (fd != -1) {
		/*
		 * Whether lanes may join its port now, or only once
		 * listener_lanes lets them, depends on the unit's ReusePort=.
		 */
		if (getsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &l->reuseport,
		    &len) == -1)
			l->reuseport = 0;
		l->inherited = 1;
		l->lane[0].fd = fd;
		l->nlanes = 1;
		return l;
	}

	/*
	 * Lane 0 is bound without SO_REUSEPORT, lanes or not, so that the
	 * kernel refuses the port when anyone listens on it.  With
	 * SO_REUSEPORT, a socket of any process of the same user joins the
	 * group of the sockets already there: a second dispatcher would share
	 * the port and replace the first one's program.  listener_lanes lets
	 * the port be shared once it is ours; from then on, only a program
	 * that asks for SO_REUSEPORT itself, as this user, can join.
	 */
	if ((l->lane[0].fd = listener_socket(l, 0)) == -1) {
		log_warn("cannot listen on %s", l->name);
		saved = errno;
		free(l);
		errno = saved;
		return NULL;
	}
	l->nlanes = 1;
	return l;
}

struct listener *
listener_adopt(const struct config_listener *cl, const int *fd, size_t n)
{
	struct listener	*l;

	if ((l = listener_open(cl, fd[0])) == NULL)
		return NULL;
	l->inherited = 0;	/* no systemd.c to close lane 0 */
	for (; l->nlanes < n; l->nlanes++)
		l->lane[l->nlanes].fd = fd[l->nlanes];
	return l;
}

void
listener_close(struct listener *l)
{
	size_t	k;

	if (l == NULL)
		return;
	/* The last opened first, so that no socket moves in the group. */
	listener_close(l->sibling);
	/*
	 * epoll forgets a socket when its last descriptor closes, in any
	 * process: systemd's lane 0, and every lane handed to an upgrade's
	 * new dispatcher, would still wake the loop for a listener freed.
	 */
	for (k = 0; k < l->nwatched; k++)
		(void)epoll_ctl(l->epfd, EPOLL_CTL_DEL, l->lane[k].fd, NULL);
	while (l->nlanes > 0)
		if (--l->nlanes > 0 || !l->inherited)
			close(l->lane[l->nlanes].fd);
	free(l);
}

/* Lets sockets join the port of l's lane 0 (see listener_open). */
static int
listener_share(struct listener *l)
{
	int	one = 1;

	if (l->reuseport)
		return 0;
	if (setsockopt(l->lane[0].fd, SOL_SOCKET, SO_REUSEPORT, &one,
	    sizeof(one)) == -1)
		return -1;
	l->reuseport = 1;
	return 0;
}

int
listener_join(struct listener *l)
{
	struct listener	*sib;
	int		 saved;

	if (listener_share(l) == -1) {
		log_warn("shards on %s: SO_REUSEPORT", l->name);
		return -1;
	}
	while (l->sibling != NULL)
		l = l->sibling;
	if ((sib = calloc(1, sizeof(*sib))) == NULL) {
		log_warn("cannot listen on %s", l->name);
		return -1;
	}
	sib->type = EVENT_LISTENER;
	sib->epfd = -1;
	sib->ss = l->ss;
	sib->sslen = l->sslen;
	memcpy(sib->name, l->name, sizeof(sib->name));
	sib->wildcard = l->wildcard;
	sib->reuseport = 1;
	if ((sib->lane[0].fd = listener_socket(sib, 1)) == -1) {
		saved = errno;
		log_warn("cannot open a shard's socket on %s", l->name);
		free(sib);
		errno = saved;
		return -1;
	}
	sib->nlanes = 1;
	l->sibling = sib;
	return 0;
}

struct listener *
listener_sibling(struct listener *l, size_t n)
{
	while (l != NULL && n-- > 0)
		l = l->sibling;
	return l;
}

int
listener_grow(struct listener *l, size_t n)
{
	int	fd;

	if (n > LANES_MAX || (n > 1 && listener_share(l) == -1))
		return -1;
	while (l->nlanes < n) {
		if ((fd = listener_socket(l, 1)) == -1)
			return -1;
		l->lane[l->nlanes++].fd = fd;
	}
	listener_rewatch(l);
	return 0;
}

int
listener_in(struct listener *const *v, size_t n, const struct listener *l)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (v[i] == l)
			return 1;
	return 0;
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

int
listener_lanes(struct listener *l, int on, const struct lanes_prog *lp)
{
	size_t	i;
	int	fd, one = 1;

	l->lanes = on;
	/*
	 * The port is ours (see listener_open): Linux lets a listening
	 * socket share it from now on.
	 */
	if (lp->nlanes > 1 && listener_share(l) == -1) {
		log_warn("lanes on %s: SO_REUSEPORT; running without lanes",
		    l->name);
		goto fail;
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
	goto done;

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
	l->lanes = 0;
 done:
	listener_order(l);
	l->paused &= ~LISTENER_REST;
	listener_rewatch(l);
	return l->lanes;
}

const char *
listener_name(const struct listener *l)
{
	return l->name;
}

void
listener_set_index(struct listener *l, unsigned index)
{
	l->index = index;
}

void
listener_defer(struct listener *l, int on)
{
	const struct listener	*sib;
	size_t			 i;
	int			 secs = on;

	for (sib = l; sib != NULL; sib = sib->sibling)
		for (i = 0; i < sib->nlanes; i++)
			if (setsockopt(sib->lane[i].fd, IPPROTO_TCP,
			    TCP_DEFER_ACCEPT, &secs, sizeof(secs)) == -1)
				log_warn("%s: TCP_DEFER_ACCEPT", l->name);
}

/* What epoll watches on a lane, given why the listener is paused. */
static uint32_t
listener_events(const struct listener *l, size_t lane)
{
	if (l->paused & LISTENER_FULL)
		return 0;
	if ((l->paused & LISTENER_REST) && lane == l->order[l->nlanes - 1])
		return 0;
	return EPOLLIN;
}

/*
 * Tells epoll what to watch on the lanes whose events changed (a rest
 * changes one, under a flood every few milliseconds), adding new ones.
 */
static void
listener_rewatch(struct listener *l)
{
	uint32_t	ev;
	size_t		k;

	if (l->epfd == -1)
		return;
	for (k = 0; k < l->nlanes; k++) {
		ev = listener_events(l, k);
		if (k < l->nwatched && ev == l->lane[k].events)
			continue;
		event_watch(l->epfd, k < l->nwatched ? EPOLL_CTL_MOD :
		    EPOLL_CTL_ADD, l->lane[k].fd, ev, l);
		l->lane[k].events = ev;
	}
	l->nwatched = l->nlanes;
}

void
listener_watch(struct listener *l, int epfd)
{
	l->epfd = epfd;
	listener_rewatch(l);
}

void
listener_pause(struct listener *l, int why)
{
	if ((l->paused & why) == why)
		return;
	l->paused |= why;
	listener_rewatch(l);
}

void
listener_resume(struct listener *l, int why)
{
	if ((l->paused & why) == 0)
		return;
	l->paused &= ~why;
	listener_rewatch(l);
}

/*
 * Up to max connections from one lane; returns how many were taken, in
 * *refused how many of them fn refused, and in *full the error when
 * accepting failed for lack of descriptors or memory.
 */
static int
listener_accept_lane(struct listener *l, size_t lane, int max,
    listener_conn_fn *fn, void *arg, int *refused, int *full)
{
	struct conn	cn;
	socklen_t	len;
	int		i;

	*refused = 0;
	for (i = 0; i < max; i++) {
		memset(&cn, 0, sizeof(cn));
		len = sizeof(cn.peer);
		cn.fd = accept4(l->lane[lane].fd, (struct sockaddr *)&cn.peer,
		    &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cn.fd == -1) {
			switch (errno) {
			case EAGAIN:
				return i;
			case EINTR:
			case ECONNABORTED:
			case EPROTO:
			case ENETDOWN:
			case ENOPROTOOPT:
			case EHOSTDOWN:
			case ENONET:
			case EHOSTUNREACH:
			case EOPNOTSUPP:
			case ENETUNREACH:
				/* The client's trouble, not ours. */
				continue;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				*full = errno;
				return i;
			default:
				log_warn("accept on %s", l->name);
				return i;
			}
		}
		l->lane[lane].accepted++;
		if (l->starved > 0) {
			log_info("accept on %s again, after %u pauses",
			    l->name, l->starved);
			l->starved = 0;
		}
		addr_unmap(&cn.peer);
		if (l->wildcard) {
			len = sizeof(cn.local);
			if (getsockname(cn.fd, (struct sockaddr *)&cn.local,
			    &len) == -1) {
				log_warn("getsockname");
				close(cn.fd);
				continue;
			}
			addr_unmap(&cn.local);
		} else
			memcpy(&cn.local, &l->ss, l->sslen);
		cn.listener = (int)l->index;
		cn.lane = l->lanes ? (int)lane : -1;
		cn.lane_priority = l->lane[lane].priority;
		*refused += fn(arg, &cn);
	}
	return i;
}

/*
 * The lanes are drained the highest priority first, so that clients the
 * kernel steered to a higher lane are not accepted after a flood in a
 * lower one.  A lower lane gives way every LISTENER_STRIDE accepts, when
 * the higher ones are looked at again: a special client arriving
 * meanwhile waits for a few accepts, not for a whole batch.
 *
 * A lowest lane that has only refused connections for LISTENER_REST_AFTER
 * accepts holds a flood its classes cannot take.  It is not watched for
 * LISTENER_REST_MS, so that the dispatcher sleeps and a client steered to
 * a higher lane wakes it at once, instead of waiting for a dispatcher kept
 * busy (and, under load, off the CPU) refusing the flood.  The lane is
 * still drained every few milliseconds, as fast as it was before on a
 * machine this busy.  Only with a program can the lowest lane hold just
 * the flood.
 *
 * Elsewhere, a run of LISTENER_STRIDE accepts, of any lane, that refused
 * every connection it took ends the batch: the workers' reports of
 * connections done, which free the room those connections lacked, are
 * read before more are accepted.  A full class would otherwise stay full
 * for a whole batch of refusals after its workers are done, milliseconds
 * when the dispatcher is short of CPU.  Whether a run was refused is
 * known once its connections were sent (flush), so a listener that is
 * refusing (from a refusal until a batch that refused none) drains even
 * its highest lane in runs of LISTENER_STRIDE.  Otherwise that lane goes
 * in one run, whose connections go out in fewer, fuller CONNs.
 */
int
listener_accept(struct listener *l, listener_conn_fn *fn,
    listener_flush_fn *flush, void *arg)
{
	size_t	i = 0, lowest = l->nlanes - 1;
	int	budget = LISTENER_BATCH * (int)l->nlanes, n, max;
	int	refused, refusals = 0, flood = 0, full = 0;

	/* Other listeners' events of this batch come after a pause. */
	if (l->paused & LISTENER_FULL)
		return 0;
	while (i < l->nlanes && budget > 0) {
		max = i == 0 && !l->refusing ? budget : LISTENER_STRIDE;
		if (max > budget)
			max = budget;
		n = listener_accept_lane(l, l->order[i], max, fn, arg,
		    &refused, &full);
		refused += flush(arg);
		budget -= n;
		if (refused > 0)
			l->refusing = 1;
		refusals += refused;
		/*
		 * Out of descriptors after taking some: handed out now, those
		 * may have freed theirs, so try again before pausing.
		 */
		if (full != 0 && n > 0) {
			full = 0;
			continue;
		}
		if (full != 0) {
			/*
			 * Level-triggered epoll would spin: wait.  Said once,
			 * not ten times a second, and again when it is over.
			 */
			if (l->starved++ == 0) {
				errno = full;
				log_warn("accept on %s; pausing for %d ms",
				    l->name, LISTENER_PAUSE_MS);
			}
			listener_pause(l, LISTENER_FULL);
			return LISTENER_FULL;
		}
		if (l->lanes && i == lowest && lowest > 0) {
			flood = n > 0 && refused == n ? flood + n : 0;
			if (flood >= LISTENER_REST_AFTER) {
				listener_pause(l, LISTENER_REST);
				return LISTENER_REST;
			}
		} else if (n > 0 && refused == n)
			return 0;
		i = n == max ? 0 : i + 1;
	}
	if (refusals == 0)
		l->refusing = 0;
	return 0;
}
